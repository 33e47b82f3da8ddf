"""Fits index/token_codebook.npy: the shapes a stored word-piece vector is made of (product quantization).

    .venv/bin/python -m training.token_codebook [--evalsets DIR] [--documents N]

Unsupervised, from the same sample of dev-corpus documents as training/token_projection.py (document
text only, never questions or labels): their word-pieces, projected and int8 as a question's are,
split in token_vectors.SUBSPACES parts, k-means in each. Changing the file changes how every stored
word-piece reads back, so indexes built before must be rebuilt (`footnote ingest` after deleting
.footnote); it runs after token-projection, whose directions it quantizes.
"""

import sys

import numpy as np

from index import token_vectors

from training.token_projection import sampled_word_pieces


def main() -> int:
    """Sample documents, embed them, fit the codebook on their compressed word-piece vectors."""
    texts, pieces = sampled_word_pieces(__doc__.splitlines()[0])
    rows = token_vectors.expand(np.vstack([token_vectors.compress(states) for states in pieces]))
    np.save(token_vectors.CODEBOOK_FILE, token_vectors.fit_codebook(rows))
    print(f"{token_vectors.CODEBOOK_FILE}: {token_vectors.SUBSPACES} x {token_vectors.CENTROIDS} shapes from "
          f"{len(rows):,} word-pieces of {len(texts)} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
