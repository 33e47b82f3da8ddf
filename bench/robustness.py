"""Robustness figures: a 20 MB one-line file indexed while questions are asked, a .docx bomb, ingest speed.

    python bench/robustness.py --out bench/results/robustness.json      # all three
    python bench/robustness.py --only ingest                            # ingest speed alone (runs on older code too)

Each part runs on a fresh data folder; the model export is shared (`--models`), so no part pays for it.
"""

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.pipeline import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from measure import load_average  # noqa: E402

EVALSETS = ROOT.parent / "shared" / "evalsets"
SAMPLE = ROOT / "sources"
# One line of prose: a few dozen sentences over and over, and one fact only the middle of the line holds.
CYCLE = [f"The {w} of the harbour town was counted again by the {v} office in the {u} season."
         for w, v, u in zip(("mill", "bridge", "market", "tower", "quay", "chapel", "forge", "bakery") * 4,
                            ("customs", "census", "council", "survey", "tax", "post", "guild", "court") * 4,
                            ("spring", "summer", "autumn", "winter") * 8)][:29]
FACT = "The lighthouse keeper of Brest counted exactly 1213 steps up the tower."
FACT_QUESTION = "How many steps did the lighthouse keeper of Brest count?"
SAMPLE_QUESTION = "How many operatives were expelled to the United States?"


def one_line_text(size: int) -> str:
    """`size` characters of sentences on one line, FACT in the middle."""
    cycle = " ".join(CYCLE) + " "
    half = cycle * (size // 2 // len(cycle) + 1)
    return (half[: size // 2] + " " + FACT + " " + half)[:size].replace("\n", " ")


def long_line_while_asking(models: Path, work: Path, megabytes: int, pause: float = 0.5) -> dict:
    """Index a one-line file of `megabytes` MB beside the sample article while another thread asks about
    the article every `pause` seconds (a busy chat); how long the ingest took and how the questions fared."""
    assistant = _assistant(models, work / "data")
    assistant.ingest([SAMPLE])
    assistant.warm_up()
    folder = work / "long"
    folder.mkdir()
    (folder / "one-line.txt").write_text(one_line_text(megabytes * 2**20))
    latencies: list[float] = []
    done = threading.Event()

    def ask() -> None:
        while not done.is_set():
            started = time.perf_counter()
            answer = assistant.ask(SAMPLE_QUESTION)
            assert "37" in answer.answer, answer.answer
            latencies.append(time.perf_counter() - started)
            done.wait(pause)

    asking = threading.Thread(target=ask)
    asking.start()
    started = time.perf_counter()
    report = assistant.ingest([folder])
    seconds = time.perf_counter() - started
    done.set()
    asking.join()
    answer = assistant.ask(FACT_QUESTION)
    return {"megabytes": megabytes, "ingest_seconds": round(seconds, 1), "summary": report.summary(),
            "chunks": assistant.status()["chunks"], "chunks_embedded": report.chunks_embedded,
            "questions_meanwhile": len(latencies),
            "question_ms_p50": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "question_ms_max": round(max(latencies) * 1000, 1) if latencies else None,
            "fact_answered": "1213" in answer.answer}


# The peak is read from /proc (VmHWM, this program's own), not getrusage: ru_maxrss survives exec, so a
# child forked from the bench's 1.4 GB process reported 1,385 MB for a load that peaked at 47.
BOMB = """
import re, sys, time
from pathlib import Path
from index.document import LoadError
from index.loaders import load_document
started = time.perf_counter()
try:
    load_document(Path(sys.argv[1]), "bomb.docx")
    message = "loaded"
except LoadError as error:
    message = str(error)
print(time.perf_counter() - started)
print(int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())[1]) // 1024)
print(message)
"""


def docx_bomb(work: Path, characters: int = 70_000_000) -> dict:
    """A .docx of a few hundred KB whose text inflates to `characters`: how fast it is refused, and the
    peak memory of the process that loads it (Python and the loaders included)."""
    import zipfile

    import docx

    plain = work / "plain.docx"
    docx.Document().save(str(plain))
    bomb = work / "bomb.docx"
    run = "<w:r><w:t>" + "x" * 100 + "</w:t></w:r>"
    namespace = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for member in source.namelist():
            if member != "word/document.xml":
                out.writestr(member, source.read(member))
        with out.open("word/document.xml", "w", force_zip64=True) as body:
            body.write(f'<?xml version="1.0"?><w:document {namespace}><w:body><w:p>'.encode())
            for _ in range(characters // 1_000_000):
                body.write((run * 10_000).encode())
            body.write(b"</w:p></w:body></w:document>")
    result = subprocess.run([sys.executable, "-c", BOMB, str(bomb)], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.splitlines()
    return {"file_kb": bomb.stat().st_size // 1024, "characters": characters, "seconds": round(float(result[0]), 2),
            "peak_rss_mb": int(result[1]), "message": result[2]}


def ingest_speed(models: Path, work: Path, abstracts: int, evalsets: Path = EVALSETS) -> dict:
    """Cold ingest of the sample article, then of `abstracts` SciFact abstracts (one file each), chunks per second."""
    figures = {}
    for name, folder in (("sample", SAMPLE), ("scifact", _scifact_folder(work, abstracts, evalsets))):
        assistant = _assistant(models, work / f"data-{name}")
        started = time.perf_counter()
        report = assistant.ingest([folder])
        seconds = time.perf_counter() - started
        chunks = assistant.status()["chunks"]
        figures[name] = {"documents": len(report.added), "chunks": chunks, "seconds": round(seconds, 2),
                         "chunks_per_second": round(chunks / seconds, 1)}
    return figures


def _scifact_folder(work: Path, abstracts: int, evalsets: Path) -> Path:
    folder = work / "scifact"
    folder.mkdir()
    with (evalsets / "scifact" / "corpus.jsonl").open() as corpus:
        for _, line in zip(range(abstracts), corpus):
            record = json.loads(line)
            (folder / f"{record['_id']}.txt").write_text(f"{record['title']}\n{record['text']}\n")
    return folder


def _assistant(models: Path, data: Path) -> Assistant:
    return Assistant(Settings().replace(data_dir=data, models_dir=models))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    parser.add_argument("--only", choices=("long-line", "bomb", "ingest"))
    parser.add_argument("--megabytes", type=int, default=20)
    parser.add_argument("--abstracts", type=int, default=2000)
    parser.add_argument("--models", type=Path, default=ROOT / ".footnote" / "models")
    parser.add_argument("--evalsets", type=Path, default=EVALSETS, help="where scifact/corpus.jsonl is")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="footnote-robustness-"))
    figures = {"started": time.strftime("%Y-%m-%d %H:%M"), "load_average": load_average()}
    try:
        # The model export, once, outside the timings.
        _assistant(args.models, work / "warm").corpus.embedder.embed(["warm up"])
        if args.only in (None, "ingest"):
            figures["ingest"] = ingest_speed(args.models, work, args.abstracts, args.evalsets)
        if args.only in (None, "long-line"):
            figures["long_line"] = long_line_while_asking(args.models, work, args.megabytes)
        if args.only in (None, "bomb"):
            figures["docx_bomb"] = docx_bomb(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(figures, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
