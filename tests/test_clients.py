"""Real feed readers against a real server: the `reader` library through the OPML, newsboat."""

import os
import shutil
import sqlite3
import subprocess
import urllib.parse

import pytest
from facts import CORPUS, EXAMPLE
from lxml import etree
from reader import make_reader
from servers import fetch

pytestmark = pytest.mark.server


@pytest.fixture(scope="module", params=["example", "corpus"])
def served(request):
    """(base URL, snapshot, facts) of a real server over the example site, then the corpus."""
    if request.param == "example":
        app = request.getfixturevalue("site_app")
        return request.getfixturevalue("site_server"), app.extensions["feeds"].corpus.snapshot(), \
            EXAMPLE
    return (request.getfixturevalue("corpus_server"), request.getfixturevalue("corpus_snapshot"),
            CORPUS)


def opml_feeds(base: str) -> list[str]:
    opml = etree.fromstring(fetch(f"{base}/opml.xml")[2])
    return [o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")]


def test_every_opml_feed_answers_200(served):
    base, _, facts = served
    urls = opml_feeds(base)
    assert len(urls) == facts.feeds
    assert all(fetch(url)[0] == 200 for url in urls)


def test_reader_subscribed_to_the_opml_updates_twice_without_error(served, tmp_path):
    base, snapshot, facts = served
    reader = make_reader(str(tmp_path / "reader.sqlite"))
    try:
        for url in opml_feeds(base):
            reader.add_feed(url)
        for _ in range(2):
            reader.update_feeds()
            failures = [(f.url, f.last_exception) for f in reader.get_feeds() if f.last_exception]
            assert failures == []
        topic = next(u for u in opml_feeds(base) if u.endswith(f"/topics/{facts.topic}.rss"))
        ids = {entry.id for entry in reader.get_entries(feed=topic)}
        assert ids == {a.url for a in snapshot.topics[facts.topic].articles}
    finally:
        reader.close()


def test_newsboat_stores_every_article_of_each_topic(served, tmp_path):
    base, snapshot, _ = served
    newsboat = shutil.which("newsboat")
    assert newsboat, "newsboat is not installed: run `bash .ci/setup`"
    for slug, section in snapshot.topics.items():
        home = tmp_path / slug
        home.mkdir()
        url = f"{base}/topics/{slug}.rss?{urllib.parse.urlencode({'limit': 500})}"
        (home / "urls").write_text(url + "\n")
        subprocess.run([newsboat, "-u", str(home / "urls"), "-c", str(home / "cache.db"),
                        "-x", "reload"], check=True, timeout=120, capture_output=True,
                       env={**os.environ, "HOME": str(home)})
        with sqlite3.connect(home / "cache.db") as cache:
            stored = {row[0] for row in cache.execute(
                "SELECT guid FROM rss_item WHERE feedurl = ?", (url,))}
        assert stored == {a.url for a in section.articles}, slug
