"""What a source file is called in the index, and which files a folder holds (symlinks kept inside it)."""

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    """A file to index: where it is, its key (its resolved path under the root) and its origin (the
    key of the path it was found at, which differs for a symlink)."""

    file: Path
    key: str
    origin: str


def source_key(path: Path, root: Path) -> str:
    """A file's name in the index: its resolved path relative to `root` (absolute when outside), the
    same from any working directory and through any symlink."""
    return _relative(path.resolve(), root)


def origin_key(path: Path, root: Path) -> str:
    """The key of a path as given: its folder resolved, its last part kept (a symlink stays itself)."""
    return _relative(path.parent.resolve() / path.name, root)


def source_file(key: str, root: Path) -> Path:
    """The file a key names."""
    path = Path(key)
    return path if path.is_absolute() else root / path


def is_under(key: str, folder_key: str) -> bool:
    """Whether a key lies in the folder that `folder_key` names."""
    return folder_key in (".", "") or key == folder_key or key.startswith(folder_key.rstrip("/") + "/")


def folder_files(folder: Path, root: Path, suffixes: Iterable[str], skip: Path) -> tuple[list[SourceFile], dict]:
    """The indexable files under `folder`, sorted, and the symlinks left out with why.

    Hidden files and folders and anything inside `skip` (the data folder) are left out. Symlinks
    are followed only when they point inside `folder`: one pointing elsewhere could pull any file
    of the machine into the index. Linked folders are not entered at all (those inside are walked
    anyway), and a file reached twice is indexed once, under its resolved path.
    """
    top, skip, suffixes = folder.resolve(), skip.resolve(), tuple(suffixes)
    found: dict[str, SourceFile] = {}
    skipped: dict[str, str] = {}
    for here, folders, files in os.walk(folder):  # linked folders are listed, never entered
        here = Path(here)
        folders[:] = sorted(name for name in folders if not name.startswith(".") and (here / name).resolve() != skip)
        for name in folders:
            if (here / name).is_symlink() and not _inside((here / name).resolve(), top):
                skipped[origin_key(here / name, root)] = f"a link to a folder outside {folder}: not followed"
        for name in sorted(files):
            path = here / name
            if name.startswith(".") or not name.lower().endswith(suffixes):
                continue
            target = path.resolve()
            if not _inside(target, top):
                skipped[origin_key(path, root)] = f"a link to a file outside {folder}: not followed"
            elif target.is_file() and not _inside(target, skip):
                key = _relative(target, root)
                if key not in found or not path.is_symlink():  # the file itself is its origin, not a link to it
                    found[key] = SourceFile(path, key, origin_key(path, root))
    return sorted(found.values(), key=lambda f: f.key), skipped


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
