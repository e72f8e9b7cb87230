"""Real feed readers against a real server: the `reader` library through the OPML, newsboat."""

import json
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
    return [url for o in opml.iter("outline") if (url := o.get("xmlUrl"))]


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


def made_to_measure(facts) -> list[str]:
    """Paths of filtered and digest feeds over a site's known slugs, each format once at least."""
    return [f"/feed.rss?topics={facts.topic}&sort=heat&limit=500",
            "/feed.atom?digest=weekly&top=3&limit=166",
            "/feed.rss?digest=daily&limit=50",
            f"/providers/{facts.provider}.atom?min_quality=1&since=1000w&limit=500",
            f"/feed.json?exclude_topics={facts.topic}&q=the&limit=500"]


def expected_ids(base: str, path: str) -> set[str]:
    """The item ids the server's JSON Feed of the same query holds."""
    stem, query = path.split("?")
    return {item["id"] for item in json.loads(fetch(f"{base}{stem.rsplit('.', 1)[0]}.json?"
                                                       f"{query}")[2])["items"]}


def test_reader_reads_every_made_to_measure_feed(served, tmp_path):
    base, _, facts = served
    reader = make_reader(str(tmp_path / "reader.sqlite"))
    try:
        for path in made_to_measure(facts):
            reader.add_feed(base + path)
        reader.update_feeds()
        assert [(f.url, f.last_exception) for f in reader.get_feeds() if f.last_exception] == []
        for path in made_to_measure(facts):
            ids = {entry.id for entry in reader.get_entries(feed=base + path)}
            assert ids == expected_ids(base, path) and ids, path
    finally:
        reader.close()


def test_newsboat_stores_every_item_of_made_to_measure_feeds(served, tmp_path):
    base, _, facts = served
    newsboat = shutil.which("newsboat")
    assert newsboat, "newsboat is not installed: run `bash .ci/setup`"
    paths = [path for path in made_to_measure(facts) if ".json" not in path]
    for number, path in enumerate(paths):  # a cache each: newsboat keeps an item once in all
        home = tmp_path / str(number)
        home.mkdir()
        (home / "urls").write_text(base + path + "\n")
        subprocess.run([newsboat, "-u", str(home / "urls"), "-c", str(home / "cache.db"),
                        "-x", "reload"], check=True, timeout=120, capture_output=True,
                       env={**os.environ, "HOME": str(home)})
        with sqlite3.connect(home / "cache.db") as cache:
            stored = {row[0] for row in cache.execute(
                "SELECT guid FROM rss_item WHERE feedurl = ?", (base + path,))}
        assert stored == expected_ids(base, path) and stored, path
