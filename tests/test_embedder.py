"""The packaged model is verified, and the int8 ONNX embeddings stay true to sentence-transformers fp32."""

import json
import shutil

import numpy as np
import pytest

from index import token_vectors
from index.embedder import Embedder
from index.model_files import ModelError, packaged_model_dir, verify_model_dir

from tests.conftest import EVALSETS, SAMPLE_ARTICLE


@pytest.fixture(scope="module")
def texts() -> list[str]:
    with open(EVALSETS / "scifact" / "corpus.jsonl") as corpus:
        abstracts = [json.loads(next(corpus)) for _ in range(40)]
    return [f"{a['title']} {a['text']}" for a in abstracts] + SAMPLE_ARTICLE.read_text().splitlines()


@pytest.mark.dev_data("scifact")
def test_int8_embeddings_stay_close_to_fp32(models_dir, texts):
    reference = Embedder(models_dir, "torch").embed(texts)
    for precision in ("int8", "fp32"):
        vectors = Embedder(models_dir, precision).embed(texts)
        cosines = (vectors * reference).sum(axis=1)
        # 0.99 on CPUs with VNNI; AVX2-only ones (this AMD EPYC: 0.9895) saturate int16 sums in the int8
        # kernels. Retrieval quality on such a CPU is held by test_retrieval_quality's floors.
        assert cosines.min() >= 0.985, (precision, cosines.min())
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_sentence_span_vectors_point_at_their_own_sentence(models_dir):
    embedder = Embedder(models_dir)
    text = ("The lighthouse keeper counted 412 ships during the storm. "
            "Bananas are rich in potassium and grow in tropical climates.")
    cut = text.index("Bananas")
    _, (spans,), _ = embedder.embed_with_spans([text], [[(0, cut - 1), (cut, len(text))]])
    ships, bananas = embedder.embed(["How many ships did the keeper count?", "Which fruit has potassium?"])
    assert spans[0] @ ships > spans[1] @ ships
    assert spans[1] @ bananas > spans[0] @ bananas


def test_tampered_model_is_refused(tmp_path):
    for name in ("model.safetensors", "tokenizer.json"):
        shutil.copy(packaged_model_dir() / name, tmp_path / name)
    verify_model_dir(tmp_path)
    with open(tmp_path / "model.safetensors", "r+b") as weights:
        weights.seek(1000)
        weights.write(b"\x00\x01\x02")
    with pytest.raises(ModelError, match="refusing"):
        verify_model_dir(tmp_path)


def test_word_piece_vectors_cover_the_spans_content_words_only_and_match_words_in_context(models_dir):
    embedder = Embedder(models_dir)
    title, body = "Harbour log\n", "The keeper counted 412 ships. Bananas grow in tropical climates."
    text = title + body
    spans = [(len(title), len(title) + 29), (len(title) + 30, len(text))]
    _, _, (pieces,) = embedder.embed_with_spans([text], [spans])
    content = ["keeper", "counted", "412", "ships", "bananas", "grow", "tropical", "climates"]  # no "the", "in", "."
    assert pieces.dtype == np.int8 and pieces.shape == (len(content), token_vectors.DIMENSIONS)
    question = embedder.embed_query("Which vessels did the keeper count?")
    assert [question.vector.shape, question.tokens.shape] == [(384,), (len(question.token_spans), token_vectors.DIMENSIONS)]
    vessels = question.tokens[[i for i, (s, _) in enumerate(question.token_spans) if s == 6]][0]
    cosines = token_vectors.expand(pieces) @ vessels
    assert int(np.argmax(cosines)) == content.index("ships")  # a different word, the same thing in context
