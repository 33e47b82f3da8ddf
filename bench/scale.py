"""`make bench-scale`: how Footnote's costs grow from 1k to 100k passages of real documentation, beside the naive pipeline.

    .venv/bin/python bench/scale.py [--sizes 1000,10000,100000] [--systems embedded,server,peer]
                                    [--out bench/results/scale.json] [--work DIR]

The corpus is Debian's linux-doc-6.1 (the kernel's documentation, GPL-2.0): its HTML pages first,
then its text files (the .txt, then the gzipped .txt/.rst, unpacked), each list in path order; a
size takes the shortest prefix of that order holding that many of our passages. Per size and
system: cold ingest rate and peak RSS (a process of its own), disk per passage with every store and
file named, then, in a serving process, ask latency p50/p95 over a fixed question list, peak RSS,
and the time to add one file (the next one in the order) and to remove it again. "server" keeps
the vectors in a real `chroma run`; "peer" is bench/peer_llamaindex.py's hybrid pipeline on the
same files (it reads them with SimpleDirectoryReader, as its docs show). Nothing is asserted.
"""

import argparse
import gzip
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import corpora
import measure
from run import BENCH, Worker, close, latency, say

from tests.chroma_server import ChromaServer  # corpora put the project root on sys.path

LINUX_DOC = Path("/usr/share/doc/linux-doc-6.1")
SIZES = (1000, 10000, 100000)
SYSTEMS = ("embedded", "server", "peer")
LATENCY_QUERIES = 100
ADDED_PASSAGES = (5, 20)  # the file added and removed holds this many passages (the corpus's median file: 10)
QUESTIONS = [  # a fixed list, asked in turn; about topics the first thousand passages already cover
    "How do I enable MSI interrupts for a PCI device?",
    "What does the kernel do when a PCI device is hot-plugged?",
    "How are boot interrupts routed on x86?",
    "What is SR-IOV and how is a virtual function enabled?",
    "Which sysfs files describe a PCI device's resources?",
    "How does the kernel report an out-of-memory condition?",
    "What is the purpose of the device tree?",
    "How do I write a kernel module parameter?",
    "What locking rules apply to spinlocks in interrupt handlers?",
    "How is a block device registered?",
    "What does the watchdog driver do when the timer expires?",
    "How do I submit a patch to the kernel mailing list?",
    "What is the difference between kmalloc and vmalloc?",
    "How are DMA mappings created for a device?",
    "What does RCU protect and when can memory be freed?",
    "How does the scheduler pick the next task?",
    "What is cgroup v2 and how do controllers attach?",
    "How is the CPU frequency governor chosen?",
    "What does the USB core do when a device is disconnected?",
    "How are firmware files loaded by drivers?",
    "error handling in PCI Express advanced error reporting",
    "power management suspend and resume callbacks",
    "network device driver transmit timeout",
    "filesystem mount options for ext4",
    "debugging with ftrace function tracer",
]


# --- the corpus ------------------------------------------------------------------------------------

def source_files(root: Path = LINUX_DOC) -> list[Path]:
    """The package's documents in the bench's order: HTML pages, then .txt, then gzipped .txt/.rst."""
    if not root.is_dir():
        raise SystemExit(f"{root}: not found; `apt-get install -y linux-doc-6.1` (make bench-scale does)")
    found = sorted(str(p) for p in root.rglob("*") if p.is_file())
    html = [p for p in found if p.endswith(".html")]
    text = [p for p in found if p.endswith(".txt")]
    packed = [p for p in found if p.endswith((".txt.gz", ".rst.gz"))]
    return [Path(p) for p in html + text + packed]


def unpacked(source: Path, files: Path, root: Path = LINUX_DOC) -> Path:
    """The file as the bench ingests it, under `files`: gzipped text unpacked to a .txt."""
    relative = source.relative_to(root)
    if source.suffix == ".gz":
        relative = relative.with_suffix("").with_suffix(".txt") if relative.with_suffix("").suffix == ".rst" \
            else relative.with_suffix("")
    target = files / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.decompress(source.read_bytes()) if source.suffix == ".gz" else source.read_bytes())
    return target


