"""Optional site data beside the seeds: `_data/topics` and `_data/organizations`."""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..text import domain_slug, http_url, plain_text, slugify
from . import fastyaml
from .seed import front_matter_block

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SiteEntry:
    """What the site says of one topic or provider."""

    name: str
    description: str = ""
    logo: str = ""


@dataclass(frozen=True, slots=True)
class SiteData:
    """Site entries keyed by topic slug and by provider slug."""

    topics: dict[str, SiteEntry]
    providers: dict[str, SiteEntry]


def read_site_data(seeds_dir: Path) -> SiteData:
    """Read `_data/topics/*.yaml` and `_data/organizations/*.md`, skipping what is unreadable."""
    data_dir = seeds_dir / "_data"
    topics = {}
    for fields in _documents(data_dir / "topics", ("*.yaml", "*.yml"), front_matter=False):
        slug = slugify(_str(fields.get("_id")) or _str(fields.get("name")))
        if slug and _str(fields.get("name")):
            topics[slug] = _entry(fields)
    providers = {}
    for fields in _documents(data_dir / "organizations", ("*.md",), front_matter=True):
        slug = domain_slug(_str(fields.get("domain")) or _str(fields.get("_id")))
        if slug and _str(fields.get("name")):
            providers[slug] = _entry(fields)
    return SiteData(topics=topics, providers=providers)


def _documents(folder: Path, patterns: tuple[str, ...], front_matter: bool):
    """Yield each readable mapping in folder."""
    if not folder.is_dir():
        return
    for pattern in patterns:
        for path in sorted(folder.glob(pattern)):
            try:
                text = path.read_text("utf-8-sig")
                if front_matter:
                    text = front_matter_block(text) or ""
                fields = fastyaml.load(text)
            except (OSError, UnicodeError, yaml.YAMLError, ValueError) as error:
                log.warning("site data %s skipped: %s", path.name, error)
                continue
            if isinstance(fields, dict):
                yield fields


def _entry(fields: dict[str, Any]) -> SiteEntry:
    """A SiteEntry from a topic or organization mapping."""
    images = fields.get("images")
    images = images if isinstance(images, list) else []
    logos = [http_url(image.get("url")) for image in images if isinstance(image, dict)]
    return SiteEntry(
        name=plain_text(_str(fields.get("name"))),
        description=plain_text(_str(fields.get("description"))),
        logo=next((logo for logo in logos if logo), ""),
    )


def _str(value: Any) -> str:
    """value if it is text, else ''."""
    return value if isinstance(value, str) else ""
