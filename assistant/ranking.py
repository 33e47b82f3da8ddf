"""Re-ranks candidate chunks with a small learned linear model over dense, sentence and keyword evidence.

The features are few and readable; the weights (assistant/ranker_weights.json) are fitted by
`python -m training ranker` on the dev splits in ../shared/evalsets, listwise over documents
(a document scores as its best chunk). Questions and statements (a claim to check, or keywords) get
weights of their own: what marks the passage that answers "Who recovered the fumble?" is not what
marks the abstract that bears on "Vitamin D lowers fracture risk.", and one compromise serves both worse.
"""

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.candidates import CandidateChunk, CandidatePool
from index.embedder import EmbeddedQuery
from index.keyword_index import KeywordMatch, RowLayout, RowTerms, term_positions
from index.model_files import shipped_file

from assistant.term_vectors import TermVectors
from assistant.terms import is_question, stopwords as question_words
from assistant.word_similarity import credit

WEIGHTS_FILE = Path(__file__).with_name("ranker_weights.json")
QUERY_KINDS = ("question", "statement")
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
    "soft_coverage",  # coverage, with absent terms credited for close words ("detained" for "arrested")
    "soft_best_sentence",  # best_sentence, with the same credit for close words
    "late_interaction",  # mean over the question's word-pieces of the best cosine with one of the chunk's (MaxSim)
    "late_interaction_weakest",  # the same over the worse-matched half: the chunk must say all of it
)


def chunk_features(vector: np.ndarray, pool: CandidatePool, term_vectors: TermVectors | None = None,
                   question_pieces: np.ndarray | None = None) -> np.ndarray:
    """One row of FEATURES per candidate chunk of the pool; without `term_vectors` the soft features
    credit exact terms only, and without `question_pieces` (question_pieces()) the late-interaction
    features are left at 0."""
    candidates, match, layout = pool.candidates, pool.match, pool.layout
    rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
    if not candidates:
        return rows
    rows[:, 12:14] = _late_interaction(question_pieces, candidates)
    rows[:, 0] = [c.vector @ vector for c in candidates]
    cosines = [c.sentence_vectors @ vector if len(c.sentence_vectors) else np.array([rows[i, 0]])
               for i, c in enumerate(candidates)]
    rows[:, 1] = [s.max() for s in cosines]
    docs = np.array([layout.document_of_row[c.row] if c.row >= 0 else -1 for c in candidates])
    rows[:, 8] = [math.log(layout.document_sizes[d]) if d >= 0 else 0.0 for d in docs]
    rows[:, 9] = [c.document_vector @ vector if c.document_vector is not None else rows[i, 0]
                  for i, c in enumerate(candidates)]
    if match is None:
        rows[:, 5] = rows[:, 11] = rows[:, 1]
        return rows
    weights = match.idf / match.idf.sum()
    where = np.array([c.row for c in candidates])
    scores = match.scores
    rows[:, 2] = (scores[np.maximum(where, 0)] - scores.mean()) / (scores.std() + 1e-9) * (where >= 0)
    present = np.stack([_among(r, where) for r in match.rows], axis=1)  # candidate x term
    rows[:, 3] = present @ weights
    rows[:, 4] = present[:, int(np.argmax(match.idf))]
    rows[:, [5, 6, 10, 11]] = _word_features(match, pool.row_terms, candidates, cosines, pool.vocabulary, term_vectors)
    held = np.stack([_documents_holding(layout, r)[docs] for r in match.rows], axis=1)
    rows[:, 7] = np.where(docs >= 0, held @ weights, rows[:, 3])
    return rows


def question_pieces(query: EmbeddedQuery, content_spans: list[tuple[int, int]]) -> np.ndarray:
    """The question's word-piece vectors that fall in its content words' spans ("who", "did" and "the"
    would match some word-piece of any chunk); all of them when the question has no content word."""
    keep = [i for i, (start, _) in enumerate(query.token_spans) if any(s <= start < e for s, e in content_spans)]
    return query.tokens[keep] if keep else query.tokens


