"""The records that flow through indexing: a loaded document and the chunks cut from it."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """A source file's readable text; every offset elsewhere points into `text`."""

    path: str
    text: str
    sha256: str
    kind: str
    title: str = ""
    page_starts: tuple[int, ...] = ()
    note: str = ""

    def page_of(self, offset: int) -> int | None:
        """1-based page holding `offset`, for documents that have pages."""
        if not self.page_starts:
            return None
        page = 0
        for number, start in enumerate(self.page_starts):
            if start <= offset:
                page = number
        return page + 1

    def location(self, offset: int) -> str:
        """Where `offset` is, as a reader finds it: 'page 3' in a document with pages, else 'line 12'."""
        page = self.page_of(offset)
        return f"page {page}" if page is not None else f"line {self.text.count(chr(10), 0, offset) + 1}"


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one document, sized for the embedding model."""

    id: str
    path: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...] = field(default=())
    title: str = ""

    def sentence_texts(self) -> list[str]:
        """The text of each sentence, cut from the chunk by absolute offsets."""
        return [self.text[s - self.start : e - self.start] for s, e in self.sentences]


class LoadError(Exception):
    """A file that cannot be indexed; the message says why in one line."""


def too_much_text(limit: int) -> LoadError:
    """The error for text found running past `limit` characters while it is read."""
    return LoadError(f"the text is over the limit of {limit:,} characters for one document")
