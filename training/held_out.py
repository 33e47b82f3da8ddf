"""Writes the verifier's held-out side of imported dev sets as eval sets of their own, for `footnote eval`.

    .venv/bin/python -m training.held_out IMPORTED [--evalsets DIR]

IMPORTED is the folder `footnote eval import` wrote the dev sets into (squad/, squad2/, rgb/, each
with set.jsonl and corpus/). Next to each set.jsonl this writes held-out.jsonl: the questions of the
articles and news items the verifier never trained on (training/splits.py). Run them against the
same corpus: `footnote eval IMPORTED/squad/held-out.jsonl --corpus IMPORTED/squad/corpus`.
"""

import argparse
import sys
from pathlib import Path

from evals.evalset import load_set, write_set
from evals.importers.common import read_jsonl
from evals.importers.squad import read_articles

from training import datasets, splits


def held_out_ids(evalsets: Path) -> dict[str, set[str]]:
    """Per imported set name, the ids of its questions on the held-out side."""
    squad = evalsets / datasets.SQUAD_FILE
    articles = read_articles(squad)
    article_of = splits.squad_article_of(squad)
    rgb = read_jsonl(evalsets / "rgb" / "en_fact.jsonl")
    return {
        "squad": {qa["id"] for a, article in enumerate(articles) if not splits.squad_trains_on(a)
                  for paragraph in article["paragraphs"] for qa in paragraph["qas"]},
        "squad2": {str(row["id"]) for row in read_jsonl(evalsets / "squad-v2-sample" / "sample-a.jsonl")
                   if not splits.squad_trains_on(article_of.get(row["context"]))},
        "rgb": {str(row["id"]) for n, row in enumerate(rgb) if not splits.rgb_trains_on(n, len(rgb))},
    }


def main() -> int:
    """Write held-out.jsonl beside each imported set that exists."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("imported", type=Path)
    parser.add_argument("--evalsets", type=Path, default=datasets.EVALSETS)
    args = parser.parse_args()
    for name, ids in held_out_ids(args.evalsets).items():
        source = args.imported / name / "set.jsonl"
        if source.is_file():
            kept = [r for r in load_set(source) if r.id in ids]
            print(f"{source.parent / 'held-out.jsonl'}: {write_set(source.parent / 'held-out.jsonl', kept)} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
