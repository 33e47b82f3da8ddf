"""Product quantization of unit rows: each row's slices stored as the byte naming the nearest of 256 shipped centres."""

from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from index.model_files import shipped_file
from index.vectors import opens_with, unit

CODES = 256  # centres in each slice's codebook: one byte names one
_BLOCK = 512  # rows coded at a time: larger blocks only grow the (rows x CODES) distance tables


class ProductQuantizer:
    """Codes rows of `dimension` numbers as `slices` bytes, by the (slices x CODES x dimension / slices) centres in
    `codebook_file`; a stored blob opens with `mark`, which tells it from the other forms a catalog may hold."""

    def __init__(self, codebook_file: Path, dimension: int, slices: int, mark: bytes) -> None:
        self.codebook_file, self.dimension, self.slices, self.mark = codebook_file, dimension, slices, mark
        self.width = dimension // slices

    @cached_property
    def codebooks(self) -> np.ndarray:
        """(slices x CODES x width) float32 centres, loaded on first use."""
        return np.load(shipped_file(self.codebook_file)).astype(np.float32)

    @cached_property
    def _centre_lengths(self) -> np.ndarray:
        """|c|² of every centre (slices x CODES)."""
        return (self.codebooks ** 2).sum(axis=2)

    @cached_property
    def _flat_centres(self) -> np.ndarray:
        # Rows of all centres in one table, each slice's codes offset to its own: a flat take is 7x faster than
        # indexing the 3-d codebooks; this runs for every candidate of every question.
        return self.codebooks.reshape(-1, self.width)

    def quantize(self, rows: np.ndarray) -> bytes:
        """Storage form of unit rows: per slice, the byte naming its nearest centre, after the mark."""
        return self.quantize_each([rows])[0]

    def quantize_each(self, groups: Sequence[np.ndarray]) -> list[bytes]:
        """quantize() of each group of rows (a chunk's sentences, say), all rows coded together: one call per
        chunk of eleven sentences took 0.61 ms, against 0.23 ms a chunk's worth in calls of a hundred rows or more."""
        if not groups:
            return []
        rows = np.concatenate([np.asarray(g, dtype=np.float32).reshape(-1, self.dimension) for g in groups])
        codes = np.concatenate([self._codes(rows[first:first + _BLOCK]) for first in range(0, len(rows), _BLOCK)]
                               or [np.empty((0, self.slices), dtype=np.uint8)])
        ends = np.cumsum([len(g) for g in groups])
        return [self.mark + codes[end - len(g):end].tobytes() for g, end in zip(groups, ends)]

    def _codes(self, rows: np.ndarray) -> np.ndarray:
        """(rows x slices) bytes naming each slice's nearest centre."""
        codes = np.empty((len(rows), self.slices), dtype=np.uint8)
        # Nearest by |c|² - 2 x·c (|x|² is the same for every centre). A slice at a time: one product of all slices
        # at once (a block-diagonal matrix) or a batched one was 5 to 10 times slower here.
        for i in range(self.slices):
            part = rows[:, i * self.width:(i + 1) * self.width]
            codes[:, i] = (self._centre_lengths[i] - 2 * part @ self.codebooks[i].T).argmin(axis=1)
        return codes

    def decode(self, blob: bytes) -> np.ndarray:
        """quantize()'s rows back, as float32 unit rows."""
        return self.decode_each([blob])[0]

    def decode_each(self, blobs: Sequence[bytes]) -> list[np.ndarray]:
        """decode() of each blob, all rows decoded together: a call per blob, two for each of a question's fifty
        candidates, took 4.6 of the 6.7 ms spent reading their vectors at 100k passages."""
        codes = [np.frombuffer(blob, dtype=np.uint8, offset=len(self.mark)) for blob in blobs]
        rows = np.concatenate(codes or [np.empty(0, np.uint8)]).reshape(-1, self.slices)
        offsets = np.arange(self.slices) * CODES
        centres = np.take(self._flat_centres, (rows + offsets).ravel(), axis=0)
        decoded = unit(centres.reshape(len(rows), self.dimension))
        return np.split(decoded, np.cumsum([len(c) // self.slices for c in codes])[:-1])

    def decode_mixed(self, blobs: Sequence[bytes], other: Callable[[bytes], np.ndarray],
                     fidelity: float = 1.0) -> list[np.ndarray]:
        """Each blob read back: those in quantize()'s form decoded together (divided by `fidelity`), those in an
        earlier form, which a catalog holds until it is compacted, by `other`."""
        current = [i for i, blob in enumerate(blobs) if self.is_current(blob)]
        decoded = self.decode_each([blobs[i] for i in current])
        if fidelity != 1.0:
            decoded = [rows / fidelity for rows in decoded]
        found = dict(zip(current, decoded))
        return [found[i] if i in found else other(blob) for i, blob in enumerate(blobs)]

    def is_current(self, blob: bytes) -> bool:
        """Whether a stored blob is in quantize()'s form."""
        return opens_with(blob, self.mark)

    def fit(self, rows: np.ndarray) -> np.ndarray:
        """Codebooks for these unit rows (k-means per slice, seed 0), in the form codebook_file holds."""
        from sklearn.cluster import MiniBatchKMeans  # training's dependency, not the runtime's

        return np.stack([MiniBatchKMeans(CODES, random_state=0, n_init=3, batch_size=4096, max_iter=100)
                         .fit(rows[:, i * self.width:(i + 1) * self.width]).cluster_centers_
                         for i in range(self.slices)]).astype(np.float32)
