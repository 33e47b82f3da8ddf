"""The benchmark's inputs, loaded once through the peer's loaders so both systems see the same data."""

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from peer_llamaindex import SAMPLE_QUERIES, load_scifact, load_squad_open  # noqa: E402

from evals.docids import file_name  # noqa: E402
from evals.evalset import load_set  # noqa: E402
from evals.importers.beir import document_text  # noqa: E402
from evals.importers.common import write_documents  # noqa: E402

EVALSETS = ROOT.parent / "shared" / "evalsets"
SAMPLE_CORPUS = ROOT / "sources"
SAMPLE_SET = ROOT / "evals" / "sets" / "sample.jsonl"
SQUAD_QUESTIONS = 1000
Doc = tuple[str, str, str]  # (doc id, title, text), the peer's document tuple
Gold = dict[str, int] | str  # BEIR qrels {doc id: grade}, or the one gold paragraph id


@dataclass(frozen=True)
class Dataset:
    """A corpus and its questions; `gold` is qrels (SciFact) or the answering paragraph (SQuAD)."""

    name: str
    docs: list[Doc]
    questions: list[tuple[str, Gold]]


def scifact(evalsets: Path, limit: int = 0) -> Dataset:
    """SciFact dev: the 5,183 abstracts, the train queries that have qrels (sorted by id)."""
    docs, queries, qrels = load_scifact(evalsets / "scifact")
    ids = sorted(queries)[: limit or None]
    return Dataset("scifact", docs, [(queries[q], qrels[q]) for q in ids])


def squad(evalsets: Path, limit: int = 0) -> Dataset:
    """SQuAD v1.1 dev half A as an open corpus of its paragraphs; the peer's deterministic 1,000 questions."""
    docs, questions = load_squad_open(evalsets / "squad-v1.1" / "dev-half-a.json", SQUAD_QUESTIONS)
    return Dataset("squad", docs, [(question, gold) for _, question, gold in questions][: limit or None])


def sample_questions() -> list[str]:
    """Questions about the sample article: the project's sample set, then the peer's own."""
    return [record.question for record in load_set(SAMPLE_SET)] + SAMPLE_QUERIES


def write_corpus(docs: list[Doc], folder: Path) -> Path:
    """One `<doc id>.txt` per document, title line then text, as `footnote eval import beir` writes them."""
    return write_documents({file_name(doc_id): document_text(title, text) for doc_id, title, text in docs}, folder)


DATASETS = {"scifact": scifact, "squad": squad}


def load(name: str, evalsets: Path = EVALSETS, questions: int = 0, docs: int = 0) -> Dataset:
    """A dataset by name; `questions`/`docs` > 0 cut it down for a quick run (relevant documents are kept)."""
    dataset = DATASETS[name](evalsets, questions)
    if not docs:
        return dataset
    wanted = {d for _, gold in dataset.questions for d in ([gold] if isinstance(gold, str) else gold)}
    kept = [doc for i, doc in enumerate(dataset.docs) if i < docs or doc[0] in wanted]
    return Dataset(name, kept, dataset.questions)
