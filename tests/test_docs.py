"""The README is a door: short, and every page and file the documentation points at is in the repository."""

import re

import pytest

from tests.conftest import ROOT

OUTPUTS = ("bench/results/",)  # written by a run, not kept in the repository
PAGES = ("configuration", "evals", "quality", "performance", "how-it-works")
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
# A path inside the repository, written in backticks or in a docstring: a top-level folder, then a file.
REPO_PATH = re.compile(r"(?<![\w/.\-])((?:assistant|index|evals|ui|footnote|training|bench|tests|docs)/[\w/.\-]+\.(?:py|md|json|jsonl|npy))\b")


def test_the_readme_fits_three_screens_and_links_every_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    for page in PAGES:
        assert f"](docs/{page}.md)" in readme and (ROOT / "docs" / f"{page}.md").is_file(), page


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_links_and_paths_in_the_documentation_point_inside_the_repository(document):
    text = document.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if "://" not in target:
            assert (document.parent / target).resolve().is_relative_to(ROOT), target
            assert (document.parent / target).exists(), target
    for path in REPO_PATH.findall(text):
        assert (ROOT / path).exists() or path.startswith(OUTPUTS), path


def test_the_code_points_at_documentation_that_exists():
    for source in sorted(p for folder in ("assistant", "index", "evals", "ui", "footnote", "training", "bench")
                         for p in (ROOT / folder).rglob("*.py")):
        for path in re.findall(r"\bdocs/[\w\-]+\.md", source.read_text(encoding="utf-8")):
            assert (ROOT / path).is_file(), f"{source.relative_to(ROOT)} points at {path}"
        assert "DESIGN.md" not in source.read_text(encoding="utf-8"), source  # a file outside the repository
