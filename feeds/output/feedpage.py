"""One page of one feed in one format: everything its rendering reads, and what it derives."""

import math
from dataclasses import dataclass, field
from datetime import datetime

from ..model import ALL, PROVIDERS, TOPICS, Article
from ..periods import newest_update
from ..view.query import PLAIN, Query
from ..view.select import Period
from .documents import Document
from .icons import FeedIcons, feed_icons
from .keys import KEY, Described, Subject
from .urls import feed_url, page_url


@dataclass(frozen=True, slots=True)
class FeedPage(Described):
    """One page of one feed in one format, with all its rendering depends on."""

    ROUTE = "feed"

    section: Subject = field(metadata=KEY)
    fmt: str = field(metadata=KEY)
    page: int = field(metadata=KEY)
    limit: int = field(metadata=KEY)
    query_limit: int | None = field(metadata=KEY)
    base_url: str = field(metadata=KEY)
    site_title: str
    language: str
    max_age: int
    items: tuple[Article | Period, ...]  # the entries on this page
    total: int  # entries on every page
    hub: str = ""
    query: Query = field(default=PLAIN, metadata=KEY)
    filters: tuple[str, ...] = ()  # what the query asks, as a title says it

    def document(self) -> Document:
        """The page rendered, with the hub and self `Link` headers WebSub asks of publishers."""
        from .render import feed_document  # render.py imports this module

        return feed_document(self)

    @property
    def pages(self) -> int:
        """How many pages the feed has at this limit (at least one)."""
        return max(1, math.ceil(self.total / self.limit))

    @property
    def updated(self) -> datetime:
        """The newest updatedDateTime on this page: never the current time."""
        return newest_update(self.items)

    def url(self, fmt: str | None = None, page: int | None = None) -> str:
        """The absolute URL of this feed in fmt at page (this document's by default)."""
        return feed_url(self.base_url, self.section.kind, self.section.slug, fmt or self.fmt,
                        self.query.pairs(), self.query_limit, page or self.page)

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

    @property
    def robots(self) -> str:
        """The X-Robots-Tag of the document. As WordPress's SEO plugins do, the site's own
        feed may be indexed (feed directories find it so); the feeds of a topic, a provider, a
        query or a later page are noindex, and their links still followed."""
        plain_first = self.query.is_plain and self.page == 1
        return "" if self.section.kind == ALL and plain_first else "noindex, follow"

    @property
    def icons(self) -> FeedIcons:
        """The feed's icon and logo: the provider's where known, else the site's."""
        return feed_icons(self.base_url, self.section.kind, self.section.logo)

    @property
    def feed_author(self) -> str:
        """The feed-level author: the provider on its own feed; else none, so that no reader
        merges the site's name into the byline of every item."""
        return self.section.name if self.section.kind == PROVIDERS else ""

    def byline(self, item: "Article | Period") -> str:
        """An item's author: its provider; the site for a digest or an article without one."""
        provider = item.provider if isinstance(item, Article) else None
        return provider.name if provider else self.site_title

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


def feed_title(site_title: str, section: Subject, filters: tuple[str, ...]) -> str:
    """"Seed Feeds", or "Seed Feeds: Power Apps · from Microsoft · weekly digest"."""
    parts = ([] if section.kind == ALL else [section.name]) + list(filters)
    return f"{site_title}: {' · '.join(parts)}" if parts else site_title
