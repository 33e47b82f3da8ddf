"""Whether the catalog, the vector store and the keyword index hold the same chunks; said in plain words, and mended."""

from dataclasses import dataclass

import numpy as np

from index.catalog import Catalog
from index.keyword_index import KeywordIndex
from index.vector_store import VectorStore

_BATCH = 500  # ids per catalog read while mending (SQLite caps the parameters of one statement)


@dataclass(frozen=True)
class Consistency:
    """The three stores compared: by counts alone (cheap, for every status) or id by id."""

    chunks: int  # passages in the catalog, which is the record of what is indexed
    vectors: int  # vectors in the vector store
    keyword_rows: int  # rows of the keyword index
    missing_vectors: int = 0  # catalog passages without a vector: dense search can't find them
    stray_vectors: int = 0  # vectors no catalog passage owns
    keyword_missing: int = 0  # catalog passages the keyword index lacks
    keyword_stray: int = 0  # keyword rows no catalog passage owns
    by_id: bool = False  # compared id by id (else the differences are read off the counts)
    writing: bool = False  # a write session was at work: counts may differ until it is done

    @property
    def agrees(self) -> bool:
        """True when every store holds exactly the catalog's passages."""
        return not (self.missing_vectors or self.stray_vectors or self.keyword_missing or self.keyword_stray)

    def problems(self) -> list[str]:
        """Each disagreement in a sentence a user can act on (empty when they agree)."""
        if self.agrees:
            return []
        if self.writing:
            return ["an ingest is running; the counts settle when it is done"]
        said = []
        if self.missing_vectors:
            said.append(f"{self.missing_vectors:,} of {self.chunks:,} passages have no vector, so questions can't "
                        "find them by meaning")
        if self.stray_vectors:
            said.append(f"the vector store holds {self.stray_vectors:,} vectors of passages that are no longer "
                        "indexed (left by an interrupted ingest)")
        if self.keyword_missing:
            said.append(f"the keyword index lacks {self.keyword_missing:,} of {self.chunks:,} passages, so "
                        "questions can't find them by their words")
        if self.keyword_stray:
            said.append(f"the keyword index holds {self.keyword_stray:,} passages that are no longer indexed")
        return said

    def to_dict(self) -> dict:
        """JSON-ready, with the problems in words."""
        return {**vars(self), "agrees": self.agrees, "problems": self.problems()}


def by_counts(catalog: Catalog, vectors: VectorStore, keywords: KeywordIndex, writing: bool) -> Consistency:
    """A comparison of counts: three cheap queries, good enough to notice that something is off."""
    chunks, stored, rows = catalog.counts()[1], vectors.count(), keywords.rows() or 0
    return Consistency(chunks, stored, rows, max(chunks - stored, 0), max(stored - chunks, 0),
                       max(chunks - rows, 0), max(rows - chunks, 0), writing=writing)


def by_ids(catalog: Catalog, vectors: VectorStore, keywords: KeywordIndex) -> Consistency:
    """A comparison id by id (reads every id of every store)."""
    chunks, stored, rows = set(catalog.chunk_ids()), vectors.ids(), set(keywords.ids())
    return Consistency(len(chunks), len(stored), len(rows), len(chunks - stored), len(stored - chunks),
                       len(chunks - rows), len(rows - chunks), by_id=True)


def mend_vectors(catalog: Catalog, vectors: VectorStore) -> tuple[int, int]:
    """Make the vector store hold the catalog's passages: strays deleted, missing ones added from the
    vectors the catalog keeps (nothing is embedded again). Returns (added, deleted)."""
    chunks, stored = set(catalog.chunk_ids()), vectors.ids()
    stray, missing = sorted(stored - chunks), sorted(chunks - stored)
    vectors.delete(stray)
    for first in range(0, len(missing), _BATCH):
        part = missing[first:first + _BATCH]
        found, rows = catalog.chunks(part), catalog.vectors(part)
        vectors.add([found[cid] for cid in part], np.stack([rows[cid][0] for cid in part]))
    return len(missing), len(stray)
