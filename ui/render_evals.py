"""HTML of the Evals tab: a run's metrics and its questions; every string from a set or an answer is escaped."""

from html import escape

from evals.api import ROW_METRICS, Run, question_rows
from evals.metrics import DESCRIPTIONS
from evals.report import FAILING_BELOW

from ui.conversation import counted

# A page stays light: the rest of a long run is in its report.html.
ROWS_SHOWN = 300
ANSWER_CHARS = 220


def intro_html() -> str:
    """The results area before any run."""
    return ('<div class="fn-evals-empty"><p>Pick an eval set and press <strong>Run</strong>: every question goes '
            "through the same pipeline as the chat, and its answer is scored against the set's gold answers and "
            "evidence. Failing questions are listed first; open one to see it in the chat with its citations.</p>"
            "</div>")


def run_summary_html(run: Run) -> str:
    """What was run, where it was written, how long it took."""
    info = run.info
    parts = [counted(info.get("questions", len(run.results)), "question"), counted(info.get("documents"), "document"),
             f"{info.get('seconds', '?')} s"]
    if info.get("limit"):
        parts.append(f"sample of {info['limit']}")
    return (f'<div class="fn-run-summary"><strong>{escape(str(info.get("set", "")))}</strong> '
            f'<span class="fn-muted">{escape(" · ".join(parts))}</span><br>'
            f'<span class="fn-muted">written to <code>{escape(str(run.folder))}</code></span></div>')


def metrics_html(metrics: dict[str, float]) -> str:
    """One row per metric that applies (absent ones are not shown as 0)."""
    rows = "".join(f'<tr><th scope="row">{escape(name)}</th><td class="fn-num">{_number(value)}</td>'
                   f'<td class="fn-muted">{escape(DESCRIPTIONS.get(name, ""))}</td></tr>'
                   for name, value in metrics.items())
    return ('<table class="fn-table fn-metrics"><thead><tr><th>Metric</th><th>Value</th><th>Meaning</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>")


def questions_html(run: Run) -> str:
    """Per-question table, failing first; each row opens its question in the chat."""
    rows = question_rows(run)
    metrics = [name for name in ROW_METRICS if any(row.get(name) is not None for row in rows)]
    # Metric names break after their underscores, so the last column fits at 1280 px.
    head = "".join(f"<th>{escape(name).replace('_', '_<wbr>')}</th>"
                   for name in ("", "id", "type", "question", "answer", "gold", "score", *metrics, "rank"))
    body = "".join(_row(row, metrics) for row in rows[:ROWS_SHOWN])
    more = (f'<p class="fn-muted">The first {ROWS_SHOWN} of {counted(len(rows), "question")}; the report lists them all.</p>'
            if len(rows) > ROWS_SHOWN else "")
    failing = sum(1 for row in rows if _failing(row))
    title = f"{counted(len(rows), 'question')}, {failing} failing (score below {FAILING_BELOW})"
    return (f'<div class="fn-label">{escape(title)}</div><div class="fn-table-wrap">'
            f'<table class="fn-table fn-questions"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            f"</div>{more}")


def _row(row: dict, metrics: list[str]) -> str:
    answer = " ".join(str(row["answer"]).split())
    if len(answer) > ANSWER_CHARS:
        answer = answer[:ANSWER_CHARS].rsplit(" ", 1)[0] + " …"
    shown = f'<em>{escape(answer)}</em>' if row["abstained"] else escape(answer)
    cells = "".join(f'<td class="fn-num">{_number(row.get(name))}</td>' for name in (*metrics, "rank"))
    state = "fn-fail" if _failing(row) else "fn-pass"
    return (f'<tr class="{state}" data-id="{escape(str(row["id"]))}">'
            f'<td><button type="button" class="fn-open" data-action="open" data-id="{escape(str(row["id"]))}" '
            f'title="Open this question in the chat">Open</button></td>'
            f'<td class="fn-path">{escape(str(row["id"]))}</td><td>{escape(str(row["type"]))}</td>'
            f'<td>{escape(row["question"])}</td><td class="fn-answer-cell">{shown}</td>'
            f'<td class="fn-gold">{_gold(row)}</td>'
            f'<td class="fn-num"><strong>{_number(row.get("score"))}</strong></td>{cells}</tr>')


def _gold(row: dict) -> str:
    """The set's gold answers, or a dash for a question the documents should not answer."""
    if not row.get("gold"):
        return '<span class="fn-muted" title="unanswerable: the right answer is to abstain">none</span>'
    return "<br>".join(escape(str(answer)) for answer in row["gold"])


def _failing(row: dict) -> bool:
    return row.get("score") is not None and row["score"] < FAILING_BELOW


def _number(value: float | int | None) -> str:
    if value is None:
        return '<span class="fn-muted">–</span>'
    text = f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"
    return escape(text.rstrip("0").rstrip(".") if "." in text else text)
