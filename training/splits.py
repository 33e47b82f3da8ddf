"""Which dev data the verifier trains on and which it never sees: split by article or news item, never by question."""

import json
from pathlib import Path

HELD_OUT_EVERY = 4  # SQuAD v1.1 dev half A articles 3, 7, 11, 15, 19, 23 are held out


def squad_trains_on(article: int | None) -> bool:
    """Whether the verifier trains on a SQuAD article (by position in dev-half-a.json). None is a
    paragraph of no dev-half-a article (SQuAD 2.0 paragraphs of the other half): never trained on."""
    return article is not None and article % HELD_OUT_EVERY != HELD_OUT_EVERY - 1


def rgb_trains_on(number: int, total: int) -> bool:
    """The first half of RGB's news questions train, each with its own snippets; the rest are held out."""
    return number < total // 2


def squad_article_of(squad_json: Path) -> dict[str, int]:
    """Paragraph text → its article's position in a SQuAD JSON file (to place SQuAD 2.0 paragraphs)."""
    data = json.loads(squad_json.read_text())["data"]
    return {p["context"]: number for number, article in enumerate(data) for p in article["paragraphs"]}


def squad_article_titles(squad_json: Path) -> list[str]:
    """Article titles in file order."""
    return [article["title"] for article in json.loads(squad_json.read_text())["data"]]
