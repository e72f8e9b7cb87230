"""The set of articles: the real corpus against its oracle, identity, topics, providers, reloads."""

import os
import threading
import time

import pytest
import yaml
from conftest import article_fields, oracle_listing, seed_text
from facts import CORPUS

from feeds.view.corpus import Corpus

ORACLE_TOPICS = ["ai-builder", "canvas-apps", "common-data-service", "teams-integration"]


@pytest.fixture(scope="module")
def snapshot(corpus_snapshot):
    return corpus_snapshot


@pytest.fixture(scope="module")
def url_of(corpus_dir):
    """The article URL of each seed path in the corpus."""
    urls = {}
    for path in (corpus_dir / "_news").glob("*.md"):
        fields = yaml.safe_load(path.read_text().split("---")[1])
        urls[f"_news/{path.name}"] = fields.get("originalUrl") or fields["webUrl"]
    return urls


def distinct(urls):
    """urls without repeats, first kept."""
    return list(dict.fromkeys(urls))


def test_corpus_counts_match_its_readme(snapshot):
    assert (snapshot.seed_count, snapshot.published_count, snapshot.unpublished_count) == (
        CORPUS.seeds, CORPUS.published, CORPUS.unpublished)
    assert len(snapshot.invalid) == CORPUS.invalid
    assert len(snapshot.site.articles) == CORPUS.articles


def test_site_listing_equals_the_oracle(snapshot, url_of):
    expected = distinct(url_of[path] for path in oracle_listing())
    assert sorted(a.url for a in snapshot.site.articles) == sorted(expected)


def test_site_listing_is_newest_first_ties_by_url(snapshot):
    keys = [(-a.published_at.timestamp(), a.url) for a in snapshot.site.articles]
    assert keys == sorted(keys)


def test_site_order_agrees_with_the_oracle_where_dates_differ(snapshot, url_of):
    mine = [a.url for a in snapshot.site.articles]
    oracle = distinct(url_of[path] for path in oracle_listing())
    published = {a.url: a.published_at for a in snapshot.site.articles}
    assert [published[u] for u in mine] == [published[u] for u in oracle]


def test_no_unpublished_seed_is_listed(snapshot, url_of):
    published_paths = set(oracle_listing())
    listed = {a.path for a in snapshot.site.articles}
    unpublished = set(url_of) - published_paths
    assert len(unpublished) == CORPUS.unpublished
    assert not listed & unpublished


@pytest.mark.parametrize("topic", ORACLE_TOPICS)
def test_topic_listing_equals_the_oracle(snapshot, url_of, topic):
    expected = distinct(url_of[path] for path in oracle_listing(topic))
    assert [a.url for a in snapshot.topics[topic].articles] == expected


def test_topic_slugs_equal_the_site_topic_ids(snapshot, corpus_dir):
    ids = {yaml.safe_load(p.read_text())["_id"] for p in (corpus_dir / "_data/topics").glob("*")}
    assert set(snapshot.topics) == ids


def test_every_topic_and_provider_holds_exactly_its_articles(snapshot):
    for slug, section in snapshot.topics.items():
        expected = [a for a in snapshot.site.articles if slug in {t.slug for t in a.topics}]
        assert list(section.articles) == expected
    for slug, section in snapshot.providers.items():
        expected = [a for a in snapshot.site.articles if a.provider and a.provider.slug == slug]
        assert list(section.articles) == expected
    assert len(snapshot.providers["microsoft.com"].articles) == 398


def test_site_data_names_and_logos_enrich_sections(snapshot):
    assert snapshot.topics["teams-integration"].name == "Teams integration"
    assert snapshot.providers["microsoft.com"].name == "Microsoft"
    assert snapshot.providers["microsoft.com"].logo.startswith("https://")


def test_duplicate_urls_are_one_item_newest_wins(seeds_dir, write_seed):
    write_seed("old.md", **article_fields(1, originalUrl="https://a.example/x", title="Old"))
    write_seed("new.md", **article_fields(2, originalUrl="https://a.example/x", title="New"))
    articles = Corpus(seeds_dir).snapshot().site.articles
    assert [a.title for a in articles] == ["New"]


def test_topic_spellings_merge_under_the_most_common(seeds_dir, write_seed):
    write_seed("a.md", **article_fields(1, topics=["Teams integration"]))
    write_seed("b.md", **article_fields(2, topics=["Teams Integration"]))
    write_seed("c.md", **article_fields(3, topics=["Teams Integration"]))
    topics = Corpus(seeds_dir).snapshot().topics
    assert list(topics) == ["teams-integration"]
    assert topics["teams-integration"].name == "Teams Integration"
    assert len(topics["teams-integration"].articles) == 3


