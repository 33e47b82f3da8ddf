"""Fits the answerer's two scorers (which sentence answers; is the question answerable) on dev splits.

    .venv/bin/python -m training.answerer [--evalsets DIR] [--work DIR]

Training data, all from the dev splits in ../shared/evalsets (never from the held-out ones), shaped
like the product's use: a small folder of documents on one topic.
- SQuAD v1.1 dev half A, one corpus per article: a question asked of its own article is answerable
  (its candidate sentences are positive when they hold a gold answer span); asked of its article
  without the paragraph it was written on, it is a near miss (on topic; answerable only when
  another retrieved sentence still holds the answer); asked of another article, it is out of scope.
- RGB en_fact: news snippets, one corpus of all of them; a question asked without its own
  snippets is out of scope.
- SQuAD 2.0 sample A: unanswerable questions written against the very paragraph retrieved.
Even articles / the first half of each other set train; the rest is held out and gives the
reported figures. The weights land in assistant/answerer_weights.json.
"""

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.extractive import gather_candidates, pick_sentences
from assistant.features import QUESTION_FEATURES, SENTENCE_FEATURES, QuestionTerms, question_features, \
    sentence_features
from assistant.scorer import WEIGHTS_FILE, LogisticScorer
from assistant.word_similarity import WordSimilarity
from evals.importers.squad import read_articles

from training.probes import Probe, ask, probe_arguments, rgb_probes, squad2_probes, squad_probes

SOURCE_SHARE = {"squad": 0.6, "rgb": 0.2, "squad2": 0.2}
# What one extra quoted sentence must buy in answer accuracy to be worth the reader's time.
EXTRA_SENTENCE_COST = 0.15


def build_example(probe: Probe, similarity: WordSimilarity) -> "Example | None":
    """The probe asked as the product asks it, with its candidates' first-pass features; None when unusable."""
    asked = ask(probe)
    if asked is None:
        return None
    question, passages = asked.question, asked.passages
    rows = sentence_features(question.terms, question.embedded.vector, gather_candidates(passages), similarity)
    return Example(probe.source, probe.split, rows, np.array(asked.labels, dtype=bool), passages, question.terms,
                   any(asked.labels))


@dataclass
class Example:
    """One probe's candidate features and labels."""

    source: str
    split: str
    rows: np.ndarray
    labels: np.ndarray
    passages: list
    question: QuestionTerms
    answerable: bool


def fit(rows: np.ndarray, labels: np.ndarray, names: tuple[str, ...], weights: np.ndarray | None = None
        ) -> LogisticScorer:
    """Standardised logistic regression, exported as plain numbers."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = rows.mean(axis=0), rows.std(axis=0) + 1e-6
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit((rows - mean) / scale, labels, sample_weight=weights)
    return LogisticScorer(list(names), mean.tolist(), scale.tolist(), model.coef_[0].tolist(),
                          float(model.intercept_[0]))


def example_weights(examples: list[Example]) -> np.ndarray:
    """Weights giving each source its SOURCE_SHARE of the fit and each class half of every source,
    so the many SQuAD probes don't drown the news-like RGB ones."""
    weights = np.zeros(len(examples))
    for source, share in SOURCE_SHARE.items():
        for answerable in (True, False):
            members = [i for i, e in enumerate(examples) if e.source == source and e.answerable == answerable]
            weights[members] = share / 2 / max(len(members), 1)
    return weights * len(examples)


