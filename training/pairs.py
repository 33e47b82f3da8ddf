"""The verifier's training pairs: dev-split questions and claims with their answer sentences and mined hard negatives."""

import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index.sentences import split_sentences

from assistant.verifier import claim_text, context_text, question_text
from training.perturb import Inventory, near_misses

NEAR_MISSES = 3  # changed questions per SQuAD question
SIBLINGS = 2  # other sentences of the answer's paragraph, per question
CLAIM_SHARE = 0.5  # SQuAD questions whose answer sentence also yields claims
_WORD = re.compile(r"[A-Za-z]{3,}")
_CLAUSE = re.compile(r"[,;:]\s+|\s+(?:and|but|while|whereas|which|who)\s+")


@dataclass(frozen=True)
class Pair:
    """Does `passage` (read after `context`) answer or support `query`? `kind` says how the pair was
    made, `group` where from."""

    query: str
    passage: str
    label: int
    kind: str
    group: str
    context: str = ""
    answer: str = ""  # where a positive question pair's answer is known: its text inside `passage`


@dataclass(frozen=True)
class Paragraph:
    """A paragraph's text, its sentence spans, and the title of its document ('' when it has none)."""

    text: str
    spans: list[tuple[int, int]]
    title: str = ""

    @classmethod
    def of(cls, text: str, title: str = "") -> "Paragraph":
        """Split into sentences the way the index splits documents."""
        return cls(text, split_sentences(text), title)

    def context(self, i: int) -> str:
        """What the verifier reads before the i-th sentence: the title and the sentence before it."""
        return context_text(self.title, self.sentence(i - 1) if i else "")

    def sentence(self, i: int) -> str:
        """The i-th sentence."""
        return self.text[self.spans[i][0]:self.spans[i][1]]

    def index_at(self, offset: int) -> int:
        """The sentence holding a character offset."""
        return next((i for i, (_, end) in enumerate(self.spans) if offset < end), len(self.spans) - 1)

    def sentences(self) -> list[str]:
        """Every sentence, in order."""
        return [self.sentence(i) for i in range(len(self.spans))]


def overlap(query: str, sentence: str) -> float:
    """Share of the query's words (three letters or more) that the sentence has too."""
    words = {w.lower() for w in _WORD.findall(query)}
    return len(words & {w.lower() for w in _WORD.findall(sentence)}) / max(len(words), 1)


def holds_answer(text: str, answers: list[str]) -> bool:
    """Whether any answer string occurs in the text (case-insensitive)."""
    lowered = text.lower()
    return any(a.strip() and a.lower() in lowered for a in answers)


def squad_articles(path: Path) -> list[tuple[str, list[tuple[Paragraph, list[dict]]]]]:
    """(title, [(paragraph, its questions)]) of every article of a SQuAD JSON file, in file order."""
    data = json.loads(path.read_text())["data"]
    return [(a["title"], [(Paragraph.of(p["context"], a["title"].replace("_", " ")), p["qas"]) for p in a["paragraphs"]])
            for a in data]


def squad_pairs(path: Path, keep: Callable[[int], bool], neighbours, seed: int = 0) -> list[Pair]:
    """Pairs from the SQuAD v1.1 articles whose position `keep` accepts."""
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for number, (_, paragraphs) in enumerate(squad_articles(path)):
        if not keep(number):
            continue
        inventory = Inventory.of("\n".join(p.text for p, _ in paragraphs))
        for paragraph, questions in paragraphs:
            others = [o for o, _ in paragraphs if o is not paragraph]
            for qa in questions:
                pairs += _question_pairs(paragraph, qa, others, inventory, neighbours, rng, f"squad:{number}")
    return pairs


def _question_pairs(paragraph: Paragraph, qa: dict, others: list[Paragraph], inventory: Inventory, neighbours,
                    rng: random.Random, group: str) -> list[Pair]:
    """The answer sentence; its closest siblings and closest sentence elsewhere in the article; the
    question changed into near misses of the answer sentence; claims (some of the time)."""
    answers = [a["text"] for a in qa["answers"]]
    gold = paragraph.index_at(qa["answers"][0]["answer_start"])
    sentence, context, q = paragraph.sentence(gold), paragraph.context(gold), qa["question"].strip()
    if not holds_answer(sentence, answers):
        return []  # the answer straddles a sentence boundary
    asked = question_text(q)
    answer = next(a for a in answers if a.strip() and a.lower() in sentence.lower())
    pairs = [Pair(asked, sentence, 1, "answer", group, context, answer)]
    siblings = sorted((i for i, s in enumerate(paragraph.sentences()) if i != gold and not holds_answer(s, answers)),
                      key=lambda i: -overlap(q, paragraph.sentence(i)))
    pairs += [Pair(asked, paragraph.sentence(i), 0, "sibling", group, paragraph.context(i)) for i in siblings[:SIBLINGS]]
    elsewhere = [(o, i) for o in rng.sample(others, min(6, len(others))) for i, s in enumerate(o.sentences())
                 if not holds_answer(s, answers)]
    if elsewhere:
        o, i = max(elsewhere, key=lambda oi: overlap(q, oi[0].sentence(oi[1])))
        pairs.append(Pair(asked, o.sentence(i), 0, "other_paragraph", group, o.context(i)))
    pairs += [Pair(question_text(changed), sentence, 0, kind, group, context)
              for kind, changed in near_misses(q, sentence, answers, inventory, neighbours, rng)[:NEAR_MISSES]]
    if rng.random() < CLAIM_SHARE:
        sibling = (paragraph.sentence(siblings[0]), paragraph.context(siblings[0])) if siblings else None
        pairs += _claim_pairs(sentence, context, answer, sibling, inventory, rng, group)
    return pairs


