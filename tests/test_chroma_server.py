"""Footnote against a real `chroma run` server: vectors live there, the catalog stays local."""

import json
import subprocess
import sys

import pytest

from tests.chroma_server import ChromaServer
from tests.ui_server import free_port


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A Chroma server's port, the server stopped after the module."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-data"), tmp_path_factory.mktemp("chroma-log") / "server.log")
    try:
        yield server.start().port
    finally:
        server.stop()


@pytest.fixture
def footnote_on_server(footnote, chroma_server):
    """The `footnote` command with its vectors on the test server."""
    server = {"FOOTNOTE_CHROMA_HOST": "127.0.0.1", "FOOTNOTE_CHROMA_PORT": str(chroma_server)}

    def run(*args: str, **more_env: str) -> subprocess.CompletedProcess:
        return footnote(*args, **{**server, **more_env})

    return run


def _server_collections(port: int) -> dict[str, int]:
    """Collection name → vector count, read from the server by a separate client."""
    script = ("import chromadb, json, sys; c = chromadb.HttpClient(host='127.0.0.1', port=int(sys.argv[1]));"
              "print(json.dumps({x.name: x.count() for x in c.list_collections()}))")
    return json.loads(subprocess.run([sys.executable, "-c", script, str(port)], capture_output=True, text=True,
                                     check=True).stdout)


def test_ingest_and_ask_keep_vectors_on_the_server(footnote_on_server, sources, chroma_server, tmp_path):
    assert footnote_on_server("ingest", str(sources)).stdout.strip().endswith("1 added, 0 updated, 0 unchanged, "
                                                                              "0 removed, 0 failed")
    status = json.loads(footnote_on_server("status", "--json").stdout)
    assert status["store"] == f"http://127.0.0.1:{chroma_server}"
    assert _server_collections(chroma_server)[status["collection"]] == status["chunks"] > 0
    assert not (tmp_path / "data" / "chroma").exists()  # nothing stored in an embedded Chroma

    answer = json.loads(footnote_on_server("ask", "--json", "Where was Otmane Khalladi captured?").stdout)
    assert not answer["abstained"] and "Playa del Carmen" in answer["answer"]
    assert answer["citations"][0]["path"].endswith("000_c12f4e3d27157f56.txt")
    assert footnote_on_server("ingest", str(sources)).stdout.strip().startswith("0 added, 0 updated, 1 unchanged")


def test_an_unreachable_server_is_a_one_line_error(footnote_on_server, sources):
    result = footnote_on_server("ask", "Where was Otmane Khalladi captured?", FOOTNOTE_CHROMA_PORT=str(free_port()))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("footnote: no Chroma server answers at http://127.0.0.1:") and "chroma run" in line


def test_prune_drops_an_earlier_versions_collection_from_the_server(footnote_on_server, sources, chroma_server,
                                                                     tmp_path):
    footnote_on_server("ingest", str(sources))
    current = json.loads(footnote_on_server("status", "--json").stdout)["collection"]
    old = current.replace("-int8q3-", "-int8q1-")  # as an earlier int8 recipe named it
    (tmp_path / "data" / f"{old}.sqlite").write_bytes((tmp_path / "data" / f"{current}.sqlite").read_bytes())
    script = ("import chromadb, sys; c = chromadb.HttpClient(host='127.0.0.1', port=int(sys.argv[1]));"
              "c.create_collection(sys.argv[2], embedding_function=None).add(ids=['x'], embeddings=[[0.1] * 384])")
    subprocess.run([sys.executable, "-c", script, str(chroma_server), old], check=True, capture_output=True)
    assert old in _server_collections(chroma_server)

    assert footnote_on_server("prune").stdout.startswith("deleted 1 index")
    left = _server_collections(chroma_server)
    assert old not in left and current in left
    assert not (tmp_path / "data" / f"{old}.sqlite").exists()
