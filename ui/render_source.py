"""HTML of the source panel: a cited span highlighted in its surrounding text, in the whole document, or on its
rendered PDF page."""

from dataclasses import dataclass
from html import escape

from index.document import Document

from ui.conversation import file_name
from ui.pdf_page import RenderedPage

# Characters of context shown on each side of a span, at most (whole lines where they fit).
CONTEXT_REACH = 400
# The whole-document view stops this far from the span on each side: the page must stay light.
DOCUMENT_REACH = 150_000


@dataclass(frozen=True)
class Span:
    """What the panel shows: a span of a document, and how the answer referred to it."""

    kind: str  # "citation" or "passage"
    turn: int
    ref: int  # citation n, or passage position
    path: str
    start: int
    end: int
    quote: str  # the text the answer holds for the span (checked against the document)
    label: str  # "[1]" or "Passage 2"
    score: float
    location: str = ""


def placeholder_html() -> str:
    """The panel before any citation is opened."""
    return ('<div class="fn-panel fn-panel-empty"><div class="fn-label">Source</div>'
            "<p>Click a citation such as <span class=\"fn-cite fn-cite-demo\">[1]</span> in an answer to see "
            "the passage it quotes, highlighted in its document.</p></div>")


def source_html(span: Span, document: Document | None) -> str:
    """The span with its surrounding text, and a button to open the whole document there."""
    changed = _changed(span, document)
    if changed:
        return _frame(span, document, f'<div class="fn-context">{_marked("", span.quote, "")}</div>', changed)
    text = document.text
    left, right = _window(text, span.start, span.end, CONTEXT_REACH)
    before = ("… " if left and text[left - 1] != "\n" else "") + text[left:span.start]
    after = text[span.end:right] + (" …" if right < len(text) and text[right] != "\n" else "")
    body = f'<div class="fn-context">{_marked(before, text[span.start:span.end], after)}</div>'
    views = _button(span, "document", "Open the whole document at this passage")
    if document.page_starts:
        views += _button(span, "source", "Page view")
    return _frame(span, document, body, "", f'<span class="fn-panel-views">{views}</span>')


def page_html(span: Span, document: Document, page: RenderedPage) -> str:
    """The span's PDF page (or another page of the document) as rendered, the quoted words boxed on it."""
    cited = document.page_of(span.start)
    marks = "".join(f'<span class="fn-page-mark" style="left:{left:.3%};top:{top:.3%};width:{width:.3%};'
                    f'height:{height:.3%}"></span>' for left, top, width, height in page.boxes)
    previous = _button(span, "page", "‹ Previous", page=page.number - 1) if page.number > 1 else \
        '<button type="button" class="fn-link" disabled>‹ Previous</button>'
    following = _button(span, "page", "Next ›", page=page.number + 1) if page.number < page.pages else \
        '<button type="button" class="fn-link" disabled>Next ›</button>'
    nav = (f'<div class="fn-page-nav">{previous}<span class="fn-page-number">Page {page.number} of {page.pages}</span>'
           f"{following}</div>")
    note = "" if page.number == cited else (
        f'<p class="fn-muted">The quote is on page {cited}. {_button(span, "source", f"Back to page {cited}")}</p>')
    unmarked = "" if page.boxes or page.number != cited else (
        '<p class="fn-muted">The quoted words could not be placed on the rendered page; the text view shows them.</p>')
    body = (f"{nav}{note}{unmarked}<div class=\"fn-page\" data-page=\"{page.number}\"><img src=\"{page.data_uri()}\" "
            f'alt="Page {page.number} of {escape(file_name(span.path))}">{marks}</div>')
    views = _button(span, "text", "Text view") + _button(span, "document", "Whole text")
    return _frame(span, document, body, "", f'<span class="fn-panel-views">{views}</span>')


