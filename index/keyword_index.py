"""BM25 keyword search over chunk texts, with English stemming and stop words, persisted to disk."""

import hashlib
import json
import logging
import math
import re
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from index.files import write_atomically

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's token pattern
_CURRENT = "CURRENT"  # names the published build
_FILES = ("ids.json", "groups.json")  # in every build; an empty index has no others


class IndexedWords(NamedTuple):
    """A text as the index reads it: stemmed words without stop words, where each starts, each as written."""

    stems: list[str]
    starts: list[int]
    written: list[str]  # lower-cased


@dataclass(frozen=True)
class KeywordMatch:
    """How a query meets the index: every row's BM25 score, and which rows hold each query term."""

    terms: list[str]  # distinct query terms the index knows, in query order
    words: list[str]  # each term as the query wrote it (lower-cased)
    term_ids: np.ndarray  # their vocabulary ids
    idf: np.ndarray  # one per term
    scores: np.ndarray  # BM25 score of every row
    rows: list[np.ndarray]  # per term, the rows that contain it


@dataclass(frozen=True)
class RowLayout:
    """Where each chunk sits: its row, and each row's document as a small integer with its chunk count."""

    row_of: dict[str, int]
    document_of_row: np.ndarray
    document_sizes: np.ndarray

    @classmethod
    def build(cls, ids: list[str], groups: list[str]) -> "RowLayout":
        """From the index's row ids and per-row document names."""
        number: dict[str, int] = {}
        of_row = np.array([number.setdefault(g, len(number)) for g in groups], dtype=np.int64)
        return cls({cid: row for row, cid in enumerate(ids)}, of_row, np.bincount(of_row, minlength=len(number)))


@dataclass(frozen=True)
class RowTerms:
    """Each row's terms in order (vocabulary ids) with their character offsets in the indexed text."""

    term: np.ndarray
    start: np.ndarray
    bounds: np.ndarray  # row r's terms are term[bounds[r]:bounds[r + 1]]
    length: np.ndarray  # characters of each row's indexed text

    def of(self, row: int) -> tuple[np.ndarray, np.ndarray, int]:
        """(term ids, offsets, text length) of one row."""
        first, last = self.bounds[row], self.bounds[row + 1]
        return self.term[first:last], self.start[first:last], int(self.length[row])


@dataclass
class _State:
    ids: list[str]
    groups: list[str]
    bm25: object = None
    rows: RowTerms | None = None
    words: list[str] | None = None  # per vocabulary id, the word as first written
    layout: RowLayout | None = field(default=None)


