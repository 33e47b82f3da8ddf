"""Checks an uploaded file (type, size, readable text) and saves it under a safe name in the sources folder."""

import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from index.document import LoadError
from index.loaders import load_document, megabytes

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
# Names Windows reserves: a file called CON.txt can't be opened there, so never create one.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
_MAX_STEM = 100


class UploadError(ValueError):
    """An upload that is refused; the message says why in one line."""


def safe_file_name(name: str) -> str:
    """A plain file name: no folders, no leading dots, no control or shell characters, allowed suffix."""
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadError(f"{suffix or 'files without an extension'} not accepted; "
                          f"allowed: {' '.join(ALLOWED_SUFFIXES)}")
    stem = re.sub(r"[^\w\-. ]+", "_", stem)  # \w keeps letters of every script
    stem = re.sub(r"[\s_]+", "_", stem).strip("._- ")[:_MAX_STEM].rstrip("._- ")
    if not stem:
        stem = "upload"
    if stem.lower() in _RESERVED:
        stem = f"{stem}_"
    return stem + suffix


def check_upload(path: Path, name: str, max_bytes: int) -> str:
    """The safe name to save `path` under, or UploadError (bad type, too big, empty, unreadable)."""
    safe = safe_file_name(name)
    size = path.stat().st_size
    if size > max_bytes:
        raise UploadError(f"{megabytes(size)} is over the {megabytes(max_bytes)} upload limit")
    # The reader is chosen by suffix, so read the upload under its safe name (a link, not a copy).
    with tempfile.TemporaryDirectory(prefix="footnote-upload-") as folder:
        staged = Path(folder) / safe
        staged.symlink_to(path.resolve())
        try:
            load_document(staged, safe)  # the same reader ingest uses: refuse what it can't read
        except LoadError as error:
            raise UploadError(str(error)) from error
    return safe


def save_upload(path: Path, safe_name: str, sources: Path) -> Path:
    """Copy an accepted upload into the sources folder (replacing a file of the same name)."""
    sources.mkdir(parents=True, exist_ok=True)
    target = sources / safe_name
    # Belt and braces: safe_file_name already stripped folders, but never write outside sources.
    if target.resolve().parent != sources.resolve():
        raise UploadError("file name points outside the sources folder")
    shutil.copyfile(path, target)
    return target
