"""BEIR folders (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) → one file per document + records with qrels."""

import csv
from collections import defaultdict
from pathlib import Path

from assistant.settings import UsageError

from evals.docids import file_name
from evals.evalset import EvalRecord
from evals.importers.common import Imported, read_jsonl


def import_beir(source: Path, split: str | None = None) -> Imported:
    """Documents are `<doc id>.txt` (title line, then text) so a passage path maps back to its id
    (evals/docids.py); each query with a relevant document becomes a record carrying
    `relevant: {doc_id: grade}`, scored by ndcg@10, recall@100, mrr@10 and hit@k."""
    qrels_file = _qrels_file(source, split)
    documents, known = {}, set()
    for row in read_jsonl(source / "corpus.jsonl"):
        documents[file_name(str(row["_id"]))] = document_text(row.get("title") or "", row.get("text") or "")
        known.add(str(row["_id"]))
    relevant, dropped = _read_qrels(qrels_file, known)
    queries = {str(q["_id"]): q for q in read_jsonl(source / "queries.jsonl")}
    records = [EvalRecord(qid, queries[qid]["text"], relevant=grades, type=_label(queries[qid]))
               for qid, grades in relevant.items() if qid in queries and any(g > 0 for g in grades.values())]
    notes = [f"qrels split {qrels_file.stem}"]
    if dropped:
        notes.append(f"{dropped} qrels name documents missing from corpus.jsonl (dropped)")
    if missing := [qid for qid in relevant if qid not in queries]:
        notes.append(f"{len(missing)} qrels queries missing from queries.jsonl (skipped)")
    return Imported(documents, records, notes)


def document_text(title: str, text: str) -> str:
    """A corpus file's content: the title on its own line (when there is one), then the text."""
    title, text = title.strip(), text.strip()
    return f"{title}\n{text}\n" if title else f"{text}\n"


def _qrels_file(source: Path, split: str | None) -> Path:
    if not (source / "corpus.jsonl").exists():
        raise UsageError(f"{source}: not a BEIR folder (no corpus.jsonl)")
    splits = sorted((source / "qrels").glob("*.tsv"))
    if split:
        chosen = source / "qrels" / f"{split}.tsv"
        if not chosen.exists():
            raise UsageError(f"{source}: no qrels/{split}.tsv (have: {', '.join(p.stem for p in splits) or 'none'})")
        return chosen
    if len(splits) != 1:
        raise UsageError(f"{source}: choose a qrels split with --split ({', '.join(p.stem for p in splits) or 'none found'})")
    return splits[0]


def _read_qrels(path: Path, known: set[str]) -> tuple[dict[str, dict[str, int]], int]:
    relevant: dict[str, dict[str, int]] = defaultdict(dict)
    dropped = 0
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.reader(file, delimiter="\t"):
            if len(row) < 3 or not row[2].strip().lstrip("-").isdigit():
                continue  # the header row, or a blank line
            query, document, grade = row[0], row[1], int(row[2])
            if document not in known:
                dropped += 1
                continue
            relevant[query][document] = grade
    return dict(relevant), dropped


def _label(query: dict) -> str:
    """SciFact-style metadata carries a label per evidence document; others get 'query'."""
    metadata = query.get("metadata") or {}
    for evidence in metadata.values() if isinstance(metadata, dict) else ():
        for item in evidence if isinstance(evidence, list) else ():
            if isinstance(item, dict) and item.get("label"):
                return str(item["label"]).lower()
    return "query"
