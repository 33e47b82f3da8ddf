"""Fits assistant/ranker_weights.json on the SciFact and SQuAD dev splits, listwise over documents.

    .venv/bin/python -m training.ranker [--work DIR] [--evalsets DIR] [--check]

Each question's candidate pool comes from HybridRetriever.pool, exactly as at answer time; a
document scores as its best chunk (a smooth maximum while fitting), and the loss is the cross-entropy
between the softmax over documents and the relevance grades. Questions and statements get weights
of their own (ranking.query_kind): the question weights learn from the ~4,400 questions of SQuAD dev
half A that `make bench` does not ask, so the bench's 1,000 are scored held out; the statement
weights learn from the SciFact claims. --check only prints two-fold cross-validated figures.
"""

import argparse
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from assistant import ranking
from assistant.pipeline import Assistant
from assistant.settings import Settings
from evals.docids import doc_id
from evals.importers.common import write_documents
from evals.metrics import ndcg_at, recall_at
from index.offline import enforce_offline

from training import datasets

POOL = 100  # candidates per retriever while fitting, as deep as the retrieval evals rank (recall@100)
SMOOTHNESS = 0.05  # temperature of the smooth maximum over a document's chunks
# L2 on weights in units of each feature's standard deviation, so no feature is penalised for its scale;
# each query kind takes the strength its own training questions favour in five-fold cross-validation.
L2_GRID = (1e-4, 1e-3)
FOLDS = 5


@dataclass(frozen=True)
class Question:
    """One question's pool: chunk features, the document of each chunk, and each document's grade."""

    kind: str  # ranking.query_kind of its text
    features: np.ndarray
    document: np.ndarray  # chunk -> index into grades
    grades: np.ndarray
    gold: object
    names: list[str]


def indexed(dataset: datasets.Dataset, work: Path) -> Assistant:
    """An assistant over the dataset's corpus, indexed incrementally under `work`."""
    folder = write_documents(dataset.documents, work / "corpora" / dataset.name)
    assistant = Assistant(Settings().replace(data_dir=work / dataset.name, models_dir=work / "models"))
    print(f"{dataset.name}: {assistant.ingest([folder]).summary()}", file=sys.stderr)
    return assistant


def collect(assistant: Assistant, dataset: datasets.Dataset) -> list[Question]:
    """Every question's pool, as the retriever builds it at answer time."""
    questions = []
    for question, gold in dataset.questions:
        found = assistant.retriever.pool(assistant.question(question), POOL)
        documents = [doc_id(c.path) for c in found.chunks]
        names = list(dict.fromkeys(documents))
        number = {n: i for i, n in enumerate(names)}
        grades = np.array([gold.get(n, 0) if isinstance(gold, dict) else float(n == gold) for n in names], float)
        questions.append(Question(ranking.query_kind(question), found.features,
                                  np.array([number[d] for d in documents]), grades, gold, names))
    return questions


def loss(weights: np.ndarray, questions: list[Question], l2: float) -> tuple[float, np.ndarray]:
    """Mean listwise cross-entropy over documents plus an L2 penalty of strength `l2`, and its gradient."""
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
    return total / used + l2 * weights @ weights, gradient / used + 2 * l2 * weights


def strengths(questions: list[Question]) -> dict[str, float]:
    """For each query kind, the L2 strength of L2_GRID that its questions favour in cross-validation."""
    chosen = {}
    for kind, asked in _by_kind(questions).items():
        scaled = _scaled(asked)[0]
        chosen[kind] = max(L2_GRID, key=lambda l2: _cross_validated_score(scaled, l2))
    return chosen


def fit(questions: list[Question], l2: dict[str, float]) -> dict[str, np.ndarray]:
    """Weights for each query kind present, minimising the listwise loss over that kind's questions."""
    weights = {}
    for kind, asked in _by_kind(questions).items():
        scaled, scale = _scaled(asked)
        weights[kind] = _minimise(scaled, l2[kind]) / scale
    return weights


def _by_kind(questions: list[Question]) -> dict[str, list[Question]]:
    return {kind: [q for q in questions if q.kind == kind]
            for kind in ranking.QUERY_KINDS if any(q.kind == kind for q in questions)}


