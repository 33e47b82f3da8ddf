"""What a new user gets: a fresh clone's tests pass without ../shared, and the built wheel installs quietly and answers."""

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import gradio as gr
import pytest

from index import token_vectors
from tests.conftest import REQUIRE_DEV_DATA, ROOT, SAMPLE_ARTICLE
from ui.chat_handlers import ask_checked

QUESTION = "How many operatives were expelled to the United States?"


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """The working tree as a fresh clone has it (tracked and new files, nothing ignored), with no ../shared beside it."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    folder = tmp_path_factory.mktemp("fresh") / "footnote"
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name)
    assert not (folder.parent / "shared").exists()
    return folder


def _pytest(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != REQUIRE_DEV_DATA}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=folder,
                          env={**environment, **env}, capture_output=True, text=True, timeout=600)


def test_a_fresh_clone_without_the_dev_splits_skips_their_tests_with_a_reason(clone):
    run = _pytest(clone, "-m", "dev_data", "-rs")
    assert run.returncode == 0, run.stdout[-3000:]
    reasons = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert reasons and all("needs ../shared/evalsets/" in line for line in reasons), run.stdout[-3000:]
    assert int(re.search(r"(\d+) skipped", run.stdout)[1]) >= 5 and " passed" not in run.stdout
    required = _pytest(clone, "-m", "dev_data", "-x", **{REQUIRE_DEV_DATA: "1"})  # as CI runs them
    assert required.returncode == 1 and "needs ../shared/evalsets/" in required.stdout


def test_a_missing_weight_file_is_named_in_the_chat(sample_assistant, monkeypatch, tmp_path):
    monkeypatch.setattr(token_vectors, "PROJECTION_FILE", tmp_path / "index" / "token_projection.npy")
    token_vectors.projection.cache_clear()
    try:
        with pytest.raises(gr.Error) as error:
            ask_checked(sample_assistant, QUESTION, [], None, None)
    finally:
        monkeypatch.undo()
        token_vectors.projection.cache_clear()
    assert "index/token_projection.npy is missing from this installation" in error.value.message
    assert "answerer" not in error.value.message


def test_the_built_wheel_installs_quietly_and_answers_from_its_own_files(clone, tmp_path, models_dir):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(clone), "--no-deps", "--no-build-isolation",
                            "--no-index", "-w", str(tmp_path / "dist")], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert "warning" not in (built.stdout + built.stderr).lower(), built.stdout + built.stderr
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # The dependencies come from the dev environment (read after the venv's own packages, and without
    # its .pth files, so the editable install of this tree is not seen); Footnote itself only from the wheel.
    (site / "footnote-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next((tmp_path / "dist").glob("footnote-*.whl"))
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                                "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0 and "warning" not in installed.stderr.lower(), installed.stderr

    work = tmp_path / "work"
    (work / "sources").mkdir(parents=True)
    shutil.copy(SAMPLE_ARTICLE, work / "sources")
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "FOOTNOTE_MODELS_DIR": str(models_dir)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), cwd=work, env=env, capture_output=True, text=True, timeout=300)

    every_module = ("import importlib, pkgutil, sys\n"
                    "for package in ('index', 'assistant', 'evals', 'ui', 'footnote'):\n"
                    "    root = importlib.import_module(package)\n"
                    "    assert root.__file__.startswith(sys.prefix), root.__file__\n"
                    "    for module in pkgutil.walk_packages(root.__path__, package + '.'):\n"
                    "        if not module.name.endswith('__main__'):\n"
                    "            importlib.import_module(module.name)\n")
    imported = run("python", "-c", every_module)
    assert imported.returncode == 0, imported.stderr
    ingest = run("footnote", "ingest")
    assert ingest.returncode == 0 and "1 added" in ingest.stdout, ingest.stderr
    ask = run("footnote", "ask", "--json", QUESTION)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert not answer["abstained"] and "37" in answer["answer"]
    text = SAMPLE_ARTICLE.read_text(encoding="utf-8")
    assert all(text[c["start"]:c["end"]] == c["quote"] for c in answer["citations"])
