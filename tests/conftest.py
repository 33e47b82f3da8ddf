"""Shared fixtures: the real model (exported once per session), real Chroma in temporary folders."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.pipeline import Assistant
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ARTICLE = ROOT / "sources" / "000_c12f4e3d27157f56.txt"
EVALSETS = ROOT.parent / "shared" / "evalsets"
# CI has the dev splits beside its clone and sets this, so a test that needs them fails there instead of skipping.
REQUIRE_DEV_DATA = "FOOTNOTE_TESTS_REQUIRE_DEV_DATA"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked dev_data("scifact", …) skips, with a one-line reason, when ../shared/evalsets lacks that."""
    marker = item.get_closest_marker("dev_data")
    if marker is None:
        return
    absent = [name for name in marker.args or (".",) if not (EVALSETS / name).exists()]
    if absent:
        reason = f"needs ../shared/evalsets/{absent[0]} (the public dev splits), which is not beside this clone"
        pytest.fail(reason) if os.environ.get(REQUIRE_DEV_DATA) else pytest.skip(reason)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """One ONNX export for the whole test session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def make_assistant(tmp_path, models_dir):
    """Build an Assistant over a fresh data folder; settings can be overridden."""

    def make(**overrides) -> Assistant:
        values = {"data_dir": tmp_path / "data", "models_dir": models_dir, **overrides}
        return Assistant(Settings().replace(**values))

    return make


@pytest.fixture
def footnote(tmp_path, models_dir):
    """Runs the `footnote` command on a fresh data folder; keyword arguments set more environment variables."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FOOTNOTE_DATA_DIR": str(tmp_path / "data"),
           "FOOTNOTE_MODELS_DIR": str(models_dir)}

    def run(*args: str, stdin: str | None = None, **more_env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "footnote", *args], cwd=ROOT, env={**env, **more_env},
                              input=stdin, capture_output=True, text=True, timeout=300)

    return run


@pytest.fixture
def sources(tmp_path) -> Path:
    """A sources folder holding the sample article."""
    folder = tmp_path / "sources"
    folder.mkdir()
    shutil.copy(SAMPLE_ARTICLE, folder / SAMPLE_ARTICLE.name)
    return folder


@pytest.fixture(scope="session")
def sample_assistant(tmp_path_factory, models_dir) -> Assistant:
    """An Assistant with the sample article indexed, shared by read-only tests."""
    root = tmp_path_factory.mktemp("sample")
    folder = root / "sources"
    folder.mkdir()
    shutil.copy(SAMPLE_ARTICLE, folder / SAMPLE_ARTICLE.name)
    assistant = Assistant(Settings().replace(data_dir=root / "data", models_dir=models_dir))
    assistant.ingest([folder])
    return assistant


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium, one per test module (skips when it is not installed)."""
    from tests.ui_browser import chromium

    with chromium() as running:
        yield running


WORDS = ("harbour lighthouse keeper storm ship crate tea spice river bridge market council mayor railway station "
         "winter harvest orchard mill bakery school library museum garden fountain tower clock bell ferry island "
         "quarry mine forge canal lock barge warehouse customs tariff ledger census festival parade choir theatre").split()


def write_documents(folder: Path, count: int, start: int = 0) -> list[Path]:
    """`count` small documents of varied, deterministic prose (a fact with a number in each sentence)."""
    import random

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(start, start + count):
        pick = random.Random(number)
        sentences = [f"The {pick.choice(WORDS)} of {pick.choice(WORDS)} town counted {pick.randrange(10, 9999)} "
                     f"{pick.choice(WORDS)}s during the {pick.choice(WORDS)} season of {1800 + number % 200}."
                     for _ in range(pick.randrange(4, 12))]
        path = folder / f"doc{number:04d}.txt"
        path.write_text(f"Report {number}\n" + " ".join(sentences) + "\n")
        paths.append(path)
    return paths


@pytest.fixture
def page(browser, app):
    """A fresh browser session on the module's `app` (tests/ui_server.running_app); downloads allowed."""
    from tests.ui_browser import watched_page

    with watched_page(browser, app.url, accept_downloads=True) as page:
        yield page


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """A real llama.cpp server with SmolLM2-135M-Instruct on a free loopback port, stopped after the session."""
    from tests.llm_server import LlamaServer

    server = LlamaServer(tmp_path_factory.mktemp("llm") / "server.log").start()
    yield server
    server.stop()
