"""A counter every write session bumps when it is done: how a reader learns that another process changed the index."""

import os
from pathlib import Path

from index.files import write_atomically


class Generation:
    """The index's generation file, and the version of it this process last caught up with.

    >>> generation = Generation(Path(".footnote/footnote-….generation"))
    >>> if generation.changed(): ...reload...; generation.caught_up(stamp)
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen = self.stamp()

    def bump(self) -> None:
        """Mark the index changed (by this process, which has seen its own change)."""
        write_atomically(self.path, f"{self.number() + 1}\n")
        self._seen = self.stamp()

    def changed(self) -> bool:
        """True when the file was replaced since this process last caught up (one stat, no read)."""
        return self.stamp() != self._seen

    def caught_up(self, stamp: tuple | None) -> None:
        """Record that this process has reloaded what the file said at `stamp` (taken before reloading)."""
        self._seen = stamp

    def stamp(self) -> tuple | None:
        """What identifies this version of the file: a replaced file is a new inode."""
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return None
        return found.st_ino, found.st_mtime_ns

    def number(self) -> int:
        """The counter (0 before the first write session)."""
        try:
            return int(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return 0
