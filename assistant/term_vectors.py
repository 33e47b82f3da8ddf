"""Static word vectors of the keyword index's vocabulary, computed once per word and index version."""

import threading

import numpy as np

from assistant.word_similarity import WordSimilarity


class TermVectors:
    """A vector per vocabulary id of the current keyword index, filled as ids first turn up.

    Filling lazily keeps a cold `footnote ask` cheap (a question touches ~1,400 of SciFact's 26,578
    words); a rebuilt index numbers its words anew, so a new word list starts a new table. Rows are
    float32 (SciFact's vocabulary: 41 MB) because converting fp16 rows per question cost 0.7 ms.

    >>> vectors = TermVectors(WordSimilarity(models_dir))
    >>> vectors.of(pool.vocabulary, np.array([0, 5]))  # (2, 384) unit rows
    """

    def __init__(self, similarity: WordSimilarity) -> None:
        self.similarity = similarity
        self._words: list[str] | None = None
        self._table = np.zeros((0, 0), dtype=np.float32)
        self._filled = np.zeros(0, dtype=bool)
        self._lock = threading.Lock()

    def of(self, words: list[str], ids: np.ndarray) -> np.ndarray:
        """Unit vectors (float32 rows) of these vocabulary ids; `words` is the index's vocabulary."""
        with self._lock:
            if words is not self._words:
                self._words = words
                self._table = np.zeros((len(words), self.similarity.dimensions), dtype=np.float32)
                self._filled = np.zeros(len(words), dtype=bool)
            missing = ids[~self._filled[ids]]
            if len(missing):
                self._table[missing] = self.similarity.vectors([words[i] for i in missing], cache=False)
                self._filled[missing] = True
            return self._table[ids]
