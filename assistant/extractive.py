"""The default, LLM-free answerer: quotes the retrieved sentences a learned scorer says answer the question."""

import math
from dataclasses import dataclass

import numpy as np

from index.corpus import Corpus

from assistant.answer import ABSTAIN_TEXT, Answer, Passage, Quote, quoting
from assistant.answer_check import AnswerCheck, Review
from assistant.features import (QUESTION_FEATURES, SENTENCE_FEATURES, Candidate, QuestionTerms,
                                question_features, sentence_features)
from assistant.question import Question
from assistant.quotable import is_quotable
from assistant.scorer import load_scorers
from assistant.word_similarity import WordSimilarity


SHORTLIST = 8  # the best quotable candidates, best first: what an answer may quote
# A compound question is held to this share of the abstain threshold. The answerable scorer learnt single-fact
# questions, and one sentence covers only a part of a compound one, so it reads answerable compound questions low:
# on MultiHop-RAG dev at the full threshold 27 of 219 were declined (all 31 unanswerable ones read under 0.18).
COMPOUND_GATE = 0.75


@dataclass(frozen=True)
class Reading:
    """Every candidate sentence of the passages with its first-pass features and probability, and
    the shortlist (indices, best first) of the quotable ones an answer may quote."""

    candidates: list[Candidate]
    features: np.ndarray
    probabilities: np.ndarray
    shortlist: list[int]


@dataclass(frozen=True)
class Choice:
    """The sentences picked to answer, and the confidence that the documents answer at all; `shortlisted` are
    the quotable sentences they were picked from (best first), with their first-pass probabilities."""

    candidates: list[Candidate]
    answerable: float
    shortlisted: list[Candidate]
    shortlisted_probabilities: list[float]


