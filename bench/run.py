"""`make bench`: Footnote against the llama-index peer on the same inputs, alternating, in one run.

    .venv/bin/python bench/run.py [--quick] [--skip-fp32] [--out bench/results]

Writes OUT/latest.json ({"ours", "peer", "ratios", "goals", ...}) and OUT/latest.md. Each system
runs in its own worker process (bench/worker.py); requests go to the workers in turn, so both see
the same machine load. Nothing here is asserted: it is measured.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import corpora
import measure
import report
from peer_llamaindex import OVERFETCH, hit_at_k, mrr_at_10, ndcg_at_10, recall_at_100

BENCH = Path(__file__).resolve().parent
PY = sys.executable
WARMUP = 10
LATENCY_QUERIES = 200
COLD_STARTS = 5
PEER_DEPTH = {"scifact": 100, "squad": 10}  # documents, as the peer script ranks them
PEERS = ("peer-dense", "peer-hybrid")
# Workers take requests in turn on two shared cores. OpenMP threads (the peer's torch) spin-wait
# after each request by default, taking the cores from whichever worker answers next: measured on
# the sample corpus, that put the peers' p95 at 85-111 ms (23-30 ms with passive waiting) and ours
# at 18-20 ms (15-16 ms). A process alone on the machine pays none of it, so workers wait passively.
WORKER_ENV = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}


class Worker:
    """A bench/worker.py process; `call` sends one request and waits for its reply."""

    def __init__(self, system: str, work: Path, log: Path, **options: Any) -> None:
        flags = [f"--{key}={value}" for key, value in options.items()]
        self.system = system
        self._log = log.open("a")
        self._process = subprocess.Popen([PY, str(BENCH / "worker.py"), system, f"--work={work}", *flags],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                         text=True, cwd=corpora.ROOT, env=WORKER_ENV)

    def call(self, op: str, **request: Any) -> tuple[Any, float]:
        """(result, milliseconds the worker spent on it)."""
        self._process.stdin.write(json.dumps({"op": op, **request}) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.system} worker died; see {self._log.name}")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"{self.system} {op}: {reply['error']}\n{reply['trace']}")
        return reply["result"], reply["ms"]

    def close(self) -> None:
        """Ask the worker to leave and wait for it."""
        self._process.stdin.write(json.dumps({"op": "quit"}) + "\n")
        self._process.stdin.close()
        self._process.wait(timeout=120)
        self._log.close()


def say(message: str) -> None:
    """Progress on stderr, with the time of day."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def in_turn(workers: dict[str, Worker], queries: Iterable[str], op: str,
            **request: Any) -> dict[str, list[tuple[Any, float]]]:
    """Each query to every worker before the next query: load changes hit all systems alike."""
    replies: dict[str, list[tuple[Any, float]]] = {name: [] for name in workers}
    for query in queries:
        for name, worker in workers.items():
            replies[name].append(worker.call(op, query=query, **request))
    return replies


def quality(dataset: corpora.Dataset, workers: dict[str, Worker]) -> dict[str, dict[str, float]]:
    """Document-level ranking metrics of every worker on the dataset's questions."""
    scores: dict[str, dict[str, list[float]]] = {name: {} for name in workers}
    for question, gold in dataset.questions:
        for name, worker in workers.items():
            ranked, _ = worker.call("rank", query=question, depth=_depth(name, dataset.name))
            for metric, value in _ranking_metrics(ranked, gold).items():
                scores[name].setdefault(metric, []).append(value)
    return {name: {m: round(sum(v) / len(v), 4) for m, v in metrics.items()} for name, metrics in scores.items()}


def _depth(system: str, dataset: str) -> int:
    """The peer ranks documents (from OVERFETCH times as many chunks); ours ranks passages, several
    of which may share a document, so it reads as many passages as the peer reads chunks."""
    return PEER_DEPTH[dataset] * (OVERFETCH if system == "ours" else 1)


