"""Whether a source sentence supports a claim (a sentence a model wrote): one `SupportScorer` interface, and the
facts (numbers, dates, names) a claim states that a sentence must hold for its support to count."""

import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from assistant.features import Candidate
from assistant.verifier import Verifier, context_text

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Capitalised words not opening the sentence: names ("Otmane Khalladi", "Playa del Carmen", "Interpol").
_NAME = re.compile(r"(?<=[\w,;:)’'\"]\s)[A-Z][\w\u00c0-\u024f'’-]+")
_NOT_NAMES = {"The", "A", "An", "In", "On", "At", "Of", "For", "By", "To", "And", "Or", "But", "As", "It", "He",
              "She", "They", "His", "Her", "Its", "Their", "This", "That", "These", "Those", "I", "According"}


class SupportScorer(Protocol):
    """Per candidate sentence, the probability that it supports the claim; `threshold` is where support begins."""

    threshold: float

    def __call__(self, claim: str, candidates: Sequence[Candidate]) -> np.ndarray: ...


class VerifierSupport:
    """The cross-encoder verifier reading (claim, sentence) pairs, each sentence after its document's title
    and the sentence before it (what its pronouns refer to), as it was trained."""

    threshold = 0.5

    def __init__(self, verifier: Verifier) -> None:
        self.verifier = verifier

    def __call__(self, claim: str, candidates: Sequence[Candidate]) -> np.ndarray:
        return self.verifier.supports(claim, [c.text for c in candidates], [candidate_context(c) for c in candidates])


def candidate_context(candidate: Candidate) -> str:
    """What the verifier reads before a candidate sentence: its document's title and the sentence before it."""
    return context_text(candidate.passage.title, candidate.previous)


def checked_facts(scorer: SupportScorer, claim: str, candidates: Sequence[Candidate]) -> np.ndarray:
    """The scorer's probabilities for the sentences that hold every number and name the claim states; 0 for
    the rest, which the scorer never reads (it costs about 13 ms a sentence on two cores)."""
    facts = claim_facts(claim)
    held = [i for i, c in enumerate(candidates) if facts <= sentence_facts(f"{c.previous} {c.text}")]
    scores = np.zeros(len(candidates))
    if held:
        scores[held] = scorer(claim, [candidates[i] for i in held])
    return scores


def claim_facts(text: str) -> frozenset[str]:
    """The numbers and names a sentence states, normalised ("1,200" → "1200")."""
    numbers = {n.replace(",", "") for n in _NUMBER.findall(text)}
    names = {m.lower() for m in _NAME.findall(text) if m not in _NOT_NAMES}
    return frozenset(numbers | names)


def sentence_facts(text: str) -> frozenset[str]:
    """Every number and capitalised word of a source sentence (a name may open it)."""
    numbers = {n.replace(",", "") for n in _NUMBER.findall(text)}
    words = {w.lower() for w in re.findall(r"[A-Z][\w\u00c0-\u024f'’-]+", text)}
    return frozenset(numbers | words)
