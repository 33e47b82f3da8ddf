"""The verifier: reads a question (or a claim) together with a sentence and says whether the sentence answers (supports) it.

A cross-encoder trained here from all-MiniLM-L6-v2 (`python -m training.train_verifier`). The shipped
weights (verifier_weights.npy) are checked against the sha256 in verifier_weights.json, built
once into an int8 ONNX graph in the models folder, and run by ONNX Runtime like the embedder.
"""

import json
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.batch_pool import BatchPool, one_core_session
from index.model_files import file_sha256, packaged_model_dir, verify_model_dir
from index.onnx_export import EXPORT_LOCK, INPUTS, export_graph, is_intact, quantize
from index.writer_lock import WriterLock

WEIGHTS_FILE = Path(__file__).with_name("verifier_weights.npy")
MANIFEST_FILE = Path(__file__).with_name("verifier_weights.json")
MAX_TOKENS = 160  # a question, one sentence and its context; the longer side is cut first (the context)
QUERY_CHARS = 300
CONTEXT_CHARS = 240  # of the title and the sentence before: who "he" is, what "it" was
# How the graph is built, in its file name, so a graph built another way is never reused: int8, with each
# residual Add and its LayerNorm apart (batch_pool.UNFUSED): a call of four pairs about 13% faster than fused.
GRAPH = "int8ln"
_FINISHED_GRAPH = re.compile(r"(footnote-verifier-[0-9a-f]{12}-int8\w*)\.(onnx|sha256\.json)")


class VerifierError(Exception):
    """The verifier's weights are missing or not the ones recorded for them."""


def question_text(question: str) -> str:
    """How the verifier reads a question (its first QUERY_CHARS characters: the sentence must fit beside it)."""
    return "question: " + " ".join(question.split())[:QUERY_CHARS]


def claim_text(claim: str) -> str:
    """How the verifier reads a claim (a sentence of a generated answer)."""
    return "claim: " + " ".join(claim.split())[:QUERY_CHARS]


def context_text(title: str, previous: str) -> str:
    """The context a sentence is read in: its document's title and the sentence before it."""
    return f"{title}. {previous}".strip(". ") if title else previous


def passage_text(sentence: str, context: str = "") -> str:
    """How the verifier reads a sentence: the sentence, then what comes before it (its document's
    title and previous sentence), which explains its pronouns and its subject."""
    context = " ".join(context.split())[-CONTEXT_CHARS:]
    return f"{' '.join(sentence.split())} [SEP] {context}" if context else " ".join(sentence.split())


