"""The JSON news API under hostile seeds, fuzzed fields, hostile queries and damaged caches."""

import json
import pickle
import re
import shutil

import pytest
from conftest import REPO, article_fields, seed_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from news_listing import listing, strings
from test_hostile import HIDDEN_MARKERS, VISIBLE
from test_parsecache import saved_corpus
from test_properties import anything, seed_fields
from test_properties import url as url_values

from feeds import create_app
from feeds.ingest.seed import parse_seed
from feeds.model import SeedError
from feeds.output.api import news_page, render_news
from feeds.output.urls import news_path
from feeds.view.corpus import Corpus


def test_hostile_seeds_give_well_formed_pages_with_nothing_hidden(tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(REPO / "tests" / "hostile", folder)
    app = create_app({"TESTING": True, "SEEDS_DIR": str(folder)})
    client = app.test_client()
    topics = app.extensions["feeds"].corpus.snapshot().topics
    paths = [news_path(), *(news_path(slug) for slug in topics)]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert not re.search(r"[<>&\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text), path
        assert not any(marker in text for marker in HIDDEN_MARKERS), path
        assert not any(re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe]", value)
                       for value in strings(json.loads(text))), path
    entries = listing(client)
    assert {e["path"] for e in entries} == {p for p in VISIBLE if not p.startswith("generated/")}
    html_everywhere = next(e for e in entries if e["path"] == "html-everywhere.md")
    assert html_everywhere["title"].startswith("Tom & Jerry <script>")  # as written, escaped
    assert [i["url"] for i in html_everywhere["images"]] == [
        "https://img.hostile.example/a.png?x=%3C1%3E"]


@pytest.mark.parametrize("change", [
    {"written_title": 123}, {"written_excerpt": None}, {"web_url": b"https://x.example"},
    {"original_url": 1.5}, {"amp_web_url": ["x"]}, {"cdn_amp_web_url": None},
    {"featured_content": 0}, {"images": "cached"},
])
def test_a_parse_cache_with_a_news_field_of_the_wrong_type_is_ignored(seeds_dir, write_seed,
                                                                      tmp_path, change):
    images = [{"url": "https://img.example.com/a.png", "isCached": True}]
    write_seed("a.md", **article_fields(1, title="Typed title", images=images))
    saved_corpus(seeds_dir, tmp_path / "cache")
    cache_file, = (tmp_path / "cache").glob("parse-cache-*")
    data = pickle.loads(cache_file.read_bytes())
    name, (key, article) = next(iter(data["entries"].items()))
    if change == {"images": "cached"}:  # an image whose isCached is no true or false
        change = {"images": (article.images[0]._replace(cached="yes"),)}
    data["entries"][name] = (key, article._replace(**change))
    data["view"] = None
    cache_file.write_bytes(pickle.dumps(data))
    restarted = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache")
    fresh = Corpus(seeds_dir, reload_seconds=0)
    assert restarted.snapshot().site.articles == fresh.snapshot().site.articles  # re-read


def test_text_as_written_is_bounded_and_without_controls(make_client, write_seed):
    write_seed("a.md", **article_fields(1, title="Invoice \u202egpj.exe &amp; \x07more",
                                        excerpt="x&amp;" * 3000,
                                        featuredContent="<iframe>" + "y" * 10_000))
    entry = json.loads(make_client().get("/api/news/index.json").data)["value"][0]
    assert entry["title"] == "Invoice gpj.exe &amp; more"
    assert len(entry["excerpt"]) == 10_000 and entry["excerpt"].endswith("\u2026")
    assert entry["featuredContent"] is None  # too long to keep, and never cut


news_fields = seed_fields.flatmap(lambda fields: st.fixed_dictionaries(
    {}, optional={"ampWebUrl": anything, "cdnAmpWebUrl": url_values, "featuredContent": anything,
                  "excerpt": st.text(max_size=80), "isCached": anything},
).map(lambda extra: {**fields, **extra}))
ENTRY_KEYS = ["path", "title", "excerpt", "sourceUrl", "webUrl", "originalUrl",
              "featuredContent", "highlight", "heat", "tags", "images", "content", "type",
              "ampWebUrl", "cdnAmpWebUrl", "publishedDateTime", "updatedDateTime", "provider",
              "locale", "categories", "topics"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(news_fields)
def test_any_seed_gives_a_page_in_the_originals_shape_or_is_reported(fields):
    try:
        article = parse_seed(seed_text(**fields), "fuzz.md")
    except SeedError:
        return
    body = render_news(news_page((article,), 1, 1, 25, "en-us")).decode()
    assert not re.search(r"[<>&\u2028\u2029]", body)
    entry, = json.loads(body)["value"]
    assert list(entry) == ENTRY_KEYS
    assert all(isinstance(value, str) for value in strings(entry))
    for key in ("webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl"):
        assert entry[key] is None or entry[key].startswith(("http://", "https://"))


@pytest.mark.parametrize("query", [
    "q=%00", "q=" + "%C3%A9" * 200, "topics=%2C%2C", "topics=" + "a" * 300, "since=9999w",
    "min_quality=-999999.9999", "digest=WEEKLY&top=50", "topics=%E2%80%AEevil",
    "sort=HEAT&q=%F0%9F%98%80", "exclude_topics=..%2F..%2Fetc", "page=-1&limit=0",
])
def test_hostile_queries_get_an_answer_never_a_500(site_client, query):
    for path in ("/api/news/index.json", "/api/news/page/2/index.json",
                 "/api/news/astronomy/index.json", "/api/news/%2E%2E/index.json",
                 "/api/news/page/%00/index.json", "/api/news/" + "x" * 300 + "/index.json"):
        response = site_client.get(f"{path}?{query}")
        assert response.status_code in (200, 400, 404), (path, query)
