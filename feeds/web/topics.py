"""The hub's topics: a feed URL of this server read into its canonical form, and the document
a GET of it returns now, rendered the same way."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import MultiDict

from ..model import PROVIDERS, TOPICS, Article
from ..output.documents import Document
from ..output.pages import feed_page, largest_limit, made_to_measure
from ..output.urls import feed_of_path, feed_url
from ..settings import Settings
from ..text import MAX_URL
from ..view.query import Query
from ..view.select import Period
from ..view.snapshot import Snapshot
from .errors import RequestError
from .params import one_whole_number, read_query

MAX_TOPIC = MAX_URL  # characters of a topic URL, as of every URL the seeds give


class NotATopic(Exception):
    """A URL that names no feed of this server the hub serves: the reason says why."""


@dataclass(frozen=True, slots=True)
class Topic:
    """A feed of this server: section, format, query and limit; its first page is the topic."""

    kind: str
    slug: str
    fmt: str
    query: Query
    limit: int | None

    def url(self, base_url: str) -> str:
        """The topic's canonical URL."""
        return feed_url(base_url, self.kind, self.slug, self.fmt, self.query.pairs(), self.limit)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A topic's document now, the keys of its entries, and when the clock alone changes it."""

    document: Document
    entries: frozenset[str]
    changes_at: datetime | None


def read_topic(url: str, snapshot: Snapshot, settings: Settings) -> Topic:
    """The topic url names, in any spelling a GET accepts; NotATopic says why it is none."""
    base = urlsplit(settings.base_url.rstrip("/"))
    try:
        parts = urlsplit(url[:MAX_TOPIC + 1])
    except ValueError:  # a bracket that opens no IPv6 address: http://[::1/feed.rss
        raise NotATopic(f"{url[:200]!r} is not a URL.") from None
    if len(url) > MAX_TOPIC or (parts.scheme.lower(), parts.netloc.lower()) != (
            base.scheme.lower(), base.netloc.lower()) or not parts.path.startswith(base.path):
        raise NotATopic(f"{url[:200]!r} is not a feed of {settings.base_url}.")
    feed = feed_of_path(parts.path[len(base.path):])
    if feed is None:
        raise NotATopic("the topic must be a feed (.rss, .atom or .json) of this server.")
    kind, slug, fmt = feed
    if snapshot.section(kind, slug) is None:
        raise NotATopic(f"there is no feed {url[:200]!r}.")
    args = MultiDict(parse_qsl(parts.query, keep_blank_values=True))
    if args.getlist("page") not in ([], ["1"]):
        raise NotATopic("a page past the first is not a topic: subscribe to the first page.")
    try:
        query = read_query(args, snapshot)
    except RequestError as error:
        raise NotATopic(error.message) from None
    return Topic(kind, slug, fmt, query, _limit(args, largest_limit(settings, query)))


def _limit(args: MultiDict[str, str], highest: int) -> int | None:
    """The topic's limit, when it gives one; NotATopic for one a GET refuses."""
    try:
        return one_whole_number(args, "limit", highest)
    except RequestError as error:
        raise NotATopic(error.message) from None


def render_topic(topic: Topic, snapshot: Snapshot, settings: Settings,
                 now: datetime) -> Rendered | None:
    """What a GET of the topic returns at moment now; None when it is no feed now."""
    section = snapshot.section(topic.kind, topic.slug)
    if section is None:
        return None
    tailored = made_to_measure(snapshot, section, topic.query, now)
    page = feed_page(tailored, topic.fmt, settings.base_url.rstrip("/"), settings, 1, topic.limit)
    return Rendered(page.document(), frozenset(_entry_key(item) for item in page.items),
                    tailored.selection.changes_at)


def _entry_key(item: Article | Period) -> str:
    """An entry as it is now: its id and when it last changed."""
    if isinstance(item, Period):
        return f"{item.key} {item.updated.isoformat()}"
    return f"{item.url} {item.updated_at.isoformat()}"


def affected(topic: Topic, changed: set[tuple[str, str]]) -> bool:
    """Whether the topic's document may differ after the sections in changed did: an article
    that entered, left or changed is in the site's section, its topics' and its provider's."""
    if (topic.kind, topic.slug) not in changed:
        return False
    query = topic.query
    if query.topics and not any((TOPICS, slug) in changed for slug in query.topics):
        return False
    return not query.providers or any((PROVIDERS, slug) in changed for slug in query.providers)
