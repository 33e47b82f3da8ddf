"""Finds each record's evidence text in the indexed documents, turning strings into scoreable spans."""

import re
from collections.abc import Callable, Iterable

from evals.docids import doc_id
from evals.evalset import EvalRecord
from evals.metrics import Gold, Span

# Quote marks that a set and a document often disagree on.
_QUOTES = "'\u2018\u2019`\u00b4"
_DOUBLE_QUOTES = "\"\u201c\u201d"


class EvidenceLocator:
    """Locates evidence strings: first in the record's `source` documents, else in every document.

    >>> locator = EvidenceLocator(["sources/a.txt"], lambda path: "The expulsion of 37 operatives")
    >>> locator.gold(record).evidence
    ((('sources/a.txt', 4, 30),),)
    """

    def __init__(self, paths: Iterable[str], text_of: Callable[[str], str | None]) -> None:
        self.paths = sorted(paths)
        self._text_of = text_of
        self._texts: dict[str, str] = {}
        self._by_id: dict[str, str] | None = None

    def gold(self, record: EvalRecord) -> Gold:
        """The record's gold with every evidence alternative located (unfound items stay empty)."""
        if record.evidence is None:
            return Gold(record.answers, None, record.relevant)
        located = tuple(tuple(span for alternative in item for span in self.locate(alternative, record.sources))
                        for item in record.evidence)
        return Gold(record.answers, located, record.relevant)

    def locate(self, evidence: str, sources: Iterable[str] = ()) -> tuple[Span, ...]:
        """Every place `evidence` occurs, exactly or up to case, spacing and quote style."""
        preferred = [p for p in self.paths if any(_is_source(p, s) for s in sources)]
        for paths in (preferred, self.paths) if preferred else (self.paths,):
            spans = tuple(span for path in paths for span in self._find(path, evidence))
            if spans:
                return spans
        return ()

    def knows(self, source: str) -> bool:
        """Whether a set's `source` names an indexed document."""
        return any(_is_source(path, source) for path in self.paths)

    def path_of(self, document_id: str) -> str | None:
        """The indexed path of a benchmark document id (see evals/docids.py)."""
        if self._by_id is None:
            self._by_id = {doc_id(p): p for p in self.paths}
        return self._by_id.get(document_id)

    def text(self, path: str) -> str:
        """A document's indexed text ('' when it is gone)."""
        if path not in self._texts:
            self._texts[path] = self._text_of(path) or ""
        return self._texts[path]

    def _find(self, path: str, evidence: str) -> list[Span]:
        text = self.text(path)
        spans, at = [], text.find(evidence)
        while at >= 0:
            spans.append((path, at, at + len(evidence)))
            at = text.find(evidence, at + 1)
        if spans:
            return spans
        return [(path, m.start(), m.end()) for m in _loose_pattern(evidence).finditer(text)]


def _is_source(path: str, source: str) -> bool:
    """A set's `source` names a document by its path or by a path suffix (relative to the corpus)."""
    source = source.removeprefix("./")
    return path == source or path.endswith("/" + source)


def _loose_pattern(evidence: str) -> re.Pattern:
    def char(ch: str) -> str:
        for marks in (_QUOTES, _DOUBLE_QUOTES):
            if ch in marks:
                return f"[{re.escape(marks)}]"
        return re.escape(ch)

    return re.compile(r"\s+".join("".join(map(char, token)) for token in evidence.split()), re.IGNORECASE)
