"""The example site in seeds/: valid, every topic and provider shown, each publication rule
visible in what it hides, served by the real production server."""

import json

import feedparser
import pytest
from conftest import SITE
from facts import EXAMPLE, EXAMPLE_HIDDEN, EXAMPLE_PROVIDERS, EXAMPLE_TOPICS
from lxml import html
from markup import strings
from servers import fetch

from feeds import create_app

EVERY_DOCUMENT = ["/", "/opml.xml", "/feed.rss?limit=500", "/feed.atom?limit=500",
                  "/feed.json?limit=500", "/healthz",
                  *(f"/topics/{slug}" for slug in sorted(EXAMPLE_TOPICS)),
                  *(f"/providers/{slug}.json" for slug in sorted(EXAMPLE_PROVIDERS))]


def test_check_reports_no_invalid_seed_and_the_pinned_counts():
    result = create_app({"SEEDS_DIR": str(SITE)}).test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == EXAMPLE.check_line


@pytest.mark.server
def test_the_index_links_every_topic_and_provider_and_nothing_hidden(site_server):
    status, _, body = fetch(f"{site_server}/")
    assert status == 200
    links = set(strings(html.fromstring(body), "//a/@href"))
    assert {f"{site_server}/topics/{slug}" for slug in EXAMPLE_TOPICS} <= links
    assert {f"{site_server}/providers/{slug}" for slug in EXAMPLE_PROVIDERS} <= links
    linked_topics = {link.rsplit("/", 1)[1] for link in links if "/topics/" in link
                     and "." not in link.rsplit("/", 1)[1]}
    assert linked_topics == EXAMPLE_TOPICS


@pytest.mark.parametrize("path", EVERY_DOCUMENT)
def test_unpublished_deleted_and_embargoed_examples_show_nowhere(site_client, path):
    response = site_client.get(path)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for hidden in EXAMPLE_HIDDEN:
        assert hidden not in text, hidden


@pytest.mark.parametrize("path", ["/topics/ferries.rss", "/topics/withdrawn-stories",
                                  "/topics/time-capsules.atom"])
def test_topics_only_hidden_seeds_carry_do_not_exist(site_client, path):
    assert site_client.get(path).status_code == 404


def test_two_seeds_with_one_url_are_one_item_the_newer_winning(site_client):
    feed = feedparser.parse(site_client.get("/topics/gardening.atom").data)
    rain = [entry for entry in feed.entries if "rain-gardens" in entry.id]
    assert [entry.title for entry in rain] == ["Rain gardens soak up a summer storm"]


def test_the_embargo_counts_as_unpublished(site_client):
    health = json.loads(site_client.get("/healthz").data)
    assert (health["published"], health["unpublished"]) == (EXAMPLE.published,
                                                            EXAMPLE.unpublished)
    assert health["articles"] == EXAMPLE.articles


def test_site_data_names_descriptions_and_logos_reach_the_feeds(site_client):
    topic = json.loads(site_client.get("/topics/ai-ethics.json").data)
    assert topic["title"] == "Seed Feeds: AI & Ethics"
    assert topic["description"].startswith("How automated decisions are made")
    provider = feedparser.parse(site_client.get("/providers/example.org.atom").data)
    assert provider.feed.logo == "https://example.org/logo-400x400.png"


def test_every_example_feed_is_well_formed_with_images_and_related(site_client):
    feed = feedparser.parse(site_client.get("/feed.rss?limit=500").data)
    assert not feed.bozo and len(feed.entries) == EXAMPLE.articles
    assert sum(1 for entry in feed.entries if entry.get("media_content")) > 30
    assert sum(1 for entry in feed.entries if "Related coverage" in entry.content[0].value) >= 5
