"""Feeds made to measure after seeds change: the index that follows the changes answers every
query as one built afresh over the same seeds would, before 1970 too."""

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_URL, article_fields
from flask import Flask
from flask.testing import FlaskClient

from feeds import create_app

WriteSeed = Callable[..., Path]
WORDS = ["alpha", "beta", "gamma"]
OTHER = {"name": "Other Wire", "domain": "other.example.org"}
QUERIES = [
    "/feed.json?q=alpha&limit=500", "/feed.json?q=alpha%20-beta&limit=500",
    "/feed.json?q=zeta&limit=500", "/feed.json?topics=fresh-topic&limit=500",
    "/feed.json?topics=copilot,dataverse&limit=500",
    "/feed.json?providers=other.example.org&limit=500",
    "/feed.json?exclude_topics=copilot&exclude_providers=other.example.org&limit=500",
    "/feed.json?min_quality=0.5&limit=500", "/feed.json?min_heat=3&limit=500",
    "/feed.json?sort=heat&limit=500", "/feed.json?sort=quality&limit=500",
    "/feed.json?since=1000w&limit=500", "/feed.json?q=zeta&since=1000w",
    "/feed.json?digest=daily&top=3", "/feed.json?q=alpha&digest=daily&top=1",
    "/feed.json?digest=weekly&top=3", "/topics/copilot.json?q=alpha&limit=500",
    "/topics/fresh-topic.json?sort=heat&limit=500",
    "/providers/news.example.com.json?sort=quality&limit=500",
]


def base_seed(n: int, **overrides: Any) -> dict[str, Any]:
    """Seed n of the site before any change: dates 2024-01-01 on, three topics, two
    providers, some without heat or quality."""
    fields = article_fields(
        n, title=f"Article {n} {WORDS[n % 3]}" + (" alpha" if n % 2 else ""),
        publishedDateTime=f"2024-01-{n * 3 % 28 + 1:02d}T{n:02d}:00:00Z",
        topics=[["Copilot"], ["Dataverse"], ["Power Apps", "Copilot"]][n % 3],
        heat=None if n % 5 == 0 else n % 7, quality=None if n % 3 == 0 else n / 13)
    if n % 4 == 0:
        fields["provider"] = OTHER
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


@pytest.fixture
def following(seeds_dir: Path, write_seed: WriteSeed) -> Flask:
    """An app over 13 seeds (one from 1969) that follows changes when told to refresh."""
    for n in range(1, 13):
        write_seed(f"s{n}.md", **base_seed(n))
    write_seed("s0.md", **base_seed(0, title="Before the epoch alpha",
                                    publishedDateTime="1969-12-28T12:00:00Z"))
    write_seed("s13.md", **base_seed(13, publishedDateTime="2023-06-01T00:00:00Z"))
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "BASE_URL": BASE_URL,
                      "RELOAD_SECONDS": 3600, "WATCH": False})
    app.test_client().get("/feed.json?q=alpha")  # the index the next ones follow from
    return app


def items(client: FlaskClient, url: str) -> list[dict[str, Any]]:
    """The items of a JSON feed."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.data[:300])
    return list(json.loads(response.data)["items"])


def answer(client: FlaskClient, url: str) -> tuple[int, Any]:
    """A JSON feed's status and items (its text, for an error)."""
    response = client.get(url)
    if response.status_code != 200:
        return response.status_code, response.get_data(as_text=True)
    return 200, json.loads(response.data)["items"]


def ids(client: FlaskClient, url: str) -> list[str]:
    """The ids of a JSON feed's items, in order."""
    return [item["id"] for item in items(client, url)]


def refreshed(app: Flask, seeds_dir: Path) -> FlaskClient:
    """The following app's client after its refresh, checked against an app started afresh
    over the same seeds, query by query."""
    app.extensions["feeds"].corpus.refresh()
    client = app.test_client()
    afresh = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "BASE_URL": BASE_URL,
                         "RELOAD_SECONDS": 0}).test_client()
    for url in QUERIES:
        assert answer(client, url) == answer(afresh, url), url
    return client


def url(n: int) -> str:
    """The URL (and feed id) of seed n."""
    return f"https://news.example.com/articles/{n}"


def digest_periods(client: FlaskClient, digest: str) -> dict[str, str]:
    """A digest's period names, each with its items' text."""
    return {item["id"].rsplit("period=", 1)[1]: item["content_html"]
            for item in items(client, f"/feed.json?digest={digest}&top=5")}


