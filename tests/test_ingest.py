"""Ingest is incremental and content-addressed: no re-embedding, no duplicates, nothing lost."""

import shutil
import sqlite3
import sys
import threading
import time

import numpy as np
import pytest

from index import embedder as embedder_module
from index import token_vectors, word_piece_upgrade
from index.catalog import Catalog
from index.embedder import Embedder
from index.vectors import pack_int4
from tests.conftest import ROOT, SAMPLE_ARTICLE

sys.path.insert(0, str(ROOT / "bench"))  # the robustness bench's one-line file, at a test's size


def _consistent(assistant) -> None:
    corpus = assistant.corpus
    ids = corpus.catalog.chunk_ids()
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    assert corpus.vectors.ids() == set(ids), "Chroma and the catalog disagree"
    assert sorted(corpus.keywords.ids()) == sorted(ids), "BM25 and the catalog disagree"


def test_second_ingest_of_unchanged_sources_embeds_nothing(make_assistant, sources):
    assistant = make_assistant()
    first = assistant.ingest([sources])
    assert first.summary() == "1 added, 0 updated, 0 unchanged, 0 removed, 0 failed"
    assert first.chunks_embedded > 0
    again = make_assistant().ingest([sources])  # a new process would start like this
    assert again.summary() == "0 added, 0 updated, 1 unchanged, 0 removed, 0 failed"
    assert again.chunks_embedded == 0
    _consistent(assistant)


def test_an_index_from_before_word_piece_vectors_answers_and_is_completed_by_the_next_ingest(make_assistant, sources):
    make_assistant().ingest([sources])
    [stored] = (sources.parent / "data").glob("*.sqlite")
    with sqlite3.connect(stored) as older:
        older.execute("ALTER TABLE chunks DROP COLUMN token_vectors")  # what catalogs looked like before
    assistant = make_assistant()
    assert assistant.ask("How many operatives were expelled to the United States?").citations
    again = assistant.ingest([sources])
    assert again.summary() == "0 added, 1 updated, 0 unchanged, 0 removed, 0 failed" and again.chunks_embedded > 0
    catalog = assistant.corpus.catalog
    assert all(len(tokens) for _, _, tokens in catalog.vectors(catalog.chunk_ids()).values())
    assert make_assistant().ingest([sources]).chunks_embedded == 0
    _consistent(assistant)


def _int8(compressed: np.ndarray) -> bytes:
    """How word-piece rows were stored before int4: as they are."""
    return compressed.astype(np.int8).tobytes()


def _int4(compressed: np.ndarray) -> bytes:
    """How word-piece rows were stored before product quantization: int4 after a one-byte mark."""
    return b"\x04" + pack_int4(compressed)


@pytest.mark.parametrize("every_piece, recorded", [
    (True, None), (False, token_vectors.INT8_FORMAT), (False, token_vectors.INT4_FORMAT)])
