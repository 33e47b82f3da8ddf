"""Questions put to small corpora the way the product asks them, with where their answers are: what the answerer's scorers fit on.

A probe is a question and a corpus; answerable when the corpus holds its answer. SQuAD articles
give in-scope probes (their own article), near misses (their article without the paragraph they
were written on: answerable only if another sentence still holds the answer) and out-of-scope
probes (another article); RGB news gives in- and out-of-scope ones, the SQuAD 2.0 sample
unanswerable questions written against the very paragraph retrieved.
"""

import argparse
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.answer import Passage
from assistant.extractive import gather_candidates
from assistant.pipeline import Assistant
from assistant.question import Question
from assistant.settings import Settings
from evals.importers.common import read_jsonl
from evals.importers.squad import read_articles

from training import datasets

TOP_K = 5


@dataclass(frozen=True)
class Probe:
    """A question put to one corpus, with where its answer is (None when it is not there)."""

    source: str
    split: str  # "train" or "test", by article or news item
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


@dataclass(frozen=True)
class Asked:
    """A probe answered as the product answers: its question read, its passages, its candidates' labels."""

    probe: Probe
    question: Question
    passages: list[Passage]
    labels: list[bool]  # per candidate of gather_candidates(passages)


def indexed(work: Path, name: str, folder: Path) -> Assistant:
    """An assistant over one corpus folder, indexed under work/index in a collection of its own."""
    assistant = Assistant(Settings().replace(data_dir=work / "index", collection=name))
    print(name, assistant.ingest([folder]).summary(), file=sys.stderr, flush=True)
    return assistant


def squad_probes(path: Path, work: Path, per_article: int, articles: list[int]) -> list[Probe]:
    """Per-article corpora of the listed articles; each sampled question in scope of its article, a
    near miss without its paragraph, and out of scope of the article two places on in the list. The
    list's even places train, its odd places test, so no article is on both sides."""
    every = read_articles(path)
    assistants, questions = [], []
    for a in articles:
        folder = work / "squad" / f"a{a:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        asked = []
        for p, paragraph in enumerate(every[a]["paragraphs"]):
            (folder / f"p{p:03d}.txt").write_text(paragraph["context"])
            for qa in paragraph["qas"]:
                spans = tuple((x["answer_start"], x["answer_start"] + len(x["text"])) for x in qa["answers"])
                answers = tuple(sorted({x["text"] for x in qa["answers"]}))
                asked.append((qa["question"], f"{folder.as_posix()}/p{p:03d}.txt", spans, answers))
        assistants.append(indexed(work, f"squad-a{a:02d}", folder))
        questions.append(random.Random(a).sample(asked, min(per_article, len(asked))))
    probes = []
    for place, asked in enumerate(questions):
        split = "train" if place % 2 == 0 else "test"
        other = assistants[(place + 2) % len(articles)]
        for question, gold, spans, answers in asked:
            probes.append(Probe("squad", split, question, assistants[place], gold, spans))
            probes.append(Probe("squad", split, question, assistants[place], None, answers=answers, exclude_prefix=gold))
            probes.append(Probe("squad", split, question, other, None))
    return probes


Split = Callable[[int, int, dict], str | None]  # (number, total, row) → "train", "test", or None: left out


def rgb_probes(path: Path, work: Path, split_of: Split) -> list[Probe]:
    """One news corpus of all snippets; each question with and without its own snippets."""
    rows = read_jsonl(path)
    folder = work / "rgb"
    folder.mkdir(parents=True, exist_ok=True)
    for row in rows:
        for kind in ("positive", "negative"):
            for i, text in enumerate(row[kind]):
                (folder / f"q{row['id']:03d}_{kind[:3]}{i}.txt").write_text(text)
    assistant = indexed(work, "rgb", folder)
    probes = []
    for i, row in enumerate(rows):
        if (split := split_of(i, len(rows), row)) is None:
            continue
        answers = row["answer"] if isinstance(row["answer"], list) else [row["answer"]]
        answers = tuple(a for group in answers for a in (group if isinstance(group, list) else [group]))
        prefix = f"{folder.as_posix()}/q{row['id']:03d}_"
        probes.append(Probe("rgb", split, row["query"], assistant, None, answers=answers))
        probes.append(Probe("rgb", split, row["query"], assistant, None, answers=answers, exclude_prefix=prefix))
    return probes


def squad2_probes(path: Path, work: Path, split_of: Split) -> list[Probe]:
    """One corpus of the sample's contexts; impossible questions are unanswerable near misses."""
    rows = read_jsonl(path)
    folder = work / "squad2"
    folder.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for row in rows:
        names.setdefault(row["context"], f"c{len(names):03d}.txt")
        (folder / names[row["context"]]).write_text(row["context"])
    assistant = indexed(work, "squad2", folder)
    probes = []
    for i, row in enumerate(rows):
        if (split := split_of(i, len(rows), row)) is None:
            continue
        context = row["context"]
        spans = tuple((context.find(a), context.find(a) + len(a)) for a in row["answers"] if a in context)
        probes.append(Probe("squad2", split, row["question"], assistant,
                            None if row["is_impossible"] else f"{folder.as_posix()}/{names[context]}", spans))
    return probes


def labels(probe: Probe, candidates: list) -> list[bool]:
    """Which candidate sentences hold the probe's answer."""
    if not probe.answerable:
        return [False] * len(candidates)
    if probe.answers:  # gold known as answer strings, not spans
        pattern = re.compile("|".join(rf"\b{re.escape(a)}\b" for a in probe.answers), re.IGNORECASE)
        return [bool(pattern.search(c.text)) for c in candidates]
    return [c.path == probe.gold_path and any(c.start <= s and e <= c.end for s, e in probe.spans) for c in candidates]


def ask(probe: Probe) -> Asked | None:
    """Retrieve as the product does and label the candidate sentences; None when retrieval missed
    the answer of an answerable probe (neither a clean positive nor a true negative)."""
    question = probe.assistant.question(probe.question)
    passages = probe.assistant.retriever.retrieve(question, 40 if probe.exclude_prefix else TOP_K)
    if probe.exclude_prefix:
        passages = [p for p in passages if not p.path.startswith(probe.exclude_prefix)][:TOP_K]
    marked = labels(probe, gather_candidates(passages))
    if probe.answerable and not any(marked) and not probe.exclude_prefix:
        return None
    return Asked(probe, question, passages, marked)


def probe_arguments(doc: str, work: Path, out: Path) -> argparse.Namespace:
    """The command line of a trainer that fits on probes: --evalsets, --work, --per-article, --out."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--evalsets", type=Path, default=datasets.EVALSETS)
    parser.add_argument("--work", type=Path, default=work)
    parser.add_argument("--per-article", type=int, default=120, help="SQuAD questions sampled per article")
    parser.add_argument("--out", type=Path, default=out)
    return parser.parse_args()
