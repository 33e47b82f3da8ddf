"""The Chat tab: history list, conversation, question box, per-session settings, source panel, and the /ask API."""

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import gradio as gr

from assistant.pipeline import Assistant

from ui import chat_handlers as handlers
from ui import evals_handlers
from ui import history_handlers as history
from ui.render_chat import conversation_html
from ui.render_history import history_html
from ui.render_source import placeholder_html

SCRIPTS = Path(__file__).with_name("assets")
# Questions answered at once: each takes tens of ms on 2 cores, so more only adds contention.
ASK_CONCURRENCY = 4
MAX_TOP_K = 20
MAX_SENTENCES = 5
MODES = [("Quote the documents", "quote"), ("Generate, checked against them", "generate")]


@dataclass(frozen=True)
class ChatParts:
    """What other parts of the page fill: the Evals tab opens a run's answer in the conversation, page load
    restores the conversation this browser had open."""

    conversation: gr.HTML
    turns: gr.State
    export: gr.DownloadButton
    conversation_id: gr.BrowserState
    title: gr.Textbox
    history: gr.HTML
    panel: gr.HTML
    delete: gr.Button
    context: history.ChatContext

    @property
    def shown(self) -> list:
        """The outputs of showing a conversation, in the order of history_handlers.shown()."""
        return [self.conversation, self.turns, self.export, self.conversation_id, self.title, self.history, self.panel,
                self.delete]


def build_chat_tab(assistant: Assistant, context: history.ChatContext) -> ChatParts:
    """Lay out the tab inside the current Blocks context and wire its events."""
    settings = assistant.settings
    turns = gr.State([])  # per session: gradio keeps one copy per browser tab or client
    # Which stored conversation this browser has open: survives a reload and a server restart.
    conversation_id = gr.BrowserState("", storage_key="footnote-conversation", secret=context.secret)
    with gr.Row(equal_height=False, elem_id="fn-chat-row"):
        with gr.Column(scale=1, min_width=210, elem_id="fn-history-column"):
            new = gr.Button("New chat", size="sm", variant="secondary", elem_id="fn-new-chat")
            history_list = gr.HTML(history_html([], ""), elem_id="fn-history", js_on_load=click_script())
        with gr.Column(scale=3, min_width=420, elem_id="fn-chat-column"):
            with gr.Row(elem_id="fn-chat-head"):
                title = gr.Textbox(placeholder="New chat", show_label=False, max_lines=1, scale=6,
                                   elem_id="fn-chat-title", max_length=200)
                delete = gr.Button("Delete", size="sm", variant="secondary", scale=1, min_width=80,
                                   elem_id="fn-delete-chat", interactive=False)
            # Only with a model configured: quotes, or the model's answer checked sentence by sentence.
            mode = gr.Radio(MODES, value=settings.answer_mode if settings.llm_url else "quote", show_label=False,
                            visible=bool(settings.llm_url), elem_id="fn-mode", container=False)
            with gr.Group(visible=False, elem_id="fn-delete-confirm") as confirm:
                gr.HTML('<p class="fn-confirm">Delete this conversation and its answers? This can’t be undone.</p>')
                with gr.Row():
                    really = gr.Button("Delete it", variant="stop", size="sm", elem_id="fn-delete-yes")
                    keep = gr.Button("Keep it", size="sm", elem_id="fn-delete-no")
            conversation = gr.HTML(conversation_html([], context.suggestions()), elem_id="fn-conversation",
                                   js_on_load=click_script() + _script("scroll_to_latest.js"))
            with gr.Row(elem_id="fn-ask-row"):
                question = gr.Textbox(placeholder="Ask a question about your documents…", show_label=False,
                                      lines=1, max_lines=4, scale=8, elem_id="fn-question", autofocus=True,
                                      max_length=settings.max_question_chars)
                ask = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="fn-ask")
            with gr.Row(elem_id="fn-toolbar"):
                export = gr.DownloadButton("Export as Markdown", size="sm", interactive=False, elem_id="fn-export")
                with gr.Accordion("Answer settings (this session only)", open=False, elem_id="fn-settings") as tune:
                    top_k = gr.Slider(1, min(MAX_TOP_K, settings.candidates), value=settings.top_k, step=1,
                                      label="Passages to read (top-k)", elem_id="fn-top-k")
                    max_sentences = gr.Slider(1, MAX_SENTENCES, value=min(settings.max_sentences, MAX_SENTENCES),
                                              step=1, label="Answer length: most sentences quoted",
                                              elem_id="fn-max-sentences")
            save_form, save_turn, save_inputs, saved = _save_form(assistant)
        with gr.Column(scale=2, min_width=340, elem_id="fn-panel-column"):
            panel = gr.HTML(placeholder_html(), elem_id="fn-panel", js_on_load=click_script()
                            + _script("scroll_to_mark.js"))
    parts = ChatParts(conversation, turns, export, conversation_id, title, history_list, panel, delete, context)

    # Plain functions, not partials: Gradio finds the EventData and Request parameters through type hints.
    def respond(text: str, conversation_turns: list, kept: str, passages: float, length: float, answer_mode: str,
                request: gr.Request):
        yield from handlers.respond(assistant, context, text, conversation_turns, kept, passages, length, request,
                                    answer_mode)

    # "always_last": a question sent while the previous answer is still finishing runs right after it;
    # Gradio's default ("once") would drop it without a word.
    gr.on([question.submit, ask.click], respond, [question, turns, conversation_id, top_k, max_sentences, mode],
          [conversation, turns, question, export, conversation_id, title, history_list, delete],
          api_visibility="private", concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY,
          show_progress="hidden", trigger_mode="always_last")

    def show_source(conversation_turns: list, event: gr.EventData) -> str:
        return handlers.show_source(assistant, conversation_turns, event)

    def conversation_clicked(conversation_turns: list, event: gr.EventData) -> tuple:
        # One event per click: [n] or a source opens the panel, "Save to eval set" opens the form.
        return (show_source(conversation_turns, event), *evals_handlers.start_save(conversation_turns, event))

    def open_conversation(event: gr.EventData, request: gr.Request) -> tuple:
        return (*history.open_conversation(context, event, request), gr.skip())

    answers, target, save = save_inputs
    conversation.click(conversation_clicked, [turns], [panel, save_form, saved[0], save_turn, answers, saved[1]],
                       api_visibility="private", concurrency_limit=ASK_CONCURRENCY, show_progress="hidden")
    panel.click(show_source, [turns], [panel], api_visibility="private", concurrency_limit=ASK_CONCURRENCY,
                show_progress="hidden")
    opened = parts.shown
    history_list.click(open_conversation, None, [*opened, confirm], api_visibility="private", show_progress="hidden")
    # Private, under its own name, so the public "/new_chat" below keeps its exact name.
    def new_chat(request: gr.Request) -> tuple:
        return history.new_chat(context, request)

    def rename(kept: str, name: str, request: gr.Request) -> tuple:
        return history.rename(context, kept, name, request)

    def delete_chat(kept: str, request: gr.Request) -> tuple:
        return history.delete(context, kept, request)

    new.click(new_chat, None, [*opened, question], api_name="reset_page", api_visibility="private")
    gr.on([title.submit, title.blur], rename, [conversation_id, title], [history_list, title],
          api_visibility="private", show_progress="hidden")
    delete.click(lambda: gr.Group(visible=True), None, [confirm], api_visibility="private", show_progress="hidden",
                 js=_reveal("#fn-delete-confirm"))
    keep.click(lambda: gr.Group(visible=False), None, [confirm], api_visibility="private", show_progress="hidden")
    really.click(delete_chat, [conversation_id], [*opened, confirm], api_visibility="private",
                 show_progress="hidden")
    save.click(partial(evals_handlers.save, settings), [turns, save_turn, answers, target], [saved[1], save_form],
               api_visibility="private", show_progress="hidden")
    tune.expand(None, None, None, js=_reveal("#fn-settings"))
    _api(assistant, turns, top_k, max_sentences, mode)
    return parts