class ExtractiveAnswerer:
    """Picks sentences verbatim, cites each by exact span, and abstains when evidence is missing or `check`
    objects to the sentences picked.

    >>> answerer = ExtractiveAnswerer(corpus, WordSimilarity(models_dir), abstain_threshold=0.25, max_sentences=2,
    ...                               check=AnswerCheck(Verifier(models_dir), threshold=0.03))
    >>> question = Question.read("How many operatives were expelled to the United States?", "", corpus.embed_query)
    >>> answerer.answer(question, passages).answer
    'The expulsion of 37 operatives … [1]'
    """

    def __init__(self, corpus: Corpus, similarity: WordSimilarity, abstain_threshold: float,
                 max_sentences: int, check: AnswerCheck | None = None) -> None:
        self.corpus = corpus
        self.check = check
        self.similarity = similarity
        self.abstain_threshold = abstain_threshold
        self.max_sentences = max_sentences
        scorers = load_scorers()
        self.sentence_scorer = scorers["sentence"].expecting(SENTENCE_FEATURES)
        self.answerable_scorer = scorers["answerable"].expecting(QUESTION_FEATURES)
        self.second_ratio = scorers["second_ratio"]

    def answerable(self, question: QuestionTerms, passages: list[Passage], reading: "Reading") -> float:
        """The probability that the documents answer the question."""
        evidence = question_features(question, passages, reading.features, reading.probabilities, self.similarity)
        return float(self.answerable_scorer.probabilities(evidence[None, :])[0])

    def read(self, question: QuestionTerms, vector: np.ndarray, passages: list[Passage],
             quoted: frozenset[tuple[str, int]] = frozenset()) -> Reading:
        """Score every candidate sentence with the first-pass scorer and shortlist the best quotable ones;
        `quoted` sentences (path, start) count as not answering and are never shortlisted."""
        candidates = gather_candidates(passages)
        rows = sentence_features(question, vector, candidates, self.similarity)
        probabilities = self.sentence_scorer.probabilities(rows)
        if quoted:
            probabilities = np.where([(c.path, c.start) in quoted for c in candidates], 0.0, probabilities)
        order = np.argsort(-probabilities, kind="stable")
        shortlist = [int(i) for i in order if is_quotable(candidates[i].text)
                     and (candidates[i].path, candidates[i].start) not in quoted][:SHORTLIST]
        return Reading(candidates, rows, probabilities, shortlist)

    def choose(self, question: Question, passages: list[Passage], max_sentences: int | None = None) -> Choice:
        """The best shortlisted (quotable) sentence, and runners-up close enough to it. Sentences the
        answer a follow-up leans on quoted already (question.quoted) are never picked."""
        reading = self.read(question.terms, question.embedded.vector, passages, question.quoted)
        answerable = self.answerable(question.terms, passages, reading)
        probabilities = reading.probabilities[reading.shortlist]
        picked = pick_sentences(probabilities, self.second_ratio, max_sentences or self.max_sentences)
        return Choice([reading.candidates[reading.shortlist[i]] for i in picked], answerable,
                      [reading.candidates[i] for i in reading.shortlist], [float(p) for p in probabilities])

    def answer(self, question: Question, passages: list[Passage], max_sentences: int | None = None) -> Answer:
        """An Answer quoting the chosen sentences in document order, or an abstention; one the check objects to
        says why, its confidence put under the threshold as far as the check found it short."""
        choice = self.choose(question, passages, max_sentences)
        if not choice.candidates or choice.answerable < self._threshold(question):
            return Answer(question.text, ABSTAIN_TEXT, True, passages=passages, confidence=choice.answerable)
        review = (self.check.review(question, choice.shortlisted, choice.shortlisted_probabilities, choice.candidates,
                                    max_sentences or self.max_sentences) if self.check else Review(choice.candidates))
        if review.objection:
            confidence = min(choice.answerable, self.abstain_threshold * review.objection.passed)
            return Answer(question.text, ABSTAIN_TEXT, True, passages=passages, confidence=confidence,
                          note=review.objection.reason)
        first_pass = {(c.path, c.start): p for c, p in zip(choice.shortlisted, choice.shortlisted_probabilities)}
        quotes = [Quote(c.path, c.start, c.end, c.text, first_pass[c.path, c.start], self._location(c))
                  for c in review.chosen]
        return quoting(question.text, quotes, passages, self._confidence(question, choice.answerable, review.support))

    def _threshold(self, question: Question) -> float:
        return self.abstain_threshold * (COMPOUND_GATE if question.compound else 1.0)

    def _confidence(self, question: Question, answerable: float, support: float | None) -> float:
        """An answer's confidence: the first pass's probability or, when the verifier read the question, the geometric
        mean of both, placed between the abstain threshold and 1 (an answer never reads as less sure than a decline).
        The verifier ranks near misses below answers better: on the SQuAD 2.0 questions it never trained on, AUROC
        0.75 for this against 0.70 for the first pass's probability capped by the verifier's gate, as it was."""
        if support is None:
            return answerable
        threshold = self._threshold(question)
        return threshold + (1 - threshold) * math.sqrt(answerable * support)

    def _location(self, candidate: Candidate) -> str:
        document = self.corpus.document(candidate.path)
        return document.location(candidate.start) if document else ""


def pick_sentences(probabilities: np.ndarray, ratio: float, limit: int) -> list[int]:
    """Indices of the best sentence and of runners-up within `ratio` of its probability, best first."""
    order = [int(i) for i in np.argsort(-probabilities)[:limit]]
    return [i for i in order if probabilities[i] >= ratio * probabilities[order[0]]]


def gather_candidates(passages: list[Passage]) -> list[Candidate]:
    """Each distinct sentence of the passages, remembering the best-ranked passage it came from."""
    seen: dict[tuple[str, int], Candidate] = {}
    for rank, passage in enumerate(passages):
        texts, vectors = passage.sentence_texts(), passage.sentence_vectors
        for i, ((start, end), text) in enumerate(zip(passage.sentences, texts)):
            key = (passage.path, start)
            if key not in seen:
                previous = texts[i - 1] if i else ""
                seen[key] = Candidate(passage.path, start, end, text, previous, vectors[i],
                                      vectors[i - 1] if i else None, passage, rank)
    return list(seen.values())
