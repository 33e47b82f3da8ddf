"""Each supported format loads as plain text; bad files fail with a one-line reason."""

import subprocess
import sys
from pathlib import Path

import pytest

from index.document import LoadError
from index.loaders import MAX_FILE_BYTES, load_document, megabytes

from tests.conftest import ROOT


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


@pytest.mark.parametrize("text, encoding", [
    ("La crème brûlée à Genève.", "latin-1"),  # short Western text fits cp1250 just as well
    ("Año nuevo, señor.", "latin-1"),
    ("He said \u201chello\u201d \u2014 and left\u2026", "cp1252"),
    ("Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig.", "cp1250"),  # a real cp1250 file stays one
    ("Съешь же ещё этих мягких французских булок, да выпей чаю.", "cp1251"),
])
def test_legacy_encodings_read_right(tmp_path, text, encoding):
    (tmp_path / "a.txt").write_bytes(text.encode(encoding))
    document = load_document(tmp_path / "a.txt", "a.txt")
    assert document.text == text and "not UTF-8" in document.note


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_text_with_a_byte_order_mark_is_read_not_called_binary(tmp_path, encoding):
    text = "The keeper counted 412 ships at Saint-Malo, été 1999.\n" * 300  # past the 8 KB sample
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # Python's big-endian codec writes no mark of its own
    (tmp_path / "a.txt").write_bytes(data)
    assert load_document(tmp_path / "a.txt", "a.txt").text == text


def test_nul_bytes_anywhere_never_reach_the_text(tmp_path):
    head = "The keeper counted 412 ships. " * 400  # 12 KB: the binary sniff reads only the first 8 KB
    (tmp_path / "a.txt").write_bytes(f"{head}\x00\x00 The log ends here.".encode())
    document = load_document(tmp_path / "a.txt", "a.txt")
    assert "\x00" not in document.text and document.text.endswith("The log ends here.")
    assert len(document.text) == len(head) + 21  # read as spaces: offsets after them stay where they were
    assert "2 NUL characters read as spaces" in document.note


def test_a_file_over_the_size_limit_says_by_how_much(tmp_path):
    with open(tmp_path / "big.txt", "wb") as big:
        big.truncate(MAX_FILE_BYTES + 1)  # sparse: refused from its size, before a byte is read
    with pytest.raises(LoadError, match=r"^the file is 50\.1 MB; the limit is 50 MB$"):
        load_document(tmp_path / "big.txt", "big.txt")
    assert megabytes(MAX_FILE_BYTES) == "50 MB" and megabytes(20 * 2**20 + 1) == "20.1 MB"


# The program's own peak (VmHWM): ru_maxrss survives exec, so in a child of a large pytest process it would
# start at the parent's size and hide the growth this test looks for.
BOMB = """
import re, sys
from pathlib import Path
from index.document import LoadError
from index.loaders import load_document
def peak():
    return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())[1])
before = peak()
try:
    load_document(Path(sys.argv[1]), "bomb.docx")
    print("loaded")
except LoadError as error:
    print(error)
print((peak() - before) // 1024)
"""


def _docx_bomb(path: Path, characters: int, letter: str) -> None:
    """A real .docx whose document.xml is swapped for one that inflates to `characters` letters (in
    runs of 100) from a few hundred KB."""
    import zipfile

    _write_docx(path.with_suffix(".plain.docx"), ["A plain document."])
    run = '<w:r><w:t xml:space="preserve">' + letter * 100 + "</w:t></w:r>"
    namespace = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    with zipfile.ZipFile(path.with_suffix(".plain.docx")) as plain, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member in plain.namelist():
            if member != "word/document.xml":
                archive.writestr(member, plain.read(member))
        with archive.open("word/document.xml", "w", force_zip64=True) as body:
            body.write(f'<?xml version="1.0"?><w:document {namespace}><w:body><w:p>'.encode())
            block = (run * 10_000).encode()
            for _ in range(characters // 1_000_000):
                body.write(block)
            body.write(b"</w:p></w:body></w:document>")


@pytest.mark.timeout(60)  # a guard: python-docx took 113 s over a bomb like this one
@pytest.mark.parametrize("letter", ["x", " "])  # letters, or whitespace that would be refused only at the end
def test_a_docx_bomb_is_refused_while_it_inflates(tmp_path, letter):
    _docx_bomb(tmp_path / "bomb.docx", 70_000_000, letter)
    assert (tmp_path / "bomb.docx").stat().st_size < 1_000_000  # a small file...
    result = subprocess.run([sys.executable, "-c", BOMB, str(tmp_path / "bomb.docx")], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    message, grown_mb = result.stdout.splitlines()
    assert message == "the text is over the limit of 25,000,000 characters for one document"
    assert int(grown_mb) < 200, f"peak memory grew by {grown_mb} MB"  # ...never held whole


def test_docx_tables_and_breaks_read_in_order(tmp_path):
    import docx

    document = docx.Document()
    document.core_properties.title = "Harbour report"
    document.add_paragraph("Before the table.")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Ship", (0, 1): "Crates", (1, 0): "Ariadne", (1, 1): "412"}.items():
        table.cell(row, col).text = text
    paragraph = document.add_paragraph("After\tthe table.")
    paragraph.add_run().add_break()
    paragraph.add_run("A new line.")
    document.save(str(tmp_path / "a.docx"))
    loaded = load_document(tmp_path / "a.docx", "a.docx")
    assert loaded.text == "Before the table.\nShip | Crates\nAriadne | 412\nAfter\tthe table.\nA new line."
    assert loaded.title == "Harbour report"
