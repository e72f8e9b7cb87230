"""The set of articles: scan the seeds folder, re-read changed files, build the published view."""

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .model import Article, SeedError
from .seeds import SEED_SUFFIXES, read_seed
from .sitedata import SiteData, SiteEntry, read_site_data

log = logging.getLogger(__name__)

ALL, TOPICS, PROVIDERS = "all", "topics", "providers"


@dataclass(frozen=True, slots=True)
class Section:
    """A feed's subject, all articles, one topic or one provider, with its articles newest first."""

    kind: str
    slug: str
    name: str
    description: str
    logo: str
    articles: tuple[Article, ...]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The published view of the seeds at one moment: what every output reads."""

    site: Section
    topics: dict[str, Section]
    providers: dict[str, Section]
    invalid: tuple[SeedError, ...]
    seeds: int
    published: int
    unpublished: int
    loaded_at: datetime
    expires_at: datetime | None

    def section(self, kind: str, slug: str = "") -> Section | None:
        """The section of that kind and slug, or None."""
        if kind == ALL:
            return self.site
        return (self.topics if kind == TOPICS else self.providers).get(slug)

    def sections(self) -> Iterator[Section]:
        """Every section: the site, then topics, then providers."""
        yield self.site
        yield from self.topics.values()
        yield from self.providers.values()


@dataclass(frozen=True, slots=True)
class _Entry:
    """A seed file as last read: its stat key and what it gave."""

    key: tuple[int, int]
    result: Article | SeedError


class Corpus:
    """The seeds folder, kept current: a stat scan every reload_seconds re-reads changed files."""

    def __init__(self, seeds_dir: str | os.PathLike, reload_seconds: float = 5,
                 title: str = "Seed Feeds", description: str = "",
                 on_change: Callable[[list[tuple[str, str]]], None] | None = None,
                 log_invalid: bool = True):
        self.seeds_dir = Path(seeds_dir).resolve()
        self.reload_seconds = reload_seconds
        self._site_entry = SiteEntry(name=title, description=description)
        self._entries: dict[str, _Entry] = {}
        self._site_key: tuple = ()
        self._site_data = SiteData({}, {})
        self._snapshot: Snapshot | None = None
        self._scanned_at = float("-inf")
        self.scanned_at = datetime.fromtimestamp(0, UTC)
        self._lock = threading.Lock()
        self._on_change = on_change
        self._log_invalid = log_invalid

    def snapshot(self) -> Snapshot:
        """The current published view, refreshed when a scan is due or an embargo has passed."""
        current = self._snapshot
        if current is None or self._is_due(current):
            blocking = current is None
            if self._lock.acquire(blocking=blocking):
                try:
                    if self._snapshot is None or self._is_due(self._snapshot):
                        self._refresh()
                finally:
                    self._lock.release()
        return self._snapshot  # type: ignore[return-value]

    def _is_due(self, snapshot: Snapshot) -> bool:
        """Whether a scan is due or the next embargo has passed."""
        if time.monotonic() - self._scanned_at >= self.reload_seconds:
            return True
        return snapshot.expires_at is not None and _now() >= snapshot.expires_at

    def _refresh(self) -> None:
        """Scan, re-read what changed, and rebuild the view when anything did."""
        self._scanned_at = time.monotonic()
        self.scanned_at = _now()
        changed = self._scan_seeds() | self._scan_site_data()
        now = _now()
        previous = self._snapshot
        if changed or previous is None or (previous.expires_at and now >= previous.expires_at):
            self._snapshot = build_snapshot(
                [entry.result for entry in self._entries.values()],
                self._site_data, self._site_entry, now)
            if previous is not None and self._on_change:
                self._on_change(changed_sections(previous, self._snapshot))

    def _scan_seeds(self) -> bool:
        """Stat every seed file, read new and changed ones; True when anything changed."""
        seen: dict[str, _Entry] = {}
        changed = False
        for name, key_or_error in _seed_files(self.seeds_dir):
            if isinstance(key_or_error, SeedError):
                entry = _Entry((0, 0), key_or_error)
            else:
                entry = self._entries.get(name)
                if entry is None or entry.key != key_or_error:
                    entry = _Entry(key_or_error, _read(self.seeds_dir / name, name))
            if self._entries.get(name) != entry:
                changed = True
                if isinstance(entry.result, SeedError) and self._log_invalid:
                    log.warning("invalid seed %s", entry.result)
            seen[name] = entry
        changed = changed or seen.keys() != self._entries.keys()
        self._entries = seen
        return changed

    def _scan_site_data(self) -> bool:
        """Re-read `_data/` when any of its files changed."""
        key = _site_data_key(self.seeds_dir / "_data")
        if key == self._site_key:
            return False
        self._site_key = key
        self._site_data = read_site_data(self.seeds_dir)
        return True


def _site_data_key(data_dir: Path) -> tuple:
    """(name, size, mtime) of every file in the site data folders, to notice a change."""
    key = []
    for path in sorted(data_dir.glob("*/*")):
        try:
            stat = path.stat()
        except OSError:
            continue
        key.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(key)


def changed_sections(old: Snapshot, new: Snapshot) -> list[tuple[str, str]]:
    """(kind, slug) of every section whose articles differ between two snapshots."""
    old_sections = {(s.kind, s.slug): s.articles for s in old.sections()}
    new_sections = {(s.kind, s.slug): s.articles for s in new.sections()}
    return [key for key in old_sections.keys() | new_sections.keys()
            if old_sections.get(key) != new_sections.get(key)]


def _read(path: Path, name: str) -> Article | SeedError:
    """Read one seed, returning the error instead of raising it."""
    try:
        return read_seed(path, name)
    except SeedError as error:
        return error


def _seed_files(root: Path) -> Iterator[tuple[str, tuple[int, int] | SeedError]]:
    """Each seed file under root as (relative name, (size, mtime_ns)) or a SeedError."""
    for folder, dirs, files in os.walk(root):
        top = folder == str(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (top and d == "_data"))
        for file in sorted(files):
            if file.startswith(".") or not file.lower().endswith(SEED_SUFFIXES):
                continue
            path = Path(folder, file)
            name = path.relative_to(root).as_posix()
            yield name, _stat_key(path, root, name)


def _stat_key(path: Path, root: Path, name: str) -> tuple[int, int] | SeedError:
    """The (size, mtime_ns) of a seed file, refusing links that leave the seeds folder."""
    try:
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            return SeedError(name, "is a symlink to a file outside the seeds folder; not followed")
        stat = path.stat()
    except (OSError, RuntimeError) as error:
        return SeedError(name, f"cannot be read: {getattr(error, 'strerror', None) or error}")
    if not path.is_file():
        return SeedError(name, "is not a regular file")
    return stat.st_size, stat.st_mtime_ns


def _now() -> datetime:
    """The current time, aware."""
    return datetime.now(UTC)


def build_snapshot(results: list[Article | SeedError], site_data: SiteData,
                   site: SiteEntry, now: datetime) -> Snapshot:
    """The published view of read seeds at moment now."""
    articles = [result for result in results if isinstance(result, Article)]
    invalid = tuple(sorted((r for r in results if isinstance(r, SeedError)), key=lambda e: e.path))
    listed = _newest_first(_distinct(a for a in articles if a.is_listed(now)))
    embargoes = [a.published_at for a in articles if a.is_embargoed(now)]
    published = sum(1 for a in articles if a.published and not a.deleted)
    return Snapshot(
        site=Section(ALL, "", site.name, site.description, "", tuple(listed)),
        topics=_topic_sections(listed, site_data.topics),
        providers=_provider_sections(listed, site_data.providers),
        invalid=invalid,
        seeds=len(results),
        published=published,
        unpublished=len(articles) - published,
        loaded_at=now,
        expires_at=min(embargoes, default=None),
    )


def _distinct(articles: Iterator[Article]) -> list[Article]:
    """One article per URL: the newest publishedDateTime wins, then the first path."""
    by_url: dict[str, Article] = {}
    for article in articles:
        kept = by_url.get(article.url)
        if kept is None or (article.published_at, kept.path) > (kept.published_at, article.path):
            by_url[article.url] = article
    return list(by_url.values())


def _newest_first(articles: list[Article]) -> list[Article]:
    """Newest publishedDateTime first, ties by URL."""
    articles.sort(key=lambda a: a.url)
    articles.sort(key=lambda a: a.published_at, reverse=True)
    return articles


def _topic_sections(listed: list[Article], site: dict[str, SiteEntry]) -> dict[str, Section]:
    """A section per topic that a listed article carries, by slug."""
    grouped: dict[str, list[Article]] = {}
    spellings: dict[str, Counter] = {}
    for article in listed:
        for topic in article.topics:
            grouped.setdefault(topic.slug, []).append(article)
            spellings.setdefault(topic.slug, Counter())[topic.name] += 1
    names = {slug: _most_common(spellings[slug]) for slug in grouped}
    return _sections(TOPICS, grouped, names, site)


def _provider_sections(listed: list[Article], site: dict[str, SiteEntry]) -> dict[str, Section]:
    """A section per provider that a listed article has, by slug."""
    grouped: dict[str, list[Article]] = {}
    spellings: dict[str, Counter] = {}
    logos: dict[str, str] = {}
    for article in listed:
        if provider := article.provider:
            grouped.setdefault(provider.slug, []).append(article)
            spellings.setdefault(provider.slug, Counter())[provider.name] += 1
            if provider.images and provider.slug not in logos:
                logos[provider.slug] = provider.images[0].url
    names = {slug: _most_common(spellings[slug]) for slug in grouped}
    return _sections(PROVIDERS, grouped, names, site, logos)


def _sections(kind: str, grouped: dict[str, list[Article]], names: dict[str, str],
              site: dict[str, SiteEntry], logos: dict[str, str] | None = None
              ) -> dict[str, Section]:
    """Sections sorted by name, enriched with site data where it has the slug."""
    sections = {}
    for slug in sorted(grouped, key=lambda s: (names[s].casefold(), s)):
        entry = site.get(slug, SiteEntry(name=""))
        sections[slug] = Section(
            kind=kind, slug=slug, name=entry.name or names[slug],
            description=entry.description,
            logo=(logos or {}).get(slug) or entry.logo,
            articles=tuple(grouped[slug]),
        )
    return sections


def _most_common(spellings: Counter) -> str:
    """The most common spelling, ties to the alphabetically first."""
    return min(spellings.items(), key=lambda item: (-item[1], item[0]))[0]
