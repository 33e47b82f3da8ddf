"""Fits index/token_codebook.npy: the shapes a stored word-piece vector is made of (product quantization).

    .venv/bin/python -m training.token_codebook [--evalsets DIR] [--documents N]

Unsupervised, from the same sample of dev-corpus documents as training/token_projection.py (document
text only, never questions or labels): their word-pieces, projected and int8 as a question's are,
split in token_vectors.SUBSPACES parts, k-means in each. Changing the file changes how every stored
word-piece reads back, so indexes built before must be rebuilt (`footnote ingest` after deleting
.footnote); it runs after token-projection, whose directions it quantizes.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from index import token_vectors
from index.embedder import Embedder
from index.offline import enforce_offline

from training import datasets
from training.token_projection import sample_texts


def main() -> int:
    """Sample documents, embed them, fit the codebook on their compressed word-piece vectors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evalsets", type=Path, default=datasets.EVALSETS)
    parser.add_argument("--documents", type=int, default=300, help="sampled from each corpus")
    parser.add_argument("--models", type=Path, default=Path(".footnote/models"), help="ONNX export cache")
    args = parser.parse_args()
    enforce_offline()
    texts = sample_texts(args.evalsets, args.documents)
    rows = token_vectors.expand(np.vstack([token_vectors.compress(states)
                                           for states in Embedder(args.models).word_piece_states(texts)]))
    np.save(token_vectors.CODEBOOK_FILE, token_vectors.fit_codebook(rows))
    print(f"{token_vectors.CODEBOOK_FILE}: {token_vectors.SUBSPACES} x {token_vectors.CENTROIDS} shapes from "
          f"{len(rows):,} word-pieces of {len(texts)} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
