"""A document says where an offset is, the one way the CLI, the answer and the web page show it."""

from index.document import Document


def test_location_is_the_page_of_a_paged_document_and_the_line_of_any_other():
    text = "Title\nFirst line.\fSecond page starts.\nAnd goes on."
    paged = Document("report.pdf", text, "x" * 64, "pdf", page_starts=(0, text.index("Second")))
    assert paged.location(0) == "page 1" and paged.location(text.index("goes")) == "page 2"
    plain = Document("notes.txt", text, "x" * 64, "txt")
    assert plain.location(0) == "line 1" and plain.location(text.index("First")) == "line 2"
    assert plain.location(text.index("goes")) == "line 3"
