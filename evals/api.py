"""What the web Evals tab calls: list sets and runs, run a set with progress, read a run, save a chat answer.

>>> run = run_set(Path("evals/sets/sample.jsonl"), settings, progress=lambda stage, done, total: ...)
>>> run.metrics["answer_correct"], question_rows(run)[0]["id"], run.report
>>> save_answer(Path("evals/sets/mine.jsonl"), answer.to_dict(), answers=["37"])
"""

import hashlib
from collections.abc import Sequence
from pathlib import Path

from assistant.settings import Settings, UsageError

from evals.evalset import EvalRecord, append_record
from evals.runner import run_set
from evals.runs import Run, failing_first, load_run

SETS_DIR = Path(__file__).resolve().parent / "sets"
# The per-question metrics a table shows, in this order, when they apply.
ROW_METRICS = ("answer_correct", "citation_precision", "citation_recall", "hit@5", "ndcg@10")

__all__ = ["SETS_DIR", "Run", "answer_of", "list_runs", "list_sets", "load_run", "question_rows", "record_from_answer",
           "run_set", "save_answer"]


def list_sets(folder: Path = SETS_DIR) -> list[Path]:
    """The eval sets shipped with the project (or in `folder`), by name."""
    return sorted(folder.glob("*.jsonl"))


def list_runs(settings: Settings) -> list[Path]:
    """Run folders under data_dir/runs (where runs go without --out), newest first."""
    runs = [p.parent for p in (settings.data_dir / "runs").glob("*/metrics.json")]
    return sorted(runs, key=lambda p: p.stat().st_mtime, reverse=True)


def question_rows(run: Run) -> list[dict]:
    """One flat row per question for a table, failing first: id, type, question, score, answer, gold answers,
    metrics."""
    rows = []
    for r in failing_first(run.results):
        answer = r["answer"]
        row = {"id": r["id"], "type": r.get("type", ""), "question": r["question"], "score": r.get("score"),
               "abstained": answer["abstained"], "answer": answer["answer"], "rank": r.get("rank"),
               "gold": (r.get("gold") or {}).get("answers") or []}
        row.update({name: r["scores"].get(name) for name in ROW_METRICS})
        rows.append(row)
    return rows


def answer_of(run: Run, question_id: str) -> dict:
    """The Answer JSON a question got in this run (to open it in the chat with its citations)."""
    for r in run.results:
        if str(r["id"]) == str(question_id):
            return r["answer"]
    raise UsageError(f"question {question_id!r} is not in run {run.folder}")


def record_from_answer(answer: dict, answers: Sequence[str] = ()) -> EvalRecord:
    """An eval record from a chat answer the user confirmed.

    `answers`: the short strings a correct answer must contain (what the user confirms). The cited
    quotes become the evidence, each one required; an abstention becomes an unanswerable question.
    """
    question = answer["question"]
    identifier = "chat-" + hashlib.sha1(question.encode()).hexdigest()[:8]
    if answer["abstained"]:
        return EvalRecord(identifier, question, (), None)
    quotes = tuple(dict.fromkeys(c["quote"] for c in answer["citations"]))
    paths = tuple(dict.fromkeys(c["path"] for c in answer["citations"]))
    return EvalRecord(identifier, question, tuple((a.strip(),) for a in answers if a.strip()),
                      tuple((q,) for q in quotes), paths)


def save_answer(set_path: Path, answer: dict, answers: Sequence[str] = ()) -> EvalRecord:
    """Append a confirmed chat answer to a set (created if missing); returns the record as saved."""
    if set_path.suffix != ".jsonl":
        raise UsageError(f"{set_path}: an eval set is a .jsonl file")
    return append_record(set_path, record_from_answer(answer, answers))
