"""One system under test in its own process (so memory and cold caches are its own), driven by JSON lines.

    python bench/worker.py {ours,peer-dense,peer-hybrid} --work DIR [--models DIR --precision int8 --threads 1]

Each stdin line is {"op": ..., ...}; each stdout line {"result": ..., "ms": ...} or {"error": ...}.
Ops: ingest, reingest, open, rank, ask, rss, quit. Corpora are named: sample, scifact, squad.
"""

import argparse
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import corpora
from peer_llamaindex import peak_rss_mb


class Ours:
    """Footnote through its public facade: Assistant.ingest / Assistant.ask / HybridRetriever.retrieve."""

    def __init__(self, work: Path, models: Path, precision: str, threads: int) -> None:
        from index.offline import enforce_offline

        enforce_offline()
        self.work, self.models, self.precision, self.threads = work, models, precision, threads
        self.assistant: Any = None

    def _assistant(self, name: str) -> Any:
        from assistant.pipeline import Assistant
        from assistant.settings import Settings

        settings = Settings().replace(data_dir=self.work / name, models_dir=self.models, precision=self.precision,
                                      threads=self.threads)
        return Assistant(settings)

    def ingest(self, name: str, folder: str, **_: Any) -> dict:
        """Cold ingest of a corpus folder into a fresh data folder."""
        assistant = self._assistant(name)
        started = time.perf_counter()
        report = assistant.ingest([Path(folder)])
        seconds = time.perf_counter() - started
        if report.failed:
            raise RuntimeError(f"ingest failed for {len(report.failed)} files: {next(iter(report.failed.items()))}")
        corpus = assistant.corpus
        sizes = corpus.embedder.count_tokens(corpus.catalog.keyword_texts()[1])  # what the model read, untimed
        return {"chunks": report.chunks_embedded, "seconds": round(seconds, 3),
                "ingest_chunks_per_s": round(report.chunks_embedded / seconds, 2),
                "wordpieces_per_chunk": round(sum(n + 2 for n in sizes) / max(len(sizes), 1), 1)}  # with [CLS]/[SEP]

    def reingest(self, name: str, folder: str) -> dict:
        """A second ingest of the same, unchanged folder by a fresh process-level Assistant."""
        started = time.perf_counter()
        report = self._assistant(name).ingest([Path(folder)])
        return {"reingest_s": round(time.perf_counter() - started, 3), "embedded": report.chunks_embedded,
                "unchanged": len(report.unchanged)}

    def open(self, name: str) -> dict:
        """Serve a corpus indexed earlier: load the model and index, as `footnote ask` does."""
        self.assistant = self._assistant(name)
        return {"chunks": self.assistant.status()["chunks"]}

    def rank(self, query: str, depth: int) -> list[str]:
        """Document ids in order of their best passage among the first `depth` passages."""
        from evals.metrics import ranked_documents

        question = self.assistant.question(query)
        return ranked_documents([(p.path, p.start, p.end) for p in self.assistant.retriever.retrieve(question, depth)])

    def ask(self, query: str) -> str:
        """A full answer: retrieval, sentence choice, citations."""
        return self.assistant.ask(query).answer


class Peer:
    """bench/peer_llamaindex.py's PeerPipeline, dense or hybrid."""

    def __init__(self, variant: str, work: Path) -> None:
        self.variant, self.work = variant, work
        self.pipe: Any = None

    def ingest(self, name: str, evalsets: str = "", questions: int = 0, docs: int = 0, **_: Any) -> dict:
        """Cold ingest (the peer always rebuilds); the BM25 build is timed apart for the dense variant."""
        from peer_llamaindex import PeerPipeline, load_text_folder

        pipe = PeerPipeline(self.variant, self.work / name)
        if name == "sample":
            stats = pipe.ingest_documents(load_text_folder(corpora.SAMPLE_CORPUS))
        else:
            stats = pipe.ingest(corpora.load(name, Path(evalsets), questions, docs).docs)
        dense_seconds = stats["seconds"] - stats["bm25_seconds"]
        return {"chunks": stats["chunks"], "seconds": round(stats["seconds"], 3),
                "ingest_chunks_per_s": round(stats["ingest_chunks_per_s"], 2),
                "dense_ingest_chunks_per_s": round(stats["chunks"] / dense_seconds, 2)}

    def open(self, name: str) -> dict:
        """Load the persisted index, as the peer script's coldstart mode does."""
        from peer_llamaindex import PeerPipeline

        self.pipe = PeerPipeline(self.variant, self.work / name)
        self.pipe.load()
        return {}

    def rank(self, query: str, depth: int) -> list[str]:
        """Document ids, best first (the peer dedupes chunk hits to documents itself)."""
        return [doc for doc, _ in self.pipe.retrieve(query, depth)]

    def ask(self, query: str) -> list[str]:
        """Retrieval alone, at the peer's latency depth (it has no answer step)."""
        from peer_llamaindex import LATENCY_K

        return [doc for doc, _ in self.pipe.retrieve(query, LATENCY_K)]


def main() -> None:
    """Serve requests until `quit` or end of input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("system", choices=("ours", "peer-dense", "peer-hybrid"))
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--models", type=Path)
    parser.add_argument("--precision", default="int8")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    replies, sys.stdout = sys.stdout, sys.stderr  # libraries that print must not corrupt the protocol
    if args.system == "ours":
        system: Any = Ours(args.work, args.models, args.precision, args.threads)
    else:
        system = Peer(args.system.removeprefix("peer-"), args.work)
    for line in sys.stdin:
        request = json.loads(line)
        op = request.pop("op")
        if op == "quit":
            break
        started = time.perf_counter()
        try:
            result = round(peak_rss_mb(), 1) if op == "rss" else getattr(system, op)(**request)
            reply = {"result": result, "ms": (time.perf_counter() - started) * 1000}
        except Exception as error:  # reported to the orchestrator, which stops the run
            reply = {"error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
