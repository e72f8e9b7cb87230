"""The reload's decisions, over plain data: no files, no threads, no clock."""

import os
from pathlib import Path

import pytest
from conftest import article_fields, seed_text

from feeds.ingest.scan import StatKey, stat_key
from feeds.ingest.seed import parse_seed
from feeds.model import Article, Result, SeedError
from feeds.view.decide import (
    SETTLE_NS,
    Entries,
    cacheable,
    plan_scan,
    seconds_to_wake,
    settle_reads,
    still_written,
    walk_due,
)

KEY, OTHER = 10 << 128 | 7, 12 << 128 | 7  # stat keys: opaque, compared


def article(path: str) -> Article:
    fields = article_fields(1)


    return parse_seed(seed_text(**fields), path)


def passing(path: str) -> SeedError:
    return SeedError(path, "cannot be read: Permission denied", retry=True)


def test_an_unchanged_seed_is_kept_and_a_changed_one_read_again():
    a, b = article("a.md"), article("b.md")
    plan = plan_scan({"a.md": (KEY, a), "b.md": (KEY, b)}, {"a.md": KEY, "b.md": OTHER,
                                                            "c.md": KEY})
    assert plan.kept == {"a.md": (KEY, a)}
    assert plan.to_read == [("b.md", OTHER), ("c.md", KEY)]
    assert plan.problems == []


def test_a_failure_that_may_pass_is_read_again_though_its_key_is_the_same():
    plan = plan_scan({"a.md": (KEY, passing("a.md"))}, {"a.md": KEY})
    assert plan.to_read == [("a.md", KEY)]


def test_a_folder_that_cannot_be_listed_keeps_what_was_read_under_it():
    a, b, top = article("sub/a.md"), article("sub/deeper/b.md"), article("top.md")
    previous: Entries = {"sub/a.md": (KEY, a), "sub/deeper/b.md": (KEY, b), "top.md": (KEY, top),
                         "subway.md": (KEY, top)}
    unlisted = SeedError("sub/", "is a folder that cannot be listed: Permission denied", True)
    plan = plan_scan(previous, {"sub/": unlisted, "top.md": KEY})
    assert plan.kept == {"sub/a.md": (KEY, a), "sub/deeper/b.md": (KEY, b),
                         "top.md": (KEY, top)}
    assert plan.problems == [unlisted]


def test_a_file_the_walk_cannot_stat_keeps_its_last_good_result():
    a = article("a.md")
    error = passing("a.md")
    plan = plan_scan({"a.md": (KEY, a)}, {"a.md": error})
    assert plan.kept == {"a.md": (KEY, a)} and plan.problems == [error]
    fresh = plan_scan({}, {"a.md": error})
    assert fresh.kept == {"a.md": (None, error)}


def test_a_lasting_error_of_the_walk_is_an_invalid_seed_not_a_problem() -> None:
    """A file the walk sees is no seed (not a regular file) is invalid, not a passing problem."""
    lasting = SeedError("a.md", "is not a regular file")
    plan = plan_scan({"a.md": (KEY, article("a.md"))}, {"a.md": lasting})
    assert plan.kept == {"a.md": (None, lasting)} and plan.problems == []


def test_a_walk_that_cannot_stat_a_seed_that_failed_before_keeps_the_new_failure() -> None:
    """Only a good result is kept over a failure that may pass; an earlier failure is not."""
    earlier, error = passing("a.md"), SeedError("a.md", "cannot be read: I/O error", True)
    plan = plan_scan({"a.md": (KEY, earlier)}, {"a.md": error})
    assert plan.kept == {"a.md": (None, error)} and plan.problems == [error]


def test_a_failure_that_may_pass_read_again_after_one_is_taken_and_no_new_problem() -> None:
    """A seed that failed and fails again is taken as it reads now."""
    previous: Entries = {"a.md": (KEY, passing("a.md"))}
    again = SeedError("a.md", "cannot be read: I/O error", True)
    plan = plan_scan(previous, {"a.md": KEY})
    assert settle_reads(plan, previous, [("a.md", KEY, again)]) == {"a.md": (KEY, again)}
    assert plan.problems == []


