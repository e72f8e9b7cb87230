"""The publication's decisions, over plain data: what changed, when an embargo's end is
published, when the view is built whole, and whether a saved view still holds."""

from datetime import UTC, datetime, timedelta

from feeds.model import SeedError
from feeds.view.decide import (
    Entries,
    builds_whole,
    changes_between,
    embargo_publication_due,
    saved_view_holds,
)

NOON = datetime(2026, 5, 1, 12, tzinfo=UTC)
KEY = 10  # a stat key (one int, as scan makes them)


def entries(*names: str) -> Entries:
    """One entry a name, each a distinct object."""
    return {name: (KEY, SeedError(name, "some reason")) for name in names}


def test_an_entry_held_as_it_was_is_no_change_and_a_new_one_is() -> None:
    """Only entries that are not the very ones held before are changes, with both results."""
    before = entries("kept.md", "edited.md", "gone.md")
    after = {"kept.md": before["kept.md"], **entries("edited.md", "new.md")}
    changes = changes_between(before, after, ["kept.md", "edited.md", "gone.md", "new.md"])
    assert changes == [("edited.md", before["edited.md"][1], after["edited.md"][1]),
                       ("gone.md", before["gone.md"][1], None),
                       ("new.md", None, after["new.md"][1])]


def test_only_the_names_covered_are_compared() -> None:
    """A reading that covered some names says nothing of the others."""
    assert changes_between(entries("a.md", "b.md"), {}, ["a.md"])[0][0] == "a.md"
    assert len(changes_between(entries("a.md", "b.md"), {}, ["a.md"])) == 1


def test_an_embargo_is_published_at_its_end_and_not_before() -> None:
    """The moment itself counts as ended; a view without embargoes never expires."""
    assert embargo_publication_due(NOON, NOON, 999, 5)
    assert not embargo_publication_due(NOON, NOON - timedelta(seconds=1), 999, 5)
    assert not embargo_publication_due(None, NOON, 999, 5)


def test_embargoes_ending_close_together_are_published_once_a_reload_interval() -> None:
    """Another publication waits until a whole reload interval has passed since the last."""
    assert not embargo_publication_due(NOON, NOON, 4.9, 5)
    assert embargo_publication_due(NOON, NOON, 5, 5)


def test_the_view_is_built_whole_when_site_data_changed_or_most_seeds_did() -> None:
    """Up to the share of the seeds the view is updated; past it, or with new site data, built."""
    assert not builds_whole(False, 25, 100, 0.25)
    assert builds_whole(False, 26, 100, 0.25)
    assert builds_whole(True, 0, 100, 0.25)
    assert not builds_whole(False, 0, 0, 0.25)
    assert builds_whole(False, 1, 0, 0.25)
    assert builds_whole(False, 1, 1, 0.5) and not builds_whole(False, 1, 2, 0.5)  # 1 of 1


def test_a_saved_view_holds_only_for_the_same_site_and_before_its_embargo_ends() -> None:
    """The view saved with the parse cache is the view until site data or an embargo says not."""
    assert saved_view_holds(("key", "Site"), ("key", "Site"), None, NOON)
    assert saved_view_holds(("key", "Site"), ("key", "Site"), NOON, NOON - timedelta(seconds=1))
    assert not saved_view_holds(("key", "Site"), ("key", "Site"), NOON, NOON)
    assert not saved_view_holds(("key", "Site"), ("key", "Renamed"), None, NOON)
