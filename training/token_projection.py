"""Fits index/token_projection.npy: the 96 principal directions of the model's word-piece vectors.

    .venv/bin/python -m training.token_projection [--evalsets DIR] [--documents N]

Unsupervised: it reads document text only (an even sample of the SciFact and SQuAD dev corpora,
biomedical abstracts and Wikipedia), never questions or relevance labels. Changing the file changes
every stored word-piece vector, so indexes built before must be rebuilt (`footnote ingest` after
deleting .footnote); training/ranker.py refits the ranker on top of it.
"""

import sys

import numpy as np

from index import token_vectors
from index.embedder import Embedder
from index.offline import enforce_offline
from index.vectors import unit

from training import datasets


def main() -> int:
    """Sample documents, embed them, keep the principal directions of their word-piece vectors."""
    args = datasets.sample_arguments(__doc__.splitlines()[0], documents=300)
    enforce_offline()
    texts = datasets.sampled_documents(args.evalsets, args.documents, seed=0)
    states = unit(np.vstack(Embedder(args.models).word_piece_states(texts)))
    np.save(token_vectors.PROJECTION_FILE, token_vectors.fit_projection(states))
    print(f"{token_vectors.PROJECTION_FILE}: {token_vectors.DIMENSIONS} directions from {len(states):,} word-pieces "
          f"of {len(texts)} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
