"""One page of a feed as JSON Feed 1.1."""

import json
from typing import Any

from ..model import Article
from ..view.select import Period
from .content import content_html
from .digest import period_html, period_summary, period_title
from .feedpage import FeedPage
from .media import image_type

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_JSON_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def render_json(doc: FeedPage) -> bytes:
    """The page as JSON Feed 1.1."""
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": doc.title,
        "home_page_url": doc.html_url,
        "feed_url": doc.url(),
        "description": doc.description,
        "language": doc.language,
        "icon": doc.icons.logo,
        "favicon": doc.icons.icon,
    }
    if doc.feed_author:
        feed["authors"] = [{"name": doc.feed_author}]
    if doc.page < doc.pages:
        feed["next_url"] = doc.url(page=doc.page + 1)
    if doc.hub:
        feed["hubs"] = [{"type": "WebSub", "url": doc.hub}]
    feed["items"] = [_json_period(doc, item) if isinstance(item, Period)
                     else _json_item(doc, item) for item in doc.items]
    text = json.dumps(feed, ensure_ascii=False, indent=1)
    # The same JSON, with no markup in its bytes for a browser or a careless client to run.
    return text.translate(_JSON_HTML_SAFE).encode()


def _json_item(doc: FeedPage, article: Article) -> dict[str, Any]:
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
        lead = article.images[0]
        item["image"] = lead.url
        # Readers that take enclosures from JSON Feed (the reader library, Miniflux) read
        # attachments; the lead image is the one the RSS and Atom enclosures carry.
        item["attachments"] = [{"url": lead.url, "mime_type": image_type(lead)}]
    item["authors"] = [{"name": doc.byline(article)}]
    if article.topics:
        item["tags"] = [topic.name for topic in article.topics]
    return item


def _json_period(doc: FeedPage, period: Period) -> dict[str, Any]:
    """One digest period as a JSON Feed item."""
    url = doc.page_url(period.key)
    return {"id": url, "url": url, "title": period_title(period),
            "content_html": period_html(period), "summary": period_summary(period),
            "date_published": period.end.isoformat(), "date_modified": period.updated.isoformat(),
            "authors": [{"name": doc.byline(period)}]}
