"""Regenerates the web chat's screenshots in docs/: a conversation with a follow-up and an opened citation, a PDF
citation on its rendered page, and the start a newcomer sees.

    .venv/bin/python tests/ui_screenshot.py [docs/]
"""

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ui_browser import ask, chromium, open_chat  # noqa: E402
from ui_server import ROOT, SAMPLE_QUESTION, SURVEY_QUESTION, running_app, survey_pdf  # noqa: E402

FOLLOW_UP = "Where were they sent?"
VIEWPORT = {"width": 1440, "height": 900}


def main(folder: Path) -> None:
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="footnote-shot-") as work:
        # Run where the sources are, as `make run` does, so the page shows sources/… paths.
        os.chdir(work)
        (Path(work) / "sources").mkdir()
        survey_pdf(Path(work) / "sources" / "harbour-survey.pdf")
        shoot(folder)


def shoot(folder: Path) -> None:
    with running_app(Path.cwd(), ROOT / ".footnote" / "models", sources=Path("sources")) as app, \
            chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        open_chat(page, app.url)
        page.locator(".fn-suggestion").first.wait_for()
        _save(page, folder / "screenshot-welcome.png")

        ask(page, SAMPLE_QUESTION, 0)
        turn = ask(page, FOLLOW_UP, 1)
        turn.locator("button.fn-cite").first.click()
        page.locator("#fn-panel mark.fn-target").wait_for()
        _save(page, folder / "screenshot-chat.png")

        page.click("#fn-new-chat")
        page.locator(".fn-welcome").wait_for()
        turn = ask(page, SURVEY_QUESTION, 0)
        turn.locator("button.fn-cite").first.click()
        page.locator("#fn-panel .fn-page-mark").first.wait_for()
        _save(page, folder / "screenshot-pdf.png")


def _save(page, target: Path) -> None:
    page.mouse.move(0, 0)
    page.wait_for_timeout(400)  # let the panel settle
    page.screenshot(path=str(target))
    print(target)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs")
