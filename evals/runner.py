"""Runs an eval set through the same pipeline as the chat and writes results, metrics and report."""

import hashlib
import json
import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from assistant.pipeline import Assistant
from assistant.retriever import HybridRetriever
from assistant.settings import Settings, UsageError
from index.source_paths import source_key

from evals.evalset import EvalRecord, load_set, sample
from evals.evidence import EvidenceLocator
from evals.metrics import DOCUMENT_DEPTH, RANKING_DEPTH, Gold, evidence_rank, generated_scores, primary_score, \
    score_question, summarize
from evals.report import write_report
from evals.runs import RESULTS, Run, save_summary

Progress = Callable[[str, int, int], None]  # (stage, done, total): "files"/"chunks" while indexing, then "questions"
_WH = re.compile(r"\b(how many|how much|how long|how|what|which|who|whom|whose|when|where|why)\b", re.IGNORECASE)
_YES_NO = re.compile(r"^(is|are|was|were|do|does|did|can|could|has|have|had|will|would|should)\b", re.IGNORECASE)


def eval_collection(corpus: Path) -> str:
    """The collection an eval corpus is indexed into: one per folder, so a second run re-uses it."""
    # The working directory's part keeps the names earlier versions gave, so their vectors are reused.
    key = f"{corpus.resolve().as_posix()}\n{source_key(corpus, Path.cwd().resolve())}"
    return "eval-" + hashlib.sha1(key.encode()).hexdigest()[:10]


