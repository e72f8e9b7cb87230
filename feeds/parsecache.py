"""Reading many seeds fast: both cores for a cold start, and a parse cache kept on disk."""

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .forking import may_fork
from .model import Article, SeedError
from .scan import StatKey
from .seeds import read_seed

log = logging.getLogger(__name__)

# Bump when parsing or the model changes: older cache files are then ignored.
CACHE_VERSION = 4
PARALLEL_FROM = 2000
Result = Article | SeedError


def read_one(root: Path, name: str) -> Result:
    """Read one seed, returning the error instead of raising it."""
    try:
        return read_seed(root / name, name)
    except SeedError as error:
        return error


def read_many(root: Path, names: list[str],
              progress: Callable[[int, int], None] | None = None) -> list[Result]:
    """Read seeds in order; in several processes when there are enough to pay for them.

    progress, when given, is told (seeds read so far, seeds to read) as the work goes.
    """
    workers = os.cpu_count() or 1
    if len(names) < PARALLEL_FROM or workers < 2:
        return _read_chunk(root, names)
    chunks = [names[i:i + 500] for i in range(0, len(names), 500)]
    try:
        with ProcessPoolExecutor(workers, mp_context=get_context(_start_method())) as pool:
            results: list[Result] = []
            for chunk in pool.map(_read_chunk, [root] * len(chunks), chunks):
                results += chunk
                if progress:
                    progress(len(results), len(names))
            return results
    except (OSError, BrokenProcessPool) as error:
        log.warning("reading seeds in one process (%s)", error)
        return _read_chunk(root, names)


def _start_method() -> str:
    """fork when nothing else runs in this process (a cold start), else spawn, which is safe."""
    return "fork" if may_fork() else "spawn"


def _read_chunk(root: Path, names: list[str]) -> list[Result]:
    """A worker process's share."""
    return [read_one(root, name) for name in names]


class ParseCache:
    """Results by seed name and stat key, in one pickle under CACHE_DIR, written atomically."""

    def __init__(self, cache_dir: str | os.PathLike, seeds_dir: Path):
        self.seeds_dir = str(seeds_dir)
        folder_id = hashlib.blake2b(self.seeds_dir.encode(), digest_size=8).hexdigest()
        self.path = Path(cache_dir) / f"parse-cache-{folder_id}.pickle"

    def load(self) -> tuple[dict[str, tuple[StatKey, Result]], Any]:
        """The cached results and the view saved with them; nothing when missing or stale."""
        try:
            with self.path.open("rb") as file:
                data = pickle.load(file)  # noqa: S301 (our own file, in the operator's folder)
        except FileNotFoundError:
            return {}, None
        except Exception as error:  # a damaged cache is only a slower start
            log.warning("parse cache %s ignored: %s", self.path, error)
            return {}, None
        if data.get("version") != CACHE_VERSION or data.get("seeds_dir") != self.seeds_dir:
            return {}, None
        return data["entries"], data["view"]

    def save(self, entries: Iterable[tuple[str, StatKey, Result]], view: Any = None) -> None:
        """Write the results, and the view built from them, to a temporary file, then move it
        into place in one step."""
        data = {"version": CACHE_VERSION, "seeds_dir": self.seeds_dir, "view": view,
                "entries": {name: (key, result) for name, key, result in entries}}
        temporary = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=self.path.parent, delete=False,
                                             prefix=".parse-cache-") as file:
                temporary = file.name
                pickle.dump(data, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except Exception as error:  # a cache not written is only a slower next start
            log.warning("parse cache %s not written: %s", self.path, error)
            if temporary:
                Path(temporary).unlink(missing_ok=True)
