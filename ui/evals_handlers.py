"""What the Evals tab does: run a set with progress, show a run, open a question in the chat, save a chat answer."""

import logging
import shutil
import tempfile
from html import escape
from pathlib import Path

import gradio as gr

from assistant.pipeline import Assistant
from assistant.settings import Settings, UsageError
from evals.api import SETS_DIR, Run, answer_of, list_sets, load_run, record_from_answer, run_set, save_answer
from evals.evalset import load_set
from evals.runner import Progress as EvalProgress

from ui.chat_handlers import source_panel, with_titles
from ui.conversation import Turn, counted
from ui.history_handlers import ChatContext, keep, owner
from ui.history_handlers import shown as history_shown
from ui.render_documents import notice_html
from ui.render_evals import metrics_html, questions_html, run_summary_html

log = logging.getLogger(__name__)
_STAGES = {"files": "Reading the corpus", "chunks": "Embedding the corpus", "questions": "Answering questions",
           "waiting": "Waiting for another indexing of this data folder to finish"}
SAVED_NAME = "saved.jsonl"
DEFAULT_SET = "sample.jsonl"  # the questions about the sample article; the picker opens on it


def saved_dir(settings: Settings) -> Path:
    """Where the chat saves answers by default: the user's own sets, outside the project tree."""
    return settings.data_dir / "evalsets"


def default_save_path(settings: Settings) -> str:
    return str(saved_dir(settings) / SAVED_NAME)


def set_choices(settings: Settings) -> list[tuple[str, str]]:
    """(label, path) of the project's sets, the main one first, then of the sets saved from the chat."""
    project = sorted(list_sets(), key=lambda p: (p.name != DEFAULT_SET, p.name))
    saved = [(f"{p.name} (saved from the chat)", str(p)) for p in list_sets(saved_dir(settings))]
    return [(f"{p.name} (project)", _as_given(p)) for p in project] + saved


def _as_given(path: Path) -> str:
    """A project set as the user knows it: evals/sets/x.jsonl of the checkout they run from, when that is where
    it is, rather than the installed package's copy."""
    local = Path("evals") / "sets" / path.name
    try:
        return str(local) if local.is_file() and local.read_bytes() == path.read_bytes() else str(path)
    except OSError:
        return str(path)


def refresh_sets(settings: Settings, current: str | None) -> gr.Dropdown:
    choices = set_choices(settings)
    value = current if current in {path for _, path in choices} else (choices[0][1] if choices else None)
    return gr.Dropdown(choices=choices, value=value)


def run(assistant: Assistant, chosen: str | None, typed: str | None, corpus: str | None, limit: float | None,
        progress: gr.Progress = gr.Progress()) -> tuple:
    """Run the typed path (else the chosen set). Outputs: notice, summary, metrics, questions, report, run folder."""
    set_path = (typed or "").strip() or (chosen or "").strip()
    if not set_path:
        return _failed("Pick an eval set or type the path of one.")
    folder = Path((corpus or "").strip()).expanduser() if (corpus or "").strip() else None
    count = int(limit) if limit else None

    def report(stage: str, done: int, total: int) -> None:
        progress((done, total), desc=f"{_STAGES.get(stage, stage)} ({done}/{total})")

    progress(0, desc="Starting the run")
    try:
        result = evaluate(assistant, Path(set_path).expanduser(), folder, count, report)
    except UsageError as error:
        return _failed(f"Can't run {set_path}", [str(error)])
    except Exception as error:  # the page stays usable; the log has the traceback
        log.exception("eval run of %s failed", set_path)
        return _failed(f"The run of {set_path} failed", [f"{type(error).__name__}: {error}"])
    warnings = result.info.get("warnings", [])
    notice = notice_html("warn" if warnings else "ok", f"Scored {counted(len(result.results), 'question')}", warnings)
    return (notice, run_summary_html(result), metrics_html(result.metrics), questions_html(result),
            gr.DownloadButton(value=_report_copy(result.report), interactive=True), str(result.folder))


def open_question(assistant: Assistant, context: ChatContext, run_folder: str | None, turns: list[Turn] | None,
                  conversation: str | None, event: gr.EventData, request: gr.Request) -> tuple:
    """Add the run's answer to a question to the chat (and keep it there), open its first citation, switch to it.

    Outputs: history_handlers.shown()'s, then the tabs.
    """
    data = event._data if isinstance(getattr(event, "_data", None), dict) else {}
    if data.get("action") != "open" or not run_folder:
        return (gr.skip(),) * 9
    try:
        answer = with_titles(assistant, answer_of(load_run(Path(run_folder)), str(data.get("id"))))
    except UsageError as error:
        gr.Warning(escape(str(error), quote=False))
        return (gr.skip(),) * 9
    user = owner(request)
    turns = list(turns or []) + [answer]
    kept = keep(context, user, conversation, answer["question"], answer)
    shown = list(history_shown(context, user, kept, turns))
    if answer["citations"]:  # the panel shows this answer's first source, not one from before
        shown[6] = source_panel(assistant, turns, "citation", len(turns) - 1, answer["citations"][0]["n"])
    return *shown, gr.Tabs(selected="chat")


def api_eval(assistant: Assistant, set_path: str, limit: int | None = None, corpus: str | None = None) -> dict:
    """/eval: run a set (optionally a sample of `limit`, on a `corpus` folder); its metrics."""
    try:
        result = evaluate(assistant, Path(set_path), Path(corpus) if corpus else None, int(limit) if limit else None)
    except UsageError as error:
        raise gr.Error(escape(str(error), quote=False), print_exception=False) from error
    return result.metrics