def test_a_failed_read_keeps_the_result_read_before_and_is_a_problem():
    a = article("a.md")
    previous: Entries = {"a.md": (KEY, a)}
    plan = plan_scan(previous, {"a.md": OTHER})
    entries = settle_reads(plan, previous, [("a.md", OTHER, passing("a.md"))])
    assert entries == {"a.md": (KEY, a)}
    assert plan.problems == [passing("a.md")]


def test_a_lasting_error_is_taken_as_it_is():
    lasting = SeedError("a.md", "has invalid YAML", retry=False)
    previous: Entries = {"a.md": (KEY, article("a.md"))}
    entries = settle_reads(plan_scan(previous, {"a.md": OTHER}), previous,
                           [("a.md", OTHER, lasting)])
    assert entries == {"a.md": (OTHER, lasting)}


def test_the_cache_keeps_no_failure_that_may_pass_and_no_entry_without_a_key():
    a = article("a.md")
    lasting = SeedError("b.md", "is not a regular file")
    entries: Entries = {"a.md": (KEY, a), "b.md": (None, lasting), "c.md": (KEY, passing("c.md"))}
    assert cacheable(entries) == [("a.md", KEY, a)]


def test_the_next_wake_is_the_next_scan_or_the_next_embargo_if_sooner():
    assert seconds_to_wake(1, 5, None, 99) == 4
    assert seconds_to_wake(1, 5, 2.5, 99) == 2.5
    assert seconds_to_wake(1, 5, 10, 99) == 4
    assert seconds_to_wake(9, 5, None, 99) == 0


def test_embargoes_close_together_wait_for_one_reload_interval_after_the_last():
    # An embargo ended 0.3 s ago was published then; the next, due in 0.1 s, waits until a
    # reload interval has passed since: one rebuild for all that end meanwhile.
    assert seconds_to_wake(0.3, 5, 0.1, 0.3) == pytest.approx(4.7)
    assert seconds_to_wake(2, 5, 0.1, 0.3) == pytest.approx(3)  # the scan comes first
    assert seconds_to_wake(0.3, 5, 0.1, 9) == pytest.approx(0.1)  # none published lately
    assert seconds_to_wake(0, 7200, 3600 * 24, 99) == 3600  # never asleep for over an hour


def key_modified_at(tmp_path: Path, mtime_ns: int) -> StatKey:
    """The stat key of a real file last modified at mtime_ns."""
    path = tmp_path / "a.md"
    path.write_text("---\n")
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return stat_key(path.stat())


def test_a_seed_read_invalid_within_a_second_of_its_change_is_read_again(tmp_path: Path) -> None:
    """An invalid seed changed less than SETTLE_NS ago may be half written; one older, or one
    that failed in a way that may pass, is believed as it is."""
    now = 1_700_000_000 * 10**9
    fresh, settled = key_modified_at(tmp_path, now - SETTLE_NS + 1), key_modified_at(
        tmp_path, now - SETTLE_NS)
    invalid = SeedError("a.md", "has invalid YAML")
    to_read = [("fresh.md", fresh), ("settled.md", settled), ("good.md", fresh),
               ("passing.md", fresh)]
    results: list[Result] = [invalid, invalid, article("good.md"), passing("passing.md")]
    assert still_written(to_read, results, now) == {"fresh.md"}
    assert SETTLE_NS == 10**9


@pytest.mark.parametrize("events_ready, since_walk, due", [
    (True, 299.9, False), (True, 300, True), (False, 4.9, False), (False, 5, True)])
def test_the_watcher_walks_every_walk_interval_with_events_and_every_reload_without(
        events_ready: bool, since_walk: float, due: bool) -> None:
    """With events the watcher walks only as a safety net; without, at every reload interval."""
    assert walk_due(True, events_ready, False, True, since_walk, 5, 300) is due


def test_the_watcher_walks_once_as_soon_as_its_events_are_ready() -> None:
    """What changed before the events were in place is found by one walk at once."""
    assert walk_due(True, True, True, True, 0, 5, 300) is True


@pytest.mark.parametrize("alive, since_walk, due", [
    (True, 1000, False), (False, 4.9, False), (False, 5, True)])
def test_another_process_walks_only_while_no_watcher_is_alive(
        alive: bool, since_walk: float, due: bool) -> None:
    """A process that does not watch follows the watcher, and walks itself only when none is
    alive, once a reload interval."""
    assert walk_due(False, False, False, alive, since_walk, 5, 300) is due
    assert walk_due(False, True, True, alive, since_walk, 5, 300) is due
