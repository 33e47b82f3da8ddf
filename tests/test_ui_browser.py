"""End-to-end: the web chat in headless Chromium over the real model, index and Gradio server."""

import re

import pytest
from playwright.sync_api import expect

from ui_browser import (ANSWER_TIMEOUT_MS, ask, open_chat_tab, open_documents_tab, record_streaming, set_slider,
                        streamed_states, text_of, upload)
from ui_server import SAMPLE_QUESTION, TWO_QUOTE_QUESTION, UNANSWERABLE, running_app

pytestmark = pytest.mark.timeout(300)

XSS_DOCUMENT = """Zebra mascot notes
The zebra mascot of the Footnote project is called <script>window.__xss = 1; alert("script")</script> Stripes.
The mascot's keeper wrote <img src=x onerror="window.__xss = 2; alert('img')"> in the logbook every morning.
The mascot's fan club meets at [the portal](javascript:alert('link')) and shares ![photo](http://127.0.0.1:9/pixel.png) pictures.
"""
PANGOLIN = ("The Footnote test pangolin is called Ada.\n"
            "Ada lives in the botanical garden of Valparaiso and eats 40 grams of ants a day.\n")


@pytest.fixture(scope="module")
def app(tmp_path_factory, models_dir):
    # A 1 MB upload limit keeps the oversize case small.
    with running_app(tmp_path_factory.mktemp("webchat"), models_dir, max_upload_mb=1) as running:
        yield running




def _add_document(page, path, text: str) -> None:
    """Upload a new document on the Documents tab and check it was added."""
    path.write_text(text)
    open_documents_tab(page)
    assert "1 added" in upload(page, path)


def _open_first_citation(page, turn) -> None:
    turn.locator("button.fn-cite").first.click()
    page.locator("#fn-panel mark.fn-target").wait_for()


def test_answer_streams_and_citation_opens_the_exact_span(page, app):
    expected = app.assistant.ask(SAMPLE_QUESTION)
    record_streaming(page)
    turn = ask(page, SAMPLE_QUESTION, 0)

    states = streamed_states(page)
    # A quick answer skips the waiting frame (test_index_lock shows it for a slow one).
    assert states[-1] == "done" and "pending" not in states[1:], states
    assert any(s.startswith("streaming:") for s in states) or len(expected.citations) == 1, states
    assert "37" in text_of(turn.locator(".fn-answer-text"))
    assert text_of(turn.locator(".fn-answer-text")) == " ".join(expected.answer.split())
    # Sources: exactly the cited ones; scores behind a <details>.
    assert turn.locator(".fn-sources button.fn-source").count() == len(expected.citations)
    assert not turn.locator("details.fn-scores").evaluate("d => d.open")

    turn.locator("button.fn-cite[data-ref='1']").click()
    mark = page.locator("#fn-panel mark.fn-target")
    mark.wait_for()
    first = expected.citations[0]
    assert mark.evaluate("m => m.textContent") == first.quote
    panel = text_of(page.locator("#fn-panel"))
    assert first.path.rsplit("/", 1)[-1] in panel and first.location in panel

    page.locator("#fn-panel button[data-action='document']").click()
    page.locator("#fn-panel .fn-doc-text mark.fn-target").wait_for()
    whole = page.locator("#fn-panel .fn-doc-text")
    assert whole.evaluate("d => d.textContent") == app.assistant.corpus.document(first.path).text
    visible = page.evaluate("""() => {
        const box = document.querySelector('#fn-panel .fn-doc-text').getBoundingClientRect();
        const mark = document.querySelector('#fn-panel .fn-doc-text mark').getBoundingClientRect();
        return mark.top >= box.top - 1 && mark.top < box.bottom;
    }""")
    assert visible, "the whole-document view did not scroll to the cited span"