def test_word_piece_vectors_of_an_earlier_form_are_upgraded_in_place_to_what_an_ingest_stores_now(
        make_assistant, sources, monkeypatch, every_piece, recorded):
    """The first form kept a row per word-piece and recorded no form; the second, content words' rows in int8;
    the third, the same as int4."""
    def stored_word_pieces() -> dict[str, bytes]:
        with sqlite3.connect(next((sources.parent / "data").glob("*.sqlite"))) as db:
            return dict(db.execute("SELECT id, token_vectors FROM chunks"))

    def catalog_bytes() -> int:  # the catalog with its write-ahead log
        return sum(f.stat().st_size for f in stored.parent.glob(stored.name + "*"))

    question = "How many operatives were expelled to the United States?"
    make_assistant().ingest([sources])
    now = stored_word_pieces()
    shutil.rmtree(sources.parent / "data")
    with monkeypatch.context() as earlier:
        earlier.setattr(token_vectors, "to_bytes", _int4 if recorded == token_vectors.INT4_FORMAT else _int8)
        if every_piece:
            pieces_in = embedder_module._pieces_in
            earlier.setattr(embedder_module, "_kept_pieces", lambda text, offsets, spans: pieces_in(offsets, spans))
        make_assistant().ingest([sources])
    before = stored_word_pieces()
    # int4 rows take twice the bytes of coded ones (which open with a one-byte mark); int8 and the first form's, more.
    assert before.keys() == now.keys() and all(len(before[c]) >= 2 * (len(now[c]) - 1) > 0 for c in now)
    [stored] = (sources.parent / "data").glob("*.sqlite")
    with sqlite3.connect(stored) as db:
        db.execute("DELETE FROM meta WHERE key=?", (word_piece_upgrade.FORM,))  # the first catalogs did not record it
        if recorded:
            db.execute("INSERT INTO meta VALUES (?, ?)", (word_piece_upgrade.FORM, recorded))
    size = catalog_bytes()
    assistant = make_assistant()
    answered = assistant.ask(question).citations  # read in the earlier form
    again = assistant.ingest([sources])  # every write session upgrades first
    assert again.summary() == "0 added, 0 updated, 1 unchanged, 0 removed, 0 failed" and again.chunks_embedded == 0
    upgraded = stored_word_pieces()
    if recorded == token_vectors.INT4_FORMAT:  # coded from the int4 rows, not the int8 ones an ingest codes
        assert all(len(upgraded[c]) == len(now[c]) for c in now)
        same = np.mean(np.concatenate([np.frombuffer(upgraded[c], np.uint8) == np.frombuffer(now[c], np.uint8)
                                       for c in now]))
        cosines = np.concatenate([(token_vectors.from_bytes(upgraded[c]) * token_vectors.from_bytes(now[c])).sum(axis=1)
                                  for c in now])
        assert same > 0.6 and cosines.mean() > 0.93  # measured 0.69 and 0.95: a differing code names a neighbour
    else:
        assert upgraded == now  # the very bytes an ingest stores now
    assert catalog_bytes() < size  # the space given back
    assert assistant.corpus.catalog.meta(word_piece_upgrade.FORM) == token_vectors.FORMAT
    assert word_piece_upgrade.upgrade_word_pieces(assistant.corpus.catalog, assistant.corpus.embedder) == 0
    assert assistant.ask(question).citations == answered
    _consistent(assistant)


def test_changed_file_replaces_its_chunks_and_removed_file_loses_them(make_assistant, sources):
    assistant = make_assistant()
    assistant.ingest([sources])
    article = sources / SAMPLE_ARTICLE.name
    before = set(assistant.corpus.catalog.chunk_ids())
    article.write_text(article.read_text() + "\nA late addition: the lighthouse keeper counted 412 ships.\n")
    report = assistant.ingest([sources])
    assert report.summary() == "0 added, 1 updated, 0 unchanged, 0 removed, 0 failed"
    after = set(assistant.corpus.catalog.chunk_ids())
    assert after != before and len(after) >= len(before)
    # Chunks before the edit keep their text, so their vectors are reused, not recomputed.
    assert report.chunks_embedded < len(after)
    _consistent(assistant)
    assert "412 ships" in assistant.ask("How many ships did the lighthouse keeper count?").answer
    article.unlink()
    report = assistant.ingest([sources])
    assert len(report.removed) == 1 and report.removed[0].endswith(SAMPLE_ARTICLE.name)
    assert assistant.status()["chunks"] == 0 and assistant.corpus.vectors.count() == 0


