"""The news API over seeds a test writes: each field as the original writes it, the page
size, and our publication rules."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from conftest import article_fields

from feeds.output.urls import news_path
from feeds.settings import Settings


def test_page_size_is_its_own_setting(make_client, write_seed):
    for n in range(1, 12):
        write_seed(f"{n}.md", **article_fields(n))
    client = make_client(API_PAGE_SIZE=4, LIMIT=2)
    pages = [json.loads(client.get(news_path("", n)).data) for n in (1, 2, 3)]
    assert [len(p["value"]) for p in pages] == [4, 4, 3]
    assert [p["nextPage"] for p in pages] == [2, 3, None]
    assert client.get(news_path("", 4)).status_code == 404
    assert json.loads(client.get("/api/news/index.json?limit=2&page=3").data) == pages[0]
    assert Settings.of({}).api_page_size == 25
    with pytest.raises(ValueError, match="API_PAGE_SIZE"):
        Settings.of({"API_PAGE_SIZE": 0})


# each field as the original writes it


def test_every_field_is_written_as_the_seed_gives_it(make_client, write_seed):
    write_seed("_news/full.md", **article_fields(
        1, title="Fish &amp; chips ", excerpt="We&#8217;re <b>here</b>.\n",
        webUrl="https://web.example.com/1", ampWebUrl="https://amp.example.com/1",
        cdnAmpWebUrl="javascript:alert(1)", featuredContent='<iframe src="https://v.example"/>',
        updatedDateTime="2024-01-03T09:30:00Z", heat=72.0, quality=10, category="news",
        secured="SECRET-BLOB", topics=["Power Apps", "AI Builder"],
        images=[{"url": "https://img.example.com/a.png", "width": 697, "height": 272,
                 "isCached": True}],
        provider={"name": "Example News", "domain": "news.example.com",
                  "images": [{"url": "https://img.example.com/logo.png", "width": 50,
                              "height": 50}]}))
    response = make_client().get("/api/news/index.json")
    assert b"SECRET" not in response.data and b"<" not in response.data
    assert json.loads(response.data)["value"] == [{
        "path": "_news/full.md", "title": "Fish &amp; chips ",
        "excerpt": "We&#8217;re <b>here</b>.\n", "sourceUrl": None,
        "webUrl": "https://web.example.com/1", "originalUrl": "https://news.example.com/articles/1",
        "featuredContent": '<iframe src="https://v.example"/>', "highlight": None, "heat": 72,
        "tags": None,
        "images": [{"url": "https://img.example.com/a.png", "width": 697, "height": 272,
                    "title": None, "attribution": None, "isCached": True}],
        "content": "", "type": "article", "ampWebUrl": "https://amp.example.com/1",
        "cdnAmpWebUrl": None, "publishedDateTime": "2024-01-01T08:00:00Z",
        "updatedDateTime": "2024-01-03T09:30:00Z",
        "provider": {"name": "Example News", "domain": "news.example.com",
                     "images": [{"url": "https://img.example.com/logo.png", "width": 50,
                                 "height": 50, "title": None, "attribution": None,
                                 "isCached": False}],
                     "publishers": None, "authors": None},
        "locale": "en-us", "categories": ["news"], "topics": ["Power Apps", "AI Builder"],
    }]


def test_missing_fields_are_written_as_null(make_client, write_seed):
    write_seed("video.md", **article_fields(1, originalUrl=None, type="video",
                                            webUrl="https://videos.example.com/1"))
    entry = json.loads(make_client(LANGUAGE="fr-ca").get("/api/news/index.json").data)["value"][0]
    assert entry["originalUrl"] is None and entry["webUrl"] == "https://videos.example.com/1"
    assert entry["images"] is None and entry["provider"]["images"] is None
    assert entry["updatedDateTime"] is None and entry["heat"] is None
    assert entry["categories"] is None and entry["locale"] == "fr-ca"
    assert entry["type"] == "video" and entry["title"] == "Article 1"


# our publication rules


def test_embargoed_deleted_and_unpublished_seeds_never_appear(make_client, write_seed):
    soon = datetime.now(UTC) + timedelta(seconds=2)
    write_seed("a.md", **article_fields(1))
    write_seed("b.md", **article_fields(2, deleted=True))
    write_seed("c.md", **article_fields(3, published=False))
    write_seed("d.md", **article_fields(4, publishedDateTime=soon.isoformat()))
    client = make_client()
    before = client.get("/api/news/index.json")
    assert [e["path"] for e in json.loads(before.data)["value"]] == ["a.md"]
    assert int(before.headers["Cache-Control"].rsplit("=", 1)[1]) <= 2  # ends with the embargo
    while datetime.now(UTC) <= soon:
        pass
    after = json.loads(client.get("/api/news/index.json").data)["value"]
    assert [e["path"] for e in after] == ["d.md", "a.md"]


def test_two_seeds_with_one_url_are_one_article_the_newer(make_client, write_seed):
    write_seed("old.md", **article_fields(1, originalUrl="https://news.example.com/same"))
    write_seed("new.md", **article_fields(2, originalUrl="https://news.example.com/same"))
    entries = json.loads(make_client().get("/api/news/power-apps/index.json").data)["value"]
    assert [e["path"] for e in entries] == ["new.md"]


def test_an_edited_seed_is_never_answered_from_the_cache(make_client, write_seed):
    write_seed("a.md", **article_fields(1, title="Before"))
    client = make_client()
    assert json.loads(client.get("/api/news/index.json").data)["value"][0]["title"] == "Before"
    write_seed("a.md", **article_fields(1, title="After, a longer title"))
    assert json.loads(client.get("/api/news/index.json").data)["value"][0]["title"] == \
        "After, a longer title"
