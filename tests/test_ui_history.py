"""Conversations that last, in headless Chromium: each signed-in user's own, and still there after a restart."""

import pytest
from playwright.sync_api import expect

from ui_browser import ask
from ui_server import SAMPLE_QUESTION, UNANSWERABLE, free_port, running_app

pytestmark = pytest.mark.timeout(420)
USERS = {"ann": "ann-passphrase", "bob": "bob-passphrase"}


def _signed_in(browser, url: str, user: str, state: dict | None = None):
    """A browser session of `user` (reusing `state`, its cookies and local storage, when given)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, storage_state=state)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("input[type=password], #fn-question textarea")
    login = page.locator("input[type=password]")
    if login.count():  # after a restart the old session cookie is gone: sign in again
        page.locator("input[type=text], input:not([type])").first.fill(user)
        login.fill(USERS[user])
        page.keyboard.press("Enter")
        page.wait_for_selector("#fn-question textarea")
    return context, page


def test_each_user_keeps_their_own_conversations_across_a_restart(browser, tmp_path, models_dir):
    auth = ",".join(f"{user}:{password}" for user, password in USERS.items())
    port = free_port()  # both servers on one address: the browser keeps what it stored per origin
    with running_app(tmp_path, models_dir, auth=auth, port=port) as app:
        ann_context, ann = _signed_in(browser, app.url, "ann")
        ask(ann, SAMPLE_QUESTION, 0)
        expect(ann.locator("#fn-history")).to_contain_text(SAMPLE_QUESTION)
        bob_context, bob = _signed_in(browser, app.url, "bob")
        expect(bob.locator("#fn-history")).not_to_contain_text(SAMPLE_QUESTION)
        ask(bob, UNANSWERABLE, 0)
        expect(bob.locator("#fn-history .fn-history-item")).to_have_count(1)
        ann.reload()
        ann.wait_for_selector("article.fn-turn[data-turn='0'] .fn-sources")
        expect(ann.locator("#fn-history")).not_to_contain_text(UNANSWERABLE)
        state = ann_context.storage_state()
        ann_context.close()
        bob_context.close()

    with running_app(tmp_path, models_dir, auth=auth, port=port) as app:  # the same data folder, a new server
        context, page = _signed_in(browser, app.url, "ann", state)
        turn = page.locator("article.fn-turn[data-turn='0']")
        turn.locator(".fn-sources").wait_for()
        expect(turn.locator(".fn-question")).to_have_text(SAMPLE_QUESTION)
        expect(page.locator("#fn-history .fn-history-item")).to_have_count(1)
        context.close()
