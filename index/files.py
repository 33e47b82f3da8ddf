"""Small files replaced in one step, so a reader in any process sees the old content or the new, never a part."""

import os
from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """Write `text` beside `path`, flush it to disk, then rename it over `path`."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
