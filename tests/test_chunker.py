"""Chunks fit the model, keep exact offsets, and cover every sentence."""

import json

import pytest

from index.chunker import Chunker
from index.document import Document
from index.embedder import Embedder
from index.model_files import MAX_TOKENS
from index.sentences import split_sentences

from tests.conftest import EVALSETS, SAMPLE_ARTICLE


def _document(text: str) -> Document:
    return Document(path="doc.txt", text=text, sha256="x" * 64, kind="txt")


def _chunker(models_dir, max_tokens=200) -> tuple[Chunker, Embedder]:
    embedder = Embedder(models_dir)
    return Chunker(embedder.count_tokens, embedder.token_offsets, max_tokens, 1), embedder


@pytest.mark.dev_data("scifact")
def test_no_chunk_exceeds_the_model_limit_on_real_text(models_dir):
    chunker, embedder = _chunker(models_dir)
    texts = [SAMPLE_ARTICLE.read_text()]
    with open(EVALSETS / "scifact" / "corpus.jsonl") as corpus:
        texts += [json.loads(next(corpus))["text"] for _ in range(200)]
    # A pathological sentence: one very long run-on line with no full stop.
    texts.append(" ".join(f"word{i} and more" for i in range(600)))
    for text in texts:
        chunks = chunker.split(_document(text))
        full = embedder._tokenizer  # count with truncation off, so an overflow would show
        full.no_truncation()
        sizes = [len(full.encode(c.text).ids) for c in chunks]
        full.enable_truncation(MAX_TOKENS)
        assert max(sizes) <= MAX_TOKENS, sizes


def test_chunk_and_sentence_offsets_are_exact(models_dir):
    chunker, _ = _chunker(models_dir, max_tokens=60)
    text = SAMPLE_ARTICLE.read_text()
    chunks = chunker.split(_document(text))
    assert len(chunks) > 5
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        for (start, end), sentence in zip(chunk.sentences, chunk.sentence_texts()):
            assert text[start:end] == sentence and sentence.strip() == sentence
    # Every character of every sentence lies in some chunk sentence (long ones are cut in pieces).
    covered = {i for chunk in chunks for s, e in chunk.sentences for i in range(s, e)}
    assert all({i for i in range(s, e) if not text[i].isspace()} <= covered for s, e in split_sentences(text))


def test_neighbouring_chunks_overlap_by_one_sentence(models_dir):
    chunker, _ = _chunker(models_dir, max_tokens=120)
    chunks = chunker.split(_document(SAMPLE_ARTICLE.read_text()))
    assert len(chunks) > 5
    for left, right in zip(chunks, chunks[1:]):
        assert left.sentences[-1] == right.sentences[0]


def test_chunk_ids_are_stable_and_unique(models_dir):
    chunker, _ = _chunker(models_dir)
    document = _document(SAMPLE_ARTICLE.read_text())
    first = [c.id for c in chunker.split(document)]
    assert first == [c.id for c in chunker.split(document)]
    assert len(set(first)) == len(first)


def test_sentence_splitter_keeps_abbreviations_and_headlines():
    text = "Headline Without Stop\nHe met Mr. Smith at the U.S. Department of State. Then he left! \"Why?\" she asked."
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == ["Headline Without Stop", "He met Mr. Smith at the U.S. Department of State.",
                         "Then he left!", "\"Why?\" she asked."]


@pytest.mark.timeout(60)  # a guard, not a measurement: linear takes well under a second, quadratic hours
@pytest.mark.parametrize("line, count, last", [
    ("The ship left the harbour at dawn. " * 60_000, 60_000, "The ship left the harbour at dawn."),  # 2 MB
    ("." * 1_000_000 + " and then nothing", 1, "." * 1_000_000 + " and then nothing"),  # end marks that end nothing
])
def test_splitting_one_long_line_takes_linear_time(line, count, last):
    spans = split_sentences(line)
    assert len(spans) == count and line[spans[-1][0]:spans[-1][1]] == last
