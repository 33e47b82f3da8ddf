"""The web chat's pure parts: upload names, escaping, streaming units, Markdown export, bind rules."""

import re

import pytest

from ui.conversation import sentences
from ui.export import code_span, to_markdown
from ui.render_chat import conversation_html, turn_html
from ui.render_source import Span, source_html
from ui.server import check_bind, is_loopback, parse_auth
from ui.uploads import UploadError, check_upload, safe_file_name, save_upload

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>[x](javascript:alert(3)) ![i](http://evil/i.png)'


def _turn(text: str = HOSTILE) -> dict:
    quote = f"The mascot is {text}."
    return {"question": f"What is {text}?", "answer": f"{quote} [1]", "abstained": False,
            "citations": [{"n": 1, "path": f"docs/{text}.md", "start": 0, "end": len(quote), "quote": quote,
                           "score": 0.9, "location": "line 1"}],
            "passages": [{"path": f"docs/{text}.md", "start": 0, "end": len(quote), "score": 1.0, "text": quote}],
            "timings_ms": {"total": 3.0}, "confidence": 0.9}


@pytest.mark.parametrize("name, safe", [
    ("report.txt", "report.txt"), ("Report FINAL.PDF", "Report_FINAL.pdf"), ("../../etc/passwd.md", "passwd.md"),
    ("..\\..\\windows\\evil.docx", "evil.docx"), (".hidden.txt", "hidden.txt"), ("....txt", "upload.txt"),
    ("CON.txt", "CON_.txt"), ('"><img src=x onerror=alert(9)>.md', "img_src_x_onerror_alert_9.md"),
    ("café notes.html", "café_notes.html"), ("a" * 300 + ".htm", "a" * 100 + ".htm"),
])
def test_safe_file_name(name, safe):
    assert safe_file_name(name) == safe


@pytest.mark.parametrize("name", ["tool.exe", "archive.tar.gz", "README", "notes.txt.sh", "x.php"])
def test_disallowed_extensions_are_refused(name):
    with pytest.raises(UploadError, match="not accepted"):
        safe_file_name(name)


def test_upload_checks_size_and_content(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("x " * 700_000)
    with pytest.raises(UploadError, match="limit"):
        check_upload(big, "big.txt", 2**20)
    empty = tmp_path / "empty.md"
    empty.write_text("  \n")
    with pytest.raises(UploadError, match="empty"):
        check_upload(empty, "empty.md", 2**20)
    good = tmp_path / "upload-123"  # uploads arrive under temporary names: the given name decides the type
    good.write_text("A readable note.")
    assert check_upload(good, "../note.TXT", 2**20) == "note.txt"
    sources = tmp_path / "sources"
    assert save_upload(good, "note.txt", sources) == sources / "note.txt"
    with pytest.raises(UploadError):
        save_upload(good, "../outside.txt", sources)


def test_rendered_conversation_escapes_everything():
    html = conversation_html([turn_html(0, _turn())])
    assert "<img" not in html and "<script" not in html and "<a " not in html and "onerror=\"" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;" in html
    assert html.count('class="fn-cite"') == 1


def test_source_panel_escapes_and_marks_the_exact_span():
    from index.document import Document

    turn = _turn()
    quote = turn["citations"][0]["quote"]
    text = f"Before.\n{quote}\nAfter."
    document = Document("docs/x.md", text, "0" * 64, "md")
    start = text.index(quote)
    html = source_html(Span("citation", 0, 1, "docs/x.md", start, start + len(quote), quote, "[1]", 0.9), document)
    assert "<img" not in html and "<script" not in html
    assert f'<mark class="fn-target">{_escaped(quote)}</mark>' in html
    stale = source_html(Span("citation", 0, 1, "docs/x.md", 0, len(quote), quote, "[1]", 0.9), document)
    assert "changed since the answer" in stale


def _escaped(text: str) -> str:
    from html import escape

    return escape(text)


def test_streaming_units_end_at_each_marker():
    assert sentences("One [1] Two, see [3]. Three [2]") == ["One [1]", "Two, see [3].", "Three [2]"]
    assert sentences("The documents don't answer this.") == ["The documents don't answer this."]


def test_markdown_export_neutralises_markup():
    markdown = to_markdown([_turn()], exported_at=0)
    # What Markdown would still interpret: drop escaped characters and code spans (shown literally).
    live = re.sub(r"(`+).*?\1", "", re.sub(r"\\.", "", markdown))
    assert "<" not in live and "](" not in live and "![" not in live
    assert "[1]" in markdown and f"`docs/{HOSTILE}.md`" in markdown
    assert code_span("a`b") == "``a`b``" and code_span("`x") == "`` `x ``"
    assert "\\<img src=x onerror=\"alert\\(1\\)\"\\>" in markdown


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                            ("127.0.0.2", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                            ("example.com", False), ("::", False)])
def test_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_bind_rules():
    from assistant.settings import Settings

    assert check_bind(Settings()) is None
    with pytest.raises(ValueError, match="FOOTNOTE_AUTH"):
        check_bind(Settings().replace(host="0.0.0.0"))
    assert check_bind(Settings().replace(host="0.0.0.0", auth="me:pw:with:colons")) == [("me", "pw:with:colons")]
    assert parse_auth("ann:one, bob:two") == [("ann", "one"), ("bob", "two")]
    for bad in ("nopassword", ":pw", "me:"):
        with pytest.raises(ValueError, match="user:password"):
            parse_auth(bad)
