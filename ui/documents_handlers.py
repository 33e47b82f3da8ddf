"""What the Documents tab does: show the index, take uploads, re-index the sources folder, remove a document."""

import logging
import threading
import time
from pathlib import Path

import gradio as gr

from assistant.pipeline import Assistant
from assistant.settings import Settings
from index.corpus import IngestReport

from ui.render_documents import documents_html, failures_html, header_html, notice_html, report_notice, summary_html
from ui.uploads import UploadError, check_upload, save_upload

log = logging.getLogger(__name__)
_STAGES = {"files": "Reading files", "chunks": "Embedding passages",
           "waiting": "Waiting for another indexing of this data folder to finish"}


class RejectedUploads:
    """Uploads refused before indexing (never saved, so the index has no record of them): listed with the
    index's failures until a good file of the same name arrives or the server restarts."""

    def __init__(self) -> None:
        self._rows: dict[str, dict] = {}
        self._lock = threading.Lock()

    def note(self, rejected: dict[str, str]) -> None:
        """Remember refused uploads (file name → reason)."""
        with self._lock:
            self._rows.update({name: {"path": name, "reason": f"upload refused: {reason}", "at": time.time()}
                               for name, reason in rejected.items()})

    def forget(self, name: str) -> None:
        """A good file of this name arrived."""
        with self._lock:
            self._rows.pop(name, None)

    def rows(self) -> list[dict]:
        """Failure rows (path, reason, at), like the index's."""
        with self._lock:
            return list(self._rows.values())


def refresh(assistant: Assistant, rejected: RejectedUploads) -> tuple:
    """Outputs: summary, documents table, failures, remove choices, page header."""
    try:
        status, rows = assistant.status(), assistant.documents()
    except Exception as error:  # a broken index must not take the page down with it
        log.exception("status failed")
        message = notice_html("error", f"The index can't be read: {error}")
        return message, "", "", gr.Dropdown(choices=[], value=None), header_html(None)
    paths = [row["path"] for row in rows]
    return (summary_html(status), documents_html(rows), failures_html(status["failures"] + rejected.rows()),
            gr.Dropdown(choices=paths, value=None), header_html(status))


def upload(assistant: Assistant, settings: Settings, rejected_uploads: RejectedUploads,
           files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple:
    """Check each uploaded file, save the good ones into the sources folder, index them.

    Outputs: notice, upload box (cleared), then refresh()'s.
    """
    accepted, rejected = [], {}
    for file in files or []:
        path = Path(file)
        try:
            name = check_upload(path, path.name, settings.max_upload_mb * 2**20)
            accepted.append(save_upload(path, name, settings.sources))
            rejected_uploads.forget(path.name)
        except UploadError as error:
            rejected[path.name] = str(error)
    rejected_uploads.note(rejected)
    if not accepted:
        lines = [f"{name}: {reason}" for name, reason in rejected.items()]
        notice = notice_html("error", "Upload rejected" if lines else "Nothing uploaded", lines)
        return notice, None, *refresh(assistant, rejected_uploads)
    report = assistant.ingest(accepted, _progress(progress))
    return report_notice(report, rejected, uploaded=True), None, *refresh(assistant, rejected_uploads)


def reindex(assistant: Assistant, settings: Settings, rejected: RejectedUploads,
            progress: gr.Progress = gr.Progress()) -> tuple:
    """Bring the index in line with the sources folder. Outputs: notice, then refresh()'s."""
    if not settings.sources.is_dir():
        missing = notice_html("error", f"The sources folder {settings.sources} doesn't exist.")
        return missing, *refresh(assistant, rejected)
    report: IngestReport = assistant.ingest([settings.sources], _progress(progress))
    return report_notice(report), *refresh(assistant, rejected)


def remove(assistant: Assistant, settings: Settings, rejected: RejectedUploads, path: str | None,
           delete_file: bool) -> tuple:
    """Drop a document from the index, and optionally its file from the sources folder.

    Outputs: notice, then refresh()'s.
    """
    if not path:
        return notice_html("warn", "Choose a document to remove."), *refresh(assistant, rejected)
    removed = assistant.remove(path)
    lines = []
    file = assistant.source_file(path)
    inside = _inside(file, settings.sources)
    if delete_file and inside and file.is_file():
        file.unlink()
        lines.append(f"deleted the file {path}")
    elif delete_file and not inside:
        lines.append("kept the file: it is not in the sources folder")
    elif inside and file.is_file():
        lines.append("the file is still in the sources folder, so re-indexing will add it back")
    notice = notice_html("ok", f"Removed {path}", lines) if removed else notice_html("warn", f"{path} was not indexed")
    return notice, *refresh(assistant, rejected)


def _inside(file: Path, folder: Path) -> bool:
    return folder.resolve() in file.resolve().parents


def _progress(progress: gr.Progress):
    def report(stage: str, done: int, total: int) -> None:
        # A tuple shows "done/total"; a number (the wait has none) is what makes Gradio show the description.
        progress((done, total) if total else 0, desc=_STAGES.get(stage, stage), unit=stage)

    return report
