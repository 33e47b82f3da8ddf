"""One writer per data folder, across processes and threads: an exclusive flock on a file in the folder."""

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = "writer.lock"

# Per lock file, the thread holding it and how deeply: a holder may take it again (an ingest that
# removes a file), while another thread's flock on its own descriptor waits like another process's.
_held: dict[Path, tuple[int, int]] = {}
_registry = threading.Lock()


class WriterLock:
    """Held by whatever changes an index in the folder (ingest, remove, repair, prune); readers never take it.

    The kernel drops the lock when its holder exits, `kill -9` included, so a crash never leaves it stuck.

    >>> lock = WriterLock(Path(".footnote"))
    >>> with lock.held(on_wait=lambda: print("waiting for another ingest…")):
    ...     ...
    """

    def __init__(self, folder: Path, name: str = LOCK_FILE) -> None:
        self.path = folder.resolve() / name

    @contextmanager
    def held(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the lock, waiting for the current holder (after calling `on_wait` once) if there is one."""
        with self._again() if self._mine() else self._acquired(on_wait):
            yield

    def _mine(self) -> bool:
        with _registry:
            return _held.get(self.path, (None, 0))[0] == threading.get_ident()

    @contextmanager
    def _again(self) -> Iterator[None]:
        """This thread holds the lock already: count one level deeper."""
        with _registry:
            me, depth = _held[self.path]
            _held[self.path] = (me, depth + 1)
        try:
            yield
        finally:
            with _registry:
                _held[self.path] = (me, depth)

    @contextmanager
    def _acquired(self, on_wait: Callable[[], None] | None) -> Iterator[None]:
        descriptor = self._open()
        try:
            if not _try(descriptor, fcntl.LOCK_EX):
                if on_wait:
                    on_wait()
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            with _registry:
                _held[self.path] = (threading.get_ident(), 1)
            try:
                yield
            finally:
                with _registry:
                    del _held[self.path]
        finally:
            os.close(descriptor)  # closing releases the flock

    def busy(self) -> bool:
        """True while a writer holds the lock (in this process or another)."""
        if not self.path.exists():
            return False
        descriptor = self._open()
        try:
            return not _try(descriptor, fcntl.LOCK_SH)
        finally:
            os.close(descriptor)

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)


def _try(descriptor: int, mode: int) -> bool:
    try:
        fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
