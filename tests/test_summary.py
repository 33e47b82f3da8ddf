"""Document-level requests get the most central sentences of the right document(s), each a cited verbatim span."""

import shutil

import pytest

from assistant.quotable import is_quotable
from assistant.summary import is_document_request, named_documents, topic_terms
from tests.conftest import SAMPLE_ARTICLE


@pytest.mark.parametrize("question", ["Summarize the main points.", "What is this article about?",
                                      "What are the key points of report.pdf?", "Give me an overview of the document.",
                                      "tl;dr", "What does the report say?"])
def test_document_requests_are_recognised(question: str) -> None:
    assert is_document_request(question)


@pytest.mark.parametrize("question", ["How many operatives were expelled?", "Who summarized the findings in 1998?",
                                      "Where is the main office?"])
def test_ordinary_questions_are_not_document_requests(question: str) -> None:
    assert not is_document_request(question)


def test_a_document_named_by_file_name_or_title() -> None:
    untitled = {"sources/report.pdf": "", "sources/notes/minutes.txt": ""}
    assert named_documents("What are the key points of report.pdf?", untitled) == ["sources/report.pdf"]
    assert named_documents("Summarize the budget review", {**untitled, "sources/notes/minutes.txt": "Budget review"}) \
        == ["sources/notes/minutes.txt"]
    assert topic_terms("Summarize what the documents say about fentanyl", []) == ["fentanyl"]
    assert topic_terms("What are the key points of report.pdf?", ["report.pdf"]) == []


def test_summary_of_the_sample_article(sample_assistant) -> None:
    answer = sample_assistant.ask("Summarize the main points.")
    text = SAMPLE_ARTICLE.read_text()
    assert not answer.abstained and 3 <= len(answer.citations) <= 5
    assert [c.start for c in answer.citations] == sorted(c.start for c in answer.citations)
    for citation in answer.citations:
        assert citation.quote == text[citation.start:citation.end] and is_quotable(citation.quote)
    assert "37 operatives" in answer.citations[0].quote  # the article's lead says what it is about
    assert answer.note.startswith("A summary")


@pytest.mark.parametrize("request_text", ["Give me an overview of the document.",
                                          "Can you please tell us the key points of the whole article?"])
def test_who_asks_and_how_politely_is_not_a_topic(sample_assistant, request_text: str) -> None:
    """"Give me an overview" summarizes the article as "Summarize the main points." does, not what it says
    about "me"."""
    assert topic_terms(request_text, []) == []
    plain = sample_assistant.ask("Summarize the main points.")
    assert [c.start for c in sample_assistant.ask(request_text).citations] == [c.start for c in plain.citations]


def test_without_a_topic_or_a_name_several_documents_need_one(make_assistant, tmp_path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SAMPLE_ARTICLE, folder / "article.txt")
    (folder / "other.txt").write_text("The committee met on Tuesday. It approved the budget for next year. "
                                      "The chair thanked the members for their work on the review.\n")
    assistant = make_assistant()
    assistant.ingest([folder])
    vague = assistant.ask("Summarize the main points.")
    assert vague.abstained and "Which document?" in vague.note
    named = assistant.ask("Summarize other.txt")
    assert named.citations and all(c.path.endswith("/other.txt") for c in named.citations)
