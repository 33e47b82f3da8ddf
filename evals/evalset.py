"""The eval-set file (JSONL, docs/evals.md): read with line-numbered errors, write, sample, append."""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.settings import UsageError

# A gold item is a tuple of alternatives: any one of them satisfies it. A plain string in the file
# is an item with one alternative; a list inside `answers`/`evidence` lists alternatives.
Groups = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class EvalRecord:
    """One question with what a correct answer contains and where the documents support it.

    `evidence is None` marks a question the documents do not answer; an empty tuple means
    answerable but without evidence text (BEIR sets judge whole documents through `relevant`).
    """

    id: str
    question: str
    answers: Groups = ()
    evidence: Groups | None = ()
    sources: tuple[str, ...] = ()
    relevant: Mapping[str, int] = field(default_factory=dict)
    type: str = ""
    reference: str = ""

    @property
    def answerable(self) -> bool:
        """Whether the documents answer this question."""
        return self.evidence is not None

    def to_dict(self) -> dict:
        """The JSONL form, as compact as the file format allows (single items as plain strings)."""
        data: dict = {"id": self.id, "question": self.question, "answers": _plain_list(self.answers),
                      "evidence": None if self.evidence is None else _plain_evidence(self.evidence)}
        if self.sources:
            data["source"] = self.sources[0] if len(self.sources) == 1 else list(self.sources)
        for key in ("relevant", "type", "reference"):
            if getattr(self, key):
                data[key] = dict(self.relevant) if key == "relevant" else getattr(self, key)
        return data


def load_set(path: Path) -> list[EvalRecord]:
    """Every record of a set; a malformed line raises UsageError naming the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such eval set") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read the eval set ({error})") from None
    records, seen = [], set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = parse_record(json.loads(line), default_id=f"line-{number}")
        except (json.JSONDecodeError, ValueError, TypeError) as error:
            raise UsageError(f"{path}:{number}: {error}") from None
        if record.id in seen:
            raise UsageError(f"{path}:{number}: duplicate id {record.id!r}")
        seen.add(record.id)
        records.append(record)
    if not records:
        raise UsageError(f"{path}: the eval set has no questions")
    return records


def parse_record(data: object, default_id: str = "") -> EvalRecord:
    """One record from its JSON object; ValueError says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("each line must be a JSON object")
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError("'question' must be a non-empty string")
    if "evidence" not in data:
        raise ValueError("'evidence' is required (null when the documents do not answer)")
    answers = _groups(data.get("answers") or [], "answers")  # null: no short answer, as an empty list
    evidence = None if data["evidence"] is None else _groups(data["evidence"], "evidence")
    if evidence is None and answers:
        raise ValueError("'answers' must be empty when 'evidence' is null (an unanswerable question)")
    relevant = data.get("relevant") or {}
    if not isinstance(relevant, dict) or not all(isinstance(g, (int, float)) for g in relevant.values()):
        raise ValueError("'relevant' must map document ids to grades")
    return EvalRecord(str(data.get("id", default_id)), question.strip(), answers, evidence,
                      _strings(data.get("source")), {str(k): int(v) for k, v in relevant.items()},
                      str(data.get("type") or ""), str(data.get("reference") or ""))


def write_set(path: Path, records: Iterable[EvalRecord]) -> int:
    """Write a whole set; returns the number of records."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r.to_dict(), ensure_ascii=False) for r in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)


def append_record(path: Path, record: EvalRecord) -> EvalRecord:
    """Add one record to a set (created if missing), renaming its id if the set already has it."""
    existing = {r.id for r in load_set(path)} if path.exists() and path.read_text().strip() else set()
    unique, n = record.id, 2
    while unique in existing:
        unique, n = f"{record.id}-{n}", n + 1
    record = replace(record, id=unique)
    path.parent.mkdir(parents=True, exist_ok=True)
    needs_newline = path.exists() and path.stat().st_size and not path.read_bytes().endswith(b"\n")
    with path.open("a", encoding="utf-8") as out:
        out.write(("\n" if needs_newline else "") + json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
    return record


def sample(records: Sequence[EvalRecord], limit: int | None) -> list[EvalRecord]:
    """A deterministic sample of `limit` records, in file order.

    Records are ranked by a hash of their id, so the sample doesn't depend on file order and a
    smaller limit is always a subset of a larger one.
    """
    if limit is None or limit >= len(records):
        return list(records)
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    chosen = set(sorted(range(len(records)), key=lambda i: hashlib.sha1(records[i].id.encode()).hexdigest())[:limit])
    return [r for i, r in enumerate(records) if i in chosen]


def _groups(value: object, name: str) -> Groups:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError(f"'{name}' must be a string, a list, or null")
    groups = []
    for item in items:
        alternatives = [item] if isinstance(item, str) else item
        if not isinstance(alternatives, list) or not all(isinstance(a, str) for a in alternatives):
            raise ValueError(f"'{name}' items must be strings or lists of alternative strings")
        alternatives = [a.strip() for a in alternatives if a.strip()]
        if alternatives:
            groups.append(tuple(dict.fromkeys(alternatives)))
    return tuple(groups)


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise ValueError("'source' must be a string or a list of strings")
    return tuple(items)


def _plain_list(groups: Groups) -> list:
    return [g[0] if len(g) == 1 else list(g) for g in groups]


def _plain_evidence(groups: Groups) -> str | list:
    return groups[0][0] if len(groups) == 1 and len(groups[0]) == 1 else _plain_list(groups)
