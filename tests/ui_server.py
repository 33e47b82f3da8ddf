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
# Answered by two sentences, one naming who and one stating what (the sample question now quotes one).
TWO_QUOTE_QUESTION = "What crimes was Alejandro N sought for?"
UNANSWERABLE = "What is the capital of Australia?"


@dataclass(frozen=True)
class Survey:
    """A three-page PDF whose lines are drawn where a test can find them again."""

    pages: tuple[tuple[str, ...], ...] = (
        ("Harbour survey, part one.", "The tide gauge was installed on the north pier in 1902."),
        ("Harbour survey, part two.", "The lighthouse keeper recorded 412 ships entering the harbour in 1911."),
        ("Harbour survey, part three.", "The customs house burned down in 1923 and was rebuilt in brick."),
    )
    title: str = "Harbour Survey Report"
    font: str = "Helvetica"
    size: int = 14
    left: int = 72  # points from the page's left edge
    first_baseline: int = 700  # points up from the page's bottom edge
    leading: int = 30


SURVEY = Survey()
SURVEY_QUESTION = "How many ships did the lighthouse keeper record?"  # answered on page 2


def survey_pdf(path: Path, survey: Survey = SURVEY) -> Path:
    """Write the survey PDF (reportlab, a dev dependency) to `path`."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=letter)
    pdf.setTitle(survey.title)
    for lines in survey.pages:
        pdf.setFont(survey.font, survey.size)
        for number, line in enumerate(lines):
            pdf.drawString(survey.left, survey.first_baseline - number * survey.leading, line)
        pdf.showPage()
    pdf.save()
    return path


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
    """Index the sample article into root/, serve the page on 127.0.0.1 (a free port unless `port` is given),
    close it on exit."""
    from ui.app import build_app, launch

    port = free_port()
    values = {"data_dir": root / "data", "models_dir": models_dir, "sources": sample_sources(root / "sources"),
              "host": "127.0.0.1", "port": port, **overrides}
    settings = Settings().replace(**values)
    assistant = Assistant(settings)
    assistant.ingest([settings.sources])
    app = build_app(assistant, settings)
    launch(app, assistant, settings)
    try:
        yield RunningApp(f"http://127.0.0.1:{settings.port}/", assistant, settings)
    finally:
        app.close()
