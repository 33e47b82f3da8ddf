"""One pass over the question: read once into a Question, carried through retrieval and answering, which re-read nothing."""

import pytest

from assistant import features, followup, question as question_module, ranking, terms
from index import keyword_index

QUESTION = "How many operatives were expelled to the United States?"
# Every function that reads a question's text, where the modules that call it look it up.
READERS = [(features, "content_terms"), (features, "weighted_terms"), (features, "answer_type"), (features, "words"),
           (ranking, "is_question"), (followup, "content_terms"), (question_module, "indexed_words"),
           (question_module, "content_word_spans"), (keyword_index, "indexed_words"), (terms, "content_terms")]


def test_a_follow_up_is_read_as_the_question_it_stands_for(sample_assistant):
    question = sample_assistant.question("And where was he captured?", ["Who is Otmane Khalladi?"])
    assert question.query == "Where was Otmane Khalladi captured?" and question.kind == "question"
    assert question.text == "And where was he captured?" and question.interpreted == question.query
    assert "khalladi" in question.terms.words and "khalladi" in question.keyword_query.written
    assert sample_assistant.question(QUESTION, ["Who is Otmane Khalladi?"]).query == QUESTION  # stands alone
    leaning = sample_assistant.question("Why?", ["Who is Otmane Khalladi?"])
    assert leaning.query == "Why? Who is Otmane Khalladi?" and leaning.context == "Who is Otmane Khalladi?"


def test_retrieval_and_answering_read_the_question_only_through_its_question_object(sample_assistant, monkeypatch):
    question = sample_assistant.question(QUESTION, ["Who is Otmane Khalladi?"])
    read = []
    for module, name in READERS:
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda text, *rest, _original=original, _name=name: (
            read.append((_name, text)), _original(text, *rest))[1])

    def embed_again(text: str):
        raise AssertionError(f"embedded again: {text!r}")

    monkeypatch.setattr(sample_assistant.corpus, "embed_query", embed_again)
    passages = sample_assistant.retriever.retrieve(question, 5)
    answer = sample_assistant.answerer.answer(question, passages)
    assert "37 operatives" in answer.answer
    assert read and not [(name, text) for name, text in read if QUESTION in text]  # only passages were read


def test_the_answerer_reads_no_chunk_rows_again(sample_assistant, monkeypatch):
    question = sample_assistant.question(QUESTION)
    passages = sample_assistant.retriever.retrieve(question, 5)
    assert all(len(p.sentence_vectors) == len(p.sentences) > 0 for p in passages)

    def read_again(*_) -> None:
        pytest.fail("the answerer read chunk rows the retriever had already read")

    for name in ("chunks", "sentence_vectors"):
        monkeypatch.setattr(sample_assistant.corpus, name, read_again)
    assert "37 operatives" in sample_assistant.answerer.answer(question, passages).answer
