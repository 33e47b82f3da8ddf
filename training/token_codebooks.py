"""Fits index/token_codebooks.npy: the product-quantization codebooks word-piece vectors are stored by.

    .venv/bin/python -m training.token_codebooks [--evalsets DIR] [--documents N]

Unsupervised, like training/token_projection.py and on the same kind of sample: document text only
(SciFact and SQuAD dev corpora), never questions or relevance labels. Each of the CODEBOOKS slices of a
stored (projected, unit) word-piece row gets 256 centres by k-means with a fixed seed. Changing the file
changes what every stored word-piece vector decodes to, so indexes built before must be rebuilt.
"""

import sys

import numpy as np

from index import token_vectors
from index.embedder import Embedder
from index.offline import enforce_offline
from index.product_quantizer import CODES

from training import datasets


def main() -> int:
    """Sample documents, embed them as an ingest does, fit a codebook per slice of their word-piece rows."""
    args = datasets.sample_arguments(__doc__.splitlines()[0], documents=1000)
    enforce_offline()
    texts = datasets.sampled_documents(args.evalsets, args.documents, seed=1)  # another sample than the projection's
    # One span over each whole text: the content word-pieces a chunk keeps, as compress() leaves them.
    _, _, pieces = Embedder(args.models).embed_with_spans(texts, [[(0, len(text))] for text in texts])
    rows = token_vectors.expand(np.vstack(pieces))
    np.save(token_vectors.CODEBOOK_FILE, token_vectors.QUANTIZER.fit(rows))
    print(f"{token_vectors.CODEBOOK_FILE}: {token_vectors.CODEBOOKS} codebooks of {CODES} from "
          f"{len(rows):,} word-pieces of {len(texts)} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
