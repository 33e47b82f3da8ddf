"""Writers across processes: racing ingests lose nothing, a kill -9 breaks nothing, readers never see half an index."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.catalog import Catalog
from index.embedder import Embedder
from index.keyword_index import KeywordIndex
from index.writer_lock import WriterLock

from tests.conftest import ROOT, write_documents

pytestmark = pytest.mark.timeout(900)


def _agree(assistant) -> list[str]:
    """The chunk ids every store holds, once they agree (fails the test otherwise)."""
    corpus = assistant.corpus
    ids = corpus.catalog.chunk_ids()
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    assert corpus.vectors.ids() == set(ids), "Chroma and the catalog disagree"
    assert sorted(corpus.keywords.ids()) == sorted(ids), "the keyword index and the catalog disagree"
    vectors = corpus.catalog.vectors(ids)
    # Among the nearest ten, not first: the graph is approximate (Chroma searches with ef 10 unless asked for more),
    # and after many deletions one run in several missed one chunk at k=1 that Chroma held (ids() above).
    lost = [cid for cid in ids if cid not in {found for found, _ in corpus.vectors.search(vectors[cid][0], 10)}]
    assert lost == [], f"{len(lost)} chunks can't be found by their own vector"
    return ids


def _env(tmp_path: Path, models_dir: Path) -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FOOTNOTE_DATA_DIR": str(tmp_path / "data"),
            "FOOTNOTE_MODELS_DIR": str(models_dir), "FOOTNOTE_THREADS": "1"}


def test_twenty_five_ingests_racing_a_large_one_lose_nothing(make_assistant, tmp_path, models_dir):
    write_documents(tmp_path / "large", 150)
    small = write_documents(tmp_path / "small", 25, start=500)
    env = _env(tmp_path, models_dir)
    command = [sys.executable, "-m", "assistant", "ingest"]
    # The large folder twice: two identical ingests at once must not both claim to have added it.
    runs = [subprocess.Popen([*command, str(tmp_path / "large")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    runs += [subprocess.Popen([*command, str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for path in small]
    outputs = [run.communicate(timeout=800) for run in runs]
    assert [run.returncode for run in runs] == [0] * len(runs), [err for _, err in outputs if err]
    large = [out.strip().splitlines()[-1] for out, _ in outputs[:2]]
    assert sorted(large) == ["0 added, 0 updated, 150 unchanged, 0 removed, 0 failed",
                             "150 added, 0 updated, 0 unchanged, 0 removed, 0 failed"]
    assert any("waiting for another process" in err for _, err in outputs)

    assistant = make_assistant()
    assert assistant.status()["documents"] == 175 and assistant.status()["problems"] == []
    ids = _agree(assistant)
    assert len(ids) == assistant.status()["chunks"]
    again = assistant.ingest([tmp_path / "large", tmp_path / "small"])
    assert again.chunks_embedded == 0 and len(again.unchanged) == 175


REBUILD_FOREVER = """
import sys
from pathlib import Path
from index.catalog import Catalog
from index.embedder import Embedder
from index.keyword_index import KeywordIndex
catalog, folder = Path(sys.argv[1]), Path(sys.argv[2])
ids, texts, groups = Catalog(catalog, Embedder.dimension).keyword_texts()
keywords = KeywordIndex(folder)
print("ready", flush=True)
for turn in range(10_000):  # alternate row counts, so a torn index shows as a mismatch
    n = len(ids) - 7 * (turn % 2)
    keywords.rebuild(ids[:n], texts[:n], groups[:n])
    # Written whole or not at all: the test's kill -9 once landed between write_text's truncate and its write.
    (folder.parent / "rebuilds.tmp").write_text(str(turn + 1))
    (folder.parent / "rebuilds.tmp").replace(folder.parent / "rebuilds")
