"""Benchmark: time from `footnote serve` reporting ready to the first answer on the page (JSON out).

    .venv/bin/python bench/ui_first_answer.py [--trials 5] [--repeat 5] [--out bench/results/ui_first_answer.json]

Indexes the sample article into a temporary data folder, starts the real server as a subprocess,
and drives headless Chromium over the bare DevTools protocol (bench/devtools.py: no request
recording, unlike Playwright): load the page in a fresh browser context, ask, wait for the first
streamed sentence, then the sources. Chromium is started before the server, so its launch is not counted.
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

import devtools

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed"
QUESTION = "How many operatives were expelled to the United States?"
WARM_QUESTIONS = ["Where were the detainees sent?", "What law was the transfer executed under?",
                  "How many high-impact criminals have been handed over?", "What is the capital of Australia?"]
READY_LINE = "Footnote is ready on"
COMMAND = [sys.executable, "-m", "footnote"]
# What typing does to the question box: its value, then the input event Svelte's binding listens to.
TYPE = """(() => { const box = document.querySelector('#fn-question textarea');
  box.focus(); box.value = %s; box.dispatchEvent(new Event('input', {bubbles: true})); })()"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5, help="server starts, each timed to its first answer")
    parser.add_argument("--repeat", type=int, default=5, help="warm questions asked after each first one")
    parser.add_argument("--models-dir", type=Path, default=ROOT / ".footnote" / "models",
                        help="ONNX export cache shared with `make run` (created on first use)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="footnote-bench-") as folder:
        result = run(Path(folder), args.models_dir, args.trials, args.repeat)
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


def run(folder: Path, models_dir: Path, trials: int, repeat: int) -> dict:
    """Index once, then start the server `trials` times; medians over the trials."""
    sources = folder / "sources"
    sources.mkdir()
    for seed in sorted(SEED.glob("*.txt")) or sorted((ROOT / "sources").glob("*.txt")):
        shutil.copy(seed, sources / seed.name)
    env = {**os.environ, "FOOTNOTE_DATA_DIR": str(folder / "data"), "FOOTNOTE_MODELS_DIR": str(models_dir),
           "FOOTNOTE_SOURCES": str(sources), "PYTHONUNBUFFERED": "1"}
    subprocess.run([*COMMAND, "ingest"], env=env, cwd=ROOT, check=True, capture_output=True)
    browser = devtools.Chromium()
    try:
        runs = [trial(folder / f"serve-{n}.log", env, browser, repeat) for n in range(trials)]
    finally:
        browser.close()
    warm = [w for r in runs for w in r.pop("warm")]
    return {
        "question": QUESTION,
        "driver": "Chromium over the DevTools protocol, no request recording (bench/devtools.py)",
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),  # other work on the machine inflates every figure
        "trials": len(runs),
        "ready_to_first_answer_ms_median": _median(runs, "ready_to_first_answer_ms"),
        "page_load_ms_median": _median(runs, "page_load_ms"),
        "first_sentence_ms_median": _median(runs, "first_sentence_ms"),
        "server_start_to_ready_s_median": _median(runs, "server_start_to_ready_s"),
        "runs": runs,
        "warm_questions": {
            "count": len(warm),
            "first_sentence_ms_p50": _median(warm, "first_sentence_ms"),
            "complete_ms_p50": _median(warm, "complete_ms"),
            "complete_ms_max": max((w["complete_ms"] for w in warm), default=None),
        },
    }


def trial(log_path: Path, env: dict, browser: devtools.Chromium, repeat: int) -> dict:
    """Start `footnote serve`; from its ready line, open the page in a fresh context and ask."""
    port = _free_port()
    log = log_path.open("w")
    started = time.perf_counter()
    # Output goes to a file, not a pipe: an unread pipe that fills up would stall the server.
    server = subprocess.Popen([*COMMAND, "serve"], env={**env, "FOOTNOTE_PORT": str(port)}, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_ready(server, log_path)
        ready = time.perf_counter()
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for("#fn-question textarea")
        loaded = time.perf_counter()
        first = _ask(page, QUESTION, 0)
        warm = [_ask(page, question, turn)
                for turn, question in enumerate((WARM_QUESTIONS * repeat)[:repeat], start=1)]
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return {"server_start_to_ready_s": round(ready - started, 2),
            "ready_to_first_answer_ms": round((loaded - ready) * 1000 + first["first_sentence_ms"], 1),
            "page_load_ms": round((loaded - ready) * 1000, 1), **first, "warm": warm}


def _median(rows: list[dict], key: str) -> float | None:
    return round(statistics.median(r[key] for r in rows), 1) if rows else None


def _ask(page: devtools.Page, question: str, turn: int) -> dict:
    """Type, press Enter, then time the first streamed sentence (or abstention) and the finished answer."""
    article = f"article.fn-turn[data-turn='{turn}']"
    page.evaluate(TYPE % json.dumps(question))
    submitted = time.perf_counter()
    for kind in ("keyDown", "keyUp"):
        page.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter", windowsVirtualKeyCode=13,
                  **({"text": "\r"} if kind == "keyDown" else {}))
    page.wait_for(f"{article} .fn-answer-text button.fn-cite, {article} .fn-abstained")
    first = time.perf_counter()
    page.wait_for(f"{article} .fn-sources, {article} .fn-abstained")
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
