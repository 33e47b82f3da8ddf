"""End-to-end in headless Chromium: follow-ups that resolve, the history list, PDF pages with the highlight, a start
for newcomers, and the small things a reader touches (copy, hover card, focus ring, dark mode, phone)."""

import pytest
from playwright.sync_api import expect
from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth

from ui_browser import ANSWER_TIMEOUT_MS, ask, open_chat_tab, open_documents_tab, text_of, upload, watched_page
from ui_server import (SAMPLE_QUESTION, SURVEY, SURVEY_QUESTION, TWO_QUOTE_QUESTION, UNANSWERABLE, running_app,
                       survey_pdf)

pytestmark = pytest.mark.timeout(300)



@pytest.fixture(scope="module")
def app(tmp_path_factory, models_dir):
    with running_app(tmp_path_factory.mktemp("chat"), models_dir) as running:
        yield running




def _quotes(page, turn: int) -> set[str]:
    return set(page.locator(f"article.fn-turn[data-turn='{turn}'] .fn-hover-quote").all_text_contents())


def test_follow_ups_read_the_conversation_show_how_and_never_repeat_the_answer_they_follow(page, app):
    ask(page, SAMPLE_QUESTION, 0)
    sent = ask(page, "Where were they sent?", 1)
    assert text_of(sent.locator(".fn-interpreted")) == "Interpreted as: Where were the operatives sent?"
    assert "Washington" in text_of(sent.locator(".fn-answer-text"))
    assert not _quotes(page, 0) & _quotes(page, 1), "the follow-up quoted the previous answer again"
    received = ask(page, "And who received them?", 2)
    assert text_of(received.locator(".fn-interpreted")) == "Interpreted as: Who received the detainees?"
    assert received.locator(".fn-abstained").count() == 0, "the follow-up declined"
    assert not _quotes(page, 1) & _quotes(page, 2)

    page.click("#fn-new-chat")
    page.locator(".fn-welcome").wait_for()
    first = ask(page, "Where was Otmane Khalladi captured?", 0)
    sought = ask(page, "What was he sought for?", 1)
    assert text_of(sought.locator(".fn-interpreted")) == "Interpreted as: What was Otmane Khalladi sought for?"
    assert text_of(sought.locator(".fn-answer-text")).startswith("He was sought in the United States")
    assert not _quotes(page, 0) & _quotes(page, 1) and text_of(first.locator(".fn-answer-text"))

    page.click("#fn-new-chat")
    page.locator(".fn-welcome").wait_for()
    ask(page, "Who is Omar García Harfuch?", 0)
    about = ask(page, "What is this article about?", 1)
    assert "Harfuch" not in text_of(about.locator(".fn-answer-text"))


def test_history_keeps_conversations_to_reopen_rename_and_delete(page, app):
    ask(page, SAMPLE_QUESTION, 0)
    history = page.locator("#fn-history button.fn-history-item")
    expect(history.first).to_contain_text(SAMPLE_QUESTION)
    expect(page.locator("#fn-chat-title input, #fn-chat-title textarea")).to_have_value(SAMPLE_QUESTION)
    page.click("#fn-new-chat")
    page.locator(".fn-welcome").wait_for()
    ask(page, UNANSWERABLE, 0)
    expect(history.first).to_contain_text(UNANSWERABLE)

    page.locator("#fn-history button.fn-history-item", has_text=SAMPLE_QUESTION).first.click()
    expect(page.locator("article.fn-turn[data-turn='0'] .fn-question")).to_have_text(SAMPLE_QUESTION)
    title = page.locator("#fn-chat-title input, #fn-chat-title textarea")
    title.fill("Expulsions to the US")
    title.press("Enter")
    expect(page.locator("#fn-history .fn-current")).to_contain_text("Expulsions to the US")
    assert "Expulsions to the US" in [c["title"] for c in _stored(app)]

    page.reload()  # the open conversation comes back, with its answers
    page.locator("article.fn-turn[data-turn='0'] .fn-sources").wait_for(timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator("#fn-chat-title input, #fn-chat-title textarea")).to_have_value("Expulsions to the US")
    follow_up = ask(page, "Where were they sent?", 1)  # and goes on as a conversation
    assert "Washington" in text_of(follow_up.locator(".fn-answer-text"))

    page.click("#fn-delete-chat")
    page.click("#fn-delete-yes")
    page.locator(".fn-welcome").wait_for()
    expect(page.locator("#fn-history")).not_to_contain_text("Expulsions to the US")
    assert "Expulsions to the US" not in [c["title"] for c in _stored(app)]


