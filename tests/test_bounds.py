"""What one client or one odd seed can make a page or a feed cost stays within stated bounds:
the form's choices, the names pages show, the articles one request renders (issue 19)."""

import json
import re

import pytest
from conftest import article_fields, seed_text
from servers import fetch, serve

from feeds.output.pages import MAX_CHOICE_NAME, MAX_CHOICES

pytestmark = pytest.mark.server
PAGE_BYTES = 100_000  # the most a topic page of these seeds may be (README: "What an operator")


@pytest.fixture(scope="module")
def many_sections(tmp_path_factory):
    """The real server over 600 seeds, each with a topic and a provider of its own; the first
    60 share the topic "Popular" too, so that it has the most articles."""
    folder = tmp_path_factory.mktemp("many") / "seeds"
    folder.mkdir()
    for n in range(600):
        topics = [f"Topic {n:03d}"] + (["Popular"] if n < 60 else [])
        fields = article_fields(n % 28 + 1, originalUrl=f"https://many.example/{n}",
                                topics=topics,
                                provider={"name": f"Provider {n}", "domain": f"p{n}.example"})
        (folder / f"{n}.md").write_text(seed_text(**fields))
    with serve({"FEEDS_SEEDS_DIR": str(folder)}) as base:
        yield base


@pytest.fixture(scope="module")
def long_names(tmp_path_factory):
    """The real server over 3 seeds whose topic and provider names are 32,000 characters."""
    folder = tmp_path_factory.mktemp("long") / "seeds"
    folder.mkdir()
    for n, letter in enumerate("abc"):
        fields = article_fields(n + 1, originalUrl=f"https://long.example/{n}",
                                topics=[letter + "語" * 32_000],
                                provider={"name": letter + "名" * 32_000, "domain": f"{letter}.ex"})
        (folder / f"{n}.md").write_text(seed_text(**fields))
    with serve({"FEEDS_SEEDS_DIR": str(folder)}) as base:
        yield base


def options(page: bytes, name: str) -> list[str]:
    """The values of the options of the form's select named name."""
    select = re.search(rf'<select name="{name}" multiple.*?</select>'.encode(), page, re.S)
    assert select is not None
    return [value.decode() for value in re.findall(rb'<option value="([^"]*)"', select[0])]


def test_the_form_lists_the_sections_with_the_most_articles_and_says_how_many_are_left(
        many_sections):
    status, _, page = fetch(f"{many_sections}/topics/popular")
    assert status == 200
    topics = options(page, "topics")
    assert len(topics) == MAX_CHOICES and "popular" in topics
    assert len(options(page, "exclude_providers")) == MAX_CHOICES
    assert f"{601 - MAX_CHOICES} more can be named".encode() in page


def test_a_chosen_section_outside_the_list_is_still_offered_and_selected(many_sections):
    status, _, page = fetch(f"{many_sections}/?topics=topic-599&exclude_providers=p598.example")
    assert status == 200
    assert "topic-599" in options(page, "topics")
    assert b'<option value="topic-599" selected>' in page
    assert b'<option value="p598.example" selected>' in page


def test_a_page_over_many_sections_stays_small(many_sections):
    for path in ("/topics/popular", "/topics/popular?since=52w", "/providers/p7.example"):
        status, _, page = fetch(many_sections + path)
        assert status == 200 and len(page) < PAGE_BYTES, path


@pytest.mark.parametrize("path", ["/topics/a", "/providers/a.ex", "/topics/b?since=52w", "/"])
def test_long_names_are_shown_cut_and_pages_stay_small(long_names, path):
    status, _, page = fetch(long_names + path)
    assert status == 200
    assert len(page) < PAGE_BYTES
    assert ("語" * (MAX_CHOICE_NAME - 2) + "…").encode() in page


def digest_articles(base: str, query: str) -> tuple[int, int]:
    """(periods, articles in them) of the JSON digest feed of query."""
    status, _, body = fetch(f"{base}/feed.json?{query}")
    assert status == 200, body
    items = json.loads(body)["items"]
    return len(items), sum(item["content_html"].count("<li>") for item in items)


def test_no_digest_renders_more_than_max_limit_articles(many_sections):
    periods, articles = digest_articles(many_sections, "digest=daily&top=50")
    assert periods == 10 and articles <= 500  # 28 days of 21 or 22 articles each
    periods, articles = digest_articles(many_sections, "digest=daily&top=5")
    assert periods == 28 and articles == 28 * 5  # small periods: every day, as before


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_a_digest_asking_for_more_is_a_400_that_says_what_is_accepted(many_sections, fmt):
    status, _, body = fetch(f"{many_sections}/feed.{fmt}?digest=weekly&top=50&limit=11")
    assert status == 400
    assert b"from 1 to 10" in body and b"500 articles" in body
    assert fetch(f"{many_sections}/feed.{fmt}?digest=weekly&top=50&limit=10")[0] == 200
    assert fetch(f"{many_sections}/feed.{fmt}?limit=500")[0] == 200
