"""Contextual word-piece vectors, compressed for late interaction: content words only, 96 principal directions,
product-quantized to 24 bytes.

A chunk's vector averages its word-pieces away; keeping each word-piece's own vector lets a question
be matched word by word in context (ColBERT's MaxSim). At 384 float32 numbers a word-piece that would
be six times the chunk text; projected onto the model's 96 main directions it keeps MaxSim's ranking gain
(measured on the dev splits: see training/token_projection.py), and stored as 4-bit numbers scaled to each
row's largest (the scale need not be kept: rows are compared as unit vectors) it is 48 bytes. Int4 instead of
int8 halved what a chunk stores and moved SciFact nDCG@10 0.7563 -> 0.7570 and held-out SQuAD hit@1 not at all.
Product quantization halves it again: each row's 24 slices of 4 numbers are stored as the nearest of 256 centres
fitted on document text (index/token_codebooks.npy, training/token_codebooks.py), one byte a slice. Measured on
freshly built dev indexes: SciFact nDCG@10 0.7579 -> 0.7572, held-out SQuAD hit@1 0.8785 -> 0.8770 (16 slices of 6,
16 bytes, with codebooks fitted on the other corpus: 0.7556 and 0.8734, too far on SQuAD).
A question is matched with its content words' word-pieces alone, so a chunk keeps only its own content
words' too: punctuation and stop words were 32% of a SciFact chunk's word-pieces and 41% of a kernel
documentation one's, and dropping them moved SciFact nDCG@10 0.7608 -> 0.7598 and SQuAD hit@1 0.852 -> 0.851.
"""

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.keyword_index import stopwords
from index.model_files import shipped_file
from index.product_quantizer import ProductQuantizer
from index.vectors import opens_with, unit, unpack_int4

PROJECTION_FILE = Path(__file__).with_name("token_projection.npy")
CODEBOOK_FILE = Path(__file__).with_name("token_codebooks.npy")
DIMENSIONS = 96
CODEBOOKS = 24  # slices of a row, a byte each
# The stored form, recorded in each catalog: one of an earlier form is upgraded in place (index/word_piece_upgrade.py).
FORMAT = f"content-pieces-{DIMENSIONS}-pq{CODEBOOKS}"
INT4_FORMAT = f"content-pieces-{DIMENSIONS}-int4"  # the form before: the same rows as int4, 48 bytes each
INT8_FORMAT = f"content-pieces-{DIMENSIONS}"  # and before that, as int8, 96 bytes each
_QUANTIZED = b"P"  # opens a stored blob of codes; its length is then odd, as an int4 one's: an int8 one's is even
_PACKED = b"\x04"  # opens a stored int4 blob
QUANTIZER = ProductQuantizer(CODEBOOK_FILE, DIMENSIONS, CODEBOOKS, _QUANTIZED)
_WORD = re.compile(r"[^\W_]+")  # a run of letters or digits


@lru_cache(maxsize=1)
def projection() -> np.ndarray:
    """(DIMENSIONS x 384) rows: the principal directions of the model's word-piece vectors."""
    return np.load(shipped_file(PROJECTION_FILE)).astype(np.float32)


def fit_projection(states: np.ndarray) -> np.ndarray:
    """Principal directions of a sample of unit word-piece vectors (rows), most variance first."""
    _, _, directions = np.linalg.svd(states - states.mean(axis=0), full_matrices=False)
    return directions[:DIMENSIONS].astype(np.float32)


def content_pieces(text: str, offsets: Sequence[tuple[int, int]], pieces: np.ndarray) -> np.ndarray:
    """Those of `pieces` (indexes into `offsets`, `text`'s word-pieces) that start inside a word of letters or
    digits other than a stop word: where a question's content word-pieces (assistant/ranking.py's
    question_pieces) find their best match, not in "the", "of" or a comma."""
    words = [(match.start(), match.end()) for match in _WORD.finditer(text) if match.group().lower() not in stopwords()]
    starts = np.array([start for start, _ in words] or [0])
    ends = np.array([end for _, end in words] or [0])
    piece_starts = np.array([offsets[i][0] for i in pieces], dtype=np.int64)
    word = np.searchsorted(starts, piece_starts, side="right") - 1  # the last word starting at or before the piece
    inside = (word >= 0) & (piece_starts < ends[np.maximum(word, 0)])
    return pieces[inside]


def compress(states: np.ndarray) -> np.ndarray:
    """(n x 384) word-piece vectors → (n x DIMENSIONS) int8 unit vectors."""
    projected = unit(unit(states.astype(np.float32)) @ projection().T)
    return np.round(projected * 127).astype(np.int8)


def to_bytes(compressed: np.ndarray) -> bytes:
    """Storage form of compress()'s int8 rows."""
    return QUANTIZER.quantize(expand(compressed.reshape(-1, DIMENSIONS)))


def from_bytes(blob: bytes) -> np.ndarray:
    """Unit float32 rows back from storage, of any form (a reader may meet them all while an upgrade runs)."""
    return from_bytes_each([blob])[0]


def from_bytes_each(blobs: Sequence[bytes]) -> list[np.ndarray]:
    """from_bytes() of each blob, those in the current form decoded together."""
    return QUANTIZER.decode_mixed(blobs, _from_earlier_form)


def _from_earlier_form(blob: bytes) -> np.ndarray:
    return unpack_int4(blob[len(_PACKED):], DIMENSIONS) if is_packed(blob) else expand(int8_rows(blob))


def is_current(blob: bytes) -> bool:
    """Whether a stored blob is in to_bytes' form."""
    return QUANTIZER.is_current(blob)


def is_packed(blob: bytes) -> bool:
    """Whether a stored blob is in the earlier int4 form (INT4_FORMAT)."""
    return opens_with(blob, _PACKED)


def int8_rows(blob: bytes) -> np.ndarray:
    """The int8 rows of a blob stored in the earlier form (INT8_FORMAT, or every word-piece's)."""
    return np.frombuffer(blob, dtype=np.int8).reshape(-1, DIMENSIONS)


def expand(compressed: np.ndarray) -> np.ndarray:
    """compress()'s int8 rows as float32 unit rows (cosines within about 1% of the projected ones)."""
    return compressed.astype(np.float32) / 127

