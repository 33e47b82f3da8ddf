"""A second reading of the shortlist: the verifier reads the leading sentences with the question, swaps in one it
reads far better than the first pass's choice (or one naming the place a "where" asks for, or the law a "which law"
does), and objects when none answers it or a number, date, penalty or named place asked is missing."""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.features import Candidate
from assistant.question import Question
from assistant.support import candidate_context
from assistant.terms import type_signals, words
from assistant.verifier import Verifier, question_text, sigmoid

# The leading shortlisted sentences the verifier reads (about 20 ms a pair on one core, two pairs at a time).
# On SQuAD-open dev the right sentence is among the first pass's top 4 for 90% of questions, its first for 72%.
READ = 4
# Of those, a sentence the first pass gives under this share of the best one's probability is not read: the
# verifier never preferred one on the dev sets, and skipping it spares a round on the cores for one question in 6.
READ_SHARE = 0.05
# The first pass's choice stands unless the verifier reads another sentence better by more than this many logits;
# then that sentence is quoted first and the first pass's best beside it. On the 1,374 questions of the SQuAD
# articles the verifier never trained on, quoting its own best sentence instead lost 9 right answers; the swap
# gained 10 (both before any decline).
SWAP_LOGITS = 1.0
# Beyond what the ranking features count as a number or a date: how else a sentence gives one ("none of the
# treaties", "twice a year", "at 5 pm", "in the 19th century", "on Monday"), so a right answer is never refused.
_ALSO_GIVES = {
    "number": re.compile(r"none|zero|once|twice|thrice|single|couple|annually|daily|weekly|monthly|yearly"),
    "date": re.compile(r"\d+|am|pm|noon|midnight|morning|afternoon|evening|night|today|yesterday|tomorrow|"
                       r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|spring|summer|autumn|fall|winter|"
                       r"season|era|period|ago|recently|currently|now|then|once|earlier|later|dawn|dusk"),
    # A penalty is a term ("20 years"), a fine or one of these: not just any number ("two of his sons").
    "penalty": re.compile(r"life|death|imprisonment|prison|jail|probation|execution|executed|fine|fined|sentenced|"
                          r"acquitted|pardoned|exile|exiled|years?|months?|weeks?|days?"),
}

# "What is the population of Sinaloa?" asks for a number as plainly as "how many" does.
_QUANTITY = re.compile(r"\bwhat(?:'s| is| was| are| were)\s+(?:the\s+)?(?:current\s+|total\s+)?"
                       r"(population|number|amount|cost|price|size|area|height|length|weight|age|budget|salary|"
                       r"percentage|share|value)\s+of\b"
                       # "What reward was offered for him?": a sum of money, which a sentence gives as a number.
                       r"|\b(?:what|which)\s+(?:\w+\s+)?(?:reward|bounty|ransom|price|cost|salary|wage|budget|fee)s?\b",
                       re.I)
# "in North Carolina", "at the University of Wittenberg": where a "where" question's answer usually is.
_PLACE_PREPOSITIONS = "in|at|from|to|near|into|across|outside|inside|throughout|within|towards?|via|off|on"
_LOCATIVE = re.compile(rf"\b(?i:{_PLACE_PREPOSITIONS})\s+(?:the\s+)?([A-Z][\w\u00c0-\u024f]+)")
# "In which city was he arrested?" asks for a place by its name, as "where" need not ("in the brain").
_NAMED_PLACE = re.compile(r"\b(?:what|which)\s+(?:\w+\s+){0,2}?(?:city|town|village|country|nation|state|province|"
                          r"county|region|continent|island|capital)\b", re.I)
# How a sentence names a place: after a preposition ("in Culiacán", "part of Northumberland") or as an owner
# ("England's northern fortress").
_PLACE_NAME = re.compile(rf"\b(?i:{_PLACE_PREPOSITIONS}|of)\s+(?:the\s+)?([A-Z][\w\u00c0-\u024f]+)|"
                         r"\b([A-Z][\w\u00c0-\u024f]+)['’]s\b")
# "Under which law …?", "What treaty was …?": a thing of a kind, usually named with the kind in its name.
_KIND = re.compile(r"^\W*(?:(?:in|at|on|from|under|by|with|for|to|of)\s+)?(?:which|what)\s+([a-z]+)\s+"
                   r"(?:is|was|are|were|did|does|do|has|had|have|can|could|will|would)\b", re.I)
