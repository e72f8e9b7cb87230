"""Old feed URLs keep subscriptions alive; crawlers stay out of the query space."""

import dataclasses
import os
import shutil
import sqlite3
import subprocess

import pytest
from conftest import BASE_URL
from facts import EXAMPLE
from lxml import etree, html
from markup import strings
from reader import make_reader
from servers import fetch

from feeds import create_app
from feeds.output.export import site_files
from feeds.web.aliases import BUILT_IN

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def old_and_canonical(topic: str = EXAMPLE.topic, provider: str = EXAMPLE.provider):
    """Every built-in old path, with a real slug, beside its canonical path."""
    for old, canonical in BUILT_IN:
        slug = provider if old.startswith("/providers/") else topic
        yield old.replace("<slug>", slug), canonical.format(slug=slug)


@pytest.mark.parametrize("old, canonical", list(old_and_canonical()))
def test_an_old_feed_url_answers_with_the_canonical_document(site_client, old, canonical):
    answer, expected = site_client.get(old), site_client.get(canonical)
    assert answer.status_code == 200, old
    assert answer.data == expected.data  # its self link names the canonical URL
    assert answer.headers["ETag"] == expected.headers["ETag"]
    assert answer.content_type == expected.content_type


def test_an_old_url_keeps_its_query_and_names_a_missing_topic(site_client):
    assert site_client.get("/feed.xml?limit=2").data == site_client.get("/feed.atom?limit=2").data
    missing = site_client.get("/tag/no-such-topic/feed/")
    assert missing.status_code == 404 and b"no-such-topic" in missing.data
    assert site_client.get("/tag/Open-Source/feed/").headers["Location"] == \
        f"{BASE_URL}/topics/open-source.rss"


def test_operator_aliases_answer_and_bad_ones_stop_the_start(make_client, write_seed):
    write_seed("a.md", title="A", publishedDateTime="2024-01-01", webUrl="https://a.example/",
               topics=["News"])
    client = make_client(FEED_ALIASES="/blog/feed=/topics/news.atom /old.html=/")
    assert client.get("/blog/feed").data == client.get("/topics/news.atom").data
    assert client.get("/old.html").status_code == 200
    for aliases, why in [("/feed.rss=/feed.atom", "already an address"),
                         ("/x=/nowhere", "no page or feed"), ("x=/feed.rss", "OLD=NEW")]:
        with pytest.raises(ValueError, match=why):
            create_app({"TESTING": True, "FEED_ALIASES": aliases})


@pytest.mark.server
def test_readers_subscribed_to_old_urls_read_what_the_canonical_feeds_hold(site_server,
                                                                          tmp_path):
    pairs = list(old_and_canonical())
    reader = make_reader(str(tmp_path / "reader.sqlite"))
    try:
        for old, canonical in pairs:
            reader.add_feed(site_server + old)
            reader.add_feed(site_server + canonical, exist_ok=True)
        reader.update_feeds()
        assert [(f.url, f.last_exception) for f in reader.get_feeds() if f.last_exception] == []
        for old, canonical in pairs:
            ids = {e.id for e in reader.get_entries(feed=site_server + old)}
            assert ids and ids == {e.id for e in reader.get_entries(feed=site_server + canonical)}
    finally:
        reader.close()


@pytest.mark.server
def test_newsboat_subscribed_to_wordpress_and_hugo_urls_stores_bylined_items(site_server,
                                                                           tmp_path):
    newsboat = shutil.which("newsboat")
    assert newsboat, "newsboat is not installed: run `bash .ci/setup`"
    urls = [f"{site_server}/feed/", f"{site_server}/topics/{EXAMPLE.topic}/index.xml"]
    (tmp_path / "urls").write_text("\n".join(urls) + "\n")
    subprocess.run([newsboat, "-u", str(tmp_path / "urls"), "-c", str(tmp_path / "cache.db"),
                    "-x", "reload"], check=True, timeout=120, capture_output=True,
                   env={**os.environ, "HOME": str(tmp_path)})
    with sqlite3.connect(tmp_path / "cache.db") as cache:
        for url in urls:
            # newsboat 2.21 keeps only audio and video enclosures (podcasts): no images there.
            authors = [row[0] for row in cache.execute(
                "SELECT author FROM rss_item WHERE feedurl = ?", (url,))]
            assert authors and all(authors), url


def test_robots_txt_keeps_crawlers_out_of_queries_and_the_form(site_client, make_client):
    robots = site_client.get("/robots.txt")
    assert robots.content_type == "text/plain; charset=utf-8"
    lines = robots.data.decode().splitlines()
    assert {"User-agent: *", "Disallow: /*?", "Disallow: /build",
            f"Sitemap: {BASE_URL}/sitemap.xml"} <= set(lines)
    quiet = make_client(SITEMAP=False)
    assert "Sitemap" not in quiet.get("/robots.txt").data.decode()
    assert quiet.get("/sitemap.xml").status_code == 404


def test_the_sitemap_lists_every_standard_page(site_client, site_app):
    snapshot = site_app.extensions["feeds"].corpus.snapshot()
    root = etree.fromstring(site_client.get("/sitemap.xml").data)
    locs = [u.findtext("s:loc", namespaces=SITEMAP_NS) for u in root.findall("s:url", SITEMAP_NS)]
    assert locs == [f"{BASE_URL}/", *(f"{BASE_URL}/topics/{s}" for s in snapshot.topics),
                    *(f"{BASE_URL}/providers/{s}" for s in snapshot.providers)]
    assert all(loc is not None and site_client.get(loc.removeprefix(BASE_URL)).status_code == 200
               for loc in locs)
    lastmod = root.find("s:url/s:lastmod", SITEMAP_NS)
    assert lastmod is not None and lastmod.text is not None and lastmod.text.startswith("20")


def robots_meta(client, path: str) -> list[str]:
    return strings(html.fromstring(client.get(path).data), "//meta[@name='robots']/@content")


def test_query_pages_are_noindex_and_standard_pages_are_not(site_client):
    assert robots_meta(site_client, "/?digest=weekly") == ["noindex"]
    assert robots_meta(site_client, f"/topics/{EXAMPLE.topic}?sort=heat") == ["noindex"]
    assert robots_meta(site_client, "/") == robots_meta(site_client, "/topics/climate") == []


@pytest.mark.server
def test_secondary_feeds_say_noindex_even_from_the_fast_path(site_server):
    for path, expected in [("/feed.rss", None), ("/feed.xml", None),
                           (f"/topics/{EXAMPLE.topic}.atom", "noindex, follow"),
                           (f"/providers/{EXAMPLE.provider}.json", "noindex, follow"),
                           ("/feed.rss?sort=heat", "noindex, follow"),
                           ("/feed.rss?limit=5&page=2", "noindex, follow")]:
        for _ in range(3):  # the first answer through Flask, the next ones from the fast path
            assert fetch(site_server + path)[1].get("X-Robots-Tag") == expected, path


def test_the_export_writes_the_icons_robots_txt_and_the_sitemap_it_serves(site_app,
                                                                          site_client):
    state = site_app.extensions["feeds"]
    with site_app.app_context():
        files = site_files(state.corpus.snapshot(), BASE_URL, state.settings)
        quiet = site_files(state.corpus.snapshot(), BASE_URL,
                           dataclasses.replace(state.settings, sitemap=False))
    for name in ["favicon.ico", "icon-512.png", "apple-touch-icon.png", "robots.txt",
                 "sitemap.xml"]:
        assert files[name] == site_client.get(f"/{name}").data, name
    assert "sitemap.xml" not in quiet and b"Sitemap" not in quiet["robots.txt"]
