"""Reading many seeds: in one process, or on every core when there are enough of them."""

import logging
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

from ..model import Article, Result, SeedError
from .forking import may_fork
from .parts import forget_shared, shared
from .seed import read_seed

log = logging.getLogger(__name__)

PARALLEL_FROM = 2000
CHUNK = 500  # seeds a task of the pool reads


def read_one(root: Path, name: str) -> Result:
    """Read one seed, returning the error instead of raising it: whatever a seed holds, it
    alone is invalid, even when it finds a bug (logged with its traceback)."""
    try:
        return read_seed(root / name, name)
    except SeedError as error:
        return error
    except Exception as error:
        log.exception("reading seed %s failed unexpectedly", name)
        return SeedError(name, f"could not be read ({type(error).__name__}: {error})"[:300])


def read_many(root: Path, names: list[str],
              progress: Callable[[int, int], None] | None = None) -> list[Result]:
    """Read seeds in order; in several processes when there are enough to pay for them.

    progress, when given, is told (seeds read so far, seeds to read) as the work goes.
    """
    try:
        workers = os.cpu_count() or 1
        if len(names) < PARALLEL_FROM or workers < 2:
            return _read_chunk(root, names)
        try:
            return _read_in_pool(root, names, workers, progress)
        except (OSError, BrokenProcessPool) as error:
            log.warning("reading seeds in one process (%s)", error)
            return _read_chunk(root, names)
    finally:
        forget_shared()


def _read_in_pool(root: Path, names: list[str], workers: int,
                  progress: Callable[[int, int], None] | None) -> list[Result]:
    """read_many's work on every core, in chunks; each result adopted here as it comes."""
    chunks = [names[i:i + CHUNK] for i in range(0, len(names), CHUNK)]
    with ProcessPoolExecutor(workers, mp_context=get_context(_start_method())) as pool:
        results: list[Result] = []
        for chunk, read in zip(chunks, pool.map(_read_chunk, [root] * len(chunks), chunks),
                               strict=True):
            results += map(_adopted, chunk, read)
            if progress:
                progress(len(results), len(names))
        return results


def _adopted(name: str, result: Result) -> Result:
    """A result from another process, holding this process's name of it and one instance of
    each provider, topic list, image and short text that other results hold too (each chunk
    comes back with copies of its own)."""
    if isinstance(result, SeedError):
        result.path = name
        return result
    fields = list(result)
    fields[_PATH] = name
    for at in _SHARED_FIELDS:
        fields[at] = shared(fields[at])
    fields[_IMAGES] = shared(tuple(map(shared, result.images)))
    return tuple.__new__(Article, fields)


_PATH, _IMAGES = Article._fields.index("path"), Article._fields.index("images")
_SHARED_FIELDS = [Article._fields.index(f) for f in ("provider", "topics", "type", "category")]


def _start_method() -> str:
    """fork when nothing else runs in this process (a cold start), else spawn, which is safe."""
    return "fork" if may_fork() else "spawn"


def _read_chunk(root: Path, names: list[str]) -> list[Result]:
    """A worker process's share."""
    return [read_one(root, name) for name in names]
