"""Footnote's ranking quality alone on the SciFact and SQuAD dev sets, with the disk its index takes: what a storage change costs.

    .venv/bin/python bench/ranking_quality.py --work DIR [--evalsets ../shared/evalsets] [--out FILE]

Ingests both sets into DIR (into an index already there, the files unchanged: one written by an
earlier version is measured after the upgrade a write session gives it), then ranks every question
as `make bench` does. Prints and writes {"scifact": {...}, "squad": {...}}.
"""

import argparse
import json
import sys
from pathlib import Path

import corpora
from run import Worker, quality, say


def measure(name: str, work: Path, evalsets: Path) -> dict:
    """Ingest (again, when indexed already), rank every question, weigh the catalog."""
    data = corpora.load(name, evalsets)
    folder = work / "corpora" / name
    if not folder.is_dir():
        corpora.write_corpus(data.docs, folder)
    worker = Worker("ours", work / "ours", work / f"{name}.log", models=work / "models")
    if (work / "ours" / name).is_dir():
        say(f"{name}: ingesting again (an index of an earlier version is upgraded by the write session)")
        figures, _ = worker.call("reingest", name=name, folder=str(folder))
    else:
        say(f"{name}: ingesting {len(data.docs):,} documents")
        figures, _ = worker.call("ingest", name=name, folder=str(folder), wordpieces=False)
    worker.call("open", name=name)
    say(f"{name}: ranking {len(data.questions):,} questions")
    figures |= quality(data, {"ours": worker})["ours"]
    worker.close()
    catalog = next((work / "ours" / name).glob("*.sqlite"))
    figures["catalog_kb_per_passage"] = round(catalog.stat().st_size / 1024 / _passages(catalog), 2)
    return figures


def _passages(catalog: Path) -> int:
    import sqlite3

    with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True) as db:
        return db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    """Both sets, then the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--evalsets", type=Path, default=corpora.EVALSETS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    results = {name: measure(name, args.work, args.evalsets) for name in ("scifact", "squad")}
    text = json.dumps(results, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
