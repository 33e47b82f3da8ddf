"""Unit-length vectors: the form every stored and compared embedding takes, so a dot product is a cosine."""

import numpy as np


def unit(rows: np.ndarray) -> np.ndarray:
    """rows (or one vector) scaled to length 1 along the last axis; all-zero rows stay zero."""
    return rows / np.clip(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12, None)
