"""feedgen extensions for what feedgen lacks: RSS `atom:link`s beyond self, a full Atom source."""

from datetime import datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

ATOM_NS = "http://www.w3.org/2005/Atom"


class AtomLinksExtension(BaseExtension):
    """RSS channel `atom:link`s for a WebSub hub and RFC 5005 paging (feedgen writes only self)."""

    def __init__(self):
        self._links: list[tuple[str, str]] = []

    def extend_ns(self):
        return {"atom": ATOM_NS}

    def add(self, rel: str, href: str) -> None:
        """Add a link with this relation."""
        self._links.append((rel, href))

    def extend_rss(self, feed):
        channel = feed[0]
        for rel, href in self._links:
            xml_elem(f"{{{ATOM_NS}}}link", channel, rel=rel, href=href)
        return feed


class AtomSourceExtension(BaseExtension):
    """Pairs with AtomSourceEntryExtension; the feed itself gets nothing."""


class AtomSourceEntryExtension(BaseEntryExtension):
    """An Atom `source` with id, title, updated and self link (feedgen writes title and link)."""

    def __init__(self):
        self._source: tuple[str, str, str] | None = None

    def set(self, feed_url: str, title: str, updated: datetime) -> None:
        """Point the entry's source at feed_url, named title."""
        self._source = (feed_url, title, updated.isoformat())

    def extend_atom(self, entry):
        if self._source:
            feed_url, title, updated = self._source
            # feedgen builds Atom without a namespace and declares it on the root.
            source = xml_elem("source", entry)
            xml_elem("id", source).text = feed_url
            xml_elem("title", source).text = title
            xml_elem("updated", source).text = updated
            xml_elem("link", source, rel="self", href=feed_url)
        return entry
