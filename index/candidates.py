"""One question's candidate pool: the chunks dense and keyword search found, with what ranking reads about them."""

from dataclasses import dataclass

import numpy as np

from index.document import Chunk
from index.keyword_index import KeywordMatch, RowLayout, RowTerms


@dataclass(frozen=True)
class CandidateChunk:
    """A chunk in the running: its vectors, its keyword-index row and its document's vector."""

    chunk: Chunk
    vector: np.ndarray
    sentence_vectors: np.ndarray  # rows in the order of chunk.sentences
    token_vectors: np.ndarray | None  # word-piece vectors, None in an index not yet completed by an ingest
    row: int  # keyword-index row, -1 when the keyword index does not hold it
    document_vector: np.ndarray | None = None  # unit mean of its document's chunk vectors, when known

    @property
    def text(self) -> str:
        """The chunk's text."""
        return self.chunk.text

    @property
    def sentence_ends(self) -> tuple[int, ...]:
        """Where each sentence ends, as offsets into text."""
        return tuple(end - self.chunk.start for _, end in self.chunk.sentences)


@dataclass(frozen=True)
class CandidatePool:
    """The candidates of one question and how it meets the keyword index, all read from one version of it.

    >>> pool = corpus.candidates(indexed_words(question), embedded.vector, 30)
    >>> [c.chunk.path for c in pool.candidates][:2], pool.keyword_scores()[:2]
    """

    candidates: list[CandidateChunk]
    match: KeywordMatch | None  # None when the question shares no term with the index
    layout: RowLayout
    row_terms: RowTerms | None
    vocabulary: list[str] | None  # per vocabulary id, the word as the documents first write it

    def keyword_scores(self) -> list[float]:
        """Each candidate's BM25 score (0 for one the keyword index does not hold or match)."""
        if self.match is None:
            return [0.0] * len(self.candidates)
        return [float(self.match.scores[c.row]) if c.row >= 0 else 0.0 for c in self.candidates]
