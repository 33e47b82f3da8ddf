"""Unit-length vectors: the form every stored and compared embedding takes, so a dot product is a cosine."""

import numpy as np

_INT8 = b"Q"  # first byte of unit rows stored as int8 (older catalogs hold float32/float16 rows: an even length)
_INT4 = b"4"  # first byte of unit rows stored as int4, two to a byte (the length is odd too)
_LEVELS = 7  # int4 values -7 … 7, stored as 1 … 15


def unit(rows: np.ndarray) -> np.ndarray:
    """rows (or one vector) scaled to length 1 along the last axis; all-zero rows stay zero."""
    return rows / np.clip(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12, None)


def to_int8(rows: np.ndarray) -> bytes:
    """Unit rows (n x d) for storage: each row as int8 scaled by its own largest value, the scales as
    float16 in front. A quarter of float32's bytes; cosines move by about 0.001."""
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float32))
    # The floor is float16's smallest normal number: a smaller one stored as float16 is 0, and an all-zero row
    # (a sentence with no word-piece in it) would divide 0 by 0. A unit row's largest value is at least 0.05.
    scales = np.clip(np.abs(rows).max(axis=1, initial=0), np.finfo(np.float16).tiny, None).astype(np.float16)
    values = np.clip(np.round(rows / scales.astype(np.float32)[:, None] * 127), -127, 127).astype(np.int8)
    return _INT8 + scales.tobytes() + values.tobytes()


def to_int4(rows: np.ndarray) -> bytes:
    """Unit rows (n x d, d even) for storage in an eighth of float32's bytes: pack_int4's form after a mark.
    Cosines with random unit rows move by about 0.005 (int8's: 0.001)."""
    return _INT4 + pack_int4(rows)


def pack_int4(rows: np.ndarray) -> bytes:
    """Rows (n x d, d even) rescaled to -7 … 7 by each one's largest value, two values to a byte. No scale is
    kept: unpack_int4 gives unit rows, the only form these rows are compared in."""
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float32))
    scales = np.clip(np.abs(rows).max(axis=1, keepdims=True, initial=0), np.finfo(np.float32).tiny, None)
    levels = (np.round(rows / scales * _LEVELS) + _LEVELS + 1).astype(np.uint8)
    return (levels[:, 0::2] << 4 | levels[:, 1::2]).tobytes()


def unpack_int4(data: bytes, dimension: int) -> np.ndarray:
    """pack_int4's rows back, as float32 unit rows (all-zero rows stay zero)."""
    packed = np.frombuffer(data, dtype=np.uint8).reshape(-1, dimension // 2)
    rows = np.empty((len(packed), dimension), dtype=np.float32)
    rows[:, 0::2], rows[:, 1::2] = packed >> 4, packed & 15
    return unit(rows - (_LEVELS + 1))


def is_int4(blob: bytes) -> bool:
    """Whether stored rows are in to_int4's form."""
    return opens_with(blob, _INT4)


def opens_with(blob: bytes, mark: bytes) -> bool:
    """Whether a stored blob is of a marked form opening with `mark` (a marked one's length is odd: the plain
    float and int8 rows of earlier catalogs have an even length, and may begin with any byte)."""
    return len(blob) % 2 == 1 and blob[:len(mark)] == mark


def from_stored(blob: bytes, dimension: int, legacy: type = np.float32) -> np.ndarray:
    """Rows (n x dimension, float32) from to_int4's or to_int8's bytes, or from the plain `legacy` rows
    older catalogs hold (told apart by length: the other two are always odd)."""
    if len(blob) % 2 == 0:
        return np.frombuffer(blob, dtype=legacy).reshape(-1, dimension).astype(np.float32)
    if is_int4(blob):
        return unpack_int4(blob[1:], dimension)
    count = (len(blob) - 1) // (2 + dimension)
    scales = np.frombuffer(blob, dtype=np.float16, count=count, offset=1).astype(np.float32)
    values = np.frombuffer(blob, dtype=np.int8, offset=1 + 2 * count).reshape(count, dimension)
    return values.astype(np.float32) * (scales[:, None] / 127)
