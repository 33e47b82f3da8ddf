"""Benchmark: time from `footnote serve` reporting ready to the first answer on the page (JSON out).

    .venv/bin/python bench/ui_first_answer.py [--repeat 5] [--out bench/results/ui_first_answer.json]

Indexes the sample article into a temporary data folder, starts the real server as a subprocess,
and drives headless Chromium: load the page, ask, wait for the first streamed sentence, then the
sources. Chromium is started before the server, so its launch is not counted.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed"
QUESTION = "How many operatives were expelled to the United States?"
WARM_QUESTIONS = ["Where were the detainees sent?", "What law was the transfer executed under?",
                  "How many high-impact criminals have been handed over?", "What is the capital of Australia?"]
READY_LINE = "Footnote is ready on"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm questions asked after the first")
    parser.add_argument("--models-dir", type=Path, default=ROOT / ".footnote" / "models",
                        help="ONNX export cache shared with `make run` (created on first use)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="footnote-bench-") as folder:
        result = run(Path(folder), args.models_dir, args.repeat)
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


def run(folder: Path, models_dir: Path, repeat: int) -> dict:
    sources = folder / "sources"
    sources.mkdir()
    for seed in sorted(SEED.glob("*.txt")) or sorted((ROOT / "sources").glob("*.txt")):
        shutil.copy(seed, sources / seed.name)
    port = _free_port()
    env = {**os.environ, "FOOTNOTE_DATA_DIR": str(folder / "data"), "FOOTNOTE_MODELS_DIR": str(models_dir),
           "FOOTNOTE_SOURCES": str(sources), "FOOTNOTE_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "assistant"]
    subprocess.run([*command, "ingest"], env=env, cwd=ROOT, check=True, capture_output=True)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        log = (folder / "serve.log").open("w")
        started = time.perf_counter()
        # Output goes to a file, not a pipe: an unread pipe that fills up would stall the server.
        server = subprocess.Popen([*command, "serve"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_ready(server, folder / "serve.log")
            ready = time.perf_counter()
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#fn-question textarea")
            loaded = time.perf_counter()
            first = _ask(page, QUESTION, 0)
            warm = [_ask(page, question, turn)
                    for turn, question in enumerate((WARM_QUESTIONS * repeat)[:repeat], start=1)]
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
            browser.close()
    return {
        "question": QUESTION,
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),  # other work on the machine inflates every figure
        "server_start_to_ready_s": round(ready - started, 2),
        "ready_to_first_answer_ms": round((loaded - ready) * 1000 + first["first_sentence_ms"], 1),
        "page_load_ms": round((loaded - ready) * 1000, 1),
        "first_question": first,
        "warm_questions": {
            "count": len(warm),
            "first_sentence_ms_p50": round(statistics.median(w["first_sentence_ms"] for w in warm), 1) if warm else None,
            "complete_ms_p50": round(statistics.median(w["complete_ms"] for w in warm), 1) if warm else None,
            "complete_ms_max": round(max(w["complete_ms"] for w in warm), 1) if warm else None,
        },
    }


def _ask(page, question: str, turn: int) -> dict:
    """Submit, then time the first streamed sentence (or abstention) and the finished answer."""
    article = f"article.fn-turn[data-turn='{turn}']"
    page.fill("#fn-question textarea", question)
    submitted = time.perf_counter()
    page.press("#fn-question textarea", "Enter")
    page.wait_for_selector(f"{article} .fn-answer-text button.fn-cite, {article} .fn-abstained", timeout=30_000)
    first = time.perf_counter()
    page.wait_for_selector(f"{article} .fn-sources, {article} .fn-abstained", timeout=30_000)
    done = time.perf_counter()
    return {"first_sentence_ms": round((first - submitted) * 1000, 1),
            "complete_ms": round((done - submitted) * 1000, 1)}


def _wait_for_ready(server: subprocess.Popen, log: Path, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and server.poll() is None:
        if READY_LINE in log.read_text(errors="replace"):
            return
        time.sleep(0.01)
    raise RuntimeError(f"the server never reported ready (exit code {server.poll()}):\n{log.read_text()[-2000:]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
