"""Re-ranks candidate chunks with a small learned linear model over dense, sentence and keyword evidence.

The features are few and readable; the weights (assistant/ranker_weights.json) are fitted by
`python bench/train_ranker.py` on the dev splits in ../shared/evalsets, listwise over documents
(a document scores as its best chunk), so one model ranks passages for answers and documents for BEIR.
"""

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.keyword_index import KeywordMatch, RowLayout, RowTerms, term_positions

WEIGHTS_FILE = Path(__file__).with_name("ranker_weights.json")
FEATURES = (
    "dense",  # cosine of question and chunk
    "sentence",  # best cosine of question and one sentence of the chunk (late-chunked vectors)
    "keyword",  # BM25, as standard deviations above the corpus mean for this question
    "coverage",  # share of the question's IDF mass present in the chunk
    "rare_term",  # the question's rarest term is present
    "best_sentence",  # best sentence's cosine plus its own IDF coverage: one sentence that says it all
    "bigrams",  # question term pairs found side by side (up to 5)
    "document_coverage",  # share of the question's IDF mass anywhere in the chunk's document
    "document_chunks",  # log of the document's chunk count: long documents get more tries at max()
    "document_dense",  # cosine of question and the document's mean chunk vector: what the whole is about
)


@dataclass(frozen=True)
class Candidate:
    """A chunk in the running: its text and sentence ends, its vectors, and its keyword-index row."""

    text: str
    sentence_ends: tuple[int, ...]  # offsets into text
    vector: np.ndarray
    sentence_vectors: np.ndarray
    row: int  # keyword-index row, -1 when unknown
    document_vector: np.ndarray | None = None  # unit mean of its document's chunk vectors, when known


def features(vector: np.ndarray, match: KeywordMatch | None, layout: RowLayout, row_terms: RowTerms | None,
             candidates: list[Candidate]) -> np.ndarray:
    """One row of FEATURES per candidate."""
    rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
    if not candidates:
        return rows
    rows[:, 0] = [c.vector @ vector for c in candidates]
    cosines = [c.sentence_vectors @ vector if len(c.sentence_vectors) else np.array([rows[i, 0]])
               for i, c in enumerate(candidates)]
    rows[:, 1] = [s.max() for s in cosines]
    docs = np.array([layout.document_of_row[c.row] if c.row >= 0 else -1 for c in candidates])
    rows[:, 8] = [math.log(layout.document_sizes[d]) if d >= 0 else 0.0 for d in docs]
    rows[:, 9] = [c.document_vector @ vector if c.document_vector is not None else rows[i, 0]
                  for i, c in enumerate(candidates)]
    if match is None:
        rows[:, 5] = rows[:, 1]
        return rows
    weights = match.idf / match.idf.sum()
    where = np.array([c.row for c in candidates])
    scores = match.scores
    rows[:, 2] = (scores[np.maximum(where, 0)] - scores.mean()) / (scores.std() + 1e-9) * (where >= 0)
    present = np.stack([np.isin(where, r) for r in match.rows], axis=1)  # candidate x term
    rows[:, 3] = present @ weights
    rows[:, 4] = present[:, int(np.argmax(match.idf))]
    for i, candidate in enumerate(candidates):
        term, sentence = _query_terms_in(candidate, match, row_terms)
        inside = (term >= 0) & (sentence >= 0)
        held = np.zeros((len(cosines[i]), len(match.terms)), dtype=bool)
        held[np.minimum(sentence[inside], len(cosines[i]) - 1), term[inside]] = True
        rows[i, 5] = float((held @ weights + cosines[i]).max())
        # Query terms i, i+1 side by side in the chunk: phrases, names, "vitamin D deficiency".
        rows[i, 6] = min(int(((term[:-1] >= 0) & (term[1:] == term[:-1] + 1)).sum()), 5) / 5
    held = np.stack([np.isin(docs, np.unique(layout.document_of_row[r])) for r in match.rows], axis=1)
    rows[:, 7] = np.where(docs >= 0, held @ weights, rows[:, 3])
    return rows


def _query_terms_in(candidate: Candidate, match: KeywordMatch,
                    row_terms: RowTerms | None) -> tuple[np.ndarray, np.ndarray]:
    """Per word of the chunk: which query term it is (-1: none) and its sentence (-1: the title line)."""
    if row_terms is not None and candidate.row >= 0:
        ids, starts, length = row_terms.of(candidate.row)
        order = np.argsort(match.term_ids)
        found = np.minimum(np.searchsorted(match.term_ids[order], ids), len(order) - 1)
        term = np.where(match.term_ids[order][found] == ids, order[found], -1)
    else:  # a chunk the keyword index doesn't hold (yet): read its words now
        stems, starts = term_positions(candidate.text)
        number = {t: n for n, t in enumerate(match.terms)}
        term = np.array([number.get(s, -1) for s in stems], dtype=np.int64)
        starts, length = np.array(starts, dtype=np.int64), len(candidate.text)
    shift = length - len(candidate.text)  # the keyword index reads the title line in front
    sentence = np.searchsorted(np.array(candidate.sentence_ends) + shift, starts, side="right")
    return term, np.where(starts < shift, -1, sentence)


@lru_cache(maxsize=1)
def weights() -> np.ndarray:
    """The shipped weights, in FEATURES order."""
    shipped = json.loads(WEIGHTS_FILE.read_text())["weights"]
    if set(shipped) != set(FEATURES):
        raise ValueError(f"{WEIGHTS_FILE.name} was trained on other features; run python bench/train_ranker.py")
    return np.array([shipped[name] for name in FEATURES], dtype=np.float64)