class KeywordIndex:
    """bm25s index whose rows are chunk ids; rebuilt after each ingest that changes anything.

    Each build is written to a folder of its own and then published by replacing one small
    pointer file (CURRENT), so a reader in any process loads either the old build or the new one,
    never half of each, and a build killed midway leaves the last published one in place.

    >>> keywords = KeywordIndex(Path(".footnote/keywords"))
    >>> keywords.rebuild(["c1"], ["The expulsion of 37 operatives"], ["article.txt"])
    >>> keywords.search("operatives expelled", 5)
    [('c1', 0.6...)]
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._state: _State | None = None

    def rebuild(self, ids: list[str], texts: list[str], groups: list[str] | None = None) -> None:
        """Index these chunks (replacing all earlier ones), save and publish them; `groups` names each
        row's document (each row is its own document when not given)."""
        state = _State(list(ids), list(groups) if groups is not None else list(ids))
        if texts:
            _index(state, texts)
        pointer = self._pointer()
        generation = pointer.get("generation", 0) + 1
        build = self.folder / f"g{generation:08d}"
        shutil.rmtree(build, ignore_errors=True)  # what a build killed before publishing left behind
        build.mkdir(parents=True)
        _save(state, build)
        write_atomically(self.folder / _CURRENT, json.dumps({"generation": generation, "build": build.name,
                                                             "rows": len(state.ids), "digest": ids_digest(state.ids)}))
        self._state = state  # one swap: a concurrent search never pairs new rows with old ids
        self._clean(keep={build.name, pointer.get("build")})

    def is_current(self) -> bool:
        """False when the index is missing or was written by an older version of this class."""
        build = self._pointer().get("build")
        return bool(build) and all((self.folder / build / name).is_file() for name in _FILES)

    def rows(self) -> int | None:
        """Rows of the published build, read from its pointer (None when there is none)."""
        return self._pointer().get("rows")

    def digest(self) -> str | None:
        """ids_digest of the published build's rows (None when there is none)."""
        return self._pointer().get("digest")

    def forget(self) -> None:
        """Drop the loaded build; the next read loads whatever is published then (another process may
        have rebuilt the index)."""
        self._state = None

    def search(self, query: str | IndexedWords, k: int) -> list[tuple[str, float]]:
        """Up to k (chunk id, BM25 score) pairs with a positive score, best first."""
        match = self.match(query)
        if match is None:
            return []
        top = np.argsort(-match.scores)[:k]
        ids = self._loaded().ids
        return [(ids[i], float(match.scores[i])) for i in top if match.scores[i] > 0]

    def match(self, query: str | IndexedWords) -> KeywordMatch | None:
        """Scores and term postings of `query` (its text, or its indexed_words read once before); None
        when it shares no term with the index."""
        state = self._loaded()
        if state.bm25 is None:
            return None
        vocabulary = state.bm25.vocab_dict
        stems, _, written = indexed_words(query) if isinstance(query, str) else query
        as_written = {s: w for s, w in zip(reversed(stems), reversed(written))}
        known = [t for t in dict.fromkeys(stems) if t in vocabulary]
        if not known:
            return None
        term_ids = np.array([vocabulary[t] for t in known], dtype=np.int64)
        indptr, indices = state.bm25.scores["indptr"], state.bm25.scores["indices"]
        rows = [indices[indptr[i]:indptr[i + 1]] for i in term_ids]
        count = len(state.ids)
        idf = np.array([math.log(1 + (count - len(r) + 0.5) / (len(r) + 0.5)) for r in rows])
        scores = np.asarray(state.bm25.get_scores(term_ids.tolist()), dtype=np.float32)
        return KeywordMatch(known, [as_written[t] for t in known], term_ids, idf, scores, rows)

    def ids(self) -> list[str]:
        """Chunk ids in the index, in row order."""
        return list(self._loaded().ids)

    def ids_at(self, rows: np.ndarray) -> list[str]:
        """Chunk ids of some rows."""
        ids = self._loaded().ids
        return [ids[row] for row in rows]

    def layout(self) -> RowLayout:
        """Rows and documents of the indexed chunks (computed once per index version)."""
        state = self._loaded()
        if state.layout is None:
            state.layout = RowLayout.build(state.ids, state.groups)
        return state.layout

    def row_terms(self) -> RowTerms | None:
        """The terms of every row in order, for phrase and per-sentence matching."""
        return self._loaded().rows

    def pinned(self) -> "KeywordIndex":
        """This index as it is now, for one question's several reads: a rebuild by a concurrent ingest
        swaps in new rows, and a match must not meet the layout or word positions of another version."""
        copy = KeywordIndex(self.folder)
        copy._state = self._loaded()
        return copy

    def words(self) -> list[str] | None:
        """Per vocabulary id (as in RowTerms.term), the word as the documents first write it."""
        return self._loaded().words

    def _loaded(self) -> _State:
        state = self._state
        if state is not None:
            return state
        for attempt in range(3):
            build = self._pointer().get("build")
            if not build:
                return _State([], [])
            try:
                state = _load(self.folder / build)
                break
            except FileNotFoundError:  # a writer published twice and cleaned this build away: read the newer
                if attempt == 2:
                    raise
        self._state = state
        return state

    def _pointer(self) -> dict:
        try:
            return json.loads((self.folder / _CURRENT).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _clean(self, keep: set) -> None:
        """Remove builds other than the newest two (a reader may still be loading the one before) and
        the files of the layout before builds had folders of their own."""
        for path in self.folder.iterdir():
            if path.name == _CURRENT or path.name in keep:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _index(state: _State, texts: list[str]) -> None:
    split = [indexed_words(text) for text in texts]
    state.bm25 = _bm25s().BM25()
    state.bm25.index([stems for stems, _, _ in split], show_progress=False)
    vocabulary = state.bm25.vocab_dict
    state.rows = RowTerms(
        np.array([vocabulary[s] for stems, _, _ in split for s in stems], dtype=np.int32),
        np.array([p for _, starts, _ in split for p in starts], dtype=np.int32),
        np.cumsum([0] + [len(stems) for stems, _, _ in split], dtype=np.int64),
        np.array([len(text) for text in texts], dtype=np.int32))
    # Reversed so that the first occurrence of a stem wins: "studies" rather than "studied".
    first = dict(zip(reversed([s for stems, _, _ in split for s in stems]),
                     reversed([w for _, _, words in split for w in words])))
    state.words = [""] * len(vocabulary)
    for stem, number in vocabulary.items():
        state.words[number] = first.get(stem, stem)


def _save(state: _State, build: Path) -> None:
    if state.bm25 is not None:
        state.bm25.save(str(build), show_progress=False)
        np.savez(build / "terms.npz", **vars(state.rows))
        (build / "words.json").write_text(json.dumps(state.words))
    (build / "groups.json").write_text(json.dumps(state.groups))
    (build / "ids.json").write_text(json.dumps(state.ids))


def _load(build: Path) -> _State:
    ids = json.loads((build / "ids.json").read_text())
    state = _State(ids, json.loads((build / "groups.json").read_text()))
    if ids:
        state.bm25 = _bm25s().BM25.load(str(build), show_progress=False)
        with np.load(build / "terms.npz") as arrays:
            state.rows = RowTerms(**{name: arrays[name] for name in arrays.files})
        state.words = json.loads((build / "words.json").read_text())
    return state


def ids_digest(ids: list[str]) -> str:
    """A fingerprint of chunk ids in order: whether the index holds exactly these rows, without loading it."""
    return hashlib.sha1("\n".join(ids).encode()).hexdigest()


def term_positions(text: str) -> tuple[list[str], list[int]]:
    """Stemmed words of `text` without stop words, in order, with where each starts: what the index
    stores and matches (bm25s's own token pattern, stop list and Snowball English stemmer)."""
    stems, starts, _ = indexed_words(text)
    return stems, starts


def indexed_words(text: str) -> IndexedWords:
    """term_positions, plus each word as written (lower-cased)."""
    stop = stopwords()  # once per text, not once per word: a 20 MB document has millions
    found = [(m.start(), w) for m in _TOKEN.finditer(text) if (w := m.group().lower()) not in stop]
    written = [word for _, word in found]
    return IndexedWords(stemmer().stemWords(written), [start for start, _ in found], written)


def _bm25s():
    """The bm25s module, its logger quieted: importing it sets that logger to DEBUG, so every index
    build would print "DEBUG bm25s: Building index from tokens" under the user's command."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The words the index leaves out: bm25s's English stop list."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def stemmer():
    """The Snowball English stemmer the index uses (PyStemmer, shared)."""
    import Stemmer

    return Stemmer.Stemmer("english")
