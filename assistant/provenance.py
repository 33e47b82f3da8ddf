"""Questions about a document itself (its title, who published or wrote it, when): answered from the lines that say so.

Those lines (the title, a byline, a dateline, a site's "Discover more from …") are never quoted as the answer to a
question about what the document says; asked what the document is, they are the only evidence there is.
"""

import re
from pathlib import PurePosixPath

from index.corpus import Corpus
from index.document import Document

from assistant.answer import Answer, Passage, Quote, quoting
from assistant.question import Question
from assistant.quotable import line_kind
from assistant.summary import document_titles, named_documents

_DOCUMENT = r"(?:this|the|that|it|its)\s+(?:\w+\s+)?(?:article|document|report|story|post|piece|paper|page|text|file)"
_WROTE = r"(?:wrote|authored|is the author of|was the author of|is the writer of)"
_OUTLET = r"(?:site|website|outlet|publication|newspaper|magazine|publisher|blog|news organi[sz]ation)s?"
_PUT_OUT = r"(?:published|posted|ran|printed|carried|put out)"
_DATED = r"(?:published|written|posted|released|dated)"
_ASKS = {
    "title": re.compile(rf"\b(?:title|headline) of {_DOCUMENT}|\b{_DOCUMENT}(?:'s|’s)? (?:title|headline)\b|"
                        rf"\bwhat (?:is|was) {_DOCUMENT} (?:called|titled|named)\b", re.I),
    "author": re.compile(rf"\bwho {_WROTE} {_DOCUMENT}|\b(?:author|writer|byline) of {_DOCUMENT}|"
                         rf"\b{_DOCUMENT}(?:'s|’s) (?:author|writer)\b", re.I),
    "date": re.compile(rf"\bwhen (?:was|is) {_DOCUMENT} (?:{_DATED}|from)\b|"
                       rf"\b(?:publication|release) date of {_DOCUMENT}|"
                       rf"\bwhat (?:date|day|year) (?:was|is) {_DOCUMENT} {_DATED}\b", re.I),
    "publisher": re.compile(rf"\bwho {_PUT_OUT} {_DOCUMENT}|\b{_OUTLET} (?:that |which )?{_PUT_OUT} {_DOCUMENT}|"
                            rf"\bwhere (?:was|is) {_DOCUMENT} (?:published|posted|from)\b|"
                            rf"\b(?:publisher|source) of {_DOCUMENT}", re.I),
}
# A page line naming who puts the document out: "Discover more from Riviera Maya News & Events", "Published by …",
# "The Independent - Life and Style, 2023-10-16" (a dateline opening with its source).
_PUBLISHER_LINE = re.compile(r"\b(?i:from|published (?:by|in|on))\s+(?:(?i:the)\s+)?[A-Z]|"
                             r"^[A-Z][^\d\n]*?\s[-–—|]\s")
_COPYRIGHT = re.compile(r"©|\b(?i:copyright)\b")  # "© 2024 Port Gazette Media", whatever kind of line it reads as
_ACCEPTS = {"author": ("byline",), "date": ("dateline",), "publisher": ("furniture", "dateline")}
_NOT_AUTHORS = re.compile(r"^(photo|image|credit|source):", re.I)
_NAMES = {"title": "title", "author": "byline", "date": "dateline", "publisher": "publisher line"}


def asked_about_document(question: str) -> str:
    """"title", "author", "date" or "publisher" when the question asks that of a document itself, else ''."""
    return next((aspect for aspect, pattern in _ASKS.items() if pattern.search(question)), "")


def provenance_answer(corpus: Corpus, question: Question, passages: list[Passage]) -> Answer | None:
    """The lines of the document asked about that give its title, author, date or publisher, quoted; None when the
    question asks none of these or the document has no such line (the ordinary answerer then takes it)."""
    aspect = asked_about_document(question.text)
    if not aspect:
        return None
    titles = document_titles(corpus)
    named = named_documents(question.text, titles)
    candidates = named or (list(titles) if len(titles) == 1 else [p.path for p in passages])
    document = corpus.document(candidates[0]) if candidates else None
    quotes = _lines(document, aspect) if document is not None else []
    if not quotes:
        return None
    note = f"From the {_NAMES[aspect]} of {PurePosixPath(document.path).name} rather than its body text."
    return quoting(question.text, quotes, passages, confidence=1.0, note=note)


def _lines(document: Document, aspect: str) -> list[Quote]:
    """The document's lines that give `aspect`: its title line, or the first of its bylines, datelines or
    publisher lines that does."""
    if aspect == "title":
        start = document.text.find(document.title) if document.title else -1
        spans = [(start, start + len(document.title))] if start >= 0 else []
    else:
        lines = re.finditer(r"\S(?:[^\n]*\S)?", document.text)
        first = next((m.span() for m in lines if _gives(aspect, m.group())), None)
        spans = [first] if first else []
    return [Quote(document.path, s, e, document.text[s:e], 1.0, document.location(s)) for s, e in spans]


def _gives(aspect: str, line: str) -> bool:
    """Whether a line that is not a sentence of the body gives the document's `aspect`."""
    kind = line_kind(line)
    if aspect == "publisher" and kind != "sentence" and _COPYRIGHT.search(line):
        return True
    if kind not in _ACCEPTS[aspect]:
        return False
    if aspect == "author":
        return not _NOT_AUTHORS.match(line)
    return aspect == "date" or bool(_PUBLISHER_LINE.search(line))