def answerable_rows(examples: list[Example], sentence: LogisticScorer, similarity: WordSimilarity
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Question-level features and labels, using the fitted sentence scorer."""
    rows = [question_features(e.question, e.passages, e.rows, sentence.probabilities(e.rows), similarity)
            for e in examples]
    return np.array(rows).reshape(len(examples), len(QUESTION_FEATURES)), np.array([e.answerable for e in examples])


def selection(examples: list[Example], sentence: LogisticScorer, ratio: float, limit: int) -> tuple[float, float]:
    """(share of answerable questions whose picked sentences include a gold one, mean sentences picked)."""
    hits, picked_total, total = 0, 0, 0
    for e in examples:
        if not e.answerable:
            continue
        picked = pick_sentences(sentence.probabilities(e.rows), ratio, limit)
        hits += bool(e.labels[picked].any())
        picked_total += len(picked)
        total += 1
    return hits / max(total, 1), picked_total / max(total, 1)


def best_ratio(examples: list[Example], sentence: LogisticScorer) -> float:
    """Runner-up threshold (relative to the best probability) that pays for its extra sentences."""
    def value(ratio: float) -> float:
        accuracy, sentences = selection(examples, sentence, ratio, 2)
        return accuracy - EXTRA_SENTENCE_COST * (sentences - 1)

    return max((0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0), key=value)


def report(examples: list[Example], sentence: LogisticScorer, answerable: LogisticScorer, ratio: float,
           similarity: WordSimilarity) -> dict:
    """Figures per source and overall: sentence selection and abstention quality."""
    from sklearn.metrics import roc_auc_score

    figures = {}
    for source in sorted({e.source for e in examples}) + ["all"]:
        chosen = [e for e in examples if source in ("all", e.source)]
        rows, labels = answerable_rows(chosen, sentence, similarity)
        p, truth = answerable.probabilities(rows), ~labels
        top1, _ = selection(chosen, sentence, 0.0, 1)
        picked, mean_picked = selection(chosen, sentence, ratio, 2)
        figures[source] = {
            "questions": len(chosen), "unanswerable": int(truth.sum()),
            "top1_sentence_accuracy": round(top1, 4), "picked_sentence_accuracy": round(picked, 4),
            "mean_sentences": round(mean_picked, 3),
            "abstain_auroc": round(float(roc_auc_score(truth, 1 - p)), 4) if 0 < truth.sum() < len(truth) else None,
            "abstention_by_threshold": {t: _abstention(p < t, truth) for t in (0.2, 0.25, 0.3, 0.4, 0.5)},
        }
    return figures


def _abstention(abstain: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Precision and recall of abstaining, against which questions were really unanswerable."""
    hits = float((abstain & truth).sum())
    return {"abstain_precision": round(hits / max(abstain.sum(), 1), 3), "abstain_recall": round(hits / max(truth.sum(), 1), 3)}


def _first_half(number: int, total: int, _: dict) -> str:
    return "train" if number < total // 2 else "test"


def main() -> int:
    """Build the training data, fit both scorers, print held-out figures, write the weights."""
    args = probe_arguments(__doc__, Path("/tmp/footnote-train"), WEIGHTS_FILE)

    squad = args.evalsets / "squad-v1.1/dev-half-a.json"
    probes = (squad_probes(squad, args.work, args.per_article, list(range(len(read_articles(squad)))))
              + rgb_probes(args.evalsets / "rgb/en_fact.jsonl", args.work, _first_half)
              + squad2_probes(args.evalsets / "squad-v2-sample/sample-a.jsonl", args.work, _first_half))
    similarity = WordSimilarity(args.work / "index" / "models")
    examples = [e for e in (build_example(p, similarity) for p in probes) if e is not None]
    train = [e for e in examples if e.split == "train"]
    test = [e for e in examples if e.split == "test"]

    sentence = fit(np.vstack([e.rows for e in train if e.answerable]),
                   np.concatenate([e.labels for e in train if e.answerable]), SENTENCE_FEATURES)
    ratio = best_ratio(train, sentence)
    answerable = fit(*answerable_rows(train, sentence, similarity), QUESTION_FEATURES, example_weights(train))
    weights = {"sentence": sentence.to_dict(), "answerable": answerable.to_dict(), "second_ratio": ratio}
    args.out.write_text(json.dumps(weights, indent=1) + "\n")
    print(json.dumps({"train": report(train, sentence, answerable, ratio, similarity),
                      "held_out": report(test, sentence, answerable, ratio, similarity), "second_ratio": ratio},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
