"""The published view kept current a change at a time: the snapshot build_snapshot would give
over the same seeds, without sorting, grouping and indexing every article again."""

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ..ingest.sitedata import SiteData, SiteEntry
from ..model import ALL, PROVIDERS, TOPICS, Article, Result, SeedError
from ..periods import order_key
from .lookups import derived_lookups
from .snapshot import Section, Snapshot, claim_rank, embargoes_of, most_common

SectionKey = tuple[str, str]
SPLICE_AT_MOST = 32  # more changes than this to one section: filter and sort it once instead


@dataclass(slots=True)
class ViewState:
    """What an update needs beside the snapshot: the articles that may be listed by URL (the
    newest of each URL is), those under embargo, and the spellings of each section's name."""

    by_url: dict[str, list[Article]] = field(default_factory=dict)
    embargoed: dict[str, Article] = field(default_factory=dict)  # by path
    invalid: dict[str, SeedError] = field(default_factory=dict)
    spellings: dict[SectionKey, Counter[str]] = field(default_factory=dict)
    seed_count: int = 0
    article_count: int = 0
    listable_count: int = 0  # articles listed now, duplicates of a URL included

    def winner(self, url: str) -> Article | None:
        """The article listed for url: the newest, then the first path."""
        candidates = self.by_url.get(url)
        return min(candidates, key=claim_rank) if candidates else None


def state_of(results: list[Result], snapshot: Snapshot) -> ViewState:
    """The state that updates of snapshot need, snapshot built from results."""
    now = snapshot.loaded_at
    state = ViewState()
    for result in results:
        _add(state, result, now)
    for section in snapshot.sections():
        if section.kind != ALL:
            state.spellings[(section.kind, section.slug)] = Counter(
                _spelling(article, section.kind, section.slug) for article in section.articles)
    return state


def updated_view(snapshot: Snapshot, state: ViewState, gone: Iterable[Result],
                 come: Iterable[Result], site_data: SiteData, now: datetime
                 ) -> tuple[Snapshot, list[SectionKey]]:
    """The snapshot after the results gone were replaced by those come (and the embargoes
    that ended by now were lifted), and the sections whose articles changed; state follows."""
    before: dict[str, Article | None] = {}

    def note(url: str) -> None:
        if url not in before:
            before[url] = state.winner(url)

    for result in gone:
        _url_of(result, note)
        _remove(state, result, now)
    for result in come:
        _url_of(result, note)
        _add(state, result, now)
    for article in [a for a in state.embargoed.values() if a.published_at <= now]:
        note(article.url)
        del state.embargoed[article.path]
        _list(state, article)
    removed, added = _listing_changes(state, before)
    return _rebuilt(snapshot, state, removed, added, site_data, now)


def _url_of(result: Result, note: Callable[[str], None]) -> None:
    """Note the URL of an article (whose winner may change)."""
    if isinstance(result, Article):
        note(result.url)


def _add(state: ViewState, result: Result, now: datetime) -> None:
    """Count a result in: invalid, listed, under embargo, or neither."""
    state.seed_count += 1
    if isinstance(result, SeedError):
        state.invalid[result.path] = result
        return
    state.article_count += 1
    if result.is_listed(now):
        _list(state, result)
    elif result.is_embargoed(now):
        state.embargoed[result.path] = result


def _list(state: ViewState, article: Article) -> None:
    """Make article a candidate for its URL."""
    state.by_url.setdefault(article.url, []).append(article)
    state.listable_count += 1


def _remove(state: ViewState, result: Result, now: datetime) -> None:
    """Count a result out (the inverse of _add, whatever time has passed since)."""
    state.seed_count -= 1
    if isinstance(result, SeedError):
        state.invalid.pop(result.path, None)
        return
    state.article_count -= 1
    if state.embargoed.pop(result.path, None) is not None:
        return
    candidates = state.by_url.get(result.url, [])
    if result in candidates:
        candidates.remove(result)
        state.listable_count -= 1
        if not candidates:
            del state.by_url[result.url]


def _listing_changes(state: ViewState, before: dict[str, Article | None]
                     ) -> tuple[list[Article], list[Article]]:
    """The listed articles to take out and to put in, URL by URL."""
    removed, added = [], []
    for url, old in before.items():
        new = state.winner(url)
        if new is not old:
            if old is not None:
                removed.append(old)
            if new is not None:
                added.append(new)
    return removed, added


