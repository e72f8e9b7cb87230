"""Writing a corpus's parse cache: from the watching process only, at most once a minute."""

import time
from typing import Any

from ..ingest.sitedata import SiteDataKey
from .decide import cacheable
from .lookups import built_index

CACHE_SAVE_SECONDS = 60  # at least; and at least 20 times what the last save took


class Saving:
    """The part of a corpus that writes its parse cache."""

    _cache: Any
    _unsaved: bool
    _saved_at: float
    _save_took: float
    _lock: Any
    _entries: Any
    _snapshot: Any
    _site_key: SiteDataKey
    _site_entry: Any

    def is_watcher(self) -> bool:
        raise NotImplementedError

    def wants_saving(self) -> bool:
        """Whether the parse cache is configured and holds less than this process has read."""
        return self._cache is not None and self._unsaved

    def mark_saved(self) -> None:
        """Note that the cache holds what this process has read (another process wrote it)."""
        self._saved_at = time.monotonic()
        self._unsaved = False

    def save_cache(self, force: bool = False) -> None:
        """Persist the parse results when some are new: in the watching process only, at most
        once a minute (or twenty times what a save takes) unless forced."""
        wait = max(CACHE_SAVE_SECONDS, 20 * self._save_took)
        if not (self._cache and self._unsaved and (force or (
                self.is_watcher() and time.monotonic() - self._saved_at >= wait))):
            return
        started = time.perf_counter()
        self.mark_saved()
        with self._lock:  # the entries and the view built from them, as one
            entries, snapshot = self._entries, self._snapshot
            index = built_index(snapshot) if snapshot else None  # never built here: it would
            # hold the lock (and the changes) for as long as an index of every article takes
            view = (self._site_key, self._site_entry, snapshot, index)
            kept = cacheable(entries)
        self._cache.save(kept, view)
        self._save_took = time.perf_counter() - started

