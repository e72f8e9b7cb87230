"""The origin site's JSON news API: a page of articles -> the bytes the original wrote.

The everyday sites publish `/api/news/index.json` and `/api/news/page/N/index.json` (and the
same under each topic's id): `{"page", "value", "nextPage"}`, each article with the fields
below, in this order, as their generator wrote them (2-space indent, UTF-8, no final newline).
Text is the seed's as written; only `<`, `>`, `&`, U+2028 and U+2029 are written as `\\uXXXX`,
which leaves every value the same.
"""

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..model import ALL, Article, Image, Provider
from ..periods import newest_update
from ..view.query import PLAIN, Query
from .documents import Document
from .keys import KEY, Described

CONTENT_TYPE = "application/json; charset=utf-8"
_SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                ("\u2029", "\\u2029"))


@dataclass(frozen=True, slots=True)
class NewsPage(Described):
    """One page of a news listing: its number, its articles, how many pages there are; the
    listing's section and query, which say which page of which listing it is."""

    ROUTE = "news"

    page: int = field(metadata=KEY)
    items: tuple[Article, ...]
    pages: int  # pages in the listing, at least one
    locale: str  # the site's, written on every article
    kind: str = field(default=ALL, metadata=KEY)
    slug: str = field(default="", metadata=KEY)
    query: Query = field(default=PLAIN, metadata=KEY)

    @property
    def next_page(self) -> int | None:
        """The number of the page after this one; None on the last."""
        return self.page + 1 if self.page < self.pages else None

    @property
    def updated(self) -> datetime:
        """The newest updatedDateTime on this page: never the current time."""
        return newest_update(self.items)


    def document(self) -> Document:
        """The page rendered, with its validators."""
        return Document.of(render_news(self), CONTENT_TYPE, self.updated)


def news_page(articles: tuple[Article, ...], total: int, page: int, size: int,
              locale: str, kind: str = ALL, slug: str = "", query: Query = PLAIN) -> NewsPage:
    """Page number page of a listing (of kind and slug, query) of total articles, size a page,
    holding articles."""
    return NewsPage(page, tuple(articles), max(1, math.ceil(total / size)), locale, kind, slug,
                    query)


def render_news(page: NewsPage) -> bytes:
    """The page as the original wrote it."""
    listing = {"page": page.page, "value": [news_entry(a, page.locale) for a in page.items],
               "nextPage": page.next_page}
    text = json.dumps(listing, ensure_ascii=False, indent=2)
    for character, escaped in _SCRIPT_SAFE:  # str.replace, many times faster than translate
        text = text.replace(character, escaped)
    return text.encode()


def news_entry(article: Article, locale: str) -> dict[str, Any]:
    """One article's fields, in the original's order; never `secured`."""
    return {
        "path": article.path,
        "title": article.written_title or article.title,
        "excerpt": article.written_excerpt or article.excerpt or None,
        "sourceUrl": None,
        "webUrl": article.web_url or None,
        "originalUrl": article.original_url or None,
        "featuredContent": article.featured_content or None,
        "highlight": None,
        "heat": _number(article.heat),
        "tags": None,
        "images": _images(article.images),
        "content": "",
        "type": article.type or None,
        "ampWebUrl": article.amp_web_url or None,
        "cdnAmpWebUrl": article.cdn_amp_web_url or None,
        "publishedDateTime": _moment(article.published_at),
        "updatedDateTime": (_moment(article.updated_at)
                            if article.updated_at != article.published_at else None),
        "provider": _provider(article.provider),
        "locale": locale,
        "categories": [article.category] if article.category else None,
        "topics": [topic.name for topic in article.topics],
    }


def _provider(provider: Provider | None) -> dict[str, Any] | None:
    """The provider as the original writes it."""
    if provider is None:
        return None
    return {"name": provider.name, "domain": provider.domain or None,
            "images": _images(provider.images), "publishers": None, "authors": None}


def _images(images: tuple[Image, ...]) -> list[dict[str, Any]] | None:
    """Images as the original writes them; None for none."""
    if not images:
        return None
    return [{"url": image.url, "width": image.width, "height": image.height,
             "title": image.title or None, "attribution": None, "isCached": image.cached}
            for image in images]


def _moment(moment: datetime) -> str:
    """A UTC moment as the original writes it: 2024-04-11T08:00:16Z."""
    return moment.isoformat().replace("+00:00", "Z")


def _number(value: float | None) -> float | int | None:
    """A score as the seed gives it; a whole float as a whole number."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
