"""The indexed corpus: Chroma + BM25 + catalog kept in agreement by one writer at a time, and the searches over them."""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import ContextManager, Protocol

import numpy as np

from index.candidates import CandidateChunk, CandidatePool
from index.catalog import Catalog
from index.chunker import Chunker
from index.consistency import Consistency, by_counts, by_ids, mend_vectors
from index.document import Chunk, Document
from index.embedder import EmbeddedQuery, Embedder
from index.generation import Generation
from index.heap import release_freed_memory
from index.ingest import Ingest, IngestReport, Progress
from index.keyword_index import IndexedWords, KeywordIndex
from index.leftovers import Leftovers, find_leftovers, remove_files
from index.source_paths import source_file, source_key
from index.vector_store import VectorStore, drop_collections
from index.word_piece_upgrade import upgrade_word_pieces
from index.writer_lock import WriterLock

__all__ = ["Corpus", "CorpusConfig", "Guard", "IngestReport", "Progress"]
_KEYS = "source-keys"  # catalog meta: how document paths are keyed (absent: relative to some old working directory)


class Guard(Protocol):
    """What keeps this process's readers out while a write is committed: `exclusive()` holds them off."""

    def exclusive(self) -> ContextManager[None]: ...


class _Unguarded:
    def exclusive(self) -> ContextManager[None]:
        return nullcontext()


@dataclass(frozen=True)
class CorpusConfig:
    """Where and how a corpus is stored; one collection per (model, chunking) pair."""

    data_dir: Path
    collection: str = "footnote"
    precision: str = "int8"
    chunk_tokens: int = 200
    overlap_sentences: int = 1
    threads: int = 0
    chroma_host: str | None = None
    chroma_port: int = 8000
    models_dir: Path | None = None



