"""Every document of the site as bytes, apart from the request: feeds, HTML pages, OPML.

The views serve these one at a time; `export` writes them all. HTML needs Flask's templates,
so these run inside an application context; the settings come as an argument.
"""

from flask import render_template

from ..model import TOPICS
from ..settings import Settings
from ..view.snapshot import Section, Snapshot, newest_update
from .documents import Document
from .opml import render_opml
from .render import FORMATS, FeedPage, render
from .urls import absolute, feed_path, page_path

HTML = "text/html; charset=utf-8"
OPML = "text/x-opml; charset=utf-8"


def feed_page(section: Section, fmt: str, base_url: str, settings: Settings, page: int = 1,
              limit: int | None = None) -> FeedPage:
    """One page of a section's feed, as the settings shape it."""
    return FeedPage(section=section, fmt=fmt, page=page, limit=limit or settings.limit,
                    query_limit=limit, base_url=base_url, site_title=settings.site_title,
                    language=settings.language, max_age=settings.max_age,
                    hub=settings.websub_hub)


def feed_document(page: FeedPage) -> Document:
    """A feed page rendered."""
    return Document.of(render(page), FORMATS[page.fmt].content_type, page.updated)


def index_document(snapshot: Snapshot, base_url: str, settings: Settings) -> Document:
    """The HTML index of every feed."""
    html = render_template("index.html", snapshot=snapshot, latest=snapshot.site.articles[:10],
                           **template_urls(base_url, settings))
    return Document.of(html.encode(), HTML, newest_update(snapshot.site.articles))


def section_document(section: Section, base_url: str, settings: Settings) -> Document:
    """The HTML page of one topic or provider."""
    latest = section.articles[:settings.limit]
    html = render_template("section.html", section=section, latest=latest,
                           **template_urls(base_url, settings))
    return Document.of(html.encode(), HTML, newest_update(latest))


def opml_document(snapshot: Snapshot, base_url: str, settings: Settings) -> Document:
    """The OPML list of every feed."""
    body = render_opml(snapshot, base_url, settings.site_title)
    return Document.of(body, OPML, newest_update(snapshot.site.articles))


def template_urls(base_url: str, settings: Settings) -> dict:
    """Helpers the templates use to link feeds and pages."""
    return {
        "feed_url": lambda s, fmt: absolute(base_url, feed_path(s.kind, s.slug, fmt)),
        "page_url": lambda s: absolute(base_url, page_path(s.kind, s.slug)),
        "topic_url": lambda slug: absolute(base_url, page_path(TOPICS, slug)),
        "home_url": absolute(base_url, "/"),
        "opml_url": absolute(base_url, "/opml.xml"),
        "icon_url": absolute(base_url, "/static/favicon.svg"),
        "site_title": settings.site_title,
        "formats": FORMATS.values(),
    }