def _ranking_metrics(ranked: list[str], gold: corpora.Gold) -> dict[str, float]:
    if isinstance(gold, dict):
        return {"ndcg@10": ndcg_at_10(ranked, gold), "recall@100": recall_at_100(ranked, gold)}
    return {"hit@1": hit_at_k(ranked, gold, 1), "hit@5": hit_at_k(ranked, gold, 5), "mrr@10": mrr_at_10(ranked, gold)}


def latency(workers: dict[str, Worker], questions: list[str], count: int) -> dict[str, dict[str, float]]:
    """p50/p95 of `count` queries (cycling the list) per worker, after a warm-up."""
    cycle = [questions[i % len(questions)] for i in range(count)]
    in_turn(workers, cycle[:WARMUP], "ask")
    timed = in_turn(workers, cycle, "ask")
    return {name: measure.latency([ms for _, ms in replies]) for name, replies in timed.items()}


def serve(name: str, work: Path, logs: Path, systems: Iterable[str], models: Path) -> dict[str, Worker]:
    """Serving workers that open the index of corpus `name` (ours with one thread, as `footnote serve`)."""
    workers = {}
    for system in systems:
        if system == "ours":
            workers[system] = Worker("ours", work / "ours", logs / "ours.log", models=models, threads=1)
        else:
            workers[system] = Worker(system, work / "peer", logs / f"{system}.log")
        workers[system].call("open", name=name)
    return workers


def close(workers: dict[str, Worker]) -> None:
    """Stop every worker."""
    for worker in workers.values():
        worker.close()


def cold_starts(work: Path, models: Path, question: str, runs: int) -> dict[str, float]:
    """Median wall time from process start to first printed answer, `footnote ask` vs the peer script."""
    env = {**os.environ, "FOOTNOTE_DATA_DIR": str(work / "ours" / "sample"), "FOOTNOTE_MODELS_DIR": str(models)}
    commands: dict[str, list[str]] = {"ours": [str(Path(PY).parent / "footnote"), "ask", question]}
    for peer in PEERS:
        commands[peer] = [PY, str(BENCH / "peer_llamaindex.py"), "coldstart", f"--work={work / 'peer' / 'sample'}",
                          f"--variant={peer.removeprefix('peer-')}", f"--query={question}"]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for attempt in range(runs + 1):  # the first round only warms the page cache
        for name, command in commands.items():
            seconds = measure.first_output_seconds(command, env, corpora.ROOT)
            if attempt:
                times[name].append(seconds)
    return {name: measure.median(values) for name, values in times.items()}


