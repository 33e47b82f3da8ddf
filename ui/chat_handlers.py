"""What the Chat tab does: answer (streamed, then kept), open a source, serve the /ask API."""

import hashlib
import logging
import queue
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from html import escape
from pathlib import Path

import gradio as gr

from assistant.generate import OnToken
from assistant.pipeline import Assistant, QuestionError
from index.document import Document
from index.model_files import ModelError

from ui.conversation import Turn, citation, passage
from ui.export import to_markdown, write_export
from ui.history_handlers import ChatContext, keep, owner
from ui.pdf_page import PageUnavailable, RenderedPage, render_page
from ui.render_chat import answer_sentences, conversation_html, draft_html, pending_html, turn_html
from ui.render_history import history_html
from ui.render_source import Span, document_html, missing_html, page_html, source_html

log = logging.getLogger(__name__)
# Pause between streamed sentences: long enough to read as streaming, short against the 1 s budget.
STREAM_PAUSE_S = 0.05
# The "answering…" frame shows only when an answer takes longer than this: the usual 20 ms answer
# then arrives in one update instead of flashing a placeholder and costing a round trip first.
PENDING_AFTER_S = 0.15
# How often the page shows what the model has written so far (generate mode).
DRAFT_EVERY_S = 0.1
# What the source panel can show: the span in context (a PDF's rendered page), its text, another page, the whole text.
VIEWS = ("source", "text", "page", "document")
_ANSWERING = ThreadPoolExecutor(max_workers=8, thread_name_prefix="footnote-answer")


def ask_checked(assistant: Assistant, question: str, turns: list[Turn], top_k: float | None,
                max_sentences: float | None, mode: str | None = None, on_token: OnToken | None = None) -> Turn:
    """Answer JSON for the next turn; gr.Error with a one-line reason when it can't be answered.

    Gradio renders error messages as HTML, so they are escaped like everything else.
    """
    try:
        answer = assistant.ask(question, turns, _int(top_k), _int(max_sentences), mode, on_token)
    except QuestionError as error:
        raise gr.Error(escape(f"Cannot ask that: {error}.", quote=False), print_exception=False) from error
    except ModelError as error:  # the installation, not the question: say which file
        log.error("answering failed: %s", error)
        raise gr.Error(escape(f"Footnote cannot answer: {error}.", quote=False), print_exception=False) from error
    except Exception as error:  # keep the session usable; the log has the traceback
        log.exception("answering %r failed", question)
        raise gr.Error(escape(f"Answering failed ({type(error).__name__}: {error}).", quote=False),
                       print_exception=False) from error
    return answer.to_dict()


def respond(assistant: Assistant, context: ChatContext, question: str, turns: list[Turn] | None,
            conversation: str | None, top_k: float, max_sentences: float, request: gr.Request,
            mode: str = "quote") -> Iterator[tuple]:
    """Stream one answer into the conversation (question, then sentence by sentence, then sources) and keep it;
    in generate mode the model's text streams first, then its checked sentences replace it.

    Outputs: conversation HTML, session turns, question box, export file, conversation id, title, history
    list, delete button.
    """
    turns = list(turns or [])
    done = [turn_html(i, t) for i, t in enumerate(turns)]
    question = (question or "").strip()
    later = (gr.skip(),) * 4  # id, title, history, delete: they change once the answer is kept
    if not question:
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), *later
        return
    index = len(turns)
    written: queue.SimpleQueue[str] = queue.SimpleQueue()
    answering = _ANSWERING.submit(ask_checked, assistant, question, turns, top_k, max_sentences, mode,
                                  written.put if mode == "generate" else None)
    box = ""  # the question box empties with the first update, whichever it is
    if not wait([answering], PENDING_AFTER_S).done:
        yield conversation_html(done + [pending_html(index, question, assistant.indexing)]), turns, box, gr.skip(), *later
        box = gr.skip()
    draft = ""
    while not wait([answering], DRAFT_EVERY_S).done:
        more = _drained(written)
        if more:
            draft += more
            yield conversation_html(done + [draft_html(index, question, draft)]), gr.skip(), box, gr.skip(), *later
            box = gr.skip()
    try:
        answer = with_titles(assistant, answering.result())
    except gr.Error as error:
        gr.Warning(error.message)
        yield conversation_html(done), turns, question, gr.skip(), *later
        return
    for shown in range(1, len(answer_sentences(index, answer))):
        yield conversation_html(done + [turn_html(index, answer, shown)]), gr.skip(), box, gr.skip(), *later
        box = gr.skip()
        time.sleep(STREAM_PAUSE_S)
    turns.append(answer)
    user = owner(request)
    kept = keep(context, user, conversation, question, answer)
    yield (conversation_html(done + [turn_html(index, answer)]), turns, box, _export_button(turns), kept,
           context.store.title(user, kept) or "", history_html(context.store.conversations(user), kept), gr.Button(interactive=True))


