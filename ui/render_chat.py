"""HTML of the conversation; every string from a document, an answer or a user is escaped first."""

import re
from html import escape

from assistant.answer import NOT_FOUND, cited

from ui.conversation import Turn, file_name, sentences
from ui.export import copy_text

_MARKER = re.compile(r"\[(\d+)\]")
# Abstentions list this many of the passages they read; more is noise for a reader.
CONSIDERED_SHOWN = 3
SNIPPET_CHARS = 240
HOVER_QUOTE_CHARS = 280


def conversation_html(blocks: list[str], suggestions: list[str] = ()) -> str:
    """The chat column: rendered turns, or a welcome (with questions to try) when there are none."""
    if not blocks:
        offered = "".join(f'<li><button type="button" class="fn-suggestion" data-action="suggest" '
                          f'data-question="{escape(q)}">{escape(q)}</button></li>' for q in suggestions)
        tries = (f'<div class="fn-suggestions"><div class="fn-label">Try asking</div><ul>{offered}</ul></div>'
                 if offered else "")
        return ('<div class="fn-conversation fn-empty"><div class="fn-welcome">'
                '<div class="fn-welcome-mark" aria-hidden="true">[1]</div>'
                "<h2>Ask about your documents</h2>"
                "<p>Every sentence of an answer is a quote from your files. Click its "
                '<span class="fn-cite fn-cite-demo">[1]</span> to see the exact passage, highlighted '
                "where it stands in the document.</p>"
                "<p class=\"fn-muted\">When the documents don't say, Footnote tells you so instead of "
                f"guessing.</p>{tries}</div></div>")
    return f'<div class="fn-conversation">{"".join(blocks)}</div>'


def pending_html(index: int, question: str, indexing: bool = False) -> str:
    """A question waiting for its answer (and for an ingest to finish first, when one runs)."""
    status = "Waiting for indexing to finish…" if indexing else "Reading the documents…"
    return (f'<article class="fn-turn" data-turn="{index}">{_question(question)}'
            '<div class="fn-answer fn-pending" aria-busy="true"><span class="fn-dots" aria-hidden="true">'
            f"<i></i><i></i><i></i></span> {status}</div></article>")


def turn_html(index: int, turn: Turn, shown: int | None = None) -> str:
    """One question and its answer; `shown` sentences only while streaming (sources come last)."""
    if turn["abstained"]:
        body = _abstention(index, turn)
    else:
        parts = answer_sentences(index, turn)
        streaming = shown is not None and shown < len(parts)
        caret = '<span class="fn-caret" aria-hidden="true"></span>' if streaming else ""
        note = f'<p class="fn-note">{escape(turn["note"])}</p>' if turn.get("note") and not streaming else ""
        tail = "" if streaming else _sources(index, turn)
        state = " fn-streaming" if streaming else ""
        body = (f'<div class="fn-answer{state}" aria-live="polite"><p class="fn-answer-text">'
                f'{" ".join(parts[:shown])}{caret}</p>{note}{tail}</div>')
    return (f'<article class="fn-turn" data-turn="{index}">{_question(turn["question"], turn.get("interpreted", ""))}'
            f"{body}</article>")


def answer_sentences(index: int, turn: Turn) -> list[str]:
    """The answer's sentences as HTML, the units it streams in; a generated sentence the documents don't
    support is marked, and says so on hover."""
    if turn.get("mode") != "generate":
        return [_with_markers(index, part, turn["citations"]) for part in sentences(turn["answer"])]
    return [_with_markers(index, cited(s["text"], s["citations"]), turn["citations"])
            if s["supported"] else
            f'<span class="fn-unsupported" tabindex="0" title="{NOT_FOUND}" aria-label="{NOT_FOUND}: '
            f'{escape(s["text"])}">{escape(s["text"])}</span>' for s in turn["sentences"]]


def draft_html(index: int, question: str, text: str, interpreted: str = "") -> str:
    """A generated answer as the model writes it, before its sentences are checked."""
    return (f'<article class="fn-turn" data-turn="{index}">{_question(question, interpreted)}'
            f'<div class="fn-answer fn-streaming fn-draft" aria-busy="true"><p class="fn-answer-text">{escape(text)}'
            '<span class="fn-caret" aria-hidden="true"></span></p><p class="fn-meta">The model is writing; each '
            "sentence is checked against the documents when it is done.</p></div></article>")


def _question(text: str, interpreted: str = "") -> str:
    read = f'<p class="fn-interpreted">Interpreted as: {escape(interpreted)}</p>' if interpreted else ""
    return f'<div class="fn-question"><p>{escape(text)}</p></div>{read}'


def _with_markers(index: int, text: str, citations: list[dict]) -> str:
    """Escaped text whose [n] markers become buttons that open citation n."""
    by_n = {c["n"]: c for c in citations}
    pieces, last = [], 0
    for match in _MARKER.finditer(text):
        pieces.append(escape(text[last:match.start()]))
        cited = by_n.get(int(match[1]))
        pieces.append(_cite_button(index, cited) if cited else escape(match[0]))
        last = match.end()
    pieces.append(escape(text[last:]))
    return "".join(pieces)


