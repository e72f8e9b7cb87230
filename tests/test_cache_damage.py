"""A parse cache is taken only whole and true: any version but this one, another folder, or one
entry, field or part of the saved view not what the model says, and it is ignored with a
warning naming why, the seeds read anew."""

import dataclasses
import pickle
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import article_fields, seed_text

from feeds.model import Image, Related, SeedError, Topic
from feeds.view.cache import CACHE_VERSION
from feeds.view.corpus import Corpus

ENTRIES = "its entries are not (stat key, article or error) by name"
VIEW = "its saved view is not a (site key, site entry, snapshot, index)"
VERSION = "not a parse cache of this version"
IMAGES = [{"url": "https://img.example.com/a.png", "width": 640, "height": 480},
          {"url": "https://img.example.com/b.png"}]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, bytes]:
    """Seeds of every kind (images, related, provider images, an unpublished one, an invalid
    one, an embargoed one), their cache file's name and its bytes as first saved."""
    seeds = tmp_path_factory.mktemp("damage") / "seeds"
    seeds.mkdir()
    soon = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    fields = {
        "a.md": article_fields(1, title="Title from the seed", images=IMAGES, topics=["A", "B"],
                               related=[{"title": "Elsewhere", "webUrl": "https://o.example/1"}],
                               provider={"name": "Pics", "domain": "pics.example",
                                         "images": IMAGES[:1]}),
        "b.md": article_fields(2, provider={"name": "Other", "domain": "other.example"}),
        "off.md": article_fields(3, published=False),
        "soon.md": article_fields(4, publishedDateTime=soon),
    }
    for name, values in fields.items():
        (seeds / name).write_text(seed_text(**values))
    (seeds / "bad.md").write_text("---\ntitle: [\n---\n")
    cache = seeds.parent / "cache"
    corpus = Corpus(seeds, reload_seconds=0, cache_dir=cache)
    corpus.snapshot(watching=False)
    corpus.save_cache(force=True)
    cache_file, = cache.glob("parse-cache-*")
    return seeds, cache_file.name, cache_file.read_bytes()


def restart(site: tuple[Path, str, bytes], cache: Path, content: bytes) -> Corpus:
    """A corpus over the site, started from a cache file holding content."""
    seeds, name, _ = site
    cache.mkdir()
    (cache / name).write_bytes(content)
    corpus = Corpus(seeds, reload_seconds=0, cache_dir=cache)
    corpus.snapshot(watching=False)
    return corpus


def test_an_intact_cache_gives_its_entries_and_its_view(site: tuple[Path, str, bytes],
                                                        tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture
                                                        ) -> None:
    """Every kind of seed passes the checks: the restart serves the cache's view, unread."""
    edited = site[2].replace(b"Title from the seed", b"Title from cache!!!")
    snapshot = restart(site, tmp_path / "cache", edited).current
    assert snapshot is not None
    assert "parse cache" not in caplog.text
    assert [a.title for a in snapshot.site.articles] == ["Article 2", "Title from cache!!!"]
    assert sorted(snapshot.topics) == ["a", "b", "power-apps"] and len(snapshot.invalid) == 1
    assert snapshot.expires_at is not None and snapshot.embargoes


Damage = Callable[[dict], Any]  # changes a cache's data, or returns what to save instead


def entry(name: str, change: Callable[[Any], Any]) -> Damage:
    """A damage to one cache entry's article or error."""

    def damage(data: dict) -> None:
        key, result = data["entries"][name]
        data["entries"][name] = (key, change(result))

    return damage


def provider(**changes: Any) -> Damage:
    """A damage to the first seed's provider."""
    return entry("a.md", lambda a: a._replace(provider=a.provider._replace(**changes)))


def snapshot(change: Callable[[Any], Any]) -> Damage:
    """A damage to the saved view's snapshot."""

    def damage(data: dict) -> None:
        site_key, site_entry, saved, index = data["view"]
        data["view"] = (site_key, site_entry, change(saved), index)

    return damage


def replaced(**changes: Any) -> Callable[[Any], Any]:
    """A dataclass value with fields replaced."""
    return lambda value: dataclasses.replace(value, **changes)


def section(**changes: Any) -> Damage:
    """A damage to the snapshot's whole-site section."""
    return snapshot(lambda s: dataclasses.replace(s, site=dataclasses.replace(s.site, **changes)))


