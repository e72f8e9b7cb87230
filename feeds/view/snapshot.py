"""The published view of read seeds at one moment: sections of articles, newest first."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from ..ingest.sitedata import SiteData, SiteEntry
from ..model import ALL, PROVIDERS, TOPICS, Article, SeedError
from ..periods import order_key
from .lookups import Lookups


@dataclass(frozen=True, slots=True)
class Section:
    """A feed's subject, all articles, one topic or one provider, with its articles newest first."""

    kind: str
    slug: str
    name: str
    description: str
    logo: str
    articles: tuple[Article, ...]


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Snapshot:
    """The published view of the seeds at one moment: what every output reads (a cache may
    refer to it weakly, and so never keep an old view alive)."""

    site: Section
    topics: dict[str, Section]
    providers: dict[str, Section]
    invalid: tuple[SeedError, ...]
    seed_count: int
    published_count: int
    unpublished_count: int
    loaded_at: datetime
    expires_at: datetime | None
    embargoes: dict[tuple[str, str], datetime]  # the next embargo to end, by (kind, slug)
    lookups: Lookups  # its made-to-measure index, built on first use or derived from the last

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


def build_snapshot(results: list[Article | SeedError], site_data: SiteData,
                   site: SiteEntry, now: datetime) -> Snapshot:
    """The published view of read seeds at moment now."""
    articles = [result for result in results if isinstance(result, Article)]
    invalid = tuple(sorted((r for r in results if isinstance(r, SeedError)), key=lambda e: e.path))
    listed = _newest_first(_distinct(a for a in articles if a.is_listed(now)))
    embargoed = [a for a in articles if a.is_embargoed(now)]
    published = sum(1 for a in articles if a.is_listed(now))  # an embargo is not published yet
    return Snapshot(
        site=Section(ALL, "", site.name, site.description, "", tuple(listed)),
        topics=_topic_sections(listed, site_data.topics),
        providers=_provider_sections(listed, site_data.providers),
        invalid=invalid,
        seed_count=len(results),
        published_count=published,
        unpublished_count=len(articles) - published,
        loaded_at=now,
        expires_at=min((a.published_at for a in embargoed), default=None),
        embargoes=embargoes_of(embargoed),
        lookups=Lookups(),
    )


def embargoes_of(embargoed: list[Article]) -> dict[tuple[str, str], datetime]:
    """The earliest embargo by (kind, slug) of each section an embargoed article will join."""
    ends: dict[tuple[str, str], datetime] = {}
    for article in embargoed:
        sections = [(ALL, ""), *((TOPICS, topic.slug) for topic in article.topics)]
        if article.provider:
            sections.append((PROVIDERS, article.provider.slug))
        for section in sections:
            if section not in ends or article.published_at < ends[section]:
                ends[section] = article.published_at
    return ends


def claim_rank(article: Article) -> tuple[float, str]:
    """The order in which one URL's articles claim it: the newest publishedDateTime, then the
    first path (the lowest rank is listed)."""
    return -article.published_at.timestamp(), article.path


def _distinct(articles: Iterable[Article]) -> list[Article]:
    """One article per URL: the one of lowest claim_rank."""
    by_url: dict[str, Article] = {}
    for article in articles:
        kept = by_url.get(article.url)
        if kept is None or claim_rank(article) < claim_rank(kept):
            by_url[article.url] = article
    return list(by_url.values())


def _newest_first(articles: list[Article]) -> list[Article]:
    """Newest publishedDateTime first, ties by URL."""
    articles.sort(key=order_key)
    return articles



def _topic_sections(listed: list[Article], site: dict[str, SiteEntry]) -> dict[str, Section]:
    """A section per topic that a listed article carries, by slug."""
    grouped: defaultdict[str, list[Article]] = defaultdict(list)
    spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for article in listed:
        for topic in article.topics:
            grouped[topic.slug].append(article)
            spellings[topic.slug][topic.name] += 1
    names = {slug: most_common(spellings[slug]) for slug in grouped}
    return _sections(TOPICS, grouped, names, site)


def _provider_sections(listed: list[Article], site: dict[str, SiteEntry]) -> dict[str, Section]:
    """A section per provider that a listed article has, by slug."""
    grouped: defaultdict[str, list[Article]] = defaultdict(list)
    spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
    logos: dict[str, str] = {}
    for article in listed:
        if provider := article.provider:
            grouped[provider.slug].append(article)
            spellings[provider.slug][provider.name] += 1
            if provider.images and provider.slug not in logos:
                logos[provider.slug] = provider.images[0].url
    names = {slug: most_common(spellings[slug]) for slug in grouped}
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


def most_common(spellings: Counter[str]) -> str:
    """The most common spelling, ties to the alphabetically first."""
    return min(spellings.items(), key=lambda item: (-item[1], item[0]))[0]


def changed_sections(old: Snapshot, new: Snapshot) -> list[tuple[str, str]]:
    """(kind, slug) of every section whose articles differ between two snapshots."""
    old_sections = {(s.kind, s.slug): s.articles for s in old.sections()}
    new_sections = {(s.kind, s.slug): s.articles for s in new.sections()}
    return [key for key in old_sections.keys() | new_sections.keys()
            if old_sections.get(key) != new_sections.get(key)]
