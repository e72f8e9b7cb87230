"""What readers show around the items: icons, enclosures, videos, bylines, category names."""

import json
import struct

import feedparser
import pytest
from conftest import BASE_URL
from facts import CORPUS_EMBEDS, CORPUS_VIDEOS
from lxml import etree, html
from markup import elements
from reader import make_reader

from feeds.ingest.media import embed_url
from feeds.output.icons import ICON_FILES

NS = {"atom": "http://www.w3.org/2005/Atom", "media": "http://search.yahoo.com/mrss/"}
SITE_ICON, SITE_LOGO = f"{BASE_URL}/icon-64.png", f"{BASE_URL}/icon-512.png"


def feed_paths(snapshot, fmt: str) -> list[str]:
    """The first page of every standard feed of a snapshot in one format."""
    return [f"/feed.{fmt}", *(f"/topics/{slug}.{fmt}" for slug in snapshot.topics),
            *(f"/providers/{slug}.{fmt}" for slug in snapshot.providers)]


def icons_shown(client, path: str) -> tuple[str | None, str | None]:
    """(icon, logo) of a feed as its format names them: RSS has only the <image>."""
    body = client.get(path).data
    if path.endswith(".json"):
        feed = json.loads(body)
        return feed.get("favicon"), feed.get("icon")
    root = etree.fromstring(body)
    if path.endswith(".rss"):
        image = root.find("channel/image")
        assert image is not None
        assert image.findtext("title") == root.findtext("channel/title")
        assert image.findtext("link") == root.findtext("channel/link")
        return image.findtext("url"), image.findtext("url")
    return root.findtext("atom:icon", namespaces=NS), root.findtext("atom:logo", namespaces=NS)


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_every_feed_shows_the_site_icon_or_its_providers_logo(site_client, site_app, fmt):
    snapshot = site_app.extensions["feeds"].corpus.snapshot()
    for path in feed_paths(snapshot, fmt):
        icon, logo = icons_shown(site_client, path)
        slug = path.rsplit("/", 1)[-1].removesuffix(f".{fmt}")
        provider = snapshot.providers.get(slug) if path.startswith("/providers/") else None
        if provider and provider.logo:
            assert (icon, logo) == (provider.logo, provider.logo), path
        elif fmt == "rss":  # RSS caps an image's width at 144: the small icon
            assert (icon, logo) == (SITE_ICON, SITE_ICON), path
        else:
            assert (icon, logo) == (SITE_ICON, SITE_LOGO), path
    assert any(p.logo for p in snapshot.providers.values())
    assert any(not p.logo for p in snapshot.providers.values())  # those get the site's


