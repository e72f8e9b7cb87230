"""Digests against a computation of their own, and what the clock alone changes: `since`
windows and finished periods, with seeds dated around the test's own now."""

import json
import re
import time
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from conftest import BASE_URL, article_fields
from lxml import html

from feeds.model import Article
from feeds.view.query import Query, Span
from feeds.view.select import DigestSelection, select


@pytest.fixture(scope="module", params=["example", "corpus"])
def site(request):
    """(test client, snapshot) of the example site, then of the real corpus."""
    app = request.getfixturevalue("site_app" if request.param == "example" else "corpus_app")
    return app.test_client(), app.extensions["feeds"].corpus.snapshot()


def period_of(article, digest: str) -> tuple[datetime, str]:
    """(start, key) of the day or ISO week that holds the article."""
    day = article.published_at.date()
    if digest == "daily":
        start, key = day, day.isoformat()
    else:
        start = day - timedelta(days=day.weekday())
        year, week, _ = day.isocalendar()
        key = f"{year}-W{week:02d}"
    return datetime(start.year, start.month, start.day, tzinfo=UTC), key


def expected_digest(articles, digest: str, top: int, now: datetime
                    ) -> list[tuple[str, list[str]]]:
    """(key, top article URLs) of every finished period, newest first, computed here."""
    length = timedelta(days=1 if digest == "daily" else 7)
    periods: dict[tuple[datetime, str], list[Article]] = {}
    for article in articles:
        start, key = period_of(article, digest)
        if start + length <= now:
            periods.setdefault((start, key), []).append(article)

    def rank(a):
        return (a.heat is None, -(a.heat or 0), a.quality is None, -(a.quality or 0),
                -a.published_at.timestamp(), a.url)

    return [(key, [a.url for a in sorted(periods[(start, key)], key=rank)[:top]])
            for start, key in sorted(periods, reverse=True)]


def digest_items(client, url: str) -> list[tuple[str, list[str]]]:
    """(period key, article links in order) of each item of a JSON digest feed."""
    response = client.get(url)
    assert response.status_code == 200, response.data
    items = json.loads(response.data)["items"]
    return [(item["id"].rsplit("period=", 1)[1], re.findall(r'<a href="([^"]+)"',
                                                           item["content_html"]))
            for item in items]


@pytest.mark.parametrize("digest", ["daily", "weekly"])
def test_a_digest_holds_the_top_of_each_finished_period_newest_first(site, digest):
    client, snapshot = site
    expected = expected_digest(snapshot.site.articles, digest, 3, datetime.now(UTC))
    assert len(expected) > 3
    # No document holds more than MAX_LIMIT (500) articles: with top=3, 166 periods a page.
    assert digest_items(client, f"/feed.json?digest={digest}&top=3&limit=166") == expected[:166]


def test_a_digest_of_a_filtered_section_ranks_only_what_matches(site):
    client, snapshot = site
    topic = max(snapshot.topics, key=lambda slug: len(snapshot.topics[slug].articles))
    chosen = [a for a in snapshot.topics[topic].articles if a.heat is not None and a.heat >= 20]
    expected = expected_digest(chosen, "weekly", 10, datetime.now(UTC))
    url = f"/topics/{topic}.json?digest=weekly&min_heat=20&limit=50"
    assert digest_items(client, url) == expected[:50]


def test_limit_and_page_count_periods(site):
    client, snapshot = site
    expected = expected_digest(snapshot.site.articles, "weekly", 10, datetime.now(UTC))
    assert digest_items(client, "/feed.json?digest=weekly&limit=2&page=2") == expected[2:4]
    response = client.get("/feed.rss?digest=weekly&limit=2&page=2")
    links = {link.rel: link.href for link in feedparser.parse(response.data).feed.links}
    assert links["next"] == f"{BASE_URL}/feed.rss?digest=weekly&limit=2&page=3"


def test_each_digest_item_links_to_a_page_of_that_periods_articles(site):
    client, snapshot = site
    for key, urls in digest_items(client, "/feed.json?digest=daily&top=5")[:3]:
        response = client.get(f"/?digest=daily&top=5&period={key}")
        assert response.status_code == 200
        page = html.fromstring(response.data)
        assert page.xpath('//ol[@class="articles"]//h3/a/@href') == urls