def _stored(app) -> list[dict]:
    from ui.conversation_store import ConversationStore

    return ConversationStore(app.settings.data_dir).conversations("")


def test_a_pdf_citation_opens_its_page_with_the_quoted_words_highlighted(page, app, tmp_path):
    survey_pdf(tmp_path / "survey.pdf")
    open_documents_tab(page)
    assert "1 added" in upload(page, tmp_path / "survey.pdf")
    open_chat_tab(page)
    turn = ask(page, SURVEY_QUESTION, 0)
    assert "412 ships" in text_of(turn.locator(".fn-answer-text"))
    turn.locator("button.fn-cite").first.click()
    image = page.locator("#fn-panel .fn-page img")
    image.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert text_of(page.locator("#fn-panel .fn-page-number")) == "Page 2 of 3"

    # Where reportlab drew the quoted line, as fractions of the page (PDF y runs up from the bottom).
    quoted = SURVEY.pages[1][1]
    width, height = letter
    baseline = SURVEY.first_baseline - SURVEY.leading
    expected = {"left": SURVEY.left / width,
                "right": (SURVEY.left + stringWidth(quoted, SURVEY.font, SURVEY.size)) / width,
                "top": (height - baseline - SURVEY.size) / height,
                "bottom": (height - baseline + SURVEY.size * 0.3) / height}
    boxes = page.evaluate("""() => {
        const page = document.querySelector('#fn-panel .fn-page img').getBoundingClientRect();
        return [...document.querySelectorAll('#fn-panel .fn-page-mark')].map(m => {
            const r = m.getBoundingClientRect();
            return {left: (r.left - page.left) / page.width, right: (r.right - page.left) / page.width,
                    top: (r.top - page.top) / page.height, bottom: (r.bottom - page.top) / page.height};
        });
    }""")
    assert boxes, "no highlight on the page"
    union = {"left": min(b["left"] for b in boxes), "right": max(b["right"] for b in boxes),
             "top": min(b["top"] for b in boxes), "bottom": max(b["bottom"] for b in boxes)}
    slack = 6 / width  # six points
    assert abs(union["left"] - expected["left"]) < slack and abs(union["right"] - expected["right"]) < slack, union
    assert expected["top"] - slack < union["top"] and union["bottom"] < expected["bottom"] + slack, (union, expected)

    page.locator("#fn-panel button[data-action='page']", has_text="Next").click()
    expect(page.locator("#fn-panel .fn-page-number")).to_have_text("Page 3 of 3")
    assert page.locator("#fn-panel .fn-page-mark").count() == 0
    page.locator("#fn-panel button[data-action='text']").click()
    mark = page.locator("#fn-panel .fn-context mark.fn-target")
    mark.wait_for()
    assert " ".join(mark.inner_text().split()) == quoted


def test_newcomers_are_offered_questions_the_documents_answer(page, app):
    offered = page.locator(".fn-welcome button.fn-suggestion")
    expect(offered.first).to_be_visible()
    questions = offered.all_text_contents()
    assert 3 <= len(questions) <= 4, questions
    for question in questions:
        answer = app.assistant.ask(question)
        assert not answer.abstained and answer.citations, f"offered {question!r}, which the documents don't answer"
    offered.first.click()
    turn = page.locator("article.fn-turn[data-turn='0']")
    turn.locator(".fn-sources").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert text_of(turn.locator(".fn-question")) == questions[0]
    # Sources by their title, and scores that say what they mean.
    title = app.assistant.document(app.assistant.ask(questions[0]).citations[0].path).title
    assert title and text_of(turn.locator(".fn-source .fn-file").first) == title
    turn.locator(".fn-scores summary").click()
    assert "Passage rank: where the passage holding it came among those retrieval read" in \
        text_of(turn.locator(".fn-scores .fn-meta").first)