def test_bad_files_are_reported_and_the_rest_is_indexed(make_assistant, sources, tmp_path):
    assistant = make_assistant()
    assistant.ingest([sources])
    chunks_before = assistant.status()["chunks"]
    (sources / "empty.txt").write_bytes(b"")
    (sources / "junk.txt").write_bytes(bytes(range(256)) * 50)
    (sources / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    (sources / "latin1.txt").write_bytes("Le phare de Saint-Malo a compté 412 navires.".encode("latin-1"))
    (sources / "good.md").write_text("The harbour master retired in 1999 after forty years.")
    report = assistant.ingest([sources, tmp_path / "missing-folder"])
    reasons = {path.rsplit("/", 1)[-1]: reason for path, reason in report.failed.items()}
    assert reasons["empty.txt"].startswith("empty file")
    assert reasons["junk.txt"] == "binary data, not text"
    assert "PDF" in reasons["broken.pdf"]
    assert reasons["missing-folder"] == "no such file or directory"
    assert len(report.added) == 2 and len(report.unchanged) == 1
    assert assistant.status()["chunks"] > chunks_before
    assert {f["path"].rsplit("/", 1)[-1] for f in assistant.status()["failures"]} >= {"empty.txt", "junk.txt", "broken.pdf"}
    _consistent(assistant)


def test_corrupt_new_version_keeps_the_indexed_one(make_assistant, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    note = folder / "note.txt"
    note.write_text("The harbour master retired in 1999 after forty years.")
    assistant = make_assistant()
    assistant.ingest([folder])
    note.write_bytes(bytes(range(256)) * 20)
    report = assistant.ingest([folder])
    assert len(report.failed) == 1
    assert "1999" in assistant.ask("When did the harbour master retire?").answer


def test_thousand_small_files(make_assistant, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(1000):
        (folder / f"note{i:04d}.txt").write_text(f"Shipment {i} left the harbour carrying {i * 7} crates of tea.")
    assistant = make_assistant()
    report = assistant.ingest([folder])
    assert len(report.added) == 1000 and not report.failed
    assert assistant.status()["documents"] == 1000
    answer = assistant.ask("How many crates of tea did shipment 417 carry?")
    assert "2919" in answer.answer
    assert make_assistant().ingest([folder]).chunks_embedded == 0


def test_same_content_under_two_names_is_two_documents(make_assistant, sources):
    shutil.copy(sources / SAMPLE_ARTICLE.name, sources / "copy.txt")
    assistant = make_assistant()
    assistant.ingest([sources])
    _consistent(assistant)
    assert assistant.status()["documents"] == 2


def test_a_document_vector_is_the_unit_mean_of_its_chunks_also_in_a_catalog_from_before(make_assistant, sources,
                                                                                        tmp_path):
    assistant = make_assistant()
    assistant.ingest([sources])
    catalog = assistant.corpus.catalog
    path = catalog.documents()[0]["path"]
    chunks = [vector for vector, _, _ in catalog.vectors(catalog.chunk_ids(path)).values()]
    mean = np.mean(chunks, axis=0) / np.linalg.norm(np.mean(chunks, axis=0))
    assert catalog.document_vectors([path, "never/indexed.txt"])[path] == pytest.approx(mean, abs=1e-6)
    [stored] = (tmp_path / "data").glob("*.sqlite")
    older = sqlite3.connect(tmp_path / "older.sqlite")
    sqlite3.connect(stored).backup(older)
    older.execute("ALTER TABLE documents DROP COLUMN vector")  # what catalogs looked like before
    older.close()
    assert Catalog(tmp_path / "older.sqlite", Embedder.dimension).document_vectors([path])[path] == pytest.approx(mean, abs=1e-6)


@pytest.mark.timeout(300)  # a guard: splitting a long line took time quadratic in its length (400 KB: 87 s)
def test_a_one_line_file_of_megabytes_is_indexed_while_questions_are_answered(make_assistant, sources):
    from robustness import FACT_QUESTION, one_line_text

    assistant = make_assistant()
    assistant.ingest([sources])
    assert assistant.warm_up() is None
    folder = sources.parent / "long"
    folder.mkdir()
    (folder / "one-line.txt").write_text(one_line_text(3 * 2**20))
    ingesting, answered = threading.Event(), []

    def ask() -> None:
        ingesting.wait()
        while ingesting.is_set():
            answer = assistant.ask("How many operatives were expelled to the United States?")
            answered.append(("37" in answer.answer, ingesting.is_set()))
            time.sleep(0.2)

    asking = threading.Thread(target=ask)
    asking.start()
    ingesting.set()
    report = assistant.ingest([folder])
    ingesting.clear()
    asking.join()
    assert report.added == ["long/one-line.txt"] and not report.failed
    assert sum(during for _, during in answered) >= 3, "questions waited for the ingest instead of being answered"
    assert all(right for right, _ in answered)
    assert "1213" in assistant.ask(FACT_QUESTION).answer
    _consistent(assistant)
