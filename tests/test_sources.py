"""Which files a folder holds and what the index calls them: one key per file, whatever the working
directory; symlinks kept inside the folder; nothing stale left behind."""

import os
import sqlite3
from pathlib import Path

from tests.conftest import SAMPLE_ARTICLE

QUESTION = "How many operatives were expelled to the United States?"


def _paths(assistant) -> list[str]:
    return [row["path"] for row in assistant.documents()]


def test_the_same_folder_ingested_from_another_working_directory_is_not_indexed_twice(make_assistant, sources,
                                                                                       tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = make_assistant().ingest([sources.relative_to(tmp_path)])
    assert first.added == ["sources/000_c12f4e3d27157f56.txt"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assistant = make_assistant()
    for path in (sources, os.path.relpath(sources, elsewhere)):
        report = assistant.ingest([Path(path)])
        assert report.summary() == "0 added, 0 updated, 1 unchanged, 0 removed, 0 failed"
    assert _paths(assistant) == ["sources/000_c12f4e3d27157f56.txt"]
    paths = {c.path for c in assistant.ask(QUESTION).citations}
    assert paths == {"sources/000_c12f4e3d27157f56.txt"}


def test_symlinks_are_not_followed_out_of_the_folder(make_assistant, sources, tmp_path):
    secret = tmp_path / "private" / "diary.txt"
    secret.parent.mkdir()
    secret.write_text("The diary says the vault code is 4417 and the spare key lies under the blue pot.")
    (sources / "diary.txt").symlink_to(secret)
    (sources / "private").symlink_to(secret.parent)
    (sources / "article-again.txt").symlink_to(sources / SAMPLE_ARTICLE.name)  # inside: the same file, once
    assistant = make_assistant()
    report = assistant.ingest([sources])
    assert report.added == ["sources/000_c12f4e3d27157f56.txt"]
    assert set(report.skipped) == {"sources/diary.txt", "sources/private"}
    assert "outside" in report.skipped["sources/diary.txt"]
    assert _paths(assistant) == ["sources/000_c12f4e3d27157f56.txt"]
    assert "4417" not in assistant.ask("What is the vault code?").answer


def test_a_deleted_symlinks_target_is_dropped(make_assistant, sources, tmp_path):
    outside = tmp_path / "elsewhere" / "note.txt"
    outside.parent.mkdir()
    outside.write_text("The ferry to the island leaves at 7:40 every morning from pier nine.")
    link = sources / "note.txt"
    link.symlink_to(outside)
    assistant = make_assistant()
    assert assistant.ingest([link]).added == ["elsewhere/note.txt"]  # named on its own, a link is followed
    link.unlink()
    report = assistant.ingest([sources])
    assert report.removed == ["elsewhere/note.txt"] and "elsewhere/note.txt" not in _paths(assistant)
    assert "7:40" not in assistant.ask("When does the ferry leave?").answer


def test_failures_of_files_that_are_gone_are_forgotten(make_assistant, sources):
    junk = sources / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 50)
    assistant = make_assistant()
    assistant.ingest([sources])
    assert [f["path"] for f in assistant.status()["failures"]] == ["sources/junk.txt"]
    junk.unlink()
    assert assistant.status()["failures"] == []  # gone from the list at once
    assistant.ingest([sources])
    assert assistant.corpus.catalog.failures() == []  # and from the catalog at the next ingest


def test_a_catalog_keyed_by_old_paths_moves_to_resolved_keys_without_embedding_again(make_assistant, sources,
                                                                                   tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assistant = make_assistant()
    assistant.ingest([sources])
    [catalog] = (tmp_path / "data").glob("*.sqlite")
    with sqlite3.connect(catalog) as older:  # what earlier versions wrote: paths as given, twice over
        older.execute("DELETE FROM meta")
        for table in ("documents", "chunks"):
            older.execute(f"UPDATE {table} SET path = ?", (str(sources / SAMPLE_ARTICLE.name),))
        older.execute("ALTER TABLE documents DROP COLUMN origin")
    assistant = make_assistant()
    report = assistant.ingest([sources])
    assert report.summary() == "0 added, 0 updated, 1 unchanged, 0 removed, 0 failed"
    assert report.chunks_embedded == 0 and _paths(assistant) == ["sources/000_c12f4e3d27157f56.txt"]
    assert assistant.check().agrees
    answer = assistant.ask(QUESTION)
    assert {c.path for c in answer.citations} == {"sources/000_c12f4e3d27157f56.txt"}