class Ladder:
    """The ordered files with our passage count of each, counted (and cached) only as far as needed."""

    def __init__(self, work: Path) -> None:
        self.files = work / "files"
        self._counts_file = work / "passages.json"
        self.counts: dict[str, int] = json.loads(self._counts_file.read_text()) if self._counts_file.exists() else {}
        self._sources = source_files()
        self._chunker: Any = None

    def prefix(self, passages: int) -> tuple[list[Path], Path]:
        """The shortest run of files from the start holding `passages`, and the first file after it of
        a typical size (ADDED_PASSAGES), the one a user adds."""
        chosen, total = [], 0
        for source in self._sources:
            path = unpacked(source, self.files)
            count = self._count(path)
            if total >= passages and ADDED_PASSAGES[0] <= count <= ADDED_PASSAGES[1]:
                self._counts_file.write_text(json.dumps(self.counts))
                return chosen, path
            if total < passages:
                chosen.append(path)
                total += count
        raise SystemExit(f"linux-doc-6.1 holds {total:,} passages, fewer than {passages:,} and a file to add")

    def _count(self, path: Path) -> int:
        key = str(path.relative_to(self.files))
        if key not in self.counts:
            self.counts[key] = len(self._split(path))
        return self.counts[key]

    def _split(self, path: Path) -> list:
        from index.chunker import Chunker
        from index.document import LoadError
        from index.embedder import Embedder
        from index.loaders import load_document

        if self._chunker is None:
            embedder = Embedder(self.files.parent / "models")  # its tokenizer alone: no model is loaded
            self._chunker = Chunker(embedder.count_tokens, embedder.token_offsets)
        try:
            return self._chunker.split(load_document(path, path.name))
        except LoadError:
            return []


def corpus_folder(work: Path, size: int, files: list[Path], ladder: Ladder) -> Path:
    """A folder of hard links to the size's files, keeping their paths under the package."""
    folder = work / f"corpus-{size}"
    if not folder.is_dir():
        for path in files:
            target = folder / path.relative_to(ladder.files)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
    return folder


# --- what each system costs --------------------------------------------------------------------------

def disk_bytes(folder: Path) -> dict[str, int]:
    """Bytes per file under `folder`, with Chroma's segment ids and the keyword builds' numbers as '*'
    (so sizes read alike across runs); the exported model is left out (shared, not per passage)."""
    sizes: dict[str, int] = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if not path.is_file() or relative.parts[0] == "models":
            continue
        name = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|g\d{8}", "*", str(relative))
        sizes[name] = sizes.get(name, 0) + path.stat().st_size
    return dict(sorted(sizes.items(), key=lambda item: -item[1]))


def text_bytes(data: Path) -> int:
    """UTF-8 bytes of the documents' text, uncompressed, as our catalog reads it back: "the text itself"."""
    from index.catalog import Catalog
    from index.embedder import Embedder

    catalog = Catalog(next(data.glob("*.sqlite")), Embedder.dimension)
    return sum(len(catalog.document(row["path"]).text.encode()) for row in catalog.documents())


def disk_figures(folders: list[Path], passages: int, text: int) -> dict[str, Any]:
    """Total and per-passage bytes, beyond the text too, and every file by name."""
    files: dict[str, int] = {}
    for folder in folders:
        files.update({f"{folder.name}/{name}": size for name, size in disk_bytes(folder).items()})
    total = sum(files.values())
    return {"disk_mb": round(total / 2**20, 1), "disk_kb_per_passage": round(total / 1024 / passages, 2),
            "disk_kb_per_passage_beyond_text": round((total - text) / 1024 / passages, 2),
            "text_mb": round(text / 2**20, 1), "files_kb": {k: round(v / 1024) for k, v in files.items()}}


