"""The published view of a corpus: the snapshot, the state its updates need, the site data its
sections are named from, and the view saved with the parse cache; a change is published by
updating the snapshot, or by building it whole where decide.py says so."""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..ingest.sitedata import SiteData, SiteDataKey, SiteEntry, read_site_data, site_data_key
from .cache import SavedView
from .decide import Change, Entries, builds_whole, embargo_publication_due, saved_view_holds
from .lookups import built_index, index_of
from .snapshot import Snapshot, build_snapshot, changed_sections
from .update import ViewState, state_of, updated_view

FULL_BUILD_FROM = 0.25  # changes to more than this share of the seeds: build the view whole
OnChange = Callable[[list[tuple[str, str]]], None]  # told the (kind, slug) of changed sections


class Publication:
    """What a corpus publishes, and how it publishes a change."""

    def __init__(self, site_entry: SiteEntry, reload_seconds: float,
                 on_change: OnChange | None = None):
        self.site_entry = site_entry
        self.snapshot: Snapshot | None = None
        self.state: ViewState | None = None  # built on first need, dropped by a whole build
        self.site_key: SiteDataKey = ()
        self.site_data = SiteData({}, {})
        self.saved: SavedView | None = None  # the view the parse cache held, until a change
        self.embargo_built_monotonic = float("-inf")
        self._reload_seconds = reload_seconds
        self._on_change = on_change

    def publish(self, changes: list[Change], entries: Entries, site_data_changed: bool) -> None:
        """The view after the changes (entries: every seed as it is now); the watchers of
        changed sections are told."""
        now = datetime.now(UTC)
        previous = self.snapshot
        ended = embargo_publication_due(previous.expires_at if previous else None, now,
                                        time.monotonic() - self.embargo_built_monotonic,
                                        self._reload_seconds)
        if previous is not None and not changes and not ended and not site_data_changed:
            return
        if ended:
            self.embargo_built_monotonic = time.monotonic()
        saved, self.saved = None if changes else self.saved, None
        if saved is not None and self._take_saved(saved, now):
            return
        if previous is None or self.state is None or builds_whole(
                site_data_changed, len(changes), len(entries), FULL_BUILD_FROM):
            self.snapshot, self.state = build_snapshot(
                [result for _, result in entries.values()], self.site_data, self.site_entry,
                now), None
            sections = None
        else:
            self.snapshot, sections = updated_view(
                previous, self.state, [old for _, old, _ in changes if old is not None],
                [new for _, _, new in changes if new is not None], self.site_data, now)
        if previous is not None and self._on_change:
            self._on_change(sections if sections is not None else changed_sections(
                previous, self.snapshot))

    def _take_saved(self, saved: SavedView, now: datetime) -> bool:
        """Publish the view the parse cache held, if it still holds; whether it did."""
        site_key, site_entry, snapshot, index = saved
        if not saved_view_holds((site_key, site_entry), (self.site_key, self.site_entry),
                                snapshot.expires_at, now):
            return False
        self.snapshot, self.state = snapshot, None
        if index is not None:
            snapshot.lookups.keep(index)
        return True

    def empty_unless_published(self) -> None:
        """An empty view, where none was published yet (the folder could not be read)."""
        if self.snapshot is None:
            self.snapshot = build_snapshot([], SiteData({}, {}), self.site_entry,
                                           datetime.now(UTC))

    def read_site_data(self, root: Path) -> bool:
        """Re-read `_data/` when any of its files changed; whether it did."""
        key = site_data_key(root)
        if key == self.site_key:
            return False
        self.site_key = key
        self.site_data = read_site_data(root)
        return True

    def index_unbuilt(self) -> bool:
        """Whether the view's made-to-measure index is still to be built."""
        return self.snapshot is not None and self.snapshot.lookups.built() is None

    def prepare(self, entries: Entries) -> None:
        """Build the view's index and its update state now, so that no request and no change
        waits for them (before the workers fork, they share both)."""
        if self.snapshot is not None and self.index_unbuilt():
            index_of(self.snapshot)
        if self.snapshot is not None and self.state is None:
            self.state = state_of([result for _, result in entries.values()], self.snapshot)

    def to_save(self) -> SavedView | None:
        """The view as the parse cache keeps it, with its index only if built whole (never
        built here: that would hold the caller's lock as long as an index takes)."""
        if self.snapshot is None:
            return None
        return self.site_key, self.site_entry, self.snapshot, built_index(self.snapshot)
