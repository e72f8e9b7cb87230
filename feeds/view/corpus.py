"""The seeds folder kept current: scan, re-read changed files, rebuild the published view."""

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..heap import HeapPolicy, unchanged
from ..ingest.reading import read_many
from ..ingest.scan import seed_files, seed_files_beside
from ..ingest.sitedata import SiteData, SiteEntry, read_site_data, site_data_key
from ..model import SeedError
from ..settings import Settings
from .cache import ParseCache
from .decide import Entries, cacheable, plan_scan, seconds_to_wake, settle_reads
from .index import built_index, index_of, keep_index
from .snapshot import Snapshot, build_snapshot, changed_sections
from .watcher import Watcher

log = logging.getLogger(__name__)
CACHE_SAVE_SECONDS = 60


class Corpus:
    """The seeds folder, kept current by a stat scan every reload_seconds.

    With reload_seconds > 0 a background thread in each process scans, so requests never wait
    for a scan; with 0, every call to snapshot() scans first (for tests and one-off commands).
    """

    def __init__(self, seeds_dir: str | os.PathLike, reload_seconds: float = 5,
                 title: str = "Seed Feeds", description: str = "",
                 on_change: Callable[[list[tuple[str, str]]], None] | None = None,
                 log_invalid: bool = True, cache_dir: str | os.PathLike | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 heap_policy: HeapPolicy = unchanged):
        self.seeds_dir = Path(seeds_dir).absolute()  # resolved anew at every scan
        self._root = self.seeds_dir.resolve()
        self._heap_policy = heap_policy
        self.reload_seconds = reload_seconds
        self.scanned_at = datetime.fromtimestamp(0, UTC)
        self.last_error: str | None = None
        self.problems: tuple[str, ...] = ()  # what the last scan could not see, said to a person
        self._scanned_monotonic = float("-inf")
        self._embargo_built_monotonic = float("-inf")
        self._site_entry = SiteEntry(name=title, description=description)
        self._entries: Entries = {}
        self._site_key: tuple = ()
        self._site_data = SiteData({}, {})
        self._snapshot: Snapshot | None = None
        self._saved_view: tuple | None = None
        self._lock = threading.Lock()
        self._on_change = on_change
        self._log_invalid = log_invalid
        self._cache = ParseCache(cache_dir, self.seeds_dir) if cache_dir else None
        self._cache_read = False
        self._saved_at = float("-inf")
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
                     "cache_dir": settings.cache_dir or None}
        return cls(**{**described, **options})

    @property
    def current(self) -> Snapshot | None:
        """The snapshot as it stands, without scanning."""
        return self._snapshot

    def load(self) -> Snapshot:
        """Read the folder if it has not been read yet (or always, with reload_seconds 0)."""
        if self._snapshot is None or not self.reload_seconds:
            with self._lock:
                if self._snapshot is None or not self.reload_seconds:
                    self._refresh_holding_lock()
        return self._snapshot  # type: ignore[return-value]

    def snapshot(self) -> Snapshot:
        """The current published view, kept fresh by this process's background scanner."""
        self.load()
        if self._watcher is not None:
            self._watcher.ensure_running()
        return self._snapshot  # type: ignore[return-value]

    def refresh(self) -> None:
        """Scan, re-read what changed, and rebuild the view if anything did or an embargo ended."""
        with self._lock:
            self._refresh_holding_lock()

    def tick(self) -> None:
        """What the watcher does when it wakes: scan if one is due, else only publish the
        embargoes that have ended (which needs no walk of the folder)."""
        with self._lock:
            due = time.monotonic() - self._scanned_monotonic >= self.reload_seconds
            self._refresh_holding_lock(scan=due)

    def _refresh_holding_lock(self, scan: bool = True) -> None:
        """refresh(), for a caller that holds the lock: a folder that cannot be read keeps the
        last good view (or an empty one, at first) and is reported in `last_error`.

        A first load by a server also builds the view's index, under the same heap policy, so
        that workers forked from this process share it rather than each building its own.
        """
        first = self._snapshot is None
        started = time.perf_counter()
        with self._heap_policy(first):
            try:
                self._refresh(scan or first)
            except OSError as error:
                self.failed(f"the seeds folder cannot be read: {error.strerror or error}")
            if first and self.reload_seconds:
                self.prepare()
        self.last_reload_seconds, self.reloads = time.perf_counter() - started, self.reloads + 1

    def failed(self, reason: str, error: BaseException | None = None) -> None:
        """Note that a reload failed: logged once per reason (with the traceback of an
        unexpected error); the last good view stays."""
        if reason != self.last_error:
            log.error("reloading the seeds failed (%s); the last good view is still served",
                      reason, exc_info=error)
        self.last_error = reason
        self.reload_failures += 1
        if self._snapshot is None:
            self._snapshot = build_snapshot([], SiteData({}, {}), self._site_entry, _now())

    def _refresh(self, scan: bool) -> None:
        """refresh(), under the heap policy: scan (when told), re-read what changed, rebuild
        when anything did or an embargo ended."""
        started = _now()
        changed = seeds_changed = False
        if scan:
            root = self._resolved_root()
            seeds_changed = self._scan_seeds(root)
            changed = self._scan_site_data(root) or seeds_changed
            self._scanned_monotonic = time.monotonic()
        now = _now()
        previous = self._snapshot
        embargo_ended = bool(previous and previous.expires_at and now >= previous.expires_at)
        if changed or previous is None or embargo_ended:
            saved = None if seeds_changed else self._saved_view_still_true(now)
            self._snapshot = saved or build_snapshot(
                [result for _, result in self._entries.values()], self._site_data,
                self._site_entry, now)
            if embargo_ended:
                self._embargo_built_monotonic = time.monotonic()
            if previous is not None and self._on_change:
                self._on_change(changed_sections(previous, self._snapshot))
        self._saved_view = None
        if scan:
            self.scanned_at, self.last_error = started, None  # only a scan that succeeded

    def _resolved_root(self) -> Path:
        """The seeds folder as it resolves now: a link that a deploy switched is followed."""
        root = self.seeds_dir.resolve(strict=True)
        if root != self._root:
            log.info("the seeds folder %s now leads to %s", self.seeds_dir, root)
            self._root = root
        return root

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
            keep_index(snapshot, index)
        return snapshot

    def catch_up(self) -> None:
        """Refresh now if the last scan is older than reload_seconds."""
        with self._lock:
            if time.monotonic() - self._scanned_monotonic >= self.reload_seconds:
                self._refresh_holding_lock()

    def prepare(self) -> None:
        """Build the current view's index now, so that no made-to-measure feed waits for it."""
        if self._snapshot is not None:
            index_of(self._snapshot)

    def seconds_to_next_refresh(self) -> float:
        """Until the next scan, or the next embargo if that comes sooner."""
        expires_at = self._snapshot.expires_at if self._snapshot else None
        monotonic = time.monotonic()
        return seconds_to_wake(
            monotonic - self._scanned_monotonic, self.reload_seconds,
            (expires_at - _now()).total_seconds() if expires_at else None,
            monotonic - self._embargo_built_monotonic)

    def _scan_seeds(self, root: Path) -> bool:
        """Stat every seed file, read new and changed ones; True when anything changed."""
        if self._cache and not self._cache_read:  # a start: read the cache while a child walks
            self._cache_read = True
            found, (cached, self._saved_view) = seed_files_beside(root, self._cache.load)
            self._entries = dict(cached)
        else:
            found = seed_files(root)
        previous = self._entries
        plan = plan_scan(previous, found)
        names = [name for name, _ in plan.to_read]
        results = read_many(root, names, self._progress)
        entries = settle_reads(plan, previous, [
            (name, key, result) for (name, key), result in zip(plan.to_read, results,
                                                               strict=True)])
        changed = entries != previous
        self._log_scan(previous, entries, plan.problems, changed)
        self._entries = entries
        self._unsaved = self._unsaved or changed  # deletions too: the cache must forget them
        return changed

    def _log_scan(self, previous: Entries, entries: Entries, problems: list[SeedError],
                  changed: bool) -> None:
        """Name each newly invalid seed (every one at a start), and each new problem."""
        first = self._snapshot is None  # a start from the cache names its invalid seeds too
        if (changed or first) and self._log_invalid:
            for name, (_, result) in entries.items():
                if isinstance(result, SeedError) and not result.retry and (
                        first or previous.get(name) != entries[name]):
                    log.warning("invalid seed %s", result)
        reasons = tuple(f"{problem.path}: {problem.reason}" for problem in problems)
        for reason in sorted(set(reasons) - set(self.problems)):
            log.error("the seeds folder cannot be seen as it is: %s; what was read there "
                      "before is still served", reason)
        self.problems = reasons

    def wants_saving(self) -> bool:
        """Whether the parse cache is configured and holds less than this process has read."""
        return self._cache is not None and self._unsaved

    def mark_saved(self) -> None:
        """Note that the cache holds what this process has read (another process wrote it)."""
        self._saved_at = time.monotonic()
        self._unsaved = False

    def save_cache(self, force: bool = False) -> None:
        """Persist the parse results when some are new, at most once a minute unless forced.

        The background scanner calls this, never the first load: a cold start does not wait
        for the cache to be written (`serve` has a child write it at once).
        """
        if self._cache and self._unsaved and (
                force or time.monotonic() - self._saved_at >= CACHE_SAVE_SECONDS):
            self.mark_saved()
            with self._lock:  # the entries and the view built from them, as one
                entries, snapshot = self._entries, self._snapshot
                view = (self._site_key, self._site_entry, snapshot,
                        built_index(snapshot) if snapshot else None)
            self._cache.save(cacheable(entries), view)

    def _scan_site_data(self, root: Path) -> bool:
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
