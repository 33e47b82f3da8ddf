"""BM25 keyword search over chunk texts, with English stemming and stop words, kept on disk in segments updated in place."""

import json
import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from index.files import write_atomically

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's token pattern, which the index used to be built with
_CURRENT = "CURRENT"  # names the published segments and their deleted rows
_FORMAT = 2  # segments; format 1 was one bm25s build per version
_K1, _B = 1.5, 0.75  # BM25 (Lucene's variant), bm25s's defaults
_ARRAYS = ("term", "start", "bounds", "length", "post_ptr", "post_row", "post_tf")
_FILES = ("ids.json", "groups.json", "words.json") + tuple(f"{name}.npy" for name in _ARRAYS)
_MAX_DEAD_SHARE = 0.25  # a segment with more of its rows deleted is rewritten without them
_BATCH = 4000  # chunks tokenized at a time: bounds the memory of indexing a large folder
# Segments merge up to this many rows and no further, so a merge's memory (about 3 KB a row at its peak) stays the
# same from 30,000 passages to 100,000 and beyond; a question reads one more segment per this many rows.
_MAX_MERGED_ROWS = 32_000


class IndexedWords(NamedTuple):
    """A text as the index reads it: stemmed words without stop words, where each starts, each as written."""

    stems: list[str]
    starts: list[int]
    written: list[str]  # lower-cased


@dataclass(frozen=True)
class KeywordMatch:
    """How a query meets the index: every row's BM25 score, and which rows hold each query term."""

    terms: list[str]  # distinct query terms the index holds, in query order
    words: list[str]  # each term as the query wrote it (lower-cased)
    term_ids: np.ndarray  # their vocabulary ids
    idf: np.ndarray  # one per term
    scores: np.ndarray  # BM25 score of every row (0 for deleted rows)
    rows: list[np.ndarray]  # per term, the rows that contain it, ascending


@dataclass(frozen=True)
class RowLayout:
    """Where each chunk sits: its row, and each row's document as a small integer with its chunk count."""

    row_of: dict[str, int]
    document_of_row: np.ndarray
    document_sizes: np.ndarray

    @classmethod
    def build(cls, ids: list[str], groups: list[str], live: np.ndarray | None = None) -> "RowLayout":
        """From the index's row ids and per-row document names (`live`: which rows count; all when None)."""
        number: dict[str, int] = {}
        of_row = np.array([number.setdefault(g, len(number)) for g in groups], dtype=np.int64)
        live = np.ones(len(ids), dtype=bool) if live is None else live
        return cls({cid: row for row, cid in enumerate(ids) if live[row]}, of_row,
                   np.bincount(of_row[live], minlength=len(number)))


@dataclass(frozen=True)
class _Segment:
    """Rows indexed together: their ids, documents, terms in order (forward) and postings (inverted), and
    the words they added to the vocabulary. Written once, never changed; read memory-mapped."""

    name: str
    ids: list[str]
    groups: list[str]
    words: list[list[str]]  # [stems, as first written] this segment added, in vocabulary order
    term: np.ndarray  # vocabulary id of each row's terms in order
    start: np.ndarray  # character offset of each
    bounds: np.ndarray  # row r's terms are term[bounds[r]:bounds[r + 1]]
    length: np.ndarray  # characters of each row's indexed text
    post_ptr: np.ndarray  # term t's postings are post_row/post_tf[post_ptr[t]:post_ptr[t + 1]]
    post_row: np.ndarray
    post_tf: np.ndarray

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, term frequencies) of one vocabulary id in this segment."""
        if term + 1 >= len(self.post_ptr):  # a word first indexed after this segment
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        first, last = self.post_ptr[term], self.post_ptr[term + 1]
        return self.post_row[first:last], self.post_tf[first:last]


@dataclass(frozen=True)
class RowTerms:
    """Each row's terms in order (vocabulary ids) with their character offsets in the indexed text."""

    segments: tuple[_Segment, ...]
    offsets: np.ndarray  # first row of each segment

    def of(self, row: int) -> tuple[np.ndarray, np.ndarray, int]:
        """(term ids, offsets, text length) of one row."""
        which = int(np.searchsorted(self.offsets, row, side="right")) - 1
        segment, local = self.segments[which], row - int(self.offsets[which])
        first, last = segment.bounds[local], segment.bounds[local + 1]
        return (np.asarray(segment.term[first:last]), np.asarray(segment.start[first:last], dtype=np.int64),
                int(segment.length[local]))