def measure_system(system: str, size: int, folder: Path, extra: Path, added: int, work: Path) -> dict[str, Any]:
    """Ingest in one process, then serve, add and remove in another; the figures of one system at one size."""
    logs, name = work / "logs", f"n{size}"
    server = ChromaServer(work / "chroma-server" / name, logs / "chroma-server.log").start() if system == "server" else None
    options = {"models": work / "models", **({"chroma-port": server.port} if server else {})}
    kind, home = ("peer-hybrid", work / "peer") if system == "peer" else ("ours", work / system)
    try:
        say(f"  {system} {size:,}: cold ingest of {folder}")
        ingesting = Worker(kind, home, logs / f"{system}.log", **(options if kind == "ours" else {}))
        stats, _ = ingesting.call("ingest", name=name, folder=str(folder), wordpieces=False)
        stats["peak_rss_ingest_mb"], _ = ingesting.call("rss")
        ingesting.close()
        if server:
            stats["server_peak_rss_after_ingest_mb"] = measure.peak_rss_mb(server.process.pid)
        say(f"  {system} {size:,}: {stats}")
        serving = Worker(kind, home, logs / f"{system}.log", **(options | {"threads": 1} if kind == "ours" else {}))
        serving.call("open", name=name)
        stats |= latency({system: serving}, QUESTIONS, LATENCY_QUERIES)[system]
        stats["peak_rss_serving_mb"], _ = serving.call("rss")
        key, add_ms = serving.call("add_file", path=str(extra), folder=str(folder))
        _, remove_ms = serving.call("remove_file", key=key)
        stats |= {"add_file_s": round(add_ms / 1000, 2), "remove_file_s": round(remove_ms / 1000, 2),
                  "added_file": str(extra.relative_to(work / "files")), "added_file_passages": added}
        close({system: serving})
        if server:
            stats["server_peak_rss_mb"] = measure.peak_rss_mb(server.process.pid)
    finally:
        if server:
            server.stop()
    data = home / name
    text = text_bytes(work / "embedded" / name) if system == "peer" else text_bytes(data)
    stats |= disk_figures([data] + ([server.path] if server else []), stats["chunks"], text)
    return stats


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every size, smallest first; at each, every system in turn."""
    (args.work / "logs").mkdir(parents=True, exist_ok=True)
    ladder = Ladder(args.work)
    say("warm-up: the sample article, indexed and asked, which exports the ONNX models once (no size pays for it)")
    warming = Worker("ours", args.work / "warm-up", args.work / "logs" / "warm-up.log", models=args.work / "models")
    warming.call("ingest", name="sample", folder=str(corpora.SAMPLE_CORPUS), wordpieces=False)
    # The verifier's graph is built at the first answer: 1.4 GB of torch and quantizer, not serving.
    warming.call("open", name="sample")
    warming.call("ask", query=QUESTIONS[0])
    warming.close()
    results: dict[str, dict[str, Any]] = {system: {} for system in args.systems}
    for size in args.sizes:
        files, extra = ladder.prefix(size)
        folder = corpus_folder(args.work, size, files, ladder)
        say(f"{size:,} passages: {len(files):,} files ({sum(ladder.counts[str(f.relative_to(ladder.files))] for f in files):,} passages)")
        for system in args.systems:
            if system == "peer" and args.peer_max and size > args.peer_max:
                say(f"  peer {size:,}: skipped (--peer-max {args.peer_max:,})")
                continue
            added = ladder.counts[str(extra.relative_to(ladder.files))]
            results[system][str(size)] = measure_system(system, size, folder, extra, added, args.work)
            write(args.out, results, args)  # a long run keeps what it measured so far
    return results


def write(out: Path, results: dict[str, Any], args: argparse.Namespace) -> None:
    """The JSON: when and under what load, then per system and size its figures."""
    meta = {"started": args.started, "minutes": round((time.time() - args.started_at) / 60, 1),
            "load_before": args.load_before, "load_now": measure.load_average(), "sizes": args.sizes,
            "corpus": "Debian linux-doc-6.1", "latency_queries": LATENCY_QUERIES, "questions": len(QUESTIONS),
            "peer_max": args.peer_max or None}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "systems": results}, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Parse, run, write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="passages, comma-separated")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"some of {', '.join(SYSTEMS)}")
    parser.add_argument("--peer-max", type=int, default=0,
                        help="measure the peer only up to this size (it embeds HTML markup too: hours at 100k)")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "scale.json")
    # Not under .footnote: SimpleDirectoryReader skips every file with a dot-folder anywhere in its path, so the
    # peer found no files there.
    parser.add_argument("--work", type=Path, default=BENCH / "results" / "scale-work",
                        help="scratch folder, outside any dot-folder: unpacked files and passage counts are kept "
                             "for the next run")
    args = parser.parse_args(argv)
    args.sizes = sorted(int(size) for size in args.sizes.split(","))
    if unknown := set(args.systems.split(",")) - set(SYSTEMS):
        parser.error(f"unknown systems: {', '.join(sorted(unknown))}")
    args.systems = [s for s in SYSTEMS if s in args.systems.split(",")]  # embedded before the peer
    if "peer" in args.systems and "embedded" not in args.systems:
        parser.error("peer needs embedded: the text size per passage is read from our catalog")
    args.started, args.started_at = time.strftime("%Y-%m-%d %H:%M:%S"), time.time()
    args.load_before = measure.load_average()
    for folder in ("embedded", "server", "peer", "chroma-server", "warm-up"):  # every index is built cold
        shutil.rmtree(args.work / folder, ignore_errors=True)
    say(f"scratch {args.work}; load {args.load_before}")
    write(args.out, run(args), args)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