def _late_interaction(pieces: np.ndarray | None, candidates: list[CandidateChunk]) -> np.ndarray:
    """late_interaction and late_interaction_weakest of each candidate. A chunk without word-piece
    vectors gets the mean of those with them: the same for all, so it neither wins nor loses by it."""
    scores = np.zeros((len(candidates), 2))
    have = np.array([c.token_vectors is not None and len(c.token_vectors) > 0 for c in candidates])
    if pieces is None or not len(pieces) or not have.any():
        return scores
    held = [c.token_vectors for c, h in zip(candidates, have) if h]
    cosines = pieces @ np.vstack(held).T
    best = np.sort(np.maximum.reduceat(cosines, np.r_[0, np.cumsum([len(t) for t in held])[:-1]], axis=1), axis=0)
    scores[have] = np.column_stack([best.mean(axis=0), best[: max(1, len(pieces) // 2)].mean(axis=0)])
    scores[~have] = scores[have].mean(axis=0)
    return scores


def _among(rows: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Whether each of `where` is one of `rows` (ascending): a binary search per candidate, where np.isin sorted a
    common word's rows, which grow with the corpus."""
    at = np.minimum(np.searchsorted(rows, where), len(rows) - 1)
    return rows[at] == where


def _documents_holding(layout: RowLayout, rows: np.ndarray) -> np.ndarray:
    """Per document number, whether one of `rows` is its chunk; one more entry, False, for docs[i] = -1 (a
    chunk the keyword index does not hold). A pass over the rows: sorting them (np.unique) grew with the corpus,
    as a common word's rows do."""
    held = np.zeros(len(layout.document_sizes) + 1, dtype=bool)
    held[layout.document_of_row[rows]] = True
    return held


def _word_features(match: KeywordMatch, row_terms: RowTerms | None, candidates: list[CandidateChunk],
                   cosines: list[np.ndarray], vocabulary: list[str] | None,
                   term_vectors: TermVectors | None) -> np.ndarray:
    """best_sentence, bigrams, soft_coverage and soft_best_sentence of each candidate."""
    weights = match.idf / match.idf.sum()
    # Every word of every candidate in one array, numbered by line: a candidate's title line, then its sentences.
    found = [_query_terms_in(candidate, match, row_terms) for candidate in candidates]
    term, sentence = (np.concatenate([f[k] for f in found]) for k in (1, 2))
    owner = np.repeat(np.arange(len(candidates)), [len(f[1]) for f in found])
    lines = np.array([len(c) + 1 for c in cosines])
    first_line = np.r_[0, np.cumsum(lines)[:-1]]
    line = first_line[owner] + np.where(sentence >= 0, np.minimum(sentence, lines[owner] - 2) + 1, 0)
    close = _soft_credit(match, np.concatenate([f[0] for f in found]), vocabulary, term_vectors)
    exact, soft = np.split(_best_by_line(np.vstack([term == np.arange(len(weights))[:, None], close]), line,
                                         int(lines.sum())), 2, axis=1)
    cosine = np.concatenate([np.r_[-np.inf, c] for c in cosines])  # the title line is no sentence
    # Query terms i, i+1 side by side in the chunk: phrases, names, "vitamin D deficiency".
    side_by_side = (term[:-1] >= 0) & (term[1:] == term[:-1] + 1) & (owner[:-1] == owner[1:])
    return np.column_stack([
        np.maximum.reduceat(exact @ weights + cosine, first_line),
        np.minimum(np.bincount(owner[:-1][side_by_side], minlength=len(candidates)), 5) / 5,
        np.maximum.reduceat(soft, first_line, axis=0) @ weights,
        np.maximum.reduceat(soft @ weights + cosine, first_line),
    ])


def _query_terms_in(candidate: CandidateChunk, match: KeywordMatch,
                    row_terms: RowTerms | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per word of the chunk: its vocabulary id (-1: unknown), which query term it is (-1: none) and
    its sentence (-1: the title line)."""
    if row_terms is not None and candidate.row >= 0:
        ids, starts, length = row_terms.of(candidate.row)
        order = np.argsort(match.term_ids)
        found = np.minimum(np.searchsorted(match.term_ids[order], ids), len(order) - 1)
        term = np.where(match.term_ids[order][found] == ids, order[found], -1)
    else:  # a chunk the keyword index doesn't hold (yet): read its words now
        stems, starts = term_positions(candidate.text)
        number = {t: n for n, t in enumerate(match.terms)}
        term = np.array([number.get(s, -1) for s in stems], dtype=np.int64)
        ids = np.where(term >= 0, match.term_ids[term], -1)
        starts, length = np.array(starts, dtype=np.int64), len(candidate.text)
    shift = length - len(candidate.text)  # the keyword index reads the title line in front
    sentence = np.searchsorted(np.array(candidate.sentence_ends) + shift, starts, side="right")
    return ids, term, np.where(starts < shift, -1, sentence)


def _best_by_line(values: np.ndarray, line: np.ndarray, lines: int) -> np.ndarray:
    """(lines x rows of `values`): the maximum of each row of `values` (one column per word) over
    the words of each line; `line` numbers each word's line, in runs."""
    best = np.zeros((lines, len(values)))
    if len(line):
        runs = np.flatnonzero(np.r_[True, line[1:] != line[:-1]])
        np.maximum.at(best, line[runs], np.maximum.reduceat(values, runs, axis=1).T)
    return best


def _soft_credit(match: KeywordMatch, ids: np.ndarray, vocabulary: list[str] | None,
                 term_vectors: TermVectors | None) -> np.ndarray:
    """(query term x word) credit for words given by vocabulary id: 1 for the term itself, otherwise
    how close the word's vector comes to the term's. Question words ("who", "did") only count as themselves."""
    distinct, inverse = np.unique(ids, return_inverse=True)
    grid = (distinct[None, :] == match.term_ids[:, None]).astype(np.float64)
    if vocabulary is not None and term_vectors is not None and len(distinct):
        softened = np.array([w not in question_words() for w in match.words])[:, None]
        cosines = term_vectors.similarity.vectors(match.words) @ term_vectors.of(vocabulary, np.maximum(distinct, 0)).T
        grid = np.maximum(grid, credit(cosines) * softened * (distinct >= 0))
    return grid[:, inverse]


def query_kind(query: str) -> str:
    """Which of QUERY_KINDS `query` is, and so which weights rank for it."""
    return "question" if is_question(query) else "statement"


@lru_cache(maxsize=len(QUERY_KINDS))
def weights(kind: str) -> np.ndarray:
    """The shipped weights for one of QUERY_KINDS, in FEATURES order."""
    shipped = json.loads(shipped_file(WEIGHTS_FILE).read_text())["weights"][kind]
    if set(shipped) != set(FEATURES):
        raise ValueError(f"{WEIGHTS_FILE.name} was trained on other features; run python -m training ranker")
    return np.array([shipped[name] for name in FEATURES], dtype=np.float64)