def test_follow_up_uses_the_conversation_and_new_chat_forgets_it(page, app):
    follow_up = "Where were they sent?"
    ask(page, SAMPLE_QUESTION, 0)
    turn = ask(page, follow_up, 1)
    in_context = app.assistant.ask(follow_up, [app.assistant.ask(SAMPLE_QUESTION)])
    assert text_of(turn.locator(".fn-answer-text, .fn-abstain-text")) == " ".join(in_context.answer.split())
    assert text_of(turn.locator(".fn-interpreted")) == f"Interpreted as: {in_context.interpreted}"

    page.click("#fn-new-chat")
    page.locator(".fn-welcome").wait_for()
    assert page.locator("article.fn-turn").count() == 0
    turn = ask(page, follow_up, 0)
    alone = app.assistant.ask(follow_up)
    assert text_of(turn.locator(".fn-answer-text, .fn-abstain-text")) == " ".join(alone.answer.split())


def test_a_question_sent_while_the_last_answer_streams_is_answered_after_it(page, app):
    page.fill("#fn-question textarea", TWO_QUOTE_QUESTION)
    page.press("#fn-question textarea", "Enter")
    page.locator("article.fn-turn[data-turn='0'] button.fn-cite").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    # The answer streams two sentences 50 ms apart, so its event is usually still running here
    # (Gradio's default trigger mode dropped this question then, every time it was tried).
    turn = ask(page, UNANSWERABLE, 1)
    assert turn.locator(".fn-abstained").count() == 1
    assert page.locator("article.fn-turn[data-turn='0'] button.fn-cite").count() >= 2


def test_unanswerable_question_abstains_and_shows_what_it_read(page, app):
    turn = ask(page, UNANSWERABLE, 0)
    answer = turn.locator(".fn-abstained")
    assert "The documents don't answer this." in text_of(answer)
    assert turn.locator("button.fn-cite").count() == 0
    considered = answer.locator(".fn-considered button.fn-source")
    assert considered.count() >= 1
    considered.first.click()
    page.locator("#fn-panel mark.fn-target").wait_for()
    passage = app.assistant.ask(UNANSWERABLE).passages[0]
    assert page.locator("#fn-panel mark.fn-target").evaluate("m => m.textContent") == passage.text


def test_settings_change_the_answer_length_for_this_session(page, app):
    longest = app.assistant.ask(TWO_QUOTE_QUESTION)
    assert len(longest.citations) >= 2, "the answer should quote two sentences by default"
    page.click("#fn-settings")
    set_slider(page, "fn-max-sentences", 1)
    turn = ask(page, TWO_QUOTE_QUESTION, 0)
    answer = text_of(turn.locator(".fn-answer-text"))
    assert turn.locator("button.fn-cite").count() == 1, f"more than one sentence quoted: {answer}"
    assert "homicide" in answer


def test_export_markdown_has_questions_answers_and_quotes(page, app):
    ask(page, SAMPLE_QUESTION, 0)
    ask(page, UNANSWERABLE, 1)
    with page.expect_download() as download:
        page.click("#fn-export")
    text = open(download.value.path(), encoding="utf-8").read()
    expected = app.assistant.ask(SAMPLE_QUESTION)
    assert text.startswith("# Footnote conversation")
    assert f"## {SAMPLE_QUESTION}" in text and "## What is the capital of Australia?" in text
    assert "[1]" in text and expected.citations[0].path in text
    assert "*The documents don't answer this.*" in text


def test_uploaded_document_can_be_asked_about(page, app, tmp_path):
    _add_document(page, tmp_path / "pangolin.txt", PANGOLIN)
    expect(page.locator("#fn-documents")).to_contain_text("pangolin.txt")
    assert (app.settings.sources / "pangolin.txt").read_text() == PANGOLIN

    open_chat_tab(page)
    turn = ask(page, "What is the pangolin called?", 0)
    assert "Ada" in text_of(turn.locator(".fn-answer-text"))
    _open_first_citation(page, turn)
    assert "pangolin.txt" in text_of(page.locator("#fn-panel .fn-panel-file"))


