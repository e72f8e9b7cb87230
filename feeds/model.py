"""The plain data every layer shares: articles, their parts, and seed errors.

Named tuples rather than dataclasses: immutable all the same, and a parse cache of 50,000
articles unpickles in half the time (tuples are rebuilt in C, not field by field in Python).
"""

from datetime import datetime
from typing import NamedTuple

from .text import FEED_SUFFIXES as FEED_SUFFIXES  # the formats' URL suffixes, re-exported
from .text import search_words

# The kinds of section a feed has: every article, one topic, one provider.
ALL, TOPICS, PROVIDERS = "all", "topics", "providers"
MAX_SLUG = 200  # longer topic or provider slugs make a seed invalid


class Image(NamedTuple):
    """A picture with its size when known."""

    url: str
    width: int | None = None
    height: int | None = None
    title: str = ""
    cached: bool = False  # the seed's isCached, for the origin site's JSON API
    type: str = ""  # the seed's media type of it (image/png), when it gives one


class Provider(NamedTuple):
    """The source that published an article."""

    slug: str
    name: str
    domain: str = ""
    images: tuple[Image, ...] = ()


class Topic(NamedTuple):
    """A topic as one seed spells it."""

    slug: str
    name: str


class Related(NamedTuple):
    """Other coverage of the same story."""

    title: str
    url: str
    provider_name: str = ""


class Article(NamedTuple):
    """One seed's article, valid and normalised; `is_listed(now)` says whether it may appear."""

    path: str
    url: str
    title: str
    excerpt: str
    published_at: datetime
    updated_at: datetime
    provider: Provider | None
    topics: tuple[Topic, ...]
    images: tuple[Image, ...]
    related: tuple[Related, ...]
    type: str  # the seed's `type`: article, video...
    category: str
    published: bool
    deleted: bool
    quality: float | None  # the seed's scores, None when it has none
    heat: float | None
    # As the seed writes them, for the origin site's JSON API (feeds/output/api.py): '' when
    # absent, and the very same string as `url`, `title` or `excerpt` when equal to it.
    web_url: str = ""
    original_url: str = ""
    written_title: str = ""  # character references not decoded, nor the text stripped
    written_excerpt: str = ""
    amp_web_url: str = ""
    cdn_amp_web_url: str = ""
    featured_content: str = ""  # an HTML embed (videos), never read into the feeds
    embed: str = ""  # the player URL of the seed's featuredContent embed (a video), if any

    @property
    def words(self) -> str:
        """The distinct search words of title and excerpt, space-separated: worked out when
        asked (by the index, once a view), never kept, for a seed's bytes in memory."""
        return " ".join(dict.fromkeys(search_words(f"{self.title} {self.excerpt}")))

    def is_listed(self, now: datetime) -> bool:
        """Published, not deleted, and its moment has come."""
        return self.published and not self.deleted and self.published_at <= now

    def is_embargoed(self, now: datetime) -> bool:
        """Published and not deleted, but dated in the future."""
        return self.published and not self.deleted and self.published_at > now


class SeedError(Exception):
    """A seed that cannot be read, with its file and the reason a person can act on.

    `retry` marks a reason that may pass by itself (the system would not read the file): such
    a seed is read again at every scan and never kept in the parse cache.
    """

    def __init__(self, path: str, reason: str, retry: bool = False):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.retry = retry

    def __reduce__(self) -> tuple[type["SeedError"], tuple[str, str, bool]]:
        return SeedError, (self.path, self.reason, self.retry)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SeedError) and (self.path, self.reason) == (
            other.path,
            other.reason,
        )

    def __hash__(self) -> int:
        return hash((self.path, self.reason))


Result = Article | SeedError  # what reading one seed gives