def test_topic_of_unpublished_seeds_only_does_not_exist(seeds_dir, write_seed):
    write_seed("a.md", **article_fields(1, topics=["Shown"]))
    write_seed("b.md", **article_fields(2, topics=["Hidden"], published=False,
                                        provider={"name": "Secret", "domain": "secret.example"}))
    snapshot = Corpus(seeds_dir).snapshot()
    assert list(snapshot.topics) == ["shown"]
    assert list(snapshot.providers) == ["news.example.com"]


def test_invalid_seed_is_reported_and_others_still_appear(seeds_dir, write_seed):
    write_seed("good.md", **article_fields(1))
    write_seed("bad.md", "---\ntitle: [\n---\n")
    snapshot = Corpus(seeds_dir).snapshot()
    assert [a.path for a in snapshot.site.articles] == ["good.md"]
    assert [(e.path, "invalid YAML" in e.reason) for e in snapshot.invalid] == [("bad.md", True)]


def test_hidden_files_data_folder_and_other_suffixes_are_not_seeds(seeds_dir, write_seed):
    text = seed_text(**article_fields(1))
    for name in (".hidden.md", ".git/x.md", "_data/x.md", "notes.yaml", "deep/down/ok.markdown"):
        write_seed(name, text.replace("articles/1", name))
    for suffix in ("txt", "html", "md"):
        write_seed(f"s.{suffix}", text.replace("articles/1", suffix))
    paths = sorted(a.path for a in Corpus(seeds_dir).snapshot().site.articles)
    assert paths == ["deep/down/ok.markdown", "s.html", "s.md", "s.txt"]


def test_symlink_out_of_the_folder_is_refused_inside_is_read(tmp_path, seeds_dir, write_seed):
    outside = tmp_path / "outside.md"
    outside.write_text(seed_text(**article_fields(1)))
    write_seed("real.md", **article_fields(2))
    write_seed(".drafts/draft.md", **article_fields(3))
    (seeds_dir / "out.md").symlink_to(outside)
    (seeds_dir / "in.md").symlink_to(seeds_dir / ".drafts" / "draft.md")
    (seeds_dir / "loop").symlink_to(seeds_dir)
    snapshot = Corpus(seeds_dir).snapshot()
    assert sorted(a.path for a in snapshot.site.articles) == ["in.md", "real.md"]
    assert [e.path for e in snapshot.invalid] == ["out.md"]


def test_reload_rereads_only_changed_files(seeds_dir, write_seed):
    write_seed("a.md", **article_fields(1))
    write_seed("b.md", **article_fields(2))
    corpus = Corpus(seeds_dir, reload_seconds=0)
    first = {a.path: a for a in corpus.snapshot().site.articles}
    path = write_seed("b.md", **article_fields(2, title="Edited"))
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    second = {a.path: a for a in corpus.snapshot().site.articles}
    assert second["a.md"] is first["a.md"]
    assert second["b.md"].title == "Edited"


def test_added_and_deleted_seeds_show_after_a_scan(seeds_dir, write_seed):
    write_seed("a.md", **article_fields(1))
    corpus = Corpus(seeds_dir, reload_seconds=0)
    assert len(corpus.snapshot().site.articles) == 1
    write_seed("b.md", **article_fields(2))
    assert len(corpus.snapshot().site.articles) == 2
    (seeds_dir / "a.md").unlink()
    assert [a.path for a in corpus.snapshot().site.articles] == ["b.md"]


def test_no_scan_before_reload_seconds(seeds_dir, write_seed):
    write_seed("a.md", **article_fields(1))
    corpus = Corpus(seeds_dir, reload_seconds=3600)
    corpus.snapshot()
    write_seed("b.md", **article_fields(2))
    assert len(corpus.snapshot().site.articles) == 1


def test_the_watcher_runs_one_thread_a_process_and_ends_with_its_corpus(seeds_dir, write_seed):
    write_seed("a.md", **article_fields(1))
    before = {t for t in threading.enumerate() if t.name == "seed-reloader"}
    corpus = Corpus(seeds_dir, reload_seconds=0.1)
    corpus.snapshot()
    corpus.snapshot()
    mine = {t for t in threading.enumerate() if t.name == "seed-reloader"} - before
    assert len(mine) == 1
    del corpus
    thread, = mine
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_the_app_chooses_the_heap_policy_and_a_hand_made_corpus_has_none(seeds_dir):
    from feeds import create_app
    from feeds.heap import collector_paused, unchanged

    assert create_app({"SEEDS_DIR": str(seeds_dir)}).extensions["feeds"].corpus._heap_policy \
        is collector_paused
    assert Corpus(seeds_dir)._heap_policy is unchanged


def test_the_first_load_under_the_policy_freezes_what_it_loaded():
    import gc

    from feeds.heap import collector_paused

    gc.unfreeze()
    with collector_paused(first=False):
        kept = [object() for _ in range(1000)]
    assert gc.get_freeze_count() == 0
    with collector_paused(first=True):
        kept += [object() for _ in range(1000)]
    assert gc.get_freeze_count() >= 2000
