"""The Footnote web page: `build_app` composes it, `serve` runs it (blocking) for `footnote serve`."""

import logging
from functools import partial

import gradio as gr

from assistant.pipeline import Assistant
from assistant.settings import Settings, UsageError

from ui.chat_tab import build_chat_tab
from ui.documents_tab import build_documents_tab
from ui.evals_handlers import refresh_sets
from ui.evals_tab import build_evals_tab
from ui.history_handlers import ChatContext, restore
from ui.openai_api import add_routes
from ui.render_documents import header_html
from ui.server import check_bind, launch_options
from ui.suggestions import Suggestions

log = logging.getLogger(__name__)


def build_app(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The page (queue configured, index opened, answerer warmed); launch it with `launch`."""
    problem = assistant.warm_up()
    if problem:
        log.warning("the assistant is not ready: %s", problem)
    suggestions = Suggestions(assistant)
    suggestions()  # worked out now, before the server reports ready, so the first page load doesn't wait
    context = ChatContext.open(settings.data_dir, suggestions)
    with gr.Blocks(title="Footnote", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        header = gr.HTML(header_html(_status(assistant)), elem_id="fn-header")
        with gr.Tabs(elem_id="fn-tabs") as tabs:
            with gr.Tab("Chat", id="chat", elem_id="fn-tab-chat"):
                chat = build_chat_tab(assistant, context)
            with gr.Tab("Documents", id="documents", elem_id="fn-tab-documents") as documents_tab:
                refresh, shown = build_documents_tab(assistant, header)
            with gr.Tab("Evals", id="evals", elem_id="fn-tab-evals") as evals_tab:
                eval_set = build_evals_tab(assistant, chat, tabs)
        app.load(refresh, None, shown, api_visibility="private", show_progress="hidden")

        def restore_conversation(conversation: str, request: gr.Request) -> tuple:
            return restore(context, conversation, request)

        # The conversation this browser had open comes back after a reload or a restart.
        app.load(restore_conversation, [chat.conversation_id], chat.shown, api_visibility="private",
                 show_progress="hidden")
        documents_tab.select(refresh, None, shown, api_visibility="private", show_progress="hidden")
        # Sets saved from the chat since the page loaded appear in the picker.
        evals_tab.select(partial(refresh_sets, settings), [eval_set], [eval_set], api_visibility="private",
                         show_progress="hidden")

        def documents() -> dict:
            """Indexed documents (path, kind, chunks, indexed_at, note, title) and failures (path, reason, at)."""
            return {"documents": assistant.documents(), "failures": assistant.status()["failures"]}

        gr.api(documents, api_name="documents")
    # Two of each light event (source clicks, page loads) at once; questions and indexing set their own.
    app.queue(default_concurrency_limit=2)
    return app


def _status(assistant: Assistant) -> dict | None:
    try:
        return assistant.status()
    except Exception:  # shown as "index unavailable"; the Documents tab says why
        return None


def launch(app: gr.Blocks, assistant: Assistant, settings: Settings) -> None:
    """Start serving the page (returns at once), and the OpenAI-compatible API beside it."""
    app.launch(server_name=settings.host, server_port=settings.port, prevent_thread_lock=True,
               **launch_options(settings))
    add_routes(app.server_app, assistant, settings)


def serve(assistant: Assistant, settings: Settings) -> None:
    """Run the web chat on settings.host:settings.port until interrupted.

    Raises UsageError, a ValueError (the CLI exits 2), for a non-loopback host without FOOTNOTE_AUTH
    or a busy port.
    """
    check_bind(settings)  # before loading anything: a refused bind should fail fast
    app = build_app(assistant, settings)
    try:
        launch(app, assistant, settings)
    except OSError as error:
        reason = "the port is in use" if "empty port" in str(error) else str(error)
        raise UsageError(f"can't listen on {settings.host}:{settings.port}: {reason}; "
                         "choose another port with --port or FOOTNOTE_PORT") from error
    print(f"Footnote is ready on http://{settings.host}:{settings.port} (Ctrl-C to stop)", flush=True)
    try:
        app.block_thread()
    finally:
        app.close()
