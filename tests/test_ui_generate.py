"""Generate mode in headless Chromium against a real llama.cpp server: the mode switch, the model's text
streaming in, every sentence cited or marked unsupported, a follow-up interpreted, and the fallback when the
server is stopped mid-answer."""

import pytest
from playwright.sync_api import expect

from llm_server import ALIAS, LlamaServer, SlowingRelay
from ui_browser import text_of, watched_page
from ui_server import SAMPLE_QUESTION, running_app

pytestmark = pytest.mark.timeout(600)
# The tiny model on two shared cores writes a few tokens a second when the machine is busy.
GENERATE_TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def app(tmp_path_factory, models_dir, llm_server):
    # The model's words reach the page a few a second, as a larger model's would: the tiny one on an idle
    # machine finishes a short answer, and it is checked, before the page could show it being written.
    relay = SlowingRelay(llm_server.port, pace=0.2)
    try:
        with running_app(tmp_path_factory.mktemp("generate"), models_dir, llm_url=relay.url,
                         llm_model=ALIAS) as running:
            yield running
    finally:
        relay.close()


def _generate_mode(page) -> None:
    page.locator("#fn-mode").get_by_text("Generate, checked against them").click()


def _sentences_are_cited_or_marked(article) -> None:
    """The answer's text is made of cited sentences and marked ones, nothing else."""
    text = article.locator(".fn-answer-text")
    unsupported = text.locator(".fn-unsupported")
    for i in range(unsupported.count()):
        assert unsupported.nth(i).get_attribute("title") == "not found in the documents"
    turn = text.evaluate("""el => {
        const copy = el.cloneNode(true);
        copy.querySelectorAll('.fn-unsupported, .fn-hover').forEach(node => node.remove());
        return copy.innerText;
    }""")
    # What is left is the supported sentences, each ending in its markers.
    rest = " ".join(turn.split())
    assert not rest or rest.endswith("]"), rest
    assert text.locator("button.fn-cite").count() + unsupported.count() > 0


def test_the_mode_switch_appears_only_with_a_model(browser, tmp_path, models_dir):
    with running_app(tmp_path, models_dir) as plain, watched_page(browser, plain.url) as page:
        expect(page.locator("#fn-ask")).to_be_visible()
        assert page.locator("#fn-mode").count() == 0 or not page.locator("#fn-mode").is_visible()


def test_the_model_answer_streams_then_every_sentence_is_cited_or_marked(page, app):
    _generate_mode(page)
    page.fill("#fn-question textarea", SAMPLE_QUESTION)
    page.press("#fn-question textarea", "Enter")
    article = page.locator("article.fn-turn[data-turn='0']")
    article.locator(".fn-draft").wait_for(timeout=GENERATE_TIMEOUT_MS)  # the model's text as it is written
    article.locator(".fn-sources").wait_for(timeout=GENERATE_TIMEOUT_MS)
    assert article.locator(".fn-draft").count() == 0 and article.locator(".fn-note").count() == 0
    _sentences_are_cited_or_marked(article)
    page.fill("#fn-question textarea", "Who carried it out?")
    page.press("#fn-question textarea", "Enter")
    follow_up = page.locator("article.fn-turn[data-turn='1']")
    follow_up.locator(".fn-sources, .fn-abstained").first.wait_for(timeout=GENERATE_TIMEOUT_MS)
    assert text_of(follow_up.locator(".fn-interpreted")).startswith("Interpreted as: ")
    if not follow_up.locator(".fn-abstained").count():  # the gate may decline what the model's reading asks
        _sentences_are_cited_or_marked(follow_up)


def test_a_server_stopped_mid_answer_leaves_the_quotes_and_says_why(browser, tmp_path, models_dir):
    server = LlamaServer(tmp_path / "server.log").start()
    relay = SlowingRelay(server.port)  # the model's first words reach the page, the rest wait for the kill
    try:
        with running_app(tmp_path / "app", models_dir, llm_url=relay.url, answer_mode="generate") as running, \
                watched_page(browser, running.url) as page:
            page.fill("#fn-question textarea", SAMPLE_QUESTION)
            page.press("#fn-question textarea", "Enter")
            article = page.locator("article.fn-turn[data-turn='0']")
            article.locator(".fn-draft").wait_for(timeout=GENERATE_TIMEOUT_MS)
            server.stop()
            article.locator(".fn-sources").wait_for(timeout=GENERATE_TIMEOUT_MS)
            assert text_of(article.locator(".fn-note")).startswith("Quoted instead of generated: ")
            assert article.locator("button.fn-cite").count() >= 1 and article.locator(".fn-unsupported").count() == 0
    finally:
        server.stop()
        relay.close()
