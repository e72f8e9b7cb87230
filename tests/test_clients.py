"""Real feed readers against a real server: the `reader` library through the OPML, newsboat."""

import os
import shutil
import sqlite3
import subprocess
import urllib.parse

import pytest
from lxml import etree
from reader import make_reader
from servers import fetch

pytestmark = pytest.mark.server


def opml_feeds(base: str) -> list[str]:
    opml = etree.fromstring(fetch(f"{base}/opml.xml")[2])
    return [o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")]


def test_every_opml_feed_answers_200(corpus_server):
    urls = opml_feeds(corpus_server)
    assert len(urls) == 23
    assert all(fetch(url)[0] == 200 for url in urls)


def test_reader_subscribed_to_the_opml_updates_twice_without_error(corpus_server, tmp_path,
                                                                   corpus_snapshot):
    reader = make_reader(str(tmp_path / "reader.sqlite"))
    try:
        for url in opml_feeds(corpus_server):
            reader.add_feed(url)
        for _ in range(2):
            reader.update_feeds()
            failures = [(f.url, f.last_exception) for f in reader.get_feeds() if f.last_exception]
            assert failures == []
        canvas = next(u for u in opml_feeds(corpus_server) if u.endswith("/topics/canvas-apps.rss"))
        ids = {entry.id for entry in reader.get_entries(feed=canvas)}
        assert ids == {a.url for a in corpus_snapshot.topics["canvas-apps"].articles}
    finally:
        reader.close()


def test_newsboat_stores_every_article_of_each_topic(corpus_server, tmp_path, corpus_snapshot):
    newsboat = shutil.which("newsboat")
    assert newsboat, "newsboat is not installed: run `bash .ci/setup`"
    for slug, section in corpus_snapshot.topics.items():
        home = tmp_path / slug
        home.mkdir()
        url = f"{corpus_server}/topics/{slug}.rss?{urllib.parse.urlencode({'limit': 500})}"
        (home / "urls").write_text(url + "\n")
        subprocess.run([newsboat, "-u", str(home / "urls"), "-c", str(home / "cache.db"),
                        "-x", "reload"], check=True, timeout=120, capture_output=True,
                       env={**os.environ, "HOME": str(home)})
        with sqlite3.connect(home / "cache.db") as cache:
            stored = {row[0] for row in cache.execute(
                "SELECT guid FROM rss_item WHERE feedurl = ?", (url,))}
        assert stored == {a.url for a in section.articles}, slug
