"""Fits index/token_projection.npy: the 96 principal directions of the model's word-piece vectors.

    .venv/bin/python bench/fit_token_projection.py [--evalsets DIR] [--documents N]

Unsupervised: it reads document text only (an even sample of the SciFact and SQuAD dev corpora,
biomedical abstracts and Wikipedia), never questions or relevance labels. Changing the file changes
every stored word-piece vector, so indexes built before must be rebuilt (`footnote ingest` after
deleting .footnote); bench/train_ranker.py refits the ranker on top of it.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

import corpora
from index import token_vectors
from index.embedder import Embedder
from index.offline import enforce_offline
from index.vectors import unit


def main() -> int:
    """Sample documents, embed them, keep the principal directions of their word-piece vectors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evalsets", type=Path, default=corpora.EVALSETS)
    parser.add_argument("--documents", type=int, default=300, help="sampled from each corpus")
    parser.add_argument("--models", type=Path, default=Path(".footnote/models"), help="ONNX export cache")
    args = parser.parse_args()
    enforce_offline()
    random = np.random.default_rng(0)
    texts = []
    for name in ("scifact", "squad"):
        docs = corpora.load(name, args.evalsets).docs
        texts += [f"{docs[i][1]}\n{docs[i][2]}" for i in random.choice(len(docs), args.documents, replace=False)]
    states = unit(np.vstack(Embedder(args.models).word_piece_states(texts)))
    np.save(token_vectors.PROJECTION_FILE, token_vectors.fit_projection(states))
    print(f"{token_vectors.PROJECTION_FILE}: {token_vectors.DIMENSIONS} directions from {len(states):,} word-pieces "
          f"of {len(texts)} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
