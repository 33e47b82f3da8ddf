"""Timing helpers: latency summaries, machine load and process-start-to-first-answer."""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.metrics import percentile  # noqa: E402


def latency(milliseconds: Sequence[float]) -> dict[str, float]:
    """latency_ms_p50 / latency_ms_p95 of a list of per-query times."""
    return {"latency_ms_p50": round(percentile(milliseconds, 50), 2),
            "latency_ms_p95": round(percentile(milliseconds, 95), 2)}


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak resident memory so far (VmHWM), this one's by default. Not getrusage: ru_maxrss
    survives exec, so a worker started from a large orchestrator would report the orchestrator's peak."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


def load_average() -> str:
    """`uptime`'s load averages, to read the figures against."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cores)"


def first_output_seconds(command: Sequence[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> float:
    """Wall time from starting `command` to its first line on stdout; the process must then exit 0."""
    # stderr to a file: a child that logs a lot before its first line would fill a pipe and stall.
    with tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env, cwd=cwd, text=True)
        line = process.stdout.readline()
        elapsed = time.perf_counter() - started
        process.communicate(timeout=timeout)
        if process.returncode or not line.strip():
            errors.seek(0)
            raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {errors.read().strip()[-500:]}")
    return elapsed


def median(values: Sequence[float]) -> float:
    """Median, rounded for the report."""
    return round(statistics.median(values), 3)
