"""The footnote command: outputs, exit codes and one-line messages for bad input."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def test_ingest_ask_status_end_to_end(footnote, sources):
    ingest = footnote("ingest", str(sources))
    assert ingest.returncode == 0, ingest.stderr
    assert ingest.stdout.strip().endswith("1 added, 0 updated, 0 unchanged, 0 removed, 0 failed")
    assert ingest.stderr == ""  # no library chatter (bm25s logs each index build at DEBUG unless quieted)
    ask = footnote("ask", "How many operatives were expelled to the United States?")
    assert ask.returncode == 0
    first, citation = ask.stdout.splitlines()[:2]
    assert "37 operatives" in first and first.rstrip().endswith("]")
    assert citation.strip().startswith("[1]") and "000_c12f4e3d27157f56.txt:2" in citation
    answer = json.loads(footnote("ask", "--json", "How many operatives were expelled?").stdout)
    assert set(answer) >= {"question", "answer", "abstained", "citations", "passages", "timings_ms"}
    status = footnote("status")
    assert "documents: 1" in status.stdout and "all-MiniLM-L6-v2" in status.stdout


@pytest.mark.parametrize("question, message", [
    ("", "the question is empty"),
    ("   \n ", "the question is empty"),
    ("x" * 100_000, "the question is 100,000 characters long"),
])
def test_bad_questions_exit_2_with_one_line(footnote, sources, question, message):
    footnote("ingest", str(sources))
    result = footnote("ask", question)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"footnote: {message}; the limit is 2,000" if "long" in message
                                                   else f"footnote: {message}"]


def test_question_in_another_script_abstains_with_a_note(footnote, sources):
    footnote("ingest", str(sources))
    result = footnote("ask", "--json", "有多少名行动人员被驱逐到美国？")
    answer = json.loads(result.stdout)
    assert result.returncode == 0 and answer["abstained"] and answer["citations"] == []
    assert "Latin script" in answer["note"]


def test_asking_before_anything_is_indexed_says_to_ingest(footnote):
    result = footnote("ask", "How many operatives were expelled?")
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["The documents don't answer this.",
                                          "  (Nothing is indexed yet for this model: run `footnote ingest`, "
                                          "or add documents in the web chat.)"]


def test_missing_path_exits_2_but_indexes_the_rest(footnote, sources, tmp_path):
    result = footnote("ingest", str(sources), str(tmp_path / "nope.txt"))
    assert result.returncode == 2
    assert "nope.txt: no such file or directory" in result.stderr
    assert "1 added" in result.stdout


def test_bad_setting_exits_2(footnote):
    result = footnote("status", "--top-k", "many")
    assert result.returncode == 2 and result.stderr.strip() == "footnote: top_k must be a number, not 'many'"


def test_chat_resolves_a_follow_up(footnote, sources):
    footnote("ingest", str(sources))
    result = footnote("chat", stdin="What was Otmane Khalladi sought for?\nand where was he captured?\n")
    assert result.returncode == 0
    answers = [line for line in result.stdout.splitlines() if not line.startswith("  ")]
    assert len(answers) == 2
    assert "electronic fraud" in answers[0]
    assert "Playa del Carmen" in answers[1]
    assert "  (interpreted as: Where was Otmane Khalladi captured?)" in result.stdout.splitlines()


FABRICATE_EARLIER_VERSION = """
import shutil, sys
from pathlib import Path
from index.catalog import Catalog
from index.embedder import Embedder
from index.vector_store import VectorStore
data, models = Path(sys.argv[1]), Path(sys.argv[2])
current = next(p.stem for p in data.glob("*.sqlite"))
old = current.replace("-int8q3-", "-int8q1-")  # the same index as an earlier int8 recipe wrote it
shutil.copy(data / f"{current}.sqlite", data / f"{old}.sqlite")
shutil.copytree(data / f"{current}.bm25", data / f"{old}.bm25")
chunks = Catalog(data / f"{old}.sqlite", Embedder.dimension)
ids = chunks.chunk_ids()
vectors = chunks.vectors(ids)
VectorStore(old, path=data / "chroma").add(list(chunks.chunks(ids).values()), [vectors[i][0] for i in ids])
shutil.copy(data / f"{current}.sqlite", data / f"{current.replace('-c200o1', '-c150o1')}.sqlite")  # other chunking: kept
(models / "all-MiniLM-L6-v2-int8q1.onnx").write_bytes(b"0" * 2_000_000)
(models / "footnote-verifier-1d48c6548844-int8.onnx").write_bytes(b"0" * 2_000_000)  # as the graph was built before
(models / "footnote-verifier-1d48c6548844-int8.sha256.json").write_text("{}")
print(old)
"""
LIST_COLLECTIONS = "import chromadb, sys; print(sorted(c.name for c in chromadb.PersistentClient(sys.argv[1]).list_collections()))"


def test_prune_deletes_what_earlier_versions_left_and_nothing_in_use(footnote, sources, tmp_path, models_dir):
    footnote("ingest", str(sources))
    footnote("ask", "How many operatives were expelled to the United States?")  # builds the verifier's graph
    in_use = {path.name for path in models_dir.glob("footnote-verifier-*")}
    data = tmp_path / "data"
    old = subprocess.run([sys.executable, "-c", FABRICATE_EARLIER_VERSION, str(data), str(models_dir)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip()
    status = footnote("status").stdout
    assert "earlier: 1 index and 2 model exports of earlier versions" in status and "`footnote prune`" in status

    pruned = footnote("prune")
    assert pruned.returncode == 0 and pruned.stdout.startswith("deleted 1 index and 2 model exports"), pruned.stderr
    assert not list(data.glob(f"{old}.*")) and not (models_dir / "all-MiniLM-L6-v2-int8q1.onnx").exists()
    assert in_use and {path.name for path in models_dir.glob("footnote-verifier-*")} == in_use
    collections = subprocess.run([sys.executable, "-c", LIST_COLLECTIONS, str(data / "chroma")],
                                 capture_output=True, text=True, check=True).stdout
    assert old not in collections and "-int8q3-c200o1" in collections
    assert list(data.glob("*-c150o1.sqlite")) and list(models_dir.glob("*int8q3.onnx"))
    assert "earlier" not in footnote("status").stdout
    ask = footnote("ask", "How many operatives were expelled to the United States?")
    assert "37 operatives" in ask.stdout and "[1]" in ask.stdout
