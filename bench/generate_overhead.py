"""Generate mode's cost beyond the model's own time: answers written by SmolLM2-135M on a real llama.cpp server,
and how long checking their sentences took (JSON out, and a short table).

    .venv/bin/python bench/generate_overhead.py --out bench/results/generate.json

Needs `make llm-server` (the llama.cpp server and the SmolLM2 file). The goal: verification ≤ 30 ms p50.
"""

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.pipeline import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from tests.llm_server import ALIAS, LlamaServer  # noqa: E402
from tests.ui_server import sample_sources  # noqa: E402

GOAL_VERIFY_MS_P50 = 30
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
    finally:
        server.stop()
    generated = [a for a in answers if a.mode == "generate"]
    verify = [a.timings_ms["verify"] for a in generated]
    sentences = [s for a in generated for s in a.sentences]
    return {"model": "SmolLM2-135M-Instruct Q4_1 (llama.cpp server, 2 threads)", "answers": len(answers),
            "generated": len(generated), "sentences": len(sentences),
            "verify_ms_p50": round(statistics.median(verify), 1) if verify else None,
            "verify_ms_p95": round(_p95(verify), 1) if verify else None,
            "verify_ms_per_sentence_p50": round(statistics.median(
                a.timings_ms["verify"] / len(a.sentences) for a in generated if a.sentences), 1) if generated else None,
            "model_ms_p50": round(statistics.median(a.timings_ms["generate"] for a in generated), 1) if generated else None,
            "unsupported_rate": round(sum(not s["supported"] for s in sentences) / len(sentences), 3) if sentences else None,
            "markers_corrected_rate": round(sum(s["corrected"] for s in sentences if s["supported"])
                                            / max(1, sum(s["supported"] for s in sentences)), 3),
            "goal_verify_ms_p50": GOAL_VERIFY_MS_P50}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def table(figures: dict) -> str:
    """The figures as a short Markdown table."""
    rows = [("answers generated", f"{figures['generated']} of {figures['answers']}"),
            ("sentences checked", figures["sentences"]),
            ("model time p50, ms", figures["model_ms_p50"]),
            ("verification p50 / p95, ms", f"{figures['verify_ms_p50']} / {figures['verify_ms_p95']} "
                                           f"(goal ≤ {GOAL_VERIFY_MS_P50} p50)"),
            ("verification per sentence p50, ms", figures["verify_ms_per_sentence_p50"]),
            ("sentences unsupported", figures["unsupported_rate"]),
            ("supported sentences whose marker was corrected", figures["markers_corrected_rate"])]
    return "\n".join(["| generate mode | |", "|---|---:|", *(f"| {name} | {value} |" for name, value in rows)])


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
