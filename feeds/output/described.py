"""The site's documents besides feeds, each described by one frozen value that holds all its
renderer reads: the index, a section's page, a query's page, OPML and the sitemap.

The HTML ones need Flask's templates, so they render inside an application context.
"""

from dataclasses import dataclass, field

from flask import render_template

from ..model import Article
from ..periods import newest_update
from ..settings import Settings
from ..view.query import Query
from ..view.select import Period
from ..view.snapshot import Section, Snapshot
from .crawlers import sitemap_xml
from .digest import period_title
from .documents import Document
from .keys import KEY, Described, Seen, Subject
from .opml import render_opml
from .pages import MAX_QUERY_TITLE, Form, Tailored, query_entries, shown_name, template_urls
from .readers import subscribe_links
from .render import FORMATS, feed_title
from .urls import feed_url, page_url

HTML = "text/html; charset=utf-8"
OPML = "text/x-opml; charset=utf-8"
SITEMAP = "application/xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class IndexPage(Described):
    """The HTML index of every feed, with the form to build a feed when one is given."""

    ROUTE = "index"

    base_url: str = field(metadata=KEY)
    snapshot: Seen[Snapshot]
    site_title: str
    form: Form | None

    def document(self) -> Document:
        """The page rendered."""
        snapshot = self.snapshot()
        html = render_template("index.html", snapshot=snapshot,
                               latest=snapshot.site.articles[:10], form=self.form,
                               **template_urls(self.base_url, self.site_title))
        return Document.of(html.encode(), HTML, newest_update(snapshot.site.articles))


@dataclass(frozen=True, slots=True)
class SectionPage(Described):
    """The HTML page of one topic or provider: its latest articles, and the form when given."""

    ROUTE = "page"

    section: Subject = field(metadata=KEY)
    base_url: str = field(metadata=KEY)
    site_title: str
    latest: tuple[Article, ...]
    count: int  # articles in the section
    form: Form | None

    def document(self) -> Document:
        """The page rendered."""
        html = render_template("section.html", section=self.section, latest=self.latest,
                               count=self.count, form=self.form,
                               **template_urls(self.base_url, self.site_title))
        return Document.of(html.encode(), HTML, newest_update(self.latest))


@dataclass(frozen=True, slots=True)
class QueryPage(Described):
    """The HTML page of a query: its feeds' addresses, subscribe links, the form, and the
    matching articles (the digest's periods, or one period's articles)."""

    ROUTE = "query"

    section: Subject = field(metadata=KEY)
    query: Query = field(metadata=KEY)
    period_key: str = field(metadata=KEY)
    base_url: str = field(metadata=KEY)
    site_title: str
    total: int  # entries the query selects
    filters: tuple[str, ...]
    entries: tuple[Article | Period, ...]
    period: Period | None
    form: Form

    def document(self) -> Document:
        """The page rendered."""
        kind, slug, pairs, base = (self.section.kind, self.section.slug, self.query.pairs(),
                                   self.base_url)
        feeds = [(fmt, feed_url(base, kind, slug, fmt.suffix, pairs)) for fmt in FORMATS.values()]
        html = render_template(
            "query.html", section=self.section, query=self.query, total=self.total,
            title=shown_name(feed_title(self.site_title, self.section, self.filters),
                             MAX_QUERY_TITLE), feeds=feeds,
            readers=subscribe_links(feeds[0][1]), entries=self.entries, period=self.period,
            form=self.form, period_title=period_title,
            period_url=lambda period: page_url(base, kind, slug, pairs, period=period),
            **template_urls(base, self.site_title))
        return Document.of(html.encode(), HTML, newest_update(self.entries))


@dataclass(frozen=True, slots=True)
class OpmlList(Described):
    """The OPML list of every feed."""

    ROUTE = "opml"

    base_url: str = field(metadata=KEY)
    snapshot: Seen[Snapshot]
    site_title: str

    def document(self) -> Document:
        """The list rendered."""
        snapshot = self.snapshot()
        body = render_opml(snapshot, self.base_url, self.site_title)
        return Document.of(body, OPML, newest_update(snapshot.site.articles))


@dataclass(frozen=True, slots=True)
class Sitemap(Described):
    """The sitemap of the standard pages."""

    ROUTE = "sitemap"

    base_url: str = field(metadata=KEY)
    snapshot: Seen[Snapshot]

    def document(self) -> Document:
        """The sitemap rendered."""
        snapshot = self.snapshot()
        return Document.of(sitemap_xml(snapshot, self.base_url), SITEMAP,
                           newest_update(snapshot.site.articles))


def index_page(snapshot: Snapshot, base_url: str, settings: Settings,
               form: Form | None = None) -> IndexPage:
    """The index of snapshot, with the form to build a feed when one is given."""
    return IndexPage(base_url, Seen(snapshot), settings.site_title, form)


def section_page(section: Section, base_url: str, settings: Settings,
                 form: Form | None = None) -> SectionPage:
    """The page of section: its LIMIT latest articles."""
    return SectionPage(Subject.of(section), base_url, settings.site_title,
                       tuple(section.articles[:settings.limit]), len(section.articles), form)


def query_page(tailored: Tailored, base_url: str, settings: Settings, form: Form,
               period: Period | None, period_key: str) -> QueryPage:
    """The page of a query, or of its digest's period period_key ("" and None for none)."""
    return QueryPage(Subject.of(tailored.section), tailored.query, period_key, base_url,
                     settings.site_title, len(tailored.selection), tailored.filters,
                     tuple(query_entries(tailored, settings, period)), period, form)


def opml_list(snapshot: Snapshot, base_url: str, settings: Settings) -> OpmlList:
    """The OPML list of snapshot's feeds."""
    return OpmlList(base_url, Seen(snapshot), settings.site_title)


def sitemap(snapshot: Snapshot, base_url: str) -> Sitemap:
    """The sitemap of snapshot's standard pages."""
    return Sitemap(base_url, Seen(snapshot))
