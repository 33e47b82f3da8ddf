"""Fits the answerer's two scorers (which sentence answers; is the question answerable) on dev splits.

Usage: python -m evals.train_answerer --evalsets ../shared/evalsets --work /tmp/footnote-train

Training data, all from the dev splits in ../shared/evalsets (never from the held-out ones):
- SQuAD v1.1 dev half A as an open corpus of paragraphs: candidate sentences from the retrieved
  passages, positive when they contain a gold answer span. The same questions asked with their own
  article removed from the results are unanswerable (out of scope, as most real misses are).
- SQuAD 2.0 sample A: its unanswerable questions, asked over a corpus of its contexts.
Articles with an even index train; odd ones (and the second half of the SQuAD 2.0 sample) are kept
out and give the reported figures. The weights land in assistant/answerer_weights.json.
"""

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.extractive import gather_candidates
from assistant.features import QUESTION_FEATURES, SENTENCE_FEATURES, QuestionTerms, idf_weights, \
    question_features, sentence_features
from assistant.pipeline import Assistant
from assistant.scorer import WEIGHTS_FILE, LogisticScorer
from assistant.settings import Settings

TOP_K = 5


@dataclass
class Example:
    """One question with its candidate features and labels."""

    split: str
    rows: np.ndarray
    labels: np.ndarray
    passages: list
    question: QuestionTerms
    idf: dict
    answerable: bool


