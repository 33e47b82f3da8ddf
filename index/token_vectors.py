"""Contextual word-piece vectors, compressed for late interaction: 96 principal directions, product-quantized.

A chunk's vector averages its word-pieces away; keeping each word-piece's own vector lets a question
be matched word by word in context (ColBERT's MaxSim). At 384 float32 numbers a word-piece that would
be six times the chunk text; projected onto the model's 96 main directions (as int8, 96 bytes: what
a question's word-pieces are matched with) MaxSim keeps its ranking gain (measured on the dev splits:
see training/token_projection.py). Stored, each word-piece is 16 bytes: each sixth of its 96 numbers
as the nearest of 256 shapes learnt from the dev corpora (training/token_codebook.py), which costs
the rankings nothing measurable (bench/ranking_quality.py).
"""

from functools import lru_cache
from pathlib import Path

import numpy as np

from index.model_files import shipped_file
from index.vectors import unit

PROJECTION_FILE = Path(__file__).with_name("token_projection.npy")
CODEBOOK_FILE = Path(__file__).with_name("token_codebook.npy")
DIMENSIONS = 96
SUBSPACES, CENTROIDS = 16, 256  # a stored word-piece: one byte per sixth of its numbers
_FIRST_SHAPE = np.arange(SUBSPACES) * CENTROIDS  # where each subspace's shapes start in _shapes()
_CODES = b"P"  # first byte of product-quantized rows (older catalogs hold int8 rows: a length of 96 n)


@lru_cache(maxsize=1)
def projection() -> np.ndarray:
    """(DIMENSIONS x 384) rows: the principal directions of the model's word-piece vectors."""
    return np.load(shipped_file(PROJECTION_FILE)).astype(np.float32)


@lru_cache(maxsize=1)
def codebook() -> np.ndarray:
    """(SUBSPACES x CENTROIDS x DIMENSIONS / SUBSPACES): the shapes each sixth of a stored word-piece is one of."""
    return np.load(shipped_file(CODEBOOK_FILE)).astype(np.float32)


@lru_cache(maxsize=1)
def _shapes() -> np.ndarray:
    """The codebook as one table of shapes, subspace after subspace: one gather decodes a row (a third
    faster than indexing by subspace and code, on the ~10,000 word-pieces a question's candidates hold)."""
    return codebook().reshape(SUBSPACES * CENTROIDS, -1)


def fit_projection(states: np.ndarray) -> np.ndarray:
    """Principal directions of a sample of unit word-piece vectors (rows), most variance first."""
    _, _, directions = np.linalg.svd(states - states.mean(axis=0), full_matrices=False)
    return directions[:DIMENSIONS].astype(np.float32)


def compress(states: np.ndarray) -> np.ndarray:
    """(n x 384) word-piece vectors → (n x DIMENSIONS) int8 unit vectors."""
    projected = unit(unit(states.astype(np.float32)) @ projection().T)
    return np.round(projected * 127).astype(np.int8)


def to_bytes(compressed: np.ndarray) -> bytes:
    """Storage form of compress()'s output: one codebook entry per subspace of each row."""
    rows = expand(compressed).reshape(len(compressed), SUBSPACES, -1)
    shapes = codebook()
    codes = np.empty((len(rows), SUBSPACES), dtype=np.uint8)
    for part in range(SUBSPACES):
        # |x - c|^2 = |c|^2 - 2 x.c + |x|^2; the last is the same for every c.
        distances = (shapes[part] ** 2).sum(axis=1) - 2 * rows[:, part] @ shapes[part].T
        codes[:, part] = np.argmin(distances, axis=1)
    return _CODES + codes.tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    """Unit float32 rows back from storage (to_bytes's, or the int8 rows of older catalogs)."""
    if len(blob) % DIMENSIONS == 0:
        return expand(np.frombuffer(blob, dtype=np.int8).reshape(-1, DIMENSIONS))
    codes = np.frombuffer(blob, dtype=np.uint8, offset=1).reshape(-1, SUBSPACES)
    rows = _shapes()[codes + _FIRST_SHAPE].reshape(len(codes), DIMENSIONS)
    return rows / np.sqrt(np.clip(np.einsum("ij,ij->i", rows, rows), 1e-24, None))[:, None]


def fit_codebook(rows: np.ndarray, rounds: int = 25, seed: int = 0) -> np.ndarray:
    """k-means (CENTROIDS shapes) in each subspace of a sample of expand()ed word-piece rows."""
    random = np.random.default_rng(seed)
    parts = rows.reshape(len(rows), SUBSPACES, -1)
    shapes = np.stack([parts[random.choice(len(rows), CENTROIDS, replace=False), part] for part in range(SUBSPACES)])
    for _ in range(rounds):
        for part in range(SUBSPACES):
            points = parts[:, part]
            nearest = np.argmin((shapes[part] ** 2).sum(axis=1) - 2 * points @ shapes[part].T, axis=1)
            sums = np.zeros_like(shapes[part])
            np.add.at(sums, nearest, points)
            counts = np.bincount(nearest, minlength=CENTROIDS)
            used = counts > 0  # an empty cluster keeps its shape
            shapes[part][used] = sums[used] / counts[used, None]
    return shapes.astype(np.float32)


def expand(compressed: np.ndarray) -> np.ndarray:
    """compress()'s int8 rows as float32 unit rows (cosines within about 1% of the projected ones)."""
    return compressed.astype(np.float32) / 127
