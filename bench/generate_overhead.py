"""Generate mode's cost beyond the model's own time: answers written by SmolLM2-135M on a real llama.cpp server,
and how long checking their sentences took; for scale, the checking of four source sentences restated as an
answer, as a capable model might write it (JSON out, and a short table).

    .venv/bin/python bench/generate_overhead.py --out bench/results/generate.json

Needs `make llm-server` (the llama.cpp server and the SmolLM2 file). The goal: verification ≤ 30 ms p50.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.extractive import gather_candidates  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from tests.llm_server import ALIAS, LlamaServer  # noqa: E402
from tests.ui_server import sample_sources  # noqa: E402

GOAL_VERIFY_MS_P50 = 30
RESTATED = 4  # sentences of the answer a close-quoting model is imagined to write
QUESTIONS = ("How many operatives were expelled to the United States?", "Where was Otmane Khalladi captured?",
             "Who coordinated the capture of Otmane Khalladi?", "Why is the expulsion a turning point?",
             "How many criminals have been handed over during the current administration?",
             "What was Otmane Khalladi sought for?", "Which cabinet carried out the expulsion?",
             "Was the operation coordinated with Interpol?")


def measure(work: Path, rounds: int) -> dict:
    """Ask every question `rounds` times in generate mode; the model's and the checking's times per answer."""
    server = LlamaServer(work / "server.log").start()
    try:
        assistant = Assistant(Settings().replace(data_dir=work / "data", models_dir=work / "models",
                                                 llm_url=server.url, llm_model=ALIAS, answer_mode="generate"))
        assistant.ingest([sample_sources(work / "sources")])
        assistant.ask(QUESTIONS[0])  # loads the scorers and the model: not answer time
        answers = [assistant.ask(q) for _ in range(rounds) for q in QUESTIONS]
        restated = [restating_check_ms(assistant, q) for _ in range(rounds) for q in QUESTIONS]
    finally:
        server.stop()
    generated = [a for a in answers if a.mode == "generate"]
    verify = [a.timings_ms["verify"] for a in generated]
    sentences = [s for a in generated for s in a.sentences]
    return {"model": "SmolLM2-135M-Instruct Q4_1 (llama.cpp server, 2 threads)", "started": time.strftime("%Y-%m-%d %H:%M"),
            "cores": os.cpu_count(), "rounds": rounds, "answers": len(answers),
            "generated": len(generated), "sentences": len(sentences),
            "verify_ms_p50": round(statistics.median(verify), 1) if verify else None,
            "verify_ms_p95": round(_p95(verify), 1) if verify else None,
            "verify_ms_p50_restating": round(statistics.median(restated), 1),
            "verify_ms_per_sentence_p50": round(statistics.median(
                a.timings_ms["verify"] / len(a.sentences) for a in generated if a.sentences), 1) if generated else None,
            "model_ms_p50": round(statistics.median(a.timings_ms["generate"] for a in generated), 1) if generated else None,
            "unsupported_rate": round(sum(not s["supported"] for s in sentences) / len(sentences), 3) if sentences else None,
            "markers_corrected_rate": round(sum(s["corrected"] for s in sentences if s["supported"])
                                            / max(1, sum(s["supported"] for s in sentences)), 3),
            "goal_verify_ms_p50": GOAL_VERIFY_MS_P50}


def restating_check_ms(assistant: Assistant, question: str) -> float:
    """How long checking takes for the answer a capable model that stays close to its sources might write:
    the first RESTATED sentences of the passages, each citing its passage; every one of them lies near a
    source sentence, so the verifier reads two pairs for each (the tiny model's answers mostly lie near none)."""
    quoted = assistant.ask(question, mode="quote")
    text = " ".join(f"{c.text} [{c.rank + 1}]" for c in gather_candidates(quoted.passages)[:RESTATED])
    generator, _ = assistant.generator
    started = time.perf_counter()
    generator.check(quoted, text)
    return (time.perf_counter() - started) * 1000


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def table(figures: dict, before: dict | None = None) -> str:
    """The figures as a short Markdown table, beside an earlier version's run when one was kept."""
    runs = [figures, before] if before else [figures]
    header = "| generate mode | now | before |\n|---|---:|---:|" if before else "| generate mode | |\n|---|---:|"
    rows = [f"| {name} | " + " | ".join(str(cell(run)) for run in runs) + " |" for name, cell in _ROWS]
    return "\n".join([header, *rows])


_ROWS = (("answers generated", lambda f: f"{f['generated']} of {f['answers']}"),
         ("sentences checked", lambda f: f["sentences"]),
         ("model time p50, ms", lambda f: f["model_ms_p50"]),
         (f"verification p50 / p95, ms (goal ≤ {GOAL_VERIFY_MS_P50} p50)",
          lambda f: f"{f['verify_ms_p50']} / {f['verify_ms_p95']}"),
         ("verification per sentence p50, ms", lambda f: f["verify_ms_per_sentence_p50"]),
         (f"verification p50 of {RESTATED} sentences restating the passages, ms",
          lambda f: f.get("verify_ms_p50_restating", "–")),
         ("sentences unsupported", lambda f: f["unsupported_rate"]),
         ("supported sentences whose marker was corrected", lambda f: f["markers_corrected_rate"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "generate.json")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="footnote-bench-generate-") as work:
        figures = measure(Path(work), args.rounds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1) + "\n")
    print(table(figures))


if __name__ == "__main__":
    main()
