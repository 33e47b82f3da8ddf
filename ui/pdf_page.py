"""A PDF page rendered on this machine (pypdfium2, nothing fetched), with the boxes of a quoted span on it."""

import base64
import io
import re
from dataclasses import dataclass
from pathlib import Path

# Pixels per PDF point: a page 612 points wide renders 918 pixels wide, sharp in a ~400 px panel on a 2x screen.
SCALE = 1.5
# A quote is found on its page by its letters and digits alone: pypdf (which indexed the text) and
# PDFium (which renders) may break lines, hyphenate and space words differently.
_KEPT = re.compile(r"[^\W_]", re.UNICODE)


class PageUnavailable(Exception):
    """The PDF can't be opened or has no such page; the message says why in one line."""


@dataclass(frozen=True)
class RenderedPage:
    """One rendered page and where the quoted words lie on it."""

    number: int  # 1-based
    pages: int  # pages in the document
    png: bytes
    boxes: tuple[tuple[float, float, float, float], ...]  # (left, top, width, height), fractions of the page

    def data_uri(self) -> str:
        """The image inline, so the page needs no file route (and no request leaves the page's own server)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def render_page(file: Path, number: int, quote: str = "") -> RenderedPage:
    """Render page `number` of the PDF at `file`; `quote`'s words, when found on it, come back as boxes."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(file)
    except (pypdfium2.PdfiumError, OSError) as error:
        raise PageUnavailable(f"the PDF can't be opened ({error})") from error
    try:
        if not 1 <= number <= len(pdf):
            raise PageUnavailable(f"the PDF has no page {number}")
        page = pdf[number - 1]
        width, height = page.get_size()
        image = page.render(scale=SCALE).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, "PNG", optimize=False)
        boxes = _find(page.get_textpage(), quote, width, height) if quote.strip() else ()
        return RenderedPage(number, len(pdf), buffer.getvalue(), boxes)
    finally:
        pdf.close()


def _find(text_page, quote: str, width: float, height: float) -> tuple[tuple[float, float, float, float], ...]:
    """Boxes (fractions of the page) covering the quote's characters on the page; () when it isn't there."""
    count = text_page.count_chars()
    text = text_page.get_text_range(0, count)
    if len(text) != count:  # one string per character, when the text has characters outside the BMP
        text = "".join(text_page.get_text_range(i, 1) or " " for i in range(count))
    kept = [(i, ch.lower()) for i, ch in enumerate(text) if _KEPT.match(ch)]
    letters = "".join(ch for _, ch in kept)
    wanted = "".join(ch.lower() for ch in quote if _KEPT.match(ch))
    found = letters.find(wanted) if wanted else -1
    if found < 0:
        return ()
    first, last = kept[found][0], kept[found + len(wanted) - 1][0]
    # Punctuation at the quote's ends ("…in 1911.", "“No,”") is boxed too, where the page has it there.
    stripped = quote.strip()
    lead = len(stripped) - len(re.sub(r"^[^\w\s]+", "", stripped))
    trail = len(stripped) - len(re.sub(r"[^\w\s]+$", "", stripped))
    while lead and first > 0 and not text[first - 1].isspace() and not _KEPT.match(text[first - 1]):
        first, lead = first - 1, lead - 1
    while trail and last + 1 < count and not text[last + 1].isspace() and not _KEPT.match(text[last + 1]):
        last, trail = last + 1, trail - 1
    boxes = []
    for i in range(text_page.count_rects(first, last - first + 1)):
        left, bottom, right, top = text_page.get_rect(i)
        boxes.append((left / width, (height - top) / height, (right - left) / width, (top - bottom) / height))
    return tuple(boxes)
