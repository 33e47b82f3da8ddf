"""Reads a follow-up ("where were they sent?") as a question that stands alone, from the conversation before it.

One interface, `FollowUpReader`: (question, earlier exchanges) → `Interpretation`. `RuleReader` is the default,
LLM-free reader: it replaces pronouns with what they refer to, fills in an elliptical question from the
one before it, and names the document "this article" means. A language model's rewrite (generate mode)
plugs in as another `FollowUpReader`, with this one as its fallback.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from assistant.terms import content_terms, stopwords

# Words that open a follow-up without adding meaning: "And who received them?", "So, where?".
_OPENER = re.compile(r"^\s*(?:(?:and|but|so|also|then|ok(?:ay)?|well)\b[\s,]*)+", re.IGNORECASE)
_ABOUT = re.compile(r"^\s*(?:what|how)\s+about\s+", re.IGNORECASE)
_DOCUMENT = re.compile(r"\b(?:this|that|the)\s+(article|document|text|report|story|piece|file|paper|source)\b",
                       re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f][\w\u00c0-\u024f'’.-]*|\d+(?:[.,]\d+)*|[^\w\s]")
_PERSON = {"he": "subject", "him": "object", "his": "possessive", "she": "subject", "hers": "object"}
_PLURAL = {"they": "subject", "them": "object", "their": "possessive", "theirs": "object"}
_THING = {"it": "subject", "its": "possessive"}
_DEMONSTRATIVE = {"this", "that", "these", "those"}
_DETERMINERS = {"the", "these", "those", "this", "that", "all", "both", "several", "many", "some", "each"}
_NAME_JOINERS = {"de", "del", "la", "da", "dos", "van", "von", "bin", "al", "of"}
_PREPOSITIONS = {"in", "at", "to", "from", "near", "into", "inside", "through", "across"}
_PRONOUNS = {"he", "him", "his", "she", "her", "hers", "it", "its", "they", "them", "their", "theirs", "we", "you", "i"}
_ASKING = {"who", "whom", "whose", "what", "when", "where", "which", "why", "how", "is", "are", "was", "were",
           "do", "does", "did", "can", "could", "will", "would", "has", "have", "had", "should"}
# How many earlier exchanges a pronoun may reach back to for its referent.
_REACH = 3


class Quote(NamedTuple):
    """A sentence an answer quoted: the span of its document, and its text."""

    path: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Exchange:
    """One earlier turn of the conversation, as a follow-up reads it."""

    question: str
    answer: str = ""
    interpreted: str = ""  # how the question was read, when it leaned on the one before
    quoted: tuple[Quote, ...] = ()  # the sentences the answer quoted

    @property
    def read_as(self) -> str:
        """The question as it was understood."""
        return self.interpreted or self.question

    @classmethod
    def of(cls, turn: Any) -> "Exchange":
        """From an Exchange, a bare question, an Answer or its JSON (a web chat turn)."""
        if isinstance(turn, Exchange):
            return turn
        if isinstance(turn, str):
            return cls(turn)
        data = turn if isinstance(turn, dict) else turn.to_dict()
        quoted = () if data.get("abstained") else tuple(
            Quote(c["path"], c["start"], c["end"], c["quote"]) for c in data.get("citations", []))
        return cls(data["question"], "" if data.get("abstained") else data.get("answer", ""),
                   data.get("interpreted", ""), quoted)


@dataclass(frozen=True)
class Interpretation:
    """How a question is read: the standalone text retrieval and answering use, and what not to quote again."""

    question: str  # as asked
    standalone: str  # what it asks, on its own
    context: str = ""  # earlier text it leans on that the standalone text could not take in ('' when none)
    quoted: frozenset[tuple[str, int]] = field(default_factory=frozenset)  # (path, start): quoted already

    @property
    def interpreted(self) -> str:
        """What the chat shows as "Interpreted as: …"; '' for a question read as asked."""
        if self.standalone != self.question:
            return self.standalone
        return f"{self.question} (following “{self.context}”)" if self.context else ""


class FollowUpReader(Protocol):
    """Anything that reads a question in the light of the exchanges before it (oldest first)."""

    def __call__(self, question: str, history: Sequence[Exchange]) -> Interpretation: ...


class RuleReader:
    """The LLM-free reader: pronouns, ellipsis and "this article" resolved from the exchanges before.

    A follow-up never gets the answer it leans on again: the sentences that answer quoted are in
    `Interpretation.quoted`, and the answerer skips them, except one that also says what the follow-up adds
    ("…Khalladi was captured." answers "and where was he captured?" after "what was he sought for?").

    >>> reader = RuleReader()
    >>> reader("Where were they sent?", [Exchange("How many operatives were expelled to the United States?")]).standalone
    'Where were the operatives sent?'
    """

    def __init__(self, title_of: Callable[[str], str] = lambda path: "") -> None:
        self.title_of = title_of  # a document's title by path, to name "this article"

    def __call__(self, question: str, history: Sequence[Exchange]) -> Interpretation:
        if not history:
            return Interpretation(question, question)
        last = history[-1]
        text, named_document = self._name_document(question, last)
        body = _OPENER.sub("", text)
        resolved = _resolve_pronouns(body, list(history)[-_REACH:][::-1])
        if resolved is None and (_ABOUT.match(body) or _is_fragment(body)):
            resolved = _fill_in(_ABOUT.sub("", body), last.read_as)
        if resolved is not None:
            standalone = _sentence(resolved)
            return Interpretation(question, standalone, "", not_again(last, standalone))
        if named_document or not _leans(body):
            return Interpretation(question, text if named_document else question)
        return Interpretation(question, question, last.read_as, not_again(last, question))

    def _name_document(self, question: str, last: Exchange) -> tuple[str, bool]:
        """"This article" → the article by its title, when the last answer quoted one document."""
        match = _DOCUMENT.search(question)
        paths = {quote.path for quote in last.quoted}
        if not match:
            return question, False
        title = self.title_of(next(iter(paths))) if len(paths) == 1 else ""
        if not title:
            return question, True
        named = f"the {match[1].lower()} “{title}”"
        return question[:match.start()] + named + question[match.end():], True


def not_again(last: Exchange, follow_up: str) -> frozenset[tuple[str, int]]:
    """(path, start) of the last answer's quotes that don't hold every term the follow-up adds to its question."""
    added = set(content_terms(follow_up)) - set(content_terms(last.read_as))
    return frozenset((q.path, q.start) for q in last.quoted if not added or not added <= set(content_terms(q.text)))


def _leans(question: str) -> bool:
    """Whether a question needs the one before it: "Why?", "When did that happen?", a pronoun left unresolved."""
    words = {t.lower() for t in _TOKEN.findall(question)}
    return bool(words & (_DEMONSTRATIVE | _PRONOUNS - {"i", "you", "we"})) or len(content_terms(question)) <= 1


def _is_fragment(question: str) -> bool:
    """"Alejandro N?", "of France?": a short question that asks nothing by itself."""
    tokens = [t for t in _TOKEN.findall(question) if t[0].isalnum()]
    return 0 < len(tokens) <= 5 and tokens[0].lower() not in _ASKING


def _fill_in(fragment: str, previous: str) -> str | None:
    """The previous question with its subject swapped for the fragment: "Where was X captured?" + "Y?" → about Y."""
    fragment = fragment.strip().rstrip("?.! ")
    words = fragment.split()
    if not words:
        return None
    if words[0].lower() in _PREPOSITIONS | {"of", "for", "with", "by"} and len(words) > 1:
        # "and of France?" swaps the name after the same preposition
        pattern = re.compile(rf"\b{re.escape(words[0])}\s+({_NAME_PATTERN})", re.IGNORECASE)
        match = pattern.search(previous)
        return previous[:match.start(1)] + " ".join(words[1:]) + previous[match.end(1):] if match else None
    target = _subject(previous)
    if target is None:
        return None
    return previous[:target[0]] + fragment + previous[target[1]:]


_NAME_PATTERN = (r"[A-Z][\w\u00c0-\u024f'’.-]*(?:\s+(?:(?:de|del|la|da|dos|van|von|bin|al|of)\s+)?"
                 r"[A-Z][\w\u00c0-\u024f'’.-]*)*")


@dataclass(frozen=True)
class Phrase:
    """A noun phrase of an earlier question or answer: a name, or a determiner and nouns."""

    text: str
    start: int
    end: int
    name: bool
    plural: bool


def _phrases(text: str) -> list[Phrase]:
    """Names and "the …"/"37 …"/"how many …" noun phrases, in order of appearance."""
    found: list[Phrase] = []
    for match in re.finditer(_NAME_PATTERN, text):
        words = match[0].split()
        while words and words[0].lower() in stopwords() | _ASKING | _PRONOUNS | {"the", "in", "on"}:
            words = words[1:]  # "Where", "The", "He", "In" open a sentence, not a name
        if words:
            name = " ".join(words)
            start = match.start() + match[0].index(name)
            the = text[max(0, start - 4):start] == "the "  # "the United States"
            found.append(Phrase(("the " if the else "") + name, start - 4 * the, start + len(name), True, False))
    pattern = r"\b(?:(?i:the|these|those|all|both|several|some|how many|many)\s+(?:\d[\d,.]*\s+)?|\d[\d,.]*\s+)" \
              r"((?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*)"
    for match in re.finditer(pattern, text):
        words = []
        for word in match[1].split():
            if word in stopwords() or (words and word.endswith(("ed", "ing"))):
                break
            words.append(word)
        if not words:
            continue
        head, end = words[-1], match.start(1) + len(" ".join(words))
        tail = re.match(rf"\s+of\s+({_NAME_PATTERN})", text[end:])  # "the capital of Australia"
        end += tail.end() if tail else 0
        phrase = re.sub(r"^(?i:how many|many)\s+", "", text[match.start():end])
        found.append(Phrase(phrase, match.start(), end, False, head.endswith("s") and not head.endswith(("ss", "us", "is"))))
    return sorted(found, key=lambda p: p.start)


def _subject(question: str) -> tuple[int, int] | None:
    """Where the first name or noun phrase of a question is."""
    phrases = _phrases(question)
    return (phrases[0].start, phrases[0].end) if phrases else None


def _resolve_pronouns(question: str, recent: list[Exchange]) -> str | None:
    """The question with each pronoun replaced by its referent; None when it has no pronoun to resolve."""
    tokens = list(re.finditer(r"[A-Za-z]+", question))
    pieces, last, changed = [], 0, False
    for i, token in enumerate(tokens):
        word = token[0].lower()
        following = tokens[i + 1][0].lower() if i + 1 < len(tokens) else ""
        referent = _referent(word, following, question, recent)
        if referent is None:
            continue
        pieces += [question[last:token.start()], referent]
        last, changed = token.end(), True
    if not changed:
        return None
    return "".join(pieces) + question[last:]


def _referent(word: str, following: str, question: str, recent: list[Exchange]) -> str | None:
    """What one pronoun stands for, written as it fits in the question."""
    if word == "her":  # "her report" is possessive, "ask her" is not
        role = "possessive" if following and following not in stopwords() else "object"
        kind = "person"
    elif word in _PERSON:
        role, kind = _PERSON[word], "person"
    elif word in _PLURAL:
        role, kind = _PLURAL[word], "plural"
    elif word in _THING:
        role, kind = _THING[word], "thing"
    elif word == "there" and not re.search(r"\b(?:is|are|was|were)\s+there\b|\bthere\s+(?:is|are|was|were)\b",
                                           question, re.IGNORECASE):
        role, kind = "place", "place"
    else:
        return None
    phrase = _find(kind, recent)
    if phrase is None:
        return None
    if role == "possessive":
        return phrase + ("’" if phrase.endswith("s") else "’s")
    if role == "place":
        return phrase if re.search(rf"\b(?:{'|'.join(_PREPOSITIONS)})\s+there\b", question, re.IGNORECASE) \
            else f"in {phrase}"
    return phrase


def _find(kind: str, recent: list[Exchange]) -> str | None:
    """The most recent phrase of the right kind: the last answer's subject, then its question, then further back."""
    for exchange in recent:
        answer = _first_sentence(exchange.answer)
        asked = [p for p in _phrases(exchange.read_as) if _fits(p, kind)]
        said = [p for p in _phrases(answer) if _fits(p, kind)]
        if kind == "place":
            # where the answer went beyond the question: "In Playa del Carmen, … Khalladi was captured."
            said = [p for p in said if p.text not in exchange.read_as]
            if said:
                return said[0].text
            continue
        opening = [p for p in said if p.start == 0]
        for phrase in opening + asked + said:
            return _definite(phrase)
    return None


def _fits(phrase: Phrase, kind: str) -> bool:
    if kind == "person":  # "Otmane Khalladi", "Harfuch"; not "the United States" nor "U.S."
        return phrase.name and not phrase.text.startswith("the ") and "." not in phrase.text
    if kind == "place":
        return phrase.name
    if kind == "plural":
        return phrase.plural
    return not phrase.name and not phrase.plural


def _definite(phrase: Phrase) -> str:
    """"operatives" → "the operatives"; names and "the …" phrases as written, lower-cased where a sentence began."""
    text = phrase.text
    if phrase.name:
        return text
    first, _, rest = text.partition(" ")
    if first.lower() in _DETERMINERS:
        return f"{first.lower()} {rest}".strip()
    return f"the {text}"


def _first_sentence(answer: str) -> str:
    """The first quoted sentence of an answer, without its [n] marker."""
    return re.split(r"\s*\[\d+\]", answer, maxsplit=1)[0].strip()


def _sentence(text: str) -> str:
    """Capitalised, with single spaces."""
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]