def _scaled(questions: list[Question]) -> tuple[list[Question], np.ndarray]:
    """The questions with features in units of their standard deviation, and those units."""
    scale = np.vstack([q.features for q in questions]).std(axis=0) + 1e-9
    return [replace(q, features=q.features / scale) for q in questions], scale


def _minimise(questions: list[Question], l2: float) -> np.ndarray:
    return minimize(loss, np.zeros(questions[0].features.shape[1]), args=(questions, l2), jac=True,
                    method="L-BFGS-B").x


def _cross_validated_score(questions: list[Question], l2: float) -> float:
    """Mean over folds of the kind's first figure (nDCG@10 or hit@1), fitted on the other folds."""
    figures = []
    for fold in range(FOLDS):
        kept = [q for i, q in enumerate(questions) if i % FOLDS != fold]
        weights = {questions[0].kind: _minimise(kept, l2)}
        figures.append(next(iter(evaluate(weights, questions[fold::FOLDS]).values())))
    return float(np.mean(figures))


def evaluate(weights: dict[str, np.ndarray], questions: list[Question]) -> dict[str, float]:
    """SciFact nDCG@10 and SQuAD hit@1 / hit@5 of the documents ranked by their best chunk."""
    scores: dict[str, list[float]] = {}
    for q in questions:
        chunk_scores = q.features @ weights[q.kind]
        best = np.full(len(q.names), -np.inf)
        np.maximum.at(best, q.document, chunk_scores)
        ranked = [q.names[i] for i in np.argsort(-best, kind="stable")]
        if isinstance(q.gold, dict):
            scores.setdefault("scifact ndcg@10", []).append(ndcg_at(ranked, q.gold, 10))
        else:  # one gold paragraph: hit@k is its recall@k
            scores.setdefault("squad hit@1", []).append(recall_at(ranked, {q.gold: 1}, 1))
            scores.setdefault("squad hit@5", []).append(recall_at(ranked, {q.gold: 1}, 5))
    return {name: round(float(np.mean(values)), 4) for name, values in scores.items()}


def cross_validated(questions: list[Question], l2: dict[str, float]) -> dict[str, float]:
    """Two folds by question position (both sets and kinds in each fold), figures averaged."""
    folds = [[q for i, q in enumerate(questions) if i % 2 == side] for side in (0, 1)]
    halves = [evaluate(fit(folds[1 - side], l2), folds[side]) for side in (0, 1)]
    return {name: round((halves[0][name] + halves[1][name]) / 2, 4) for name in halves[0]}


def main() -> int:
    """Collect pools, report cross-validated and held-out figures, fit on the training questions, write the weights."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(".footnote-train"), help="indexes of the dev corpora")
    parser.add_argument("--evalsets", type=Path, default=datasets.EVALSETS)
    parser.add_argument("--check", action="store_true", help="cross-validate only; leave the weights alone")
    args = parser.parse_args()
    enforce_offline()
    started = time.perf_counter()
    scifact, (squad, squad_training) = datasets.scifact(args.evalsets), datasets.squad(args.evalsets)
    squad_assistant = indexed(squad, args.work)
    questions = collect(indexed(scifact, args.work), scifact) + collect(squad_assistant, squad_training)
    benched = collect(squad_assistant, squad)
    print(f"pools gathered in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    l2 = strengths(questions)
    print(f"L2 strength by {FOLDS}-fold cross-validation: {l2}")
    held_out = cross_validated(questions, l2)
    print(f"two-fold cross-validated: {held_out}")
    if args.check:
        return 0
    weights = fit(questions, l2)
    trained, benchmark = evaluate(weights, questions), evaluate(weights, benched)
    print(f"fitted on the training questions: {trained}")
    print(f"the bench's 1,000 SQuAD questions, never trained on: {benchmark}")
    for kind, values in weights.items():
        print(f"{kind} weights: " + ", ".join(f"{n} {w:.3f}" for n, w in zip(ranking.FEATURES, values)))
    ranking.WEIGHTS_FILE.write_text(json.dumps({
        "weights": {kind: {name: round(float(w), 4) for name, w in zip(ranking.FEATURES, values)}
                    for kind, values in weights.items()},
        "trained_on": {"question": "SQuAD v1.1 dev half A, the questions make bench does not ask",
                       "statement": "SciFact dev (train qrels)"},
        "pool": POOL, "l2": l2, "cross_validated": held_out, "fitted": trained,
        "bench_squad_held_out": benchmark}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
