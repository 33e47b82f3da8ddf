"""One ingest: bring the index in line with files and folders, a step of files at a time, never re-embedding."""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index import sentence_codes, token_vectors
from index.catalog import embedding_input, embedding_spans
from index.document import Chunk, Document, LoadError
from index.heap import release_freed_memory
from index.loaders import load_document, supported_suffixes
from index.source_paths import SourceFile, folder_files, is_under, origin_key, source_key
from index.vectors import from_stored, to_int8

if TYPE_CHECKING:
    from index.corpus import Corpus

Progress = Callable[[str, int, int], None]  # (stage, done, total); stage "waiting" while another writer works
# Files loaded and chunked before each embed-and-write step: bounds memory, keeps progress moving.
_FILES_PER_STEP = 64
# Chunks embedded at a time: a chunk's tokenizer output and float vectors are held until they are coded to bytes,
# and embedding a whole step at once made the peak RSS follow the largest step, not the corpus's size.
_CHUNKS_PER_EMBED = 512


@dataclass
class IngestReport:
    """What one ingest did, file by file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # symlinks not followed, with why
    chunks_embedded: int = 0

    @property
    def changed(self) -> bool:
        """Whether the index holds anything other than before."""
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        """The one-line tally users see after an ingest."""
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.removed)} removed, {len(self.failed)} failed")


class Ingest:
    """The work of one ingest on a corpus whose writer lock the caller holds.

    Vectors of new chunks go into the vector store first, where no question finds them until the
    catalog names them; the catalog then writes its rows while questions go on reading the last
    commit, and holds the corpus's guard only to commit; replaced vectors go last, once no catalog
    row names them. An interrupted ingest leaves strays at most, which the next write session mends.
    """

    def __init__(self, corpus: "Corpus", progress: Progress | None = None) -> None:
        self.corpus = corpus
        self.progress = progress
        self.report = IngestReport()

    def run(self, paths: Iterable[Path]) -> IngestReport:
        """Add, replace and remove documents so the index matches `paths`."""
        files, roots = self._expand(paths)
        known = self.corpus.catalog.document_hashes()
        for first in range(0, len(files), _FILES_PER_STEP):
            self._step(files[first:first + _FILES_PER_STEP], known)
            if self.progress:
                self.progress("files", min(first + _FILES_PER_STEP, len(files)), len(files))
        self._sweep(roots, {f.key for f in files})
        return self.report

    def _expand(self, paths: Iterable[Path]) -> tuple[list[SourceFile], list[str]]:
        """The files to read (each once, by key) and the folders whose vanished files are removed."""
        corpus, root = self.corpus, self.corpus.root
        files: dict[str, SourceFile] = {}
        roots = []
        for path in paths:
            if path.is_dir():
                roots.append(source_key(path, root))
                found, skipped = folder_files(path, root, supported_suffixes(), corpus.config.data_dir)
                files.update((f.key, f) for f in found if f.key not in files)
                self.report.skipped.update(skipped)
            elif path.is_file():
                key = source_key(path, root)
                files.setdefault(key, SourceFile(path, key, origin_key(path, root)))
            else:
                self.report.failed[origin_key(path, root)] = "no such file or directory"
        return list(files.values()), roots

    def _step(self, files: list[SourceFile], known: dict[str, str]) -> None:
        loaded: list[tuple[Document, str, list[Chunk]]] = []
        for source in files:
            try:
                digest = hashlib.sha256(source.file.read_bytes()).hexdigest()
                if known.get(source.key) == digest:
                    self.report.unchanged.append(source.key)
                    continue
                document = load_document(source.file, source.key)
            except (LoadError, OSError) as error:
                reason = str(error) if isinstance(error, LoadError) else f"cannot read: {error.strerror}"
                self.report.failed[source.key] = reason
                self.corpus.catalog.record_failure(source.key, reason)
                continue
            if document.note:
                self.report.notes[source.key] = document.note
            loaded.append((document, source.origin, self.corpus.chunker.split(document)))
            (self.report.updated if source.key in known else self.report.added).append(source.key)
        release_freed_memory()  # what parsing freed, before embedding and storing allocate afresh
        if loaded:
            self._store(loaded)

    def _store(self, loaded: list[tuple[Document, str, list[Chunk]]]) -> None:
        catalog, vectors = self.corpus.catalog, self.corpus.vectors
        chunks = [chunk for _, _, doc_chunks in loaded for chunk in doc_chunks]
        encoded = self._embed(chunks)

        def vectors_of(some: list[Chunk]) -> np.ndarray:  # as the catalog keeps them, so a mended store is the same
            return np.stack([from_stored(encoded[c.id][1], catalog.dimension)[0] for c in some])

        replaced = {cid for document, _, _ in loaded for cid in catalog.chunk_ids(document.path)}
        fresh = [c for c in chunks if c.id not in replaced]
        renewed = [c for c in chunks if c.id in replaced]  # a document embedded again under the same ids
        if fresh:
            vectors.add(fresh, vectors_of(fresh))
        if renewed:
            vectors.delete([c.id for c in renewed])
            vectors.add(renewed, vectors_of(renewed))
        catalog.replace_many([(document, origin, [(c, *encoded[c.id]) for c in doc_chunks])
                              for document, origin, doc_chunks in loaded], committing=self.corpus.guard.exclusive)
        vectors.delete(sorted(replaced - {c.id for c in renewed}))  # no longer named by the catalog

    def _embed(self, chunks: list[Chunk]) -> dict[str, tuple[str, bytes, bytes, bytes]]:
        """chunk id → (embed key, vector, sentence vectors, word-piece vectors); identical inputs are
        embedded once, and never again once the catalog has them."""
        embedder = self.corpus.embedder
        keys = {c.id: _embed_key(embedder.name, c) for c in chunks}
        cached = self.corpus.catalog.cached_vectors(set(keys.values()))
        todo = list({keys[c.id]: c for c in chunks if keys[c.id] not in cached}.values())
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if self.progress:
                self.progress("chunks", done, len(todo))

        for first in range(0, len(todo), _CHUNKS_PER_EMBED):
            part = todo[first:first + _CHUNKS_PER_EMBED]
            cached.update(zip([keys[c.id] for c in part], self._stored_forms(part, advance)))
        self.report.chunks_embedded += len(todo)
        return {c.id: (keys[c.id], *cached[keys[c.id]]) for c in chunks}

    def _stored_forms(self, chunks: list[Chunk], advance: Callable[[int], None]) -> list[tuple[bytes, bytes, bytes]]:
        """Per chunk, its vector, sentence vectors and word-piece vectors as the catalog stores them."""
        texts = [embedding_input(c) for c in chunks]
        spans = [embedding_spans(c, text) for c, text in zip(chunks, texts)]
        vectors, sentence_vectors, pieces = self.corpus.embedder.embed_with_spans(texts, spans, advance)
        return [(to_int8(vector), sentences, token_vectors.to_bytes(words))
                for vector, sentences, words in zip(vectors, sentence_codes.to_bytes_each(sentence_vectors), pieces)]

    def _sweep(self, roots: list[str], seen: set[str]) -> None:
        """Remove documents found under an ingested folder last time and not this time (a deleted file,
        or a deleted symlink's target), and the failures of files that are gone."""
        if not roots:
            return
        catalog, vectors = self.corpus.catalog, self.corpus.vectors
        gone = sorted(path for path, origin in catalog.origins().items()
                      if path not in seen and any(is_under(origin, root) for root in roots))
        if gone:
            ids = [cid for path in gone for cid in catalog.chunk_ids(path)]
            catalog.remove(gone, committing=self.corpus.guard.exclusive)
            vectors.delete(ids)
            self.report.removed += gone
        catalog.forget_failures([f["path"] for f in catalog.failures()
                                 if f["path"] not in seen and any(is_under(f["path"], root) for root in roots)])


def _embed_key(model: str, chunk: Chunk) -> str:
    payload = f"{model}\n{chunk.sentences and [(s - chunk.start, e - chunk.start) for s, e in chunk.sentences]}\n"
    return hashlib.sha1((payload + embedding_input(chunk)).encode()).hexdigest()
