"""Answer latency (p50/p95 after the models are loaded) and unchanged re-ingest time on a corpus.

Usage: .venv/bin/python bench/ask_latency.py [--corpus sources] [--set evals/sets/sample.jsonl]
Prints a JSON object; nothing here is asserted, it is measured.
"""

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.pipeline import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    """Index the corpus in a scratch folder, then time answers and an unchanged re-ingest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("sources"))
    parser.add_argument("--set", type=Path, default=Path("evals/sets/sample.jsonl"))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in args.set.read_text().splitlines() if line.strip()]
    scratch = Path(tempfile.mkdtemp(prefix="footnote-bench-"))
    try:
        settings = Settings.from_env().replace(data_dir=scratch, threads=args.threads)
        Assistant(settings).ingest([args.corpus])
        started = time.perf_counter()
        assistant = Assistant(settings)
        report = assistant.ingest([args.corpus])
        reingest_s = time.perf_counter() - started
        for question in questions[:10]:  # warm-up
            assistant.ask(question)
        timings = []
        for i in range(args.queries):
            started = time.perf_counter()
            assistant.ask(questions[i % len(questions)])
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps({"corpus": str(args.corpus), "queries": args.queries,
                      "latency_ms_p50": round(statistics.median(timings), 2),
                      "latency_ms_p95": round(percentile(timings, 0.95), 2),
                      "reingest_s": round(reingest_s, 3), "reingest_embedded": report.chunks_embedded}, indent=1))


if __name__ == "__main__":
    main()