class Corpus:
    """Index documents and search them.

    Whatever changes the index (ingest, remove, repair, prune) holds the data folder's writer lock,
    so two processes never write at once; each write session starts by mending what an interrupted
    one left (vectors from the catalog, never re-embedded) and ends by bumping the generation file,
    which tells readers in other processes to reload.

    >>> corpus = Corpus(CorpusConfig(Path(".footnote")))
    >>> corpus.ingest([Path("sources")]).summary()
    '1 added, 0 updated, 0 unchanged, 0 removed, 0 failed'
    >>> corpus.search_keywords("operatives expelled", 5)
    """

    def __init__(self, config: CorpusConfig, embedder: Embedder | None = None, guard: Guard | None = None) -> None:
        self.config = config
        self.embedder = embedder or Embedder(config.models_dir or config.data_dir / "models", config.precision,
                                             config.threads)
        # One collection per (model, chunking): changing either builds a new one, never mixes vectors.
        self.collection_name = f"{config.collection}-{self.embedder.name}-c{config.chunk_tokens}o{config.overlap_sentences}"
        # Documents are keyed by their path under the folder holding the data folder, whatever the
        # working directory: the same folder ingested from elsewhere is the same documents.
        self.root = config.data_dir.resolve().parent
        self.catalog = Catalog(config.data_dir / f"{self.collection_name}.sqlite", self.embedder.dimension)
        self.keywords = KeywordIndex(config.data_dir / f"{self.collection_name}.bm25")
        self.vectors = VectorStore(self.collection_name, path=config.data_dir / "chroma",
                                   host=config.chroma_host, port=config.chroma_port)
        self.chunker = Chunker(self.embedder.count_tokens, self.embedder.token_offsets,
                               config.chunk_tokens, config.overlap_sentences)
        self.writer = WriterLock(config.data_dir)
        self.guard = guard or _Unguarded()
        self.generation = Generation(config.data_dir / f"{self.collection_name}.generation")
        # Present while a write session is at work: found at the start of the next one, it says the
        # last was interrupted, and the vector store is compared with the catalog id by id.
        self._writing = config.data_dir / f"{self.collection_name}.writing"

    # --- write sessions -----------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
        """Bring the index in line with these files/folders: add, replace, remove, never duplicate."""
        with self._session(progress) as mended:
            report = Ingest(self, progress).run(paths)
            self._publish(mended or report.changed)
        return report

    def remove(self, path: str) -> bool:
        """Forget one document; False when it was not indexed."""
        with self._session() as mended:
            ids = self.catalog.chunk_ids(path)
            found = bool(ids) or self.catalog.sha256(path) is not None
            if found:
                self.catalog.remove([path], committing=self.guard.exclusive)
                self.vectors.delete(ids)
            self._publish(mended or found)
        return found

    def check(self, progress: Progress | None = None) -> Consistency:
        """The catalog, the vector store and the keyword index compared id by id (after any running write)."""
        with self.writer.held(on_wait=_waiting(progress)):
            return by_ids(self.catalog, self.vectors, self.keywords)

    def repair(self, progress: Progress | None = None) -> Consistency:
        """Mend whatever disagrees (what every write session does first); the comparison from before."""
        with self.writer.held(on_wait=_waiting(progress)):
            before = by_ids(self.catalog, self.vectors, self.keywords)
            with self._session(thorough=True) as mended:
                self._publish(mended)
        return before

    @contextmanager
    def _session(self, progress: Progress | None = None, thorough: bool = False) -> Iterator[bool]:
        """Hold the writer lock and mend what an interrupted session left (`thorough`: compare the
        stores id by id whatever the signs); yields whether it mended anything."""
        with self.writer.held(on_wait=_waiting(progress)):
            # Another process may have written since this one opened the store: an embedded Chroma
            # that writes from a stale view of its index corrupts it ("Error finding id").
            self.vectors.reopen()
            rekeyed = self._rekey()
            self.catalog.compact()  # vectors an earlier version stored, in this version's smaller form
            upgrade_word_pieces(self.catalog, self.embedder)  # and word-piece vectors, in int4, of content words
            added, deleted = self._mend_vectors(thorough)
            self._writing.touch()
            yield bool(rekeyed or added or deleted)
            self._writing.unlink(missing_ok=True)

    def _mend_vectors(self, thorough: bool) -> tuple[int, int]:
        """mend_vectors, when the last session was interrupted or the counts differ (say, vectors
        deleted by hand): reading every id of both stores is what a session would otherwise spend
        most of its time on, in a large index. (added, deleted)."""
        if not (thorough or self._writing.exists()) and self.catalog.counts()[1] == self.vectors.count():
            return 0, 0
        return mend_vectors(self.catalog, self.vectors)

    def _publish(self, changed: bool) -> None:
        """Bring the keyword index to the catalog's chunks (what this session wrote, or what an
        interrupted one left), and tell other processes when anything changed."""
        if self.keywords.sync(self.catalog.chunk_ids(), self.catalog.keyword_texts) or changed:
            self.generation.bump()
        release_freed_memory()  # the keyword merges' arrays: a server that ingested an upload goes on serving

    def _rekey(self) -> int:
        """Key the documents of a catalog from before keys were resolved paths under one root (they
        were relative to whatever the working directory was); their vectors move with them. Returns
        how many documents were renamed or dropped as duplicates."""
        if self.catalog.meta(_KEYS) == "resolved":
            return 0
        moved = 0
        for old in self.catalog.origins():
            new = _resolved_key(old, self.root)
            if new == old:
                continue
            if self.catalog.sha256(new) is not None:  # the same file indexed twice: keep one
                self.catalog.remove([old])
            else:
                sha = self.catalog.sha256(old)
                self.catalog.rename(old, new, {cid: self.chunker.chunk_id(new, sha, start, end)
                                               for cid, start, end in self.catalog.chunk_spans(old)})
            moved += 1
        self.catalog.set_meta(_KEYS, "resolved")
        return moved

    # --- readers ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Catch up with a write another process finished: reload the keyword index and reopen an
        embedded vector store (Chroma caches its index per process). One stat when nothing changed."""
        if not self.generation.changed() or self.writer.busy():
            return
        stamp = self.generation.stamp()
        self.keywords.forget()
        self.vectors.reopen()
        self.generation.caught_up(stamp)

    def source_file(self, path: str) -> Path:
        """Where the file of an indexed document is (paths are kept relative to one root)."""
        return source_file(path, self.root)

    # --- search -------------------------------------------------------------------------------

    def embed_query(self, text: str) -> EmbeddedQuery:
        """A question's unit vector, and its word-pieces' vectors for late interaction."""
        return self.embedder.embed_query(text)

    def search_dense(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine) of the k nearest chunks."""
        return self.vectors.search(vector, k)

    def search_keywords(self, query: str | IndexedWords, k: int) -> list[tuple[str, float]]:
        """(chunk id, BM25) of the k best keyword matches."""
        return self.keywords.search(query, k)

    def candidates(self, query: str | IndexedWords, vector: np.ndarray, size: int) -> CandidatePool:
        """The `size` nearest chunks and the `size` best keyword matches of one question, with their
        vectors, all read from one version of the keyword index (a concurrent rebuild swaps in new rows)."""
        keywords = self.keywords.pinned()
        ids = [cid for cid, _ in self.search_dense(vector, size)]
        match = keywords.match(query)
        if match is not None:
            best = np.argpartition(-match.scores, min(size, len(match.scores) - 1))[:size]
            ids += keywords.ids_at(best[match.scores[best] > 0])
        ids = list(dict.fromkeys(ids))
        chunks, vectors = self.catalog.chunks(ids), self.catalog.vectors(ids)
        ids = [cid for cid in ids if cid in chunks and cid in vectors]
        documents = self.catalog.document_vectors({chunks[cid].path for cid in ids})
        layout = keywords.layout()
        found = [CandidateChunk(chunks[cid], *vectors[cid], layout.row_of.get(cid, -1), documents.get(chunks[cid].path))
                 for cid in ids]
        return CandidatePool(found, match, layout, keywords.row_terms(), keywords.words())

    def chunks(self, ids: Iterable[str]) -> dict[str, Chunk]:
        """Chunks by id."""
        return self.catalog.chunks(ids)

    def sentence_vectors(self, ids: Iterable[str]) -> dict[str, np.ndarray]:
        """Per chunk id, the unit vectors of its sentences."""
        return self.catalog.sentence_vectors(ids)

    def sentences_of(self, path: str) -> list[tuple[int, int, np.ndarray]]:
        """Every sentence of an indexed document once, in order: (start, end, unit vector). A sentence
        two chunks share keeps the vector its first chunk gave it."""
        ids = self.catalog.chunk_ids(path)
        chunks, vectors = self.catalog.chunks(ids), self.catalog.sentence_vectors(ids)
        found: dict[int, tuple[int, int, np.ndarray]] = {}
        for cid in ids:
            for (start, end), vector in zip(chunks[cid].sentences, vectors[cid]):
                found.setdefault(start, (start, end, vector))
        return [found[start] for start in sorted(found)]

    def document(self, path: str) -> Document | None:
        """An indexed document's text, for showing a citation in context."""
        return self.catalog.document(path)

    def documents(self) -> list[dict]:
        """One row per indexed document, by path: path, kind, chunks, indexed_at, note, title."""
        return self.catalog.documents()

    def indexed_paths(self) -> list[str]:
        """The paths of the indexed documents, as citations carry them."""
        return list(self.catalog.document_hashes())

    def status(self) -> dict:
        """What is indexed and where, whether the stores agree (by counts), and failures of files that
        still exist."""
        documents, chunks = self.catalog.counts()
        consistency = by_counts(self.catalog, self.vectors, self.keywords, self.writer.busy())
        return {"documents": documents, "chunks": chunks, "vectors": consistency.vectors,
                "keyword_rows": consistency.keyword_rows, "model": self.embedder.name,
                "collection": self.collection_name, "store": self.vectors.location,
                "data_dir": str(self.config.data_dir), "problems": consistency.problems(),
                "failures": [f for f in self.catalog.failures() if self.source_file(f["path"]).exists()]}

    def leftovers(self, stale_exports: Sequence[Path] = ()) -> Leftovers:
        """Indexes and model exports of earlier versions, which this version can't read (and `stale_exports`)."""
        return find_leftovers(self.config.data_dir, self.config.models_dir or self.config.data_dir / "models",
                              stale_exports)

    def prune(self, stale_exports: Sequence[Path] = ()) -> Leftovers:
        """Delete the leftovers of earlier versions (their collections too) and `stale_exports`; what was removed."""
        with self.writer.held():
            return self._prune(stale_exports)

    def _prune(self, stale_exports: Sequence[Path]) -> Leftovers:
        found = self.leftovers(stale_exports)
        # From the embedded store and the server alike: an index may have moved between them, and
        # without its catalog a collection left behind would never be found again.
        drop_collections(found.collections, path=self.config.data_dir / "chroma")
        if self.config.chroma_host:
            drop_collections(found.collections, host=self.config.chroma_host, port=self.config.chroma_port)
        remove_files(found)
        return found


def _waiting(progress: Progress | None):
    return (lambda: progress("waiting", 0, 0)) if progress else None


def _resolved_key(old: str, root: Path) -> str:
    """What an old key names now: the file it meant, found relative to the working directory (where
    earlier versions keyed it) or to the root; the old key itself when neither exists."""
    path = Path(old)
    for candidate in ([path] if path.is_absolute() else [Path.cwd() / path, root / path]):
        if candidate.exists():
            return source_key(candidate, root)
    return old
