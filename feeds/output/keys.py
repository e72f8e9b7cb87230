"""Cached documents described by one frozen value each: its key and signature come from its
fields, so that no key can forget an input its renderer reads.

A described document is a frozen dataclass whose `document()` reads nothing but its fields.
Fields made with `field(metadata=KEY)` say which document it is (the section, the format,
the page, the base URL, the query); every other field is what the document shows now (its
articles, counts, the site's title). The document cache keeps one entry a key and renders it
again whenever the signature differs.
"""

import weakref
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import ClassVar, Generic, TypeVar

from ..view.snapshot import Section
from .documents import Document

T = TypeVar("T")
_KEY = "key"
_SPLITS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}
KEY = MappingProxyType({_KEY: True})  # the metadata of a field that says which document it is


@dataclass(frozen=True, slots=True)
class Key:
    """Which document a value describes: its route (feed, page, index...) and the values of
    its key fields, which get() reads by name (for the logs and the audience counts)."""

    route: str
    values: tuple[object, ...]
    names: tuple[str, ...] = field(compare=False)

    def get(self, name: str) -> object:
        """The value of the key field name."""
        return self.values[self.names.index(name)]


class Described:
    """A mixin for frozen dataclasses that describe a cached document."""

    __slots__ = ()
    ROUTE: ClassVar[str]  # what kind of document: feed, page, query, index, opml, news...

    def cache_key(self) -> Key:
        """Which document this is: its route and the values of its key fields."""
        names, _ = _split(type(self))
        return Key(self.ROUTE, tuple(getattr(self, name) for name in names), names)

    def signature(self) -> tuple[object, ...]:
        """What the document shows: the values of every other field."""
        _, names = _split(type(self))
        return tuple(getattr(self, name) for name in names)

    def document(self) -> Document:
        """The document, rendered from these fields alone."""
        raise NotImplementedError


def _split(kind: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(key field names, signature field names) of a described class: every field is one."""
    split = _SPLITS.get(kind)
    if split is None:
        every = fields(kind)
        split = _SPLITS[kind] = (tuple(f.name for f in every if f.metadata.get(_KEY)),
                                 tuple(f.name for f in every if not f.metadata.get(_KEY)))
    return split


@dataclass(frozen=True, slots=True)
class Subject:
    """What a document shows of its section besides articles: kind, slug, name, site data."""

    kind: str
    slug: str
    name: str
    description: str
    logo: str

    @classmethod
    def of(cls, section: Section) -> "Subject":
        """The subject of section."""
        return cls(section.kind, section.slug, section.name, section.description, section.logo)


class Seen(Generic[T]):
    """A value (a snapshot) held weakly and compared by identity: equal to a Seen of the same
    living object only, so that a cache entry never keeps an old view alive, and an entry of
    an older view never passes for the current one."""

    __slots__ = ("_ref", "_id")

    def __init__(self, value: T):
        self._ref = weakref.ref(value)
        self._id = id(value)

    def __call__(self) -> T:
        """The value; ReferenceError once it is gone (no renderer runs on a view gone)."""
        value = self._ref()
        if value is None:
            raise ReferenceError("the value is gone")
        return value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Seen):
            return NotImplemented
        value = self._ref()
        return value is not None and value is other._ref()

    def __hash__(self) -> int:
        return self._id
