"""Writes docs/performance.md from the bench's results, so the page shows the latest run and nobody types its figures.

    .venv/bin/python bench/performance_page.py [--results bench/results] [--out docs/performance.md]

`make bench` runs it last. The prose is bench/performance_page.md; its `<!-- figures: run -->` line
becomes the comparison (latest.json, from bench/run.py), `<!-- figures: web page -->` the first
answer on the web page (ui_first_answer.json, from bench/ui_first_answer.py), `<!-- figures:
robustness -->` the long line, the .docx bomb and plain ingest speed (robustness.json, from
bench/robustness.py), `<!-- figures: generate -->` what checking a generated answer costs (generate.json, from
bench/generate_overhead.py, beside generate-before.json when a run of an earlier version was kept) and `<!-- figures: scale -->` the costs from 1k to 100k passages (scale.json,
from bench/scale.py, beside scale-before.json when a run of an earlier version was kept), with its
plot written beside the page.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import report
import scale_page

BENCH = Path(__file__).resolve().parent
TEMPLATE = BENCH / "performance_page.md"
PAGE = BENCH.parent / "docs" / "performance.md"
PLOT = "performance-scale.svg"  # beside the page
CORPORA = {"scifact": "SciFact dev", "squad": "SQuAD-open", "sample": "sample article"}
METRICS = {
    "ndcg@10": "nDCG@10", "recall@100": "recall@100", "hit@1": "hit@1", "hit@5": "hit@5", "mrr@10": "MRR@10",
    "ingest_chunks_per_s": "ingest, chunks/s (cold)", "ingest_s": "ingest time (cold), s",
    "reingest_s": "second ingest, nothing changed, s", "chunks": "chunks",
    "latency_ms_p50": "latency p50, ms (ours: full answer; peer: retrieval only)",
    "latency_ms_p95": "latency p95, ms (ours: full answer; peer: retrieval only)",
    "cold_start_s": "cold start to first printed answer, s (median)", "peak_rss_mb": "peak RSS while serving, MB",
}


def render(results: Path, template: Path = TEMPLATE) -> str:
    """The page: the template with the run's figures in place of its two markers."""
    summary = _read(results / "latest.json")
    if summary is None:
        raise SystemExit(f"{results / 'latest.json'}: no bench results; run `make bench` first")
    page = template.read_text(encoding="utf-8")
    page = page.replace("<!-- figures: run -->", comparison(summary))
    page = page.replace("<!-- figures: web page -->", web_page(_read(results / "ui_first_answer.json")))
    page = page.replace("<!-- figures: scale -->", scale_page.section(_read(results / "scale.json"),
                                                                    _read(results / "scale-before.json"), PLOT))
    page = page.replace("<!-- figures: generate -->", generate(_read(results / "generate.json"),
                                                               _read(results / "generate-before.json")))
    return page.replace("<!-- figures: robustness -->", robustness(_read(results / "robustness.json")))


def scale_plot(results: Path) -> str | None:
    """The scale section's SVG, when there is a scale run."""
    scale = _read(results / "scale.json")
    return scale_page.plot(scale, _read(results / "scale-before.json")) if scale else None


def generate(figures: dict[str, Any] | None, before: dict[str, Any] | None = None) -> str:
    """What checking a generated answer costs beyond the model's time (generate.json), beside an earlier
    version's run (generate-before.json) when one was kept."""
    if figures is None:
        return "No generate-mode run in `bench/results/` yet (`bench/generate_overhead.py` writes `generate.json`)."
    from generate_overhead import table

    rounds = figures["rounds"]
    lines = [f"{figures['model']}; run of {figures['started']}, {rounds} round{'s' * (rounds != 1)}, "
             f"{figures['cores']} cores."]
    if before:
        lines.append(f"Before: {before['notes']} (run of {before['started']}).")
    return "\n\n".join([" ".join(lines), table(figures, before)])


