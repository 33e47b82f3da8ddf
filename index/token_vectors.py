"""Contextual word-piece vectors, compressed for late interaction: 96 principal directions, int8.

A chunk's vector averages its word-pieces away; keeping each word-piece's own vector lets a question
be matched word by word in context (ColBERT's MaxSim). At 384 float32 numbers a word-piece that would
be six times the chunk text; projected onto the model's 96 main directions and stored as int8 it is
96 bytes, and MaxSim keeps its ranking gain (measured on the dev splits: see training/token_projection.py).
"""

from functools import lru_cache
from pathlib import Path

import numpy as np

from index.model_files import shipped_file
from index.vectors import unit

PROJECTION_FILE = Path(__file__).with_name("token_projection.npy")
DIMENSIONS = 96


@lru_cache(maxsize=1)
def projection() -> np.ndarray:
    """(DIMENSIONS x 384) rows: the principal directions of the model's word-piece vectors."""
    return np.load(shipped_file(PROJECTION_FILE)).astype(np.float32)


def fit_projection(states: np.ndarray) -> np.ndarray:
    """Principal directions of a sample of unit word-piece vectors (rows), most variance first."""
    _, _, directions = np.linalg.svd(states - states.mean(axis=0), full_matrices=False)
    return directions[:DIMENSIONS].astype(np.float32)


def compress(states: np.ndarray) -> np.ndarray:
    """(n x 384) word-piece vectors → (n x DIMENSIONS) int8 unit vectors."""
    projected = unit(unit(states.astype(np.float32)) @ projection().T)
    return np.round(projected * 127).astype(np.int8)


def to_bytes(compressed: np.ndarray) -> bytes:
    """Storage form of compress()'s output."""
    return compressed.astype(np.int8).tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    """Unit float32 rows back from storage."""
    return expand(np.frombuffer(blob, dtype=np.int8).reshape(-1, DIMENSIONS))


def expand(compressed: np.ndarray) -> np.ndarray:
    """compress()'s int8 rows as float32 unit rows (cosines within about 1% of the projected ones)."""
    return compressed.astype(np.float32) / 127