def test_copy_gives_the_answer_with_its_citations_as_footnotes_and_a_marker_has_a_hover_card(browser, app):
    with watched_page(browser, app.url, permissions=["clipboard-read", "clipboard-write"]) as page:
        turn = ask(page, SAMPLE_QUESTION, 0)
        expected = app.assistant.ask(SAMPLE_QUESTION)
        turn.locator("button.fn-copy").click()
        expect(turn.locator("button.fn-copy")).to_have_text("Copied")
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied.startswith(expected.answer)
        first = expected.citations[0]
        assert f"[1] {first.path}" not in copied  # the title comes first, then the path
        assert f"{first.path}, {first.location}: “{first.quote}”" in copied

        marker = turn.locator("button.fn-cite").first
        card = marker.locator(".fn-hover")
        assert not card.is_visible()
        marker.hover()
        expect(card).to_be_visible()
        assert first.quote[:60] in text_of(card) and first.location in text_of(card)


def test_keyboard_focus_is_a_ring_not_the_selected_look(page, app):
    turn = ask(page, TWO_QUOTE_QUESTION, 0)
    turn.locator("button.fn-cite").nth(1).click()
    page.locator("#fn-panel mark.fn-target").wait_for()
    page.mouse.move(0, 0)
    turn.locator("button.fn-cite").first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
    looks = page.evaluate("""() => [...document.querySelectorAll("article.fn-turn[data-turn='0'] button.fn-cite")]
        .slice(0, 2).map(b => { const s = getComputedStyle(b);
            return {focused: b === document.activeElement, background: s.backgroundColor, outline: s.outlineStyle}; })""")
    focused, selected = looks
    assert focused["focused"] and focused["outline"] != "none"
    assert focused["background"] != selected["background"], looks


def test_abstention_lists_its_closest_passages_by_rank_not_as_a_certain_score(page, app):
    turn = ask(page, UNANSWERABLE, 0)
    considered = text_of(turn.locator(".fn-considered"))
    assert "score" not in considered and "#1 closest" in considered


def test_dark_mode_follows_the_system_setting(browser, app):
    with watched_page(browser, app.url, color_scheme="dark") as page:
        ask(page, SAMPLE_QUESTION, 0)
        colours = page.evaluate("""() => {
            const lum = (c) => { const [r, g, b] = c.match(/\\d+/g).map(Number); return (0.2126*r + 0.7152*g + 0.0722*b) / 255; };
            const box = getComputedStyle(document.querySelector('#fn-conversation'));
            const answer = getComputedStyle(document.querySelector('.fn-answer-text'));
            return {background: lum(box.backgroundColor), text: lum(answer.color)};
        }""")
    assert colours["background"] < 0.25 and colours["text"] > 0.6, colours


def test_on_a_phone_the_source_panel_leads_back_to_the_answer_and_the_logo_keeps_its_shape(browser, app):
    with watched_page(browser, app.url, viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True) as page:
        logo = page.locator(".fn-logo").bounding_box()
        assert abs(logo["width"] - logo["height"]) < 1, logo
        turn = ask(page, SAMPLE_QUESTION, 0)
        turn.locator("button.fn-cite").first.click()
        back = page.locator("#fn-panel button.fn-back")
        expect(back).to_be_visible()
        expect(back).to_be_in_viewport(timeout=5_000)
        back.click()
        expect(turn.locator(".fn-answer-text")).to_be_in_viewport(timeout=5_000)
