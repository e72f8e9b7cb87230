"""How a process treats its heap while it reads seeds; create_app chooses it for the corpus."""

import ctypes
import ctypes.util
import gc
import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Protocol

log = logging.getLogger(__name__)

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 128 * 1024  # blocks this large get pages of their own, returned when freed


class HeapPolicy(Protocol):
    """What to do around a refresh of the corpus; first is True for its first load."""

    def __call__(self, first: bool) -> AbstractContextManager[None]: ...


def unchanged(first: bool) -> AbstractContextManager[None]:
    """Leave the collector as it is (a corpus made by hand, in a test or a script)."""
    return nullcontext()


@contextmanager
def collector_paused(first: bool) -> Iterator[None]:
    """Pause the cyclic collector while a refresh piles up objects (it would rescan the growing
    heap again and again); after the first load, freeze what was loaded out of every later
    collection, which also keeps forked workers from copying those pages."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if first:
            gc.freeze()
        if enabled:
            gc.enable()


def return_large_blocks() -> bool:
    """Have glibc's malloc give every block of MMAP_THRESHOLD bytes or more pages of its own,
    handed back to the system when freed: a fixed threshold, where glibc would raise it to the
    largest block freed so far and then keep freed documents' pages in holes of its heap (a
    64 MiB document cache held twice that). False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return bool(libc and libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):
        log.info("not glibc: freed documents' memory is returned as the C library sees fit")
        return False
