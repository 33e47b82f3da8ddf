"""Reads .txt, .md, .html, .pdf and .docx files into Documents of plain text."""

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from index.document import Document, LoadError

MAX_FILE_BYTES = 50 * 1024 * 1024


def supported_suffixes() -> tuple[str, ...]:
    """File endings that ingest reads; others are skipped."""
    return tuple(_READERS)


def load_document(path: Path, display_path: str) -> Document:
    """Load one file; raise LoadError with a one-line reason when it can't be indexed."""
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise LoadError(f"unsupported file type {suffix or '(none)'}")
    data = path.read_bytes()
    if not data.strip():
        raise LoadError("empty file: nothing to index")
    if len(data) > MAX_FILE_BYTES:
        raise LoadError(f"file is {len(data) // 2**20} MB; the limit is {MAX_FILE_BYTES // 2**20} MB")
    text, title, pages, note = _READERS[suffix](data)
    if not text.strip():
        raise LoadError("no text found in the file")
    return Document(
        path=display_path, text=text, sha256=hashlib.sha256(data).hexdigest(), kind=suffix[1:],
        title=title or _first_line(text), page_starts=pages, note=note,
    )


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= 200 else ""


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8, else as the best-fitting legacy encoding; return (text, note)."""
    sample = data[:8192]
    controls = sum(b < 9 or 13 < b < 32 for b in sample)
    if b"\x00" in sample or controls > len(sample) * 0.05:
        raise LoadError("binary data, not text")
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise LoadError("not UTF-8, and no known text encoding fits")
    return str(best), f"not UTF-8; read as {best.encoding}"


def _read_text(data: bytes) -> tuple[str, str, tuple[int, ...], str]:
    text, note = decode_text(data)
    return text, "", (), note


def _read_html(data: bytes) -> tuple[str, str, tuple[int, ...], str]:
    markup, note = decode_text(data)
    import trafilatura

    # Main-text extraction drops navigation and "Subscribe…" boilerplate that would pollute answers.
    extracted = trafilatura.bare_extraction(markup, include_comments=False, include_tables=True,
                                            with_metadata=True)
    body = (extracted.text if extracted else "") or _strip_tags(markup)
    title = (extracted.title if extracted else "") or ""
    text = f"{title}\n{body}" if title and not body.startswith(title) else body
    return text, title, (), note


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
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else "") or ""
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
    from io import BytesIO

    import docx

    try:
        document = docx.Document(BytesIO(data))
    except Exception as error:  # python-docx raises zip, xml and key errors for damaged files
        raise LoadError(f"corrupt or unreadable DOCX ({type(error).__name__})") from error
    lines = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(lines), document.core_properties.title or "", (), ""


_READERS: dict[str, Callable[[bytes], tuple[str, str, tuple[int, ...], str]]] = {
    ".txt": _read_text, ".md": _read_text, ".markdown": _read_text,
    ".html": _read_html, ".htm": _read_html, ".pdf": _read_pdf, ".docx": _read_docx,
}
