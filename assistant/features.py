"""Numeric features of (question, candidate sentence) pairs and of a question's retrieved evidence."""

import math
import re
from dataclasses import dataclass

import numpy as np

from assistant.answer import Passage
from assistant.terms import answer_type, content_terms, content_words, type_signals, weighted_terms, words
from assistant.word_similarity import WordSimilarity
from index.vectors import unit

SENTENCE_FEATURES = (
    "cosine", "cosine_gap", "coverage", "coverage_gap", "context_coverage", "passage_score",
    "passage_rank", "passage_cosine", "length", "novelty", "type_match", "type_mismatch",
    "headline", "bigram_coverage", "pronoun_start", "soft_coverage",
)
QUESTION_FEATURES = (
    "best_probability", "probability_margin", "missing_share", "best_cosine", "best_passage_cosine",
    "best_coverage", "question_terms", "best_type_match", "cosine_contrast", "best_context_coverage",
    "best_soft_coverage", "soft_missing_share",
)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w\u00c0-\u024f]+(?:\s+[A-Z][\w\u00c0-\u024f]+)*")
_PRONOUN_START = re.compile(r"(He|She|It|They|His|Her|Its|Their|This|These|Those|The latter|The former)\b")


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, with where it sits."""

    path: str
    start: int
    end: int
    text: str
    previous: str
    vector: np.ndarray
    previous_vector: np.ndarray | None
    passage: Passage
    rank: int


@dataclass(frozen=True)
class QuestionTerms:
    """A question's stemmed content terms, weighted by rarity (follow-up context counts half)."""

    text: str
    weights: dict[str, float]
    surfaces: dict[str, str]
    bigrams: set[tuple[str, str]]
    kind: str
    words: set[str]

    @classmethod
    def parse(cls, question: str, context: str = "") -> "QuestionTerms":
        """Analyse a question; `context` is the earlier question a follow-up leans on."""
        terms = content_terms(question)
        weighted = {t: (0.5 * w, word) for t, (w, word) in weighted_terms(context).items()}
        weighted.update(weighted_terms(question))
        return cls(question, {t: w for t, (w, _) in weighted.items()}, {t: word for t, (_, word) in weighted.items()},
                   set(zip(terms, terms[1:])), answer_type(question), set(words(question + " " + context)))

    def soft_coverage(self, present: set[str], text: str, similarity: WordSimilarity) -> float:
        """Weighted share of terms present, with absent ones credited for close synonyms in `text`."""
        missing = [t for t in self.weights if t not in present]
        credit = similarity.match([self.surfaces[t] for t in missing], content_words(text))
        covered = sum(w for t, w in self.weights.items() if t in present)
        return (covered + float(credit @ np.array([self.weights[t] for t in missing]))) / (sum(self.weights.values()) or 1.0)


def sentence_features(question: QuestionTerms, vector: np.ndarray, candidates: list[Candidate],
                      similarity: WordSimilarity) -> np.ndarray:
    """One row of SENTENCE_FEATURES per candidate."""
    weights = question.weights
    total = sum(weights.values()) or 1.0
    rows = []
    for candidate in candidates:
        terms = content_terms(candidate.text)
        pronoun = bool(_PRONOUN_START.match(candidate.text))
        cosine = _cosine(candidate, vector, pronoun)
        present = set(terms) | (_named(candidate.previous) if pronoun else set())
        context = present | set(content_terms(candidate.previous))
        signals = type_signals(candidate.text, question.words)
        context_coverage = sum(w for t, w in weights.items() if t in context) / total
        known = question.kind != "other"
        rows.append([
            cosine, 0.0, sum(w for t, w in weights.items() if t in present) / total, 0.0,
            context_coverage, candidate.passage.score,
            1.0 / (1 + candidate.rank), candidate.passage.dense, math.log1p(len(terms)),
            sum(t not in weights for t in terms) / max(len(terms), 1),
            float(known and signals[question.kind]), float(known and not signals[question.kind]),
            float(len(terms) < 15 and candidate.text.rstrip()[-1:] not in ".!?\"'\u201d"),
            len(question.bigrams & set(zip(terms, terms[1:]))) / max(len(question.bigrams), 1),
            float(pronoun), question.soft_coverage(present, candidate.text, similarity),
        ])
    matrix = np.array(rows, dtype=np.float64).reshape(len(candidates), len(SENTENCE_FEATURES))
    if len(candidates):
        matrix[:, 1] = matrix[:, 0] - matrix[:, 0].max()
        matrix[:, 3] = matrix[:, 2] - matrix[:, 2].max()
    return matrix


def _cosine(candidate: Candidate, vector: np.ndarray, pronoun: bool) -> float:
    """The sentence's cosine; a "He…"/"It…" sentence may also count with the sentence it refers back to."""
    own = float(candidate.vector @ vector)
    if not pronoun or candidate.previous_vector is None:
        return own
    pair = candidate.vector + candidate.previous_vector
    return max(own, float(unit(pair) @ vector))


def _named(sentence: str) -> set[str]:
    """Terms of the capitalised names in a sentence: what a following "He…" or "It…" refers to.

    "Otmane Khalladi was captured. He was sought for fraud…": the second sentence answers "what
    was Khalladi sought for?" only once "He" counts as the name before it.
    """
    return set(content_terms(" ".join(_NAME.findall(sentence))))


def question_features(question: QuestionTerms, passages: list[Passage], sentence_rows: np.ndarray,
                      probabilities: np.ndarray, similarity: WordSimilarity) -> np.ndarray:
    """QUESTION_FEATURES: how well the retrieved evidence covers the question at all."""
    weights = question.weights
    evidence_text = " ".join(p.text for p in passages)
    evidence = set(content_terms(evidence_text))
    total = sum(weights.values()) or 1.0
    if not len(probabilities):
        return np.array([0.0, 0.0, 1.0, 0.0, 0.0, 0.0, math.log1p(len(weights)), 0.0, 0.0, 0.0, 0.0, 1.0])
    order = np.argsort(-probabilities)
    best = order[0]
    margin = probabilities[best] - (probabilities[order[1]] if len(order) > 1 else 0.0)
    return np.array([
        probabilities[best], margin, sum(w for t, w in weights.items() if t not in evidence) / total,
        sentence_rows[:, 0].max(), max(p.dense for p in passages), sentence_rows[:, 2].max(),
        math.log1p(len(weights)), sentence_rows[best, 10],
        # How far the best sentence stands out: paraphrased questions about the documents still
        # single out one sentence; questions about something else match everything equally badly.
        sentence_rows[:, 0].max() - sentence_rows[:, 0].mean(), sentence_rows[best, 4],
        sentence_rows[:, 15].max(), 1.0 - question.soft_coverage(evidence, evidence_text, similarity),
    ])
