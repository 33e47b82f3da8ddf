"""Cuts a document into chunks of whole sentences that fit the embedding model, keeping offsets."""

import hashlib
from collections.abc import Callable, Sequence

from index.document import Chunk, Document
from index.sentences import split_sentences


class Chunker:
    """Packs sentences into chunks of at most `max_tokens` word-pieces, overlapping by sentences.

    >>> chunker = Chunker(embedder.count_tokens, embedder.token_offsets, max_tokens=200)
    >>> chunks = chunker.split(document)
    """

    def __init__(self, count_tokens: Callable[[Sequence[str]], list[int]],
                 token_offsets: Callable[[str], list[tuple[int, int]]],
                 max_tokens: int = 200, overlap_sentences: int = 1) -> None:
        self.count_tokens = count_tokens
        self.token_offsets = token_offsets
        self.max_tokens = max_tokens
        self.overlap = overlap_sentences
        self.key = f"c{max_tokens}o{overlap_sentences}"

    def split(self, document: Document) -> list[Chunk]:
        """Chunks of `document` in order; every sentence lies in at least one chunk."""
        spans, sizes = self._fitting_sentences(document.text)
        return [self._chunk(document, spans[a:b]) for a, b in self._windows(sizes)]

    def _fitting_sentences(self, text: str) -> tuple[list[tuple[int, int]], list[int]]:
        """Sentence spans and their word-piece counts, with any sentence longer than the budget cut at
        word-piece boundaries (each text is counted once: tokenizing is most of splitting's time)."""
        spans = split_sentences(text)
        fitted, sizes = [], []
        for (start, end), size in zip(spans, self.count_tokens([text[s:e] for s, e in spans])):
            if size <= self.max_tokens:
                fitted.append((start, end))
                sizes.append(size)
            else:
                pieces = self._cut_long(text, start, end)
                fitted += pieces
                sizes += self.count_tokens([text[s:e] for s, e in pieces])
        return fitted, sizes

    def _cut_long(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        offsets = self.token_offsets(text[start:end])
        step = self.max_tokens - 8  # slack for word-pieces that re-tokenise differently at a cut
        pieces = []
        for first in range(0, len(offsets), step):
            last = min(first + step, len(offsets)) - 1
            pieces.append((start + offsets[first][0], start + offsets[last][1]))
        return pieces

    def _windows(self, sizes: list[int]) -> list[tuple[int, int]]:
        """[first, last) sentence ranges: greedy packing, each window starting with the previous
        window's last `overlap` sentences when they fit beside the next new sentence."""
        windows, first = [], 0
        while first < len(sizes):
            last, total = first, sizes[first]
            while last + 1 < len(sizes) and total + sizes[last + 1] <= self.max_tokens:
                last += 1
                total += sizes[last]
            windows.append((first, last + 1))
            if last + 1 >= len(sizes):
                break
            first, carried = last + 1, sizes[last + 1]
            while (first - 1 > windows[-1][0] and last + 1 - (first - 1) <= self.overlap
                   and carried + sizes[first - 1] <= self.max_tokens):
                first -= 1
                carried += sizes[first]
        return windows

    def chunk_id(self, path: str, sha256: str, start: int, end: int) -> str:
        """A chunk's stable id: its document's path and content hash, its offsets, the chunking settings."""
        return hashlib.sha1(f"{path}:{sha256}:{start}:{end}:{self.key}".encode()).hexdigest()[:32]

    def _chunk(self, document: Document, spans: list[tuple[int, int]]) -> Chunk:
        start, end = spans[0][0], spans[-1][1]
        return Chunk(
            id=self.chunk_id(document.path, document.sha256, start, end), path=document.path, start=start,
            end=end, text=document.text[start:end], sentences=tuple(spans), title=document.title,
        )