def test_digest_items_keep_their_guid_and_carry_valid_dates(site):
    client, _ = site
    feed = feedparser.parse(client.get("/feed.rss?digest=weekly&limit=5").data)
    assert not feed.bozo
    for entry in feed.entries:
        assert entry.id == entry.link and "period=" in entry.id
        assert entry.published_parsed and entry.title.startswith("Week ")
    atom = feedparser.parse(client.get("/feed.atom?digest=weekly&limit=5").data)
    assert [e.id for e in atom.entries] == [e.id for e in feed.entries]


@pytest.mark.parametrize("query", ["digest=weekly&period=2026-W99", "period=2026-W10",
                                   "digest=daily&period=2026-W10", "digest=weekly&period=x",
                                   "digest=daily&period=2026-02-30"])
def test_a_bad_period_is_a_400(site_client, query):
    assert site_client.get(f"/?{query}").status_code == 400


def test_a_period_with_nothing_to_show_is_a_404(site_client):
    today = datetime.now(UTC).date().isoformat()
    response = site_client.get(f"/?digest=daily&period={today}")
    assert response.status_code == 404 and today in response.get_data(as_text=True)


def dated(write_seed, n: int, moment: datetime, **fields) -> None:
    """A seed numbered n, published at moment."""
    write_seed(f"s{n}.md", **article_fields(
        n, publishedDateTime=moment.isoformat(timespec="seconds"), **fields))


def test_since_keeps_the_window_and_max_age_ends_when_the_oldest_leaves(write_seed,
                                                                         make_client):
    now = datetime.now(UTC).replace(microsecond=0)
    dated(write_seed, 1, now - timedelta(minutes=59, seconds=57))
    dated(write_seed, 2, now - timedelta(minutes=30))
    dated(write_seed, 3, now - timedelta(hours=2))
    client = make_client(RELOAD_SECONDS=60)  # one snapshot: only the clock moves
    first = client.get("/feed.json?since=1h")
    ids = [item["id"] for item in json.loads(first.data)["items"]]
    assert ids == [f"https://news.example.com/articles/{n}" for n in (2, 1)]
    assert first.headers["Cache-Control"] == f"public, max-age={first.cache_control.max_age}"
    assert first.cache_control.max_age <= 3
    time.sleep(max(0.0, (now + timedelta(seconds=4) - datetime.now(UTC)).total_seconds()))
    later = client.get("/feed.json?since=1h")  # the fast path must not answer from before
    assert [item["id"] for item in json.loads(later.data)["items"]] == ids[:1]
    assert later.headers["ETag"] != first.headers["ETag"]
    assert later.cache_control.max_age == 300  # MAX_AGE: the next leaves in half an hour


def test_the_current_period_is_left_out_until_it_ends(write_seed, make_client):
    now = datetime.now(UTC)
    midnight = datetime(now.year, now.month, now.day, tzinfo=UTC)
    dated(write_seed, 1, midnight - timedelta(hours=12), heat=5)
    dated(write_seed, 2, min(now, midnight + timedelta(seconds=1)), heat=9)
    client = make_client(RELOAD_SECONDS=60)
    response = client.get("/feed.json?digest=daily")
    yesterday = (midnight - timedelta(days=1)).date().isoformat()
    assert [item["id"].rsplit("=", 1)[1] for item in json.loads(response.data)["items"]] == [
        yesterday]
    until_midnight = (midnight + timedelta(days=1) - datetime.now(UTC)).total_seconds()
    assert response.cache_control.max_age <= min(300, until_midnight)
    # What the same selection shows at the period's end, without any restart in between:
    snapshot = client.application.extensions["feeds"].corpus.snapshot()
    query = Query(digest="daily")
    before = select(snapshot, snapshot.site, query, midnight + timedelta(days=1, seconds=-1))
    after = select(snapshot, snapshot.site, query, midnight + timedelta(days=1))
    assert isinstance(before, DigestSelection) and isinstance(after, DigestSelection)
    assert [p.key for p in before.entries(0, 9)] == [yesterday]
    assert [p.key for p in after.entries(0, 9)] == [midnight.date().isoformat(), yesterday]
    assert before.changes_at == midnight + timedelta(days=1) and after.changes_at is None


def test_since_counts_from_each_moment_it_is_asked(write_seed, make_client):
    now = datetime.now(UTC)
    dated(write_seed, 1, now - timedelta(hours=30))
    snapshot = make_client().application.extensions["feeds"].corpus.snapshot()
    query = Query(since=Span.of_hours(48))
    assert len(select(snapshot, snapshot.site, query, now)) == 1
    assert len(select(snapshot, snapshot.site, query, now + timedelta(hours=19))) == 0
    assert str(query.since) == "2d"
