"""Seed text as readers see it: character references decoded once, then escaped as text."""

import html
import json
import re

import feedparser
import pytest
import yaml
from conftest import article_fields, oracle_listing
from facts import CORPUS

from feeds.text import plain_text

FORMATS = ("rss", "atom", "json")
# A character reference still visible as text once a reader has decoded the document.
LEFTOVER = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def reader_view(client, path: str) -> list[tuple[str, str]]:
    """(title, summary) of every item as a feed reader shows them."""
    body = client.get(path).data
    if ".json" in path:
        return [(item["title"], item.get("summary", "")) for item in json.loads(body)["items"]]
    return [(shown(entry.title_detail), shown(entry.get("summary_detail")))
            for entry in feedparser.parse(body).entries]


def shown(detail) -> str:
    """What a reader displays of a feedparser text construct: HTML is decoded, text is not."""
    if detail is None:
        return ""
    if detail.type == "text/html":
        return html.unescape(re.sub(r"<[^>]*>", "", detail.value))
    return detail.value


@pytest.mark.parametrize("text, shown", [
    ("we&#8217;re", "we\u2019re"),
    ("Customer &amp; Partner", "Customer & Partner"),
    ("caf&#xE9; &hellip;", "caf\u00e9 \u2026"),
    ("&lt;script&gt;", "<script>"),
    ("&amp;#8217;", "&#8217;"),
    ("a&#0;b&#xD800;c&#1;d", "a\ufffdb\ufffdcd"),
    ("no references & no change", "no references & no change"),
])
def test_character_references_are_decoded_exactly_once(text, shown):
    assert plain_text(text) == shown


@pytest.mark.parametrize("fmt", FORMATS)
def test_corpus_feeds_show_no_character_reference_as_text(client, fmt):
    items = reader_view(client, f"/feed.{fmt}?limit=500")
    assert len(items) == CORPUS.articles
    leftovers = [text for item in items for text in item if LEFTOVER.search(text)]
    assert leftovers == []
    assert any("\u2019" in summary for _, summary in items)


def test_corpus_text_equals_the_original_sites_rendering(client, corpus_dir):
    """The original site printed each raw excerpt into its HTML, which a browser decodes once."""
    rendered: dict[str, list[str]] = {}
    decoded = set()
    for path in oracle_listing():
        fields = yaml.safe_load((corpus_dir / path).read_text().split("---")[1])
        url = fields.get("originalUrl") or fields["webUrl"]
        raw = fields.get("excerpt") or ""
        rendered.setdefault(url, []).append(html.unescape(raw).strip())
        if "&" in raw:
            decoded.add(url)
    feed = json.loads(client.get("/feed.json?limit=500").data)
    single = [item for item in feed["items"] if len(rendered[item["url"]]) == 1]
    assert [item["summary"] for item in single] == [rendered[item["url"]][0] for item in single]
    assert len(single) > 400 and len(decoded & {item["url"] for item in single}) > 80


@pytest.mark.parametrize("path", ["/", "/topics/teams-integration", "/providers/microsoft.com"])
def test_corpus_pages_show_no_character_reference_as_text(client, path):
    page = client.get(path).get_data(as_text=True)
    shown = html.unescape(re.sub(r"<[^>]*>", "", page))
    assert "&#8217;" not in shown and "&amp;" not in shown
    assert "\u2019" in shown


def test_encoded_markup_is_shown_as_text_everywhere(write_seed, make_client):
    write_seed("a.md", **article_fields(
        1, title="&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp;",
        excerpt="&lt;b&gt;bold&lt;/b&gt; we&#8217;re &#x1; &#0;",
        topics=["R&amp;D"], provider={"name": "A &amp; B", "domain": "ab.example"}))
    client = make_client()
    for fmt in FORMATS:
        body = client.get(f"/feed.{fmt}").data
        assert b"<script" not in body and b"<b>" not in body
        (title, summary), = reader_view(client, f"/feed.{fmt}")
        assert title == "<script>alert(1)</script> &amp;"
        assert summary.startswith("<b>bold</b> we\u2019re")
        assert "\x01" not in summary and "\x00" not in summary
    for path in ("/", "/topics/r-d", "/providers/ab.example", "/opml.xml"):
        body = client.get(path).data
        assert b"<script" not in body and b"&amp;amp;amp;" not in body
    assert b"R&amp;D" in client.get("/topics/r-d").data
    assert b"A &amp; B" in client.get("/opml.xml").data


def test_site_data_names_and_descriptions_are_decoded(write_seed, seeds_dir, make_client):
    write_seed("a.md", **article_fields(1, topics=["Apps"]))
    topics = seeds_dir / "_data" / "topics"
    topics.mkdir(parents=True)
    (topics / "apps.yaml").write_text(
        "_id: apps\nname: \"Apps &amp; Tools\"\ndescription: \"What&#8217;s new\"\n")
    feed = json.loads(make_client().get("/topics/apps.json").data)
    assert feed["title"].endswith("Apps & Tools")
    assert feed["description"] == "What\u2019s new"


def test_feed_validity_holds_with_decoded_references(write_seed, make_client):
    write_seed("a.md", **article_fields(1, title="Fish &amp; Chips &#8212; &#x1F41F;",
                                        excerpt="&#xFFFE;&#x0B;ok"))
    client = make_client()
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(client.get(f"/feed.{fmt}").data)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.entries[0].title == "Fish & Chips \u2014 \U0001F41F"
