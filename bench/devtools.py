"""A bare Chromium driven over the DevTools protocol: navigate, evaluate, wait — nothing recorded meanwhile.

Playwright enables the protocol's Network domain on every page, so the renderer captures a script
stack for each of the ~80 requests a Gradio page makes; timing a page load through it measures that
bookkeeping too. This driver sends only Target/Page.navigate/Runtime.evaluate commands and subscribes
to no events, so the page runs as it would in a user's browser.
"""

import itertools
import json
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from websockets.sync.client import ClientConnection, connect

CHROMIUM = "/usr/bin/chromium"
# No GPU, no background traffic, no first-run work (tests/ui_browser.py starts the browser tests' Chromium with these too).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
# Resolves with the page clock once `selector` matches; a MutationObserver, not polling.
_WHEN_PRESENT = """new Promise(resolve => {
  const found = () => document.querySelector(%s) && (resolve(performance.now()), true);
  if (!found()) new MutationObserver((_, observer) => found() && observer.disconnect())
    .observe(document, {childList: true, subtree: true, attributes: true});
})"""


class Session:
    """One DevTools connection (the browser's or a page's) with request/response calls."""

    def __init__(self, url: str) -> None:
        self._open = ExitStack()
        self._socket: ClientConnection = self._open.enter_context(connect(url, max_size=None))
        self._ids = itertools.count(1)

    def call(self, method: str, timeout_s: float = 60, **params) -> dict:
        """Send one command and return its result; events are ignored (none are enabled)."""
        number = next(self._ids)
        self._socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=timeout_s))
            if message.get("id") != number:
                continue
            if "error" in message:
                raise RuntimeError(f"{method}: {message['error']}")
            return message["result"]

    def close(self) -> None:
        self._open.close()


class Page(Session):
    """A tab in its own browser context (an empty cache, like a first visit)."""

    def goto(self, url: str) -> None:
        """Start loading `url`; returns once the navigation has committed."""
        self.call("Page.navigate", url=url)

    def evaluate(self, expression: str, timeout_s: float = 60):
        """The value of a JavaScript expression (awaited when it is a promise)."""
        result = self.call("Runtime.evaluate", timeout_s=timeout_s, expression=expression,
                           awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}…: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, selector: str, timeout_s: float = 30) -> None:
        """Block until an element matches `selector`."""
        self.evaluate(_WHEN_PRESENT % json.dumps(selector), timeout_s)


class Chromium:
    """A headless Chromium process with its DevTools endpoint on a free port."""

    def __init__(self, executable: str = CHROMIUM, flags: list[str] = FLAGS) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="footnote-chromium-")
        self._process = subprocess.Popen([executable, *flags, f"--user-data-dir={self._profile.name}",
                                          "--remote-debugging-port=0", "about:blank"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port, path = _endpoint(Path(self._profile.name) / "DevToolsActivePort")
        self._port = port
        self._browser = Session(f"ws://127.0.0.1:{port}{path}")
        self._contexts: list[str] = []

    def new_page(self) -> Page:
        """An about:blank tab in a fresh browser context."""
        context = self._browser.call("Target.createBrowserContext")["browserContextId"]
        self._contexts.append(context)
        target = self._browser.call("Target.createTarget", url="about:blank", browserContextId=context)["targetId"]
        return Page(f"ws://127.0.0.1:{self._port}/devtools/page/{target}")

    def close(self) -> None:
        """Dispose of the contexts and stop the process."""
        for context in self._contexts:
            self._browser.call("Target.disposeBrowserContext", browserContextId=context)
        self._browser.close()
        self._process.terminate()
        self._process.wait(timeout=30)
        # Chromium's helper processes may still write to the profile a moment after the browser exits (in CI a
        # removal once met a folder that had just been written to: "Directory not empty"); retry for 5 s.
        for _ in range(50):
            try:
                self._profile.cleanup()
                return
            except OSError:
                time.sleep(0.1)
        self._profile.cleanup()


def _endpoint(active_port: Path, timeout_s: float = 30) -> tuple[int, str]:
    """Chromium writes the port it chose and the browser's socket path to DevToolsActivePort."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        lines = active_port.read_text().split() if active_port.exists() else []
        if len(lines) == 2:
            return int(lines[0]), lines[1]
        time.sleep(0.02)
    raise RuntimeError(f"Chromium did not open its DevTools port within {timeout_s:.0f} s")
