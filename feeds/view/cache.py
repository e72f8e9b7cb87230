"""The parse cache: every seed's result, the view built from them and its index, in one file."""

import hashlib
import logging
import os
import pickle
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..ingest.forking import running
from ..ingest.scan import StatKey
from ..ingest.sitedata import SiteDataKey, SiteEntry
from ..model import Result
from ..trust import UnsafeFile, check_owned, private_folder
from .index import Index
from .snapshot import Snapshot
from .wellformed import well_formed_result, well_formed_site_entry, well_formed_snapshot

log = logging.getLogger(__name__)
# The view saved with the results: (site data key, site entry, snapshot, its index or None).
SavedView = tuple[SiteDataKey, SiteEntry, Snapshot, Index | None]

# Bump when parsing or the model changes: older cache files are then ignored.
CACHE_VERSION = 16

# The only globals a parse cache may name: unpickling anything else is refused, so a planted
# file cannot make the loader call os.system or the like.
_ALLOWED = {
    ("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta"),
    ("feeds.model", "Article"), ("feeds.model", "Image"), ("feeds.model", "Provider"),
    ("feeds.model", "Topic"), ("feeds.model", "Related"), ("feeds.model", "SeedError"),
    ("feeds.view.snapshot", "Snapshot"), ("feeds.view.snapshot", "Section"),
    ("feeds.ingest.sitedata", "SiteEntry"),
    ("feeds.view.index", "Index"), ("feeds.view.lookups", "Lookups"), ("array", "array"),
    ("array", "_array_reconstructor"),
}


class _Unpickler(pickle.Unpickler):
    """pickle.Unpickler that builds only the project's own data types."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a parse cache")
        return super().find_class(module, name)


class ParseCache:
    """Results by seed name and stat key, in one pickle under CACHE_DIR, written atomically.

    Trusted only when this user owns the folder and the file and nobody else may write them;
    loaded with an unpickler that builds nothing but the project's data types; checked for
    its version, folder and structure. Anything else is a warning and a slower start.
    """

    def __init__(self, cache_dir: str | os.PathLike[str], seeds_dir: Path):
        self.seeds_dir = str(seeds_dir)
        folder_id = hashlib.blake2b(self.seeds_dir.encode(), digest_size=8).hexdigest()
        self.path = Path(cache_dir) / f"parse-cache-{folder_id}.pickle"
        self._temporary_prefix = f".parse-cache-{folder_id}-"

    def load(self) -> tuple[dict[str, tuple[StatKey, Result]], SavedView | None]:
        """The cached results and the view saved with them; nothing when missing or stale."""
        try:
            check_owned(self.path.parent)
            descriptor = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            return {}, None
        except (OSError, UnsafeFile) as error:
            log.warning("parse cache %s ignored: %s", self.path, error)
            return {}, None
        try:
            with os.fdopen(descriptor, "rb") as file:
                check_owned(file.fileno())
                if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                    raise ValueError("not a regular file")
                data = _Unpickler(file).load()
            return self._valid(data)
        except Exception as error:  # any damage at all is only a slower start
            log.warning("parse cache %s ignored: %s", self.path,
                        str(error)[:200] or type(error).__name__)
            return {}, None

    def _valid(self, data: Any) -> tuple[dict[str, tuple[StatKey, Result]], SavedView | None]:
        """data's entries and view, if it is a cache of this version for this folder."""
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            raise ValueError("not a parse cache of this version")
        if data.get("seeds_dir") != self.seeds_dir:
            raise ValueError("made for another seeds folder")
        entries, view = data.get("entries"), data.get("view")
        shared: set[int] = set()
        if not isinstance(entries, dict) or not all(_valid_entry(name, entry, shared)
                                                    for name, entry in entries.items()):
            raise ValueError("its entries are not (stat key, article or error) by name")
        articles = {id(result) for _, result in entries.values()}
        if view is not None and not _valid_view(view, articles):
            raise ValueError("its saved view is not a (site key, site entry, snapshot, index)")
        return entries, view

    def save(self, entries: Iterable[tuple[str, StatKey, Result]],
             view: SavedView | None = None) -> None:
        """Write the results, and the view built from them, to a temporary file, then move it
        into place in one step."""
        data = {"version": CACHE_VERSION, "seeds_dir": self.seeds_dir, "view": view,
                "entries": {name: (key, result) for name, key, result in entries}}
        temporary = None
        try:
            private_folder(self.path.parent)
            self._remove_leftovers()
            with tempfile.NamedTemporaryFile("wb", dir=self.path.parent, delete=False,
                                             prefix=f"{self._temporary_prefix}{os.getpid()}-"
                                             ) as file:
                temporary = file.name
                pickle.dump(data, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except Exception as error:  # a cache not written is only a slower next start
            log.warning("parse cache %s not written: %s", self.path, error)
            if temporary:
                Path(temporary).unlink(missing_ok=True)

    def _remove_leftovers(self) -> None:
        """Remove the temporary files of writers of this cache that were killed part-way (their
        process is gone, or the file is a day old: another machine's, on a shared disk)."""
        for path in self.path.parent.glob(f"{self._temporary_prefix}*"):
            pid = path.name.removeprefix(self._temporary_prefix).partition("-")[0]
            try:
                if not running(int(pid)) or time.time() - path.lstat().st_mtime > 86400:
                    path.unlink()
            except (OSError, ValueError):
                continue


def _valid_entry(name: Any, entry: Any, shared: set[int]) -> bool:
    """Whether a cache entry is (name, (stat key, a well-formed Article or SeedError))."""
    return (type(name) is str and type(entry) is tuple and len(entry) == 2
            and type(entry[0]) is int
            and well_formed_result(entry[1], shared))


def _valid_view(view: Any, articles: set[int]) -> bool:
    """Whether a saved view is (site data key, SiteEntry, Snapshot of the cached articles,
    its Index or None)."""
    return (type(view) is tuple and len(view) == 4 and type(view[0]) is tuple
            and well_formed_site_entry(view[1]) and well_formed_snapshot(view[2], articles)
            and (view[3] is None or type(view[3]) is Index and view[3].fits(view[2])))
