"""Reads .txt, .md, .html, .pdf and .docx files into Documents of plain text."""

import hashlib
import math
import re
from collections.abc import Callable
from pathlib import Path

from index.document import Document, LoadError, too_much_text
from index.docx_text import read_docx
from index.encodings import decode_text

MAX_FILE_BYTES = 50 * 2**20
# Characters one document may hold (about 12,000 pages): a small .docx or PDF can inflate to far
# more text than its size suggests, so the text is measured as it is read, not only the file.
MAX_TEXT_CHARS = 25_000_000
# XML a .docx may inflate to on the way to that text (its markup is several times the text).
MAX_DOCX_XML_BYTES = 256 * 2**20


def supported_suffixes() -> tuple[str, ...]:
    """File endings that ingest reads; others are skipped."""
    return tuple(_READERS)


def load_document(path: Path, display_path: str) -> Document:
    """Load one file; raise LoadError with a one-line reason when it can't be indexed."""
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise LoadError(f"unsupported file type {suffix or '(none)'}")
    if (size := path.stat().st_size) > MAX_FILE_BYTES:  # before reading a byte of it
        raise LoadError(f"the file is {megabytes(size)}; the limit is {megabytes(MAX_FILE_BYTES)}")
    data = path.read_bytes()
    if not data.strip():
        raise LoadError("empty file: nothing to index")
    text, title, pages, note = _READERS[suffix](data)
    if len(text) > MAX_TEXT_CHARS:
        raise LoadError(f"the text is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,} for one document")
    if not text.strip():
        raise LoadError("no text found in the file")
    text, note = _without_nul(text, note)
    return Document(
        path=display_path, text=text, sha256=hashlib.sha256(data).hexdigest(), kind=suffix[1:],
        title=(title or _first_line(text)).replace("\x00", ""), page_starts=pages, note=note,
    )


def megabytes(size: int) -> str:
    """A size in MB for messages, rounded up: a file one byte over a 50 MB limit reads "50.1 MB", not "50 MB"."""
    tenths = math.ceil(size * 10 / 2**20)
    return f"{tenths // 10} MB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MB"


def _without_nul(text: str, note: str) -> tuple[str, str]:
    """NUL characters read as spaces: they never reach the index, and every other offset stays put."""
    count = text.count("\x00")
    if not count:
        return text, note
    said = f"{count:,} NUL character{'s' * (count != 1)} read as spaces"
    return text.replace("\x00", " "), f"{note}; {said}" if note else said


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= 200 else ""


def _read_text(data: bytes) -> tuple[str, str, tuple[int, ...], str]:
    text, note = decode_text(data)
    return text, "", (), note


def _read_html(data: bytes) -> tuple[str, str, tuple[int, ...], str]:
    markup, note = decode_text(data)
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(markup)
    if tree is None:
        return _strip_tags(markup), "", (), note
    title = _html_title(tree)
    # Main-text extraction drops navigation and "Subscribe…" boilerplate that would pollute answers.
    extracted = trafilatura.bare_extraction(tree, include_comments=False, include_tables=True)
    body = (extracted.text if extracted else "") or _strip_tags(markup)
    text = f"{title}\n{body}" if title and not body.startswith(title) else body
    return text, title, (), note


def _html_title(tree) -> str:
    """The page's title as trafilatura's metadata gives it (meta tags, then JSON-LD, then the title and
    headings), without the author, date and site searches of its full metadata pass, which nothing here
    reads and which took a fifth of an HTML page's loading time."""
    from trafilatura.metadata import examine_meta, extract_meta_json, extract_title

    metadata = examine_meta(tree)
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # trafilatura guards its own call alike: its JSON-LD reader fails on odd pages
        pass
    metadata.title = metadata.title or extract_title(tree)
    metadata.clean_and_trim()
    return metadata.title or ""


def _strip_tags(markup: str) -> str:
    from html import unescape

    markup = re.sub(r"(?is)<(script|style|noscript)\b.*?</\1>", " ", markup)
    markup = re.sub(r"(?i)<(br|/p|/div|/h\d|/li|/tr)\b[^>]*>", "\n", markup)
    text = unescape(re.sub(r"<[^>]+>", " ", markup))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _read_pdf(data: bytes) -> tuple[str, str, tuple[int, ...], str]:
    from io import BytesIO

    from pypdf import PdfReader

    try:
        reader = PdfReader(BytesIO(data))
        pages, size = [], 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            size += len(pages[-1])
            if size > MAX_TEXT_CHARS:
                raise too_much_text(MAX_TEXT_CHARS)
        title = (reader.metadata.title if reader.metadata else "") or ""
    except LoadError:
        raise
    except Exception as error:  # pypdf raises many types for damaged files
        raise LoadError(f"corrupt or unreadable PDF ({type(error).__name__})") from error
    if not any(page.strip() for page in pages):
        raise LoadError("PDF has no extractable text (scanned images need OCR)")
    starts, text = [], ""
    for page in pages:
        starts.append(len(text))
        text += page.strip() + "\n\n"
    return text, str(title), tuple(starts), ""


def _read_docx(data: bytes) -> tuple[str, str, tuple[int, ...], str]:
    text, title = read_docx(data, MAX_TEXT_CHARS, MAX_DOCX_XML_BYTES)
    return text, title, (), ""


_READERS: dict[str, Callable[[bytes], tuple[str, str, tuple[int, ...], str]]] = {
    ".txt": _read_text, ".md": _read_text, ".markdown": _read_text,
    ".html": _read_html, ".htm": _read_html, ".pdf": _read_pdf, ".docx": _read_docx,
}
