"""What crawlers read: robots.txt, which keeps them out of the query space, and the sitemap."""

from itertools import islice
from pathlib import Path
from xml.sax.saxutils import escape

from ..periods import newest_update
from ..settings import Settings
from ..view.snapshot import Snapshot
from .icons import icon_files
from .urls import SITEMAP_PATH, absolute, page_url

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_SITEMAP_URLS = 50_000  # what one sitemap file may hold (sitemaps.org)


def robots_txt(base_url: str, build_path: str, sitemap: bool) -> bytes:
    """robots.txt: the standard pages and feeds are open; every URL with a query (pages and
    feeds made to measure, paging) and the form's target are not: they are without number."""
    lines = [
        "# The query space (filters, digests, paging) has no end: crawl the standard pages.",
        "User-agent: *",
        "Disallow: /*?",
        f"Disallow: {build_path}",
        "Allow: /",
    ]
    if sitemap:
        lines += ["", f"Sitemap: {absolute(base_url, SITEMAP_PATH)}"]
    return ("\n".join(lines) + "\n").encode()


def sitemap_xml(snapshot: Snapshot, base_url: str) -> bytes:
    """The sitemap of the standard HTML pages: the index, each topic's, each provider's, each
    with the newest change of its articles."""
    urls = []
    for section in islice(snapshot.sections(), MAX_SITEMAP_URLS):
        loc = escape(page_url(base_url, section.kind, section.slug))
        lastmod = newest_update(section.articles).isoformat(timespec="seconds")
        urls.append(f"<url><loc>{loc}</loc><lastmod>{lastmod}</lastmod></url>")
    body = "\n".join(urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
            f"{body}\n</urlset>\n").encode()


def root_files(snapshot: Snapshot, base_url: str, settings: Settings,
               build_path: str) -> dict[str, bytes]:
    """The files readers and crawlers ask of a site's root, as the export writes them: the
    icons, robots.txt and (unless SITEMAP is off) the sitemap."""
    files = icon_files(Path(settings.seeds_dir))
    files["robots.txt"] = robots_txt(base_url, build_path, settings.sitemap)
    if settings.sitemap:
        files[SITEMAP_PATH.lstrip("/")] = sitemap_xml(snapshot, base_url)
    return files
