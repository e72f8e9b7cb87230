"""What the site's documents are made of, apart from the request: a section made to measure,
the form to build a feed, a feed's page, the limits, the templates' helpers.

The views serve documents one at a time; `export` writes them all; the settings come as an
argument.
"""

import threading
from dataclasses import dataclass
from datetime import datetime

from ..model import ALL, TOPICS, Article
from ..settings import Settings
from ..text import shorten
from ..view.query import PLAIN, Query
from ..view.select import ArticleSelection, Period, Selection, select
from ..view.snapshot import Section, Snapshot
from .describe import describe
from .icons import icon_links
from .keys import Subject
from .render import FORMATS, FeedPage
from .urls import BUILD_PATH, HUB_PATH, OPML_PATH, absolute, feed_url, page_path, page_url

_PAGE_PERIODS = 10  # digest periods a query's page shows


@dataclass(frozen=True, slots=True)
class Tailored:
    """A section made to measure: the query, what it selects now, and how a title says it."""

    section: Section
    query: Query
    selection: Selection
    filters: tuple[str, ...] = ()

    @classmethod
    def plain(cls, section: Section) -> "Tailored":
        """The section as it is."""
        return cls(section, PLAIN, ArticleSelection(section.articles))


def made_to_measure(snapshot: Snapshot, section: Section, query: Query, now: datetime) -> Tailored:
    """What query selects from section at moment now."""
    if query.is_plain:
        return Tailored.plain(section)
    return Tailored(section, query, select(snapshot, section, query, now),
                    describe(query, snapshot))


MAX_CHOICES = 50  # topics, and providers, a form lists: those with the most articles
MAX_CHOICE_NAME = 80  # characters of a name a choice, a table or an article's line shows
MAX_HEADING_NAME = 200  # characters of a section's name a page's title and heading show
MAX_QUERY_TITLE = 1000  # characters of a query's title ("Seed Feeds: AI · from ...") a page shows
MAX_TITLE_SHOWN = 300  # characters of an article's title an HTML page shows
MAX_DESCRIPTION_SHOWN = 2000  # characters of a section's description (site data) a page shows


@dataclass(frozen=True, slots=True)
class Choices:
    """What a form offers of one kind: (slug, name shown), and how many it leaves out."""

    listed: tuple[tuple[str, str], ...]
    left_out: int

    def holding(self, chosen: tuple[str, ...], sections: dict[str, Section]) -> "Choices":
        """These choices, with the chosen slugs they lack added (in slug order)."""
        missing = sorted(set(chosen) - {slug for slug, _ in self.listed})
        if not missing:
            return self
        added = tuple((slug, shown_name(sections[slug].name)) for slug in missing)
        return Choices(self.listed + added, self.left_out)


@dataclass(frozen=True, slots=True)
class Form:
    """What the form to build a feed offers and holds: the section, the choices, the query."""

    section: str  # the section's page path without its slash: "", topics/ai
    topics: Choices
    providers: Choices
    exclude_topics: Choices
    exclude_providers: Choices
    query: Query = PLAIN


def build_form(snapshot: Snapshot, section: Section, query: Query = PLAIN) -> Form:
    """The form for a page of section, holding query; its choices are built once a snapshot."""
    topics, providers = _snapshot_choices(snapshot)
    return Form(
        section=page_path(section.kind, section.slug).lstrip("/"),
        topics=topics.holding(query.topics, snapshot.topics),
        providers=providers.holding(query.providers, snapshot.providers),
        exclude_topics=topics.holding(query.exclude_topics, snapshot.topics),
        exclude_providers=providers.holding(query.exclude_providers, snapshot.providers),
        query=query,
    )


def shown_name(name: str, length: int = MAX_CHOICE_NAME) -> str:
    """name, cut to length characters (an ellipsis the last) when it is longer."""
    return shorten(name, length)


def _choices(sections: dict[str, Section]) -> Choices:
    """The MAX_CHOICES sections with the most articles (ties by name order), in name order."""
    ranked = sorted(enumerate(sections.values()), key=lambda n_s: (-len(n_s[1].articles), n_s[0]))
    kept = sorted(ranked[:MAX_CHOICES])
    return Choices(tuple((s.slug, shown_name(s.name)) for _, s in kept),
                   max(0, len(sections) - MAX_CHOICES))


