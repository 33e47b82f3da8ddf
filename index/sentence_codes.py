"""How a chunk's sentence vectors are stored: product-quantized, 96 bytes a sentence.

Each sentence's unit vector (384 numbers) is cut into 96 slices of 4, each stored as the nearest of 256 centres
fitted on document text (index/sentence_codebooks.npy, training/sentence_codebooks.py): half of int4's 192 bytes,
and a kernel-documentation chunk carries about eleven sentences, so this was a fifth of what a passage cost on disk.
Catalogs hold the earlier forms too (int4, int8, float16) until compact() rewrites them; all are read.

A decoded vector keeps a cosine of about FIDELITY with the one it codes, and a question's cosine with it shrinks by
that factor on average (the coding error is a direction of its own); the answerer's gate was fitted on cosines
with the int4 form, which are within 0.5% of the true ones, so decoded rows are scaled back up by it. Without the
scale the sample article's "How many operatives were expelled?" fell from confidence 0.32 to 0.24 and declined.
"""

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.product_quantizer import ProductQuantizer
from index.vectors import from_stored

CODEBOOK_FILE = Path(__file__).with_name("sentence_codebooks.npy")
DIMENSION = 384  # the embedding model's
SLICES = 96
# The mean cosine of a sentence vector with its decoded form: 0.953 on SQuAD paragraphs and 0.951 on kernel
# documentation as the slope of question-sentence cosines (training/sentence_codebooks.py prints it for a refit).
FIDELITY = 0.95
QUANTIZER = ProductQuantizer(CODEBOOK_FILE, DIMENSION, SLICES, b"S")


def to_bytes(rows: np.ndarray) -> bytes:
    """Storage form of a chunk's sentence vectors (unit rows, in sentence order)."""
    return QUANTIZER.quantize(rows)


def to_bytes_each(chunks: Sequence[np.ndarray]) -> list[bytes]:
    """to_bytes() of each chunk's sentence vectors, coded together (a third of the time of a call each)."""
    return QUANTIZER.quantize_each(chunks)


def from_bytes(blob: bytes) -> np.ndarray:
    """Float32 rows from any stored form: unit rows, or decoded ones scaled by 1 / FIDELITY."""
    return from_bytes_each([blob])[0]


def from_bytes_each(blobs: Sequence[bytes]) -> list[np.ndarray]:
    """from_bytes() of each blob, the current ones decoded together."""
    return QUANTIZER.decode_mixed(blobs, _from_earlier_form, FIDELITY)


def _from_earlier_form(blob: bytes) -> np.ndarray:
    return from_stored(blob, DIMENSION, legacy=np.float16)


def is_current(blob: bytes) -> bool:
    """Whether a stored blob is in to_bytes' form."""
    return QUANTIZER.is_current(blob)