def _claim_pairs(sentence: str, context: str, answer: str, sibling: tuple[str, str] | None,
                 inventory: Inventory, rng: random.Random, group: str) -> list[Pair]:
    """What a generated answer might claim: a clause of the sentence that holds the answer (supported
    by the sentence, not by its sibling), and the clause with the answer swapped for another name or
    number of the article (not supported)."""
    clauses = [c.strip() for c in _CLAUSE.split(sentence)]
    stated = rng.choice([c for c in clauses if answer.lower() in c.lower() and len(c.split()) >= 5] or [sentence])
    pairs = [Pair(claim_text(stated), sentence, 1, "claim", group, context)]
    if sibling:
        pairs.append(Pair(claim_text(stated), sibling[0], 0, "claim_sibling", group, sibling[1]))
    pool = inventory.numbers + inventory.years if answer.strip()[:1].isdigit() else inventory.names
    swaps = [n for n in pool if n.lower() not in sentence.lower()]
    if swaps:
        start = stated.lower().find(answer.lower())
        changed = stated[:start] + rng.choice(swaps) + stated[start + len(answer):]
        pairs.append(Pair(claim_text(changed), sentence, 0, "claim_swapped", group, context))
    return pairs


def squad2_pairs(path: Path, article_of: dict[str, int], keep: Callable[[int | None], bool]) -> list[Pair]:
    """The SQuAD 2.0 sample: an impossible question against its paragraph's two closest sentences is
    a real near miss; `keep` gets the SQuAD v1.1 article number of the paragraph (None: not among them)."""
    pairs = []
    for row in _jsonl(path):
        article = article_of.get(row["context"])
        if not keep(article):
            continue
        paragraph, q = Paragraph.of(row["context"]), row["question"].strip()
        group = f"squad2:{article}"
        if row["is_impossible"]:
            closest = sorted(range(len(paragraph.spans)), key=lambda i: -overlap(q, paragraph.sentence(i)))[:2]
            pairs += [Pair(question_text(q), paragraph.sentence(i), 0, "squad2_impossible", group, paragraph.context(i))
                      for i in closest]
        elif (answer := next((a for a in row["answers"] if a and a in row["context"]), None)) is not None:
            i = paragraph.index_at(row["context"].find(answer))
            pairs.append(Pair(question_text(q), paragraph.sentence(i), 1, "squad2_answer", group, paragraph.context(i),
                              answer))
    return pairs


def rgb_pairs(path: Path, keep: Callable[[int], bool]) -> list[Pair]:
    """RGB news: a positive snippet's sentence holding the answer, against the negative snippets'
    closest sentences, which share the question's words but not its answer."""
    pairs = []
    for number, row in enumerate(_jsonl(path)):
        if not keep(number):
            continue
        q, group = row["query"].strip(), f"rgb:{row['id']}"
        answers = [a for item in (row["answer"] if isinstance(row["answer"], list) else [row["answer"]])
                   for a in (item if isinstance(item, list) else [item])]
        for text in row["positive"][:3]:
            snippet = Paragraph.of(text)
            holding = [i for i, s in enumerate(snippet.sentences()) if holds_answer(s, answers)]
            pairs += [Pair(question_text(q), snippet.sentence(i), 1, "rgb_answer", group, snippet.context(i),
                           next(a for a in answers if a.strip() and a.lower() in snippet.sentence(i).lower()))
                      for i in holding[:1]]
        negatives = [(snippet, i) for snippet in map(Paragraph.of, row["negative"])
                     for i, s in enumerate(snippet.sentences()) if not holds_answer(s, answers)]
        pairs += [Pair(question_text(q), snippet.sentence(i), 0, "rgb_negative", group, snippet.context(i))
                  for snippet, i in sorted(negatives, key=lambda si: -overlap(q, si[0].sentence(si[1])))[:3]]
    return pairs


def _jsonl(path: Path) -> Iterator[dict]:
    for line in path.read_text().splitlines():
        if line.strip():
            yield json.loads(line)
