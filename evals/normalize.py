"""Answer-text normalisation shared by every answer metric: case, accents, punctuation, number formats."""

import re
import unicodedata
from collections import Counter

# Thousands separators between digit groups ("250,000", "250 000" with a no-break space) vanish so
# "250,000" and "250000" compare equal; a plain space is left alone ("in 2019 500 people").
_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u202f\u2009](?=\d{3}(?!\d))")
# SQuAD's convention: articles carry no answer and differ freely between gold and prediction.
_ARTICLES = frozenset({"a", "an", "the"})


def tokens(text: str) -> list[str]:
    """The words of `text` after normalisation (accents, case, punctuation and articles dropped)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _THOUSANDS.sub("", text)
    # Punctuation and symbols become spaces on both sides, so "10.4" and "$10.4" still match "10.4".
    text = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text)
    return [word for word in text.split() if word not in _ARTICLES]


def contains(text: str, needle: str) -> bool:
    """Whether `needle` occurs in `text` as whole normalised words ("37" is not inside "1937")."""
    wanted = tokens(needle)
    if not wanted:
        return False
    return f" {' '.join(wanted)} " in f" {' '.join(tokens(text))} "


def token_f1(text: str, gold: str) -> float:
    """SQuAD's token F1 between a prediction and one gold answer."""
    predicted, expected = tokens(text), tokens(gold)
    common = sum((Counter(predicted) & Counter(expected)).values())
    if not common:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)