"""


def _rebuilder(data: Path) -> subprocess.Popen:
    catalog = next(data.glob("*.sqlite"))
    process = subprocess.Popen([sys.executable, "-c", REBUILD_FOREVER, str(catalog), str(catalog.with_suffix(".bm25"))],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process


def test_kill_9_during_keyword_rebuilds_never_breaks_ask(make_assistant, tmp_path):
    folder = tmp_path / "docs"
    write_documents(folder, 120)
    make_assistant().ingest([folder])
    question = "How many were counted in Report 17?"
    chance = random.Random(18)
    for _ in range(10):
        rebuilding = _rebuilder(tmp_path / "data")
        time.sleep(chance.uniform(0.1, 1.5))
        os.kill(rebuilding.pid, signal.SIGKILL)
        rebuilding.wait()
        assistant = make_assistant()
        assert assistant.ask(question).passages  # answers even before the next ingest
        report = assistant.ingest([folder])
        assert report.summary() == "0 added, 0 updated, 120 unchanged, 0 removed, 0 failed"
        _agree(assistant)
        answer = assistant.ask(question)
        assert answer.passages and answer.timings_ms["total"] > 0


def _change(folder: Path, chance: random.Random, start: int) -> None:
    """Twelve documents added, one edited and one deleted: an ingest adds, replaces and removes, and
    embedding them makes its session long enough (about half a second) for scheduling noise to matter less."""
    edited, deleted = chance.sample(sorted(folder.iterdir()), 2)
    edited.write_text(edited.read_text() + f"The ferry counted {chance.randrange(10, 9999)} crates that spring.\n")
    deleted.unlink()
    write_documents(folder, 12, start=start)


def _ingesting(folder: Path, env: dict, lock: WriterLock) -> subprocess.Popen:
    """`python -m assistant ingest folder` started, returned once it holds the writer lock: before that it
    only loads, and from then on it embeds and writes Chroma, the catalog and the keyword index."""
    process = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(folder)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not lock.busy() and process.poll() is None:
        time.sleep(0.002)
    return process


def test_kill_9_during_ingests_never_breaks_ask_or_the_next_ingest(make_assistant, tmp_path, models_dir):
    folder, env, lock = tmp_path / "docs", _env(tmp_path, models_dir), WriterLock(tmp_path / "data")
    write_documents(folder, 30)
    make_assistant().ingest([folder])
    chance = random.Random(18)
    sessions = []  # how long one write session holds the lock, uninterrupted: the shortest of three
    for turn in range(3):
        _change(folder, chance, 900 + 12 * turn)
        uninterrupted = _ingesting(folder, env, lock)
        began = time.monotonic()
        while lock.busy():
            time.sleep(0.002)
        sessions.append(time.monotonic() - began)
        out, err = uninterrupted.communicate(timeout=300)
        assert uninterrupted.returncode == 0, err
        assert out.strip().splitlines()[-1] == f"12 added, 1 updated, {28 + 11 * turn} unchanged, 1 removed, 0 failed"
    session = min(sessions)
    writing = 0
    for turn in range(10):
        _change(folder, chance, 1000 + 12 * turn)
        ingesting = _ingesting(folder, env, lock)
        # One kill in each tenth of the session: embedding takes part of it, and the writes (Chroma, the
        # catalog's commit, the keyword segment and its merges) come last. The tenths are of 80% of the
        # shortest of three sessions, as sessions vary from run to run (measured once and 90% of it, in one CI
        # run only 5 of 10 kills landed inside the lock: the first session had been slow).
        time.sleep(0.8 * session * (turn + chance.random()) / 10)
        writing += lock.busy()
        ingesting.kill()
        ingesting.communicate()
        assistant = make_assistant()
        assert assistant.ask("How many were counted in Report 17?").passages  # before any ingest mends
        assert assistant.ingest([folder]).failed == {}
        _agree(assistant)
        held = sorted(path.name for path in folder.iterdir())
        assert sorted(Path(path).name for path in assistant.indexed_paths()) == held
        assert assistant.status()["documents"] == len(held) and assistant.status()["problems"] == []
    assert writing >= 7, f"only {writing} of 10 kills came while the ingest held the writer lock"


def test_readers_never_see_half_a_rebuilt_keyword_index(make_assistant, tmp_path):
    folder = tmp_path / "docs"
    write_documents(folder, 300)
    make_assistant().ingest([folder])
    catalog = next((tmp_path / "data").glob("*.sqlite"))
    full = len(Catalog(catalog, Embedder.dimension).chunk_ids())
    rebuilding = _rebuilder(tmp_path / "data")
    reads, torn = 0, []
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            keywords = KeywordIndex(catalog.with_suffix(".bm25"))  # a fresh reader, as another process opens it
            try:
                ids, rows = keywords.ids(), int(keywords.layout().document_sizes.sum())
                hits = keywords.search("harbour lighthouse keeper", 50)
                if len(ids) != rows or len(ids) not in (full, full - 7) or not hits:
                    torn.append(f"{len(ids)} ids, {rows} rows")
            except Exception as error:  # noqa: BLE001 — any failure to read is what the test looks for
                torn.append(repr(error))
            reads += 1
    finally:
        os.kill(rebuilding.pid, signal.SIGKILL)
        rebuilding.wait()
    assert int((tmp_path / "data" / "rebuilds").read_text()) >= 5, "fewer than five rebuilds during the reads"
    assert reads > 100 and torn == [], f"{len(torn)} of {reads} reads saw a torn index: {torn[:5]}"
