"""Hands the heap's freed pages back to the system, which glibc otherwise keeps for the process's life.

Parsing one large HTML page (the kernel's abi-testing.html, 3.5 MB) frees about 200 MB that glibc keeps
resident: an ingest of 100,000 passages climbed by that much at each such page and never came down.
"""

import ctypes
import ctypes.util
from functools import cache


@cache
def _malloc_trim():
    """glibc's malloc_trim, or None on a C library without it (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Return the heap's free pages to the system (a few milliseconds); nothing where glibc is absent."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