def test_document_markup_is_shown_as_text_and_never_runs(page, app, tmp_path):
    # The file name is hostile too: it must be sanitised on disk and escaped on the page.
    _add_document(page, tmp_path / '"><img src=x onerror=alert(9)>.md', XSS_DOCUMENT)
    saved = [p.name for p in app.settings.sources.iterdir() if p.name.endswith("img_src_x_onerror_alert_9.md")]
    assert len(saved) == 1 and not set('<>"') & set(saved[0])

    open_chat_tab(page)
    turn = ask(page, "What is the zebra mascot of the Footnote project called?", 0)
    shown = text_of(turn.locator(".fn-answer-text"))
    assert '<script>window.__xss = 1; alert("script")</script>' in shown
    _open_first_citation(page, turn)
    page.locator("#fn-panel button[data-action='document']").click()
    page.locator("#fn-panel .fn-doc-text").wait_for()
    document = text_of(page.locator("#fn-panel .fn-doc-text"))
    for visible in ("<img src=x onerror=", "[the portal](javascript:alert('link'))",
                    "![photo](http://127.0.0.1:9/pixel.png)"):
        assert visible in document

    injected = page.evaluate("""() => ({
        xss: window.__xss === undefined ? null : window.__xss,
        scripts: document.querySelectorAll('#fn-conversation script, #fn-panel script').length,
        images: document.querySelectorAll('#fn-conversation img, #fn-panel img').length,
        links: document.querySelectorAll('#fn-conversation a, #fn-panel a').length,
        handlers: [...document.querySelectorAll('#fn-conversation *, #fn-panel *')]
            .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    })""")
    assert injected == {"xss": None, "scripts": 0, "images": 0, "links": 0, "handlers": 0}
    page.wait_for_timeout(300)  # give a late onerror the chance to fire (the fixture checks dialogs)


def test_bad_uploads_are_rejected_and_the_chat_keeps_working(page, app, tmp_path):
    before = sorted(p.name for p in app.settings.sources.iterdir())
    open_documents_tab(page)

    wrong_type = tmp_path / "tool.exe"
    wrong_type.write_bytes(b"MZ\x00\x01 not a document")
    page.set_input_files("#fn-upload input[type=file]", str(wrong_type))
    page.locator(".toast-body", has_text="Invalid file type").first.wait_for()

    too_big = tmp_path / "big.txt"
    too_big.write_text("All work and no play makes a dull test file. " * 30_000)  # 1.4 MB > 1 MB limit
    page.set_input_files("#fn-upload input[type=file]", str(too_big))
    page.locator(".toast-body", has_text="maximum allowed size").first.wait_for()

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a PDF")
    notice = upload(page, broken)
    assert "Upload rejected" in notice and "broken.pdf" in notice and "PDF" in notice

    assert sorted(p.name for p in app.settings.sources.iterdir()) == before
    open_chat_tab(page)
    turn = ask(page, SAMPLE_QUESTION, 0)
    assert "37" in text_of(turn.locator(".fn-answer-text"))


def test_reindex_shows_failures_and_remove_drops_a_document(page, app):
    extra = app.settings.sources / "harbour.md"
    extra.write_text("The harbour lighthouse of the test town was painted green in 1911.\n")
    broken = app.settings.sources / "scan.pdf"
    broken.write_bytes(b"%PDF-1.4 not really a PDF")
    open_documents_tab(page)
    page.click("#fn-reindex")
    page.locator("#fn-notice .fn-notice", has_text="Indexed:").wait_for(timeout=30_000)
    assert re.search(r"\b1 added\b.*\b1 failed\b", text_of(page.locator("#fn-notice")))
    expect(page.locator("#fn-documents")).to_contain_text("harbour.md")
    expect(page.locator("#fn-failures")).to_contain_text("scan.pdf")
    assert "PDF" in text_of(page.locator("#fn-failures"))
    broken.unlink()

    page.locator("#fn-remove-choice input").click()
    page.get_by_role("option", name=re.compile(r"harbour\.md$")).click()
    page.locator("#fn-remove-row input[type=checkbox]").check()
    page.click("#fn-remove")
    page.locator("#fn-notice .fn-notice", has_text="Removed").wait_for()
    expect(page.locator("#fn-documents")).not_to_contain_text("harbour.md")  # outputs render one by one
    assert not extra.exists()


