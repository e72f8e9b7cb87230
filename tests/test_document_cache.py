"""The document cache: a document is rendered again only when what it shows changes, documents
of different keys are kept apart, a view is compared by identity and never kept alive, and the
bytes counted against the budget (the `feeds_document_cache_bytes` gauge) evict the least
recently used.

Each test defines its described kinds afresh, as a new worker meets them: the split of their
fields into key and signature is worked out for them then."""

import gc
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import article_fields, seed_text

from feeds.output.documents import ENTRY_OVERHEAD, Document, DocumentCache, held_bytes
from feeds.output.keys import KEY, Described, Seen
from feeds.view.corpus import Corpus

WRITTEN = datetime(2024, 1, 1, tzinfo=UTC)


class View:
    """What a document is read from, as a snapshot is: held weakly by Seen."""


@dataclass(frozen=True, slots=True)
class Box:
    """A dataclass holding one value, to nest."""

    inside: object


@dataclass(frozen=True, slots=True)
class Note(Described):
    """A note: its name, then its text (and the view it was read from); every rendering is
    noted in its kind's `rendered`."""

    ROUTE = "note"
    rendered: ClassVar[list[str]] = []

    name: str = field(metadata=KEY)
    text: str
    view: Seen[View] | None = None

    def document(self) -> Document:
        """The note as a plain text document."""
        self.rendered.append(f"{self.name}:{self.text}")
        return Document.of(f"{self.ROUTE} {self.name}: {self.text}".encode(), "text/plain",
                           WRITTEN)


def note_kind(route: str = "note") -> type[Note]:
    """A kind of Note, new at each call, of route."""

    @dataclass(frozen=True, slots=True)
    class Fresh(Note):
        """A Note kind no test has used yet."""

        ROUTE = route
        rendered: ClassVar[list[str]] = []

    return Fresh


def test_a_document_is_rendered_again_only_when_what_it_shows_changes() -> None:
    """The same key and signature reuse the cached document; a changed signature renders anew."""
    note, cache = note_kind(), DocumentCache()
    first = cache.get(note("a", "one"))
    assert cache.get(note("a", "one")) is first
    assert cache.get(note("a", "two")).body == b"note a: two"
    assert cache.get(note("a", "two")).body == b"note a: two"
    assert note.rendered == ["a:one", "a:two"]


def test_documents_of_different_keys_or_kinds_are_kept_apart() -> None:
    """Two names, or two kinds with the same field values, are two documents, both kept."""
    note, other, cache = note_kind(), note_kind("other"), DocumentCache()
    assert cache.get(note("a", "same")).body == b"note a: same"
    assert cache.get(note("b", "same")).body == b"note b: same"
    assert cache.get(other("a", "same")).body == b"other a: same"
    assert cache.get(note("a", "same")).body == b"note a: same"
    assert note.rendered == ["a:same", "b:same"] and other.rendered == ["a:same"]
    assert cache.usage()[1] == 3


def test_a_key_says_its_route_and_key_fields_and_the_signature_the_rest() -> None:
    """The key of a value: its route and its key fields by name (as the logs read them); its
    signature: every other field, once (its bytes count against the budget)."""
    described = note_kind("feedlike")("a name", "a text")
    key = described.cache_key()
    assert key.route == "feedlike" and key.get("name") == "a name"
    assert key.values == ("a name",) and key.names == ("name",)
    assert described.signature() == ("a text", None)


def test_a_view_still_alive_is_the_same_view_in_every_description_of_it() -> None:
    """Two Seen of one living view are equal (no new rendering); another view renders anew."""
    note, cache, view, later = note_kind(), DocumentCache(), View(), View()
    cache.get(note("a", "x", Seen(view)))
    cache.get(note("a", "x", Seen(view)))
    cache.get(note("a", "x", Seen(later)))
    assert note.rendered == ["a:x", "a:x"]
    assert Seen(view) == Seen(view) and Seen(view) != Seen(later) and Seen(view) != view
    assert hash(Seen(view)) == hash(Seen(view)) and len({Seen(view), Seen(view)}) == 1


def test_a_view_gone_is_never_equal_to_anything_and_cannot_be_read() -> None:
    """A Seen outlives no view: gone, it equals no Seen (not even its own) and cannot be read."""
    view = View()
    seen = Seen(view)
    assert seen() is view
    del view
    gc.collect()
    assert seen != seen and hash(seen) == hash(seen)
    with pytest.raises(ReferenceError, match="^the value is gone$"):
        seen()


