"""A readers-writer lock: many questions at once, while indexing runs alone."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    """Shared for readers, exclusive for a writer; a waiting writer goes before new readers.

    >>> lock = ReadWriteLock()
    >>> with lock.reading():
    ...     pass
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @property
    def writing(self) -> bool:
        """True while a writer holds or waits for the lock (readers will wait)."""
        return self._writing or self._writers_waiting > 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the lock shared."""
        with self._changed:
            # Writer preference: a re-index must not starve behind a steady stream of questions.
            while self._writing or self._writers_waiting:
                self._changed.wait()
            self._readers += 1
        try:
            yield
        finally:
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
