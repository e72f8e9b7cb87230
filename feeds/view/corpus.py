"""The seeds folder kept current: changes learned from file events (or walks), the changed
seeds read again, the published view updated in place of a rebuild."""

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..heap import HeapPolicy, unchanged
from ..ingest.scan import seed_files, seed_files_beside
from ..ingest.sitedata import SiteEntry
from ..model import SeedError
from ..settings import Settings
from .cache import ParseCache
from .changes import EVERYTHING, ChangeRing
from .decide import Change, Entries, changes_between, seconds_to_wake
from .follow import Reading, folders_of, followed, walked
from .lookups import index_of
from .publication import OnChange, Publication
from .reloading import Reloading
from .saving import Saving
from .snapshot import Snapshot
from .watcher import Watcher

log = logging.getLogger(__name__)


class Corpus(Reloading, Saving):
    """The seeds folder, kept current in the background (reload_seconds > 0) or read again at
    every call to snapshot() (0: tests and one-off commands)."""

    def __init__(self, seeds_dir: str | os.PathLike[str], reload_seconds: float = 5,
                 title: str = "Seed Feeds", description: str = "",
                 on_change: OnChange | None = None,
                 log_invalid: bool = True, cache_dir: str | os.PathLike[str] | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 heap_policy: HeapPolicy = unchanged, watch: bool = True,
                 walk_seconds: float = 300):
        super().__init__(Path(seeds_dir).absolute(), reload_seconds, walk_seconds,
                         ChangeRing() if reload_seconds else None, watch)
        self._heap_policy = heap_policy
        self.scanned_at = datetime.fromtimestamp(0, UTC)
        self.last_error: str | None = None
        self._problems: dict[str, str] = {}  # what the system would not let a scan see
        self.view = Publication(SiteEntry(name=title, description=description), reload_seconds,
                                on_change)
        self._entries: Entries = {}
        self._folders: set[str] = set()
        self._lock = threading.Lock()
        self._log_invalid = log_invalid
        self._cache = ParseCache(cache_dir, self.seeds_dir) if cache_dir else None
        self._cache_read = False
        self._saved_at = float("-inf")
        self._save_took = 0.0
        self._unsaved = False
        self._watcher = Watcher(self) if reload_seconds else None
        self._progress = progress
        self.reloads = self.reload_failures = 0  # for the metrics
        self.last_reload_seconds = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> "Corpus":
        """The corpus the settings describe; options (seeds_dir, reload_seconds...) override."""
        described = {"seeds_dir": settings.seeds_dir, "reload_seconds": settings.reload_seconds,
                     "title": settings.site_title, "description": settings.site_description,
                     "cache_dir": settings.cache_dir or None, "watch": settings.watch,
                     "walk_seconds": settings.walk_seconds}
        return cls(**{**described, **options})

    @property
    def current(self) -> Snapshot | None:
        """The snapshot as it stands, without scanning."""
        return self.view.snapshot

    @property
    def problems(self) -> tuple[str, ...]:
        """What the last scans could not see, said to a person (and file events, if lost)."""
        return tuple(sorted(self._problems.values())) + self.watch_problems()

    def snapshot(self, watching: bool = True) -> Snapshot:
        """The current published view: read first if none was, and kept current by this
        process's background thread, started here unless not watching (before a fork). With
        reload_seconds 0 nothing is kept: the folder is read again at every call."""
        if self.view.snapshot is None or not self.reload_seconds:
            with self._lock:
                if self.view.snapshot is None or not self.reload_seconds:
                    self._reload(walk=True)
        if watching and self._watcher is not None:
            self._watcher.ensure_running()
        return self.view.snapshot  # type: ignore[return-value]

    def refresh(self) -> None:
        """Walk the whole folder, re-read what changed, and update the view."""
        with self._lock:
            self._reload(walk=True)

    def tick(self) -> None:
        """What the background thread does when it wakes: follow the changes the watcher
        wrote, walk when a walk is due, publish the embargoes that ended."""
        with self._lock:
            self._reload(walk=False)

    catch_up = tick  # a worker forked long ago: the ring (or a walk) brings it up to date

    def _reload(self, walk: bool) -> None:
        """A reload under the lock and the heap policy: a folder that cannot be read keeps
        the last good view (or an empty one, at first) and is reported in `last_error`."""
        first = self.view.snapshot is None
        started = time.perf_counter()
        with self._heap_policy(first):
            try:
                self._changes(walk or first)
            except OSError as error:
                self.failed(f"the seeds folder cannot be read: {error.strerror or error}")
            if first and self.reload_seconds:
                self.view.prepare(self._entries)
        self.last_reload_seconds, self.reloads = time.perf_counter() - started, self.reloads + 1

    def failed(self, reason: str, error: BaseException | None = None) -> None:
        """Note a failed reload, logged once a reason; the last good view stays."""
        if reason != self.last_error:
            log.error("reloading the seeds failed (%s); the last good view is still served",
                      reason, exc_info=error)
        self.last_error = reason
        self.reload_failures += 1
        self.view.empty_unless_published()

    def _changes(self, walk: bool) -> None:
        """Learn what changed (a walk, or the names in the ring), read it, update the view."""
        started = _now()
        names = [] if walk else self.ring_names()  # a load or a refresh elects nobody
        walk = walk or names is None or EVERYTHING in names or self.walk_due()
        root = self.resolved_root()
        if walk or names is None:
            reading = self._walk(root)
        else:
            reading = followed(root, self._entries, [*names, *self.settling()], self._folders)
        changed = self._take(reading)
        site_changed = self.view.read_site_data(root) if walk or reading.site_data else False
        self.view.publish(changed, self._entries, site_changed)
        if walk:
            self.walked(changed)
            self.scanned_at, self.last_error = started, None  # only a walk that succeeded

    def _walk(self, root: Path) -> Reading:
        """Walk the whole folder (reading the parse cache beside it at a start)."""
        if self._cache and not self._cache_read:
            self._cache_read = True
            found, (cached, self.view.saved) = seed_files_beside(root, self._cache.load)
            self._entries = dict(cached)
        else:
            found = seed_files(root)
        self._folders = folders_of(list(found))
        return walked(root, self._entries, found, self._progress)

    def _take(self, reading: Reading) -> list[Change]:
        """Put a reading's entries in; (name, old result, new result) of each that changed."""
        previous = self._entries
        covered = previous.keys() | reading.entries.keys() if reading.covered is None else (
            reading.covered)
        changes = changes_between(previous, reading.entries, covered)
        if reading.covered is None:
            self._entries = reading.entries
        else:
            for name in covered:
                if name in reading.entries:
                    self._entries[name] = reading.entries[name]
                else:
                    self._entries.pop(name, None)
            self._folders |= folders_of(list(reading.entries))
        self.settle(reading.settling, reading.covered)
        self._note_problems(reading, changes)
        self._unsaved = self._unsaved or bool(changes)
        return changes

    def _note_problems(self, reading: Reading, changes: list[Change]) -> None:
        """Name each newly invalid seed (every one at a start), and each new problem."""
        first = self.view.snapshot is None
        if self._log_invalid:
            results = ([r for _, r in self._entries.values()] if first
                       else [new for _, _, new in changes])
            for result in results:
                if isinstance(result, SeedError) and not result.retry:
                    log.warning("invalid seed %s", result)
        if reading.covered is None:
            self._problems = {}
        else:
            for name in reading.covered:
                self._problems.pop(name, None)
        for problem in reading.problems:
            reason = f"{problem.path}: {problem.reason}"
            if reason not in self._problems.values():
                log.error("the seeds folder cannot be seen as it is: %s; what was read there "
                          "before is still served", reason)
            self._problems[problem.path] = reason
        self.unsettled(problem.path for problem in reading.problems)

    def prepare(self) -> None:
        """Build the current view's index and its update state now, so that no request and
        no change waits for them (before the workers fork, they share both)."""
        snapshot = self.view.snapshot
        if snapshot is not None and self.view.index_unbuilt():
            index_of(snapshot)  # outside the lock: changes are followed meanwhile
        if self.view.state is None:
            with self._lock:
                self.view.prepare(self._entries)

    def seconds_to_next_refresh(self) -> float:
        """Until the next look at the ring, walk, or embargo, whichever comes first."""
        expires_at = self.view.snapshot.expires_at if self.view.snapshot else None
        monotonic = time.monotonic()
        since_look = monotonic - self.walked_monotonic
        if self._ring is not None:  # the next look at the ring is due in follow_seconds
            since_look = self.reload_seconds - self.follow_seconds()
        return seconds_to_wake(
            since_look, self.reload_seconds,
            (expires_at - _now()).total_seconds() if expires_at else None,
            monotonic - self.view.embargo_built_monotonic)

def _now() -> datetime:
    """The current time, aware."""
    return datetime.now(UTC)
