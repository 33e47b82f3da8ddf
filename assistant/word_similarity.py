"""A cheap synonym signal: static word vectors from all-MiniLM-L6-v2's own input embeddings."""

import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.model_files import packaged_model_dir, verify_model_dir
from index.vectors import unit

_EMBEDDINGS = "embeddings.word_embeddings.weight"
# Below this cosine two words are unrelated ("people"/"aircraft" 0.01); synonyms score 0.3-0.7
# ("people"/"individuals" 0.44, "arrested"/"detained" 0.55).
FLOOR, FULL = 0.25, 0.6


class WordSimilarity:
    """How close a question's words come to a sentence's words, for paraphrased questions.

    >>> similarity = WordSimilarity(Path(".footnote/models"))
    >>> similarity.match(["people"], ["individuals", "aircraft"])
    array([0.54…])
    """

    def __init__(self, cache_dir: Path, model_dir: Path | None = None) -> None:
        from tokenizers import Tokenizer

        model_dir = model_dir or packaged_model_dir()
        self._table = _unit_table(model_dir, cache_dir)
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self.vector = lru_cache(maxsize=50_000)(self._vector)

    def _vector(self, word: str) -> np.ndarray:
        ids = self._tokenizer.encode(word, add_special_tokens=False).ids
        if not ids:  # "" (bm25s keeps it in its vocabulary) or nothing the tokenizer reads: no match
            return np.zeros(self.dimensions, dtype=np.float32)
        mean = self._table[ids].astype(np.float32).mean(axis=0)
        return unit(mean)

    @property
    def dimensions(self) -> int:
        """Length of a word vector."""
        return int(self._table.shape[1])

    def vectors(self, words: list[str], cache: bool = True) -> np.ndarray:
        """Unit vectors of words, one float32 row each; `cache=False` for callers that keep the rows
        themselves (a vocabulary table), so each vector isn't held twice."""
        one = self.vector if cache else self._vector
        return np.stack([one(w) for w in words]) if words else np.zeros((0, self.dimensions), np.float32)

    def match(self, question_words: list[str], sentence_words: list[str]) -> np.ndarray:
        """Per question word, credit in [0, 1] for its closest sentence word (0 when unrelated)."""
        if not question_words or not sentence_words:
            return np.zeros(len(question_words))
        best = (self.vectors(question_words) @ self.vectors(list(dict.fromkeys(sentence_words))).T).max(axis=1)
        return credit(best)


def credit(cosines: np.ndarray) -> np.ndarray:
    """Word-vector cosines as credit in [0, 1]: 0 up to FLOOR, 1 from FULL on, linear between."""
    return np.clip((cosines - FLOOR) / (FULL - FLOOR), 0.0, 1.0)


def _unit_table(model_dir: Path, cache_dir: Path) -> np.ndarray:
    """The word-piece embedding table, unit rows in fp16, extracted once from the verified weights."""
    cached = cache_dir / "all-MiniLM-L6-v2-word-pieces-fp16.npy"
    if not cached.is_file():
        from safetensors import safe_open

        verify_model_dir(model_dir)
        with safe_open(str(model_dir / "model.safetensors"), framework="numpy") as weights:
            table = weights.get_tensor(next(k for k in weights.keys() if k.endswith(_EMBEDDINGS)))
        cache_dir.mkdir(parents=True, exist_ok=True)
        # A private temporary name: two processes extracting at once must not rename each other's file.
        with tempfile.NamedTemporaryFile(dir=cache_dir, suffix=".npy", delete=False) as partial:
            np.save(partial, unit(table).astype(np.float16))
        os.replace(partial.name, cached)
    return np.load(cached, mmap_mode="r")
