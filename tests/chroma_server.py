"""Test and bench helper: a real `chroma run` server over its own folder on a free loopback port."""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.ui_server import free_port

CHROMA = Path(sys.executable).parent / "chroma"


class ChromaServer:
    """One `chroma run` process; `port` is where it listens.

    >>> server = ChromaServer(tmp / "data", tmp / "server.log").start()
    >>> server.stop()
    """

    def __init__(self, path: Path, log: Path) -> None:
        self.path = path
        self.log = log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self, ready_within_s: float = 60) -> "ChromaServer":
        """Start it and wait until its heartbeat answers."""
        with self.log.open("a") as output:
            self.process = subprocess.Popen([str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1",
                                             "--port", str(self.port)], stdout=output, stderr=output)
        deadline = time.monotonic() + ready_within_s
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1)
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"chroma run did not start; see {self.log}:\n{self.log.read_text()[-2000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        """Terminate it and wait for it to go."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
