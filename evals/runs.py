"""A finished eval run on disk: results.jsonl, metrics.json, run.json and report.html in one folder."""

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.settings import UsageError

RESULTS, METRICS, INFO, REPORT = "results.jsonl", "metrics.json", "run.json", "report.html"


@dataclass
class Run:
    """One run: what was run (`info`), the flat metrics, and one result record per question."""

    folder: Path
    info: dict
    metrics: dict[str, float]
    results: list[dict]

    @property
    def report(self) -> Path:
        """The self-contained HTML report."""
        return self.folder / REPORT


def failing_first(results: list[dict]) -> list[dict]:
    """Results ordered by headline score, lowest first; questions without one last."""
    return sorted(results, key=lambda r: (r.get("score") is None, r.get("score") or 0.0, str(r["id"])))


def load_run(folder: Path) -> Run:
    """Read a run folder (or its metrics.json / results.jsonl); UsageError when it isn't one."""
    folder = folder.parent if folder.is_file() else folder
    try:
        metrics = json.loads((folder / METRICS).read_text())
        lines = (folder / RESULTS).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UsageError(f"{folder}: not an eval run (needs {METRICS} and {RESULTS})") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{folder / METRICS}: not valid JSON ({error.msg})") from None
    info_file = folder / INFO
    info = json.loads(info_file.read_text()) if info_file.exists() else {}
    return Run(folder, info, metrics, [json.loads(line) for line in lines if line.strip()])


def save_summary(run: Run) -> None:
    """Write metrics.json and run.json (results.jsonl is written while the run goes)."""
    run.folder.mkdir(parents=True, exist_ok=True)
    (run.folder / METRICS).write_text(json.dumps(run.metrics, indent=1) + "\n")
    (run.folder / INFO).write_text(json.dumps(run.info, indent=1, ensure_ascii=False) + "\n")
