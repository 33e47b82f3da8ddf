"""Index files of earlier Footnote versions: collections and ONNX models of embedder recipes no longer built."""

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.embedder import PRECISIONS
from index.onnx_export import model_name

# Every collection is named "<name>-<embedder>-c<tokens>o<overlap>" and has a catalog <collection>.sqlite.
_COLLECTION = re.compile(r".+-c\d+o\d+")
_MODEL_FILE = re.compile(r"(all-MiniLM-L6-v2-[\w-]+?)\.(onnx|sha256\.json|onnx\.data)")


@dataclass(frozen=True)
class Leftovers:
    """What an upgrade left behind: unreachable collections, old model exports, and their files."""

    collections: list[str]
    models: list[str]
    files: list[Path]
    size_bytes: int

    def summary(self) -> str:
        """One line for `footnote status` and `footnote prune`."""
        indexes, models = len(self.collections), len(self.models)
        return (f"{indexes} index{'es' * (indexes != 1)} and {models} model export{'s' * (models != 1)} "
                f"of earlier versions ({self.size_bytes / 1e6:,.0f} MB)")

    def to_dict(self) -> dict:
        """JSON-ready, with the summary line."""
        return {"collections": self.collections, "models": self.models, "size_mb": round(self.size_bytes / 1e6, 1),
                "summary": self.summary()}


def find_leftovers(data_dir: Path, models_dir: Path, stale_exports: Sequence[Path] = ()) -> Leftovers:
    """Collections whose embedder recipe this version never builds, with their catalog and keyword
    index, and the model exports of those recipes, plus `stale_exports` (other models' files the layers
    above know to be out of date). Other collections (other names, other chunking settings) stay: a
    setting switched back reuses them."""
    current = {model_name(p) for p in PRECISIONS}
    collections = sorted(p.stem for p in data_dir.glob("*.sqlite")
                         if _COLLECTION.fullmatch(p.stem) and not any(f"-{m}-c" in p.stem for m in current))
    # The catalog, its SQLite journal files and the keyword index folder.
    files = [f for name in collections for f in sorted(data_dir.glob(f"{_glob_escape(name)}.*"))]
    exports = sorted((m.group(1), f) for f in models_dir.glob("all-MiniLM-L6-v2-*")
                     if (m := _MODEL_FILE.fullmatch(f.name)) and m.group(1) not in current)
    exports += [(_export_name(f), f) for f in stale_exports]
    files += [f for _, f in exports]
    return Leftovers(collections, sorted({name for name, _ in exports}), files, sum(_size(f) for f in files))


def _export_name(path: Path) -> str:
    """A model export's name: its file name without the suffixes (the graph and its hash stamp share it)."""
    return path.name.split(".", 1)[0]


def remove_files(leftovers: Leftovers) -> None:
    """Delete the catalogs, keyword indexes and model exports (the vector store drops its collections)."""
    for path in leftovers.files:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size if path.exists() else 0