def api_ask(assistant: Assistant, question: str, turns: list[Turn] | None, top_k: float,
            max_sentences: float, mode: str = "quote") -> tuple[dict, list[Turn]]:
    """/ask: the Answer JSON; earlier answers of the same client session resolve follow-ups."""
    turns = list(turns or [])
    answer = ask_checked(assistant, (question or "").strip(), turns, top_k, max_sentences, mode)
    return answer, turns + [answer]


def with_titles(assistant: Assistant, answer: Turn) -> Turn:
    """The answer with each cited or considered document's title beside its path, for the page to show."""
    titles = {row["path"]: row.get("title") or "" for row in assistant.documents()}
    for item in answer["citations"] + answer["passages"]:
        if titles.get(item["path"]):
            item["title"] = titles[item["path"]]
    return answer


def show_source(assistant: Assistant, turns: list[Turn] | None, event: gr.EventData) -> str:
    """The source panel for a clicked [n], source or passage; whole document when asked."""
    data = event._data if isinstance(getattr(event, "_data", None), dict) else {}
    if data.get("action") not in VIEWS:
        return gr.skip()  # e.g. "save", which the save form handles
    try:
        turn, ref = int(data.get("turn")), int(data.get("ref"))
    except (TypeError, ValueError):
        return gr.skip()
    page = data.get("page") if isinstance(data.get("page"), int) else 0  # the script sends null for "no page"
    return source_panel(assistant, turns or [], str(data.get("kind")), turn, ref, str(data.get("action")), page)


def source_panel(assistant: Assistant, turns: list[Turn], kind: str, turn: int, ref: int,
                 view: str = "source", page: int = 0) -> str:
    """The panel for citation `ref` (or passage `ref`) of a turn, in one of VIEWS: "source" is the rendered
    page for a PDF (the text around the span when it can't be rendered), "page" another page of it."""
    span = _span(turns, kind, turn, ref)
    if span is None:
        return missing_html()
    document = assistant.document(span.path)
    if view == "document":
        return document_html(span, document)
    if view in ("source", "page") and document is not None and document.page_starts:
        rendered = _rendered(assistant.source_file(document.path), document,
                             page if view == "page" else document.page_of(span.start),
                             span.quote if kind == "citation" else "")
        if rendered is not None:
            return page_html(span, document, rendered)
    return source_html(span, document)


def _rendered(file: Path, document: Document, number: int, quote: str) -> RenderedPage | None:
    """The page as rendered from the indexed file; None when the file is gone or changed since (the text then)."""
    try:
        if hashlib.sha256(file.read_bytes()).hexdigest() != document.sha256:
            return None
        return render_page(file, number, quote)
    except (OSError, PageUnavailable) as error:
        log.info("showing the text of %s: %s", document.path, error)
        return None


def export_markdown(turns: list[Turn] | None) -> str:
    """/export_markdown: the conversation as Markdown."""
    return to_markdown(list(turns or []))


def _span(turns: list[Turn], kind: str, turn: int, ref: int) -> Span | None:
    if kind == "citation":
        c = citation(turns, turn, ref)
        return c and Span("citation", turn, ref, c["path"], c["start"], c["end"], c["quote"], f"[{ref}]",
                          c["score"], c.get("location", ""))
    if kind == "passage":
        p = passage(turns, turn, ref)
        return p and Span("passage", turn, ref, p["path"], p["start"], p["end"], p.get("text", ""),
                          f"passage {ref + 1}", p["score"])
    return None


def _export_button(turns: list[Turn]) -> gr.DownloadButton:
    return gr.DownloadButton(value=write_export(turns), interactive=bool(turns))


def _drained(pieces: queue.SimpleQueue) -> str:
    """Everything the model wrote since the last look."""
    text = []
    while not pieces.empty():
        text.append(pieces.get_nowait())
    return "".join(text)


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)

