"""Each supported format loads as plain text; bad files fail with a one-line reason."""

from pathlib import Path

import pytest

from index.document import LoadError
from index.loaders import load_document


def _write_pdf(path: Path, pages: list[str]) -> None:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for text in pages:
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()


def _write_docx(path: Path, paragraphs: list[str]) -> None:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))


def test_text_and_markdown_keep_exact_text(tmp_path):
    (tmp_path / "a.md").write_text("# Title\n\nThe lighthouse keeper counted 412 ships.\n", encoding="utf-8")
    document = load_document(tmp_path / "a.md", "a.md")
    assert document.text == "# Title\n\nThe lighthouse keeper counted 412 ships.\n"
    assert document.kind == "md" and len(document.sha256) == 64


def test_html_keeps_main_text_only(tmp_path):
    html = ("<html><head><title>Harbour news</title><script>var tracker = 1;</script></head><body>"
            "<nav>Home | About | Contact</nav><article><h1>Harbour news</h1>"
            "<p>The lighthouse keeper counted 412 ships passing the harbour during the storm season.</p>"
            "<p>Officials said the new breakwater would be finished by the spring of next year.</p>"
            "</article></body></html>")
    (tmp_path / "a.html").write_text(html)
    text = load_document(tmp_path / "a.html", "a.html").text
    assert "412 ships" in text and "breakwater" in text
    assert "<p>" not in text and "tracker" not in text


def test_pdf_text_and_page_numbers(tmp_path):
    _write_pdf(tmp_path / "a.pdf", ["The first page mentions the harbour.", "The second page counts 412 ships."])
    document = load_document(tmp_path / "a.pdf", "a.pdf")
    assert "%PDF" not in document.text
    offset = document.text.index("412 ships")
    assert document.page_of(offset) == 2 and document.page_of(0) == 1


def test_docx_paragraphs(tmp_path):
    _write_docx(tmp_path / "a.docx", ["The harbour report.", "The keeper counted 412 ships."])
    assert load_document(tmp_path / "a.docx", "a.docx").text == "The harbour report.\nThe keeper counted 412 ships."


def test_non_utf8_text_is_decoded_with_a_note(tmp_path):
    (tmp_path / "a.txt").write_bytes("Le gardien du phare a compté 412 navires à Saint-Malo, été 1999.".encode("cp1252"))
    document = load_document(tmp_path / "a.txt", "a.txt")
    assert "compté" in document.text and "not UTF-8" in document.note


@pytest.mark.parametrize("name, content, reason", [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"  \n\t ", "empty file"),
    ("junk.txt", bytes(range(256)) * 40, "binary data"),
    ("broken.pdf", b"%PDF-1.5\n this is not really a pdf \x00\x01", "PDF"),
    ("broken.docx", b"PK\x03\x04 not a zip", "DOCX"),
])
def test_bad_files_fail_with_one_line_reason(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(LoadError) as error:
        load_document(tmp_path / name, name)
    assert reason in str(error.value) and "\n" not in str(error.value)