def default_out(settings: Settings, set_path: Path) -> Path:
    """Where a run goes without --out: data_dir/runs/<set>-<UTC time>."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return settings.data_dir / "runs" / f"{set_path.stem}-{stamp}"


def run_set(set_path: Path, settings: Settings, out: Path | None = None, corpus: Path | None = None,
            limit: int | None = None, progress: Progress | None = None,
            assistant: Assistant | None = None) -> Run:
    """Score every question of a set (a deterministic sample of `limit`) and write the run folder.

    With `corpus`, that folder is indexed into its own collection first (incrementally); without
    it, the questions go to the index the chat uses (or to `assistant`, when given).
    """
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    records = sample(load_set(set_path), limit)
    assistant, ingest_summary = _prepare(settings, corpus, progress, assistant)
    for record in records:
        try:
            assistant.validate(record.question)
        except UsageError as error:
            raise UsageError(f"{set_path}: question {record.id}: {error}") from None
    out = out or default_out(assistant.settings, set_path)
    out.mkdir(parents=True, exist_ok=True)
    with assistant.reading():  # the index holds still for the whole run: an ingest commits after it
        paths = assistant.indexed_paths()
        locator = EvidenceLocator(paths, lambda path: getattr(assistant.corpus.document(path), "text", None))
        results = _answer_all(records, assistant, locator, out / RESULTS, progress)
    metrics = summarize([r["scores"] for r in results], [r["answer"]["abstained"] for r in results],
                        [r["unanswerable"] for r in results], [r["timings_ms"]["total"] for r in results],
                        [r["answer"].get("confidence", 0.0) for r in results])
    info = {"set": str(set_path), "corpus": str(corpus) if corpus else None, "limit": limit,
            "questions": len(results), "documents": len(paths), "collection": assistant.corpus.collection_name,
            "ingest": ingest_summary, "started": started.isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - clock, 1), "warnings": _unknown_sources(records, locator),
            "settings": assistant.settings.public()}
    run = Run(out, info, metrics, results)
    save_summary(run)
    write_report(run)
    return run


def _unknown_sources(records: list[EvalRecord], locator: EvidenceLocator) -> list[str]:
    """A warning when questions name a `source` the corpus doesn't hold (a typo, or the wrong corpus):
    their evidence is then looked for everywhere, which is rarely what the set meant."""
    unknown = [(r.id, source) for r in records for source in r.sources if not locator.knows(source)]
    if not unknown:
        return []
    shown = ", ".join(f"{qid} ({source})" for qid, source in unknown[:5]) + (", …" if len(unknown) > 5 else "")
    questions = len({qid for qid, _ in unknown})
    return [f"{questions} question{'s' * (questions != 1)} name a source that is not in the corpus: {shown}"]


def _answer_all(records: list[EvalRecord], assistant: Assistant, locator: EvidenceLocator, results_file: Path,
                progress: Progress | None) -> list[dict]:
    """Ask and score each question, appending its record to results.jsonl as it goes."""
    # Passages of one document collapse into one ranked document, so rank twice as deep for recall@100.
    depth = 2 * DOCUMENT_DEPTH if any(r.relevant for r in records) else RANKING_DEPTH
    # The assistant's own retriever: asked for `depth` passages it pools at least that many candidates.
    ranker = assistant.retriever
    # One unscored question first: the first ask loads the scorers, which isn't answer latency.
    assistant.ask(records[0].question)
    results = []
    with results_file.open("w", encoding="utf-8") as file:
        for done, record in enumerate(records, 1):
            result = _score(record, assistant, ranker, depth, locator)
            file.write(json.dumps(result, ensure_ascii=False) + "\n")
            file.flush()
            results.append(result)
            if progress:
                progress("questions", done, len(records))
    return results


def _prepare(settings: Settings, corpus: Path | None, progress: Progress | None,
             assistant: Assistant | None) -> tuple[Assistant, str | None]:
    if corpus is None:
        assistant = assistant or Assistant(settings)
        if not assistant.indexed_paths():
            raise UsageError(f"nothing is indexed in collection {settings.collection!r}; "
                             "run `footnote ingest` first or pass --corpus DIR")
        return assistant, None
    if not corpus.is_dir():
        raise UsageError(f"{corpus}: no such corpus folder")
    if settings.data_dir.resolve() in (corpus.resolve(), *corpus.resolve().parents):
        raise UsageError(f"{corpus}: the corpus is inside data_dir {settings.data_dir}, which ingest skips")
    assistant = Assistant(settings.replace(collection=eval_collection(corpus)))
    report = assistant.ingest([corpus], progress)
    if not (report.added or report.updated or report.unchanged):
        raise UsageError(f"{corpus}: no indexable documents (.txt, .md, .html, .pdf, .docx)")
    return assistant, report.summary()


def _score(record: EvalRecord, assistant: Assistant, ranker: HybridRetriever, depth: int,
           locator: EvidenceLocator) -> dict:
    answer = assistant.ask(record.question).to_dict()
    began = time.perf_counter()
    ranking = [(p.path, p.start, p.end) for p in ranker.retrieve(assistant.question(record.question), depth)]
    timings = {**answer["timings_ms"], "ranking": round((time.perf_counter() - began) * 1000, 2)}
    gold = locator.gold(record)
    scores = score_question(answer, ranking, gold)
    if assistant.settings.answer_mode == "generate":
        scores.update(generated_scores(answer))
    scores = {name: round(value, 4) for name, value in scores.items()}
    return {"id": record.id, "question": record.question, "type": record_type(record),
            "answer": answer, "scores": scores, "score": primary_score(scores),
            "rank": evidence_rank(ranking, gold) if gold.located or gold.relevant else None,
            "unanswerable": not record.answerable, "gold": _gold_view(record, gold, locator),
            "timings_ms": timings}


def record_type(record: EvalRecord) -> str:
    """The record's own type, else a coarse one read off the question ("who", "how many", "yes/no"…)."""
    if record.type:
        return record.type
    if not record.answerable:
        return "unanswerable"
    match = _WH.search(record.question)
    if match:
        return match.group(1).lower()
    return "yes/no" if _YES_NO.match(record.question) else "other"


def _gold_view(record: EvalRecord, gold: Gold, locator: EvidenceLocator) -> dict:
    """What the report and the web tab show as the gold side of a question."""
    data = record.to_dict()
    view = {"answers": data["answers"], "evidence": data["evidence"], "reference": record.reference or None,
            "spans": [{"path": p, "start": s, "end": e, "text": locator.text(p)[s:e]}
                      for item in gold.located for p, s, e in item[:1]],
            "unlocated": [item[0] for item, spans in zip(record.evidence or (), gold.evidence or ()) if not spans]}
    if record.relevant:
        view["documents"] = [{"doc_id": d, "grade": g, "path": (path := locator.path_of(d)),
                              "title": locator.text(path).split("\n", 1)[0][:160] if path else None}
                             for d, g in sorted(record.relevant.items(), key=lambda kv: -kv[1])]
    return view
