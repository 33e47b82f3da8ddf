"""`python -m training` (`make train`): rebuild every shipped weight file, in order, from the dev splits.

    .venv/bin/python -m training [STEP ...] [--evalsets DIR] [--work DIR]

Each step runs in a process of its own and feeds the next: the word-piece projection and codebooks, and the
sentence codebooks, change every stored vector the ranker's features read, and the answerer's candidates come
from the ranker. A new trainer joins by adding its step to STEPS. Each step indexes its corpora afresh under
WORK/<step>, since an index built under an earlier projection holds stale word-piece vectors.
"""

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from training.datasets import EVALSETS, ROOT


@dataclass(frozen=True)
class Step:
    """One trainer: its module (run as `python -m MODULE`), the files it writes, whether it indexes corpora."""

    name: str
    module: str
    writes: tuple[str, ...]
    indexes: bool = True


STEPS = (
    Step("token-projection", "training.token_projection", ("index/token_projection.npy",), indexes=False),
    Step("token-codebooks", "training.token_codebooks", ("index/token_codebooks.npy",), indexes=False),
    Step("sentence-codebooks", "training.sentence_codebooks", ("index/sentence_codebooks.npy",), indexes=False),
    Step("ranker", "training.ranker", ("assistant/ranker_weights.json",)),
    Step("answerer", "training.answerer", ("assistant/answerer_weights.json",)),
    Step("verifier", "training.train_verifier",
         ("assistant/verifier_weights.npy", "assistant/verifier_weights.json")),
)


def command(step: Step, evalsets: Path, work: Path) -> list[str]:
    """The trainer's command line."""
    return [sys.executable, "-m", step.module, "--evalsets", str(evalsets),
            *(["--work", str(work / step.name)] if step.indexes else [])]


def main(argv: list[str] | None = None) -> int:
    """Run the chosen steps (all by default) in STEPS order; stop at the first that fails."""
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__.splitlines()[0])
    names = [step.name for step in STEPS]
    parser.add_argument("steps", nargs="*", metavar="STEP", help=f"run only these ({', '.join(names)}); default: all")
    parser.add_argument("--evalsets", type=Path, default=EVALSETS)
    parser.add_argument("--work", type=Path, default=ROOT / ".footnote-train", help="the steps' indexes")
    args = parser.parse_args(argv)
    if unknown := [name for name in args.steps if name not in names]:
        parser.error(f"no step {unknown[0]!r} (choose from {', '.join(names)})")
    if not args.evalsets.is_dir():
        parser.error(f"{args.evalsets}: no such folder (the dev splits, ../shared/evalsets)")
    for step in STEPS:
        if args.steps and step.name not in args.steps:
            continue
        shutil.rmtree(args.work / step.name, ignore_errors=True)
        started = time.perf_counter()
        print(f"== {step.name}: {' '.join(command(step, args.evalsets, args.work))}", flush=True)
        if subprocess.run(command(step, args.evalsets, args.work), cwd=ROOT).returncode:
            print(f"{step.name} failed; {', '.join(step.writes)} and the files after them are unchanged",
                  file=sys.stderr)
            return 1
        print(f"== {step.name}: wrote {', '.join(step.writes)} in {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
