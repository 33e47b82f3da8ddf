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
    """Per (claim, candidate sentence) pair, the probability that the sentence supports the claim;
    `threshold` is where support begins."""

    threshold: float

    def __call__(self, claims: Sequence[str], candidates: Sequence[Candidate]) -> np.ndarray: ...


class VerifierSupport:
    """The cross-encoder verifier reading (claim, sentence) pairs, each sentence after its document's title
    and the sentence before it (what its pronouns refer to), as it was trained."""

    threshold = 0.5

    def __init__(self, verifier: Verifier) -> None:
        self.verifier = verifier

    def __call__(self, claims: Sequence[str], candidates: Sequence[Candidate]) -> np.ndarray:
        return self.verifier.supports(claims, [c.text for c in candidates], [candidate_context(c) for c in candidates])


def candidate_context(candidate: Candidate) -> str:
    """What the verifier reads before a candidate sentence: its document's title and the sentence before it."""
    return context_text(candidate.passage.title, candidate.previous)


def holds_facts(claim: str, candidate: Candidate) -> bool:
    """Whether a source sentence (with the one before it) holds every number and name the claim states:
    one that lacks any cannot support it, whatever a model would say of the pair."""
    return claim_facts(claim) <= sentence_facts(f"{candidate.previous} {candidate.text}")


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
