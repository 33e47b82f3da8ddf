"""Tells sentences from the lines around them: headings, bylines, dates, contents, page furniture are never quoted."""

import re

# Words a title leaves in lower case ("Mark New Phase in Bilateral Security Cooperation").
_MINOR = {"a", "an", "the", "and", "or", "nor", "but", "as", "at", "by", "for", "from", "in", "into", "of", "off",
          "on", "onto", "per", "to", "up", "via", "with", "vs", "v"}
_TITLE_WORDS = 4  # a line this short with no end punctuation is a title whatever its case
_WORD = re.compile(r"[^\W_][\w'’.&-]*")
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*$")
_DATE = re.compile(r"\b(1[89]|20)\d\d-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|"
                   r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? (1[89]|20)\d\d\b",
                   re.IGNORECASE)
_BYLINE = re.compile(r"^(by|written by|posted by|photo:|image:|source:|credit:)\s", re.IGNORECASE)
_CONTENTS = re.compile(r"(\.{3,}|…|\s{3,})\s*\d+$|^(chapter|section|part)\s+\w+\s*$|^\d+(\.\d+)+\s+\S", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s[-–—|•·]\s")
# A web page's calls to action around the article ("Subscribe to get the latest posts sent to your email.").
_FURNITURE = re.compile(r"^((subscribe|sign up|follow us|click here|share this|discover more|read more|advertisement|"
                        r"continue reading|listen to this)\b|related( articles| posts)?:)", re.IGNORECASE)


def line_kind(text: str) -> str:
    """"sentence", or why the text is not one: "heading", "byline", "dateline", "contents", "furniture" (a
    page's "Subscribe …" lines) or "fragment"."""
    text = " ".join(text.split())
    words = _WORD.findall(text)
    if len(words) < 3 and not _ENDS_SENTENCE.search(text):
        return "fragment"
    if _BYLINE.match(text) and len(words) <= 10:
        return "byline"
    if len(words) <= _TITLE_WORDS and not _ENDS_SENTENCE.search(text) and not re.search(r"[\d:]", text):
        return "heading"  # a title in sentence case ("Zebra mascot notes"): no number or "label: value" in it
    if _CONTENTS.search(text):
        return "contents"
    if _FURNITURE.match(text) and len(words) <= 16:
        return "furniture"
    ends = bool(_ENDS_SENTENCE.search(text))
    if _DATE.search(text) and len(words) <= 12 and (not ends or _SEPARATOR.search(text)):
        return "dateline"
    if _is_title_case(words) and (not ends or (len(words) <= 10 and _SEPARATOR.search(text))):
        return "heading"
    return "sentence"


def is_quotable(text: str) -> bool:
    """Whether the text can stand alone as a quoted answer."""
    return line_kind(text) == "sentence"


def _is_title_case(words: list[str]) -> bool:
    """Every word but the minor ones capitalised (or a number), as headings and titles are; at most 16 words."""
    if not words or len(words) > 16:
        return False
    major = [w for w in words[1:] if w.lower() not in _MINOR]
    return all(w[0].isupper() or w[0].isdigit() for w in [words[0], *major])
