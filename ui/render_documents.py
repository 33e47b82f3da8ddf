"""HTML of the Documents tab and the page header: what is indexed, what failed, what just happened."""

import dataclasses
import time
from html import escape

from index.corpus import IngestReport

from ui.conversation import counted, file_name


def header_html(status: dict | None) -> str:
    """Brand, promise and a count of what is indexed."""
    if status is None:
        pill = '<span class="fn-pill fn-pill-warn">index unavailable</span>'
    else:
        docs, chunks = status["documents"], status["chunks"]
        pill = (f'<span class="fn-pill"><span class="fn-dot" aria-hidden="true"></span>'
                f'{counted(docs, "document")} · {counted(chunks, "passage")}</span>')
    return ('<header class="fn-header"><div class="fn-brand"><span class="fn-logo" aria-hidden="true">[1]</span>'
            '<div><div class="fn-name">Footnote</div><div class="fn-tagline">Answers from your documents, '
            f"every sentence cited to the exact passage.</div></div></div>{pill}</header>")


def summary_html(status: dict) -> str:
    """The index at a glance."""
    cards = [("Documents", f"{status['documents']:,}"), ("Passages", f"{status['chunks']:,}"),
             ("Embedding model", status["model"]), ("Stored in", status["store"])]
    return '<div class="fn-cards">' + "".join(
        f'<div class="fn-card"><div class="fn-label">{escape(k)}</div><div class="fn-card-value" title="{escape(str(v))}">'
        f"{escape(str(v))}</div></div>" for k, v in cards) + "</div>"


def documents_html(rows: list[dict]) -> str:
    """One row per indexed document."""
    if not rows:
        return ('<div class="fn-empty-table">Nothing is indexed yet. Upload files above, or put them in the '
                "sources folder and re-index.</div>")
    body = "".join(
        f'<tr><td><div class="fn-file">{escape(r.get("title") or file_name(r["path"]))}</div>'
        f'<div class="fn-path">{escape(r["path"])}</div></td>'
        f'<td>{escape(str(r["kind"] or ""))}</td><td class="fn-num">{r["chunks"] or 0:,}</td>'
        f'<td>{escape(_when(r["indexed_at"]))}</td><td class="fn-muted">{escape(r["note"] or "")}</td></tr>'
        for r in rows)
    return ('<table class="fn-table"><thead><tr><th>Document</th><th>Type</th><th class="fn-num">Passages</th>'
            f"<th>Last indexed</th><th>Note</th></tr></thead><tbody>{body}</tbody></table>")


def failures_html(failures: list[dict]) -> str:
    """Files that could not be indexed, with the reason (empty when there are none)."""
    if not failures:
        return ""
    body = "".join(
        f'<tr><td><div class="fn-file">{escape(file_name(f["path"]))}</div><div class="fn-path">{escape(f["path"])}</div></td>'
        f'<td>{escape(f["reason"] or "")}</td><td>{escape(_when(f["at"]))}</td></tr>' for f in failures)
    return ('<div class="fn-label fn-table-title">Could not be indexed</div><table class="fn-table fn-failures">'
            f"<thead><tr><th>File</th><th>Reason</th><th>When</th></tr></thead><tbody>{body}</tbody></table>")


def notice_html(kind: str, title: str, lines: list[str] = ()) -> str:
    """A result message: kind is 'ok', 'warn' or 'error'."""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return (f'<div class="fn-notice fn-notice-{kind}" role="status"><strong>{escape(title)}</strong>'
            f'{f"<ul>{items}</ul>" if items else ""}</div>')


def report_notice(report: IngestReport, rejected: dict[str, str] | None = None, uploaded: bool = False) -> str:
    """What an ingest (and the upload checks before it) did, file by file: for an upload every file is
    named, those that were already indexed as they are too."""
    rejected = rejected or {}
    # A refused upload failed as surely as a file the index couldn't read: the tally counts both.
    tally = dataclasses.replace(report, failed={**rejected, **report.failed})
    lines = [f"rejected {name}: {reason}" for name, reason in rejected.items()]
    lines += [f"failed {path}: {reason}" for path, reason in report.failed.items()]
    lines += [f"added {p}" for p in report.added] + [f"updated {p}" for p in report.updated]
    lines += [f"unchanged {p}" for p in report.unchanged if uploaded] + [f"removed {p}" for p in report.removed]
    lines += [f"skipped {path}: {reason}" for path, reason in report.skipped.items()]
    lines += [f"note {path}: {note}" for path, note in report.notes.items()]
    kind = "error" if (rejected or report.failed) and not (report.added or report.updated) else (
        "warn" if rejected or report.failed else "ok")
    return notice_html(kind, f"Indexed: {tally.summary()}", lines)


def _when(timestamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp)) if timestamp else ""
