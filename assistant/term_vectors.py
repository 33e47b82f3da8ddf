"""Static word vectors of the keyword index's vocabulary, computed as words turn up and kept in a bounded table."""

import threading

import numpy as np

from assistant.word_similarity import WordSimilarity

CAPACITY = 32_768  # rows kept (48 MB): a question touches ~1,400 words, most of them seen before


class TermVectors:
    """A vector per vocabulary id of the current keyword index, filled as ids first turn up.

    Filling lazily keeps a cold `footnote ask` cheap (a question touches ~1,400 of SciFact's 26,578
    words). The rows live in a table of CAPACITY slots, not one per vocabulary word: at 100,000
    passages the vocabulary holds 176,000 words (270 MB of float32) and a server's resident memory
    grew with every question. When the slots run out they are all given up at once, which costs the
    next question a few milliseconds. A rebuilt index numbers its words anew, so a new word list starts
    afresh. Rows are float32 because converting fp16 rows per question cost 0.7 ms.

    >>> vectors = TermVectors(WordSimilarity(models_dir))
    >>> vectors.of(pool.vocabulary, np.array([0, 5]))  # (2, 384) unit rows
    """

    def __init__(self, similarity: WordSimilarity, capacity: int = CAPACITY) -> None:
        self.similarity = similarity
        self.capacity = capacity
        self._words: list[str] | None = None
        self._slot = np.zeros(0, dtype=np.int32)  # per vocabulary id: its row in the table, -1 if none
        # Zeroed pages become resident only as rows are written.
        self._table = np.zeros((capacity, similarity.dimensions), dtype=np.float32)
        self._used = 0
        self._lock = threading.Lock()

    def of(self, words: list[str], ids: np.ndarray) -> np.ndarray:
        """Unit vectors (float32 rows) of these vocabulary ids; `words` is the index's vocabulary."""
        with self._lock:
            if words is not self._words:
                self._words = words
                self._slot = np.full(len(words), -1, dtype=np.int32)
                self._used = 0
            distinct = np.unique(ids)
            if len(distinct) > self.capacity:  # more than the table holds: computed, not kept
                return self.similarity.vectors([words[i] for i in ids], cache=False)
            missing = distinct[self._slot[distinct] < 0]
            if self._used + len(missing) > self.capacity:
                self._slot[:] = -1
                self._used = 0
                missing = distinct
            self._fill(words, missing)
            return self._table[self._slot[ids]]

    def _fill(self, words: list[str], missing: np.ndarray) -> None:
        """Compute the missing ids' vectors into the next free rows."""
        rows = np.arange(self._used, self._used + len(missing), dtype=np.int32)
        self._table[rows] = self.similarity.vectors([words[i] for i in missing], cache=False)
        self._slot[missing] = rows
        self._used += len(missing)
