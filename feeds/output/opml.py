"""The OPML 2.0 subscription list of every feed."""

from email.utils import format_datetime

from lxml import etree

from ..periods import newest_update
from ..view.snapshot import Section, Snapshot
from .urls import feed_url, page_url


def render_opml(snapshot: Snapshot, base_url: str, site_title: str) -> bytes:
    """OPML 2.0 listing the site feed, then every topic and provider feed, as RSS."""
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = f"{site_title}: every feed"
    newest = newest_update(snapshot.site.articles)
    etree.SubElement(head, "dateModified").text = format_datetime(newest)
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(opml, "body")
    _outline(body, snapshot.site, base_url, site_title)
    for label, sections in (("Topics", snapshot.topics), ("Providers", snapshot.providers)):
        if sections:
            group = etree.SubElement(body, "outline", text=label, title=label)
            for section in sections.values():
                _outline(group, section, base_url, f"{site_title}: {section.name}")
    return etree.tostring(opml, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _outline(parent: etree._Element, section: Section, base_url: str, title: str) -> None:
    """One feed's outline element."""
    etree.SubElement(
        parent, "outline", type="rss", text=title, title=title,
        xmlUrl=feed_url(base_url, section.kind, section.slug, "rss"),
        htmlUrl=page_url(base_url, section.kind, section.slug),
    )
