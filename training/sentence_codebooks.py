"""Fits index/sentence_codebooks.npy: the product-quantization codebooks sentence vectors are stored by.

    .venv/bin/python -m training.sentence_codebooks [--evalsets DIR] [--documents N]

Unsupervised, like training/token_codebooks.py: document text only (SciFact abstracts and SQuAD paragraphs,
another sample than the word-pieces'), never questions or relevance labels. Each document's sentences are
embedded as an ingest embeds a chunk's (pooled from one forward pass over the text), and each of the 96
slices of their unit vectors gets 256 centres by k-means with a fixed seed. Changing the file changes what
every stored sentence vector decodes to, so indexes built before must be rebuilt.
"""

import sys

import numpy as np

from index import sentence_codes
from index.embedder import Embedder
from index.offline import enforce_offline
from index.product_quantizer import CODES
from index.sentences import split_sentences

from training import datasets


def main() -> int:
    """Sample documents, embed their sentences, fit a codebook per slice of the sentence vectors."""
    args = datasets.sample_arguments(__doc__.splitlines()[0], documents=1000)
    enforce_offline()
    texts = datasets.sampled_documents(args.evalsets, args.documents, seed=2)
    _, sentences, _ = Embedder(args.models).embed_with_spans(texts, [split_sentences(text) for text in texts])
    rows = np.vstack(sentences)
    rows = rows[np.abs(rows).sum(axis=1) > 0]  # sentences past the model's 256 word-pieces have no vector
    np.save(sentence_codes.CODEBOOK_FILE, sentence_codes.QUANTIZER.fit(rows))
    fidelity = float(np.mean((sentence_codes.QUANTIZER.decode(sentence_codes.to_bytes(rows)) * rows).sum(axis=1)))
    print(f"{sentence_codes.CODEBOOK_FILE}: {sentence_codes.SLICES} codebooks of {CODES} from "
          f"{len(rows):,} sentences of {len(texts)} documents; their mean cosine with their decoded form is "
          f"{fidelity:.3f} (sentence_codes.FIDELITY: {sentence_codes.FIDELITY})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
