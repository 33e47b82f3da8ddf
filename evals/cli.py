"""The `footnote eval` commands: run a set, compare two runs, import a public benchmark."""

import argparse
import json
import sys
from pathlib import Path

from assistant.settings import Settings, UsageError

REGRESSION_EXIT = 3  # distinct from 1 (crash) and 2 (bad input), so CI can tell them apart
USAGE = """footnote eval SET.jsonl [--corpus DIR] [--out DIR] [--limit N] [--generate] [--json]
       footnote eval compare RUN_A RUN_B [--fail-on-regression] [--tolerance X] [--json]
       footnote eval import {beir,squad,rgb,multihop} SRC --out OUT [--split NAME] [--counterfactual]"""


def add_eval_commands(commands: argparse._SubParsersAction, settings_flags: argparse.ArgumentParser) -> None:
    """Register `footnote eval …` on the main parser.

    One parser serves the three forms: argparse subcommands would swallow a set's file name as an
    unknown command, so the first positional decides (`compare`, `import`, else a set path).
    """
    parser = commands.add_parser(
        "eval", parents=[settings_flags], usage=USAGE, help="run an eval set; compare runs; import benchmarks",
        description="Score the assistant on an eval set (results.jsonl, metrics.json, report.html), compare "
                    "two runs, or import a public benchmark as corpus + set. Exit 3: compare found a regression.")
    parser.add_argument("target", metavar="SET.jsonl|compare|import", help="an eval set, or a verb")
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print metrics (or the comparison) as JSON")
    run = parser.add_argument_group("footnote eval SET.jsonl")
    run.add_argument("--corpus", type=Path, help="index this folder into its own collection and ask it "
                                                 "(default: the chat's index)")
    run.add_argument("--out", type=Path, help="run folder (default: DATA_DIR/runs/SET-TIME); import: output folder")
    run.add_argument("--limit", type=int, help="score a deterministic sample of N questions")
    run.add_argument("--generate", action="store_true", help="answers written by the model at llm_url, each sentence "
                                                              "checked; adds the generated-answer metrics")
    compare = parser.add_argument_group("footnote eval compare RUN_A RUN_B")
    compare.add_argument("--fail-on-regression", action="store_true",
                         help=f"exit {REGRESSION_EXIT} when a quality metric of B is below A")
    compare.add_argument("--tolerance", type=float, default=0.0, help="allowed drop per metric (default 0)")
    importing = parser.add_argument_group("footnote eval import FORMAT SRC --out OUT")
    importing.add_argument("--split", help="beir: which qrels/SPLIT.tsv (default: the only one)")
    importing.add_argument("--counterfactual", action="store_true", default=None,
                           help="rgb: add the counterfactual (positive_wrong) snippets to the corpus")
    parser.set_defaults(run=run_eval_command)


def run_eval_command(args: argparse.Namespace, settings: Settings) -> int:
    """`footnote eval …`: dispatch on the first positional."""
    if args.target == "compare":
        if len(args.rest) != 2:
            raise UsageError("compare needs two run folders: footnote eval compare RUN_A RUN_B")
        return _compare(args)
    if args.target == "import":
        if len(args.rest) != 2 or args.out is None:
            raise UsageError("usage: footnote eval import {beir,squad,rgb,multihop} SRC --out OUT")
        return _import(args)
    if args.rest:
        raise UsageError(f"unexpected argument {args.rest[0]!r} after the eval set")
    return _run(args, settings)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from evals.metrics import METRICS
    from evals.runner import run_set

    bars = _Bars()
    try:
        if args.generate:
            settings = settings.replace(answer_mode="generate")
        run = run_set(Path(args.target), settings, args.out, args.corpus, args.limit, bars.update)
    finally:
        bars.close()
    for warning in run.info.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(run.metrics, indent=1))
    else:
        for name in METRICS:
            if name in run.metrics:
                print(f"{name:>20}  {run.metrics[name]:g}")
    print(f"{len(run.results)} questions → {run.report}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from evals.compare import compare_runs, format_comparison
    from evals.runs import load_run

    comparison = compare_runs(load_run(Path(args.rest[0])), load_run(Path(args.rest[1])), args.tolerance)
    print(json.dumps(comparison.to_dict(), indent=1) if args.json else format_comparison(comparison))
    return REGRESSION_EXIT if args.fail_on_regression and comparison.regressions else 0


def _import(args: argparse.Namespace) -> int:
    from evals.importers import import_set

    kind, source = args.rest
    manifest = import_set(kind, Path(source), args.out, split=args.split, counterfactual=args.counterfactual)
    print(f"{manifest['questions']} questions ({manifest['unanswerable']} unanswerable), "
          f"{manifest['documents']} documents → {args.out}")
    for note in manifest["notes"]:
        print(f"note: {note}", file=sys.stderr)
    print(f"next: footnote eval {args.out / 'set.jsonl'} --corpus {args.out / 'corpus'}")
    return 0


class _Bars:
    """One tqdm bar per progress stage on stderr (hidden when stderr is not a terminal)."""

    def __init__(self) -> None:
        self._bars: dict = {}

    def update(self, stage: str, done: int, total: int) -> None:
        """A progress callback: (stage, done, total)."""
        from tqdm import tqdm

        if stage == "waiting":  # another process writes to the data folder; the corpus is indexed after it
            print("footnote: waiting for another process writing to the data folder to finish…", file=sys.stderr)
            return
        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(total=total, desc=f"{stage:>9}", file=sys.stderr, leave=False,
                                           disable=not sys.stderr.isatty())
        bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        """Remove the bars."""
        for bar in self._bars.values():
            bar.close()
