"""The parts of a seed's front matter read into records, with their caps: the provider,
topics, images and related coverage, and the text fields they hold."""

import threading
from datetime import date, datetime
from typing import Any, TypeVar

from ..model import MAX_SLUG, Image, Provider, Related, Topic
from ..text import domain_slug, http_url, plain_text, shorten, slugify
from .media import seed_image_type

T = TypeVar("T")
MAX_IMAGES = 10
MAX_RELATED = 20
MAX_TOPICS = 20
# Entries of a list read before its cap is reached: the rest are never looked at, so a list of
# a million (or of one value repeated by YAML aliases) costs no more than this.
MAX_LIST_READ = 100
# Longer texts are cut (ending in an ellipsis), so that no item grows past a known size.
MAX_NAME = 200  # topic, provider and image names
MAX_TITLE = 1000  # titles, of the article and of related coverage
# Equal providers, topics, images and short texts (type, category) recur in thousands of seeds:
# keep one instance of each, by type (a Topic equals a plain tuple of the same texts).
_SHARING = threading.local()  # each thread's own tables: one read's sharing never meets another's
_MAX_SHARED = 100_000  # of each type; then forgotten, and built again from what comes next


class Invalid(Exception):
    """A reason a seed is invalid, before its path is attached."""


def read_text(fields: dict[str, Any], key: str, label: str | None = None) -> str:
    """An optional text field as plain text (references decoded, cleaned); '' when absent."""
    value = fields.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{label or key} must be text, not {type_name(value)} (quote it)")
    return plain_text(value)


def read_provider(raw: Any) -> Provider | None:
    """The provider mapping: name, domain, images."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise Invalid(f"provider must be a mapping with name and domain, not {type_name(raw)}")
    name = read_text(raw, "name", "provider.name")
    domain = read_text(raw, "domain", "provider.domain")
    slug = domain_slug(domain) if domain else slugify(name)
    if not slug:
        return None
    if len(slug) > MAX_SLUG:
        raise Invalid(f"provider {'domain' if domain else 'name'} is longer than {MAX_SLUG} "
                       "characters")
    images = read_images(raw.get("images"), "provider.images")
    return shared(Provider(slug=slug, name=shorten(name or domain, MAX_NAME), domain=domain,
                            images=images))


def read_topics(raw: Any) -> tuple[Topic, ...]:
    """Topic names, one per slug, in the seed's order; the first MAX_TOPICS of them."""
    topics: dict[str, Topic] = {}
    for value in read_list(raw, "topics"):
        if not isinstance(value, str):
            raise Invalid(f"topics must be a list of names, and one is {type_name(value)}")
        name = plain_text(value)
        slug = slugify(name)
        if len(slug) > MAX_SLUG:
            raise Invalid(f"topic {name[:40]!r}... is longer than {MAX_SLUG} characters")
        if slug and slug not in topics:
            topics[slug] = Topic(slug=slug, name=shorten(name, MAX_NAME))
            if len(topics) == MAX_TOPICS:
                break
    return shared(tuple(topics.values()))


def read_images(raw: Any, key: str) -> tuple[Image, ...]:
    """Images with an absolute http(s) URL; others are dropped."""
    images = []
    for value in read_list(raw, key):
        if not isinstance(value, dict):
            raise Invalid(f"{key} must be a list of mappings with url, and one is "
                           f"{type_name(value)}")
        url = http_url(value.get("url"))
        if url:
            title = value.get("title")
            images.append(shared(
                Image(
                    url=url,
                    width=pixel_size(value.get("width")),
                    height=pixel_size(value.get("height")),
                    title=shorten(plain_text(title), MAX_NAME) if isinstance(title, str) else "",
                    cached=value.get("isCached") is True,
                    type=seed_image_type(value.get("type")),
                )
            ))
    return shared(tuple(images[:MAX_IMAGES]))


def read_related(raw: Any) -> tuple[Related, ...]:
    """Related coverage with a title and an absolute URL; others are dropped."""
    related = []
    for value in read_list(raw, "related"):
        if not isinstance(value, dict):
            raise Invalid(f"related must be a list of mappings, and one is {type_name(value)}")
        title = value.get("title")
        url = http_url(value.get("webUrl")) or http_url(value.get("originalUrl"))
        provider = value.get("provider")
        provider_name = provider.get("name") if isinstance(provider, dict) else None
        title = shorten(plain_text(title), MAX_TITLE) if isinstance(title, str) else ""
        if title and url:
            provider_name = (shorten(plain_text(provider_name), MAX_NAME)
                             if isinstance(provider_name, str) else "")
            related.append(Related(title=title, url=url, provider_name=provider_name))
    return tuple(related[:MAX_RELATED])


def read_list(raw: Any, key: str) -> list[Any]:
    """The first MAX_LIST_READ entries of a list field; absent is empty."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Invalid(f"{key} must be a list, not {type_name(raw)}")
    return raw[:MAX_LIST_READ]


def pixel_size(value: Any) -> int | None:
    """A positive pixel size, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100_000:
        return value
    return None


def shared(value: T) -> T:
    """One instance for all equal values of a type (providers, topics, images, short texts),
    to save memory and pickling."""
    tables = _SHARING.__dict__.setdefault("tables", {})
    known: dict[T, T] | None = tables.get(value.__class__)
    if known is None or len(known) > _MAX_SHARED:
        known = tables[value.__class__] = {}
    return known.setdefault(value, value)


def forget_shared() -> None:
    """Drop the instances kept for sharing (at the end of a read: the articles keep theirs)."""
    _SHARING.__dict__.pop("tables", None)


def type_name(value: Any) -> str:
    """How to name a value's type to a person."""
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list",
             dict: "a mapping", str: "text", datetime: "a date", date: "a date"}
    return names.get(type(value), type(value).__name__)
