"""The indexed corpus: incremental ingest into Chroma + BM25 + catalog, and the searches over them."""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.candidates import CandidateChunk, CandidatePool
from index.catalog import Catalog, embedding_input
from index.chunker import Chunker
from index.document import Chunk, Document, LoadError
from index import token_vectors
from index.embedder import EmbeddedQuery, Embedder
from index.keyword_index import IndexedWords, KeywordIndex
from index.leftovers import Leftovers, find_leftovers, remove_files
from index.loaders import load_document, supported_suffixes
from index.vector_store import VectorStore, drop_collections

Progress = Callable[[str, int, int], None]
# Files loaded and chunked before each embed-and-write step: bounds memory, keeps progress moving.
_FILES_PER_STEP = 64


@dataclass
class IngestReport:
    """What one ingest did, file by file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    chunks_embedded: int = 0

    def summary(self) -> str:
        """The one-line tally users see after an ingest."""
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.removed)} removed, {len(self.failed)} failed")


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

    >>> corpus = Corpus(CorpusConfig(Path(".footnote")))
    >>> corpus.ingest([Path("sources")]).summary()
    '1 added, 0 updated, 0 unchanged, 0 removed, 0 failed'
    >>> corpus.search_keywords("operatives expelled", 5)
    """

    def __init__(self, config: CorpusConfig, embedder: Embedder | None = None) -> None:
        self.config = config
        self.embedder = embedder or Embedder(config.models_dir or config.data_dir / "models", config.precision,
                                             config.threads)
        # One collection per (model, chunking): changing either builds a new one, never mixes vectors.
        self.collection_name = f"{config.collection}-{self.embedder.name}-c{config.chunk_tokens}o{config.overlap_sentences}"
        self.catalog = Catalog(config.data_dir / f"{self.collection_name}.sqlite", self.embedder.dimension)
        self.keywords = KeywordIndex(config.data_dir / f"{self.collection_name}.bm25")
        self.vectors = VectorStore(self.collection_name, path=config.data_dir / "chroma",
                                   host=config.chroma_host, port=config.chroma_port)
        self.chunker = Chunker(self.embedder.count_tokens, self.embedder.token_offsets,
                               config.chunk_tokens, config.overlap_sentences)

    # --- ingest -------------------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
        """Bring the index in line with these files/folders: add, replace, remove, never duplicate."""
        report = IngestReport()
        files, roots = self._expand(paths, report)
        known = self.catalog.document_hashes()
        pending: list[tuple[Path, str]] = []
        for done, (file, shown) in enumerate(files, 1):
            pending.append((file, shown))
            if len(pending) == _FILES_PER_STEP or done == len(files):
                self._ingest_files(pending, known, report, progress)
                pending = []
            if progress:
                progress("files", done, len(files))
        seen = {shown for _, shown in files}
        for path in known:
            if path not in seen and any(_is_under(path, root) for root in roots):
                self.remove(path, rebuild_keywords=False)
                report.removed.append(path)
        self._repair()
        if report.added or report.updated or report.removed or not self.keywords.is_current():
            self.keywords.rebuild(*self.catalog.keyword_texts())
        return report

    def remove(self, path: str, rebuild_keywords: bool = True) -> bool:
        """Forget one document; False when it was not indexed."""
        ids = self.catalog.chunk_ids(path)
        if not ids and self.catalog.document(path) is None:
            return False
        self.vectors.delete(ids)
        self.catalog.remove(path)
        if rebuild_keywords:
            self.keywords.rebuild(*self.catalog.keyword_texts())
        return True

    def _expand(self, paths: Iterable[Path], report: IngestReport) -> tuple[list[tuple[Path, str]], list[str]]:
        files, roots = [], []
        data_dir = self.config.data_dir.resolve()
        for path in paths:
            if not path.exists():
                report.failed[display_path(path)] = "no such file or directory"
            elif path.is_dir():
                roots.append(display_path(path))
                files += [(f, display_path(f)) for f in sorted(path.rglob("*"))
                          if f.is_file() and f.suffix.lower() in supported_suffixes()
                          and not _is_hidden(f.relative_to(path)) and data_dir not in f.resolve().parents]
            else:
                files.append((path, display_path(path)))
        return files, roots

    def _ingest_files(self, files: list[tuple[Path, str]], known: dict[str, str], report: IngestReport,
                      progress: Progress | None) -> None:
        loaded: list[tuple[Document, list[Chunk]]] = []
        for file, shown in files:
            try:
                digest = hashlib.sha256(file.read_bytes()).hexdigest()
                if known.get(shown) == digest:
                    report.unchanged.append(shown)
                    continue
                document = load_document(file, shown)
            except (LoadError, OSError) as error:
                report.failed[shown] = str(error) if isinstance(error, LoadError) else f"cannot read: {error.strerror}"
                self.catalog.record_failure(shown, report.failed[shown])
                continue
            if document.note:
                report.notes[shown] = document.note
            loaded.append((document, self.chunker.split(document)))
            (report.updated if shown in known else report.added).append(shown)
        if loaded:
            self._store(loaded, report, progress)

    def _store(self, loaded: list[tuple[Document, list[Chunk]]], report: IngestReport,
               progress: Progress | None) -> None:
        chunks = [chunk for _, doc_chunks in loaded for chunk in doc_chunks]
        encoded = self._embed(chunks, report, progress)
        # One delete and one add per step, not per file: a folder of small files stays fast.
        self.vectors.delete([cid for document, _ in loaded for cid in self.catalog.chunk_ids(document.path)])
        if chunks:
            self.vectors.add(chunks, np.stack([np.frombuffer(encoded[c.id][1], dtype=np.float32) for c in chunks]))
        self.catalog.replace_many([(document, [(c, *encoded[c.id]) for c in doc_chunks])
                                   for document, doc_chunks in loaded])

    def _embed(self, chunks: list[Chunk], report: IngestReport,
               progress: Progress | None) -> dict[str, tuple[str, bytes, bytes, bytes]]:
        """chunk id → (embed key, vector, sentence vectors, word-piece vectors); identical inputs are
        never re-embedded."""
        keys = {c.id: _embed_key(self.embedder.name, c) for c in chunks}
        cached = self.catalog.cached_vectors(set(keys.values()))
        todo = [c for c in chunks if keys[c.id] not in cached]
        texts = [embedding_input(c) for c in todo]
        spans = [_relative_spans(c, text) for c, text in zip(todo, texts)]
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress("chunks", done, len(todo))

        vectors, sentence_vectors, pieces = self.embedder.embed_with_spans(texts, spans, advance)
        for chunk, vector, sentences, words in zip(todo, vectors, sentence_vectors, pieces):
            cached[keys[chunk.id]] = (vector.astype(np.float32).tobytes(), sentences.astype(np.float16).tobytes(),
                                      token_vectors.to_bytes(words))
        report.chunks_embedded += len(todo)
        return {c.id: (keys[c.id], *cached[keys[c.id]]) for c in chunks}

    def _repair(self) -> None:
        """Drop vectors no catalog row owns: leftovers of an ingest that was interrupted mid-write."""
        orphans = list(self.vectors.ids() - set(self.catalog.chunk_ids()))
        self.vectors.delete(orphans)

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

    def document(self, path: str) -> Document | None:
        """An indexed document's text, for showing a citation in context."""
        return self.catalog.document(path)

    def documents(self) -> list[dict]:
        """One row per indexed document, by path: path, kind, chunks, indexed_at, note."""
        return self.catalog.documents()

    def indexed_paths(self) -> list[str]:
        """The paths of the indexed documents, as citations carry them."""
        return list(self.catalog.document_hashes())

    def status(self) -> dict:
        """What is indexed and where."""
        documents, chunks = self.catalog.counts()
        return {"documents": documents, "chunks": chunks, "vectors": self.vectors.count(),
                "model": self.embedder.name, "collection": self.collection_name,
                "store": self.vectors.location, "data_dir": str(self.config.data_dir),
                "failures": self.catalog.failures()}

    def leftovers(self) -> Leftovers:
        """Indexes and model exports of earlier versions, which this version can't read."""
        return find_leftovers(self.config.data_dir, self.config.models_dir or self.config.data_dir / "models")

    def prune(self) -> Leftovers:
        """Delete the leftovers of earlier versions (their collections too); what was removed."""
        found = self.leftovers()
        # From the embedded store and the server alike: an index may have moved between them, and
        # without its catalog a collection left behind would never be found again.
        drop_collections(found.collections, path=self.config.data_dir / "chroma")
        if self.config.chroma_host:
            drop_collections(found.collections, host=self.config.chroma_host, port=self.config.chroma_port)
        remove_files(found)
        return found


def display_path(path: Path) -> str:
    """The path users see and citations carry: relative to the working directory when inside it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _is_under(path: str, root: str) -> bool:
    return root in (".", "") or path == root or path.startswith(root.rstrip("/") + "/")


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _embed_key(model: str, chunk: Chunk) -> str:
    payload = f"{model}\n{chunk.sentences and [(s - chunk.start, e - chunk.start) for s, e in chunk.sentences]}\n"
    return hashlib.sha1((payload + embedding_input(chunk)).encode()).hexdigest()


def _relative_spans(chunk: Chunk, text: str) -> list[tuple[int, int]]:
    """Sentence spans shifted into the embedding input (which may carry a title in front)."""
    shift = len(text) - len(chunk.text) - chunk.start
    return [(s + shift, e + shift) for s, e in chunk.sentences]