def run(args: argparse.Namespace, work: Path) -> dict:
    """Every measurement of the issue, in the order that keeps the machine's state comparable."""
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    models = work / "models"
    limits = {"questions": 50, "docs": 400} if args.quick else {"questions": 0, "docs": 0}
    data = {name: corpora.load(name, args.evalsets, **limits) for name in ("scifact", "squad")}
    folders = {name: corpora.write_corpus(d.docs, work / "corpora" / name) for name, d in data.items()}
    folders["sample"] = corpora.SAMPLE_CORPUS
    results: dict[str, dict[str, dict[str, Any]]] = {s: {"sample": {}, "scifact": {}, "squad": {}}
                                                     for s in ("ours", *PEERS)}
    peer_request = {"evalsets": str(args.evalsets), **limits}

    say("ingest: warm-up on the sample corpus (exports the ONNX model once), then SciFact and SQuAD, both cold")
    ours = Worker("ours", work / "ours", logs / "ours.log", models=models)
    peer = Worker("peer-hybrid", work / "peer", logs / "peer-hybrid.log")
    for name in ("sample", "scifact", "squad"):
        for system, worker in (("ours", ours), ("peer", peer)):
            stats, _ = worker.call("ingest", name=name, folder=str(folders[name]), **peer_request)
            say(f"  {system} {name}: {stats}")
            if system == "peer":
                for variant, key in (("peer-hybrid", "ingest_chunks_per_s"), ("peer-dense", "dense_ingest_chunks_per_s")):
                    results[variant][name].update(chunks=stats["chunks"], ingest_chunks_per_s=stats[key],
                                                  ingest_s=round(stats["chunks"] / stats[key], 1),
                                                  reingest_s=stats["seconds"])  # the peer always rebuilds
            else:
                results["ours"][name]["ingest_s"] = round(stats["seconds"], 1)
                results["ours"][name].update({k: stats[k] for k in ("chunks", "ingest_chunks_per_s",
                                                                    "wordpieces_per_chunk")})
        if name != "sample":
            again, _ = ours.call("reingest", name=name, folder=str(folders[name]))
            say(f"  ours {name} unchanged re-ingest: {again}")
            results["ours"][name]["reingest_s"] = again["reingest_s"]
    ours.close()
    peer.close()

    say("serving the sample corpus: latency of a full answer vs the peer's retrieval")
    workers = serve("sample", work, logs, ("ours", *PEERS), models)
    for system, figures in latency(workers, corpora.sample_questions(), args.latency_queries).items():
        results[system]["sample"].update(figures)
    close(workers)

    for name in ("scifact", "squad"):
        say(f"serving {name}: quality on {len(data[name].questions)} questions"
            + (", latency, peak memory" if name == "scifact" else ""))
        workers = serve(name, work, logs, ("ours", *PEERS), models)
        for system, figures in quality(data[name], workers).items():
            results[system][name].update(figures)
        if name == "scifact":
            questions = [q for q, _ in data[name].questions]
            for system, figures in latency(workers, questions, args.latency_queries).items():
                results[system][name].update(figures)
            for system, worker in workers.items():
                results[system][name]["peak_rss_mb"] = worker.call("rss")[0]
        close(workers)

    say("cold start: process start to first printed answer, alternating")
    for system, seconds in cold_starts(work, models, corpora.sample_questions()[0], args.cold_starts).items():
        results[system]["sample"]["cold_start_s"] = seconds

    if not args.skip_fp32:
        say("fp32 reference: the same SciFact ingest and ranking with the unquantized model")
        fp32 = Worker("ours", work / "fp32", logs / "fp32.log", models=models, precision="fp32")
        fp32.call("ingest", name="sample", folder=str(folders["sample"]))
        stats, _ = fp32.call("ingest", name="scifact", folder=str(folders["scifact"]))
        fp32.call("open", name="scifact")
        figures = quality(data["scifact"], {"ours": fp32})["ours"]
        fp32.close()
        results["ours"]["scifact"].update({"fp32_ndcg@10": figures["ndcg@10"],
                                           "fp32_ingest_chunks_per_s": stats["ingest_chunks_per_s"]})
    return results


def main(argv: list[str] | None = None) -> int:
    """Run, then write latest.json and latest.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evalsets", type=Path, default=corpora.EVALSETS)
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, removed after)")
    parser.add_argument("--quick", action="store_true", help="50 questions and ~400 documents per set: a smoke run")
    parser.add_argument("--skip-fp32", action="store_true", help="skip the fp32 reference ingest of SciFact")
    parser.add_argument("--latency-queries", type=int, default=LATENCY_QUERIES)
    parser.add_argument("--cold-starts", type=int, default=COLD_STARTS)
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="footnote-bench-"))
    started, load_before = time.time(), measure.load_average()
    say(f"scratch {work}; load {load_before}")
    try:
        results = run(args, work)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    meta = {"started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
            "minutes": round((time.time() - started) / 60, 1), "load_before": load_before,
            "load_after": measure.load_average(), "quick": args.quick, "python": sys.version.split()[0]}
    summary = report.summarize(results, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(summary, indent=1) + "\n")
    (args.out / "latest.md").write_text(report.markdown(summary))
    print(report.markdown(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
