"""Close-but-different words ("design" for "construction"), by MiniLM's static word-piece vectors, for near misses."""

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

from assistant.word_similarity import WordSimilarity

_WORD = re.compile(r"\b[a-z]{4,}\b")


class Neighbours:
    """The words of a vocabulary closest to a given word, within a band of cosines: near, never the same.

    >>> neighbours = Neighbours(["design", "building", "construction"], WordSimilarity(models_dir))
    >>> neighbours("construction")
    ['building', …]
    """

    def __init__(self, vocabulary: list[str], similarity: WordSimilarity, low: float = 0.45,
                 high: float = 0.85) -> None:
        self.words = vocabulary
        self.similarity = similarity
        self.table = similarity.vectors(vocabulary, cache=False)
        self.low, self.high = low, high
        self._found: dict[str, list[str]] = {}

    @classmethod
    def of_squad(cls, squad_json: Path, models_dir: Path) -> "Neighbours":
        """Over the lower-case words that occur at least twice in a SQuAD file's paragraphs."""
        data = json.loads(squad_json.read_text())["data"]
        counts = Counter(w for a in data for p in a["paragraphs"] for w in _WORD.findall(p["context"]))
        return cls(sorted(w for w, n in counts.items() if n >= 2), WordSimilarity(models_dir))

    def __call__(self, word: str) -> list[str]:
        """Up to 40 vocabulary words in the band, closest first."""
        if word not in self._found:
            cosines = self.table @ self.similarity.vector(word)
            order = np.argsort(-cosines)[:40]
            self._found[word] = [self.words[i] for i in order
                                 if self.low <= cosines[i] <= self.high and self.words[i] != word]
        return self._found[word]