# Nouns after "what" that ask for something else than a named thing of their kind.
_NOT_KINDS = {"year", "years", "day", "date", "time", "type", "types", "kind", "kinds", "sort", "part", "percentage",
              "number", "amount", "name", "word", "term", "language", "color", "colour", "role", "reason"}
# "What sentence did he receive?": a penalty, not a sentence of text.
_PENALTY = re.compile(r"\bwhat\s+(?:\w+\s+)?(?:sentence|punishment|penalty)\b|\bsentenced to what\b", re.I)
# "Did the report say …?" is answered yes or no by the reader of a quote; the verifier learnt what a sentence
# answers to "who", "what", "when", and its "no" to a yes/no question would decline what the quotes do settle.
_YES_NO = re.compile(r"^\W*(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|may|might|must)\b",
                     re.I)
_INNER_WHEN = re.compile(r"^(?!\W*when\b)(?!.*\b(?:year|date|day|month|time|century|decade)s?\b).*\bwhen\b", re.I)
# "When a commission reached a decision, what happened?": an opening "when" clause before the real question.
_WHEN_CLAUSE = re.compile(r"^\W*when\b[^?]*,\s*(?:what|who|whom|whose|which|where|why|how)\b", re.I)


@dataclass(frozen=True)
class Objection:
    """Why the chosen quotes don't answer the question, and how much of the check they passed (0 to 1)."""

    reason: str
    passed: float


@dataclass(frozen=True)
class Review:
    """The sentences to quote (best first) and, when they don't answer the question, why."""

    chosen: list[Candidate]
    objection: Objection | None = None
    support: float | None = None  # the verifier's probability for the sentence it read best; None: it did not read


class AnswerCheck:
    """Reads the shortlist a second time, question and sentence together: swaps in a sentence it reads far better
    than the first pass's choice, and objects to a near miss, a sentence about the question's subject that does
    not give what it asks ("When did the ambassador arrive?" answered by what the ambassador said).

    >>> check = AnswerCheck(Verifier(models_dir), threshold=0.03)
    >>> check.review(question, choice.shortlisted, choice.shortlisted_probabilities, choice.candidates, 2).objection
    Objection(reason='The closest passage does not answer this (the verifier read it at 0.01).', passed=0.33)
    """

    def __init__(self, verifier: Verifier, threshold: float) -> None:
        self.verifier = verifier
        self.threshold = threshold

    def review(self, question: Question, shortlisted: Sequence[Candidate], probabilities: Sequence[float],
               chosen: Sequence[Candidate], limit: int) -> Review:
        """What to quote of `shortlisted` (best first, with the first pass's `probabilities`) for `question`, up
        to `limit` sentences; a question the verifier does not read keeps the first pass's `chosen`."""
        asked = _readable(question)
        if self.threshold <= 0 or not asked or not shortlisted:
            return Review(list(chosen), self._type_objection(question, chosen))
        read = [c for c, p in zip(shortlisted[:READ], probabilities) if p >= READ_SHARE * probabilities[0]]
        logits = self.verifier.logits([question_text(asked)] * len(read), [c.text for c in read],
                                      [candidate_context(c) for c in read])
        best = int(np.argmax(logits))
        support = float(sigmoid(logits[best]))
        if support < self.threshold:
            # A follow-up's rewriting ("Who received the detainees?") is a guess at what was meant, so it never
            # declines on its own: the first pass answers.
            if question.standalone and question.standalone != question.text:
                return Review(list(chosen), self._type_objection(question, chosen))
            return Review([read[best]], Objection(f"The closest passage does not answer this (the verifier read it "
                                                  f"at {support:.2f}).", support / self.threshold), support)
        picked = _swapped(read, logits, best, list(chosen), limit)
        asked = question.terms.words
        if question.terms.kind == "place":
            # Only a preference, never a decline: a place is often named in lower case ("in the brain"), and
            # declining "where" questions whose quotes name none cost 12 right answers of 1,374 held-out SQuAD ones.
            picked = self._preferring(lambda text: _names_place(text, asked), read, logits, picked, limit)
        elif noun := _kind_asked(question.asked):
            picked = self._preferring(lambda text: _names_kind(text, noun, asked), read, logits, picked, limit)
        return Review(picked, self._type_objection(question, picked), support)

    def _preferring(self, names: Callable[[str], bool], read: list[Candidate], logits: np.ndarray,
                    picked: list[Candidate], limit: int) -> list[Candidate]:
        """`picked`, or when none of it `names` what is asked (a place: "in North Carolina"; a law: "the National
        Security Law") the sentence of `read` that does and that the verifier reads best above its threshold,
        first, with the first pass's first beside it."""
        if any(names(c.text) for c in picked):
            return picked
        for i in np.argsort(-logits):
            if sigmoid(logits[i]) >= self.threshold and names(read[i].text):
                return [read[i], *[c for c in picked[:1] if c is not read[i]]][:limit]
        return picked

    @staticmethod
    def _type_objection(question: Question, chosen: Sequence[Candidate]) -> Objection | None:
        """An objection when the question asks for a number, a date, a penalty or a named place and no chosen
        sentence gives one."""
        kind = _asked_kind(question)
        if kind and not any(_gives(kind, c.text, question.terms.words) for c in chosen):
            return Objection(f"The question asks for a {kind}; the closest passages give none.", 0.0)
        return None