def evaluate(assistant: Assistant, set_path: Path, corpus: Path | None = None, limit: int | None = None,
             progress: EvalProgress | None = None) -> Run:
    """Run a set into data_dir/runs: on the chat's own index, which the run holds still (uploads wait for
    it), or on a corpus folder indexed into a collection of its own.

    A set outside the project's sets and the data folder that can't be read as one gets the same
    answer whether it is missing or something else: the page must not tell which files the server has.
    """
    try:
        load_set(set_path)
    except UsageError:
        if not _allowed(set_path, assistant.settings):
            raise UsageError(f"{set_path}: no eval set there") from None
        raise
    return run_set(set_path, assistant.settings, corpus=corpus, limit=limit, progress=progress,
                    assistant=None if corpus else assistant)


def start_save(turns: list[Turn] | None, event: gr.EventData) -> tuple:
    """A 'Save to eval set' click under an answer: show the form for that turn.

    Outputs: form group, what is being saved, chosen turn, gold answers box, save notice.
    """
    data = event._data if isinstance(getattr(event, "_data", None), dict) else {}
    turns = turns or []
    if data.get("action") != "save":
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
    try:
        index = int(data.get("turn"))
        turn = turns[index]
    except (TypeError, ValueError, IndexError):
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
    return gr.Group(visible=True), saving_html(turn), index, "", ""


def saving_html(turn: Turn) -> str:
    """The question and answer about to be saved, and what the record will hold."""
    if turn["abstained"]:
        what = "The documents didn't answer it, so it is saved as an unanswerable question (no gold answers)."
    else:
        quotes = "".join(f"<li>{escape(c['quote'])}</li>" for c in turn["citations"])
        what = f"Evidence saved with it (the cited quotes):<ol>{quotes}</ol>"
    return (f'<div class="fn-label">Save to an eval set</div><p><strong>{escape(turn["question"])}</strong></p>'
            f'<p class="fn-muted">{escape(turn["answer"])}</p><div class="fn-muted">{what}</div>')


def save(settings: Settings, turns: list[Turn] | None, index: int | None, answers: str, target: str) -> tuple:
    """Append the chosen turn to a set. Outputs: notice, form group (hidden when saved)."""
    turns = turns or []
    if index is None or not 0 <= index < len(turns):
        return notice_html("error", "Choose an answer first (Save to eval set under it)."), gr.skip()
    turn = turns[index]
    golds = [line.strip() for line in (answers or "").splitlines() if line.strip()]
    if not turn["abstained"] and not golds:
        return notice_html("error", "Type the short answer you confirm (one per line), e.g. a name or a number."), \
            gr.skip()
    try:
        path = save_path(settings, target)
        twin = _already_saved(path, turn, golds)
        if twin:
            return notice_html("warn", f"Already in {path} as {twin}: not saved twice."), gr.skip()
        record = save_answer(path, turn, answers=[] if turn["abstained"] else golds)
    except UsageError as error:
        return notice_html("error", "Not saved", [str(error)]), gr.skip()
    except OSError as error:
        return notice_html("error", "Not saved", [f"{path}: {error.strerror or error}"]), gr.skip()
    data = record.to_dict()
    lines = [f"id: {record.id}", f"answers: {', '.join(data['answers']) or '(none: unanswerable)'}",
             f"evidence: {data['evidence'] if data['evidence'] is not None else '(none: unanswerable)'}"]
    return notice_html("ok", f"Saved to {path}", lines), gr.Group(visible=False)


def _already_saved(path: Path, turn: Turn, golds: list[str]) -> str | None:
    """The id of a record of the set that says the same as this turn would (question, answers, evidence)."""
    if not path.is_file() or not path.read_text(encoding="utf-8").strip():
        return None
    wanted = record_from_answer(turn, [] if turn["abstained"] else golds).to_dict()
    same = ("question", "answers", "evidence")
    for record in load_set(path):
        data = record.to_dict()
        if all(data.get(key) == wanted.get(key) for key in same):
            return record.id
    return None


def save_path(settings: Settings, text: str | None) -> Path:
    """The set to append to: a .jsonl under the project's evals/sets or under data_dir (a bare name goes to
    data_dir/evalsets). UsageError otherwise: the page must not write files anywhere a visitor types."""
    raw = (text or "").strip() or default_save_path(settings)
    path = Path(raw).expanduser()
    if path.suffix != ".jsonl":
        raise UsageError(f"{raw}: an eval set is a .jsonl file")
    if not path.is_absolute() and len(path.parts) == 1:
        path = saved_dir(settings) / path
    if not _allowed(path, settings):
        raise UsageError(f"{raw}: save under {SETS_DIR} or {settings.data_dir}")
    return path


def _allowed(path: Path, settings: Settings) -> bool:
    """Whether a set lies under the project's evals/sets or the data folder, where the page may write
    sets and say why one can't be read."""
    resolved = path.resolve()
    return any(root in resolved.parents for root in (SETS_DIR.resolve(), settings.data_dir.resolve()))


def _failed(title: str, lines: list[str] = ()) -> tuple:
    return notice_html("error", title, lines), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()


def _report_copy(report: Path) -> str | None:
    """The run's report.html copied where Gradio may serve it from (its temp dir, not data_dir)."""
    if not report.is_file():
        return None
    folder = Path(tempfile.mkdtemp(prefix="footnote-report-"))
    return str(shutil.copy(report, folder / f"{report.parent.name}-report.html"))
