"""Regenerates docs/screenshot-chat.png: the chat with an answer, a follow-up and an opened citation.

    .venv/bin/python tests/ui_screenshot.py [docs/screenshot-chat.png]
"""

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ui_browser import ask, chromium, open_chat  # noqa: E402
from ui_server import ROOT, SAMPLE_QUESTION, running_app  # noqa: E402

FOLLOW_UP = "Where were the detainees sent?"


def main(target: Path) -> None:
    target = target.resolve()
    with tempfile.TemporaryDirectory(prefix="footnote-shot-") as folder:
        # Run where the sources are, as `make run` does, so the page shows sources/… paths.
        os.chdir(folder)
        shoot(target, Path(folder))


def shoot(target: Path, folder: Path) -> None:
    with running_app(folder, ROOT / ".footnote" / "models", sources=Path("sources")) as app, \
            chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        open_chat(page, app.url)
        ask(page, SAMPLE_QUESTION, 0)
        turn = ask(page, FOLLOW_UP, 1)
        turn.locator("button.fn-cite").first.click()
        page.locator("#fn-panel mark.fn-target").wait_for()
        page.mouse.move(0, 0)
        page.wait_for_timeout(400)  # let the panel settle
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target))
    print(target)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot-chat.png")