def png_size(body: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert body.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", body[16:24])


def ico_sizes(body: bytes) -> set[int]:
    """The square sizes an .ico holds, from its directory (0 means 256)."""
    reserved, kind, count = struct.unpack("<HHH", body[:6])
    assert (reserved, kind) == (0, 1)
    return {body[6 + 16 * n] or 256 for n in range(count)}


def test_icons_answer_at_the_top_in_the_sizes_they_declare(site_client):
    for name, declared in ICON_FILES.items():
        response = site_client.get(f"/{name}")
        assert response.status_code == 200, name
        assert response.mimetype == declared.media_type
        assert "public" in response.headers["Cache-Control"] and response.headers["ETag"]
        if name.endswith(".png"):
            assert "x".join(map(str, png_size(response.data))) == declared.sizes
    assert ico_sizes(site_client.get("/favicon.ico").data) == {16, 32, 48}
    etag = site_client.get("/favicon.ico").headers["ETag"]
    assert site_client.get("/favicon.ico", headers={"If-None-Match": etag}).status_code == 304


def icon_links(client, path: str) -> list[tuple[str | None, str, str | None]]:
    """(rel, type, href) of every icon a page declares, in order."""
    page = html.fromstring(client.get(path).data)
    return [(link.get("rel"), link.get("type") or "", link.get("href"))
            for link in elements(page, "//link[@rel='icon' or @rel='apple-touch-icon']")]


def test_pages_declare_raster_icons_first_and_the_svg_after(site_client):
    for path in ["/", "/topics/astronomy", "/providers/fictional-wire", "/?digest=weekly"]:
        links = icon_links(site_client, path)
        assert links[0] == ("icon", "image/x-icon", f"{BASE_URL}/favicon.ico"), path
        assert links[-1] == ("icon", "image/svg+xml", f"{BASE_URL}/favicon.svg"), path
        assert ("apple-touch-icon", "image/png", f"{BASE_URL}/apple-touch-icon.png") in links


def test_a_provider_page_declares_the_providers_logo(site_client):
    logo = "https://example.org/logo-400x400.png"
    assert icon_links(site_client, "/providers/example.org") == [
        ("icon", "", logo), ("apple-touch-icon", "", logo)]


def test_an_operator_icon_in_data_icons_replaces_the_built_in(seeds_dir, write_seed,
                                                              make_client, site_client):
    write_seed("a.md", **{"title": "A", "publishedDateTime": "2024-01-01", "webUrl":
                          "https://a.example/"})
    icons = seeds_dir / "_data" / "icons"
    icons.mkdir(parents=True)
    mine = b"\x89PNG\r\n\x1a\n" + b"mine" * 10
    (icons / "icon-512.png").write_bytes(mine)
    (icons / "icon-64.png").write_bytes(b"<html>not a png</html>")  # refused: not a PNG
    elsewhere = seeds_dir.parent / "elsewhere.ico"
    elsewhere.write_bytes(b"\x00\x00\x01\x00" + b"theirs" * 10)
    (icons / "favicon.ico").symlink_to(elsewhere)  # refused: a link
    client = make_client()
    assert client.get("/icon-512.png").data == mine
    assert client.get("/icon-64.png").data == site_client.get("/icon-64.png").data
    assert client.get("/favicon.ico").data == site_client.get("/favicon.ico").data
    assert client.get("/icon-512.png").headers["X-Content-Type-Options"] == "nosniff"


def test_every_lead_image_is_an_enclosure_in_rss_atom_and_json(site_client, site_app):
    articles = {a.url: a for a in site_app.extensions["feeds"].corpus.snapshot().site.articles}
    with_images = 0
    for fmt in ["rss", "atom"]:
        for entry in feedparser.parse(site_client.get(f"/feed.{fmt}?limit=500").data).entries:
            article = articles[entry.link]
            expected = [article.images[0].url] if article.images else []
            assert [e.href for e in entry.enclosures] == expected, entry.link
            assert all(e.type.startswith("image/") for e in entry.enclosures)
            with_images += bool(expected)
    for item in json.loads(site_client.get("/feed.json?limit=500").data)["items"]:
        article = articles[item["url"]]
        expected = [article.images[0].url] if article.images else []
        assert [a["url"] for a in item.get("attachments", [])] == expected
    assert with_images > 20


def test_the_rss_enclosure_has_the_length_and_type_the_validator_accepts(site_client):
    root = etree.fromstring(site_client.get("/feed.rss").data)
    enclosures = root.findall("channel/item/enclosure")
    assert enclosures and {e.get("length") for e in enclosures} == {"0"}
    links = etree.fromstring(site_client.get("/feed.atom").data).findall(
        "atom:entry/atom:link[@rel='enclosure']", NS)
    assert len(links) == len(enclosures) and all(link.get("length") is None for link in links)


def test_an_enclosures_type_is_the_seeds_then_the_urls_then_image_star(write_seed,
                                                                         make_client):
    images = {"seed.md": [{"url": "https://i.example/a", "type": "image/WebP"}],
              "png.md": [{"url": "https://i.example/b.PNG?x=1"}],
              "none.md": [{"url": "https://i.example/c"}]}
    for number, (name, image) in enumerate(images.items()):
        write_seed(name, title=name, publishedDateTime=f"2024-01-0{number + 1}",
                   webUrl=f"https://a.example/{name}", images=image)
    entries = feedparser.parse(make_client().get("/feed.rss").data).entries
    types = {entry.title: entry.enclosures[0].type for entry in entries}
    assert types == {"seed.md": "image/webp", "png.md": "image/png", "none.md": "image/*"}


def video_articles(snapshot):
    return [a for a in snapshot.site.articles if a.type == "video"]


def test_the_corpus_videos_play_in_media_rss_and_say_so_in_the_content(client, corpus_snapshot):
    videos = video_articles(corpus_snapshot)
    assert len(videos) == CORPUS_VIDEOS
    assert sum(1 for a in corpus_snapshot.site.articles if a.embed) == CORPUS_EMBEDS
    for fmt in ["rss", "atom"]:
        entries = {e.link: e for e in feedparser.parse(
            client.get(f"/feed.{fmt}?limit=500").data).entries}
        for article in videos:
            entry = entries[article.url]
            assert article.embed.startswith("https://www.youtube.com/embed/")
            assert entry.media_player["url"] == article.embed
            assert {"url": article.embed, "type": "text/html", "medium": "video"} in \
                entry.media_content
            assert entry.media_thumbnail[0]["url"] == article.images[0].url
            content = entry.content[0].value
            assert f'<a href="{article.url}">Watch the video at Microsoft</a>' in content
            assert "<iframe" not in content
    items = {i["url"]: i for i in json.loads(client.get("/feed.json?limit=500").data)["items"]}
    assert all("Watch the video" in items[a.url]["content_html"] for a in videos)


def test_an_article_that_embeds_a_video_links_the_player_and_the_article(client,
                                                                         corpus_snapshot):
    article = next(a for a in corpus_snapshot.site.articles if a.embed and a.type != "video")
    entry = next(e for e in feedparser.parse(client.get("/feed.rss?limit=500").data).entries
                 if e.link == article.url)
    assert f'<a href="{article.embed}">Watch the video</a>' in entry.content[0].value
    assert f'Read at <a href="{article.url}">' in entry.content[0].value
    assert entry.media_player["url"] == article.embed


@pytest.mark.parametrize("raw, url", [
    ('<iframe width="8" src="https://www.youtube.com/embed/x" allowfullscreen></iframe>',
     "https://www.youtube.com/embed/x"),
    ("<iframe src='//player.vimeo.com/video/1'></iframe>", "https://player.vimeo.com/video/1"),
    ('<iframe src="javascript:alert(1)"></iframe>', ""),
    ('<p>no embed</p><img src="https://i.example/a.png">', ""),
    (["not", "text"], ""),
    ("<iframe src=" + "x" * 20_000, ""),
])
def test_a_featured_embed_gives_its_player_url_or_nothing(raw, url):
    assert embed_url(raw) == url


def test_every_item_has_a_byline_and_only_a_provider_feed_has_a_feed_author(site_client,
                                                                            write_seed,
                                                                            make_client):
    for path in ["/feed.atom", "/topics/climate.atom", "/feed.rss", "/feed.atom?digest=weekly"]:
        parsed = feedparser.parse(site_client.get(path).data)
        assert "author" not in parsed.feed, path
        assert parsed.entries and all(e.get("author") for e in parsed.entries), path
    digest = feedparser.parse(site_client.get("/feed.rss?digest=weekly").data)
    assert {e.author for e in digest.entries} == {"Seed Feeds"}
    provider = feedparser.parse(site_client.get("/providers/example.org.atom").data)
    assert provider.feed.author == "The Example Review"
    for path in ["/feed.json", "/topics/climate.json", "/feed.json?digest=daily"]:
        feed = json.loads(site_client.get(path).data)
        assert "authors" not in feed and all(i["authors"] for i in feed["items"]), path
    write_seed("a.md", title="No provider", publishedDateTime="2024-01-01",
               webUrl="https://a.example/")
    lonely = feedparser.parse(make_client().get("/feed.atom").data).entries[0]
    assert lonely.author == "Seed Feeds"


def test_atom_categories_show_the_topic_name_and_keep_the_slug_in_the_scheme(site_client):
    entries = feedparser.parse(site_client.get("/topics/ai-ethics.atom").data).entries
    tags = {(t.term, t.scheme) for e in entries for t in e.tags}
    assert ("AI & Ethics", f"{BASE_URL}/topics/ai-ethics") in tags
    rss = feedparser.parse(site_client.get("/topics/ai-ethics.rss").data).entries
    assert ("AI & Ethics", f"{BASE_URL}/topics/") in {(t.term, t.scheme) for e in rss
                                                      for t in e.tags}


@pytest.mark.server
def test_the_reader_library_takes_the_lead_image_as_an_enclosure_in_every_format(
        site_server, site_app, tmp_path):
    articles = {a.url: a for a in site_app.extensions["feeds"].corpus.snapshot().site.articles}
    reader = make_reader(str(tmp_path / "reader.sqlite"))
    try:
        for fmt in ["rss", "atom", "json"]:
            reader.add_feed(f"{site_server}/feed.{fmt}?limit=500")
        reader.update_feeds()
        for feed in reader.get_feeds():
            assert feed.last_exception is None, feed.url
            for entry in reader.get_entries(feed=feed):
                article = articles[entry.link]
                expected = [article.images[0].url] if article.images else []
                assert [e.href for e in entry.enclosures] == expected, (feed.url, entry.link)
                assert entry.authors_str == article.provider.name
    finally:
        reader.close()
