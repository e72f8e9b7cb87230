"""Reading many seeds fast: every core for a cold start, and a parse cache kept on disk."""

import hashlib
import logging
import os
import pickle
import stat
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
from .sitedata import SiteEntry
from .snapshot import Snapshot

log = logging.getLogger(__name__)

# Bump when parsing or the model changes: older cache files are then ignored.
CACHE_VERSION = 6
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


# The only globals a parse cache may name: unpickling anything else is refused, so a planted
# file cannot make the loader call os.system or the like.
_ALLOWED = {
    ("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta"),
    ("feeds.model", "Article"), ("feeds.model", "Image"), ("feeds.model", "Provider"),
    ("feeds.model", "Topic"), ("feeds.model", "Related"), ("feeds.model", "SeedError"),
    ("feeds.snapshot", "Snapshot"), ("feeds.snapshot", "Section"),
    ("feeds.sitedata", "SiteEntry"), ("feeds.sitedata", "SiteData"),
}


class _Unpickler(pickle.Unpickler):
    """pickle.Unpickler that builds only the project's own data types."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a parse cache")
        return super().find_class(module, name)


class UnsafeCache(Exception):
    """A cache file or folder that someone else could have written."""


class ParseCache:
    """Results by seed name and stat key, in one pickle under CACHE_DIR, written atomically.

    Trusted only when this user owns the folder and the file and nobody else may write them;
    loaded with an unpickler that builds nothing but the project's data types; checked for
    its version, folder and structure. Anything else is a warning and a slower start.
    """

    def __init__(self, cache_dir: str | os.PathLike, seeds_dir: Path):
        self.seeds_dir = str(seeds_dir)
        folder_id = hashlib.blake2b(self.seeds_dir.encode(), digest_size=8).hexdigest()
        self.path = Path(cache_dir) / f"parse-cache-{folder_id}.pickle"

    def load(self) -> tuple[dict[str, tuple[StatKey, Result]], Any]:
        """The cached results and the view saved with them; nothing when missing or stale."""
        try:
            _check_owned(self.path.parent)
            descriptor = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return {}, None
        except (OSError, UnsafeCache) as error:
            log.warning("parse cache %s ignored: %s", self.path, error)
            return {}, None
        try:
            with os.fdopen(descriptor, "rb") as file:
                _check_owned(file.fileno())
                data = _Unpickler(file).load()
            return self._valid(data)
        except Exception as error:  # any damage at all is only a slower start
            log.warning("parse cache %s ignored: %s", self.path,
                        str(error)[:200] or type(error).__name__)
            return {}, None

    def _valid(self, data: Any) -> tuple[dict[str, tuple[StatKey, Result]], Any]:
        """data's entries and view, if it is a cache of this version for this folder."""
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            raise ValueError("not a parse cache of this version")
        if data.get("seeds_dir") != self.seeds_dir:
            raise ValueError("made for another seeds folder")
        entries, view = data.get("entries"), data.get("view")
        if not isinstance(entries, dict) or not all(_valid_entry(name, entry)
                                                    for name, entry in entries.items()):
            raise ValueError("its entries are not (stat key, article or error) by name")
        if view is not None and not _valid_view(view):
            raise ValueError("its saved view is not a (site key, site entry, snapshot)")
        return entries, view

    def save(self, entries: Iterable[tuple[str, StatKey, Result]], view: Any = None) -> None:
        """Write the results, and the view built from them, to a temporary file, then move it
        into place in one step."""
        data = {"version": CACHE_VERSION, "seeds_dir": self.seeds_dir, "view": view,
                "entries": {name: (key, result) for name, key, result in entries}}
        temporary = None
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _check_owned(self.path.parent)
            with tempfile.NamedTemporaryFile("wb", dir=self.path.parent, delete=False,
                                             prefix=".parse-cache-") as file:
                temporary = file.name
                pickle.dump(data, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except Exception as error:  # a cache not written is only a slower next start
            log.warning("parse cache %s not written: %s", self.path, error)
            if temporary:
                Path(temporary).unlink(missing_ok=True)


def _check_owned(place: Path | int) -> None:
    """UnsafeCache unless this user owns place (a path or an open file) and only it may write."""
    status = os.fstat(place) if isinstance(place, int) else os.stat(place)
    if status.st_uid != os.geteuid():
        raise UnsafeCache(f"owned by user {status.st_uid}, not by this user ({os.geteuid()})")
    if status.st_mode & 0o022:
        raise UnsafeCache(f"others may write it (mode {stat.filemode(status.st_mode)})")


def _valid_entry(name: Any, entry: Any) -> bool:
    """Whether a cache entry is (name, ((size, mtime), Article or SeedError))."""
    return (isinstance(name, str) and type(entry) is tuple and len(entry) == 2
            and type(entry[0]) is tuple and len(entry[0]) == 2
            and isinstance(entry[1], Article | SeedError))


def _valid_view(view: Any) -> bool:
    """Whether a saved view is (site data key, SiteEntry, Snapshot)."""
    return (type(view) is tuple and len(view) == 3 and type(view[0]) is tuple
            and isinstance(view[1], SiteEntry) and isinstance(view[2], Snapshot))
