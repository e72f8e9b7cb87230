"""Every document of the site as bytes, apart from the request: feeds, HTML pages, OPML.

The views serve these one at a time; `export` writes them all. HTML needs Flask's templates,
so these run inside an application context; the settings come as an argument.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import render_template

from ..model import TOPICS
from ..settings import Settings
from ..view.query import PLAIN, Query
from ..view.select import ArticleSelection, Period, Selection, select
from ..view.snapshot import Section, Snapshot, newest_update
from .describe import describe
from .digest import period_title
from .documents import Document
from .icons import icon_links
from .opml import render_opml
from .readers import subscribe_links
from .render import FORMATS, FeedPage, feed_title, newest_change, render
from .urls import HUB_PATH, absolute, feed_url, page_path, page_url

HTML = "text/html; charset=utf-8"
OPML = "text/x-opml; charset=utf-8"
BUILD_PATH = "/build"  # where the form goes; it answers with the query's page
_PAGE_PERIODS = 10  # digest periods a query's page shows


@dataclass(frozen=True, slots=True)
class Made:
    """A section made to measure: the query, what it selects now, and how a title says it."""

    section: Section
    query: Query
    selection: Selection
    filters: tuple[str, ...] = ()

    @classmethod
    def plain(cls, section: Section) -> "Made":
        """The section as it is."""
        return cls(section, PLAIN, ArticleSelection(section.articles))


def made_to_measure(snapshot: Snapshot, section: Section, query: Query, now: datetime) -> Made:
    """What query selects from section at moment now."""
    if query.is_plain:
        return Made.plain(section)
    return Made(section, query, select(snapshot, section, query, now), describe(query, snapshot))


@dataclass(frozen=True, slots=True)
class Form:
    """What the form to build a feed offers and holds: the section, the choices, the query."""

    section: str  # the section's page path without its slash: "", topics/ai
    topics: tuple[tuple[str, str], ...]  # (slug, name)
    providers: tuple[tuple[str, str], ...]
    query: Query = PLAIN


def build_form(snapshot: Snapshot, section: Section, query: Query = PLAIN) -> Form:
    """The form for a page of section, holding query."""
    return Form(
        section=page_path(section.kind, section.slug).lstrip("/"),
        topics=tuple((s.slug, s.name) for s in snapshot.topics.values()),
        providers=tuple((s.slug, s.name) for s in snapshot.providers.values()),
        query=query,
    )


def feed_page(made: Made, fmt: str, base_url: str, settings: Settings, page: int = 1,
              limit: int | None = None) -> FeedPage:
    """One page of the feed of what a query selects from a section, as the settings shape it.

    First pages name the WebSub hub (paged documents are no topics): the hub of its own for
    every feed, an outside hub for the standard feeds alone, since it hears only of those.
    """
    size = limit or settings.limit
    start = (page - 1) * size
    return FeedPage(section=made.section, fmt=fmt, page=page, limit=size, query_limit=limit,
                    base_url=base_url, site_title=settings.site_title,
                    language=settings.language, max_age=settings.max_age,
                    items=made.selection.entries(start, start + size),
                    total=len(made.selection),
                    hub=advertised_hub(settings, made.query) if page == 1 else "",
                    query=made.query, filters=made.filters)


def feed_document(page: FeedPage) -> Document:
    """A feed page rendered, with the hub and self `Link` headers WebSub asks of publishers."""
    links = f'<{page.hub}>; rel="hub", <{page.url()}>; rel="self"' if page.hub else ""
    return Document.of(render(page), FORMATS[page.fmt].content_type, page.updated,
                       page.robots, links)


def advertised_hub(settings: Settings, query: Query) -> str:
    """The WebSub hub a feed of query names: ours (WEBSUB_HUB=self, or another instance's at
    BASE_URL/websub) for every feed; an outside hub for the standard feeds only."""
    ours = absolute(settings.base_url, HUB_PATH)
    if settings.websub_hub in ("self", ours):
        return ours
    return settings.websub_hub if query.is_plain else ""


def index_document(snapshot: Snapshot, base_url: str, settings: Settings,
                   form: Form | None = None) -> Document:
    """The HTML index of every feed, with the form to build a feed when one is given."""
    html = render_template("index.html", snapshot=snapshot, latest=snapshot.site.articles[:10],
                           form=form, **template_urls(base_url, settings))
    return Document.of(html.encode(), HTML, newest_update(snapshot.site.articles))


def section_document(section: Section, base_url: str, settings: Settings,
                     form: Form | None = None) -> Document:
    """The HTML page of one topic or provider, with the form to build a feed when given."""
    latest = section.articles[:settings.limit]
    html = render_template("section.html", section=section, latest=latest, form=form,
                           **template_urls(base_url, settings))
    return Document.of(html.encode(), HTML, newest_update(latest))


def query_document(made: Made, base_url: str, settings: Settings, form: Form,
                   period: Period | None = None) -> Document:
    """The HTML page of a query: its feeds' addresses, subscribe links, the form, and the
    matching articles (the digest's periods, or one period's articles)."""
    kind, slug, pairs = made.section.kind, made.section.slug, made.query.pairs()
    feeds = [(fmt, feed_url(base_url, kind, slug, fmt.suffix, pairs)) for fmt in FORMATS.values()]
    entries = query_entries(made, settings, period)
    html = render_template(
        "query.html", section=made.section, query=made.query, total=len(made.selection),
        title=feed_title(settings.site_title, made.section, made.filters), feeds=feeds,
        readers=subscribe_links(feeds[0][1]), entries=entries, period=period, form=form,
        period_title=period_title,
        period_url=lambda key: page_url(base_url, kind, slug, pairs, period=key),
        **template_urls(base_url, settings))
    return Document.of(html.encode(), HTML, newest_change(entries))


def query_entries(made: Made, settings: Settings, period: Period | None = None) -> tuple:
    """What the page of a query lists: one period's articles, the first periods of a digest,
    or the first articles."""
    if period is not None:
        return period.articles
    return made.selection.entries(0, _PAGE_PERIODS if made.query.digest else settings.limit)


def opml_document(snapshot: Snapshot, base_url: str, settings: Settings) -> Document:
    """The OPML list of every feed."""
    body = render_opml(snapshot, base_url, settings.site_title)
    return Document.of(body, OPML, newest_update(snapshot.site.articles))


def template_urls(base_url: str, settings: Settings) -> dict:
    """Helpers the templates use to link feeds and pages."""
    return {
        "feed_url": lambda s, fmt: feed_url(base_url, s.kind, s.slug, fmt),
        "page_url": lambda s: page_url(base_url, s.kind, s.slug),
        "topic_url": lambda slug: page_url(base_url, TOPICS, slug),
        "home_url": absolute(base_url, "/"),
        "opml_url": absolute(base_url, "/opml.xml"),
        "icon_links": lambda section: icon_links(base_url, section.kind, section.logo)
        if section else icon_links(base_url),
        "site_title": settings.site_title,
        "formats": FORMATS.values(),
        "build_url": absolute(base_url, BUILD_PATH),
    }
