"""How a benchmark's document id becomes a corpus file name and how a passage path maps back to it."""

from pathlib import PurePosixPath
from urllib.parse import quote, unquote


def file_name(doc_id: str) -> str:
    """`<id>.txt`, the id percent-encoded so any id is a safe, non-hidden file name."""
    safe = quote(doc_id, safe="")
    # Ingest skips hidden files, so a leading dot is encoded too.
    return ("%2E" + safe[1:] if safe.startswith(".") else safe) + ".txt"


def doc_id(path: str) -> str:
    """The document id of a passage or citation path: its file name without `.txt`, decoded."""
    return unquote(PurePosixPath(path).stem)
