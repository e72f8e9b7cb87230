"""A view updated change by change is the view built from scratch over the same seeds:
sections, order, names, counts, embargoes, and what made-to-measure queries pick."""

import random
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from conftest import article_fields, seed_text
from werkzeug.datastructures import MultiDict

from feeds.ingest.reading import read_one
from feeds.ingest.sitedata import SiteData, SiteEntry
from feeds.view.select import select
from feeds.view.snapshot import build_snapshot
from feeds.view.update import state_of, updated_view
from feeds.web.params import read_query

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
SITE = SiteEntry("Site")
TOPICS = ["Power Apps", "power apps", "Dataverse", "Copilot", "Power BI"]
PROVIDERS = [{"name": "Example News", "domain": "news.example.com"},
             {"name": "Other", "domain": "other.example.org",
              "images": [{"url": "https://other.example.org/logo.png"}]}]
QUERIES = ["q=power", "q=apps&sort=heat", "sort=quality", "since=30d", "digest=daily",
           "digest=weekly&top=2", "topics=dataverse&q=article",
           "exclude_providers=other.example.org"]


def _seed(rng: random.Random, tmp_path, name: str, n: int):
    """A random seed file read: duplicates of URLs, embargoes, unpublished, invalid ones."""
    if rng.random() < 0.08:
        (tmp_path / name).write_text("---\ntitle: [unclosed\n---\n")
        return read_one(tmp_path, name)
    moment = NOW + timedelta(hours=rng.randint(-2000, 30))
    fields = article_fields(
        n, title=f"Article {n} {rng.choice(['power', 'apps', 'news'])}",
        publishedDateTime=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        originalUrl=f"https://news.example.com/{rng.randint(0, 25)}",
        topics=rng.sample(TOPICS, rng.randint(0, 3)), provider=rng.choice(PROVIDERS),
        published=rng.random() < 0.85, heat=rng.choice([None, rng.randint(0, 9)]),
        quality=rng.choice([None, rng.random()]))
    (tmp_path / name).write_text(seed_text(**fields))
    return read_one(tmp_path, name)


def _same(updated, scratch) -> None:
    """Two snapshots that show the same: every section, in order, and every count."""
    assert updated.site == scratch.site
    assert list(updated.topics.items()) == list(scratch.topics.items())
    assert list(updated.providers.items()) == list(scratch.providers.items())
    for field in ("invalid", "seed_count", "published_count", "unpublished_count", "expires_at",
                  "embargoes"):
        assert getattr(updated, field) == getattr(scratch, field), field


def _same_picks(updated, scratch, now) -> None:
    """Every query of QUERIES picks the same from both, on every section."""
    for text in QUERIES:
        query = read_query(MultiDict(parse_qsl(text)), scratch)
        for section in scratch.sections():
            mine = select(updated, updated.section(section.kind, section.slug), query, now)
            theirs = select(scratch, section, query, now)
            assert len(mine) == len(theirs), (text, section.slug)
            assert mine.entries(0, len(mine)) == theirs.entries(0, len(theirs)), text
            assert mine.changes_at == theirs.changes_at, text


@pytest.mark.parametrize("seed", range(4))
def test_an_updated_view_is_the_view_built_from_scratch(tmp_path, seed):
    rng = random.Random(seed)
    results = {f"s{n}.md": _seed(rng, tmp_path, f"s{n}.md", n) for n in range(30)}
    data = SiteData({"dataverse": SiteEntry("Dataverse (site)")}, {})
    snapshot = build_snapshot(list(results.values()), data, SITE, NOW)
    snapshot.lookups.of(snapshot)  # an index to derive the next ones' from
    state = state_of(list(results.values()), snapshot)
    now = NOW
    for step in range(40):
        now += timedelta(hours=rng.choice([0, 0, 1, 7]))
        gone, come = [], []
        for name in {f"s{rng.randint(0, 40)}.md" for _ in range(rng.randint(1, 3))}:
            if name in results:
                gone.append(results.pop(name))
            if rng.random() < 0.8:
                results[name] = _seed(rng, tmp_path, name, 100 + step)
                come.append(results[name])
        snapshot, _ = updated_view(snapshot, state, gone, come, data, now)
        scratch = build_snapshot(list(results.values()), data, SITE, now)
        _same(snapshot, scratch)
        _same_picks(snapshot, scratch, now)


def test_the_sections_said_changed_are_those_whose_articles_changed(tmp_path):
    rng = random.Random(9)
    results = [_seed(rng, tmp_path, f"s{n}.md", n) for n in range(20)]
    snapshot = build_snapshot(results, SiteData({}, {}), SITE, NOW)
    state = state_of(results, snapshot)
    (tmp_path / "new.md").write_text(seed_text(**article_fields(
        7, originalUrl="https://news.example.com/fresh", topics=["Copilot"],
        publishedDateTime="2024-02-01T00:00:00Z")))
    new = read_one(tmp_path, "new.md")
    updated, sections = updated_view(snapshot, state, [], [new], SiteData({}, {}), NOW)
    assert set(sections) == {("all", ""), ("topics", "copilot"),
                             ("providers", "news.example.com")}
    assert updated.topics["copilot"].articles[0] is new
