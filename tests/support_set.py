"""A labelled support set from held-out SQuAD articles: each answer sentence as a claim the documents support,
and the same sentence with a name, number or date swapped (training/perturb.py's swaps) as one they don't."""

import json
import random
from dataclasses import dataclass
from pathlib import Path

from index.sentences import split_sentences
from training.perturb import Inventory, swap_name, swap_number
from training.splits import squad_trains_on


@dataclass(frozen=True)
class Claim:
    """A sentence to check, whether the documents support it, and how it was made."""

    text: str
    supported: bool
    kind: str  # "gold", "swap_name" or "swap_number" (numbers and years)


def support_set(squad_json: Path, corpus: Path, per_article: int = 12, seed: int = 14) -> list[Claim]:
    """Write the held-out articles' paragraphs into `corpus` (one file each) and return the claims about them."""
    rng = random.Random(seed)
    corpus.mkdir(parents=True, exist_ok=True)
    claims: list[Claim] = []
    for number, article in enumerate(json.loads(squad_json.read_text())["data"]):
        if squad_trains_on(number):
            continue
        inventory = Inventory.of(" ".join(p["context"] for p in article["paragraphs"]))
        made = 0
        for index, paragraph in enumerate(article["paragraphs"]):
            (corpus / f"{article['title']}-{index:02d}.txt").write_text(paragraph["context"], encoding="utf-8")
            sentence = _answer_sentence(paragraph)
            if made >= per_article or sentence is None:
                continue
            swaps = [(kind, changed) for kind, changed in
                     (("swap_number", swap_number(sentence, sentence, inventory, rng)),
                      ("swap_name", swap_name(sentence, sentence, inventory, rng))) if changed and changed != sentence]
            if swaps:
                kind, changed = swaps[0]
                claims += [Claim(sentence, True, "gold"), Claim(changed, False, kind)]
                made += 1
    return claims


def _answer_sentence(paragraph: dict) -> str | None:
    """The sentence of the paragraph that holds its first question's answer."""
    answer = paragraph["qas"][0]["answers"][0]
    text, at = paragraph["context"], paragraph["qas"][0]["answers"][0]["answer_start"]
    for start, end in split_sentences(text):
        if start <= at < end and at + len(answer["text"]) <= end:
            return text[start:end]
    return None
