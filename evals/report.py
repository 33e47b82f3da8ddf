"""The run's self-contained report.html: metrics, three inline-SVG plots, every question failing first."""

from collections import defaultdict
from html import escape
from pathlib import Path

from assistant.answer import NOT_FOUND, cited, strip_markers

from evals.metrics import DESCRIPTIONS, METRICS, RANKING_DEPTH
from evals.runs import REPORT, Run, failing_first
from evals.svg import bar_chart

LATENCY_BINS_MS = (10, 20, 50, 100, 200, 500, 1000, 2000)
FAILING_BELOW = 0.5  # a question whose headline score is below this is shown as failing

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2430;margin:24px auto;max-width:1280px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.meta{color:#5b6577;margin:0 0 8px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #e3e7ee}
th{background:#f4f6f9;font-weight:600}.metrics{width:auto}.metrics td.v{font-variant-numeric:tabular-nums;font-weight:600;text-align:right}
.plots{display:flex;flex-wrap:wrap;gap:24px}.plots svg{background:#fafbfc;border:1px solid #e3e7ee;border-radius:6px;padding:8px}
svg .title{font-weight:600;font-size:13px}svg .label,svg .value{font-size:11px;fill:#394253}svg .track{fill:#eef1f5}svg .bar{fill:#3d6fd8}
tr.fail td:first-child{border-left:4px solid #d64545}tr.pass td:first-child{border-left:4px solid #2e9d5b}tr.na td:first-child{border-left:4px solid #b8bfcc}
.q{font-weight:600}.id{color:#5b6577;font-size:12px}.chips span{display:inline-block;background:#eef1f5;border-radius:4px;padding:0 5px;margin:2px 3px 0 0;font-size:12px}
.cite{margin:4px 0 0;padding-left:8px;border-left:3px solid #c9d3e6;font-size:13px}.where{color:#5b6577;font-size:12px;font-family:ui-monospace,monospace}
.abstained{color:#8a5a00;font-style:italic}.missing{color:#b23b3b;font-size:12px}.gold b{font-weight:600}
.unsupported{color:#c81e1e;text-decoration:underline dotted}
td.a,td.g{width:38%}details{margin-top:4px;font-size:12px;color:#5b6577}
"""


def write_report(run: Run) -> Path:
    """Render and save the run's report.html; returns its path."""
    path = run.folder / REPORT
    path.write_text(render(run), encoding="utf-8")
    return path


def render(run: Run) -> str:
    """The whole report as one HTML string (inline CSS and SVG, no scripts, nothing fetched)."""
    info, results = run.info, run.results
    set_path = Path(info.get("set", "run"))
    # Imported sets are all called set.jsonl: the folder names them.
    title = f"Eval report: {set_path.parent.name + '/' if set_path.parent.name else ''}{set_path.name}"
    settings = info.get("settings", {})
    knobs = ", ".join(f"{k}={settings[k]}" for k in ("top_k", "max_sentences", "candidates", "fusion", "keyword_weight",
                                                     "abstain_threshold", "precision") if k in settings)
    documents = info.get("documents", "?")
    meta = (f"{len(results)} question{'s' * (len(results) != 1)} · {documents} document{'s' * (documents != 1)} · collection "
            f"{escape(str(info.get('collection', '?')))} · {escape(str(info.get('started', '')))} · "
            f"{info.get('seconds', '?')} s")
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
            f"<meta name=viewport content='width=device-width,initial-scale=1'><style>{_CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1><p class=meta>{meta}</p><p class=meta>{escape(knobs)}</p>"
            f"<h2>Metrics</h2>{_metrics_table(run.metrics, results)}"
            f"<h2>Plots</h2><div class=plots>{_score_by_type(results)}{_latency(results)}{_ranks(results)}</div>"
            f"<h2>Questions, failing first</h2>{_questions(results)}</body></html>")


def _metrics_table(metrics: dict[str, float], results: list[dict]) -> str:
    rows = "".join(f"<tr><td>{escape(name)}</td><td class=v>{_number(metrics[name])}</td>"
                   f"<td class=v>{_questions_behind(name, results)}</td>"
                   f"<td>{escape(DESCRIPTIONS.get(name, ''))}</td></tr>" for name in METRICS if name in metrics)
    return (f"<table class=metrics><tr><th>metric</th><th>value</th><th>questions</th><th>what it measures</th></tr>"
            f"{rows}</table>")


def _questions_behind(name: str, results: list[dict]) -> int:
    """How many questions a metric averages over."""
    if name == "abstain_precision":
        return sum(r["answer"]["abstained"] for r in results)
    if name == "abstain_recall":
        return sum(bool(r.get("unanswerable")) for r in results)
    if name.startswith("latency"):
        return len(results)
    return sum(name in r["scores"] for r in results)


def _score_by_type(results: list[dict]) -> str:
    scores: dict[str, list[float]] = defaultdict(list)
    for r in results:
        if r.get("score") is not None:
            scores[r.get("type") or "other"].append(r["score"])
    ordered = sorted(scores.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    bars = [(f"{kind} ({len(v)})", sum(v) / len(v), f"{sum(v) / len(v):.2f}") for kind, v in ordered]
    return bar_chart("Score by question type", bars, scale=1.0)


def _latency(results: list[dict]) -> str:
    counts = [0] * (len(LATENCY_BINS_MS) + 1)
    for r in results:
        total = r["timings_ms"].get("total", 0.0)
        counts[sum(total >= edge for edge in LATENCY_BINS_MS)] += 1
    edges = (0, *LATENCY_BINS_MS)
    labels = [f"{low}–{high} ms" for low, high in zip(edges, LATENCY_BINS_MS)] + [f"≥ {LATENCY_BINS_MS[-1]} ms"]
    return bar_chart("Latency (time to answer)", [(label, n, str(n)) for label, n in zip(labels, counts)])


def _ranks(results: list[dict]) -> str:
    judged = [r for r in results if "mrr@10" in r["scores"]]
    counts = {rank: sum(r["rank"] == rank for r in judged) for rank in range(1, RANKING_DEPTH + 1)}
    bars = [(f"rank {rank}", n, str(n)) for rank, n in counts.items()]
    bars.append((f"beyond {RANKING_DEPTH}", sum(r["rank"] is not None and r["rank"] > RANKING_DEPTH for r in judged), ""))
    bars.append(("not retrieved", sum(r["rank"] is None for r in judged), ""))
    bars = [(label, n, shown or str(n)) for label, n, shown in bars]
    return bar_chart("Retrieval rank of the evidence", bars if judged else [])


def _questions(results: list[dict]) -> str:
    rows = "".join(_question_row(r) for r in failing_first(results))
    return (f"<table class=questions><tr><th>question</th><th>answer and citations</th>"
            f"<th>gold answer and evidence</th></tr>{rows}</table>")


def _question_row(r: dict) -> str:
    score = r.get("score")
    state = "na" if score is None else "fail" if score < FAILING_BELOW else "pass"
    chips = "".join(f"<span>{escape(name)} {_number(value)}</span>" for name, value in r["scores"].items())
    rank = f"<span>rank {r['rank']}</span>" if r.get("rank") else ""
    question = (f"<div class=q>{escape(r['question'])}</div><div class=id>{escape(str(r['id']))} · "
                f"{escape(r.get('type') or '')}</div><div class=chips>{chips}{rank}</div>")
    return (f"<tr class={state} id='q-{escape(str(r['id']), quote=True)}'><td>{question}</td>"
            f"<td class=a>{_answer(r['answer'])}</td><td class=g>{_gold(r)}</td></tr>")


def _answer(answer: dict) -> str:
    if answer["abstained"]:
        return f"<div class=abstained>{escape(answer['answer'])}</div>"
    cites = "".join(f"<div class=cite>[{c['n']}] {escape(c['quote'])}<div class=where>{escape(c['path'])} "
                    f"{c['start']}–{c['end']}{' · ' + escape(c['location']) if c.get('location') else ''}</div></div>"
                    for c in answer["citations"])
    passages = "".join(f"<div class=where>{i}. {escape(p['path'])} {p['start']}–{p['end']} ({p['score']:.3f})</div>"
                       for i, p in enumerate(answer.get("passages", []), 1))
    # A quoting answer is its citations' quotes in order; show the text only when it says more.
    said = strip_markers(answer["answer"])
    text = "" if said == " ".join(c["quote"] for c in answer["citations"]) else f"<div>{escape(said)}</div>"
    if answer.get("mode") == "generate":
        text = f"<div>{_generated(answer['sentences'])}</div>"
    note = f"<div class=where>{escape(answer['note'])}</div>" if answer.get("note") else ""
    return (f"{text}{note}{cites}"
            f"<details><summary>{len(answer.get('passages', []))} passages read</summary>{passages}</details>")


def _generated(sentences: list[dict]) -> str:
    """A generated answer's sentences, each with its citations; those the documents don't support in red."""
    return " ".join(escape(cited(s["text"], s["citations"])) if s["supported"] else
                    f"<span class=unsupported title='{NOT_FOUND}'>{escape(s['text'])}</span>"
                    for s in sentences)


def _gold(r: dict) -> str:
    gold = r.get("gold", {})
    if r.get("unanswerable"):
        return "<div class=gold><i>not answered by the documents: abstaining is right</i></div>"
    parts = []
    if gold.get("answers"):
        shown = [" / ".join(a) if isinstance(a, list) else a for a in gold["answers"]]
        parts.append(f"<div class=gold><b>answer:</b> {escape(' · '.join(shown))}</div>")
    if gold.get("reference"):
        parts.append(f"<div class=gold><b>reference (not scored):</b> {escape(gold['reference'])}</div>")
    parts += [f"<div class=cite>{escape(s['text'])}<div class=where>{escape(s['path'])} {s['start']}–{s['end']}"
              f"</div></div>" for s in gold.get("spans", [])]
    parts += [f"<div class=missing>evidence not found in the documents: {escape(text[:200])}</div>"
              for text in gold.get("unlocated", [])]
    parts += [f"<div class=cite>{escape(d['doc_id'])} (grade {d['grade']}): {escape(d.get('title') or 'not indexed')}"
              f"</div>" for d in gold.get("documents", [])]
    return "".join(parts) or "<div class=where>no gold answer or evidence</div>"


def _number(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"
