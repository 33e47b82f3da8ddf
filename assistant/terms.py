"""Word-level analysis shared by features and follow-ups: content terms, stems, question types."""

import re
from functools import lru_cache

from index.keyword_index import stemmer, stopwords as keyword_stopwords

_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:['\u2019][a-z]+)?|\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                 "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "million",
                 "billion", "dozen", "dozens", "half", "first", "second", "third", "percent"}
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december", "century", "decade", "week", "weeks", "year", "years",
           "day", "days", "month", "months"}
QUESTION_TYPES = ("number", "date", "person", "place", "other")
_TYPE_PATTERNS = (
    ("number", r"\bhow (many|much|long|old|far|large|big|tall|high|often)\b|\bwhat (number|percentage|amount)\b"),
    ("date", r"\bwhen\b|\b(what|which)\s+(?:\S+\s+){0,2}(year|date|day|month|time|century|decade)\b"),
    ("person", r"\bwho(m|se)?\b|\b(what|which)\s+(?:\S+\s+){0,2}(person|people|man|woman|official|president)\b"),
    ("place", r"\bwhere\b|\b(what|which)\s+(?:\S+\s+){0,2}(country|city|state|place|region|town|county|continent)\b"),
)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English stop words: the keyword index's, so keyword search and features agree, and question words."""
    return keyword_stopwords() | {"did", "does", "do", "many", "much", "according", "which", "whose", "how", "what", "when",
                                        "where", "who", "whom", "why", "were", "was", "is", "are", "has", "have", "had",
                                        # words about the question or the documents, not their subject
                                        "name", "named", "called", "mention", "mentioned", "article",
                                        "document", "documents", "text", "say", "says", "said", "describe",
                                        "described", "tell", "happen", "happened"}


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens."""
    return [w.lower().replace("\u2019", "'") for w in _WORD.findall(text)]


def rarity(word: str) -> float:
    """How informative a word is in general English: 8 minus its Zipf frequency (0.5 at least).

    A general-language measure rather than corpus IDF: over one short article every absent word
    would otherwise outweigh the article's own vocabulary forty to one.
    """
    from wordfreq import zipf_frequency

    return max(0.5, 8.0 - zipf_frequency(word, "en"))


def weighted_terms(text: str) -> dict[str, tuple[float, str]]:
    """Stemmed content terms of `text` → (rarity weight, the word as written)."""
    kept = [w for w in words(text) if w not in stopwords()]
    weights: dict[str, tuple[float, str]] = {}
    for word, stem in zip(kept, stemmer().stemWords(kept)):
        if stem not in weights or rarity(word) > weights[stem][0]:
            weights[stem] = (rarity(word), word)
    return weights


def content_words(text: str) -> list[str]:
    """Words that are not stop words, as written (lower-cased)."""
    return [w for w in words(text) if w not in stopwords()]


def content_word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words that are not stop words."""
    return [m.span() for m in _WORD.finditer(text) if m.group().lower().replace("\u2019", "'") not in stopwords()]


def content_terms(text: str) -> list[str]:
    """Stemmed words that are not stop words, in order (numbers kept as written)."""
    kept = [w for w in words(text) if w not in stopwords()]
    return stemmer().stemWords(kept)


# A query put as a question or a request ("Who…", "Is…", "Name the…") rather than a claim or keywords.
_ASKING = re.compile(r"^\W*(who|whom|whose|what|when|where|which|why|how|is|are|was|were|am|do|does|did|can|could|"
                     r"will|would|shall|should|has|have|had|may|might|must|name|list|tell|describe|explain|give|"
                     r"find|show|summari[sz]e|compare)\b", re.IGNORECASE)


def is_question(query: str) -> bool:
    """Whether `query` asks (ends in "?" or opens with a question word or a request verb)."""
    return query.rstrip().endswith("?") or bool(_ASKING.match(query))


def answer_type(question: str) -> str:
    """Coarse expected answer type: number, date, person, place or other."""
    lowered = question.lower()
    for kind, pattern in _TYPE_PATTERNS:
        if re.search(pattern, lowered):
            return kind
    return "other"


def type_signals(text: str, question_words: set[str]) -> dict[str, bool]:
    """Whether a sentence holds something of each answer type that the question doesn't already say."""
    tokens = words(text)
    new = [t for t in tokens if t not in question_words]
    proper = re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z\u00e0-\u00ff]+", text)
    return {
        "number": any(t[0].isdigit() or t in _NUMBER_WORDS for t in new),
        "date": any(re.fullmatch(r"1\d{3}|20\d{2}", t) or t in _MONTHS for t in new),
        "person": any(p.lower() not in question_words for p in proper),
        "place": any(p.lower() not in question_words for p in proper),
        "other": True,
    }
