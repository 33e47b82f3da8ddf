"""The catalog, the vector store and the keyword index agree, or say so in plain words and are mended."""

import subprocess
import sys
import threading

from index.writer_lock import WriterLock

from tests.conftest import ROOT

DROP_VECTORS = """
import sys
from pathlib import Path
from index.vector_store import VectorStore
data = Path(sys.argv[1])
name = next(data.glob("*.sqlite")).stem
store = VectorStore(name, path=data / "chroma")
store.delete(sorted(store.ids())[:3])  # what the clean-up of a racing ingest used to do
"""


def test_status_says_what_disagrees_check_exits_5_and_ingest_mends_it(footnote, sources, tmp_path):
    assert footnote("ingest", str(sources)).returncode == 0
    check = footnote("check")
    assert check.returncode == 0 and check.stdout.startswith("consistent: ")
    subprocess.run([sys.executable, "-c", DROP_VECTORS, str(tmp_path / "data")], cwd=ROOT, check=True)

    status = footnote("status")
    assert status.returncode == 0
    assert "problem: 3 of " in status.stdout and "passages have no vector" in status.stdout
    check = footnote("check")
    assert check.returncode == 5 and "3 of" in check.stdout and "--repair" in check.stdout
    again = footnote("ingest", str(sources))  # nothing changed on disk, yet the index is mended
    assert again.returncode == 0 and "1 unchanged" in again.stdout
    assert footnote("check").returncode == 0 and "problem" not in footnote("status").stdout

    subprocess.run([sys.executable, "-c", DROP_VECTORS, str(tmp_path / "data")], cwd=ROOT, check=True)
    repaired = footnote("check", "--repair")
    assert repaired.returncode == 0 and repaired.stdout.startswith("repaired: 3 of ")
    assert footnote("check").returncode == 0


def test_a_batch_with_failures_exits_4_and_names_them(footnote, sources):
    (sources / "junk.txt").write_bytes(bytes(range(256)) * 50)
    result = footnote("ingest", str(sources))
    assert result.returncode == 4
    assert "failed: sources/junk.txt: binary data, not text" in result.stderr and "1 added" in result.stdout


def test_a_second_writer_waits_for_the_first_and_says_so(sources, tmp_path, models_dir):
    lock, release = WriterLock(tmp_path / "data"), threading.Event()
    held = threading.Event()

    def hold() -> None:  # as another process's ingest does
        with lock.held():
            held.set()
            release.wait(120)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FOOTNOTE_DATA_DIR": str(tmp_path / "data"),
           "FOOTNOTE_MODELS_DIR": str(models_dir)}
    ingest = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(sources)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    said = ingest.stderr.readline()
    assert ingest.poll() is None  # still waiting: it has written nothing meanwhile
    release.set()
    holder.join()
    out, _ = ingest.communicate(timeout=300)
    assert said.strip() == f"footnote: waiting for another process writing to {tmp_path / 'data'} to finish…"
    assert ingest.returncode == 0 and "1 added" in out


def test_the_writer_lock_lets_its_holder_in_again_and_keeps_other_threads_waiting(tmp_path):
    lock, order = WriterLock(tmp_path), []

    def other() -> None:
        with lock.held(on_wait=lambda: order.append("other waits")):
            order.append("other writes")

    assert not lock.busy()
    with lock.held():
        with lock.held():  # an ingest that removes a vanished file takes it again
            order.append("nested")
        waiting = threading.Thread(target=other)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and lock.busy()
        order.append("first done")
    waiting.join(5)
    assert order == ["nested", "other waits", "first done", "other writes"] and not lock.busy()