def comparison(summary: dict[str, Any]) -> str:
    """The run line, Footnote against both peer variants, the goals."""
    meta, ours, peer, variants = summary["meta"], summary["ours"], summary["peer"], summary["peer_variants"]
    load = (f"; load average {meta['load_before']} before, {meta['load_after']} after"
            if meta.get("load_before") else "; load average not recorded")
    kind = "a quick smoke run (`--quick`: cut-down sets, not comparable with a full run)" if meta.get("quick") \
        else "a full run"
    lines = [f"Run of {meta['started']}, {meta['minutes']} min, {kind}{load}. \"peer\" is the better of the "
             "two variants on each line; bold marks where Footnote does better than it.", "",
             "| corpus | metric | Footnote | peer | peer dense | peer hybrid | Footnote / peer |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for corpus, metric in report.ROWS:
        mine, theirs = ours[corpus].get(metric), peer[corpus].get(metric)
        cells = [_cell(mine, bold=_better(metric, mine, theirs)), _cell(theirs),
                 _cell(variants["dense"][corpus].get(metric)), _cell(variants["hybrid"][corpus].get(metric)),
                 _cell(summary["ratios"][corpus].get(metric))]
        lines.append(f"| {CORPORA[corpus]} | {METRICS[metric]} | " + " | ".join(cells) + " |")
    missed = [g["goal"] for g in summary["goals"] if not g["met"]]
    lines += ["", *report.notes(summary), "",
              "Every goal is met in this run." if not missed else f"Goals missed in this run: {'; '.join(missed)}.",
              "", "| goal | measured | target | met |", "|---|---:|---:|:---:|"]
    lines += [f"| {g['goal']} | {g['value']} | {g['target']} | {'yes' if g['met'] else 'no'} |" for g in summary["goals"]]
    return "\n".join(lines)


def web_page(figures: dict[str, Any] | None) -> str:
    """The first answer after the server is ready, and what it is made of."""
    if figures is None:
        return "No web page run in `bench/results/` yet (`bench/ui_first_answer.py` writes `ui_first_answer.json`)."
    first = [r["ready_to_first_answer_ms"] for r in figures.get("runs", [])]
    spread = f"; {min(first) / 1000:.2f}–{max(first) / 1000:.2f} s" if first else ""
    text = (f"Latest run: **first answer {figures['ready_to_first_answer_ms_median'] / 1000:.2f} s after ready** "
            f"(median of {figures['trials']}{spread}), of which the page load is "
            f"{figures['page_load_ms_median'] / 1000:.2f} s and the question's first sentence "
            f"{figures['first_sentence_ms_median']:.0f} ms")
    warm = figures.get("warm_questions") or {}
    if warm.get("count"):
        text += (f"; {warm['count']} warm questions: first sentence {warm['first_sentence_ms_p50']:.0f} ms, "
                 f"whole answer {warm['complete_ms_p50']:.0f} ms (medians)")
    if figures.get("load_average_1min") is not None:
        text += f"; load average {figures['load_average_1min']} at the end"
    return text + "."


def robustness(figures: dict[str, Any] | None) -> str:
    """The one-line file indexed while questions are answered, the .docx bomb refused, plain ingest speed."""
    if figures is None:
        return "No robustness run in `bench/results/` yet (`bench/robustness.py` writes `robustness.json`)."
    lines = [f"Run of {figures['started']}; load average {figures['load_average']} at its start.", ""]
    long, bomb, ingest = figures.get("long_line"), figures.get("docx_bomb"), figures.get("ingest", {})
    if long:
        lines.append(f"- **A {long['megabytes']} MB one-line file** ({long['chunks']:,} chunks, "
                     f"{long['chunks_embedded']} embedded: its sentences repeat) **indexed in "
                     f"{long['ingest_seconds']} s**, while "
                     f"{long['questions_meanwhile']} questions were answered (median {long['question_ms_p50']} ms, "
                     f"slowest {long['question_ms_max']} ms: it waited for a commit).")
    if bomb:
        lines.append(f"- **A {bomb['file_kb']} KB .docx bomb** ({bomb['characters']:,} characters of text) "
                     f"**refused in {bomb['seconds']} s**, the loading process peaking at {bomb['peak_rss_mb']} MB: "
                     f"\"{bomb['message']}\".")
    if long and bomb:
        lines.append("- " + _targets_met({
            "a 20 MB one-line file indexed in under a minute, questions answered meanwhile":
                long["megabytes"] >= 20 and long["ingest_seconds"] < 60 and long["questions_meanwhile"] > 0,
            "the .docx bomb refused within 5 s and 200 MB": bomb["seconds"] <= 5 and bomb["peak_rss_mb"] <= 200}))
    for name, run in ingest.items():
        what = "the sample article" if name == "sample" else f"{run['documents']:,} SciFact abstracts"
        what += ", loading the model included" if name == "sample" else ""
        lines.append(f"- Cold ingest of {what} ({run['chunks']:,} chunks): "
                     f"{run['seconds']} s, {run['chunks_per_second']} chunks/s.")
    return "\n".join(lines)


def _targets_met(targets: dict[str, bool]) -> str:
    """The robustness issue's targets, each said met or missed."""
    return "Targets: " + "; ".join(f"{name}: {'met' if met else '**missed**'}" for name, met in targets.items()) + "."


def _better(metric: str, mine: Any, theirs: Any) -> bool:
    if not isinstance(mine, (int, float)) or not isinstance(theirs, (int, float)) or metric in report.INFORMATIONAL:
        return False
    return mine < theirs if metric in report.LOWER_IS_BETTER else mine > theirs


def _cell(value: Any, bold: bool = False) -> str:
    text = report.cell(value)
    return f"**{text}**" if bold else text


def _read(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def main(argv: list[str] | None = None) -> int:
    """Render the page from the results folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    parser.add_argument("--out", type=Path, default=PAGE)
    args = parser.parse_args(argv)
    args.out.write_text(render(args.results), encoding="utf-8")
    print(f"wrote {args.out}")
    if (svg := scale_plot(args.results)) is not None:
        (args.out.parent / PLOT).write_text(svg, encoding="utf-8")
        print(f"wrote {args.out.parent / PLOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
