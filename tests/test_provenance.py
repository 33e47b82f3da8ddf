"""Questions about a document itself: its title, publisher, author and date come from the lines that give them."""

import pytest

from assistant.provenance import _lines, asked_about_document
from index.document import Document

PAGE = ("Harbour Council Approves New Ferry Timetable\n"
        "By Jane Okafor\n"
        "Port Gazette | March 3, 2024\n"
        "The harbour council approved a new ferry timetable on Monday. It starts in April.\n"
        "Photo: Lee Park\n"
        "© 2024 Port Gazette Media\n")


@pytest.mark.parametrize("question, aspect", [
    ("What is the name of the news site that published the article?", "publisher"),
    ("Who published this article?", "publisher"),
    ("Which outlet ran this story?", "publisher"),
    ("What is the title of the report?", "title"),
    ("Who wrote the article?", "author"),
    ("When was this article published?", "date"),
    # about what the document says, not about the document
    ("Who wrote the National Security Law?", ""),
    ("When was the first transfer carried out?", ""),
    ("Which newspaper did the minister criticise?", ""),
])
def test_questions_about_the_document_itself_are_recognised(question, aspect):
    assert asked_about_document(question) == aspect


@pytest.mark.parametrize("aspect, line", [
    ("title", "Harbour Council Approves New Ferry Timetable"),
    ("author", "By Jane Okafor"),
    ("date", "Port Gazette | March 3, 2024"),
    ("publisher", "Port Gazette | March 3, 2024"),
])
def test_each_aspect_quotes_the_line_that_gives_it(aspect, line):
    document = Document("page.txt", PAGE, "0" * 64, "txt", title="Harbour Council Approves New Ferry Timetable")
    [quote] = _lines(document, aspect)
    assert quote.text == line == PAGE[quote.start:quote.end]


def test_a_photo_credit_is_not_an_author():
    text = "Photo: Lee Park\nThe harbour council approved a new ferry timetable on Monday.\n"
    assert _lines(Document("page.txt", text, "0" * 64, "txt"), "author") == []


def test_the_sample_articles_publisher_is_its_site_line(sample_assistant):
    answer = sample_assistant.ask("What is the name of the news site that published the article?")
    [citation] = answer.citations
    assert citation.quote == "Discover more from Riviera Maya News & Events"
    assert sample_assistant.document(citation.path).text[citation.start:citation.end] == citation.quote
    assert "publisher line" in answer.note and not answer.abstained


def test_the_sample_articles_title_is_its_headline(sample_assistant):
    answer = sample_assistant.ask("What is the title of the article?")
    assert answer.answer.startswith("Unprecedented Extraditions Mark New Phase in Bilateral Security Cooperation [1]")


def test_a_document_without_a_byline_has_no_author(sample_assistant):
    """No line names who wrote the sample article, so the ordinary answerer takes the question, and declines."""
    assert sample_assistant.ask("Who wrote the article?").abstained
