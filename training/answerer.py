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

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.extractive import gather_candidates, pick_sentences
from assistant.features import QUESTION_FEATURES, SENTENCE_FEATURES, QuestionTerms, question_features, \
    sentence_features
from assistant.pipeline import Assistant
from assistant.scorer import WEIGHTS_FILE, LogisticScorer
from assistant.settings import Settings
from assistant.word_similarity import WordSimilarity
from evals.importers.common import read_jsonl
from evals.importers.squad import read_articles

from training import datasets

TOP_K = 5
SOURCE_SHARE = {"squad": 0.6, "rgb": 0.2, "squad2": 0.2}
# What one extra quoted sentence must buy in answer accuracy to be worth the reader's time.
EXTRA_SENTENCE_COST = 0.15


@dataclass(frozen=True)
class Probe:
    """A question put to one corpus, with where its answer is (None when it is not there)."""

    source: str
    split: str
    question: str
    assistant: Assistant
    gold_path: str | None
    spans: tuple[tuple[int, int], ...] = ()
    answers: tuple[str, ...] = ()
    exclude_prefix: str | None = None

    @property
    def answerable(self) -> bool:
        """Whether the corpus this probe asks holds the answer."""
        return self.gold_path is not None or bool(self.answers)


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


def _assistant(work: Path, name: str, folder: Path) -> Assistant:
    assistant = Assistant(Settings().replace(data_dir=work / "index", collection=name))
    report = assistant.ingest([folder])
    print(name, report.summary(), flush=True)
    return assistant


def squad_probes(path: Path, work: Path, per_article: int) -> list[Probe]:
    """Per-article corpora; each sampled question in scope of its article, out of scope of the next."""
    articles = read_articles(path)
    assistants, questions = [], []
    for a, article in enumerate(articles):
        folder = work / "squad" / f"a{a:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        asked = []
        for p, paragraph in enumerate(article["paragraphs"]):
            (folder / f"p{p:03d}.txt").write_text(paragraph["context"])
            for qa in paragraph["qas"]:
                spans = tuple((x["answer_start"], x["answer_start"] + len(x["text"])) for x in qa["answers"])
                answers = tuple(sorted({x["text"] for x in qa["answers"]}))
                asked.append((qa["question"], f"{folder.as_posix()}/p{p:03d}.txt", spans, answers))
        assistants.append(_assistant(work, f"squad-a{a:02d}", folder))
        questions.append(random.Random(a).sample(asked, min(per_article, len(asked))))
    probes = []
    for a, asked in enumerate(questions):
        split = "train" if a % 2 == 0 else "test"
        other = (a + 2) % len(articles)  # same parity: out-of-scope probes stay inside their split
        for question, gold, spans, answers in asked:
            probes.append(Probe("squad", split, question, assistants[a], gold, spans))
            probes.append(Probe("squad", split, question, assistants[a], None, answers=answers, exclude_prefix=gold))
            probes.append(Probe("squad", split, question, assistants[other], None))
    return probes


def rgb_probes(path: Path, work: Path) -> list[Probe]:
    """One news corpus of all snippets; each question with and without its own snippets."""
    rows = read_jsonl(path)
    folder = work / "rgb"
    folder.mkdir(parents=True, exist_ok=True)
    for row in rows:
        for kind in ("positive", "negative"):
            for i, text in enumerate(row[kind]):
                (folder / f"q{row['id']:03d}_{kind[:3]}{i}.txt").write_text(text)
    assistant = _assistant(work, "rgb", folder)
    probes = []
    for i, row in enumerate(rows):
        split = "train" if i < len(rows) // 2 else "test"
        answers = row["answer"] if isinstance(row["answer"], list) else [row["answer"]]
        answers = [a for group in answers for a in (group if isinstance(group, list) else [group])]
        prefix = f"{folder.as_posix()}/q{row['id']:03d}_"
        probes.append(Probe("rgb", split, row["query"], assistant, None, answers=tuple(answers)))
        probes.append(Probe("rgb", split, row["query"], assistant, None, answers=tuple(answers), exclude_prefix=prefix))
    return probes


def squad2_probes(path: Path, work: Path) -> list[Probe]:
    """One corpus of the sample's contexts; impossible questions are unanswerable near misses."""
    rows = read_jsonl(path)
    folder = work / "squad2"
    folder.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for row in rows:
        names.setdefault(row["context"], f"c{len(names):03d}.txt")
        (folder / names[row["context"]]).write_text(row["context"])
    assistant = _assistant(work, "squad2", folder)
    probes = []
    for i, row in enumerate(rows):
        context = row["context"]
        spans = tuple((context.find(a), context.find(a) + len(a)) for a in row["answers"] if a in context)
        probes.append(Probe("squad2", "train" if i < len(rows) // 2 else "test", row["question"], assistant,
                            None if row["is_impossible"] else f"{folder.as_posix()}/{names[context]}", spans))
    return probes


def _labels(probe: Probe, candidates: list) -> np.ndarray:
    if not probe.answerable:
        return np.zeros(len(candidates), dtype=bool)
    if probe.answers:  # gold known as answer strings, not spans
        pattern = re.compile("|".join(rf"\b{re.escape(a)}\b" for a in probe.answers), re.IGNORECASE)
        return np.array([bool(pattern.search(c.text)) for c in candidates], dtype=bool)
    return np.array([c.path == probe.gold_path and any(c.start <= s and e <= c.end for s, e in probe.spans)
                     for c in candidates], dtype=bool)


def build_example(probe: Probe, similarity: WordSimilarity) -> Example | None:
    """Retrieve as the product does and label the candidate sentences; None when unusable."""
    question = probe.assistant.question(probe.question)
    passages = probe.assistant.retriever.retrieve(question, 40 if probe.exclude_prefix else TOP_K)
    if probe.exclude_prefix:
        passages = [p for p in passages if not p.path.startswith(probe.exclude_prefix)][:TOP_K]
    candidates = gather_candidates(passages)
    labels = _labels(probe, candidates)
    if probe.answerable and not labels.any() and not probe.exclude_prefix:
        return None  # retrieval missed the answer: neither a clean positive nor a true negative
    return Example(probe.source, probe.split,
                   sentence_features(question.terms, question.embedded.vector, candidates, similarity), labels,
                   passages, question.terms, bool(labels.any()))


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


def main() -> int:
    """Build the training data, fit both scorers, print held-out figures, write the weights."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evalsets", type=Path, default=datasets.EVALSETS)
    parser.add_argument("--work", type=Path, default=Path("/tmp/footnote-train"))
    parser.add_argument("--per-article", type=int, default=120, help="SQuAD questions sampled per article")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args()

    probes = (squad_probes(args.evalsets / "squad-v1.1/dev-half-a.json", args.work, args.per_article)
              + rgb_probes(args.evalsets / "rgb/en_fact.jsonl", args.work)
              + squad2_probes(args.evalsets / "squad-v2-sample/sample-a.jsonl", args.work))
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
