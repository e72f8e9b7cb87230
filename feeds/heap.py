"""How a process treats its heap while it reads seeds; create_app chooses it for the corpus."""

import gc
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Protocol


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
