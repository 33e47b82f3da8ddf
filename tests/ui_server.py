"""Test helper: the real web chat on a free loopback port, in this process, shut down afterwards."""

import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.pipeline import Assistant
from assistant.settings import Settings

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"
ROOT = Path(__file__).resolve().parents[1]
SAMPLE_QUESTION = "How many operatives were expelled to the United States?"
UNANSWERABLE = "What is the capital of Australia?"


@dataclass
class RunningApp:
    """A launched app and what it serves."""

    url: str
    assistant: Assistant
    settings: Settings


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback only)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sample_sources(folder: Path) -> Path:
    """A sources folder holding the seed article(s) (the project's sources/ as a fallback)."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = sorted(SEED.glob("*.txt")) or sorted((ROOT / "sources").glob("*.txt"))
    for seed in seeds:
        shutil.copy(seed, folder / seed.name)
    return folder


@contextmanager
def running_app(root: Path, models_dir: Path, **overrides) -> Iterator[RunningApp]:
    """Index the sample article into root/, serve the page on 127.0.0.1, close it on exit."""
    from ui.app import build_app
    from ui.server import launch_options

    port = free_port()
    values = {"data_dir": root / "data", "models_dir": models_dir, "sources": sample_sources(root / "sources"),
              "host": "127.0.0.1", "port": port, **overrides}
    settings = Settings().replace(**values)
    assistant = Assistant(settings)
    assistant.ingest([settings.sources])
    app = build_app(assistant, settings)
    app.launch(server_name=settings.host, server_port=port, prevent_thread_lock=True, **launch_options(settings))
    try:
        yield RunningApp(f"http://127.0.0.1:{port}/", assistant, settings)
    finally:
        app.close()
