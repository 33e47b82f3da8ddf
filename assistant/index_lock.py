"""The index lock: many readers at once, a writer alone while it commits a change to the index."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class IndexLock:
    """Shared for readers, exclusive for a writer; a waiting writer goes before new readers.

    A thread that already reads may read again without waiting (an eval run holds the index
    still for its whole run, and each of its questions reads too), so a writer waiting in
    between can't deadlock it.

    >>> lock = IndexLock()
    >>> with lock.reading():
    ...     pass
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self._mine = threading.local()  # how deeply this thread reads

    @property
    def writing(self) -> bool:
        """True while a writer holds or waits for the lock (new readers wait)."""
        return self._writing or self._writers_waiting > 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the lock shared."""
        depth = getattr(self._mine, "depth", 0)
        if not depth:
            with self._changed:
                # Writer preference: a commit must not starve behind a steady stream of questions.
                while self._writing or self._writers_waiting:
                    self._changed.wait()
                self._readers += 1
        self._mine.depth = depth + 1
        try:
            yield
        finally:
            self._mine.depth = depth
            if not depth:
                with self._changed:
                    self._readers -= 1
                    if not self._readers:
                        self._changed.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the lock alone."""
        with self._changed:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._changed.wait()
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()
