"""What every importer produces (documents + records) and how it lands on disk as OUT/corpus + OUT/set.jsonl."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.settings import UsageError
from index.sentences import split_sentences

from evals.evalset import EvalRecord, write_set

MANIFEST = "import.json"


@dataclass
class Imported:
    """A benchmark converted: corpus files (name → text) and eval records citing them by name."""

    documents: dict[str, str]
    records: list[EvalRecord]
    notes: list[str] = field(default_factory=list)


def write_import(imported: Imported, out: Path, kind: str, source: Path) -> dict:
    """Write OUT/corpus/<name>, OUT/set.jsonl and OUT/import.json; returns the manifest.

    Refuses a non-empty OUT that isn't an earlier import (so a typo can't clobber a folder); an
    earlier import is refreshed in place, stale corpus files removed.
    """
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise UsageError(f"{out}: exists and is not an earlier import; choose an empty or new --out folder")
    write_documents(imported.documents, out / "corpus")
    count = write_set(out / "set.jsonl", imported.records)
    manifest = {"kind": kind, "source": str(source), "documents": len(imported.documents), "questions": count,
                "unanswerable": sum(not r.answerable for r in imported.records), "notes": imported.notes}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def write_documents(documents: dict[str, str], folder: Path) -> Path:
    """FOLDER/<name> for each document, other files in FOLDER removed; returns FOLDER."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        if stale.is_file() and stale.name not in documents:
            stale.unlink()
    for name, text in documents.items():
        target = folder / name
        # Rewriting identical files is harmless for ingest (it hashes content) but slow for big corpora.
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    return folder


def read_jsonl(path: Path) -> list[dict]:
    """The JSON objects of a JSONL file; UsageError for a missing or malformed one."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}:{error.lineno}: not JSON ({error.msg})") from None


def sentences_covering(text: str, start: int, end: int) -> str:
    """The whole sentence(s) of `text` holding [start, end), verbatim (the evidence of an answer span)."""
    spans = [(s, e) for s, e in split_sentences(text) if s < end and e > start]
    return text[spans[0][0]:spans[-1][1]] if spans else text[start:end]


def slug(text: str, limit: int = 60) -> str:
    """A readable, portable file-name stem."""
    cleaned = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
    return cleaned[:limit].rstrip("_") or "doc"
