"""Embeds text with all-MiniLM-L6-v2 on the CPU: ONNX Runtime (int8 or fp32) or sentence-transformers."""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index import token_vectors
from index.batch_pool import BatchPool, one_core_session
from index.model_files import MAX_TOKENS, packaged_model_dir
from index.vectors import unit

PRECISIONS = ("int8", "fp32", "torch")
# Tokens per batch (padded length x rows): a few chunks, so activations stay in cache (measured here:
# 512 embeds SciFact chunks a quarter faster than 8192; batches this size lose nothing to overhead).
TOKEN_BUDGET = 512


@dataclass(frozen=True)
class EmbeddedQuery:
    """A question's unit vector, and its word-pieces' compressed vectors with their character spans."""

    vector: np.ndarray
    tokens: np.ndarray  # (word-pieces x token_vectors.DIMENSIONS), unit rows
    token_spans: list[tuple[int, int]]


class Embedder:
    """Turns texts into unit-length 384-d vectors.

    >>> embedder = Embedder(cache_dir=Path(".footnote/models"))
    >>> embedder.embed(["How many operatives were expelled?"]).shape
    (1, 384)
    """

    dimension = 384

    def __init__(self, cache_dir: Path, precision: str = "int8", threads: int = 0,
                 model_dir: Path | None = None) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        self.model_dir = model_dir or packaged_model_dir()
        self.precision = precision
        from index.onnx_export import model_name

        self.name = model_name(precision)
        self._tokenizer = _load_tokenizer(self.model_dir)
        self._untruncated = None
        self._cache_dir, self._threads = cache_dir, threads
        _single_threaded_blas()
        self._runner = None
        self._pool = BatchPool(threads, "embed")
        self._loading = threading.Lock()  # an ingest and a question may both be first to need the session

    @property
    def _run(self):
        """The inference session, loaded on first use: an ingest with nothing new never needs it."""
        with self._loading:
            if self._runner is None:
                load = _torch_runner if self.precision == "torch" else _onnx_runner
                self._runner = load(self.model_dir, self._cache_dir, self.precision, self._threads)
        return self._runner

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word-pieces of each text, without the [CLS]/[SEP] the model adds."""
        return [len(e.ids) - 2 for e in self._tokenizer.encode_batch(list(texts))]

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each word-piece of `text`, however long."""
        with self._loading:
            if self._untruncated is None:
                # A tokenizer of its own: toggling truncation on the shared one races with queries.
                untruncated = _load_tokenizer(self.model_dir)
                untruncated.no_truncation()
                self._untruncated = untruncated
        return [span for span in self._untruncated.encode(text).offsets if span != (0, 0)]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text, in input order."""
        return self.embed_with_spans(texts, [[] for _ in texts])[0]

    def embed_query(self, text: str) -> EmbeddedQuery:
        """A question's vector and its word-pieces' vectors, from one forward pass."""
        vectors, _, tokens = self.embed_with_spans([text], [[]])
        spans = [(start, end) for start, end in self._tokenizer.encode(text).offsets if end > start]
        return EmbeddedQuery(vectors[0], token_vectors.expand(tokens[0]), spans)

    def word_piece_states(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each text's contextual word-piece vectors before compression (384-d, without [CLS]/[SEP]):
        what token_vectors.fit_projection learns its directions from."""
        states = []
        for text, encoding in zip(texts, self._tokenizer.encode_batch(list(texts))):
            hidden, _ = self._run([text], [encoding])
            states.append(hidden[0][_pieces_in(encoding.offsets, [])])
        return states

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                         on_batch: Callable[[int], None] | None = None
                         ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Vectors of each text, of each (start, end) character span inside it, and of each content
        word-piece inside the spans (all word-pieces when a text has no span), compressed to int8
        (token_vectors.to_bytes stores them as int4).

        A span's vector pools the text's contextual token vectors over the span ("late
        chunking"): sentence vectors come free with the chunk's forward pass instead of costing
        a second one, and so do the word-piece vectors. `on_batch(n)` reports progress.
        """
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[np.ndarray] = [np.zeros((len(s), self.dimension), np.float32) for s in spans]
        pieces: list[np.ndarray] = [np.zeros((0, token_vectors.DIMENSIONS), np.int8) for _ in texts]
        encodings = self._tokenizer.encode_batch(list(texts)) if texts else []
        # Length-sorted batches: similar lengths pad little, so no work is spent on padding.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        run = self._run

        def embed_batch(batch: list[int]) -> tuple[list[int], np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
            batch_encodings = [encodings[i] for i in batch]
            hidden, mask = run([texts[i] for i in batch], batch_encodings)
            return batch, _mean_pool(hidden, mask), [
                (_pool_spans(hidden[row], batch_encodings[row].offsets, spans[i]),
                 token_vectors.compress(hidden[row][_kept_pieces(texts[i], batch_encodings[row].offsets, spans[i])]))
                for row, i in enumerate(batch)]

        batches = _batches(order, encodings)
        for batch, pooled, per_text in self._map(embed_batch, batches):
            vectors[batch] = pooled
            for i, (span_rows, piece_rows) in zip(batch, per_text):
                span_vectors[i], pieces[i] = span_rows, piece_rows
            if on_batch:
                on_batch(len(batch))
        return vectors, span_vectors, pieces

    def content_rows(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                     ) -> list[tuple[int, np.ndarray]]:
        """Per text, how many word-pieces lie inside its spans, and which of them (as rows among those)
        are its content words' — the rows embed_with_spans keeps; the tokenizer alone, no model run."""
        rows = []
        for text, encoding, text_spans in zip(texts, self._tokenizer.encode_batch(list(texts)), spans):
            every = _pieces_in(encoding.offsets, text_spans)
            rows.append((len(every), np.searchsorted(every, _kept_pieces(text, encoding.offsets, text_spans))))
        return rows

    def _map(self, function: Callable, batches: list[list[int]]):
        """Batches in input order, one per core at a time (torch parallelises inside a batch instead)."""
        return map(function, batches) if self.precision == "torch" else self._pool.map(function, batches)


@lru_cache(maxsize=1)
def _single_threaded_blas() -> None:
    """Keep numpy's BLAS on the calling thread, process-wide. The embedder's own threads already fill
    the cores, and OpenBLAS threads spinning between the small word-piece projections took them from
    ONNX Runtime: SciFact ingest fell from 53 to 36 chunks/s (52 with this). Serving wants one
    thread per process anyway."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def _batches(order: list[int], encodings: list) -> list[list[int]]:
    batches, current = [], []
    for index in order:
        length = len(encodings[index].ids)
        if current and length * (len(current) + 1) > TOKEN_BUDGET:
            batches.append(current)
            current = []
        current.append(index)
    return batches + ([current] if current else [])


def _load_tokenizer(model_dir: Path):
    from tokenizers import Tokenizer

    from index.model_files import verify_model_dir

    verify_model_dir(model_dir, ("tokenizer.json",))
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


def _padded(encodings: list) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return ids, mask


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    return unit((hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None))


def _pool_spans(hidden: np.ndarray, offsets: list[tuple[int, int]],
                spans: Sequence[tuple[int, int]]) -> np.ndarray:
    pooled = np.zeros((len(spans), hidden.shape[-1]), dtype=np.float32)
    starts = np.array([s for s, _ in offsets])
    ends = np.array([e for _, e in offsets])
    real = ends > starts  # [CLS], [SEP] and padding have empty offsets
    for row, (start, end) in enumerate(spans):
        inside = real & (starts >= start) & (ends <= end)
        if inside.any():
            pooled[row] = hidden[: len(offsets)][inside].mean(axis=0)
    return unit(pooled)


def _kept_pieces(text: str, offsets: list[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """The word-pieces whose vectors are kept: a chunk's content word-pieces inside its spans; a question's
    (no spans) every one, as ranking.question_pieces picks its own."""
    pieces = _pieces_in(offsets, spans)
    return token_vectors.content_pieces(text, offsets, pieces) if len(spans) else pieces


def _pieces_in(offsets: list[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Which word-pieces lie inside the spans (every real one when there are none): a chunk's own
    words, not the title line in front of them nor [CLS]/[SEP]."""
    starts = np.array([s for s, _ in offsets])
    ends = np.array([e for _, e in offsets])
    inside = ends > starts
    if len(spans):
        inside &= np.any([(starts >= s) & (ends <= e) for s, e in spans], axis=0)
    return np.flatnonzero(inside)


def _onnx_runner(model_dir: Path, cache_dir: Path, precision: str, threads: int):
    from index.onnx_export import onnx_model_path

    session = one_core_session(onnx_model_path(model_dir, cache_dir, precision))

    def run(texts: list[str], encodings: list) -> np.ndarray:
        ids, mask = _padded(encodings)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return session.run(None, feed)[0], mask

    return run


def _torch_runner(model_dir: Path, cache_dir: Path, precision: str, threads: int):
    import torch
    from sentence_transformers import SentenceTransformer

    from index.model_files import verify_model_dir

    verify_model_dir(model_dir)
    if threads:
        torch.set_num_threads(threads)
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)

    def run(texts: list[str], encodings: list) -> tuple[np.ndarray, np.ndarray]:
        outputs = model.encode(texts, batch_size=len(texts), output_value=None, convert_to_numpy=False)
        _, mask = _padded(encodings)
        hidden = np.zeros((*mask.shape, Embedder.dimension), dtype=np.float32)
        for row, output in enumerate(outputs):
            tokens = output["token_embeddings"].numpy()
            hidden[row, : len(tokens)] = tokens[: mask.shape[1]]
        return hidden, mask

    return run
