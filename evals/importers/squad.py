"""SQuAD (v1.1/v2.0 JSON, or the one-question-a-line JSONL sample) → an open corpus of its paragraphs."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.settings import UsageError

from evals.evalset import EvalRecord
from evals.importers.common import Imported, read_jsonl, sentences_covering, slug


@dataclass(frozen=True)
class _Question:
    id: str
    question: str
    context: str
    answers: tuple[tuple[str, int | None], ...]  # (text, start offset when known)
    impossible: bool


def import_squad(source: Path) -> Imported:
    """Every paragraph is a document of one open corpus; a question's gold is its answer texts (any
    one will do) and its evidence the sentence holding the answer; impossible questions (SQuAD 2.0)
    have null evidence."""
    names: dict[str, str] = {}
    records, unlocated = [], 0
    for q in _questions(source, names):
        if q.impossible:
            records.append(EvalRecord(q.id, q.question, evidence=None, sources=(names[q.context],)))
            continue
        evidence = tuple(dict.fromkeys(_evidence(q.context, text, start) for text, start in q.answers))
        if not any(evidence):
            unlocated += 1
        answers = tuple(dict.fromkeys(text for text, _ in q.answers))
        records.append(EvalRecord(q.id, q.question, (answers,), (tuple(e for e in evidence if e) or (q.context,),),
                                  (names[q.context],)))
    notes = [f"{unlocated} answers not found in their paragraph; the whole paragraph is their evidence"] if unlocated else []
    return Imported({name: context for context, name in names.items()}, records, notes)


def _questions(source: Path, names: dict[str, str]) -> Iterator[_Question]:
    """Questions of either layout; `names` collects a file name per distinct paragraph."""
    if source.suffix == ".jsonl":
        for row in read_jsonl(source):
            names.setdefault(row["context"], f"context_{len(names):04d}.txt")
            answers = tuple((a, None) for a in row.get("answers", []) if a.strip())
            yield _Question(str(row["id"]), row["question"], row["context"], answers,
                            bool(row.get("is_impossible")) or not answers)
        return
    for article in read_articles(source):
        for p, paragraph in enumerate(article["paragraphs"]):
            context = paragraph["context"]
            names.setdefault(context, f"{slug(article.get('title', 'article'))}_{p:03d}.txt")
            for qa in paragraph["qas"]:
                answers = tuple((a["text"], a.get("answer_start")) for a in qa.get("answers", []) if a["text"].strip())
                yield _Question(str(qa["id"]), qa["question"], context, answers,
                                bool(qa.get("is_impossible")) or not answers)


def read_articles(source: Path) -> list[dict]:
    """The articles of a SQuAD JSON file (its "data"); UsageError for a missing or malformed one."""
    try:
        return json.loads(source.read_text(encoding="utf-8"))["data"]
    except FileNotFoundError:
        raise UsageError(f"{source}: no such file") from None
    except (json.JSONDecodeError, KeyError, TypeError):
        raise UsageError(f"{source}: not SQuAD JSON (expected {{\"data\": [articles]}})") from None


def _evidence(context: str, answer: str, start: int | None) -> str:
    """The sentence(s) holding the answer, '' when the answer isn't in the paragraph."""
    if start is None or context[start:start + len(answer)] != answer:
        start = context.find(answer)
    if start < 0:
        return ""
    return sentences_covering(context, start, start + len(answer))
