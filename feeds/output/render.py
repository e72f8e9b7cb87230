"""One page of a feed -> RSS 2.0, Atom 1.0 (feedgen) or JSON Feed 1.1 bytes; no Flask here."""

from collections.abc import Callable
from dataclasses import dataclass

from feedgen.feed import FeedGenerator
from markupsafe import escape

from ..model import PROVIDERS, TOPICS, Article, Image, Provider
from ..view.select import Period
from .content import content_html
from .digest import period_html, period_summary, period_title
from .documents import Document
from .feedgen_ext import (
    AtomLinksExtension,
    AtomSourceEntryExtension,
    AtomSourceExtension,
    EnclosureEntryExtension,
    EnclosureExtension,
    MediaPlayerEntryExtension,
    MediaPlayerExtension,
)
from .feedpage import FeedPage, feed_title
from .jsonfeed import render_json
from .media import PLAYER_TYPE, image_type, is_video, player_url
from .urls import absolute, feed_url, page_path

__all__ = ["FORMATS", "FeedPage", "feed_document", "feed_title", "render"]

GENERATOR = "Seed Feeds"


def render(doc: FeedPage) -> bytes:
    """The document's bytes in its format."""
    return FORMATS[doc.fmt].render(doc)


def feed_document(page: FeedPage) -> Document:
    """A feed page rendered, with the hub and self `Link` headers WebSub asks of publishers."""
    links = f'<{page.hub}>; rel="hub", <{page.url()}>; rel="self"' if page.hub else ""
    return Document.of(render(page), FORMATS[page.fmt].content_type, page.updated,
                       page.robots, links)


def render_rss(doc: FeedPage) -> bytes:
    """The page as RSS 2.0: feedgen, with what RSS readers need beyond the common parts."""
    # RSS readers take a description as HTML: escape it so that it stays the text it is.
    fg = _feed_generator(doc, str(escape(doc.description)))
    for rel, href in _extra_links(doc):
        fg.paging.add(rel, href)
    for entry, article in zip(fg.entry(), doc.items, strict=True):
        entry.dc.dc_creator(doc.byline(article))
        if isinstance(article, Period):
            entry.description(str(escape(period_summary(article))))
            continue
        if article.excerpt:
            entry.description(str(escape(article.excerpt)))
        if provider := article.provider:
            entry.source(url=_source_url(doc, provider), title=provider.name)
    return bytes(fg.rss_str(pretty=True))


def render_atom(doc: FeedPage) -> bytes:
    """The page as Atom 1.0: feedgen, with text summaries and a full source per entry."""
    fg = _feed_generator(doc, doc.description)
    for rel, href in _extra_links(doc):
        fg.link(href=href, rel=rel)
    for entry, article in zip(fg.entry(), doc.items, strict=True):
        if isinstance(article, Period):
            entry.summary(period_summary(article), type="text")
            continue
        if article.excerpt:
            entry.summary(article.excerpt, type="text")
        if provider := article.provider:
            entry.atom_source.set(_source_url(doc, provider), provider.name, article.updated_at)
    return bytes(fg.atom_str(pretty=True))


def _extra_links(doc: FeedPage) -> list[tuple[str, str]]:
    """RFC 5005 paging links and the WebSub hub, as (rel, href)."""
    return doc.paging_links() + ([("hub", doc.hub)] if doc.hub else [])


def _source_url(doc: FeedPage, provider: Provider) -> str:
    """The provider's feed on this server, in the document's format."""
    return feed_url(doc.base_url, PROVIDERS, provider.slug, doc.fmt)