def squad_questions(path: Path, corpus_dir: Path) -> list[dict]:
    """Write each paragraph as a file; return questions with gold spans in those files."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    questions = []
    for a, article in enumerate(json.loads(path.read_text())["data"]):
        for p, paragraph in enumerate(article["paragraphs"]):
            name = f"a{a:02d}_p{p:03d}.txt"
            (corpus_dir / name).write_text(paragraph["context"])
            for qa in paragraph["qas"]:
                spans = [(x["answer_start"], x["answer_start"] + len(x["text"])) for x in qa["answers"]]
                questions.append({"question": qa["question"], "file": name, "article": f"a{a:02d}_",
                                  "spans": spans, "split": "train" if a % 2 == 0 else "test"})
    return questions


def squad2_questions(path: Path, corpus_dir: Path) -> list[dict]:
    """Write each distinct context as a file; answer spans are found by searching the text."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    names: dict[str, str] = {}
    questions = []
    for i, row in enumerate(rows):
        name = names.setdefault(row["context"], f"c{len(names):03d}.txt")
        (corpus_dir / name).write_text(row["context"])
        spans = [(row["context"].find(a), row["context"].find(a) + len(a)) for a in row["answers"]
                 if row["context"].find(a) >= 0]
        questions.append({"question": row["question"], "file": name, "article": None, "spans": spans,
                          "impossible": row["is_impossible"], "split": "train" if i < len(rows) // 2 else "test"})
    return questions


def build_examples(assistant: Assistant, corpus_dir: Path, questions: list[dict],
                   out_of_scope: bool) -> list[Example]:
    """Retrieve for each question and turn its candidate sentences into labelled rows."""
    examples = []
    prefix = corpus_dir.as_posix()
    for q in questions:
        vector = assistant.corpus.embed_query(q["question"])
        passages = assistant.retriever.retrieve(q["question"], 40 if out_of_scope else TOP_K, vector)
        gold_path = f"{prefix}/{q['file']}"
        variants = [("in", passages[:TOP_K])]
        if out_of_scope:
            others = [p for p in passages if not p.path.startswith(f"{prefix}/{q['article']}")]
            variants.append(("out", others[:TOP_K]))
        for kind, chosen in variants:
            candidates = gather_candidates(assistant.corpus, chosen)
            terms = QuestionTerms.parse(q["question"])
            n, freq = assistant.corpus.keywords.document_frequencies(list(terms.weights))
            idf = idf_weights(terms, n, freq)
            labels = np.array([c.path == gold_path and any(c.start <= s and e <= c.end for s, e in q["spans"])
                               for c in candidates], dtype=bool) if kind == "in" else np.zeros(len(candidates), bool)
            answerable = kind == "in" and not q.get("impossible", False) and bool(labels.any())
            if kind == "in" and not q.get("impossible", False) and not labels.any():
                continue  # retrieval missed: neither a clean positive nor a true negative
            examples.append(Example(q["split"], sentence_features(terms, idf, vector, candidates), labels,
                                    chosen, terms, idf, answerable))
    return examples


def fit(rows: np.ndarray, labels: np.ndarray, names: tuple[str, ...], balanced: bool) -> LogisticScorer:
    """Standardised logistic regression, exported as plain numbers."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = rows.mean(axis=0), rows.std(axis=0) + 1e-6
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced" if balanced else None)
    model.fit((rows - mean) / scale, labels)
    return LogisticScorer(list(names), mean.tolist(), scale.tolist(), model.coef_[0].tolist(),
                          float(model.intercept_[0]))


def answerable_rows(examples: list[Example], sentence: LogisticScorer) -> tuple[np.ndarray, np.ndarray]:
    """Question-level features and labels, using the fitted sentence scorer."""
    rows = [question_features(e.question, e.idf, e.passages, e.rows, sentence.probabilities(e.rows))
            for e in examples]
    return np.array(rows), np.array([e.answerable for e in examples])


def selection_accuracy(examples: list[Example], sentence: LogisticScorer, ratio: float, limit: int) -> float:
    """Share of answerable questions whose picked sentences include a gold one."""
    hits = total = 0
    for e in examples:
        if not e.answerable:
            continue
        p = sentence.probabilities(e.rows)
        order = np.argsort(-p)[:limit]
        picked = [i for i in order if p[i] >= ratio * p[order[0]]]
        hits += bool(e.labels[picked].any())
        total += 1
    return hits / max(total, 1)


def report(examples: list[Example], sentence: LogisticScorer, answerable: LogisticScorer, ratio: float) -> dict:
    """Held-out figures: sentence selection and abstention quality."""
    from sklearn.metrics import roc_auc_score

    rows, labels = answerable_rows(examples, sentence)
    p = answerable.probabilities(rows)
    abstain, truth = p < 0.5, ~labels
    return {
        "questions": len(examples), "unanswerable": int(truth.sum()),
        "top1_sentence_accuracy": round(selection_accuracy(examples, sentence, 0.0, 1), 4),
        "picked_sentence_accuracy": round(selection_accuracy(examples, sentence, ratio, 2), 4),
        "abstain_auroc": round(float(roc_auc_score(truth, 1 - p)), 4),
        "abstain_precision": round(float((abstain & truth).sum() / max(abstain.sum(), 1)), 4),
        "abstain_recall": round(float((abstain & truth).sum() / max(truth.sum(), 1)), 4),
    }


def main() -> None:
    """Build the training data, fit both scorers, print held-out figures, write the weights."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evalsets", type=Path, default=Path("../shared/evalsets"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/footnote-train"))
    parser.add_argument("--questions", type=int, default=3000, help="SQuAD questions sampled (deterministic)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args()

    examples = []
    for name, loader, source, out_of_scope in (
        ("squad", squad_questions, args.evalsets / "squad-v1.1/dev-half-a.json", True),
        ("squad2", squad2_questions, args.evalsets / "squad-v2-sample/sample-a.jsonl", False),
    ):
        corpus_dir = args.work / name
        questions = loader(source, corpus_dir)
        if name == "squad":
            questions = random.Random(0).sample(questions, min(args.questions, len(questions)))
        assistant = Assistant(Settings().replace(data_dir=args.work / f"{name}-index", collection=name))
        print(name, assistant.ingest([corpus_dir]).summary(), flush=True)
        examples += build_examples(assistant, corpus_dir, questions, out_of_scope)
    train = [e for e in examples if e.split == "train"]
    test = [e for e in examples if e.split == "test"]

    sentence = fit(np.vstack([e.rows for e in train if e.answerable]),
                   np.concatenate([e.labels for e in train if e.answerable]), SENTENCE_FEATURES, False)
    ratio = max((0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0), key=lambda r: selection_accuracy(train, sentence, r, 2) - 0.15 * r * 0 - (1 - r) * 0.05)
    answerable = fit(*answerable_rows(train, sentence), QUESTION_FEATURES, True)
    weights = {"sentence": sentence.to_dict(), "answerable": answerable.to_dict(), "second_ratio": ratio}
    args.out.write_text(json.dumps(weights, indent=1) + "\n")
    print(json.dumps({"train": report(train, sentence, answerable, ratio),
                      "held_out": report(test, sentence, answerable, ratio), "second_ratio": ratio}, indent=1))


if __name__ == "__main__":
    main()
