"""Test helper: headless Debian Chromium driven by Playwright, and the page actions tests repeat."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from devtools import CHROMIUM, FLAGS  # noqa: E402  the browser the UI bench drives, started the same way

ANSWER_TIMEOUT_MS = 30_000


@contextmanager
def chromium() -> Iterator:
    """A Playwright browser on the system Chromium (Playwright's own download is not possible offline)."""
    import pytest
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


class PageWatch:
    """What a page did that it shouldn't: requests leaving the machine, dialogs, script errors."""

    def __init__(self, page) -> None:
        self.external: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._route)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@contextmanager
def watched_page(browser, url: str, **context_options) -> Iterator:
    """A fresh browser session on the chat; fails the test if the page reached off the machine,
    opened a dialog or threw."""
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 900}, **context_options})
    page = context.new_page()
    page.watch = PageWatch(page)
    open_chat(page, url)
    yield page
    context.close()
    assert page.watch.external == [], "the page loaded something from off the machine"
    assert page.watch.dialogs == [], "a dialog fired"
    assert page.watch.errors == []


def text_of(locator) -> str:
    """A locator's visible text with its white space collapsed."""
    return " ".join(locator.inner_text().split())


def open_chat(page, url: str) -> None:
    """Load the page and wait until the question box is usable."""
    page.goto(url)
    page.wait_for_selector("#fn-question textarea")


def ask(page, question: str, turn: int):
    """Ask in the page; return the locator of that turn once its answer is complete."""
    page.fill("#fn-question textarea", question)
    page.press("#fn-question textarea", "Enter")
    article = page.locator(f"article.fn-turn[data-turn='{turn}']")
    article.locator(".fn-sources, .fn-abstained").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    return article


def record_streaming(page) -> None:
    """Start noting every state the conversation passes through (pending, partial answer)."""
    page.evaluate("""() => {
        window.__fnStates = [];
        const box = document.querySelector('#fn-conversation');
        new MutationObserver(() => {
            const last = [...box.querySelectorAll('article.fn-turn')].pop();
            if (!last) return;
            const state = last.querySelector('.fn-pending') ? 'pending'
                : last.querySelector('.fn-streaming') ? 'streaming:' + last.querySelectorAll('button.fn-cite').length
                : 'done';
            if (window.__fnStates[window.__fnStates.length - 1] !== state) window.__fnStates.push(state);
        }).observe(box, {childList: true, subtree: true, characterData: true});
    }""")


def streamed_states(page) -> list[str]:
    """The states recorded since record_streaming."""
    return page.evaluate("() => window.__fnStates")


def open_documents_tab(page) -> None:
    """Switch to the Documents tab."""
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_selector("#fn-upload")


def open_chat_tab(page) -> None:
    """Switch back to the Chat tab."""
    page.get_by_role("tab", name="Chat").click()
    page.wait_for_selector("#fn-question textarea")


def upload(page, path) -> str:
    """Upload one file on the Documents tab; the result notice's text once it appears."""
    notice = page.locator("#fn-notice .fn-notice")
    before = notice.count() and notice.inner_text()
    page.set_input_files("#fn-upload input[type=file]", str(path))
    page.wait_for_function("""([before]) => {
        const n = document.querySelector('#fn-notice .fn-notice');
        return n && n.innerText !== before;
    }""", arg=[before or ""], timeout=ANSWER_TIMEOUT_MS)
    return notice.inner_text()


def set_slider(page, elem_id: str, value: int) -> None:
    """Move a Gradio slider to value the way a user does: drag, look, and drag again if it jumped back.

    Gradio resets a slider to its initial value about 10 ms after its accordion opens, so a drag
    made at once is lost about 1 time in 10 (a person can't be that quick); the value counts once
    the number box has held it for 300 ms.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    slider = page.locator(f"#{elem_id} input[type=range]")
    for _ in range(5):
        slider.fill(str(value))
        # `fill` fires only "input"; a real drag ends with "change", which makes the value final.
        slider.dispatch_event("change")
        page.evaluate("() => { window.__fnHeldSince = undefined; }")
        try:
            page.wait_for_function(_HELD_FOR_300_MS, arg=[f"#{elem_id} input[type=number]", str(value)],
                                   polling="raf", timeout=1_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"#{elem_id} would not stay at {value}")


_HELD_FOR_300_MS = """([selector, wanted]) => {
    const box = document.querySelector(selector);
    if (!box || box.value !== wanted) { window.__fnHeldSince = undefined; return false; }
    window.__fnHeldSince ??= performance.now();
    return performance.now() - window.__fnHeldSince >= 300;
}"""
