"""The HTML index, section pages and the OPML list."""

import feedparser
import pytest
from conftest import BASE_URL
from facts import CORPUS
from lxml import etree, html


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return html.fromstring(response.data)


def test_index_lists_every_feed_with_counts(client):
    doc = page(client, "/")
    hrefs = set(doc.xpath("//a/@href"))
    for slug in ["power-apps", "canvas-apps", "ai-builder", "teams-integration"]:
        for fmt in ["rss", "atom", "json"]:
            assert f"{BASE_URL}/topics/{slug}.{fmt}" in hrefs
    assert f"{BASE_URL}/providers/microsoft.com.rss" in hrefs
    rows = {row.xpath("string(td[1])").strip(): row.xpath("string(td[3])").strip()
            for row in doc.xpath("//tr[td]")}
    assert rows["Canvas apps"] == "18" and rows["Microsoft"] == "398"
    assert f"{CORPUS.articles} articles" in doc.text_content()


@pytest.mark.parametrize("path", ["/", "/topics/canvas-apps", "/providers/microsoft.com"])
def test_pages_carry_autodiscovery_links(client, path):
    doc = page(client, path)
    types = {link.get("type"): link.get("href") for link in doc.xpath("//link[@rel='alternate']")}
    assert set(types) == {"application/rss+xml", "application/atom+xml", "application/feed+json"}
    suffix = "/feed" if path == "/" else path
    assert types["application/rss+xml"] == f"{BASE_URL}{suffix}.rss"


def test_section_page_lists_its_latest_articles(client):
    doc = page(client, "/topics/canvas-apps")
    assert doc.xpath("string(//h1)") == "Canvas apps"
    assert len(doc.xpath("//ol[@class='articles']/li")) == 18


def test_opml_lists_every_topic_and_provider_feed(client):
    response = client.get("/opml.xml")
    assert response.headers["Content-Type"] == "text/x-opml; charset=utf-8"
    opml = etree.fromstring(response.data)
    assert opml.get("version") == "2.0"
    urls = [url for o in opml.iter("outline") if (url := o.get("xmlUrl"))]
    assert len(urls) == 1 + 7 + 15
    for url in urls:
        assert client.get(url.removeprefix(BASE_URL)).status_code == 200
        assert not feedparser.parse(client.get(url.removeprefix(BASE_URL)).data).bozo
