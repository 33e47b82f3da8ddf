"""Hybrid retrieval: dense (Chroma) and BM25 candidates, re-ranked by a learned model or mixed by score."""

from dataclasses import dataclass

import numpy as np

from index.candidates import CandidateChunk
from index.corpus import Corpus
from index.document import Chunk

from assistant import ranking
from assistant.answer import Passage
from assistant.question import Question
from assistant.settings import FUSIONS
from assistant.term_vectors import TermVectors


@dataclass(frozen=True)
class Pool:
    """Candidate chunks of one question, with a row of ranking.FEATURES and the raw BM25 score of each."""

    candidates: list[CandidateChunk]
    features: np.ndarray
    keyword: list[float]

    @property
    def chunks(self) -> list[Chunk]:
        """The candidates' chunks."""
        return [c.chunk for c in self.candidates]


class HybridRetriever:
    """Finds the passages most likely to hold the answer.

    "learned" (the default) pools the dense and BM25 candidates and scores each chunk with
    assistant/ranking.py's linear model, weighted for a question or for a statement; "mix" is plain
    min-max score mixing, dense and BM25 weighted 1 - keyword_weight : keyword_weight.

    >>> retriever = HybridRetriever(corpus, TermVectors(WordSimilarity(models_dir)), candidates=30)
    >>> retriever.retrieve(Question.read("How many operatives were expelled?", "", corpus.embed_query), k=5)[0].path
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

    def retrieve(self, question: Question, k: int) -> list[Passage]:
        """The k best passages for the question, best first."""
        pool = max(self.candidates, k)
        if self.fusion == "mix":
            return self._mixed(question, k, dict(self.corpus.search_dense(question.embedded.vector, pool)))
        found = self.pool(question, pool)
        scores = found.features @ ranking.weights(question.kind)
        best = np.argsort(-scores, kind="stable")[:k]
        # Passage.score stays in [0, 1] as before (1 = the best of the pool), for the answerer's features.
        shown = _min_max(dict(enumerate(scores.tolist())))
        return [_passage(found.candidates[i].chunk, shown[i], float(found.features[i, 0]), found.keyword[i],
                         found.candidates[i].sentence_vectors) for i in best]

    def pool(self, question: Question, size: int) -> Pool:
        """The `size` nearest chunks and the `size` best BM25 matches, with the ranking features of each."""
        embedded = question.embedded
        found = self.corpus.candidates(question.keyword_query, embedded.vector, size)
        features = ranking.chunk_features(embedded.vector, found, self.term_vectors,
                                          ranking.question_pieces(embedded, question.content_spans))
        return Pool(found.candidates, features, found.keyword_scores())

    def _mixed(self, question: Question, k: int, dense: dict[str, float]) -> list[Passage]:
        keyword = dict(self.corpus.search_keywords(question.keyword_query, max(self.candidates, k)))
        fused = _mix(_min_max(dense), _min_max(keyword), self.keyword_weight)
        best = sorted(fused, key=fused.get, reverse=True)[:k]
        chunks, vectors = self.corpus.chunks(best), self.corpus.sentence_vectors(best)
        return [_passage(chunks[cid], fused[cid], dense.get(cid, 0.0), keyword.get(cid, 0.0), vectors[cid])
                for cid in best if cid in chunks]


def _passage(chunk: Chunk, score: float, dense: float, keyword: float, sentence_vectors: np.ndarray) -> Passage:
    return Passage(chunk.id, chunk.path, chunk.start, chunk.end, chunk.text, score, dense, keyword, chunk.sentences,
                   sentence_vectors, chunk.title)


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