_choices_lock = threading.Lock()
_known_choices: tuple[tuple[Snapshot, tuple[Choices, Choices]], ...] = ()  # replaced whole
_KEPT = 2  # the current snapshot's and the previous one's (a request may still hold it)


def _snapshot_choices(snapshot: Snapshot) -> tuple[Choices, Choices]:
    """(topic choices, provider choices) of snapshot, built on first use."""
    global _known_choices
    for known, choices in _known_choices:
        if known is snapshot:
            return choices
    built = (_choices(snapshot.topics), _choices(snapshot.providers))
    with _choices_lock:
        _known_choices = ((snapshot, built), *_known_choices)[:_KEPT]
    return built


def feed_page(tailored: Tailored, fmt: str, base_url: str, settings: Settings, page: int = 1,
              limit: int | None = None) -> FeedPage:
    """One page of the feed of what a query selects from a section, as the settings shape it.

    First pages name the WebSub hub (paged documents are no topics): the hub of its own for
    every feed, an outside hub for the standard feeds alone, since it hears only of those.
    """
    size = limit or default_limit(settings, tailored.query)
    start = (page - 1) * size
    return FeedPage(section=Subject.of(tailored.section), fmt=fmt, page=page, limit=size,
                    query_limit=limit, base_url=base_url, site_title=settings.site_title,
                    language=settings.language, max_age=settings.max_age,
                    items=tailored.selection.entries(start, start + size),
                    total=len(tailored.selection),
                    hub=advertised_hub(settings, tailored.query) if page == 1 else "",
                    query=tailored.query, filters=tailored.filters)


def advertised_hub(settings: Settings, query: Query) -> str:
    """The WebSub hub a feed of query names: ours (WEBSUB_HUB=self, or another instance's at
    BASE_URL/websub) for every feed; an outside hub for the standard feeds only."""
    ours = absolute(settings.base_url, HUB_PATH)
    if settings.websub_hub in ("self", ours):
        return ours
    return settings.websub_hub if query.is_plain else ""


def query_entries(tailored: Tailored, settings: Settings, period: Period | None = None
                  ) -> tuple[Article, ...] | tuple[Period, ...]:
    """What the page of a query lists: one period's articles, the first periods of a digest,
    or the first articles."""
    if period is not None:
        return period.articles
    if tailored.query.digest:
        shown = min(_PAGE_PERIODS, largest_limit(settings, tailored.query))
        return tailored.selection.entries(0, shown)
    return tailored.selection.entries(0, settings.limit)


def largest_limit(settings: Settings, query: Query) -> int:
    """The largest `limit` a request may give: a document renders at most MAX_LIMIT articles,
    and each period of a digest holds up to `top` of them."""
    return max(1, settings.max_limit // query.top) if query.digest else settings.max_limit


def default_limit(settings: Settings, query: Query) -> int:
    """Entries a page of a feed holds when the request gives no `limit`."""
    return min(settings.limit, largest_limit(settings, query))


def template_urls(base_url: str, site_title: str) -> dict[str, object]:
    """Helpers the templates use to link feeds and pages."""
    return {
        "feed_url": lambda s, fmt: feed_url(base_url, s.kind, s.slug, fmt),
        "page_url": lambda s: page_url(base_url, s.kind, s.slug),
        "topic_url": lambda slug: page_url(base_url, TOPICS, slug),
        "home_url": absolute(base_url, page_path(ALL, "")),
        "opml_url": absolute(base_url, OPML_PATH),
        "icon_links": lambda section: icon_links(base_url, section.kind, section.logo)
        if section else icon_links(base_url),
        "site_title": site_title,
        "formats": FORMATS.values(),
        "build_url": absolute(base_url, BUILD_PATH),
        "shown": shown_name,
        "title_length": MAX_TITLE_SHOWN,
        "heading_length": MAX_HEADING_NAME,
        "description_length": MAX_DESCRIPTION_SHOWN,
    }
