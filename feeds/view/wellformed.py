"""Whether values read back from a parse cache are what the model says, field by field.

A cache that unpickles can still hold a title that is a number or a date that is text (a
damaged or planted file, or a model changed without a version bump); such a value would fail
far from here, in a render. These checks are written out by hand, for speed: a restart
checks every article it reads back.
"""

from datetime import datetime
from typing import Any

from ..ingest.sitedata import SiteEntry
from ..model import Article, Image, Provider, Related, SeedError, Topic
from .lookups import Lookups
from .snapshot import Section, Snapshot


def well_formed_result(result: Any, shared: set[int]) -> bool:
    """Whether result is a well-formed Article or SeedError; shared holds the ids of parts
    already checked (providers and topics recur in thousands of articles)."""
    if type(result) is SeedError:
        return type(result.path) is str and type(result.reason) is str
    return (type(result) is Article and tuple(map(type, result)) in _ARTICLE_TYPES
            and result.published_at.tzinfo is not None and result.updated_at.tzinfo is not None
            and (result.provider is None or _once(result.provider, _provider, shared))
            and _once(result.topics, _topics, shared)
            and all(map(_image, result.images))
            and all(type(related) is Related and tuple(map(type, related)) == _RELATED_TYPES
                    for related in result.related))


def well_formed_snapshot(snapshot: Any, articles: set[int]) -> bool:
    """Whether snapshot is a well-formed Snapshot whose articles are all among articles (the
    ids of the checked cache entries)."""
    return type(snapshot) is Snapshot and (
        _section(snapshot.site, articles)
        and all(type(sections) is dict and all(type(slug) is str and _section(s, articles)
                                               for slug, s in sections.items())
                for sections in (snapshot.topics, snapshot.providers))
        and type(snapshot.invalid) is tuple
        and all(type(error) is SeedError for error in snapshot.invalid)
        and all(type(n) is int for n in (snapshot.seed_count, snapshot.published_count,
                                         snapshot.unpublished_count))
        and _moment(snapshot.loaded_at)
        and (snapshot.expires_at is None or _moment(snapshot.expires_at))
        and type(snapshot.lookups) is Lookups and snapshot.lookups.built() is None
        and type(snapshot.embargoes) is dict
        and all(type(key) is tuple and _moment(moment)
                for key, moment in snapshot.embargoes.items()))


def well_formed_site_entry(entry: Any) -> bool:
    """Whether entry is a SiteEntry of texts."""
    return type(entry) is SiteEntry and _texts(entry.name, entry.description, entry.logo)


def _section(section: Any, articles: set[int]) -> bool:
    """A Section of texts whose articles are checked ones."""
    return (type(section) is Section
            and _texts(section.kind, section.slug, section.name, section.description,
                       section.logo)
            and type(section.articles) is tuple
            and all(id(article) in articles for article in section.articles))


def _once(value: Any, check: Any, shared: set[int]) -> bool:
    """check(value), remembered by identity."""
    if id(value) in shared:
        return True
    if not check(value):
        return False
    shared.add(id(value))
    return True


# The types each field of the model may have, as one tuple a value's types are looked up in:
# one look-up checks a whole article.
_SCORE = (type(None), int, float)
_ARTICLE_TYPES = frozenset(
    (str, str, str, str, datetime, datetime, provider, tuple, tuple, tuple, str, str, bool,
     bool, quality, heat, *(str,) * 8)  # seven as the seed writes them (API), the embed
    for provider in (type(None), Provider) for quality in _SCORE for heat in _SCORE)
_IMAGE_TYPES = frozenset((str, width, height, str, bool, str) for width in (type(None), int)
                         for height in (type(None), int))
_RELATED_TYPES = (str, str, str)


def _topics(value: Any) -> bool:
    return _tuple_of(value, _topic)


def _provider(value: Any) -> bool:
    return (type(value) is Provider and len(value) == len(Provider._fields)
            and _texts(value.slug, value.name, value.domain) and _tuple_of(value.images, _image))


def _topic(value: Any) -> bool:
    return type(value) is Topic and len(value) == len(Topic._fields) and _texts(*value)


def _image(value: Any) -> bool:
    return type(value) is Image and tuple(map(type, value)) in _IMAGE_TYPES


def _tuple_of(values: Any, check: Any) -> bool:
    return type(values) is tuple and all(check(value) for value in values)


def _texts(*values: Any) -> bool:
    return all(type(value) is str for value in values)


def _moment(value: Any) -> bool:
    return type(value) is datetime and value.tzinfo is not None