class Verifier:
    """Probabilities that sentences answer a question, or support a claim.

    >>> verifier = Verifier(Path(".footnote/models"))
    >>> verifier.answers("How many operatives were expelled?", ["The expulsion of 37 operatives …", "He was sought …"])
    array([0.96…, 0.01…])
    >>> verifier.supports(["Mexico expelled 37 operatives.", "Mexico expelled 73 operatives."], [expulsion, expulsion])
    array([0.98…, 0.02…])
    """

    def __init__(self, models_dir: Path, threads: int = 0) -> None:
        self.models_dir = models_dir
        self._pool = BatchPool(threads, "verify")
        self._session = None
        self._tokenizer = _load_tokenizer()
        self._loading = threading.Lock()

    def answers(self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        """Per sentence, the probability that it answers the question (`contexts`: what precedes each)."""
        return sigmoid(self.logits([question_text(question)] * len(sentences), sentences, contexts))

    def supports(self, claims: Sequence[str], sentences: Sequence[str], contexts: Sequence[str] | None = None
                 ) -> np.ndarray:
        """Per (claim, sentence) pair, the probability that the sentence supports the claim: the pairs of
        a whole answer are read in one call, so they share the cores."""
        return sigmoid(self.logits([claim_text(c) for c in claims], sentences, contexts))

    def logits(self, queries: Sequence[str], sentences: Sequence[str], contexts: Sequence[str] | None = None
               ) -> np.ndarray:
        """Raw scores of (query, sentence) pairs, each query already in question_text/claim_text form."""
        if not len(sentences):
            return np.zeros(0, dtype=np.float32)
        passages = [passage_text(s, c) for s, c in zip(sentences, contexts or [""] * len(sentences))]
        encodings = self._tokenizer.encode_batch(list(zip(queries, passages)))
        session = self.session
        # Each pair runs alone, the pairs side by side on the cores. The int8 graph quantizes a batch's
        # activations with one scale, so a pair's score would shift with the pairs batched beside it (a
        # sentence at 0.50 alone read 0.37 among others); batches are no faster on these cores anyway.
        logits = self._pool.map(lambda encoding: session.run(None, _feed([encoding]))[0][0], encodings)
        return np.fromiter(logits, dtype=np.float32, count=len(encodings))

    def loaded(self) -> "Verifier":
        """This verifier with its session built now (not inside the first answer that needs it)."""
        _ = self.session
        return self

    @property
    def session(self):
        """The ONNX Runtime session, built from the shipped weights on first use."""
        with self._loading:
            if self._session is None:
                self._session = one_core_session(onnx_path(self.models_dir))
        return self._session


def manifest() -> dict:
    """What verifier_weights.json records: the weights' sha256 and layout, the network's depth, how they were trained."""
    if not (MANIFEST_FILE.is_file() and WEIGHTS_FILE.is_file()):
        raise VerifierError(f"the verifier's weights are missing ({WEIGHTS_FILE.name}); "
                            "reinstall Footnote or rebuild them with `python -m training.train_verifier`")
    return json.loads(MANIFEST_FILE.read_text())


def onnx_path(models_dir: Path) -> Path:
    """The int8 ONNX graph of the shipped weights, built (once) after checking their sha256."""
    recorded = manifest()
    target = models_dir / f"{_graph_name(recorded)}.onnx"
    if is_intact(target):
        return target
    if file_sha256(WEIGHTS_FILE) != recorded["sha256"]:
        raise VerifierError(f"refusing {WEIGHTS_FILE}: its sha256 is not the one recorded in {MANIFEST_FILE.name}")
    models_dir.mkdir(parents=True, exist_ok=True)
    fp32 = target.with_name(target.name.replace(f"-{GRAPH}", "-fp32"))
    with WriterLock(models_dir, EXPORT_LOCK).held():  # processes started together must not build it twice
        if not is_intact(target):
            export_graph(_loaded_net(recorded), fp32, "logits", {0: "batch"}, skip_layer_norm=False)
            quantize(fp32, target)
            fp32.unlink()
            fp32.with_suffix(".sha256.json").unlink()
    return target


def stale_graphs(models_dir: Path) -> list[Path]:
    """Verifier graphs (and their hash stamps) in `models_dir` that this version no longer runs: built from other
    weights or in another way (an older version sharing the folder rebuilds its own when it next starts)."""
    try:
        current = _graph_name(manifest())
    except VerifierError:  # without its weights no graph is known to be current; `footnote status` still answers
        return []
    # Finished int8 graphs only: a build under way (its fp32 and partial files) is not for pruning.
    return sorted(path for path in models_dir.glob("footnote-verifier-*")
                  if (found := _FINISHED_GRAPH.fullmatch(path.name)) and found.group(1) != current)


def _graph_name(recorded: dict) -> str:
    """The graph file name of the `recorded` weights, without its suffix (the graph and its hash stamp share it)."""
    return f"footnote-verifier-{recorded['sha256'][:12]}-{GRAPH}"


def _loaded_net(recorded: dict):
    """The torch network with the shipped weights, in eager attention (the form ONNX fuses)."""
    from assistant.verifier_net import VerifierNet, load_packed, unpack

    return unpack(VerifierNet(recorded["layers"], attention="eager"), load_packed(WEIGHTS_FILE, recorded["layout"])).eval()


def _load_tokenizer():
    from tokenizers import Tokenizer

    model_dir = packaged_model_dir()
    verify_model_dir(model_dir, ("tokenizer.json",))
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS, strategy="longest_first")
    return tokenizer


def _feed(encodings: list) -> dict[str, np.ndarray]:
    width = max(len(e.ids) for e in encodings)
    arrays = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in INPUTS}
    for row, e in enumerate(encodings):
        arrays["input_ids"][row, :len(e.ids)] = e.ids
        arrays["attention_mask"][row, :len(e.ids)] = 1
        arrays["token_type_ids"][row, :len(e.ids)] = e.type_ids
    return arrays


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Probabilities from the verifier's raw scores."""
    return 1.0 / (1.0 + np.exp(-logits))
