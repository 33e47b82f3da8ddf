"""The Evals tab: pick a set, run it with progress, read the metrics and questions, open one in the chat."""

from functools import partial
from html import escape

import gradio as gr

from assistant.pipeline import Assistant

from ui import evals_handlers as handlers
from ui.chat_tab import SCRIPTS, ChatParts, click_script
from ui.render_evals import intro_html


def build_evals_tab(assistant: Assistant, chat: ChatParts, tabs: gr.Tabs) -> gr.Dropdown:
    """Lay out the tab inside the current Blocks context and wire its events.

    Returns the set picker, whose choices the app refreshes when the tab is opened.
    """
    settings = assistant.settings
    run_folder = gr.State(None)  # the run this session is looking at
    with gr.Row(equal_height=False, elem_id="fn-evals-row"):
        with gr.Column(scale=3, min_width=320):
            choices = handlers.set_choices(settings)
            chosen = gr.Dropdown(label="Eval set", choices=choices, value=choices[0][1] if choices else None,
                                 elem_id="fn-eval-set")
            typed = gr.Textbox(label="…or the path of a set (.jsonl)", placeholder="evals/sets/mine.jsonl",
                               elem_id="fn-eval-path")
        with gr.Column(scale=3, min_width=320):
            corpus = gr.Textbox(label="Corpus folder (optional)", elem_id="fn-eval-corpus",
                                placeholder="empty: ask the documents indexed here")
            limit = gr.Number(label="Questions: a deterministic sample of this many (0 = all)", value=0,
                              precision=0, minimum=0, elem_id="fn-eval-limit")
        with gr.Column(scale=1, min_width=160):
            run = gr.Button("Run", variant="primary", elem_id="fn-eval-run")
            report = gr.DownloadButton("Download report.html", interactive=False, size="sm", elem_id="fn-eval-report")
    gr.HTML(f'<p class="fn-muted">Runs are saved under <code>{escape(str(settings.data_dir / "runs"))}</code>. '
            "A run waits for indexing to finish, and uploads wait for the run.</p>")
    notice = gr.HTML(elem_id="fn-eval-notice")
    summary = gr.HTML(intro_html(), elem_id="fn-eval-summary")
    metrics = gr.HTML(elem_id="fn-eval-metrics")
    questions = gr.HTML(elem_id="fn-eval-questions", js_on_load=click_script())

    run.click(partial(handlers.run, assistant), [chosen, typed, corpus, limit],
              [notice, summary, metrics, questions, report, run_folder], api_visibility="private",
              concurrency_id="eval", concurrency_limit=1, show_progress_on=[notice])
    def open_question(folder: str, turns: list, conversation: str, event: gr.EventData, request: gr.Request) -> tuple:
        return handlers.open_question(assistant, chat.context, folder, turns, conversation, event, request)

    # Then, with the Chat tab showing, the opened question is scrolled into view (a hidden tab can't scroll).
    questions.click(open_question, [run_folder, chat.turns, chat.conversation_id], [*chat.shown, tabs],
                    api_visibility="private", show_progress="hidden").then(
        None, None, None, js=(SCRIPTS / "scroll_to_last_turn.js").read_text(encoding="utf-8"))

    def evaluate(set_path: str, limit: int | None = None, corpus: str | None = None) -> dict:
        """Run an eval set (path on the server; optional sample size and corpus folder); its metrics."""
        return handlers.api_eval(assistant, set_path, limit, corpus)

    gr.api(evaluate, api_name="eval", concurrency_id="eval", concurrency_limit=1)
    return chosen