def document_html(span: Span, document: Document | None) -> str:
    """The whole document (or a large window of it) with the span highlighted; the page scrolls to it."""
    changed = _changed(span, document)
    if changed:
        return source_html(span, document)
    text = document.text
    left, right = max(0, span.start - DOCUMENT_REACH), min(len(text), span.end + DOCUMENT_REACH)
    clipped = left > 0 or right < len(text)
    note = (f'<p class="fn-muted">Showing characters {left:,}–{right:,} of {len(text):,} around the passage.</p>'
            if clipped else "")
    body = (f'<div class="fn-doc-text" tabindex="0">{_marked(text[left:span.start], text[span.start:span.end], text[span.end:right])}'
            f"</div>{note}")
    return _frame(span, document, body, "", _button(span, "source", "Back to the passage"), whole=True)


def missing_html() -> str:
    """A reference this session doesn't hold (stale page, or a new chat)."""
    return ('<div class="fn-panel fn-panel-empty"><div class="fn-label">Source</div>'
            "<p>That citation belongs to an earlier conversation. Ask again to see its source.</p></div>")


def _changed(span: Span, document: Document | None) -> str:
    """Why the document can't show the span as cited ('' when it can)."""
    if document is None:
        return "This document is no longer indexed; showing the text as it was quoted."
    if document.text[span.start:span.end] != span.quote:
        return "This document changed since the answer; showing the text as it was quoted."
    return ""


def _frame(span: Span, document: Document | None, body: str, warning: str, action: str = "",
           whole: bool = False) -> str:
    location = span.location or (document.location(span.start) if document else "")
    details = " · ".join(part for part in (location, f"characters {span.start:,}–{span.end:,}") if part)
    warn = f'<p class="fn-warning">{escape(warning)}</p>' if warning else ""
    score = (f'<span class="fn-muted" title="How likely the answerer judged this sentence to answer the question">'
             f"sentence score {span.score:.2f}</span>" if span.kind == "citation" else "")
    mode = " fn-panel-document" if whole else ""
    back = (f'<button type="button" class="fn-link fn-back" data-action="back" data-turn="{span.turn}">'
            "‹ Back to the answer</button>")
    title = f'<div class="fn-panel-title">{escape(document.title)}</div>' if document and document.title else ""
    return (f'<div class="fn-panel{mode}" data-kind="{span.kind}" data-turn="{span.turn}" data-ref="{span.ref}">'
            f'{back}<div class="fn-panel-head"><span class="fn-label">Source {escape(span.label)}</span>'
            f'<div class="fn-panel-file" title="{escape(span.path)}">{escape(file_name(span.path))}</div>{title}'
            f'<div class="fn-panel-where">{escape(details)}</div>'
            f'<div class="fn-panel-path">{escape(span.path)}</div></div>'
            f'{warn}{body}<div class="fn-panel-foot">{action}{score}</div></div>')


def _marked(before: str, span: str, after: str) -> str:
    return f'{escape(before)}<mark class="fn-target">{escape(span)}</mark>{escape(after)}'


def _button(span: Span, action: str, label: str, page: int = 0) -> str:
    where = f' data-page="{page}"' if page else ""
    return (f'<button type="button" class="fn-link" data-action="{action}" data-kind="{span.kind}" '
            f'data-turn="{span.turn}" data-ref="{span.ref}"{where}>{escape(label)}</button>')


def _window(text: str, start: int, end: int, reach: int) -> tuple[int, int]:
    """[left, right) around the span, at most `reach` each side: whole lines where they fit, else cut at a space."""
    low, high = max(0, start - reach), min(len(text), end + reach)
    left = low if low == 0 else _after_space(text, low, start)
    first_break = text.find("\n", low, start)
    if low > 0 and first_break >= 0 and start - first_break > reach // 3:
        left = first_break + 1  # a whole line, unless that would leave almost no context
    right = high if high == len(text) else _before_space(text, end, high)
    last_break = text.rfind("\n", end, high)
    if high < len(text) and last_break >= 0 and last_break - end > reach // 3:
        right = last_break
    return left, right


def _after_space(text: str, position: int, limit: int) -> int:
    space = text.find(" ", position, limit)
    return position if space < 0 else space + 1


def _before_space(text: str, limit: int, position: int) -> int:
    space = text.rfind(" ", limit, position)
    return position if space < 0 else space
