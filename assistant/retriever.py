"""Hybrid retrieval: dense (Chroma) and BM25 candidates, re-ranked by a learned model or mixed by score."""

from dataclasses import dataclass

import numpy as np

from index.corpus import Corpus
from index.document import Chunk
from index.embedder import EmbeddedQuery

from assistant import ranking
from assistant.answer import Passage
from assistant.settings import FUSIONS
from assistant.term_vectors import TermVectors


@dataclass(frozen=True)
class Pool:
    """Candidate chunks of one question, with a row of ranking.FEATURES and the raw BM25 score of each."""

    chunks: list[Chunk]
    features: np.ndarray
    keyword: list[float]


class HybridRetriever:
    """Finds the passages most likely to hold the answer.

    "learned" (the default) pools the dense and BM25 candidates and scores each chunk with
    assistant/ranking.py's linear model, weighted for a question or for a statement; "mix" is plain
    min-max score mixing, dense and BM25 weighted 1 - keyword_weight : keyword_weight.

    >>> retriever = HybridRetriever(corpus, TermVectors(WordSimilarity(models_dir)), candidates=30)
    >>> retriever.retrieve("How many operatives were expelled?", k=5)[0].path
    'sources/article.txt'
    """

    def __init__(self, corpus: Corpus, term_vectors: TermVectors, candidates: int = 30,
                 keyword_weight: float = 0.3, fusion: str = "learned") -> None:
        if fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}, not {fusion!r}")
        self.corpus = corpus
        self.term_vectors = term_vectors
        self.candidates = candidates
        self.keyword_weight = keyword_weight
        self.fusion = fusion

    def retrieve(self, query: str, k: int, embedded: EmbeddedQuery | None = None) -> list[Passage]:
        """The k best passages for `query` (embedded already, or now), best first."""
        embedded = embedded or self.corpus.embed_query(query)
        pool = max(self.candidates, k)
        if self.fusion == "mix":
            return self._mixed(query, k, dict(self.corpus.search_dense(embedded.vector, pool)))
        found = self.pool(query, embedded, pool)
        scores = found.features @ ranking.weights(ranking.query_kind(query))
        best = np.argsort(-scores, kind="stable")[:k]
        # Passage.score stays in [0, 1] as before (1 = the best of the pool), for the answerer's features.
        shown = _min_max(dict(enumerate(scores.tolist())))
        return [Passage(c.id, c.path, c.start, c.end, c.text, shown[i], float(found.features[i, 0]), found.keyword[i])
                for i in best for c in [found.chunks[i]]]

    def pool(self, query: str, embedded: EmbeddedQuery, size: int) -> Pool:
        """The `size` nearest chunks and the `size` best BM25 matches, with the ranking features of each."""
        found = self.corpus.candidates(query, embedded.vector, size)
        features = ranking.chunk_features(embedded.vector, found, self.term_vectors,
                                          ranking.question_pieces(query, embedded))
        return Pool([c.chunk for c in found.candidates], features, found.keyword_scores())

    def _mixed(self, query: str, k: int, dense: dict[str, float]) -> list[Passage]:
        keyword = dict(self.corpus.search_keywords(query, max(self.candidates, k)))
        fused = _mix(_min_max(dense), _min_max(keyword), self.keyword_weight)
        best = sorted(fused, key=fused.get, reverse=True)[:k]
        chunks = self.corpus.chunks(best)
        return [Passage(cid, chunks[cid].path, chunks[cid].start, chunks[cid].end, chunks[cid].text,
                        fused[cid], dense.get(cid, 0.0), keyword.get(cid, 0.0))
                for cid in best if cid in chunks]


def _min_max(scores: dict[str, float]) -> dict[str, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high - low < 1e-9:
        return {key: 1.0 for key in scores}
    return {key: (value - low) / (high - low) for key, value in scores.items()}


def _mix(dense: dict[str, float], keyword: dict[str, float], keyword_weight: float) -> dict[str, float]:
    return {key: (1 - keyword_weight) * dense.get(key, 0.0) + keyword_weight * keyword.get(key, 0.0)
            for key in dense.keys() | keyword.keys()}