def test_articles_listed_since_are_found_by_every_query(following: Flask, seeds_dir: Path,
                                                        write_seed: WriteSeed) -> None:
    """Articles listed after the index was built, with a topic it never saw, show everywhere."""
    write_seed("n1.md", **base_seed(101, title="Alpha zeta news", topics=["Fresh Topic"],
                                    publishedDateTime="2024-01-05T06:00:00Z", heat=99,
                                    quality=None))
    write_seed("n2.md", **base_seed(102, title="Zeta from long ago",
                                    publishedDateTime="2023-12-01T00:00:00Z", heat=None,
                                    quality=2))
    client = refreshed(following, seeds_dir)
    assert ids(client, "/feed.json?topics=fresh-topic") == [url(101)]
    assert ids(client, "/feed.json?q=zeta") == [url(101), url(102)]
    assert ids(client, "/feed.json?sort=heat&limit=500")[0] == url(101)
    assert ids(client, "/feed.json?sort=quality&limit=500")[0] == url(102)
    assert ids(client, "/feed.json?q=zeta&since=1000w") == [url(101), url(102)]


def test_articles_unlisted_since_are_gone_from_every_query(following: Flask, seeds_dir: Path,
                                                           write_seed: WriteSeed) -> None:
    """An article deleted, unpublished or replaced after the index was built shows nowhere,
    and an article listed between them stays."""
    write_seed("n1.md", **base_seed(101, title="Alpha zeta news", topics=["Fresh Topic"],
                                    publishedDateTime="2024-01-05T06:00:00Z", heat=99))
    write_seed("n2.md", **base_seed(102, title="Zeta from long ago alpha",
                                    publishedDateTime="2023-12-01T00:00:00Z"))
    refreshed(following, seeds_dir)
    (seeds_dir / "s6.md").unlink()  # newer than n1: where n1 would be looked for
    write_seed("s13.md", **base_seed(13, publishedDateTime="2023-06-01T00:00:00Z",
                                     published=False))  # older than every listed since
    write_seed("s3.md", **base_seed(3, title="Article 3 retitled at length alpha"))
    client = refreshed(following, seeds_dir)
    everything = ids(client, "/feed.json?q=article&limit=500")
    assert url(6) not in everything and url(13) not in everything
    assert url(101) in ids(client, "/feed.json?q=zeta")
    assert "Article 3 retitled" in json.dumps(items(client, "/feed.json?q=retitled"))
    (seeds_dir / "n2.md").unlink()
    write_seed("n3.md", **base_seed(103, title="Zeta before the epoch",
                                    publishedDateTime="1969-12-21T12:00:00Z"))
    client = refreshed(following, seeds_dir)
    assert ids(client, "/feed.json?q=zeta") == [url(101), url(103)]
    (seeds_dir / "n1.md").unlink()
    following.extensions["feeds"].corpus.refresh()  # and again before any query:
    (seeds_dir / "s0.md").unlink()
    client = refreshed(following, seeds_dir)
    assert ids(client, "/feed.json?q=zeta") == [url(103)]
    assert client.get("/feed.json?topics=fresh-topic").status_code == 404


def test_digests_put_articles_before_1970_in_their_own_utc_day_and_week(
        following: Flask, seeds_dir: Path, write_seed: WriteSeed) -> None:
    """A Sunday noon of 1969 is that Sunday and its week, whether indexed first or since."""
    write_seed("n3.md", **base_seed(103, title="Zeta before the epoch",
                                    publishedDateTime="1969-12-21T12:00:00Z"))
    client = refreshed(following, seeds_dir)
    daily, weekly = digest_periods(client, "daily"), digest_periods(client, "weekly")
    for day, n in ((date(1969, 12, 28), 0), (date(1969, 12, 21), 103)):
        year, week, _ = day.isocalendar()
        assert url(n) in daily[day.isoformat()] and url(n) in weekly[f"{year}-W{week:02d}"]
    assert "1969-12-29" not in daily and "1969-12-22" not in daily
    assert "1970-W01" not in weekly


def test_a_word_or_topic_nothing_has_gives_an_empty_feed(following: Flask) -> None:
    """A query for a word no article has, or a section none has now, is an empty feed."""
    client = following.test_client()
    assert ids(client, "/feed.json?q=nowhereword") == []
    assert ids(client, "/feed.json?q=alpha%20nowhereword") == []
    assert ids(client, "/feed.json?q=alpha%20-nowhereword") == ids(client, "/feed.json?q=alpha")