def _save_form(assistant: Assistant) -> tuple:
    """The hidden form a 'Save to eval set' click under an answer opens, and the notice it leaves."""
    save_turn = gr.State(None)
    with gr.Group(visible=False, elem_id="fn-save-form") as form:
        saving = gr.HTML(elem_id="fn-save-what")
        answers = gr.Textbox(label="Gold answer(s) you confirm, one per line", lines=2, max_lines=6,
                             placeholder="e.g. 37", elem_id="fn-save-answers")
        target = gr.Textbox(label="Eval set (.jsonl, under data_dir or the project's evals/sets)",
                            value=evals_handlers.default_save_path(assistant.settings), elem_id="fn-save-path")
        with gr.Row():
            save = gr.Button("Save", variant="primary", size="sm", elem_id="fn-save")
            cancel = gr.Button("Cancel", size="sm", elem_id="fn-save-cancel")
    notice = gr.HTML(elem_id="fn-save-notice", js_on_load=_script("fade_notice.js"))
    cancel.click(lambda: (gr.Group(visible=False), ""), None, [form, notice], api_visibility="private",
                 show_progress="hidden")
    return form, save_turn, (answers, target, save), (saving, notice)


def _api(assistant: Assistant, turns: gr.State, top_k: gr.Slider, max_sentences: gr.Slider, mode: gr.Radio) -> None:
    """Stable endpoints for gradio_client, sharing the session's conversation with the page."""
    with gr.Group(visible=False):
        api_question = gr.Textbox(label="question")
        api_answer = gr.JSON(label="answer")
        api_markdown = gr.Textbox(label="markdown")
        api_export, api_reset = gr.Button("export"), gr.Button("reset")

    def ask(question: str, conversation: list, top_k: float, max_sentences: float, answer_mode: str) -> tuple[dict, list]:
        """The Answer JSON (docs/how-it-works.md); earlier questions of this client session resolve follow-ups."""
        return handlers.api_ask(assistant, question, conversation, top_k, max_sentences, answer_mode)

    api_question.submit(ask, [api_question, turns, top_k, max_sentences, mode], [api_answer, turns], api_name="ask",
                        concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY)
    api_export.click(handlers.export_markdown, [turns], [api_markdown], api_name="export_markdown")
    api_reset.click(lambda: [], None, [turns], api_name="new_chat", api_description="Forget this session's questions.")


def click_script() -> str:
    """The js_on_load of an HTML block whose buttons (data-action) act: the page's own, or an event to Python."""
    return f"const reveal = {_script('reveal.js')};\n{_script('click_sources.js')}"


def _script(name: str) -> str:
    return (SCRIPTS / name).read_text(encoding="utf-8")


def _reveal(selector: str) -> str:
    """An event's js: once Gradio has drawn it, scroll what just opened into view (it may open below the fold)."""
    return f"(...args) => {{ ({_script('reveal.js')})({selector!r}); return args; }}"