def test_an_upload_made_while_another_indexes_queues_behind_it_and_every_file_is_named(page, app, tmp_path):
    from index.writer_lock import WriterLock

    files = [tmp_path / f"queued{i}.txt" for i in range(3)]
    for i, file in enumerate(files):
        file.write_text(f"The queued harbour report number {i} says the lighthouse has {400 + i} steps.\n")
    open_documents_tab(page)
    with WriterLock(app.settings.data_dir).held():  # as while a `footnote ingest` runs in another process
        page.set_input_files("#fn-upload input[type=file]", str(files[0]))
        page.locator("#fn-notice", has_text="Waiting for another indexing").wait_for(timeout=10_000)
        page.set_input_files("#fn-upload input[type=file]", [str(files[1]), str(files[2])])
        page.wait_for_timeout(1_000)  # the second upload reaches the server's queue while the first waits
    notice = page.locator("#fn-notice .fn-notice", has_text="queued2.txt")
    notice.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "added sources/queued1.txt" in text_of(notice) and "added sources/queued2.txt" in text_of(notice)
    for file in files:
        expect(page.locator("#fn-documents")).to_contain_text(file.name)
        assert (app.settings.sources / file.name).read_text() == file.read_text()


def test_an_upload_of_a_good_and_a_broken_file_counts_the_broken_one_as_failed_and_lists_it(page, app, tmp_path):
    good, broken = tmp_path / "tugboat.txt", tmp_path / "broken.pdf"
    good.write_text("The harbour tugboat of the test town is called Persistence.\n")
    broken.write_bytes(b"%PDF-1.4 this is not really a PDF")
    open_documents_tab(page)
    page.set_input_files("#fn-upload input[type=file]", [str(good), str(broken)])
    notice = page.locator("#fn-notice .fn-notice", has_text="Indexed:")
    notice.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert re.search(r"\b1 added\b.*\b1 failed\b", text_of(notice)), text_of(notice)
    assert "rejected broken.pdf" in text_of(notice)
    expect(page.locator("#fn-failures")).to_contain_text("broken.pdf")
    open_chat_tab(page)
    open_documents_tab(page)  # still listed when the tab is opened again
    expect(page.locator("#fn-failures")).to_contain_text("broken.pdf")


def test_the_upload_progress_bar_stays_off_the_table(page, app, tmp_path):
    long = tmp_path / "logbook.txt"
    long.write_text("\n".join(f"Logbook entry {n}: the harbour pilot guided the ship number {n} past the north pier "
                              f"at {n % 24} o'clock while the tide was {'rising' if n % 2 else 'falling'}."
                              for n in range(900)))
    open_documents_tab(page)
    page.set_input_files("#fn-upload input[type=file]", str(long))
    bar = page.locator("#fn-notice .wrap.translucent")
    bar.wait_for(timeout=ANSWER_TIMEOUT_MS)
    overlap = page.evaluate("""() => {
        const bar = document.querySelector('#fn-notice .wrap.translucent');
        const table = document.querySelector('#fn-documents');
        return bar ? bar.getBoundingClientRect().bottom - table.getBoundingClientRect().top : -1;
    }""")  # the bar's own box, whatever clips it
    assert overlap <= 0, f"the progress bar covers {overlap:.0f} px of the documents table"
    page.locator("#fn-notice .fn-notice", has_text="Indexed:").wait_for(timeout=120_000)
