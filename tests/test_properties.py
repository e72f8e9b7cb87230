"""Property: whatever fills whatever field, a seed is shown in valid feeds or reported."""

import json
from datetime import UTC, date, datetime

import feedparser
from conftest import seed_text
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.ingest.seed import parse_seed
from feeds.ingest.sitedata import SiteData, SiteEntry
from feeds.model import SeedError
from feeds.output.opml import render_opml
from feeds.output.render import FeedPage, render
from feeds.view.snapshot import build_snapshot

NOW = datetime(2030, 1, 1, tzinfo=UTC)
text = st.text(max_size=60)
dates = st.one_of(st.dates(min_value=date(1900, 1, 1)),
                  st.datetimes(min_value=datetime(1900, 1, 2)), text)
good_dates = st.one_of(st.dates(min_value=date(1900, 1, 1)),
                       st.datetimes(min_value=datetime(1900, 1, 2)))
anything = st.one_of(text, st.integers(), st.booleans(), st.none(), st.lists(text, max_size=3),
                     st.dictionaries(text, text, max_size=2), dates)
url = st.one_of(text.map(lambda t: "https://ok.example/" + t), st.just("https://ok.example/"),
                text)
words = st.text(min_size=1, max_size=60).filter(str.strip)


def mostly(usual, rarely):
    """usual nine times in ten, else rarely."""
    return st.integers(0, 9).flatmap(lambda n: rarely if n == 0 else usual)


mostly_text = mostly(words, anything)
seed_fields = st.fixed_dictionaries(
    {"title": mostly_text, "publishedDateTime": mostly(good_dates, dates),
     "originalUrl": mostly(st.just("https://ok.example/a"), url)},
    optional={
        "excerpt": mostly_text,
        "webUrl": url,
        "updatedDateTime": dates,
        "published": mostly(st.just(True), anything),
        "deleted": mostly(st.just(False), anything),
        "topics": st.one_of(st.lists(text, max_size=4), anything),
        "provider": st.one_of(st.fixed_dictionaries({"name": text, "domain": text}), anything),
        "images": st.one_of(st.lists(st.fixed_dictionaries(
            {"url": url, "width": anything, "height": anything}), max_size=2), anything),
        "related": st.one_of(st.lists(st.fixed_dictionaries(
            {"title": text, "webUrl": url}), max_size=2), anything),
        "type": mostly_text,
        "quality": st.one_of(st.integers(-1000, 1000), st.floats(), anything),
        "heat": st.one_of(st.integers(-1000, 1000), anything),
    },
)


def assert_valid_outputs(snapshot):
    """Every feed of every section, and the OPML, parse cleanly."""
    for section in snapshot.sections():
        for fmt in ("rss", "atom", "json"):
            body = render(FeedPage(section, fmt, 1, 50, None, "http://f.test", "T", "en", 300,
                                   section.articles[:50], len(section.articles)))
            if fmt == "json":
                assert json.loads(body)["version"].endswith("1.1")
                continue
            etree.fromstring(body)
            parsed = feedparser.parse(body)
            assert not parsed.bozo, parsed.get("bozo_exception")
            assert b"<script" not in body.lower()
    etree.fromstring(render_opml(snapshot, "http://f.test", "T"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed_fields)
def test_any_field_text_gives_valid_feeds_or_a_reported_seed(fields):
    try:
        article = parse_seed(seed_text(**fields), "fuzz.md")
    except SeedError as error:
        assert error.path == "fuzz.md" and error.reason
        event("reported")
        return
    event("shown")
    assert article.url.startswith(("http://", "https://"))
    snapshot = build_snapshot([article], SiteData({}, {}), SiteEntry("T"), NOW)
    assert_valid_outputs(snapshot)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_after_the_opening_line_never_crash(raw):
    try:
        parse_seed("---\n" + raw.decode("utf-8", "replace") + "\n---\n", "bytes.md")
    except SeedError:
        pass


# YAML that a hostile seed could hold: huge numbers in every spelling, aliases and anchors,
# nesting, and the scalars PyYAML turns into dates, floats and booleans.
_yaml_scalar = st.one_of(
    st.integers(-10**500, 10**500).map(str),
    st.integers(1, 10**300).map(hex),
    st.sampled_from([".nan", ".inf", "-.inf", "1e999", "0b" + "1" * 900, "1:59:59:59",
                     "2024-02-30", "9999-12-31T23:59:59-23:59", "~", "yes", "off", "'&amp;'"]),
    st.text(max_size=40).map(json.dumps),
)
_yaml_value = st.recursive(
    _yaml_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4).map(lambda v: "[" + ", ".join(v) + "]"),
                            st.lists(inner, max_size=3).map(
                                lambda v: "{" + ", ".join(f"k{i}: {x}" for i, x in
                                                          enumerate(v)) + "}")),
    max_leaves=12)
_FIELDS = ["title", "excerpt", "publishedDateTime", "updatedDateTime", "originalUrl", "webUrl",
           "provider", "topics", "images", "related", "published", "deleted", "quality", "heat",
           "type", "category"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_FIELDS), _yaml_value), max_size=8),
       st.booleans(), st.integers(0, 30))
def test_whatever_yaml_a_seed_holds_it_is_an_article_or_a_seed_error(fields, alias, repeats):
    lines = [f"{name}: {value}" for name, value in fields]
    if alias and fields:  # one value anchored, then repeated by aliases in a list
        lines += [f"anchored: &a {fields[0][1]}", "topics: [" + ", ".join(["*a"] * repeats) + "]"]
    text = "---\ntitle: t\npublishedDateTime: 2024-01-01\nwebUrl: https://ok.example/a\n"
    try:
        article = parse_seed(text + "\n".join(lines) + "\n---\n", "hostile.md")
    except SeedError as error:
        event(f"invalid: {error.reason.split(':')[0][:30]}")
        return
    assert len(article.topics) <= 20 and len(article.images) <= 10
    assert len(article.title) <= 1000 and len(article.excerpt) <= 10_000
    for score in (article.quality, article.heat):
        assert score is None or -1e15 <= score <= 1e15
