"""Sentence boundaries with character offsets, tuned for news, encyclopaedic and scientific prose."""

import re

# Matches only at the start of a run of end marks, taking the whole run at once: a run of a
# million dots is scanned once, not once per dot.
_END = re.compile(r"(?<![.!?\u2026])[.!?\u2026]++[\"'\u201d\u2019)\]]*+(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u00de])")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "no", "gen",
    "col", "lt", "sgt", "capt", "gov", "sen", "rep", "inc", "ltd", "co", "corp", "jan", "feb",
    "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "mt", "ft", "fig", "al", "approx",
    "dept", "est", "vol", "op", "cf", "ca", "c", "b", "d", "rev", "hon", "pres", "supt", "univ",
}
_WORD_BEFORE = re.compile(r"([\w.]+)$")
# How far back a dot looks for its word: past any abbreviation or dotted acronym, and a bound that
# keeps splitting linear (searching from the line start made a 400 KB line take 87 s).
_LOOK_BACK = 40


def _is_abbreviation(text: str, dot: int) -> bool:
    match = _WORD_BEFORE.search(text, max(0, dot - _LOOK_BACK), dot)
    if not match:
        return False
    word = match.group(1).lower()
    if word in _ABBREVIATIONS:
        return True
    # Initials ("J. Smith") and dotted acronyms ("U.S. Department") rarely end a sentence.
    return len(word) == 1 or bool(re.fullmatch(r"(?:\w\.)+\w", word))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences in text[start:end], whitespace trimmed.

    Line breaks always end a sentence, so headlines and list items stand alone.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start = start + line.start()
        line_text = line.group()
        cut = 0
        for match in _END.finditer(line_text):
            if match.group().startswith(".") and _is_abbreviation(line_text, match.start()):
                continue
            spans.append((line_start + cut, line_start + match.end()))
            cut = match.end()
        spans.append((line_start + cut, line_start + len(line_text)))
    return [trimmed for span in spans if (trimmed := _trim(text, *span))]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
