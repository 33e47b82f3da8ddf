"""One system under test in its own process (so memory and cold caches are its own), driven by JSON lines.

    python bench/worker.py {ours,peer-dense,peer-hybrid} --work DIR [--models DIR --precision int8 --threads 1]

Each stdin line is {"op": ..., ...}; each stdout line {"result": ..., "ms": ...} or {"error": ...}.
Ops: ingest, reingest, open, rank, ask, add_file, remove_file, rss, quit. Corpora are named: scifact
and squad are read from the eval sets (the peer gives it titles), any other name from `folder`.
"""

import argparse
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import corpora
from measure import peak_rss_mb


class Ours:
    """Footnote through its public facade: Assistant.ingest / Assistant.ask / HybridRetriever.retrieve."""

    def __init__(self, work: Path, models: Path, precision: str, threads: int, chroma_port: int = 0) -> None:
        from index.offline import enforce_offline

        enforce_offline()
        self.work, self.models, self.precision, self.threads = work, models, precision, threads
        self.chroma = {"chroma_host": "127.0.0.1", "chroma_port": chroma_port} if chroma_port else {}
        self.assistant: Any = None

    def _assistant(self, name: str) -> Any:
        from assistant.pipeline import Assistant
        from assistant.settings import Settings

        settings = Settings().replace(data_dir=self.work / name, models_dir=self.models, precision=self.precision,
                                      threads=self.threads, **self.chroma)
        return Assistant(settings)

    def ingest(self, name: str, folder: str, wordpieces: bool = True, **_: Any) -> dict:
        """Cold ingest of a corpus folder into a fresh data folder (`wordpieces`: also count what the
        model read, untimed; a scale run leaves that out, it would read every passage back)."""
        assistant = self._assistant(name)
        started = time.perf_counter()
        report = assistant.ingest([Path(folder)])
        seconds = time.perf_counter() - started
        if report.failed:
            raise RuntimeError(f"ingest failed for {len(report.failed)} files: {next(iter(report.failed.items()))}")
        stats = {"chunks": report.chunks_embedded, "documents": len(report.added), "seconds": round(seconds, 3),
                 "ingest_chunks_per_s": round(report.chunks_embedded / seconds, 2)}
        if wordpieces:
            corpus = assistant.corpus
            sizes = corpus.embedder.count_tokens(corpus.catalog.keyword_texts()[1])
            stats["wordpieces_per_chunk"] = round(sum(n + 2 for n in sizes) / max(len(sizes), 1), 1)  # [CLS]/[SEP]
        return stats

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

    def add_file(self, path: str, folder: str) -> str:
        """Index one more file into the open corpus; its document key."""
        report = self.assistant.ingest([Path(path)])
        if report.failed or not report.added:
            raise RuntimeError(f"adding {path}: {report.summary()} {report.failed}")
        return report.added[0]

    def remove_file(self, key: str) -> bool:
        """Forget one document of the open corpus."""
        return self.assistant.remove(key)


class Peer:
    """bench/peer_llamaindex.py's PeerPipeline, dense or hybrid."""

    def __init__(self, variant: str, work: Path) -> None:
        self.variant, self.work = variant, work
        self.pipe: Any = None

    def ingest(self, name: str, folder: str = "", evalsets: str = "", questions: int = 0, docs: int = 0,
               **_: Any) -> dict:
        """Cold ingest (the peer always rebuilds); the BM25 build is timed apart for the dense variant."""
        from peer_llamaindex import PeerPipeline, load_text_folder

        pipe = PeerPipeline(self.variant, self.work / name)
        if name in corpora.DATASETS:
            stats = pipe.ingest(corpora.load(name, Path(evalsets), questions, docs).docs)
        else:
            stats = pipe.ingest_documents(load_text_folder(Path(folder)))
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

    def add_file(self, path: str, folder: str) -> str:
        """Index one more file as the llama-index docs show; its document id."""
        from peer_llamaindex import load_text_files

        documents = load_text_files([Path(path)], Path(folder))
        self.pipe.add_documents(documents)
        return documents[0].id_

    def remove_file(self, key: str) -> bool:
        """Forget one document."""
        self.pipe.remove_document(key)
        return True


def main() -> None:
    """Serve requests until `quit` or end of input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("system", choices=("ours", "peer-dense", "peer-hybrid"))
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--models", type=Path)
    parser.add_argument("--precision", default="int8")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--chroma-port", type=int, default=0, help="ours: a Chroma server on 127.0.0.1 (0: embedded)")
    args = parser.parse_args()
    replies, sys.stdout = sys.stdout, sys.stderr  # libraries that print must not corrupt the protocol
    if args.system == "ours":
        system: Any = Ours(args.work, args.models, args.precision, args.threads, args.chroma_port)
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