def view_part(at: int, change: Callable[[Any], Any]) -> Damage:
    """A damage to one part of the saved view."""

    def damage(data: dict) -> None:
        view = list(data["view"])
        view[at] = change(view[at])
        data["view"] = tuple(view)

    return damage


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _set(key: str, value: Any) -> Damage:
    return lambda data: data.__setitem__(key, value)


def _entries(change: Callable[[dict], Any]) -> Damage:
    return lambda data: data.__setitem__("entries", change(data["entries"]))


def _view(change: Callable[[Any], Any]) -> Damage:
    return lambda data: data.__setitem__("view", change(data["view"]))


def _first_topic_section(change: Callable[[Any], Any]) -> Damage:
    def sections(s: Any) -> Any:
        slug, first = next(iter(s.topics.items()))
        return dataclasses.replace(s, topics={**s.topics, slug: change(first)})
    return snapshot(sections)


IMAGE = Image("https://img.example.com/c.png")
DAMAGES: dict[str, tuple[Damage, str]] = {
    "next-version": (_set("version", CACHE_VERSION + 1), VERSION),
    "older-version": (_set("version", CACHE_VERSION - 1), VERSION),
    "no-version": (lambda data: data.__delitem__("version"), VERSION),
    "cache-a-list": (lambda data: [data], VERSION),
    "other-folder": (_set("seeds_dir", "/elsewhere"), "made for another seeds folder"),
    "entries-a-list": (_entries(lambda e: list(e.items())), ENTRIES),
    "name-in-bytes": (_entries(lambda e: {n.encode(): v for n, v in e.items()}), ENTRIES),
    "entry-a-list": (_entries(lambda e: {**e, "b.md": list(e["b.md"])}), ENTRIES),
    "entry-of-three": (_entries(lambda e: {**e, "b.md": (*e["b.md"], 0)}), ENTRIES),
    "stat-key-text": (_entries(lambda e: {**e, "b.md": (str(e["b.md"][0]), e["b.md"][1])}),
                      ENTRIES),
    "error-path-number": (entry("bad.md", lambda e: SeedError(7, e.reason)), ENTRIES),  # type: ignore[arg-type]  # a wrong type on purpose
    "error-reason-none": (entry("bad.md", lambda e: SeedError(e.path, None)), ENTRIES),  # type: ignore[arg-type]  # a wrong type on purpose
    "article-a-tuple": (entry("b.md", tuple), ENTRIES),
    "title-a-number": (entry("b.md", lambda a: a._replace(title=2)), ENTRIES),
    "naive-published": (entry("b.md", lambda a: a._replace(published_at=naive(a.published_at))),
                        ENTRIES),
    "naive-updated": (entry("b.md", lambda a: a._replace(updated_at=naive(a.updated_at))),
                      ENTRIES),
    "provider-slug-number": (provider(slug=1), ENTRIES),
    "provider-name-number": (provider(name=1), ENTRIES),
    "provider-domain-number": (provider(domain=1), ENTRIES),
    "provider-images-a-list": (provider(images=[IMAGE]), ENTRIES),
    "provider-image-a-text": (provider(images=("https://img.example.com/c.png",)), ENTRIES),
    "topic-a-text": (entry("a.md", lambda a: a._replace(topics=("a",))), ENTRIES),
    "topic-name-number": (entry("a.md", lambda a: a._replace(topics=(Topic("a", 1),))), ENTRIES),  # type: ignore[arg-type]  # a wrong type on purpose
    "image-width-text": (entry("a.md", lambda a: a._replace(images=(IMAGE._replace(
        width="wide"),))), ENTRIES),  # type: ignore[arg-type]  # a wrong type on purpose
    "image-a-tuple": (entry("a.md", lambda a: a._replace(images=(tuple(IMAGE),))), ENTRIES),
    "related-a-tuple": (entry("a.md", lambda a: a._replace(related=(("t", "u", ""),))),
                        ENTRIES),
    "related-title-number": (entry("a.md", lambda a: a._replace(related=(Related(1, "u"),))),  # type: ignore[arg-type]  # a wrong type on purpose
                             ENTRIES),
    "view-a-list": (_view(list), VIEW),
    "view-of-three": (_view(lambda v: v[:3]), VIEW),
    "site-key-a-list": (view_part(0, list), VIEW),
    "site-entry-a-tuple": (view_part(1, dataclasses.astuple), VIEW),
    "site-name-number": (view_part(1, replaced(name=1)), VIEW),
    "site-description-number": (view_part(1, replaced(description=1)), VIEW),
    "site-logo-number": (view_part(1, replaced(logo=1)), VIEW),
    "snapshot-a-section": (snapshot(lambda s: s.site), VIEW),
    "section-kind-number": (section(kind=1), VIEW),
    "section-slug-number": (section(slug=1), VIEW),
    "section-name-number": (section(name=1), VIEW),
    "section-description-number": (section(description=1), VIEW),
    "section-logo-number": (section(logo=1), VIEW),
    "section-articles-a-list": (section(articles=[]), VIEW),
    "section-article-not-cached": (snapshot(lambda s: dataclasses.replace(s, site=(
        dataclasses.replace(s.site, articles=(s.site.articles[0]._replace(),))))), VIEW),
    "topics-a-list": (snapshot(lambda s: dataclasses.replace(s, topics=list(s.topics.items()))),
                      VIEW),
    "topic-slug-number": (snapshot(lambda s: dataclasses.replace(s, topics={
        1: next(iter(s.topics.values()))})), VIEW),
    "topic-section-name-number": (_first_topic_section(replaced(name=1)), VIEW),
    "provider-section-name-number": (snapshot(lambda s: dataclasses.replace(s, providers={
        slug: dataclasses.replace(p, name=1) for slug, p in s.providers.items()})), VIEW),
    "invalid-a-list": (snapshot(lambda s: dataclasses.replace(s, invalid=list(s.invalid))),
                       VIEW),
    "invalid-a-text": (snapshot(replaced(invalid=("bad.md",))), VIEW),
    "seeds-text": (snapshot(replaced(seed_count="many")), VIEW),
    "published-text": (snapshot(replaced(published_count="many")), VIEW),
    "unpublished-text": (snapshot(replaced(unpublished_count="few")), VIEW),
    "naive-loaded-at": (snapshot(lambda s: dataclasses.replace(s, loaded_at=naive(s.loaded_at))),
                        VIEW),
    "naive-expires-at": (snapshot(lambda s: dataclasses.replace(
        s, expires_at=naive(s.expires_at))), VIEW),
    "lookups-none": (snapshot(replaced(lookups=None)), VIEW),
    "embargoes-a-list": (snapshot(lambda s: dataclasses.replace(
        s, embargoes=list(s.embargoes.items()))), VIEW),
    "embargo-key-text": (snapshot(lambda s: dataclasses.replace(s, embargoes={
        "/".join(k): m for k, m in s.embargoes.items()})), VIEW),
    "embargo-naive": (snapshot(lambda s: dataclasses.replace(s, embargoes={
        k: naive(m) for k, m in s.embargoes.items()})), VIEW),
    "index-a-text": (view_part(3, lambda index: "index"), VIEW),
}


