"""MultiHop-RAG queries → a corpus rebuilt from their evidence facts (the article corpus isn't available)."""

import hashlib
from pathlib import Path

from evals.evalset import EvalRecord
from evals.importers.common import Imported, read_jsonl, slug

_YES_NO = {"yes", "no"}


def import_multihop(source: Path) -> Imported:
    """One document per source article: its title, outlet and date, then every evidence fact the
    queries quote from it, one paragraph each. A query's evidence is its facts (all required, so
    citation recall measures how many hops were cited); "Insufficient information." queries have
    null evidence. A quoting answerer cannot say "yes"/"no", so such answers are kept as an
    unscored `reference` rather than as `answers`."""
    rows = read_jsonl(source)
    facts: dict[str, dict[str, None]] = {}
    heads: dict[str, str] = {}
    for row in rows:
        for item in row.get("evidence_list") or []:
            key = item.get("url") or item.get("title", "")
            heads.setdefault(key, f"{item.get('title', '').strip()}\n{item.get('source', '')}, "
                                  f"{str(item.get('published_at', ''))[:10]}")
            facts.setdefault(key, {})[item["fact"].strip()] = None
    names = {key: f"{slug(heads[key].split(chr(10))[0])}_{hashlib.sha1(key.encode()).hexdigest()[:6]}.txt"
             for key in heads}
    documents = {names[key]: heads[key] + "\n\n" + "\n\n".join(facts[key]) + "\n" for key in heads}
    records = [_record(row, names) for row in rows]
    null = sum(not r.answerable for r in records)
    return Imported(documents, records, [f"corpus rebuilt from evidence facts ({len(documents)} articles); "
                                         f"{null} null queries are unanswerable"])


def _record(row: dict, names: dict[str, str]) -> EvalRecord:
    evidence = row.get("evidence_list") or []
    answer = str(row.get("answer", "")).strip()
    kind = row.get("question_type", "")
    if kind == "null_query" or not evidence:
        return EvalRecord(str(row["id"]), row["query"], evidence=None, type=kind, reference=answer)
    facts = tuple(dict.fromkeys(item["fact"].strip() for item in evidence))
    sources = tuple(dict.fromkeys(names[item.get("url") or item.get("title", "")] for item in evidence))
    scored = () if answer.lower() in _YES_NO else ((answer,),)
    return EvalRecord(str(row["id"]), row["query"], scored, tuple((f,) for f in facts), sources, type=kind,
                      reference=answer if not scored else "")
