"""Dependencies point down: index ← assistant ← evals ← ui, and the footnote command above all four."""

import ast
import subprocess
import sys

import pytest

from tests.conftest import ROOT

LAYERS = ("index", "assistant", "evals", "ui", "footnote")  # each may import only itself and those before it
NOT_SHIPPED = ("training", "bench", "tests")
# The index's stores behind Corpus: what the layers above reach only through Corpus's own methods.
STORE_INTERNALS = {"catalog", "keywords", "pinned", "ids_at", "document_vectors"}


def imported_packages(package: str) -> dict[str, set[str]]:
    """For each module file of `package`, the top-level names it imports (at any depth, lazily or not)."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[path.relative_to(ROOT).as_posix()] = names
    return found


@pytest.mark.parametrize("package", LAYERS)
def test_no_package_imports_one_above_it(package):
    above = set(LAYERS[LAYERS.index(package) + 1:]) | set(NOT_SHIPPED)
    wrong = {module: sorted(names & above) for module, names in imported_packages(package).items() if names & above}
    assert not wrong, f"{package} imports from above it: {wrong}"


@pytest.mark.parametrize("package", LAYERS[1:])
def test_above_the_index_nothing_reaches_past_corpus_into_its_stores(package):
    reached = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)} & STORE_INTERNALS
        names |= {node.module for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom) and node.module in ("index.catalog", "index.keyword_index")
                  and any(alias.name == "KeywordIndex" or node.module == "index.catalog" for alias in node.names)}
        if names:
            reached[path.relative_to(ROOT).as_posix()] = sorted(names)
    assert not reached, f"{package} reaches past Corpus: {reached}"


def test_python_m_assistant_is_still_the_footnote_command():
    run = subprocess.run([sys.executable, "-m", "assistant", "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and run.stdout.startswith("usage: footnote")