def _cite_button(index: int, citation: dict) -> str:
    """[n], with a hover card (document, location, quote) and a click that opens it in the panel."""
    where = " · ".join(part for part in (file_name(citation["path"]), citation.get("location", "")) if part)
    quote = citation["quote"] if len(citation["quote"]) <= HOVER_QUOTE_CHARS else \
        citation["quote"][:HOVER_QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
    title = f'<span class="fn-hover-title">{escape(citation["title"])}</span>' if citation.get("title") else ""
    return (f'<button type="button" class="fn-cite" data-action="source" data-kind="citation" '
            f'data-turn="{index}" data-ref="{citation["n"]}" aria-label="Citation {citation["n"]}: {escape(where)}">'
            f'[{citation["n"]}]<span class="fn-hover" role="tooltip">{title}'
            f'<span class="fn-hover-where">{escape(where)}</span><span class="fn-hover-quote">{escape(quote)}</span>'
            "</span></button>")


def _document_label(item: dict) -> str:
    """A document as lists show it: its title where it has one, else its file name."""
    return escape(item.get("title") or file_name(item["path"]))


def _sources(index: int, turn: Turn) -> str:
    items = "".join(
        f'<li><button type="button" class="fn-source" data-action="source" data-kind="citation" '
        f'data-turn="{index}" data-ref="{c["n"]}" title="{escape(c["path"])}">'
        f'<span class="fn-chip">{c["n"]}</span><span class="fn-file">{_document_label(c)}</span>'
        f'<span class="fn-loc">{escape(" · ".join(_where(c)))}</span></button></li>'
        for c in turn["citations"])
    return (f'<div class="fn-sources"><div class="fn-label">Sources</div><ol class="fn-source-list">{items}</ol>'
            f'{_scores(turn)}<div class="fn-actions">{_copy_button(turn)}{_save_button(index)}</div></div>')


def _where(item: dict) -> list[str]:
    """File name (when the title stood in for it) and location."""
    return [part for part in (file_name(item["path"]) if item.get("title") else "", item.get("location", "")) if part]


def _copy_button(turn: Turn) -> str:
    """Copies the answer as text, its citations as footnotes (the page's script does it, no round trip)."""
    return (f'<button type="button" class="fn-link fn-copy" data-action="copy" data-copy="{escape(copy_text(turn))}">'
            "Copy</button>")


def _save_button(index: int) -> str:
    """Opens the form that appends this question and answer to an eval set."""
    return (f'<button type="button" class="fn-link fn-save" data-action="save" data-turn="{index}">'
            "Save to eval set</button>")


def _scores(turn: Turn) -> str:
    read = len(turn["passages"])
    rows = "".join(
        f'<tr><td>[{c["n"]}]</td><td>{c["score"]:.2f}</td><td>{_passage_rank(turn, c)} of {read}</td>'
        f'<td class="fn-path">{escape(c["path"])}</td></tr>' for c in turn["citations"])
    generated = turn.get("mode") == "generate"
    label = "Support" if generated else "Sentence score"
    meaning = ("how strongly the quoted sentence supports the model's sentence it backs" if generated else
               "how likely the answerer judged the sentence to answer the question")
    return ('<details class="fn-scores"><summary>Scores</summary><table><thead><tr><th>Citation</th>'
            f"<th>{label}</th><th>Passage rank</th><th>Document</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            f'<p class="fn-meta">{label}: {meaning} (0 to 1). Passage rank: where the passage holding it came among '
            f"those retrieval read, best first.</p>{_meta(turn)}</details>")


def _passage_rank(turn: Turn, citation: dict) -> str:
    """1-based rank of the best passage holding the cited sentence ('–' when none does)."""
    holding = [rank for rank, p in enumerate(turn["passages"], 1)
               if p["path"] == citation["path"] and p["start"] <= citation["start"] and citation["end"] <= p["end"]]
    return str(min(holding)) if holding else "–"


def _meta(turn: Turn) -> str:
    timings = turn.get("timings_ms", {})
    parts = [f"confidence that the documents answer: {turn.get('confidence', 0.0):.2f}"]
    if "total" in timings:
        parts.append(f"answered in {timings['total']:.0f} ms")
    return f'<p class="fn-meta">{escape(" · ".join(parts))}</p>'


def _abstention(index: int, turn: Turn) -> str:
    note = f'<p class="fn-note">{escape(turn["note"])}</p>' if turn.get("note") else ""
    considered = ""
    if turn["passages"]:
        items = "".join(_considered(index, i, p) for i, p in enumerate(turn["passages"][:CONSIDERED_SHOWN]))
        considered = (f'<div class="fn-considered"><div class="fn-label">Closest passages considered, closest '
                      f"first (none says the answer)</div><ol>{items}</ol></div>")
    return (f'<div class="fn-answer fn-abstained" aria-live="polite"><p class="fn-abstain-text">'
            f'<span class="fn-abstain-icon" aria-hidden="true"></span><strong>{escape(turn["answer"])}</strong></p>'
            f"{note}{considered}{_meta(turn)}<div class=\"fn-actions\">{_save_button(index)}</div></div>")


def _considered(index: int, position: int, passage: dict) -> str:
    text = " ".join(passage.get("text", "").split())
    snippet = text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    return (f'<li><button type="button" class="fn-source" data-action="source" data-kind="passage" '
            f'data-turn="{index}" data-ref="{position}" title="{escape(passage["path"])}">'
            f'<span class="fn-file">{_document_label(passage)}</span>'
            f'<span class="fn-loc">{escape(" · ".join([*_where(passage), f"#{position + 1} closest"]))}</span>'
            f'</button><p class="fn-snippet">{escape(snippet)}</p></li>')
