"""Freed heap memory goes back to the system when an ingest asks, instead of staying resident for good."""

import platform
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# 200 MB in 1 KB blocks (each from malloc's heap, not mmap), then one block allocated after them, which
# keeps the heap's top in use so that freeing the rest cannot shrink the heap on its own.
FREE_AND_RELEASE = """
from index.heap import release_freed_memory

def rss_mb():
    return next(int(line.split()[1]) // 1024 for line in open("/proc/self/status") if line.startswith("VmRSS"))

blocks = [bytearray(1024) for _ in range(200_000)]
pinned = bytearray(1024)
del blocks
freed = rss_mb()
release_freed_memory()
print(freed, rss_mb())
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="releasing freed memory is glibc's malloc_trim; elsewhere it does nothing")
def test_freed_memory_is_returned_to_the_system():
    freed, released = map(int, subprocess.run([sys.executable, "-c", FREE_AND_RELEASE], cwd=ROOT, check=True,
                                              capture_output=True, text=True).stdout.split())
    assert freed - released >= 150, f"resident {freed} MB after freeing 200 MB, {released} MB after releasing"
