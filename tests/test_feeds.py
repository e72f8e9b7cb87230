"""Feed contents over the example site and the real corpus: items, ids, dates, categories,
sources, media, links."""

import json
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from conftest import BASE_URL, article_fields
from facts import CORPUS, EXAMPLE
from lxml import etree

NS = {"atom": "http://www.w3.org/2005/Atom", "media": "http://search.yahoo.com/mrss/",
      "dc": "http://purl.org/dc/elements/1.1/", "content": "http://purl.org/rss/1.0/modules/content/"}
XML_FORMATS = ["rss", "atom"]
FORMATS = ["rss", "atom", "json"]


@pytest.fixture(scope="module", params=["example", "corpus"])
def site(request):
    """(facts, app) of the example site, then of the real corpus (where it is present)."""
    if request.param == "example":
        return EXAMPLE, request.getfixturevalue("site_app")
    return CORPUS, request.getfixturevalue("corpus_app")


@pytest.fixture(scope="module")
def facts(site):
    return site[0]


@pytest.fixture(scope="module")
def snapshot(site):
    return site[1].extensions["feeds"].corpus.snapshot()


@pytest.fixture
def client(site):
    return site[1].test_client()


def get(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.data
    return response.data


def parsed(client, path):
    """A feed parsed by feedparser, with no bozo flag allowed."""
    feed = feedparser.parse(get(client, path))
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def xml(client, path):
    return etree.fromstring(get(client, path))


@pytest.mark.parametrize("kind", ["feed", "topics", "providers"])
@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_feedparser_reads_every_xml_feed_without_bozo(client, facts, kind, fmt):
    path = {"feed": "/feed", "topics": f"/topics/{facts.topic}",
            "providers": f"/providers/{facts.provider}"}[kind]
    feed = parsed(client, f"{path}.{fmt}")
    assert feed.version == {"rss": "rss20", "atom": "atom10"}[fmt]
    assert feed.entries


@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_all_feed_holds_every_published_article_newest_first(client, snapshot, facts, fmt):
    feed = parsed(client, f"/feed.{fmt}?limit=500")
    assert [e.id for e in feed.entries] == [a.url for a in snapshot.site.articles]
    assert len(feed.entries) == facts.articles


def test_json_feed_is_version_1_1_with_every_article(client, snapshot):
    feed = json.loads(get(client, "/feed.json?limit=500"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == f"{BASE_URL}/feed.json?limit=500"
    assert feed["home_page_url"] == f"{BASE_URL}/"
    assert [i["id"] for i in feed["items"]] == [a.url for a in snapshot.site.articles]
    first = feed["items"][0]
    assert {"id", "url", "title", "content_html", "date_published", "date_modified"} <= set(first)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["topics", "providers"])
def test_every_section_feed_holds_exactly_its_articles(client, snapshot, kind, fmt):
    for slug, section in getattr(snapshot, kind).items():
        body = get(client, f"/{kind}/{slug}.{fmt}?limit=500")
        if fmt == "json":
            ids = [item["id"] for item in json.loads(body)["items"]]
        else:
            ids = [e.id for e in feedparser.parse(body).entries]
        assert ids == [a.url for a in section.articles], slug


def test_default_limit_is_50(client, facts):
    assert len(parsed(client, "/feed.atom").entries) == min(50, facts.articles)


def test_rss_item_fields(client, snapshot):
    article = snapshot.site.articles[0]
    item = xml(client, "/feed.rss").find("channel/item")
    assert item.findtext("title") == article.title
    assert item.findtext("link") == article.url
    guid = item.find("guid")
    assert (guid.text, guid.get("isPermaLink")) == (article.url, "true")
    assert parsedate_to_datetime(item.findtext("pubDate")) == article.published_at
    assert [c.text for c in item.findall("category")] == [t.name for t in article.topics]
    source = item.find("source")
    assert source.get("url") == f"{BASE_URL}/providers/{article.provider.slug}.rss"
    assert source.text == article.provider.name
    assert item.findtext("dc:creator", namespaces=NS) == article.provider.name
    assert "Read at" in item.findtext("content:encoded", namespaces=NS)


def test_atom_entry_fields(client, snapshot):
    article = snapshot.site.articles[0]
    entry = xml(client, "/feed.atom").find("atom:entry", NS)
    assert entry.findtext("atom:id", namespaces=NS) == article.url
    assert entry.findtext("atom:published", namespaces=NS) == article.published_at.isoformat()
    assert entry.findtext("atom:updated", namespaces=NS) == article.updated_at.isoformat()
    assert entry.find("atom:summary", NS).get("type") == "text"
    assert entry.find("atom:content", NS).get("type") == "html"
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == article.provider.name
    category = entry.find("atom:category", NS)
    topic = article.topics[0]
    # Atom readers show the term: the topic's name; the scheme, its page, keeps the slug.
    assert (category.get("term"), category.get("label")) == (topic.name, topic.name)
    assert category.get("scheme") == f"{BASE_URL}/topics/{topic.slug}"
    source_id = entry.findtext("atom:source/atom:id", namespaces=NS)
    assert source_id == f"{BASE_URL}/providers/{article.provider.slug}.atom"


@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_images_are_media_rss_with_sizes(client, snapshot, fmt):
    article = next(a for a in snapshot.site.articles if a.images)
    root = xml(client, f"/feed.{fmt}?limit=500")
    entries = root.iter("item", "{http://www.w3.org/2005/Atom}entry")
    entry = next(e for e in entries if article.url in etree.tostring(e).decode())
    content = entry.find("media:content", NS)
    image = article.images[0]
    assert (content.get("url"), content.get("width"), content.get("height")) == (
        image.url, str(image.width), str(image.height))
    assert entry.find("media:thumbnail", NS).get("url") == image.url


@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_feed_level_links_and_ids(client, snapshot, facts, fmt):
    feed = parsed(client, f"/topics/{facts.topic}.{fmt}")
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == f"{BASE_URL}/topics/{facts.topic}.{fmt}"
    assert links["alternate"] == f"{BASE_URL}/topics/{facts.topic}"
    assert feed.feed.title == f"Seed Feeds: {snapshot.topics[facts.topic].name}"
    if fmt == "atom":
        assert feed.feed.id == f"{BASE_URL}/topics/{facts.topic}.atom"
    else:
        assert feed.feed.ttl == "5"


@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_feed_updated_is_the_newest_item_date_not_now(client, snapshot, facts, fmt):
    feed = parsed(client, f"/providers/{facts.provider}.{fmt}")
    newest = max(a.updated_at for a in snapshot.providers[facts.provider].articles)
    assert feedparser_datetime(feed.feed.updated_parsed) == newest.replace(tzinfo=None), (
        feed.feed.updated)


def feedparser_datetime(parsed_time):
    from datetime import datetime

    return datetime(*parsed_time[:6])


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_polls_get_identical_bytes(client, fmt):
    assert get(client, f"/feed.{fmt}") == get(client, f"/feed.{fmt}")


def test_provider_logo_is_the_feed_image(client, snapshot):
    slug, logo = next((s.slug, s.logo) for s in snapshot.providers.values() if s.logo)
    assert xml(client, f"/providers/{slug}.rss").findtext("channel/image/url") == logo
    assert xml(client, f"/providers/{slug}.atom").findtext("atom:logo", namespaces=NS) == logo


@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_paging_links_follow_rfc_5005(client, facts, fmt):
    feed = parsed(client, f"/feed.{fmt}?limit=10&page=2")
    links = {link.rel: link.href for link in feed.feed.links}
    last = -(-facts.articles // 10)
    assert links["first"] == f"{BASE_URL}/feed.{fmt}?limit=10"
    assert links["previous"] == f"{BASE_URL}/feed.{fmt}?limit=10"
    assert links["next"] == f"{BASE_URL}/feed.{fmt}?limit=10&page=3"
    assert links["last"] == f"{BASE_URL}/feed.{fmt}?limit=10&page={last}"
    assert links["self"] == f"{BASE_URL}/feed.{fmt}?limit=10&page=2"


@pytest.mark.parametrize("fmt", FORMATS)
def test_following_next_yields_every_article_once(client, snapshot, fmt):
    url: str | None = f"{BASE_URL}/feed.{fmt}?limit=20"
    seen: list[str] = []
    while url:
        body = get(client, url.removeprefix(BASE_URL))
        if fmt == "json":
            feed = json.loads(body)
            seen += [item["id"] for item in feed["items"]]
            url = feed.get("next_url")
        else:
            feed = feedparser.parse(body)
            seen += [e.id for e in feed.entries]
            url = {link.rel: link.href for link in feed.feed.links}.get("next")
    assert seen == [a.url for a in snapshot.site.articles]


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_text_stays_text_in_every_format(make_client, write_seed, fmt):
    hostile = "AT&T <script>alert(1)</script> ]]> &#8217; \x01"
    write_seed("a.md", **article_fields(1, title=hostile, excerpt=hostile, topics=[hostile],
                                        provider={"name": hostile, "domain": "x.example"}))
    shown = "AT&T <script>alert(1)</script> ]]> \u2019"  # the reference decoded once, as text
    body = make_client().get(f"/feed.{fmt}").data
    assert b"<script" not in body and b"\x01" not in body
    if fmt == "json":
        item = json.loads(body)["items"][0]
        assert item["title"] == item["summary"] == shown
        assert "<script" not in item["content_html"]
    else:
        entry = feedparser.parse(body).entries[0]
        assert entry.title == shown
        etree.fromstring(body)


def test_hub_link_is_advertised_when_configured(make_client, write_seed):
    write_seed("a.md", **article_fields(1))
    client = make_client(WEBSUB_HUB="https://hub.example/")
    for fmt in XML_FORMATS:
        feed = feedparser.parse(client.get(f"/feed.{fmt}").data)
        links = {link.rel: link.href for link in feed.feed.links}
        assert links["hub"] == "https://hub.example/"
    assert json.loads(client.get("/feed.json").data)["hubs"][0]["url"] == "https://hub.example/"


def test_empty_site_feed_is_still_valid(make_client):
    client = make_client()
    for fmt in XML_FORMATS:
        feed = feedparser.parse(client.get(f"/feed.{fmt}").data)
        assert not feed.bozo and feed.entries == []
    assert json.loads(client.get("/feed.json").data)["items"] == []
