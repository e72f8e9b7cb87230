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
from ..ingest.sitedata import SiteData, SiteDataKey, SiteEntry, read_site_data, site_data_key
from ..model import SeedError
from ..settings import Settings
from .cache import ParseCache, SavedView
from .changes import EVERYTHING, ChangeRing
from .decide import Entries, seconds_to_wake
from .follow import Reading, folders_of, followed, walked
from .lookups import index_of
from .reloading import Reloading
from .saving import Saving
from .snapshot import Snapshot, build_snapshot, changed_sections
from .update import ViewState, state_of, updated_view
from .watcher import Watcher

log = logging.getLogger(__name__)
FULL_BUILD_FROM = 0.25  # changes to more than this share of the seeds: build the view whole


class Corpus(Reloading, Saving):
    """The seeds folder, kept current in the background (reload_seconds > 0) or read again at
    every call to snapshot() (0: tests and one-off commands)."""

    def __init__(self, seeds_dir: str | os.PathLike[str], reload_seconds: float = 5,
                 title: str = "Seed Feeds", description: str = "",
                 on_change: Callable[[list[tuple[str, str]]], None] | None = None,
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
        self._embargo_built_monotonic = float("-inf")
        self._site_entry = SiteEntry(name=title, description=description)
        self._entries: Entries = {}
        self._folders: set[str] = set()
        self._site_key: SiteDataKey = ()
        self._site_data = SiteData({}, {})
        self._snapshot: Snapshot | None = None
        self._state: ViewState | None = None
        self._saved_view: SavedView | None = None
        self._lock = threading.Lock()
        self._on_change = on_change
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
        return self._snapshot

    @property
    def problems(self) -> tuple[str, ...]:
        """What the last scans could not see, said to a person (and file events, if lost)."""
        return tuple(sorted(self._problems.values())) + self.watch_problems()

    def load(self) -> Snapshot:
        """Read the folder if it has not been read yet (or always, with reload_seconds 0)."""
        if self._snapshot is None or not self.reload_seconds:
            with self._lock:
                if self._snapshot is None or not self.reload_seconds:
                    self._reload(walk=True)
        return self._snapshot  # type: ignore[return-value]

    def snapshot(self) -> Snapshot:
        """The current published view, kept fresh by this process's background thread."""
        self.load()
        if self._watcher is not None:
            self._watcher.ensure_running()
        return self._snapshot  # type: ignore[return-value]

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
        first = self._snapshot is None
        started = time.perf_counter()
        with self._heap_policy(first):
            try:
                self._changes(walk or first)
            except OSError as error:
                self.failed(f"the seeds folder cannot be read: {error.strerror or error}")
            if first and self.reload_seconds:
                self._prepare_holding_lock()
        self.last_reload_seconds, self.reloads = time.perf_counter() - started, self.reloads + 1

    def failed(self, reason: str, error: BaseException | None = None) -> None:
        """Note a failed reload, logged once a reason; the last good view stays."""
        if reason != self.last_error:
            log.error("reloading the seeds failed (%s); the last good view is still served",
                      reason, exc_info=error)
        self.last_error = reason
        self.reload_failures += 1
        if self._snapshot is None:
            self._snapshot = build_snapshot([], SiteData({}, {}), self._site_entry, _now())

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
        site_changed = self._site_data_changed(root) if walk or reading.site_data else False
        self._publish(changed, site_changed)
        if walk:
            self.walked(changed)
            self.scanned_at, self.last_error = started, None  # only a walk that succeeded

    def _walk(self, root: Path) -> Reading:
        """Walk the whole folder (reading the parse cache beside it at a start)."""
        if self._cache and not self._cache_read:
            self._cache_read = True
            found, (cached, self._saved_view) = seed_files_beside(root, self._cache.load)
            self._entries = dict(cached)
        else:
            found = seed_files(root)
        self._folders = folders_of(list(found))
        return walked(root, self._entries, found, self._progress)

    def _take(self, reading: Reading) -> list[tuple[str, Any, Any]]:
        """Put a reading's entries in; (name, old result, new result) of each that changed."""
        previous = self._entries
        covered = previous.keys() | reading.entries.keys() if reading.covered is None else (
            reading.covered)
        changes = []
        for name in covered:
            old, new = previous.get(name), reading.entries.get(name)
            if old is not new:
                changes.append((name, old[1] if old else None, new[1] if new else None))
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

    def _note_problems(self, reading: Reading, changes: list[tuple[str, Any, Any]]) -> None:
        """Name each newly invalid seed (every one at a start), and each new problem."""
        first = self._snapshot is None
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

    def _publish(self, changes: list[tuple[str, Any, Any]], rebuild: bool) -> None:
        """The view after the changes: updated in place, or built whole (at a start, when
        site data changed or most seeds did); the watchers of changed sections are told."""
        now = _now()
        previous = self._snapshot
        ended = bool(previous and previous.expires_at and now >= previous.expires_at
                     and time.monotonic() - self._embargo_built_monotonic >= self.reload_seconds)
        if previous is not None and not changes and not ended and not rebuild:
            return
        if ended:
            self._embargo_built_monotonic = time.monotonic()
        saved = None if changes else self._saved_view_still_true(now)
        self._saved_view = None
        if saved is not None:
            self._snapshot, self._state = saved, None
            return
        if (previous is None or rebuild or self._state is None
                or len(changes) > FULL_BUILD_FROM * max(1, len(self._entries))):
            self._snapshot, self._state = build_snapshot(
                [result for _, result in self._entries.values()], self._site_data,
                self._site_entry, now), None
            sections = None
        else:
            self._snapshot, sections = updated_view(
                previous, self._state, [old for _, old, _ in changes if old is not None],
                [new for _, _, new in changes if new is not None], self._site_data, now)
        if previous is not None and self._on_change:
            self._on_change(sections if sections is not None else changed_sections(
                previous, self._snapshot))

    def _saved_view_still_true(self, now: datetime) -> Snapshot | None:
        """The view saved in the parse cache, if the same site data and names make it and no
        embargo has ended since (the seeds are known to be unchanged)."""
        if self._saved_view is None:
            return None
        site_key, site_entry, snapshot, index = self._saved_view
        embargo_ended = snapshot.expires_at is not None and now >= snapshot.expires_at
        if embargo_ended or (site_key, site_entry) != (self._site_key, self._site_entry):
            return None
        if index is not None:
            snapshot.lookups.keep(index)
        return snapshot

    def prepare(self) -> None:
        """Build the current view's index and its update state now, so that no request and
        no change waits for them (before the workers fork, they share both)."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot.lookups.built() is None:
            index_of(snapshot)  # outside the lock: changes are followed meanwhile
        if self._state is None:
            with self._lock:
                self._prepare_holding_lock()

    def _prepare_holding_lock(self) -> None:
        """prepare(), for a caller that holds the lock."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot.lookups.built() is None:
            index_of(snapshot)
        if snapshot is not None and self._state is None:
            self._state = state_of([r for _, r in self._entries.values()], snapshot)

    def seconds_to_next_refresh(self) -> float:
        """Until the next look at the ring, walk, or embargo, whichever comes first."""
        expires_at = self._snapshot.expires_at if self._snapshot else None
        monotonic = time.monotonic()
        since_look = monotonic - self.walked_monotonic
        if self._ring is not None:  # the next look at the ring is due in follow_seconds
            since_look = self.reload_seconds - self.follow_seconds()
        return seconds_to_wake(
            since_look, self.reload_seconds,
            (expires_at - _now()).total_seconds() if expires_at else None,
            monotonic - self._embargo_built_monotonic)

    def _site_data_changed(self, root: Path) -> bool:
        """Re-read `_data/` when any of its files changed."""
        key = site_data_key(root)
        if key == self._site_key:
            return False
        self._site_key = key
        self._site_data = read_site_data(root)
        return True


def _now() -> datetime:
    """The current time, aware."""
    return datetime.now(UTC)
