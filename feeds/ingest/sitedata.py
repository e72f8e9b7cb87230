"""Optional site data beside the seeds: `_data/topics` and `_data/organizations`."""

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..text import domain_slug, http_url, plain_text, shorten, slugify
from . import fastyaml
from .files import NotReadable, read_bounded
from .parts import MAX_NAME
from .seed import front_matter_block

log = logging.getLogger(__name__)

MAX_SITE_FILE_BYTES = 256 * 1024
MAX_SITE_FILES = 10_000  # in each of the two folders; the rest are skipped, with a warning
MAX_DESCRIPTION = 2000
_FOLDERS = ("topics", "organizations")
# (name, size, mtime, ctime) of each site data file: equal keys, unchanged files.
SiteDataKey = tuple[tuple[str, int, int, int], ...]


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


def _documents(folder: Path, patterns: tuple[str, ...], front_matter: bool
               ) -> Iterator[dict[str, Any]]:
    """Yield each readable mapping in folder: regular files inside the seeds folder only,
    at most MAX_SITE_FILES of them, each at most MAX_SITE_FILE_BYTES."""
    paths = sorted(path for pattern in patterns for path in _inside(folder, pattern))
    if len(paths) > MAX_SITE_FILES:
        log.warning("site data %s: only the first %d of %d files are read", folder.name,
                    MAX_SITE_FILES, len(paths))
    for path in paths[:MAX_SITE_FILES]:
        try:
            text = read_bounded(path, MAX_SITE_FILE_BYTES).decode("utf-8-sig")
            if front_matter:
                text = front_matter_block(text) or ""
            fields = fastyaml.load(text)
        except (NotReadable, UnicodeError, yaml.YAMLError, ValueError, OverflowError,
                RecursionError) as error:
            log.warning("site data %s skipped: %s", path.name, str(error)[:200])
            continue
        if isinstance(fields, dict):
            yield fields


def _inside(folder: Path, pattern: str) -> list[Path]:
    """The files of folder matching pattern, where folder lies inside the seeds folder and
    is no link: site data that leads elsewhere is not read."""
    seeds_dir = folder.parent.parent
    if folder.is_symlink() or folder.parent.is_symlink() or not folder.is_dir():
        return []
    return [path for path in folder.glob(pattern) if not path.is_symlink()
            or path.resolve().is_relative_to(seeds_dir.resolve())]


def site_data_key(seeds_dir: Path) -> SiteDataKey:
    """(name, size, mtime, ctime) of every site data file, to notice a change."""
    key: list[tuple[str, int, int, int]] = []
    for folder in _FOLDERS:
        for path in sorted(_inside(seeds_dir / "_data" / folder, "*")):
            try:
                status = os.stat(path)
            except OSError:
                continue
            key.append((str(path), status.st_size, status.st_mtime_ns, status.st_ctime_ns))
    return tuple(key)


def _entry(fields: dict[str, Any]) -> SiteEntry:
    """A SiteEntry from a topic or organization mapping."""
    images = fields.get("images")
    images = images[:10] if isinstance(images, list) else []
    logos = [http_url(image.get("url")) for image in images if isinstance(image, dict)]
    return SiteEntry(
        name=shorten(plain_text(_str(fields.get("name"))), MAX_NAME),
        description=shorten(plain_text(_str(fields.get("description"))), MAX_DESCRIPTION),
        logo=next((logo for logo in logos if logo), ""),
    )


def _str(value: Any) -> str:
    """value if it is text, else ''."""
    return value if isinstance(value, str) else ""
