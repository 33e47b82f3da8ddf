"""BM25 keyword search over chunk texts, with English stemming and stop words, persisted to disk."""

import json
from pathlib import Path

import numpy as np


class KeywordIndex:
    """bm25s index whose rows are chunk ids; rebuilt after each ingest that changes anything.

    >>> keywords = KeywordIndex(Path(".footnote/keywords"))
    >>> keywords.rebuild(["c1"], ["The expulsion of 37 operatives"])
    >>> keywords.search("operatives expelled", 5)
    [('c1', 0.6...)]
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ids: list[str] = []
        self._bm25 = None
        self._stemmer = None

    def rebuild(self, ids: list[str], texts: list[str]) -> None:
        """Index these chunks (replacing all earlier ones) and save to disk."""
        import bm25s

        bm25 = bm25s.BM25()
        self.folder.mkdir(parents=True, exist_ok=True)
        if texts:
            tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self._stem(), show_progress=False)
            bm25.index(tokens, show_progress=False)
            bm25.save(str(self.folder))
        (self.folder / "ids.json").write_text(json.dumps(list(ids)))
        # Swap both at once so a concurrent search never pairs new rows with old ids.
        self._bm25, self._ids = bm25, list(ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Up to k (chunk id, BM25 score) pairs with a positive score, best first."""
        self._load()
        if not self._ids:
            return []
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stem(), show_progress=False,
                                return_ids=False)[0]
        known = [t for t in tokens if t in self._bm25.vocab_dict]
        if not known:
            return []
        scores = self._bm25.get_scores(known)
        top = np.argsort(-scores)[:k]
        return [(self._ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def ids(self) -> list[str]:
        """Chunk ids in the index, in row order."""
        self._load()
        return list(self._ids)

    def _load(self) -> None:
        if self._bm25 is not None:
            return
        ids_file = self.folder / "ids.json"
        self._ids = json.loads(ids_file.read_text()) if ids_file.is_file() else []
        if self._ids:
            import bm25s

            self._bm25 = bm25s.BM25.load(str(self.folder))

    def _stem(self):
        if self._stemmer is None:
            import Stemmer

            self._stemmer = Stemmer.Stemmer("english")
        return self._stemmer
