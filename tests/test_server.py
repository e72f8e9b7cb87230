"""The real production server over the real corpus, read by feedparser over HTTP."""

import json
import time

import feedparser
import pytest
import yaml
from conftest import oracle_listing
from facts import CORPUS
from lxml import etree
from servers import fetch, serve

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def seed_urls(corpus_dir):
    """(published URLs, unpublished URLs) of the corpus files, by their `published` field."""
    published: set[str] = set()
    unpublished: set[str] = set()
    for path in (corpus_dir / "_news").glob("*.md"):
        fields = yaml.safe_load(path.read_text().split("---")[1])
        url = fields.get("originalUrl") or fields["webUrl"]
        (published if fields["published"] else unpublished).add(url)
    return published, unpublished - published


def test_atom_holds_exactly_the_published_urls(corpus_server, seed_urls):
    status, headers, body = fetch(f"{corpus_server}/feed.atom?limit=500")
    assert status == 200
    feed = feedparser.parse(body)
    assert not feed.bozo
    ids = [entry.id for entry in feed.entries]
    published, unpublished = seed_urls
    assert len(ids) == len(set(ids)) == CORPUS.articles
    assert set(ids) == published
    assert not set(ids) & unpublished
    dates = [entry.published_parsed for entry in feed.entries]
    assert dates == sorted(dates, reverse=True)


def test_topic_listings_agree_with_the_oracle(corpus_server, corpus_dir):
    for topic in ["ai-builder", "canvas-apps", "common-data-service", "teams-integration"]:
        paths = oracle_listing(topic)
        urls = []
        for path in paths:
            fields = yaml.safe_load((corpus_dir / path).read_text().split("---")[1])
            urls.append(fields.get("originalUrl") or fields["webUrl"])
        feed = feedparser.parse(fetch(f"{corpus_server}/topics/{topic}.rss?limit=500")[2])
        assert [e.id for e in feed.entries] == list(dict.fromkeys(urls))


def test_every_feed_in_the_opml_is_well_formed_in_every_format(corpus_server):
    opml = etree.fromstring(fetch(f"{corpus_server}/opml.xml")[2])
    urls = [url for o in opml.iter("outline") if (url := o.get("xmlUrl"))]
    assert len(urls) == CORPUS.feeds
    for url in urls:
        for fmt in ["rss", "atom"]:
            status, _, body = fetch(url.removesuffix(".rss") + f".{fmt}")
            assert status == 200
            etree.fromstring(body)
            assert not feedparser.parse(body).bozo
        status, _, body = fetch(url.removesuffix(".rss") + ".json")
        assert json.loads(body)["version"] == "https://jsonfeed.org/version/1.1"


def test_two_workers_serve_identical_bytes_and_etags(corpus_server):
    answers = {fetch(f"{corpus_server}/feed.rss")[1]["ETag"] for _ in range(6)}
    bodies = {fetch(f"{corpus_server}/feed.rss")[2] for _ in range(6)}
    assert len(answers) == 1 and len(bodies) == 1


def test_base_url_defeats_a_forged_host(corpus_dir):
    env = {"FEEDS_SEEDS_DIR": str(corpus_dir), "FEEDS_BASE_URL": "https://feeds.example.org"}
    with serve(env) as base:
        for path in ["/feed.rss", "/feed.atom", "/feed.json", "/opml.xml", "/"]:
            status, _, body = fetch(base + path, {"Host": "evil.example"})
            assert status == 200
            assert b"evil.example" not in body
            assert b"https://feeds.example.org/" in body


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_polls_a_second_apart_get_identical_bytes_and_validators(corpus_server, fmt):
    status, first, body = fetch(f"{corpus_server}/feed.{fmt}")
    time.sleep(1.1)
    _, second, again = fetch(f"{corpus_server}/feed.{fmt}")
    assert status == 200 and body == again
    assert (first["ETag"], first["Last-Modified"]) == (second["ETag"], second["Last-Modified"])


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_conditional_get_over_http(corpus_server, fmt):
    url = f"{corpus_server}/feed.{fmt}"
    _, headers, _ = fetch(url, {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept-Encoding"
    for validator in ({"If-None-Match": headers["ETag"]},
                      {"If-Modified-Since": headers["Last-Modified"]}):
        status, _, body = fetch(url, {"Accept-Encoding": "gzip", **validator})
        assert (status, body) == (304, b"")