def _feed_generator(doc: FeedPage, description: str) -> FeedGenerator:
    """A feedgen FeedGenerator holding what RSS and Atom share of the page."""
    fg = FeedGenerator()
    fg.register_extension("paging", AtomLinksExtension, atom=False, rss=True)
    fg.load_extension("media")
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("atom_source", AtomSourceExtension, AtomSourceEntryExtension,
                          atom=True, rss=False)
    fg.register_extension("player", MediaPlayerExtension, MediaPlayerEntryExtension)
    fg.register_extension("enclosure_of", EnclosureExtension, EnclosureEntryExtension)
    fg.id(doc.feed_id)
    fg.title(doc.title)
    fg.description(description)
    fg.language(doc.language)
    if doc.feed_author:
        fg.author(name=doc.feed_author)
    fg.generator(GENERATOR)
    fg.link(href=doc.url(), rel="self", type=FORMATS[doc.fmt].media_type)
    fg.link(href=doc.html_url, rel="alternate", type="text/html")
    fg.icon(doc.icons.icon)
    if doc.fmt == "rss":  # feedgen's image and logo set both the Atom logo and the RSS image
        # The RSS <image>, titled and linked as the channel: the small icon, as RSS caps an
        # image's width at 144 pixels.
        fg.image(url=doc.icons.icon)
    else:
        fg.logo(doc.icons.logo)
    fg.updated(doc.updated)
    fg.lastBuildDate(doc.updated)
    fg.ttl(max(1, doc.max_age // 60))
    for item in doc.items:
        if isinstance(item, Period):
            _add_period_entry(fg, doc, item)
        else:
            _add_entry(fg, doc, item)
    return fg


def _add_period_entry(fg: FeedGenerator, doc: FeedPage, period: Period) -> None:
    """Add one digest period: its page is its link and its id, the same for as long as it is."""
    entry = fg.add_entry(order="append")
    url = doc.page_url(period.key)
    entry.id(url)
    entry.guid(url, permalink=True)
    entry.title(period_title(period))
    entry.link(href=url, rel="alternate")
    entry.content(period_html(period), type="html")
    entry.published(period.end)
    entry.updated(period.updated)
    entry.author(name=doc.byline(period))


def _add_entry(fg: FeedGenerator, doc: FeedPage, article: Article) -> None:
    """Add what RSS items and Atom entries share of one article."""
    entry = fg.add_entry(order="append")
    entry.id(article.url)
    entry.guid(article.url, permalink=True)
    entry.title(article.title)
    entry.link(href=article.url, rel="alternate")
    entry.content(content_html(article), type="html")
    entry.published(article.published_at)
    entry.updated(article.updated_at)
    if article.topics:  # in one call: feedgen rebuilds its whole list on every call
        entry.category(_categories(doc, article))
    entry.author(name=doc.byline(article))
    if article.embed:
        entry.media.content(url=article.embed, medium="video", type=PLAYER_TYPE, group=None)
    for image in article.images:
        entry.media.content(url=image.url, medium="image", group=None, **_dimensions(image))
    if article.images:
        lead = article.images[0]
        entry.media.thumbnail(url=lead.url, group=None, **_dimensions(lead))
        entry.enclosure_of.set(lead.url, image_type(lead))  # RSS allows one: the lead image
    if is_video(article):
        entry.player.set(player_url(article))


def _categories(doc: FeedPage, article: Article) -> list[dict[str, str]]:
    """Topics as feedgen categories. RSS shows the name (the label) and names the topics'
    scheme as the domain; Atom readers show the term, so in Atom the term is the name too, and
    the scheme, the topic's page, keeps the slug for machines."""
    scheme = absolute(doc.base_url, page_path(TOPICS, ""))  # + the slug: the topic's page
    if doc.fmt == "atom":
        return [{"term": topic.name, "label": topic.name, "scheme": scheme + topic.slug}
                for topic in article.topics]
    return [{"term": topic.slug, "label": topic.name, "scheme": scheme}
            for topic in article.topics]


def _dimensions(image: Image) -> dict[str, str]:
    """An image's width and height as the attribute strings feedgen expects."""
    return {k: str(v) for k, v in (("width", image.width), ("height", image.height)) if v}


@dataclass(frozen=True, slots=True)
class Format:
    """A feed format: its URL suffix, media type, names, and the function that renders it."""

    suffix: str
    media_type: str
    name: str  # as a feed link says it: "JSON Feed"
    label: str  # as a table column says it: "JSON"
    render: Callable[[FeedPage], bytes]

    @property
    def content_type(self) -> str:
        """The Content-Type header of the format."""
        return f"{self.media_type}; charset=utf-8"


# Every format, in the order pages list them: routes, rendering, pages and exports read this.
FORMATS = {format.suffix: format for format in (
    Format("rss", "application/rss+xml", "RSS", "RSS", render_rss),
    Format("atom", "application/atom+xml", "Atom", "Atom", render_atom),
    Format("json", "application/feed+json", "JSON Feed", "JSON", render_json),
)}
