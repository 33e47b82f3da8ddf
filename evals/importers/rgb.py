"""RGB (news QA with noise passages) → one corpus of every question's positive and negative snippets."""

from pathlib import Path

from index.sentences import split_sentences

from evals.evalset import EvalRecord, Groups
from evals.importers.common import Imported, read_jsonl
from evals.normalize import contains


def import_rgb(source: Path, counterfactual: bool = False) -> Imported:
    """Each snippet is a document (identical snippets once); a question's evidence is any sentence
    of its positive snippets that holds the answer. With `counterfactual`, the `positive_wrong`
    snippets (same text, a wrong answer) join the corpus, testing robustness to false documents."""
    kinds = ("positive", "negative", "positive_wrong") if counterfactual else ("positive", "negative")
    names: dict[str, str] = {}
    records, unlocated = [], 0
    for row in read_jsonl(source):
        for kind in kinds:
            for i, text in enumerate(row.get(kind) or []):
                names.setdefault(text.strip(), f"q{int(row['id']):03d}_{kind}_{i}.txt")
        answers = _answers(row["answer"])
        evidence = tuple(dict.fromkeys(
            text[s:e] for text in row.get("positive") or [] for s, e in split_sentences(text)
            if any(contains(text[s:e], a) for item in answers for a in item)))
        unlocated += not evidence
        sources = tuple(dict.fromkeys(names[t.strip()] for t in row.get("positive") or []))
        records.append(EvalRecord(str(row["id"]), row["query"], answers, (evidence,) if evidence else (), sources))
    notes = [f"{unlocated} questions have no positive sentence containing the answer (no evidence)"] if unlocated else []
    return Imported({name: text + "\n" for text, name in names.items() if text}, records, notes)


def _answers(answer: str | list) -> Groups:
    """RGB's answer: a string, or a list of required items, each a string or a list of alternatives."""
    items = [answer] if isinstance(answer, str) else answer
    return tuple(tuple([item] if isinstance(item, str) else item) for item in items)
