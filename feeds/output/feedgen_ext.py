"""feedgen extensions for what feedgen lacks: RSS `atom:link`s beyond self, a full Atom source,
a Media RSS player."""

from datetime import datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem
from lxml.etree import _Element

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"


class AtomLinksExtension(BaseExtension):
    """RSS channel `atom:link`s for a WebSub hub and RFC 5005 paging (feedgen writes only self)."""

    def __init__(self) -> None:
        self._links: list[tuple[str, str]] = []

    def extend_ns(self) -> dict[str, str]:
        return {"atom": ATOM_NS}

    def add(self, rel: str, href: str) -> None:
        """Add a link with this relation."""
        self._links.append((rel, href))

    def extend_rss(self, feed: _Element) -> _Element:
        channel = feed[0]
        for rel, href in self._links:
            xml_elem(f"{{{ATOM_NS}}}link", channel, rel=rel, href=href)
        return feed


class AtomSourceExtension(BaseExtension):
    """Pairs with AtomSourceEntryExtension; the feed itself gets nothing."""


class AtomSourceEntryExtension(BaseEntryExtension):
    """An Atom `source` with id, title, updated and self link (feedgen writes title and link)."""

    def __init__(self) -> None:
        self._source: tuple[str, str, str] | None = None

    def set(self, feed_url: str, title: str, updated: datetime) -> None:
        """Point the entry's source at feed_url, named title."""
        self._source = (feed_url, title, updated.isoformat())

    def extend_atom(self, entry: _Element) -> _Element:
        if self._source:
            feed_url, title, updated = self._source
            # feedgen builds Atom without a namespace and declares it on the root.
            source = xml_elem("source", entry)
            xml_elem("id", source).text = feed_url
            xml_elem("title", source).text = title
            xml_elem("updated", source).text = updated
            xml_elem("link", source, rel="self", href=feed_url)
        return entry


class MediaPlayerExtension(BaseExtension):
    """Pairs with MediaPlayerEntryExtension: declares the Media RSS namespace."""

    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS}


class MediaPlayerEntryExtension(BaseEntryExtension):
    """A Media RSS `media:player`, where a video plays (feedgen's media extension has none)."""

    def __init__(self) -> None:
        self._url = ""

    def set(self, url: str) -> None:
        """The URL of the page that plays the entry's video."""
        self._url = url

    def extend_atom(self, entry: _Element) -> _Element:
        if self._url:
            xml_elem(f"{{{MEDIA_NS}}}player", entry, url=self._url)
        return entry

    def extend_rss(self, item: _Element) -> _Element:
        return self.extend_atom(item)


class EnclosureExtension(BaseExtension):
    """Pairs with EnclosureEntryExtension; the feed itself gets nothing."""


class EnclosureEntryExtension(BaseEntryExtension):
    """An RSS `enclosure` and an Atom `link rel="enclosure"`. feedgen's own loses the rel and
    type of every Atom entry link (a variable shadowed in FeedEntry.atom_entry), which would
    make the enclosure a second alternate link."""

    def __init__(self) -> None:
        self._enclosure: tuple[str, str] | None = None

    def set(self, url: str, media_type: str) -> None:
        """The one enclosure of the entry, with its media type; its length is unknown."""
        self._enclosure = (url, media_type)

    def extend_rss(self, item: _Element) -> _Element:
        if self._enclosure:
            url, media_type = self._enclosure
            # RSS requires a length; 0 is what the RSS Advisory Board says for unknown.
            xml_elem("enclosure", item, url=url, length="0", type=media_type)
        return item

    def extend_atom(self, entry: _Element) -> _Element:
        if self._enclosure:  # Atom's length is optional: none rather than a wrong one
            url, media_type = self._enclosure
            xml_elem("link", entry, rel="enclosure", href=url, type=media_type)
        return entry