@dataclass
class _State:
    segments: list[_Segment]
    dead: dict[str, list[int]]  # per segment, its deleted rows
    generation: int = 0
    ids: list[str] = field(init=False)
    groups: list[str] = field(init=False)
    live: np.ndarray = field(init=False)
    offsets: np.ndarray = field(init=False)
    vocabulary: dict[str, int] = field(init=False)
    words: list[str] = field(init=False)  # per vocabulary id, the word as first written
    lengths: np.ndarray = field(init=False)  # terms per row
    live_rows: int = field(init=False)
    average_length: float = field(init=False)  # terms per live row: BM25's length norm, read by every question
    layout: RowLayout | None = None

    def __post_init__(self) -> None:
        self.ids = [cid for s in self.segments for cid in s.ids]
        self.groups = [g for s in self.segments for g in s.groups]
        self.offsets = np.cumsum([0] + [len(s.ids) for s in self.segments], dtype=np.int64)
        self.live = np.ones(len(self.ids), dtype=bool)
        for number, segment in enumerate(self.segments):
            self.live[np.asarray(self.dead.get(segment.name, []), dtype=np.int64) + self.offsets[number]] = False
        stems = [stem for s in self.segments for stem in s.words[0]]
        self.vocabulary = {stem: number for number, stem in enumerate(stems)}
        self.words = [word for s in self.segments for word in s.words[1]]
        self.lengths = np.concatenate([np.diff(s.bounds) for s in self.segments] or [np.zeros(0)]).astype(np.float32)
        self.live_rows = int(self.live.sum())
        self.average_length = float(self.lengths[self.live].mean()) if self.live_rows else 0.0

    def live_ids(self) -> list[str]:
        return [cid for cid, alive in zip(self.ids, self.live) if alive]


