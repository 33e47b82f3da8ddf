"""SQLite record of what is indexed: documents (text, hash, vector), chunks (offsets, vectors) and failures."""

import json
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import ContextManager
from pathlib import Path

import numpy as np

from index import sentence_codes, token_vectors
from index.document import Chunk, Document
from index.vectors import from_stored, to_int8, unit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, kind TEXT, title TEXT, text TEXT NOT NULL,
    page_starts TEXT, note TEXT, indexed_at REAL, chunk_count INTEGER, vector BLOB);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, path TEXT NOT NULL, seq INTEGER, start INTEGER, end INTEGER, text,
    sentences TEXT, embed_key TEXT, vector BLOB, sentence_vectors BLOB, token_vectors BLOB);
CREATE INDEX IF NOT EXISTS chunks_path ON chunks(path);
CREATE INDEX IF NOT EXISTS chunks_embed_key ON chunks(embed_key);
CREATE TABLE IF NOT EXISTS failures (path TEXT PRIMARY KEY, reason TEXT, at REAL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""
# A chunk's title is its document's, read by the same statement; its text is stored compressed (_stored; catalogs
# written before hold it plain, and a title per chunk, unread). Cut from the document's text instead, it cost 3
# to 10 ms a question: a candidate's document is read whole.
_CHUNK_COLUMNS = "c.id, c.path, c.start, c.end, c.text, c.sentences, d.title"
_CHUNKS_WITH_TITLE = "chunks c JOIN documents d ON d.path = c.path"
_CHUNK_INSERT = ("INSERT OR REPLACE INTO chunks (id, path, seq, start, end, text, sentences, embed_key, vector, "
                 "sentence_vectors, token_vectors) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
VECTOR_FORM_KEY = "vectors"  # the meta key recording the form every chunk's stored vectors are in
VECTOR_FORM = "int8-sentences-pq96-text-zlib"
_DOCUMENT_COLUMNS = "path, sha256, kind, title, text, page_starts, note, indexed_at, chunk_count, vector, origin"


class Catalog:
    """Everything about the indexed corpus except the ANN graph, in one transactional file.

    Reads and writes go through connections of their own: a question on another thread never sees
    a write transaction half done, only what it committed.
    """

    def __init__(self, path: Path, dimension: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.dimension = dimension  # of the embedding model's vectors
        self._writer = _connect(path)
        # Before anything is written (a catalog that exists keeps its pages): a chunk row of 4-6 KB fits 4 KB pages
        # badly, SQLite leaving much of each row's leaf page unused; SciFact's catalog took 9% less in 64 KB pages.
        self._writer.execute("PRAGMA page_size=65536")
        self._writer.execute("PRAGMA journal_mode=WAL")
        self._writer.executescript(_SCHEMA)
        self._add_document_vectors()
        self._add_token_vectors()
        self._add_column("documents", "origin", "TEXT")
        self._db = _connect(path)

    def document_hashes(self) -> dict[str, str]:
        """path → sha256 of every indexed document; "" for one indexed before chunks kept word-piece
        vectors, so the next ingest completes it."""
        return dict(self._db.execute(
            "SELECT path, CASE WHEN EXISTS (SELECT 1 FROM chunks WHERE chunks.path = documents.path"
            " AND token_vectors IS NULL) THEN '' ELSE sha256 END FROM documents"))

    def origins(self) -> dict[str, str]:
        """path → the path each document was found at (a symlink's own path; the path itself before
        documents kept their origin)."""
        return dict(self._db.execute("SELECT path, COALESCE(origin, path) FROM documents"))

    def meta(self, key: str) -> str | None:
        """A value the catalog keeps about itself (how its paths are keyed, say)."""
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Keep a value about the catalog itself."""
        self._writer.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))

    def document(self, path: str) -> Document | None:
        """The indexed text of one document, or None."""
        row = self._db.execute(
            "SELECT path, text, sha256, kind, title, page_starts, note FROM documents WHERE path=?", (path,)
        ).fetchone()
        if row is None:
            return None
        return Document(row[0], _text(row[1]), row[2], row[3], row[4], tuple(json.loads(row[5] or "[]")), row[6] or "")

    def sha256(self, path: str) -> str | None:
        """The indexed document's sha256, or None when it is not indexed (without reading its text)."""
        row = self._db.execute("SELECT sha256 FROM documents WHERE path=?", (path,)).fetchone()
        return row[0] if row else None

    def documents(self) -> list[dict]:
        """One summary row per indexed document, by path."""
        rows = self._db.execute(
            "SELECT path, kind, chunk_count, indexed_at, note, title FROM documents ORDER BY path").fetchall()
        keys = ("path", "kind", "chunks", "indexed_at", "note", "title")
        return [dict(zip(keys, row)) for row in rows]

    def failures(self) -> list[dict]:
        """Files that could not be indexed, with their reasons."""
        rows = self._db.execute("SELECT path, reason, at FROM failures ORDER BY path").fetchall()
        return [dict(zip(("path", "reason", "at"), row)) for row in rows]

    def chunk_ids(self, path: str | None = None) -> list[str]:
        """Ids of all chunks, or of one document's chunks."""
        if path is None:
            return [r[0] for r in self._db.execute("SELECT id FROM chunks ORDER BY path, seq")]
        return [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE path=? ORDER BY seq", (path,))]

    def keyword_texts(self, ids: Iterable[str] | None = None) -> tuple[list[str], list[str], list[str]]:
        """(ids, title-prefixed texts, document paths) of all chunks, or of these (in document order),
        for the keyword index."""
        select = f"SELECT {_CHUNK_COLUMNS}, c.seq FROM {_CHUNKS_WITH_TITLE}"
        if ids is None:
            rows = self._db.execute(select).fetchall()
        else:
            wanted, rows = list(ids), []
            for first in range(0, len(wanted), 500):
                part = wanted[first:first + 500]
                rows += self._db.execute(f"{select} WHERE c.id IN ({','.join('?' * len(part))})", part).fetchall()
        rows.sort(key=lambda r: (r[1], r[-1]))
        return [r[0] for r in rows], [_with_title(r[6], _text(r[4])) for r in rows], [r[1] for r in rows]

    def chunks(self, ids: Iterable[str]) -> dict[str, Chunk]:
        """Chunks by id (unknown ids are left out)."""
        ids = list(ids)
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(f"SELECT {_CHUNK_COLUMNS} FROM {_CHUNKS_WITH_TITLE} WHERE c.id IN ({marks})", ids)
        return {r[0]: _chunk(r) for r in rows}

    def word_pieces_after(self, after: str, limit: int) -> list[tuple[Chunk, bytes]]:
        """Up to `limit` chunks that have word-piece vectors, in id order from after id `after`, with those vectors."""
        rows = self._writer.execute(f"SELECT {_CHUNK_COLUMNS}, c.token_vectors FROM {_CHUNKS_WITH_TITLE} "
                                    "WHERE c.id > ? AND c.token_vectors IS NOT NULL ORDER BY c.id LIMIT ?",
                                    (after, limit)).fetchall()
        return [(_chunk(r), r[-1]) for r in rows]

    def vacuum(self) -> None:
        """Give the pages freed by a large rewrite back to the file system (a copy of the live data is written
        through the log, then checkpointed: about 15 s for a 2.5 GB catalog)."""
        self._writer.execute("VACUUM")
        self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def replace_word_pieces(self, rows: list[tuple[str, bytes]]) -> None:
        """New word-piece vectors for these chunk ids, in one transaction."""
        with self._transaction():
            self._writer.executemany("UPDATE chunks SET token_vectors=? WHERE id=?", [(b, cid) for cid, b in rows])

    def sentence_vectors(self, ids: Iterable[str]) -> dict[str, np.ndarray]:
        """Per chunk id, its sentences' unit vectors (rows in sentence order)."""
        ids = list(ids)
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(f"SELECT id, sentence_vectors FROM chunks WHERE id IN ({marks})", ids).fetchall()
        return dict(zip([cid for cid, _ in rows], sentence_codes.from_bytes_each([blob for _, blob in rows])))

    def vectors(self, ids: Iterable[str]) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """Per chunk id, its unit vector, its sentences' unit vectors and its word-pieces' (None in
        a catalog not yet completed by an ingest)."""
        ids = list(ids)
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"SELECT id, vector, sentence_vectors, token_vectors FROM chunks WHERE id IN ({marks})", ids).fetchall()
        sentences = sentence_codes.from_bytes_each([r[2] for r in rows])
        pieces = iter(token_vectors.from_bytes_each([r[3] for r in rows if r[3] is not None]))
        return {r[0]: (from_stored(r[1], self.dimension)[0], rows_of_sentences, None if r[3] is None else next(pieces))
                for r, rows_of_sentences in zip(rows, sentences)}

    def document_vectors(self, paths: Iterable[str]) -> dict[str, np.ndarray]:
        """Per document path, the unit mean of its chunks' vectors: what the whole document is about."""
        paths = list(paths)
        marks = ",".join("?" * len(paths))
        rows = self._db.execute(f"SELECT path, vector FROM documents WHERE path IN ({marks}) AND vector IS NOT NULL",
                                paths)
        return {path: np.frombuffer(vector, dtype=np.float32) for path, vector in rows}

    def cached_vectors(self, embed_keys: Iterable[str]) -> dict[str, tuple[bytes, bytes, bytes]]:
        """embed_key → (vector, sentence vectors, word-piece vectors) of chunks already embedded with that input."""
        keys = list(embed_keys)
        found: dict[str, tuple[bytes, bytes, bytes]] = {}
        for first in range(0, len(keys), 500):
            part = keys[first:first + 500]
            marks = ",".join("?" * len(part))
            for row in self._db.execute(
                f"SELECT embed_key, vector, sentence_vectors, token_vectors FROM chunks "
                f"WHERE embed_key IN ({marks}) AND token_vectors IS NOT NULL", part):
                found[row[0]] = row[1:]
        return found

    def replace_many(self, documents: list[tuple[Document, str, list[tuple[Chunk, str, bytes, bytes, bytes]]]],
                     committing: Callable[[], ContextManager] = nullcontext) -> None:
        """Swap in documents (each with its origin) and their new chunks (chunk, embed key, vector,
        sentence vectors, word-piece vectors) in one transaction; `committing()` is held around its
        commit alone (readers see the last commit meanwhile, however long the writing takes)."""
        with self._transaction(committing):
            for document, origin, rows in documents:
                self._writer.execute("DELETE FROM chunks WHERE path=?", (document.path,))
                self._writer.execute("DELETE FROM failures WHERE path=?", (document.path,))
                self._writer.execute(
                    f"INSERT OR REPLACE INTO documents ({_DOCUMENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (document.path, document.sha256, document.kind, document.title, _stored(document.text),
                     json.dumps(document.page_starts), document.note, time.time(), len(rows),
                     self._mean_vector([vec for _, _, vec, _, _ in rows]), origin))
                self._writer.executemany(_CHUNK_INSERT, [
                    (c.id, c.path, seq, c.start, c.end, _stored(c.text), json.dumps(c.sentences), key,
                     vec, svec, tvec) for seq, (c, key, vec, svec, tvec) in enumerate(rows)])

    def remove(self, paths: Iterable[str], committing: Callable[[], ContextManager] = nullcontext) -> None:
        """Forget documents, their chunks and failures, in one transaction (`committing()` as in replace_many)."""
        with self._transaction(committing):
            for path in paths:
                for table in ("chunks", "documents", "failures"):
                    self._writer.execute(f"DELETE FROM {table} WHERE path=?", (path,))

    def rename(self, old: str, new: str, chunk_ids: dict[str, str]) -> None:
        """Key a document by another path, its chunks by new ids (old id → new id); vectors stay."""
        with self._transaction():
            for table in ("documents", "failures"):
                self._writer.execute(f"UPDATE {table} SET path=? WHERE path=?", (new, old))
            self._writer.execute("UPDATE documents SET origin=? WHERE path=?", (new, new))
            self._writer.executemany("UPDATE chunks SET id=?, path=? WHERE id=?",
                                     [(fresh, new, stale) for stale, fresh in chunk_ids.items()])

    def chunk_spans(self, path: str) -> list[tuple[str, int, int]]:
        """(id, start, end) of one document's chunks."""
        return self._db.execute("SELECT id, start, end FROM chunks WHERE path=? ORDER BY seq", (path,)).fetchall()

    def record_failure(self, path: str, reason: str) -> None:
        """Remember why a file could not be indexed (its previous version, if any, stays)."""
        self._writer.execute("INSERT OR REPLACE INTO failures VALUES (?,?,?)", (path, reason, time.time()))

    def forget_failures(self, paths: Iterable[str]) -> None:
        """Drop the failures of files that are gone."""
        self._writer.executemany("DELETE FROM failures WHERE path=?", [(p,) for p in paths])

    def counts(self) -> tuple[int, int]:
        """(documents, chunks)."""
        docs = self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return docs, chunks

    def compact(self, batch: int = 500) -> int:
        """Store the chunks written by an earlier version as this one writes them (chunk vectors int8, sentence
        vectors product-quantized, text compressed), once per catalog, a batch per transaction; how many chunks
        were rewritten. Readers read either form meanwhile, and an interrupted run resumes: the catalog records
        the form only when every chunk is in it."""
        if self.meta(VECTOR_FORM_KEY) == VECTOR_FORM:
            return 0
        done, after = 0, ""
        while rows := self._writer.execute("SELECT id, vector, sentence_vectors, text FROM chunks WHERE id > ? "
                                           "ORDER BY id LIMIT ?", (after, batch)).fetchall():
            changed = [(self._compact_vector(vector), self._compact_sentences(sentences),
                        text if isinstance(text, bytes) else _stored(text), cid)
                       for cid, vector, sentences, text in rows
                       if len(vector) == 4 * self.dimension or not sentence_codes.is_current(sentences)
                       or isinstance(text, str)]
            with self._transaction():
                self._writer.executemany("UPDATE chunks SET vector=?, sentence_vectors=?, text=? WHERE id=?", changed)
            done, after = done + len(changed), rows[-1][0]
        self._compress_document_texts()
        self.set_meta(VECTOR_FORM_KEY, VECTOR_FORM)
        if done:
            self.vacuum()  # once: int4 sentence vectors took twice the space, int8 ones four times
        return done

    def _compress_document_texts(self) -> None:
        """Documents written by an earlier version hold their text plain: compress it, a document at a time."""
        for (path,) in self._writer.execute("SELECT path FROM documents WHERE typeof(text) = 'text'").fetchall():
            with self._transaction():
                self._writer.execute("UPDATE documents SET text=? WHERE path=? AND typeof(text) = 'text'",
                                     (_stored(self.document(path).text), path))

    def _compact_vector(self, blob: bytes) -> bytes:
        """A chunk vector as int8 (an earlier version's float32 one is converted; an int8 one is kept as it is)."""
        return to_int8(from_stored(blob, self.dimension)) if len(blob) == 4 * self.dimension else blob

    def _compact_sentences(self, blob: bytes) -> bytes:
        """Sentence vectors as codes (ones already coded are kept: decoded, they are no longer unit rows)."""
        return blob if sentence_codes.is_current(blob) else sentence_codes.to_bytes(sentence_codes.from_bytes(blob))

    def _mean_vector(self, vectors: list[bytes]) -> bytes | None:
        """Unit mean of stored unit vectors, as float32 (None for a document without chunks)."""
        if not vectors:
            return None
        mean = np.mean([from_stored(v, self.dimension)[0] for v in vectors], axis=0)
        return unit(mean).astype(np.float32).tobytes()

    def _transaction(self, committing: Callable[[], ContextManager] = nullcontext):
        return _Transaction(self._writer, committing)

    def _add_document_vectors(self) -> None:
        """Catalogs written before documents had vectors get the column, filled from their chunks, once."""
        if self._add_column("documents", "vector", "BLOB"):
            with self._transaction():
                for (path,) in self._writer.execute("SELECT path FROM documents WHERE vector IS NULL").fetchall():
                    vectors = [r[0] for r in self._writer.execute("SELECT vector FROM chunks WHERE path=?", (path,))]
                    self._writer.execute("UPDATE documents SET vector=? WHERE path=?", (self._mean_vector(vectors), path))

    def _add_token_vectors(self) -> None:
        """Catalogs written before chunks kept word-piece vectors get the column, empty: the next
        ingest embeds their documents again (document_hashes), and until then retrieval does without."""
        self._add_column("chunks", "token_vectors", "BLOB")

    def _add_column(self, table: str, column: str, kind: str) -> bool:
        """Add a column a catalog of an earlier version lacks; True when this call added it."""
        if self._has_column(table, column):
            return False
        with self._transaction():
            if self._has_column(table, column):  # another process was first
                return False
            self._writer.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        return True

    def _has_column(self, table: str, column: str) -> bool:
        return any(row[1] == column for row in self._writer.execute(f"PRAGMA table_info({table})"))


class _Transaction:
    def __init__(self, db: sqlite3.Connection, committing: Callable[[], ContextManager]) -> None:
        self.db, self.committing = db, committing

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, traceback) -> None:
        if kind:
            self.db.execute("ROLLBACK")
            return
        with self.committing():
            self.db.execute("COMMIT")


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA busy_timeout=30000")  # another process's write transaction: wait for it
    return connection


def _with_title(title: str | None, text: str) -> str:
    """Chunk text with its document's title in front, unless the chunk already starts with it."""
    return text if not title or text.startswith(title) else f"{title}\n{text}"


def embedding_input(chunk: Chunk) -> str:
    """What the embedding model reads for a chunk: the title field matters for short abstracts."""
    return _with_title(chunk.title, chunk.text)


def embedding_spans(chunk: Chunk, text: str) -> list[tuple[int, int]]:
    """The chunk's sentence spans shifted into its embedding input `text` (which may carry a title in front)."""
    shift = len(text) - len(chunk.text) - chunk.start
    return [(s + shift, e + shift) for s, e in chunk.sentences]


def _chunk(row: tuple) -> Chunk:
    """A Chunk from a row of _CHUNK_COLUMNS."""
    return Chunk(row[0], row[1], row[2], row[3], _text(row[4]), tuple(map(tuple, json.loads(row[5]))), row[6] or "")


def _stored(text: str) -> bytes:
    """How a document's or chunk's text is stored: zlib-compressed UTF-8 (a third of kernel documentation's bytes
    for whole documents, a half for chunks; reading a question's chunks back takes a tenth of a millisecond)."""
    return zlib.compress(text.encode())


def _text(stored: str | bytes) -> str:
    """Text from its stored form: compressed, or plain in catalogs written before."""
    return zlib.decompress(stored).decode() if isinstance(stored, bytes) else stored
