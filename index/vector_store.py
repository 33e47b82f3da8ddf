"""Chunk vectors in a Chroma collection (cosine space), embedded on disk or on a Chroma server."""

from contextlib import nullcontext
from pathlib import Path

import numpy as np

from index.document import Chunk
from index.writer_lock import WriterLock

# Chroma rejects larger add() batches; stay well under its limit.
_WRITE_BATCH = 2000
_OPENING = "chroma-open.lock"


class StoreUnavailable(Exception):
    """The configured Chroma server does not answer; the message says how to fix that."""


class VectorStore:
    """Chunk vectors by chunk id, searched by cosine.

    >>> store = VectorStore("footnote-demo", path=Path(".footnote/chroma"))
    >>> store.search(vector, 5)
    [('3f0c…', 0.71), …]
    """

    def __init__(self, name: str, path: Path | None = None, host: str | None = None, port: int = 8000) -> None:
        self.name, self._where = name, (path, host, port)
        self.location, self._collection = self._open()

    def reopen(self) -> None:
        """See what another process wrote. A server always answers with what it holds; an embedded
        store keeps its search index in this process's memory and must be opened afresh."""
        if self._where[1]:  # a server
            return
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()  # else the same in-memory system comes back
        self.location, self._collection = self._open()

    def _open(self):
        path, host, port = self._where
        # Two processes creating one embedded store at once race in Chroma's own set-up ("table
        # collections already exists"): opening is one at a time per data folder (milliseconds).
        with nullcontext() if host else WriterLock(path.parent, _OPENING).held():
            location, client = _client(path, host, port)
            # embedding_function=None: vectors always come from us; Chroma's default downloads a model.
            return location, client.get_or_create_collection(
                self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})

    def add(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Store chunk vectors by chunk id (ids must not exist yet: delete replaced chunks first). Where each
        passage is, and its text, stay in the catalog: the text stored here too (as llama-index's
        ChromaVectorStore writes it, with a node record and Chroma's trigram index of it) took 9 of the 12 KB a
        passage cost in the store, and its path and offsets as metadata, which nothing read, 0.3 KB more."""
        for first in range(0, len(chunks), _WRITE_BATCH):
            part = chunks[first:first + _WRITE_BATCH]
            self._collection.add(ids=[c.id for c in part], embeddings=np.asarray(vectors[first:first + len(part)]))

    def delete(self, ids: list[str]) -> None:
        """Remove vectors by chunk id (unknown ids are ignored)."""
        for first in range(0, len(ids), _WRITE_BATCH):
            self._collection.delete(ids=ids[first:first + _WRITE_BATCH])

    def ids(self) -> set[str]:
        """Every chunk id in the collection."""
        return set(self._collection.get(include=[])["ids"])

    def count(self) -> int:
        """Number of vectors stored."""
        return self._collection.count()

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Up to k (chunk id, cosine similarity) pairs, best first."""
        if k <= 0:
            return []
        # Chroma returns fewer than k when the collection is smaller (or empty): no count() round trip.
        result = self._collection.query(query_embeddings=[vector.tolist()], n_results=k, include=["distances"])
        return [(cid, 1.0 - dist) for cid, dist in zip(result["ids"][0], result["distances"][0])]


def drop_collections(names: list[str], path: Path | None = None, host: str | None = None, port: int = 8000) -> None:
    """Delete the named collections where they exist (a local store that was never created is left alone)."""
    if not names or (not host and not (path and path.is_dir())):
        return
    _, client = _client(path, host, port)
    existing = {c.name for c in client.list_collections()}
    for name in names:
        if name in existing:
            client.delete_collection(name)


def _client(path: Path | None, host: str | None, port: int):
    """(location shown to users, Chroma client): a server when `host` is set, else embedded at `path`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if host:
        location = f"http://{host}:{port}"
        try:
            return location, chromadb.HttpClient(host=host, port=port, settings=settings)
        except ValueError as error:  # chromadb's "Could not connect to a Chroma server"
            raise StoreUnavailable(f"no Chroma server answers at {location}: start one (`chroma run --host {host} "
                                   f"--port {port}`) or unset chroma_host to use the embedded store") from error
    return str(path), chromadb.PersistentClient(path=str(path), settings=settings)
