"""The reload's decisions, as plain functions over plain data: no files, no clock, no threads.

The corpus does (walks, reads, builds, logs); these only decide: which seeds to read again,
what to keep when the system would not let a folder or a file be read, and when to wake next.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ..ingest.scan import Found, StatKey, modified_ns
from ..model import Result, SeedError

Entries = dict[str, tuple[StatKey | None, Result]]  # by seed name: the key it was read at
Change = tuple[str, Result | None, Result | None]  # a seed's name, its result before and after
# A seed read invalid that changed more recently than this may still be being written.
SETTLE_NS = 1_000_000_000


@dataclass(slots=True)
class ScanPlan:
    """What a walk means, given what was read before it."""

    kept: Entries = field(default_factory=dict)  # results still true, by name
    to_read: list[tuple[str, StatKey]] = field(default_factory=list)
    problems: list[SeedError] = field(default_factory=list)  # what could not be seen now


def plan_scan(previous: Entries, found: Found) -> ScanPlan:
    """Which seeds to read again after a walk, and what to keep as it was.

    A seed whose stat key is unchanged keeps its result, unless that result was a failure
    that may pass (it is read again). A folder or file the system would not let the walk see
    keeps what was read under it before, and is a problem to report, never a deletion.
    """
    plan = ScanPlan()
    for name, key in found.items():
        if isinstance(key, SeedError):
            _plan_unseen(plan, previous, name, key)
        elif name in previous and previous[name][0] == key and not _passing(previous[name][1]):
            plan.kept[name] = previous[name]
        else:
            plan.to_read.append((name, key))
    return plan


def _plan_unseen(plan: ScanPlan, previous: Entries, name: str, error: SeedError) -> None:
    """A walk's error: a problem that may pass keeps what was known; others are invalid seeds."""
    if not error.retry:
        plan.kept[name] = (None, error)
        return
    plan.problems.append(error)
    if name.endswith("/"):  # a folder: everything known under it
        plan.kept.update((seed, entry) for seed, entry in previous.items()
                         if seed.startswith(name))
    elif name in previous and not _passing(previous[name][1]):
        plan.kept[name] = previous[name]
    else:
        plan.kept[name] = (None, error)


def settle_reads(plan: ScanPlan, previous: Entries, read: list[tuple[str, StatKey, Result]]
                 ) -> Entries:
    """The entries after reading: a read that failed in a way that may pass keeps the result
    read before (and is a problem); every other result is taken."""
    entries = dict(plan.kept)
    for name, key, result in read:
        earlier = previous.get(name)
        if _passing(result) and earlier is not None and not _passing(earlier[1]):
            plan.problems.append(result)  # type: ignore[arg-type]
            entries[name] = earlier
        else:
            entries[name] = (key, result)
    return entries


def still_written(to_read: list[tuple[str, StatKey]], results: list[Result], now_ns: int
                  ) -> set[str]:
    """The seeds read invalid whose file changed within SETTLE_NS: most likely written in
    several steps and not complete yet, they are read again before the failure is believed."""
    return {name for (name, key), result in zip(to_read, results, strict=True)
            if isinstance(result, SeedError) and not result.retry
            and now_ns - modified_ns(key) < SETTLE_NS}


def cacheable(entries: Entries) -> list[tuple[str, StatKey, Result]]:
    """The entries a parse cache may keep: none whose failure may pass, none without a key."""
    return [(name, key, result) for name, (key, result) in entries.items()
            if key is not None and not _passing(result)]


def seconds_to_wake(since_scan: float, reload_seconds: float, to_embargo: float | None,
                    since_embargo_build: float) -> float:
    """Seconds until the next scan, or the next embargo's end if sooner: embargoes that end
    close together are published together, at most once a reload interval (each publication
    rebuilds the view), so none waits longer than reload_seconds past its moment."""
    wait = reload_seconds - since_scan
    if to_embargo is not None:
        wait = min(wait, max(to_embargo, reload_seconds - since_embargo_build))
    return min(max(0.0, wait), 3600.0)


def changes_between(previous: Entries, now: Entries, covered: Iterable[str]) -> list[Change]:
    """The seeds among covered whose entry is not the one held before: (name, old, new)."""
    changes = []
    for name in covered:
        old, new = previous.get(name), now.get(name)
        if old is not new:
            changes.append((name, old[1] if old else None, new[1] if new else None))
    return changes


def embargo_publication_due(expires_at: datetime | None, now: datetime,
                            since_embargo_build: float, reload_seconds: float) -> bool:
    """Whether an embargo has ended and its publication is due: at most one a reload interval,
    so that embargoes ending close together are published together."""
    return (expires_at is not None and now >= expires_at
            and since_embargo_build >= reload_seconds)


def builds_whole(site_data_changed: bool, changes: int, seeds: int, share: float) -> bool:
    """Whether a view that could be updated is built whole instead: when site data changed
    (every section's names may have), or when changes touch more than share of the seeds."""
    return site_data_changed or changes > share * max(1, seeds)


def saved_view_holds(saved_site: object, current_site: object, expires_at: datetime | None,
                     now: datetime) -> bool:
    """Whether a view saved with the parse cache is still the view: saved from the same site
    data and names, and no embargo has ended since (the seeds are known to be unchanged)."""
    return saved_site == current_site and (expires_at is None or now < expires_at)


def walk_due(watcher: bool, events_ready: bool, first_with_events: bool, watcher_alive: bool,
             since_walk: float, reload_seconds: float, walk_seconds: float) -> bool:
    """Whether a process walks the whole folder now. The watcher walks once its events are
    in place (what changed before they were is seen then), then every walk_seconds as a
    safety net, or every reload_seconds while it has no events; it has the others read what
    it found. Another process walks only while no watcher is alive, every reload_seconds."""
    if watcher:
        return first_with_events or since_walk >= (walk_seconds if events_ready
                                                    else reload_seconds)
    return not watcher_alive and since_walk >= reload_seconds


def _passing(result: Result) -> bool:
    """Whether a result is a failure that may pass by itself."""
    return isinstance(result, SeedError) and result.retry
