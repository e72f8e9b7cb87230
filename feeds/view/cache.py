"""The parse cache: every seed's result, the view built from them and its index, in one file."""

import hashlib
import logging
import os
import pickle
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..ingest.scan import StatKey
from ..ingest.sitedata import SiteEntry
from ..model import Article, Result, SeedError
from .index import Index
from .snapshot import Snapshot

log = logging.getLogger(__name__)

# Bump when parsing or the model changes: older cache files are then ignored.
CACHE_VERSION = 10

# The only globals a parse cache may name: unpickling anything else is refused, so a planted
# file cannot make the loader call os.system or the like.
_ALLOWED = {
    ("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta"),
    ("feeds.model", "Article"), ("feeds.model", "Image"), ("feeds.model", "Provider"),
    ("feeds.model", "Topic"), ("feeds.model", "Related"), ("feeds.model", "SeedError"),
    ("feeds.view.snapshot", "Snapshot"), ("feeds.view.snapshot", "Section"),
    ("feeds.ingest.sitedata", "SiteEntry"), ("feeds.ingest.sitedata", "SiteData"),
    ("feeds.view.index", "Index"), ("array", "array"), ("array", "_array_reconstructor"),
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
            raise ValueError("its saved view is not a (site key, site entry, snapshot, index)")
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
    """Whether a saved view is (site data key, SiteEntry, Snapshot, its Index or None)."""
    return (type(view) is tuple and len(view) == 4 and type(view[0]) is tuple
            and isinstance(view[1], SiteEntry) and isinstance(view[2], Snapshot)
            and (view[3] is None or type(view[3]) is Index and view[3].fits(view[2])))
