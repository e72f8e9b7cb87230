"""One page of a feed -> RSS 2.0, Atom 1.0 (feedgen) or JSON Feed 1.1 bytes; no Flask here."""

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from feedgen.feed import FeedGenerator
from markupsafe import escape

from ..model import ALL, PROVIDERS, TOPICS, Article, Provider
from ..view.query import PLAIN, Query
from ..view.select import Period
from ..view.snapshot import EPOCH, Section
from .digest import period_html, period_summary, period_title
from .feedgen_ext import AtomLinksExtension, AtomSourceEntryExtension, AtomSourceExtension
from .urls import absolute, feed_url, page_url

GENERATOR = "Seed Feeds"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_JSON_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One page of one feed in one format, with all its rendering depends on."""

    section: Section
    fmt: str
    page: int
    limit: int
    query_limit: int | None
    base_url: str
    site_title: str
    language: str
    max_age: int
    items: tuple[Article | Period, ...]  # the entries on this page
    total: int  # entries on every page
    hub: str = ""
    query: Query = PLAIN
    filters: tuple[str, ...] = ()  # what the query asks, as a title says it

    @property
    def pages(self) -> int:
        """How many pages the feed has at this limit (at least one)."""
        return max(1, math.ceil(self.total / self.limit))

    @property
    def updated(self) -> datetime:
        """The newest updatedDateTime on this page: never the current time."""
        return newest_change(self.items)

    def url(self, fmt: str | None = None, page: int | None = None) -> str:
        """The absolute URL of this feed in fmt at page (this document's by default)."""
        return feed_url(self.base_url, self.section.kind, self.section.slug, fmt or self.fmt,
                        self.query.pairs(), self.query_limit, page or self.page)

    @property
    def signature(self) -> tuple:
        """What the bytes depend on beyond the cache key: the items and the section's facts."""
        section = self.section
        return (self.items, self.pages, section.name, section.description, section.logo,
                self.filters)

    @property
    def feed_id(self) -> str:
        """The stable id: the canonical URL of the feed's first page."""
        return feed_url(self.base_url, self.section.kind, self.section.slug, self.fmt,
                        self.query.pairs())

    @property
    def html_url(self) -> str:
        """The HTML page of the section and query."""
        return self.page_url()

    def page_url(self, period: str = "") -> str:
        """The HTML page of the section and query, or of one period of its digest."""
        return page_url(self.base_url, self.section.kind, self.section.slug, self.query.pairs(),
                        period)

    @property
    def title(self) -> str:
        """The site title, plus the topic or provider name and what the query asks."""
        return feed_title(self.site_title, self.section, self.filters)

    @property
    def description(self) -> str:
        """The section's description, or one said for it."""
        if self.section.description:
            return self.section.description
        if self.section.kind == TOPICS:
            return f"The latest articles about {self.section.name} on {self.site_title}."
        if self.section.kind == PROVIDERS:
            return f"The latest articles from {self.section.name} on {self.site_title}."
        return f"The latest articles on {self.site_title}."

    def paging_links(self) -> list[tuple[str, str]]:
        """RFC 5005 (rel, url) pairs, when there is more than one page."""
        if self.pages == 1:
            return []
        links = [("first", self.url(page=1))]
        if self.page > 1:
            links.append(("previous", self.url(page=self.page - 1)))
        if self.page < self.pages:
            links.append(("next", self.url(page=self.page + 1)))
        links.append(("last", self.url(page=self.pages)))
        return links


def newest_change(items: Iterable[Article | Period]) -> datetime:
    """The newest updatedDateTime of articles, or of digest periods (their articles' and their
    end's); the epoch for none."""
    return max((item.updated if isinstance(item, Period) else item.updated_at for item in items),
               default=EPOCH)


def feed_title(site_title: str, section: Section, filters: tuple[str, ...]) -> str:
    """"Seed Feeds", or "Seed Feeds: Power Apps · from Microsoft · weekly digest"."""
    parts = ([] if section.kind == ALL else [section.name]) + list(filters)
    return f"{site_title}: {' · '.join(parts)}" if parts else site_title


def render(doc: FeedPage) -> bytes:
    """The document's bytes in its format."""
    return FORMATS[doc.fmt].render(doc)


def render_rss(doc: FeedPage) -> bytes:
    """The page as RSS 2.0: feedgen, with what RSS readers need beyond the common parts."""
    # RSS readers take a description as HTML: escape it so that it stays the text it is.
    fg = _feed_generator(doc, str(escape(doc.description)))
    for rel, href in _extra_links(doc):
        fg.paging.add(rel, href)
    for entry, article in zip(fg.entry(), doc.items, strict=True):
        if isinstance(article, Period):
            entry.description(str(escape(period_summary(article))))
            continue
        if article.excerpt:
            entry.description(str(escape(article.excerpt)))
        if provider := article.provider:
            entry.dc.dc_creator(provider.name)
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


def content_html(article: Article) -> str:
    """The small HTML rendering of an article: lead image, excerpt, where to read it, related.

    Every value goes through markupsafe's escape (in C), not Markup.format: the same bytes,
    at a third of the cost.
    """
    parts = []
    if article.images:
        image = article.images[0]
        size = "".join(f' {name}="{value}"' for name, value in
                       (("width", image.width), ("height", image.height)) if value)
        parts.append(f'<p><img src="{escape(image.url)}" '
                     f'alt="{escape(image.title or article.title)}"{size}></p>')
    if article.excerpt:
        parts.append(f"<p>{escape(article.excerpt)}</p>")
    source = article.provider.name if article.provider else "the source"
    parts.append(f'<p>Read at <a href="{escape(article.url)}">{escape(source)}</a></p>')
    if article.related:
        items = "".join(
            f'<li><a href="{escape(r.url)}">{escape(r.title)}</a>'
            f'{escape(f" ({r.provider_name})") if r.provider_name else ""}</li>'
            for r in article.related)
        parts.append(f"<p>Related coverage:</p><ul>{items}</ul>")
    return "\n".join(parts)


def _feed_generator(doc: FeedPage, description: str) -> FeedGenerator:
    """A feedgen FeedGenerator holding what RSS and Atom share of the page."""
    fg = FeedGenerator()
    fg.register_extension("paging", AtomLinksExtension, atom=False, rss=True)
    fg.load_extension("media")
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("atom_source", AtomSourceExtension, AtomSourceEntryExtension,
                          atom=True, rss=False)
    fg.id(doc.feed_id)
    fg.title(doc.title)
    fg.description(description)
    fg.language(doc.language)
    fg.author(name=doc.section.name if doc.section.kind == PROVIDERS else doc.site_title)
    fg.generator(GENERATOR)
    fg.link(href=doc.url(), rel="self", type=FORMATS[doc.fmt].media_type)
    fg.link(href=doc.html_url, rel="alternate", type="text/html")
    if doc.section.logo:
        fg.logo(doc.section.logo)
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
        scheme = absolute(doc.base_url, f"/{TOPICS}/")
        entry.category([{"term": topic.slug, "label": topic.name, "scheme": scheme}
                        for topic in article.topics])
    if article.provider:
        entry.author(name=article.provider.name)
    for image in article.images:
        entry.media.content(url=image.url, medium="image", group=None, **_size(image))
    if article.images:
        lead = article.images[0]
        entry.media.thumbnail(url=lead.url, group=None, **_size(lead))


def _size(image) -> dict[str, str]:
    """An image's width and height as the attribute strings feedgen expects."""
    return {k: str(v) for k, v in (("width", image.width), ("height", image.height)) if v}


def render_json(doc: FeedPage) -> bytes:
    """The page as JSON Feed 1.1."""
    feed = {
        "version": JSON_FEED_VERSION,
        "title": doc.title,
        "home_page_url": doc.html_url,
        "feed_url": doc.url(),
        "description": doc.description,
        "language": doc.language,
        "authors": [{"name": doc.section.name if doc.section.kind == PROVIDERS
                     else doc.site_title}],
    }
    if doc.section.logo:
        feed["favicon"] = doc.section.logo
    if doc.page < doc.pages:
        feed["next_url"] = doc.url(page=doc.page + 1)
    if doc.hub:
        feed["hubs"] = [{"type": "WebSub", "url": doc.hub}]
    feed["items"] = [_json_period(doc, item) if isinstance(item, Period) else _json_item(item)
                     for item in doc.items]
    text = json.dumps(feed, ensure_ascii=False, indent=1)
    # The same JSON, with no markup in its bytes for a browser or a careless client to run.
    return text.translate(_JSON_HTML_SAFE).encode()


def _json_item(article: Article) -> dict[str, Any]:
    """One article as a JSON Feed item."""
    item: dict[str, Any] = {
        "id": article.url,
        "url": article.url,
        "title": article.title,
        "content_html": content_html(article),
        "date_published": article.published_at.isoformat(),
        "date_modified": article.updated_at.isoformat(),
    }
    if article.excerpt:
        item["summary"] = article.excerpt
    if article.images:
        item["image"] = article.images[0].url
    if article.provider:
        item["authors"] = [{"name": article.provider.name}]
    if article.topics:
        item["tags"] = [topic.name for topic in article.topics]
    return item


def _json_period(doc: FeedPage, period: Period) -> dict[str, Any]:
    """One digest period as a JSON Feed item."""
    url = doc.page_url(period.key)
    return {"id": url, "url": url, "title": period_title(period),
            "content_html": period_html(period), "summary": period_summary(period),
            "date_published": period.end.isoformat(), "date_modified": period.updated.isoformat()}


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
