"""The dev-split corpora the trainers fit on, read through evals.importers: SciFact and SQuAD v1.1 as open corpora."""

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.docids import file_name
from evals.importers.beir import document_text, import_beir
from evals.importers.squad import read_articles

ROOT = Path(__file__).resolve().parents[1]
EVALSETS = ROOT.parent / "shared" / "evalsets"
SQUAD_FILE = Path("squad-v1.1") / "dev-half-a.json"
# `make bench` asks this many SQuAD questions, sampled as bench/corpora.py samples them; none is trained on.
SQUAD_BENCH_QUESTIONS = 1000
Gold = dict[str, int] | str  # BEIR qrels {doc id: grade}, or the one gold paragraph's doc id


@dataclass(frozen=True)
class Dataset:
    """A corpus (file name → text, as `footnote eval import` writes it) and its questions with their gold."""

    name: str
    documents: dict[str, str]
    questions: list[tuple[str, Gold]]


def sample_arguments(description: str, documents: int) -> argparse.Namespace:
    """The command line of a trainer that fits on sampled document text: --evalsets, --documents, --models."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--evalsets", type=Path, default=EVALSETS)
    parser.add_argument("--documents", type=int, default=documents, help="sampled from each corpus")
    parser.add_argument("--models", type=Path, default=Path(".footnote/models"), help="ONNX export cache")
    return parser.parse_args()


def sampled_documents(evalsets: Path, per_corpus: int, seed: int) -> list[str]:
    """Document text only, `per_corpus` drawn from each of SciFact's abstracts and SQuAD's paragraphs (a document's
    file text: its title line, then its text), for the unsupervised fits of the word-piece vectors' storage."""
    sample = np.random.default_rng(seed)
    texts = []
    for dataset in (scifact(evalsets), squad(evalsets)[0]):
        docs = list(dataset.documents.values())
        texts += [docs[i] for i in sample.choice(len(docs), per_corpus, replace=False)]
    return texts


def scifact(evalsets: Path = EVALSETS) -> Dataset:
    """SciFact dev: the 5,183 abstracts, and the train queries that have qrels, sorted by id."""
    imported = import_beir(evalsets / "scifact", split="train")
    records = sorted(imported.records, key=lambda record: record.id)
    return Dataset("scifact", imported.documents, [(r.question, dict(r.relevant)) for r in records])


def squad(evalsets: Path = EVALSETS) -> tuple[Dataset, Dataset]:
    """SQuAD v1.1 dev half A as one corpus of its paragraphs (doc id `<article>-<paragraph>`, the
    article's title on the first line): the bench's questions, and the other questions of the same
    half (about 4,400) to train on. SQuAD repeats some questions word for word under another id; a
    repeat of a bench question is left out of training too."""
    documents, asked = {}, []
    for a, article in enumerate(read_articles(evalsets / SQUAD_FILE)):
        title = article["title"].replace("_", " ")
        for p, paragraph in enumerate(article["paragraphs"]):
            documents[file_name(f"{a}-{p}")] = document_text(title, paragraph["context"])
            asked += [(qa["id"], qa["question"], f"{a}-{p}") for qa in paragraph["qas"]]
    asked.sort()
    benched = random.Random(0).sample(asked, min(SQUAD_BENCH_QUESTIONS, len(asked)))
    skipped = {question for _, question, _ in benched}
    return (Dataset("squad", documents, [(question, gold) for _, question, gold in benched]),
            Dataset("squad", documents, [(question, gold) for _, question, gold in asked if question not in skipped]))
