"""Word-piece vectors stored in an earlier form are brought to the current one in place, without the model."""

import numpy as np

from index import token_vectors
from index.catalog import Catalog, embedding_input, embedding_spans
from index.embedder import Embedder

FORM = "token_vectors"  # the catalog's meta key recording the form its word-piece vectors are in
BATCH = 1000  # chunks per transaction


def upgrade_word_pieces(catalog: Catalog, embedder: Embedder) -> int:
    """Bring every chunk's word-piece vectors to token_vectors.FORMAT; how many chunks changed. From the int8
    and int4 forms (INT8_FORMAT, INT4_FORMAT) the rows are only requantized; from the first form (a row per
    word-piece, no form recorded) the stop-word and punctuation rows are dropped too, which needs the
    tokenizer, not the model. From int8 the result is the very bytes an ingest now stores, from int4 nearly
    (its rows are coded as they were rounded), and nothing is embedded again. A chunk already upgraded is
    recognised by its blob and left alone, so an interrupted run resumes; readers meanwhile read any form
    (token_vectors.from_bytes)."""
    form = catalog.meta(FORM)
    if form == token_vectors.FORMAT:
        return 0
    upgraded, after = 0, ""
    while found := catalog.word_pieces_after(after, BATCH):
        if form in (token_vectors.INT8_FORMAT, token_vectors.INT4_FORMAT):
            rows: list[tuple[int, np.ndarray] | None] = [None] * len(found)
        else:
            texts = [embedding_input(chunk) for chunk, _ in found]
            rows = embedder.content_rows(texts, [embedding_spans(chunk, text)
                                                 for (chunk, _), text in zip(found, texts)])
        changed = [(chunk.id, _upgraded(blob, content)) for (chunk, blob), content in zip(found, rows)]
        changed = [(cid, blob) for cid, blob in changed if blob is not None]
        catalog.replace_word_pieces(changed)
        upgraded += len(changed)
        after = found[-1][0].id
    catalog.set_meta(FORM, token_vectors.FORMAT)
    if upgraded:
        catalog.vacuum()  # once: int4 rows took twice the space, int8 ones four times, the first form's more
    return upgraded


def _upgraded(blob: bytes, content: tuple[int, np.ndarray] | None) -> bytes | None:
    """A chunk's stored vectors in the current form, or None when they are in it already. `content` is (how
    many word-pieces the chunk has, which of them are content words') when its rows may hold every
    word-piece; rows that can't be matched to its word-pieces are kept whole."""
    if token_vectors.is_current(blob):
        return None
    if token_vectors.is_packed(blob):
        return token_vectors.QUANTIZER.quantize(token_vectors.from_bytes(blob))
    stored = token_vectors.int8_rows(blob)
    if content is not None:
        every, kept = content
        if len(stored) == every and len(kept) != every:
            stored = stored[kept]
    return token_vectors.to_bytes(stored)
