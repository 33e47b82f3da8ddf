"""The Documents tab: what is indexed and what failed; upload, re-index and remove, with progress."""

from collections.abc import Callable
from functools import partial
from html import escape

import gradio as gr

from assistant.pipeline import Assistant

from ui import documents_handlers as handlers
from ui.uploads import ALLOWED_SUFFIXES


def build_documents_tab(assistant: Assistant, header: gr.HTML) -> tuple[Callable[[], tuple], list]:
    """Lay out the tab inside the current Blocks context and wire its events.

    Returns the refresh function and the components it fills, for page load and tab switches.
    """
    settings = assistant.settings
    summary = gr.HTML(elem_id="fn-summary")
    with gr.Row(equal_height=True, elem_id="fn-doc-actions"):
        files = gr.File(label="Add documents", show_label=False, file_count="multiple",
                        file_types=list(ALLOWED_SUFFIXES), type="filepath", elem_id="fn-upload", scale=3, height=150)
        with gr.Column(scale=2, min_width=260):
            gr.HTML(f'<div class="fn-label">Add documents</div><p class="fn-muted">{" ".join(ALLOWED_SUFFIXES)} '
                    f"files, up to {settings.max_upload_mb} MB each. Uploads are saved in "
                    f"<code>{escape(str(settings.sources))}</code> and indexed right away. Re-indexing scans that "
                    "folder for new, changed and deleted files; unchanged files are skipped.</p>")
            reindex = gr.Button(f"Re-index {settings.sources}", variant="secondary", elem_id="fn-reindex")
    # Tall enough for the progress bar Gradio draws over it, so the bar never covers the table below.
    notice = gr.HTML('<p class="fn-muted fn-notice-idle">What an upload or a re-index did shows here.</p>',
                     elem_id="fn-notice")
    table = gr.HTML(elem_id="fn-documents")
    failures = gr.HTML(elem_id="fn-failures")
    with gr.Row(equal_height=False, elem_id="fn-remove-row"):
        chosen = gr.Dropdown(label="Remove a document from the index", choices=[], scale=4,
                             elem_id="fn-remove-choice")
        with gr.Column(scale=2, min_width=240):
            delete_file = gr.Checkbox(label="Also delete its file from the sources folder", value=False)
            remove = gr.Button("Remove", variant="stop", size="md", elem_id="fn-remove")

    shown = [summary, table, failures, chosen, header]
    rejected = handlers.RejectedUploads()  # shared by every session, like the index's own failures
    index_events = {"concurrency_id": "index", "concurrency_limit": 1, "api_visibility": "private"}
    # "multiple": an upload made while another is indexing queues behind it (by default Gradio drops
    # every trigger of an event that is still running).
    files.upload(partial(handlers.upload, assistant, settings, rejected), [files], [notice, files, *shown],
                 show_progress_on=[notice], trigger_mode="multiple", **index_events)
    reindex.click(partial(handlers.reindex, assistant, settings, rejected), None, [notice, *shown],
                  show_progress_on=[notice], **index_events)
    remove.click(partial(handlers.remove, assistant, settings, rejected), [chosen, delete_file], [notice, *shown],
                 **index_events)
    return partial(handlers.refresh, assistant, rejected), shown
