"""Fits assistant/ranker_weights.json on the SciFact and SQuAD dev splits, listwise over documents.

    .venv/bin/python bench/train_ranker.py [--work DIR] [--check]

Each question's candidate pool comes from HybridRetriever.pool, exactly as at answer time; a
document scores as its best chunk (a smooth maximum while fitting), and the loss is the cross-entropy
between the softmax over documents and the relevance grades. --check only prints two-fold
cross-validated figures (fit on half the questions of both sets, score the other half).
"""

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

import corpora
from index.offline import enforce_offline
from peer_llamaindex import hit_at_k, ndcg_at_10

from assistant import ranking
from assistant.pipeline import Assistant
from assistant.settings import Settings
from evals.docids import doc_id

POOL = 100  # candidates per retriever while fitting, as deep as the retrieval evals rank (recall@100)
SMOOTHNESS = 0.05  # temperature of the smooth maximum over a document's chunks
L2 = 1e-3


@dataclass(frozen=True)
class Question:
    """One question's pool: chunk features, the document of each chunk, and each document's grade."""

    dataset: str
    features: np.ndarray
    document: np.ndarray  # chunk -> index into grades
    grades: np.ndarray
    gold: object
    names: list[str]


def collect(name: str, work: Path, evalsets: Path) -> list[Question]:
    """Index the dev corpus (incrementally) and gather every question's pool."""
    dataset = corpora.load(name, evalsets)
    folder = corpora.write_corpus(dataset.docs, work / "corpora" / name)
    assistant = Assistant(Settings().replace(data_dir=work / name, models_dir=work / "models"))
    print(f"{name}: {assistant.ingest([folder]).summary()}", file=sys.stderr)
    questions = []
    for question, gold in dataset.questions:
        found = assistant.retriever.pool(question, assistant.corpus.embed_query(question), POOL)
        documents = [doc_id(c.path) for c in found.chunks]
        names = list(dict.fromkeys(documents))
        number = {n: i for i, n in enumerate(names)}
        grades = np.array([gold.get(n, 0) if isinstance(gold, dict) else float(n == gold) for n in names], float)
        questions.append(Question(name, found.features, np.array([number[d] for d in documents]), grades, gold, names))
    return questions


def loss(weights: np.ndarray, questions: list[Question]) -> tuple[float, np.ndarray]:
    """Mean listwise cross-entropy over documents, and its gradient."""
    total, gradient, used = 0.0, np.zeros_like(weights), 0
    for q in questions:
        if not q.grades.any():
            continue
        used += 1
        scores = q.features @ weights / SMOOTHNESS
        peak = np.full(len(q.grades), -np.inf)
        np.maximum.at(peak, q.document, scores)
        share = np.exp(scores - peak[q.document])
        norm = np.zeros(len(q.grades))
        np.add.at(norm, q.document, share)
        document_scores = SMOOTHNESS * (peak + np.log(norm))
        document_features = np.zeros((len(q.grades), len(weights)))
        np.add.at(document_features, q.document, q.features * (share / norm[q.document])[:, None])
        logits = document_scores - document_scores.max()
        p = np.exp(logits) / np.exp(logits).sum()
        target = q.grades / q.grades.sum()
        total -= float(target @ np.log(p + 1e-12))
        gradient -= document_features.T @ (target - p)
    return total / used + L2 * weights @ weights, gradient / used + 2 * L2 * weights


def fit(questions: list[Question]) -> np.ndarray:
    """Weights that minimise the listwise loss."""
    return minimize(loss, np.zeros(len(ranking.FEATURES)), args=(questions,), jac=True, method="L-BFGS-B").x


def evaluate(weights: np.ndarray, questions: list[Question]) -> dict[str, float]:
    """SciFact nDCG@10 and SQuAD hit@1 / hit@5 of the documents ranked by their best chunk."""
    scores: dict[str, list[float]] = {}
    for q in questions:
        chunk_scores = q.features @ weights
        best = np.full(len(q.names), -np.inf)
        np.maximum.at(best, q.document, chunk_scores)
        ranked = [q.names[i] for i in np.argsort(-best, kind="stable")]
        if isinstance(q.gold, dict):
            scores.setdefault("scifact ndcg@10", []).append(ndcg_at_10(ranked, q.gold))
        else:
            scores.setdefault("squad hit@1", []).append(hit_at_k(ranked, q.gold, 1))
            scores.setdefault("squad hit@5", []).append(hit_at_k(ranked, q.gold, 5))
    return {name: round(float(np.mean(values)), 4) for name, values in scores.items()}


def cross_validated(questions: list[Question]) -> dict[str, float]:
    """Two folds by question position (both sets in each fold), figures averaged."""
    folds = [[q for i, q in enumerate(questions) if i % 2 == side] for side in (0, 1)]
    halves = [evaluate(fit(folds[1 - side]), folds[side]) for side in (0, 1)]
    return {name: round((halves[0][name] + halves[1][name]) / 2, 4) for name in halves[0]}


def main() -> int:
    """Collect pools, report cross-validated figures, fit on everything and write the weights."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(".footnote-train"), help="indexes of the dev corpora")
    parser.add_argument("--evalsets", type=Path, default=corpora.EVALSETS)
    parser.add_argument("--check", action="store_true", help="cross-validate only; leave the weights alone")
    args = parser.parse_args()
    enforce_offline()
    started = time.perf_counter()
    questions = [q for name in ("scifact", "squad") for q in collect(name, args.work, args.evalsets)]
    print(f"pools gathered in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    held_out = cross_validated(questions)
    print(f"two-fold cross-validated: {held_out}")
    if args.check:
        return 0
    weights = fit(questions)
    trained = evaluate(weights, questions)
    print(f"fitted on all dev questions: {trained}")
    print("weights: " + ", ".join(f"{n} {w:.3f}" for n, w in zip(ranking.FEATURES, weights)))
    ranking.WEIGHTS_FILE.write_text(json.dumps({
        "weights": {name: round(float(w), 4) for name, w in zip(ranking.FEATURES, weights)},
        "trained_on": "SciFact dev (train qrels) + SQuAD v1.1 dev half A (1,000 questions)",
        "pool": POOL, "cross_validated": held_out, "fitted": trained}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