def test_an_entry_counts_its_bodies_key_and_signature_and_its_own_overhead() -> None:
    """What an entry holds is counted once, replaced (not added) when it is rendered anew."""
    note, cache = note_kind(), DocumentCache()
    assert cache.usage() == (0, 0) and cache.held == 0
    described = note("a", "one" * 100)
    document = cache.get(described)
    size = (len(document.body) + len(document.gzipped) + ENTRY_OVERHEAD
            + held_bytes(described.cache_key()) + held_bytes(described.signature()))
    assert cache.usage() == (size, 1)
    cache.get(note("a", "two" * 100))
    assert cache.usage() == (size, 1)
    cache.get(note("b", "two" * 100))
    assert cache.usage() == (2 * size, 2) and cache.held == 2 * size


def filled(max_bytes_of: Callable[[int], int],
           *names: str) -> tuple[DocumentCache, type[Note], int]:
    """A cache of max_bytes_of(the size of one entry), the kind of its notes, and that size;
    the notes of names got in turn (all of one size)."""
    note = note_kind()
    one = DocumentCache()
    one.get(note("x", "text"))
    size = one.held
    cache = DocumentCache(max_bytes_of(size))
    for name in names:
        cache.get(note(name, "text"))
    return cache, note, size


def test_past_its_budget_the_cache_drops_the_least_recently_used() -> None:
    """A cache of two entries' bytes keeps the two last used: a hit or a peek counts as use."""
    cache, note, size = filled(lambda size: 2 * size, "a", "b", "a", "c")
    kept = {name for name in "abc" if cache.peek(note(name, "text").cache_key()) is not None}
    assert kept == {"a", "c"} and cache.usage()[1] == 2
    assert cache.peek(note("a", "text").cache_key()) is not None
    cache.get(note("d", "text"))  # a was peeked last: c goes
    assert cache.peek(note("c", "text").cache_key()) is None
    assert cache.usage() == (2 * size, 2)


def test_a_cache_one_byte_short_of_two_entries_keeps_one() -> None:
    """Over the budget by a byte is over it: the older entry goes, and the count drops."""
    cache, note, size = filled(lambda size: 2 * size - 1, "a", "b")
    assert cache.peek(note("a", "text").cache_key()) is None
    assert cache.peek(note("b", "text").cache_key()) is not None
    assert cache.usage() == (size, 1)


def test_a_document_larger_than_the_whole_budget_is_still_kept_alone() -> None:
    """The newest entry stays even past the budget: it is about to be sent."""
    cache, note, size = filled(lambda size: size // 2, "a", "b")
    assert cache.peek(note("a", "text").cache_key()) is None
    assert cache.peek(note("b", "text").cache_key()) is not None
    assert cache.usage() == (size, 1)


def shared_article_and_section(tmp_path: Path) -> tuple[object, object]:
    """An article and the site's section of a snapshot of one seed."""
    (tmp_path / "1.md").write_text(seed_text(**article_fields(1)))
    snapshot = Corpus(tmp_path, reload_seconds=0).snapshot()
    return snapshot.site.articles[0], snapshot.site


def test_the_snapshots_articles_and_sections_count_nothing(tmp_path: Path) -> None:
    """What the snapshot holds anyway is not counted against the cache's budget."""
    article, section = shared_article_and_section(tmp_path)
    assert held_bytes(article) == 0 and held_bytes(section) == 0
    assert held_bytes((article, section)) == sys.getsizeof((article, section))


def test_nested_tuples_and_dataclasses_are_counted_four_levels_deep() -> None:
    """Containers and their plain values count down to the fourth level, and no deeper."""
    text = "a string of forty characters, or about.."
    assert held_bytes((text, 7)) == sys.getsizeof((text, 7)) + sys.getsizeof(text) + \
        sys.getsizeof(7)
    assert held_bytes(Box(text)) == sys.getsizeof(Box(text)) + sys.getsizeof(text)
    tuples: object = text
    boxes: object = text
    for _ in range(6):
        tuples, boxes = (tuples,), Box(boxes)
    assert held_bytes(tuples) == 5 * sys.getsizeof((text,))
    assert held_bytes(boxes) == 5 * sys.getsizeof(Box(text))
    assert held_bytes(type(boxes)) == sys.getsizeof(Box)  # a class is no dataclass value