def _rebuilt(snapshot: Snapshot, state: ViewState, removed: list[Article],
             added: list[Article], site_data: SiteData, now: datetime
             ) -> tuple[Snapshot, list[SectionKey]]:
    """The snapshot with those articles taken out and put in, its sections renamed and
    reordered where their spellings changed."""
    changes: dict[SectionKey, tuple[list[Article], list[Article]]] = {}
    for article in removed:
        for key in section_keys(article):
            changes.setdefault(key, ([], []))[0].append(article)
            _respell(state, key, article, -1)
    for article in added:
        for key in section_keys(article):
            changes.setdefault(key, ([], []))[1].append(article)
            _respell(state, key, article, +1)
    site = snapshot.site
    if (ALL, "") in changes:
        site = Section(ALL, "", site.name, site.description, site.logo,
                       _spliced(site.articles, *changes[(ALL, "")]))
    embargoed = list(state.embargoed.values())
    new = Snapshot(
        site=site,
        topics=_kind(snapshot.topics, TOPICS, changes, state, site_data.topics),
        providers=_kind(snapshot.providers, PROVIDERS, changes, state, site_data.providers),
        invalid=tuple(sorted(state.invalid.values(), key=lambda e: e.path)),
        seed_count=state.seed_count, published_count=state.listable_count,
        unpublished_count=state.article_count - state.listable_count, loaded_at=now,
        expires_at=min((a.published_at for a in embargoed), default=None),
        embargoes=embargoes_of(embargoed),
        lookups=derived_lookups(snapshot.lookups, site.articles, removed, added))
    return new, list(changes)


def _kind(sections: dict[str, Section], kind: str,
          changes: dict[SectionKey, tuple[list[Article], list[Article]]], state: ViewState,
          site: dict[str, SiteEntry]) -> dict[str, Section]:
    """The sections of one kind after the changes, sorted by name as build_snapshot sorts."""
    touched = {slug for k, slug in changes if k == kind}
    if not touched:
        return sections
    updated = dict(sections)
    for slug in touched:
        old = sections.get(slug)
        articles = _spliced(old.articles if old else (), *changes[(kind, slug)])
        if articles:
            updated[slug] = _section(kind, slug, articles, state, site)
        else:
            updated.pop(slug, None)
            state.spellings.pop((kind, slug), None)
    spelled = {slug: most_common(state.spellings[(kind, slug)]) for slug in updated}
    return {slug: updated[slug]
            for slug in sorted(updated, key=lambda s: (spelled[s].casefold(), s))}


def _section(kind: str, slug: str, articles: tuple[Article, ...], state: ViewState,
             site: dict[str, SiteEntry]) -> Section:
    """A section as build_snapshot makes it: site data first, then the most common spelling,
    and a provider's logo from its newest article that has one."""
    entry = site.get(slug, SiteEntry(name=""))
    logo = ""
    if kind == PROVIDERS:
        logo = next((a.provider.images[0].url for a in articles
                     if a.provider and a.provider.images), "")
    return Section(kind=kind, slug=slug,
                   name=entry.name or most_common(state.spellings[(kind, slug)]),
                   description=entry.description, logo=logo or entry.logo, articles=articles)


def _respell(state: ViewState, key: SectionKey, article: Article, count: int) -> None:
    """Count the article's spelling of a section's name in or out."""
    if key[0] == ALL:
        return
    spellings = state.spellings.setdefault(key, Counter())
    name = _spelling(article, *key)
    spellings[name] += count
    if spellings[name] <= 0:
        del spellings[name]


def _spliced(articles: tuple[Article, ...], gone: list[Article], come: list[Article]
             ) -> tuple[Article, ...]:
    """articles without gone and with come, newest first: a few changes are spliced in at
    their places, many sort the section once."""
    if len(gone) + len(come) > SPLICE_AT_MOST:
        leaving = {id(article) for article in gone}
        kept = [a for a in articles if id(a) not in leaving] + come
        kept.sort(key=order_key)
        return tuple(kept)
    for article in gone:
        at = bisect_left(articles, order_key(article), key=order_key)
        articles = articles[:at] + articles[at + 1:]
    for article in come:
        at = bisect_left(articles, order_key(article), key=order_key)
        articles = articles[:at] + (article,) + articles[at:]
    return articles


def section_keys(article: Article) -> Iterator[SectionKey]:
    """Every section a listed article is in: the site, its topics, its provider."""
    yield ALL, ""
    for topic in article.topics:
        yield TOPICS, topic.slug
    if article.provider:
        yield PROVIDERS, article.provider.slug


def _spelling(article: Article, kind: str, slug: str) -> str:
    """How the article spells the name of its section (kind, slug)."""
    if kind == PROVIDERS:
        return article.provider.name  # type: ignore[union-attr]
    return next(topic.name for topic in article.topics if topic.slug == slug)