@pytest.mark.parametrize("damage, reason", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_cache_not_what_the_model_says_is_ignored_with_why(
        site: tuple[Path, str, bytes], tmp_path: Path, caplog: pytest.LogCaptureFixture,
        damage: Damage, reason: str) -> None:
    """One wrong part anywhere, and the cache is ignored, the warning naming what was wrong."""
    data = pickle.loads(site[2])
    whole = damage(data)  # a damage changes data, or gives what to write in its place
    cache = tmp_path / "cache"
    corpus = restart(site, cache, pickle.dumps(data if whole is None else whole))
    assert [r.getMessage() for r in caplog.records if r.name == "feeds.view.cache"] == [
        f"parse cache {cache / site[1]} ignored: {reason}"]
    assert corpus.current is not None
    assert [a.title for a in corpus.current.site.articles] == ["Article 2", "Title from the seed"]


def test_a_cache_that_declares_a_huge_object_is_ignored_naming_the_error(
        site: tuple[Path, str, bytes], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A cache whose first object says it is a pebibyte long fails at once (no memory is that
    large), and the warning names the error, which says nothing of itself."""
    huge = pickle.PROTO + b"\x04" + pickle.BINBYTES8 + struct.pack("<Q", 2**50) + b"abc"
    cache = tmp_path / "cache"
    corpus = restart(site, cache, huge)
    assert [r.getMessage() for r in caplog.records if r.name == "feeds.view.cache"] == [
        f"parse cache {cache / site[1]} ignored: MemoryError"]
    assert corpus.current is not None
    assert [a.title for a in corpus.current.site.articles] == ["Article 2", "Title from the seed"]
