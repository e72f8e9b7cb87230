"""The origin site's JSON news API: judged by the real corpus's api/news, over the example
site, under the publication rules, and over HTTP against the real production server."""

import gzip
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from conftest import CORPUS, REPO, article_fields, oracle_listing
from facts import CORPUS as CORPUS_FACTS
from facts import EXAMPLE_HIDDEN, EXAMPLE_TOPICS
from servers import fetch

from feeds import create_app
from feeds.output.api import news_page
from feeds.output.urls import news_path
from feeds.settings import Settings
from feeds.web.fastpath import FastPath

# What our rules change in the corpus's site listing (README, "The news API"): one item per
# URL drops the older file of each of the three URLs published twice...
SUPERSEDED = {"_news/2023-07-07-announcing-public-preview-of-ip-firewall-in-dataverse.md",
              "_news/2021-01-14-on-boarding-user-external-user-to-tenant-through-powerapps-"
              "portal.md",
              "_news/2020-12-21-power-platform-stories.md"}
# ...and the one pair published at the same moment (2021-11-02T15:00:00Z) is ordered by URL.
TIED = ["_news/2021-11-02-power-apps-sees-updates-from-microsoft-including-tight-teams-"
        "integration.md",
        "_news/2021-11-02-power-apps-mobile-apps-now-available-other-services-receive-"
        "enhancements-as-well.md"]
ORACLE_TOPICS = ["ai-builder", "canvas-apps", "common-data-service", "teams-integration"]
UNESCAPE = {"\\u003c": "<", "\\u003e": ">", "\\u0026": "&"}


def oracle_pages(name: str = "") -> list[dict[str, Any]]:
    """The original's pages of a listing (api/news/<name>/page/N), in order."""
    folder = CORPUS / "api" / "news" / name / "page"
    files = sorted(folder.glob("*/index.json"), key=lambda p: int(p.parent.name))
    return [json.loads(file.read_text()) for file in files]


def listing(client, topic: str = "", query: str = "") -> list[dict[str, Any]]:
    """Every article of one of our listings, following nextPage from the first page."""
    entries, page = [], 1
    while page:
        response = client.get(news_path(topic, page) + query)
        assert response.status_code == 200, response.data
        body = json.loads(response.data)
        assert body["page"] == page
        entries += body["value"]
        page = body["nextPage"]
    return entries


