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
    return _relative(os.path.realpath(path), str(root))


def origin_key(path: Path, root: Path) -> str:
    """The key of a path as given: its folder resolved, its last part kept (a symlink stays itself)."""
    return _relative(os.path.join(os.path.realpath(path.parent), path.name), str(root))


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
    anyway), and a file reached twice is indexed once, under its resolved path. Paths are handled as
    strings and each folder is resolved once, not each file: a folder of thousands of files is walked
    in milliseconds.
    """
    top, skip, base, suffixes = os.path.realpath(folder), os.path.realpath(skip), str(root), tuple(suffixes)
    found: dict[str, SourceFile] = {}
    skipped: dict[str, str] = {}
    for here, folders, files in os.walk(folder):  # linked folders are listed, never entered
        real = os.path.realpath(here)
        folders[:] = sorted(name for name in folders
                            if not name.startswith(".") and os.path.realpath(os.path.join(here, name)) != skip)
        for name in folders:
            linked = os.path.join(here, name)
            if os.path.islink(linked) and not _inside(os.path.realpath(linked), top):
                skipped[_relative(os.path.join(real, name), base)] = f"a link to a folder outside {folder}: not followed"
        for name in sorted(files):
            if name.startswith(".") or not name.lower().endswith(suffixes):
                continue
            path, origin = os.path.join(here, name), os.path.join(real, name)
            link = os.path.islink(path)
            target = os.path.realpath(path) if link else origin
            if not _inside(target, top):
                skipped[_relative(origin, base)] = f"a link to a file outside {folder}: not followed"
            elif not _inside(target, skip) and os.path.isfile(target):
                key = _relative(target, base)
                if key not in found or not link:  # the file itself is its origin, not a link to it
                    found[key] = SourceFile(Path(path), key, _relative(origin, base))
    return sorted(found.values(), key=lambda f: f.key), skipped


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _relative(path: str, root: str) -> str:
    """`path` relative to `root` when inside it (POSIX separators), else `path` itself."""
    return path[len(root.rstrip("/")) + 1:] if path != root and _inside(path, root) else path