class KeywordIndex:
    """BM25 over chunk ids, updated by the chunks an ingest added and removed, not rebuilt.

    The rows live in segments, each written once to a folder of its own (its terms in order and its
    postings); an update writes one new segment for the added chunks and marks the removed ones
    deleted, and scores are computed at query time from term frequencies, so nothing already
    indexed is read again. A pointer file (CURRENT) names the published segments and deleted rows
    and is replaced in one step, so a reader in any process loads one version or the next, never
    half of each, and an update killed midway leaves the last published one in place. Small
    segments are merged, and a segment losing a quarter of its rows is rewritten, from their stored
    terms (no text is read or tokenized again).

    >>> keywords = KeywordIndex(Path(".footnote/keywords"))
    >>> keywords.rebuild(["c1"], ["The expulsion of 37 operatives"], ["article.txt"])
    >>> keywords.search("operatives expelled", 5)
    [('c1', 0.2...)]
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._state: _State | None = None

    def rebuild(self, ids: list[str], texts: list[str], groups: list[str] | None = None) -> None:
        """Index these chunks (replacing all earlier ones) in one new segment and publish it; `groups`
        names each row's document (each row is its own document when not given)."""
        generation = self._pointer().get("generation", 0) + 1
        vocabulary: dict[str, int] = {}
        segments = [_tokenized(self._segment_folder(generation), list(ids), list(groups or ids), texts,
                               vocabulary)] if ids else []
        self._publish(_State(segments, {}, generation))

    def sync(self, ids: list[str], texts_of: Callable[[list[str]], tuple[list[str], list[str], list[str]]]) -> bool:
        """Make the index hold exactly the chunks `ids`: the ones it lacks are added (`texts_of(some
        ids)` gives their (ids, texts, groups)), a batch at a time, the ones not among them deleted;
        whether it changed. An index missing or of an earlier format is started afresh."""
        if not self.is_current():
            self.rebuild([], [])
        held = set(self._latest().live_ids())
        added, removed = [cid for cid in ids if cid not in held], held.difference(ids)
        if removed and not added:
            self.update([], [], [], removed)
        for first in range(0, len(added), _BATCH):
            self.update(*texts_of(added[first:first + _BATCH]), removed=removed if first == 0 else set())
        return bool(added or removed)

    def update(self, ids: list[str], texts: list[str], groups: list[str], removed: set[str]) -> None:
        """Add these chunks and delete the `removed` ones, leaving the rest as they are on disk."""
        state = self._latest()
        generation = self._pointer().get("generation", 0) + 1
        dead = _deleted(state, removed)
        segments = list(state.segments)
        if ids:
            vocabulary = dict(state.vocabulary)
            segments.append(_tokenized(self._segment_folder(generation), ids, groups, texts, vocabulary))
        segments, dead = self._merged(segments, dead, generation)
        self._publish(_State(segments, dead, generation))

    def is_current(self) -> bool:
        """False when the index is missing or was written by an older version of this class."""
        pointer = self._pointer()
        return pointer.get("format") == _FORMAT and all(
            (self.folder / name / file).is_file() for name in pointer["segments"] for file in _FILES)

    def rows(self) -> int | None:
        """Rows of the published version (deleted ones left out), read from its pointer (None when there is none)."""
        return self._pointer().get("rows")

    def forget(self) -> None:
        """Drop the loaded version; the next read loads whatever is published then (another process may
        have changed the index)."""
        self._state = None

    def search(self, query: "str | IndexedWords", k: int) -> list[tuple[str, float]]:
        """Up to k (chunk id, BM25 score) pairs with a positive score, best first."""
        match = self.match(query)
        if match is None:
            return []
        top = np.argsort(-match.scores)[:k]
        ids = self._loaded().ids
        return [(ids[i], float(match.scores[i])) for i in top if match.scores[i] > 0]

    def match(self, query: "str | IndexedWords") -> KeywordMatch | None:
        """Scores and term postings of `query` (its text, or its indexed_words read once before); None
        when it shares no term with the index."""
        state = self._loaded()
        stems, _, written = indexed_words(query) if isinstance(query, str) else query
        as_written = {s: w for s, w in zip(reversed(stems), reversed(written))}
        found = [(t, state.vocabulary[t], *_postings(state, state.vocabulary[t]))
                 for t in dict.fromkeys(stems) if t in state.vocabulary]
        found = [entry for entry in found if len(entry[2])]  # words of deleted rows alone
        if not found:
            return None
        count, lengths, average = state.live_rows, state.lengths, state.average_length
        idf = np.array([math.log(1 + (count - len(rows) + 0.5) / (len(rows) + 0.5)) for _, _, rows, _ in found])
        scores = np.zeros(len(state.ids), dtype=np.float32)
        for weight, (_, _, rows, tf) in zip(idf, found):
            scores[rows] += (weight * tf / (tf + _K1 * (1 - _B + _B * lengths[rows] / average))).astype(np.float32)
        terms = [term for term, _, _, _ in found]
        return KeywordMatch(terms, [as_written[t] for t in terms], np.array([number for _, number, _, _ in found]),
                            idf, scores, [rows for _, _, rows, _ in found])

    def ids(self) -> list[str]:
        """Chunk ids in the index, in row order."""
        return self._loaded().live_ids()

    def ids_at(self, rows: np.ndarray) -> list[str]:
        """Chunk ids of some rows."""
        ids = self._loaded().ids
        return [ids[row] for row in rows]

    def layout(self) -> RowLayout:
        """Rows and documents of the indexed chunks (computed once per index version)."""
        state = self._loaded()
        if state.layout is None:
            state.layout = RowLayout.build(state.ids, state.groups, state.live)
        return state.layout

    def row_terms(self) -> RowTerms | None:
        """The terms of every row in order, for phrase and per-sentence matching."""
        state = self._loaded()
        return RowTerms(tuple(state.segments), state.offsets) if state.segments else None

    def pinned(self) -> "KeywordIndex":
        """This index as it is now, for one question's several reads: an update by a concurrent ingest
        swaps in new rows, and a match must not meet the layout or word positions of another version."""
        copy = KeywordIndex(self.folder)
        copy._state = self._loaded()
        return copy

    def words(self) -> list[str] | None:
        """Per vocabulary id (as in RowTerms), the word as the documents first write it."""
        state = self._loaded()
        return state.words if state.segments else None

    def vocabulary(self) -> dict[str, int]:
        """Stem → vocabulary id."""
        return self._loaded().vocabulary

    def _loaded(self) -> _State:
        state = self._state
        if state is not None:
            return state
        for attempt in range(3):
            pointer = self._pointer()
            if pointer.get("format") != _FORMAT:
                state = _State([], {})
                break
            try:
                state = _State([_load(self.folder / name) for name in pointer["segments"]], pointer["dead"],
                               pointer["generation"])
                break
            except FileNotFoundError:  # a writer published twice and cleaned this version away: read the newer
                if attempt == 2:
                    raise
        self._state = state
        return state

    def _latest(self) -> _State:
        """The published version, reloaded if another process published since this one loaded."""
        if self._state is not None and self._state.generation != self._pointer().get("generation", 0):
            self._state = None
        return self._loaded()

    def _merged(self, segments: list[_Segment], dead: dict[str, list[int]],
                generation: int) -> tuple[list[_Segment], dict[str, list[int]]]:
        """Rewrite each segment that lost a quarter of its rows, then merge the newest two while the
        newest holds at least half as many rows as the one before and the two no more than
        _MAX_MERGED_ROWS (so a row is merged about log2 of that many times over its life); merged
        rows leave their deleted ones behind."""
        written = 0

        def merged(parts: list[_Segment]) -> list[_Segment]:
            nonlocal written
            written += 1
            # Kept even when no row is left: its words keep their vocabulary ids, which later segments' follow.
            return [_merge(self._segment_folder(generation, f"m{written}-"), parts, dead)]

        kept: list[_Segment] = []
        for segment in segments:
            kept += merged([segment]) if len(dead.get(segment.name, [])) > _MAX_DEAD_SHARE * len(segment.ids) \
                else [segment]
        while len(kept) > 1:
            older, newest = _live(kept[-2], dead), _live(kept[-1], dead)
            if 2 * newest < older or older + newest > _MAX_MERGED_ROWS:
                break
            kept[-2:] = merged(kept[-2:])
        names = {s.name for s in kept}
        return kept, {name: rows for name, rows in dead.items() if name in names}

    def _publish(self, state: _State) -> None:
        previous = self._pointer().get("segments", [])
        names = [s.name for s in state.segments]
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self.folder / _CURRENT, json.dumps({
            "format": _FORMAT, "generation": state.generation, "segments": names,
            "dead": {name: rows for name, rows in state.dead.items() if rows},
            "rows": int(state.live.sum())}))
        self._state = state  # one swap: a concurrent search never pairs new rows with old ids
        self._clean(keep=set(names) | set(previous))

    def _segment_folder(self, generation: int, kind: str = "s") -> Path:
        folder = self.folder / f"{kind}{generation:08d}"
        shutil.rmtree(folder, ignore_errors=True)  # what an update killed before publishing left behind
        folder.mkdir(parents=True)
        return folder

    def _pointer(self) -> dict:
        try:
            return json.loads((self.folder / _CURRENT).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _clean(self, keep: set) -> None:
        """Remove segments neither this version nor the one before names (a reader may still be
        loading that one), and whatever earlier formats left."""
        for path in self.folder.iterdir():
            if path.name == _CURRENT or path.name in keep:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _live(segment: _Segment, dead: dict[str, list[int]]) -> int:
    return len(segment.ids) - len(dead.get(segment.name, []))


def _postings(state: _State, term: int) -> tuple[np.ndarray, np.ndarray]:
    """(index rows, term frequencies) of one vocabulary id across segments, deleted rows left out."""
    rows, tfs = [], []
    for offset, segment in zip(state.offsets, state.segments):
        local, tf = segment.postings(term)
        rows.append(local.astype(np.int64) + offset)
        tfs.append(tf)
    rows, tf = np.concatenate(rows), np.concatenate(tfs).astype(np.float32)
    alive = state.live[rows]
    return rows[alive], tf[alive]


def _deleted(state: _State, removed: set[str]) -> dict[str, list[int]]:
    """The state's deleted rows per segment, with the rows of `removed` added."""
    dead = {name: list(rows) for name, rows in state.dead.items()}
    if removed:
        for segment in state.segments:
            rows = [row for row, cid in enumerate(segment.ids) if cid in removed]
            if rows:
                dead[segment.name] = sorted(set(dead.get(segment.name, [])) | set(rows))
    return dead


def _tokenized(folder: Path, ids: list[str], groups: list[str], texts: list[str],
               vocabulary: dict[str, int]) -> _Segment:
    """A segment of new rows, read from their texts; `vocabulary` gains their new words."""
    split = [indexed_words(text) for text in texts]
    new_words: dict[str, str] = {}  # the first way each new stem is written, in order
    for stems, _, written in split:
        for stem, word in zip(stems, written):
            if stem not in vocabulary:
                vocabulary[stem] = len(vocabulary)
                new_words[stem] = word
    term = np.array([vocabulary[s] for stems, _, _ in split for s in stems], dtype=np.int32)
    start = np.array([p for _, starts, _ in split for p in starts], dtype=np.int32)
    bounds = np.cumsum([0] + [len(stems) for stems, _, _ in split], dtype=np.int64)
    length = np.array([len(text) for text in texts], dtype=np.int32)
    return _written(folder, ids, groups, [list(new_words), list(new_words.values())], term, start, bounds, length,
                    len(vocabulary))


def _merge(folder: Path, segments: list[_Segment], dead: dict[str, list[int]]) -> _Segment:
    """One segment of these segments' live rows, from their stored terms; it keeps their words, so
    vocabulary ids stay what they were."""
    ids, groups, terms, starts, counts, lengths = [], [], [], [], [], []
    for segment in segments:
        live = np.ones(len(segment.ids), dtype=bool)
        live[dead.get(segment.name, [])] = False
        sizes = np.diff(segment.bounds)
        kept = np.repeat(live, sizes)
        terms.append(np.asarray(segment.term)[kept])
        starts.append(np.asarray(segment.start)[kept])
        counts.append(sizes[live])
        lengths.append(np.asarray(segment.length)[live])
        ids += [cid for cid, alive in zip(segment.ids, live) if alive]
        groups += [g for g, alive in zip(segment.groups, live) if alive]
    words = [[w for s in segments for w in s.words[0]], [w for s in segments for w in s.words[1]]]
    bounds = np.concatenate([[0], np.cumsum(np.concatenate(counts))]).astype(np.int64)
    return _written(folder, ids, groups, words, np.concatenate(terms), np.concatenate(starts), bounds,
                    np.concatenate(lengths), max(len(s.post_ptr) - 1 for s in segments))


def _written(folder: Path, ids: list[str], groups: list[str], words: list[list[str]], term: np.ndarray,
             start: np.ndarray, bounds: np.ndarray, length: np.ndarray, vocabulary_size: int) -> _Segment:
    """The segment with its postings, saved to `folder` and read back memory-mapped."""
    arrays = {"term": term.astype(np.int32), "start": _narrow(start), "bounds": bounds.astype(np.int64),
              "length": length.astype(np.int32)} | _postings_of(term, np.diff(bounds), vocabulary_size)
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", array)
    (folder / "words.json").write_text(json.dumps(words))
    (folder / "groups.json").write_text(json.dumps(groups))
    (folder / "ids.json").write_text(json.dumps(ids))  # last: a segment with its ids is complete
    return _load(folder)


def _postings_of(term: np.ndarray, sizes: np.ndarray, vocabulary_size: int) -> dict[str, np.ndarray]:
    """The inverted arrays (post_ptr, post_row, post_tf) of rows holding `sizes` terms each, in `term`.

    Each (term, row) pair is one int64 key (term x rows + row), sorted in place and counted where it
    changes; term t's postings start at the first key of t x rows. np.unique of the keys (a sorted copy, int64
    rows, the terms divided out) made merging a 100k-passage index's segments peak at 495 MB; this, at 365."""
    rows = len(sizes) or 1
    keys = term.astype(np.int64)
    keys *= rows
    keys += np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    keys.sort()
    changes = np.empty(len(keys), dtype=bool)
    changes[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=changes[1:])
    first = np.flatnonzero(changes)
    del changes
    keys = keys[first]
    tf = _narrow(np.diff(first, append=len(term)))
    del first
    pointers = np.searchsorted(keys, np.arange(vocabulary_size + 1, dtype=np.int64) * rows)
    np.remainder(keys, rows, out=keys)  # each posting's row
    return {"post_ptr": pointers.astype(np.int64, copy=False), "post_row": _narrow(keys), "post_tf": tf}


def _narrow(values: np.ndarray) -> np.ndarray:
    """Non-negative integers in the fewest bytes that hold them: offsets in a chunk and counts of a
    word in it are small, and most of the index is made of them."""
    largest = int(values.max(initial=0))
    kind = next(t for t in (np.uint8, np.uint16, np.uint32, np.int64) if t is np.int64 or largest <= np.iinfo(t).max)
    return values.astype(kind, copy=False)


def _load(folder: Path) -> _Segment:
    # Memory-mapped: a process holds only the pages its questions read, and shares them with others.
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
    return _Segment(folder.name, json.loads((folder / "ids.json").read_text()),
                    json.loads((folder / "groups.json").read_text()),
                    json.loads((folder / "words.json").read_text()), **arrays)


def term_positions(text: str) -> tuple[list[str], list[int]]:
    """Stemmed words of `text` without stop words, in order, with where each starts: what the index
    stores and matches (bm25s's token pattern, stop list and Snowball English stemmer)."""
    stems, starts, _ = indexed_words(text)
    return stems, starts


def indexed_words(text: str) -> IndexedWords:
    """term_positions, plus each word as written (lower-cased)."""
    stop = stopwords()  # once per text, not once per word: a 20 MB document has millions
    found = [(m.start(), w) for m in _TOKEN.finditer(text) if (w := m.group().lower()) not in stop]
    written = [word for _, word in found]
    return IndexedWords(stemmer().stemWords(written), [start for start, _ in found], written)


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