def strings(value) -> list[str]:
    """Every string in a parsed JSON value."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [text for item in items for text in strings(item)]


def url_of(entry: dict[str, Any]) -> str:
    return entry["originalUrl"] or entry["webUrl"]


# --- judged by the original -------------------------------------------------------------------

@pytest.mark.parametrize("topic", ORACLE_TOPICS)
def test_topic_listings_equal_the_originals_value_for_value(client, corpus_dir, topic):
    pages = oracle_pages(topic)
    assert pages
    for number, original in enumerate(pages, 1):
        assert json.loads(client.get(news_path(topic, number)).data) == original
        assert json.loads(client.get(f"/api/news/{topic}/page/{number}/index.json").data) == \
            original
    assert client.get(news_path(topic, len(pages) + 1)).status_code == 404


def test_site_listing_is_the_originals_under_one_item_per_url(client, corpus_dir):
    original = [entry for page in oracle_pages() for entry in page["value"]]
    kept = [entry for entry in original if entry["path"] not in SUPERSEDED]
    first, second = (i for i, entry in enumerate(kept) if entry["path"] in TIED)
    kept[first], kept[second] = kept[second], kept[first]
    ours = listing(client)
    assert len(original) == CORPUS_FACTS.published and len(ours) == CORPUS_FACTS.articles
    assert [entry["path"] for entry in ours] == [entry["path"] for entry in kept]
    assert ours == kept  # every field of every article, value for value
    pages = [kept[start:start + 25] for start in range(0, len(kept), 25)]
    for number, value in enumerate(pages, 1):
        body = json.loads(client.get(news_path("", number)).data)
        assert body == {"page": number, "value": value,
                        "nextPage": number + 1 if number < len(pages) else None}
    assert client.get(news_path("", len(pages) + 1)).status_code == 404


def test_superseded_files_share_a_url_with_a_newer_listed_file(client, corpus_dir):
    ours = {url_of(entry): entry for entry in listing(client)}
    for page in oracle_pages():
        for entry in page["value"]:
            if entry["path"] in SUPERSEDED:
                kept = ours[url_of(entry)]
                assert kept["path"] != entry["path"]
                assert kept["publishedDateTime"] > entry["publishedDateTime"]


@pytest.mark.parametrize("path", ["", "page/2/", *(f"{t}/" for t in ORACLE_TOPICS)])
def test_unshifted_pages_are_the_originals_bytes_but_for_escaped_markup(client, corpus_dir,
                                                                         path):
    body = client.get(f"/api/news/{path}index.json").get_data(as_text=True)
    assert "<" not in body and ">" not in body and "&" not in body
    for escaped, character in UNESCAPE.items():
        body = body.replace(escaped, character)
    assert body == (CORPUS / "api" / "news" / path / "index.json").read_text()


def test_every_topic_has_a_listing_with_its_articles(client, corpus_snapshot):
    for slug, section in corpus_snapshot.topics.items():
        assert [e["path"] for e in listing(client, slug)] == [a.path for a in section.articles]
    assert [e["path"] for e in listing(client, "canvas-apps")] == oracle_listing("canvas-apps")


def test_no_unpublished_file_and_no_secured_blob_in_any_page(client, corpus_dir):
    seeds = {f"_news/{p.name}": yaml.safe_load(p.read_text().split("---")[1])
             for p in (corpus_dir / "_news").glob("*.md")}
    unpublished = {path for path, fields in seeds.items() if not fields["published"]}
    bodies = [client.get(news_path("", n)).get_data(as_text=True) for n in range(1, 18)]
    assert unpublished and not any(path in body for path in unpublished for body in bodies)
    assert not any(fields["secured"][:40] in body for fields in seeds.values()
                   for body in bodies)
    assert all('"secured"' not in body for body in bodies)


# --- the example site -------------------------------------------------------------------------

def test_example_site_lists_what_its_site_feed_lists(site_app, site_client):
    articles = site_app.extensions["feeds"].corpus.snapshot().site.articles
    ours = listing(site_client)
    assert [(e["path"], url_of(e)) for e in ours] == [(a.path, a.url) for a in articles]
    assert json.loads(site_client.get(news_path("", 2)).data)["nextPage"] is None
    feed = json.loads(site_client.get("/feed.json?limit=500").data)
    assert [item["id"] for item in feed["items"]] == [url_of(e) for e in ours]


def test_example_site_shows_nothing_unpublished(site_client):
    bodies = [site_client.get(news_path(topic, 1)).get_data(as_text=True)
              for topic in ["", *EXAMPLE_TOPICS]]
    for hidden in EXAMPLE_HIDDEN:
        assert not any(hidden in body for body in bodies), hidden
    assert "rain-gardens-first-report" not in bodies[0] + site_client.get(
        news_path("", 2)).get_data(as_text=True)
    for topic in ["ferries", "withdrawn-stories", "time-capsules"]:
        assert site_client.get(news_path(topic)).status_code == 404


@pytest.mark.parametrize("query", [
    "topics=climate,transit", "providers=example.com&sort=heat", "q=public -council",
    "min_quality=70", "min_heat=60&sort=quality", "exclude_topics=ai-ethics", "since=520w",
])
def test_made_to_measure_lists_what_the_same_feed_lists(site_client, query):
    feed = json.loads(site_client.get(f"/feed.json?limit=500&{query}").data)
    ours = listing(site_client, "", f"?{query}")
    assert ours and [url_of(e) for e in ours] == [item["id"] for item in feed["items"]]
    topic = listing(site_client, "climate", f"?{query}")
    topic_feed = json.loads(site_client.get(f"/topics/climate.json?limit=500&{query}").data)
    assert [url_of(e) for e in topic] == [item["id"] for item in topic_feed["items"]]


@pytest.mark.parametrize(("path", "status", "says"), [
    ("/api/news/index.json?digest=weekly", 400, "not offered on the news API"),
    ("/api/news/index.json?top=3", 400, "top must be"),
    ("/api/news/index.json?min_heat=hot", 400, "min_heat must be a number"),
    ("/api/news/index.json?topics=nope", 404, "no topic 'nope'"),
    ("/api/news/page/0/index.json", 400, "whole number from 1"),
    ("/api/news/page/two/index.json", 400, "whole number from 1"),
    ("/api/news/climate/page/99999999999/index.json", 400, "whole number from 1"),
    ("/api/news/page/3/index.json", 404, "past the last page (2 at 25"),
    ("/api/news/nope/index.json", 404, "no topic 'nope'"),
])
def test_bad_requests_say_what_is_accepted(site_client, path, status, says):
    response = site_client.get(path)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)


def test_topic_ids_match_case_insensitively_by_a_redirect(site_client):
    response = site_client.get("/api/news/Climate/page/1/index.json?sort=heat")
    assert response.status_code == 301
    assert response.headers["Location"] == "http://feeds.test/api/news/climate/index.json?sort=heat"


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


# --- each field as the original writes it ------------------------------------------------------

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


# --- our publication rules ---------------------------------------------------------------------

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


# --- caching and HTTP ----------------------------------------------------------------------

def test_pages_come_from_the_document_cache_and_the_fast_path(seeds_dir, write_seed):
    for n in range(1, 4):
        write_seed(f"{n}.md", **article_fields(n))
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600})
    calls = []
    fast: Any = app.wsgi_app  # layers of middleware, each with its .app
    while not isinstance(fast, FastPath):  # under the middleware in front of it
        fast = fast.app
    inner = fast.app

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    fast.app = counted
    client = app.test_client()
    bodies = {client.get(path).data for path in ["/api/news/index.json"] * 3
              + ["/api/news/page/1/index.json"] * 2}
    assert len(bodies) == 1
    assert calls == ["/api/news/index.json", "/api/news/page/1/index.json"]
    documents = app.extensions["feeds"].documents
    first_page = news_page((), 0, 1, 1, "en-us")  # of the site's listing: its key is page 1's
    assert documents.peek(first_page.cache_key()).body == bodies.pop()


@pytest.mark.server
def test_http_behaviour_on_the_production_server(site_server):
    url = f"{site_server}/api/news/climate/index.json"
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers["Vary"] == "Accept-Encoding"
    etag = headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert fetch(url, {"If-None-Match": etag})[:1] == (304,)
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    zipped = fetch(url, {"Accept-Encoding": "gzip"})
    assert zipped[1]["Content-Encoding"] == "gzip" and gzip.decompress(zipped[2]) == body
    assert zipped[1]["ETag"] != etag
    assert fetch(url, {"Accept-Encoding": "gzip", "If-None-Match": zipped[1]["ETag"]})[0] == 304
    assert fetch(f"{site_server}/api/news/page/9/index.json")[0] == 404
    assert fetch(f"{site_server}/api/news/page/-1/index.json")[0] == 400
    assert fetch(f"{site_server}/api/news/index.json?since=forever")[0] == 400
    assert json.loads(body)["value"]


def test_equal_values_are_kept_once(corpus_snapshot):
    articles = corpus_snapshot.site.articles
    for article in articles:
        for written, own in [(article.written_title, article.title),
                             (article.written_excerpt, article.excerpt),
                             (article.web_url, article.url), (article.original_url, article.url)]:
            assert written is own or written != own
    assert sum(a.web_url is a.url for a in articles) == 413  # webUrl equal to originalUrl


def test_every_api_url_in_the_readme_lists_articles_of_the_example_site(site_client):
    text = (REPO / "README.md").read_text()
    urls = set(re.findall(r"(/api/news/[^`\s<>)]*index\.json(?:\?[^`\s)]*)?)", text))
    assert len(urls) >= 6
    for url in urls:
        response = site_client.get(url)
        assert response.status_code == 200, url
        assert json.loads(response.data)["value"], url


def test_head_has_the_headers_of_get_and_no_body(site_client):
    get, head = site_client.get(news_path("astronomy")), site_client.head(news_path("astronomy"))
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == str(len(get.data))

