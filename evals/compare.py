"""Compares two runs: metric deltas, questions that got better or worse, and whether B regressed."""

from dataclasses import dataclass, field

from evals.metrics import METRICS
from evals.runs import Run

# Latency is measured on a shared machine: reported, but never a regression on its own.
LOWER_IS_BETTER = frozenset({"latency_ms_p50", "latency_ms_p95"})


@dataclass(frozen=True)
class QuestionChange:
    """One question whose headline score moved between the runs."""

    id: str
    question: str
    before: float
    after: float
    changed: dict[str, tuple[float | None, float | None]]


@dataclass
class Comparison:
    """What changed from run A to run B."""

    metrics: dict[str, tuple[float | None, float | None]]
    better: list[QuestionChange] = field(default_factory=list)
    worse: list[QuestionChange] = field(default_factory=list)
    unchanged: int = 0
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON form for `footnote eval compare --json` and the web tab."""
        def change(c: QuestionChange) -> dict:
            return {"id": c.id, "question": c.question, "before": c.before, "after": c.after,
                    "changed": {k: list(v) for k, v in c.changed.items()}}

        return {"metrics": {name: {"a": a, "b": b, "delta": _delta(a, b)} for name, (a, b) in self.metrics.items()},
                "better": [change(c) for c in self.better], "worse": [change(c) for c in self.worse],
                "unchanged": self.unchanged, "only_a": self.only_a, "only_b": self.only_b,
                "regressions": self.regressions}


def compare_runs(a: Run, b: Run, tolerance: float = 0.0) -> Comparison:
    """Metric deltas and per-question changes; a quality metric that falls by more than
    `tolerance` (absolute), or disappears, is a regression."""
    names = [n for n in METRICS if n in a.metrics or n in b.metrics]
    comparison = Comparison({n: (a.metrics.get(n), b.metrics.get(n)) for n in names})
    for name, (before, after) in comparison.metrics.items():
        if name in LOWER_IS_BETTER or before is None:
            continue
        if after is None or before - after > tolerance + 1e-9:
            comparison.regressions.append(name)
    after_by_id = {r["id"]: r for r in b.results}
    before_ids = {r["id"] for r in a.results}
    comparison.only_a = [r["id"] for r in a.results if r["id"] not in after_by_id]
    comparison.only_b = [r["id"] for r in b.results if r["id"] not in before_ids]
    for old in a.results:
        new = after_by_id.get(old["id"])
        if new is None:
            continue
        before, after = old.get("score"), new.get("score")
        if before is None or after is None or abs(after - before) < 1e-9:
            comparison.unchanged += 1
            continue
        keys = [k for k in dict.fromkeys([*old["scores"], *new["scores"]])
                if old["scores"].get(k) != new["scores"].get(k)]
        change = QuestionChange(old["id"], old["question"], before, after,
                                {k: (old["scores"].get(k), new["scores"].get(k)) for k in keys})
        (comparison.better if after > before else comparison.worse).append(change)
    return comparison


def format_comparison(comparison: Comparison, shown: int = 20) -> str:
    """The comparison as text: a metric table, then the questions that moved."""
    lines = [f"{'metric':<20}{'A':>10}{'B':>10}{'delta':>10}"]
    for name, (a, b) in comparison.metrics.items():
        flag = "  regression" if name in comparison.regressions else ""
        lines.append(f"{name:<20}{_cell(a):>10}{_cell(b):>10}{_signed(_delta(a, b)):>10}{flag}")
    lines.append(f"\n{len(comparison.better)} questions better, {len(comparison.worse)} worse, "
                 f"{comparison.unchanged} unchanged"
                 + (f"; {len(comparison.only_a)} only in A, {len(comparison.only_b)} only in B"
                    if comparison.only_a or comparison.only_b else ""))
    for title, changes in (("worse", comparison.worse), ("better", comparison.better)):
        if changes:
            lines.append(f"{title}:")
        for c in changes[:shown]:
            moved = ", ".join(f"{k} {_cell(x)}→{_cell(y)}" for k, (x, y) in c.changed.items())
            lines.append(f"  {c.id}  {c.before:.2f} → {c.after:.2f}  {c.question[:70]}  ({moved})")
        if len(changes) > shown:
            lines.append(f"  … and {len(changes) - shown} more")
    lines.append("regression: " + ", ".join(comparison.regressions) if comparison.regressions
                 else "no regression")
    return "\n".join(lines)


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 4)


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.4f}"
