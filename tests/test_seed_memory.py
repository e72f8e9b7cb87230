"""What a read seed keeps in memory: never-shown seeds kept small, equal parts kept once, names
and stat keys kept compact; with every output unchanged (bench/hash_documents.py checks that
over whole sites)."""

import os
import time

from conftest import article_fields

from feeds.ingest import reading
from feeds.ingest.reading import read_many
from feeds.ingest.scan import seed_files
from feeds.ingest.seed import read_seed
from feeds.model import Article, SeedError
from feeds.text import search_words

HEAVY = {
    "excerpt": "An excerpt &amp; more of it.",
    "images": [{"url": "https://img.example.com/a.png", "width": 1600, "height": 900,
                "type": "image/png"}],
    "related": [{"title": "Elsewhere", "webUrl": "https://other.example.com/1"}],
    "featuredContent": '<iframe src="https://player.example.com/v/1"></iframe>',
    "ampWebUrl": "https://news.example.com/amp/1",
    "category": "news",
}


def test_a_seed_that_can_never_appear_keeps_only_its_identity_and_counts(write_seed,
                                                                          seeds_dir):
    for name, flag in [("off.md", {"published": False}), ("gone.md", {"deleted": True})]:
        write_seed(name, **article_fields(1, **HEAVY, **flag))
        article = read_seed(seeds_dir / name, name)
        assert (article.title, article.url) == ("Article 1",
                                                "https://news.example.com/articles/1")
        assert (article.published, article.deleted) == (flag.get("published", True),
                                                        flag.get("deleted", False))
        assert article.excerpt == article.type == article.category == ""
        assert article.provider is None
        assert article.topics == () and article.images == () and article.related == ()
        assert article.featured_content == article.embed == article.amp_web_url == ""
        assert article.written_excerpt == ""


def test_a_seed_that_may_appear_keeps_everything(write_seed, seeds_dir):
    write_seed("on.md", **article_fields(1, **HEAVY))
    article = read_seed(seeds_dir / "on.md", "on.md")
    assert article.excerpt == "An excerpt & more of it."
    assert article.written_excerpt == "An excerpt &amp; more of it."
    assert article.images[0].width == 1600 and article.images[0].type == "image/png"
    assert article.related[0].title == "Elsewhere"
    assert article.embed == "https://player.example.com/v/1"
    assert article.provider is not None
    assert (article.provider.slug, [t.slug for t in article.topics]) == (
        "news.example.com", ["power-apps"])


def test_a_seed_that_can_never_appear_is_still_checked_whole(write_seed, seeds_dir):
    write_seed("off.md", **article_fields(1, published=False, provider="Example"))
    result = reading.read_one(seeds_dir, "off.md")
    assert isinstance(result, SeedError) and "provider must be a mapping" in result.reason


def test_words_are_the_distinct_search_words_of_title_and_excerpt(write_seed, seeds_dir):
    write_seed("a.md", **article_fields(1, title="Café, café and CAFE", excerpt="Über café 2"))
    article = read_seed(seeds_dir / "a.md", "a.md")
    assert article.words == "cafe and uber 2"
    assert article.words.split() == list(dict.fromkeys(search_words(
        f"{article.title} {article.excerpt}")))
    assert "words" not in article._fields  # worked out when asked, never kept


def test_equal_parts_are_one_instance_across_the_pool_chunks(write_seed, seeds_dir,
                                                             monkeypatch):
    for n in range(1, 13):
        write_seed(f"{n:02d}.md", **article_fields(n, **HEAVY))
    names = sorted(p.name for p in seeds_dir.iterdir())
    monkeypatch.setattr(reading, "PARALLEL_FROM", 4)
    monkeypatch.setattr(reading, "CHUNK", 3)  # four chunks, each read by another process
    articles = read_many(seeds_dir, list(names))
    first = articles[0]
    assert isinstance(first, Article)
    for name, article in zip(names, articles, strict=True):
        assert isinstance(article, Article)
        assert article.path is name  # the caller's name, not a copy from the pool
        assert article.provider is first.provider and article.topics is first.topics
        assert article.images is first.images and article.images[0] is first.images[0]
        assert article.type is first.type and article.category is first.category


def test_a_parallel_read_names_invalid_seeds_by_the_callers_names(write_seed, seeds_dir,
                                                                  monkeypatch):
    for n in range(1, 5):
        write_seed(f"{n}.md", "---\ntitle: [\n---\n")
    names = sorted(p.name for p in seeds_dir.iterdir())
    monkeypatch.setattr(reading, "PARALLEL_FROM", 2)
    monkeypatch.setattr(reading, "CHUNK", 2)
    errors = read_many(seeds_dir, list(names))
    assert all(isinstance(error, SeedError) and error.path is name
               and "invalid YAML" in error.reason
               for name, error in zip(names, errors, strict=True))


def test_a_stat_key_changes_with_each_of_size_mtime_ctime_and_inode(write_seed, seeds_dir):
    path = write_seed("a.md", **article_fields(1))
    keys = [seed_files(seeds_dir)["a.md"]]
    os.utime(path, ns=(0, -1_000_000_000))  # before 1970: still one key of its own
    keys.append(seed_files(seeds_dir)["a.md"])
    time.sleep(0.05)  # past the file system's clock tick
    os.chmod(path, 0o600)  # ctime only
    keys.append(seed_files(seeds_dir)["a.md"])
    path.write_text(path.read_text() + "more\n")  # size
    keys.append(seed_files(seeds_dir)["a.md"])
    os.utime(path, ns=(0, -1_000_000_000))
    copy = path.with_name("b.md")
    copy.write_bytes(path.read_bytes())
    os.utime(copy, ns=(0, -1_000_000_000))
    os.replace(copy, path)  # the inode (and the ctime)
    keys.append(seed_files(seeds_dir)["a.md"])
    assert all(type(key) is int for key in keys) and len(set(keys)) == len(keys)
    assert seed_files(seeds_dir)["a.md"] == keys[-1]