def _swapped(read: list[Candidate], logits: np.ndarray, best: int, chosen: list[Candidate],
             limit: int) -> list[Candidate]:
    """The first pass's `chosen`, or the verifier's `best` and the first pass's first when it reads that one
    better than every chosen sentence by more than SWAP_LOGITS."""
    where = {(c.path, c.start): i for i, c in enumerate(read)}
    chosen_read = [where[c.path, c.start] for c in chosen if (c.path, c.start) in where]
    if best in chosen_read or (chosen_read and logits[best] - max(logits[i] for i in chosen_read) <= SWAP_LOGITS):
        return chosen
    return [read[best], *chosen[:1]][:limit]


def _readable(question: Question) -> str:
    """The question as the verifier reads it, or '' when it should not: a follow-up that still leans on the
    question before it ("And who received them?"), a compound question, a yes/no question, and a statement
    (a claim to check or keywords: the verifier was asked whether a sentence answers, not whether it bears on it)."""
    asked = question.asked
    if (question.context and not question.standalone) or question.compound or _YES_NO.match(asked):
        return ""
    return asked if question.kind == "question" else ""


def _asked_kind(question: Question) -> str:
    """"number", "date" or "penalty" when the question plainly asks for one, else ''. A "when" inside the question
    ("Who has less potential when faced with …?") or opening a clause before it is a conjunction, not a question
    about time."""
    asked = question.asked
    kind = question.terms.kind
    if kind == "date" and (_INNER_WHEN.search(asked) or _WHEN_CLAUSE.search(asked)):
        return ""
    if kind in ("number", "date"):
        return kind
    if _PENALTY.search(asked):
        return "penalty"
    if _NAMED_PLACE.search(asked):
        return "named place"
    return "number" if _QUANTITY.search(asked) else ""


def _gives(kind: str, sentence: str, question_words: set[str]) -> bool:
    """Whether a sentence states a `kind` (a number, a date, a penalty or a named place) that the question does not
    already say."""
    if kind == "named place":
        return any((m.group(1) or m.group(2)).lower() not in question_words for m in _PLACE_NAME.finditer(sentence))
    also = _ALSO_GIVES[kind]
    return type_signals(sentence, question_words).get(kind, False) or any(
        also.fullmatch(w) for w in words(sentence) if w not in question_words)


def _kind_asked(question: str) -> str:
    """The kind of named thing a "which law …" / "under what treaty …" question asks for ("law"), or ''."""
    match = _KIND.match(question)
    return match.group(1).lower() if match and match.group(1).lower() not in _NOT_KINDS else ""


def _names_kind(sentence: str, noun: str, question_words: set[str]) -> bool:
    """Whether a sentence names a `noun` the question does not: "the National Security Law", "University of X"."""
    kind = noun.capitalize()
    pattern = rf"\b((?:[A-Z][\w\u00c0-\u024f'’-]*\s+){{1,4}}{kind}s?|{kind}s? of (?:the )?[A-Z]\w+)"
    return any(set(words(m.group(1))) - question_words - {noun, noun + "s"} for m in re.finditer(pattern, sentence))


def _names_place(sentence: str, question_words: set[str]) -> bool:
    """Whether a sentence puts something in, at, from … a capitalised name the question does not already say."""
    return any(match.group(1).lower() not in question_words for match in _LOCATIVE.finditer(sentence))
