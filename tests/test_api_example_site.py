"""The news API over the example site: it lists what the feeds list, hides the unpublished,
says what a bad request should be, and answers every URL the README shows."""

import json
import re

import pytest
from conftest import REPO
from facts import EXAMPLE_HIDDEN, EXAMPLE_TOPICS
from news_listing import listing, url_of

from feeds.output.urls import news_path


def test_example_site_lists_what_its_site_feed_lists(site_app, site_client):
    articles = site_app.extensions["feeds"].corpus.snapshot().site.articles
    ours = listing(site_client)
    assert [(e["path"], url_of(e)) for e in ours] == [(a.path, a.url) for a in articles]
    assert json.loads(site_client.get(news_path("", 2)).data)["nextPage"] is None
    feed = json.loads(site_client.get("/feed.json?limit=500").data)
    assert [item["id"] for item in feed["items"]] == [url_of(e) for e in ours]


def test_example_site_shows_nothing_unpublished(site_client):
    bodies = [site_client.get(news_path(topic, 1)).get_data(as_text=True)
              for topic in ["", *EXAMPLE_TOPICS]]
    for hidden in EXAMPLE_HIDDEN:
        assert not any(hidden in body for body in bodies), hidden
    assert "rain-gardens-first-report" not in bodies[0] + site_client.get(
        news_path("", 2)).get_data(as_text=True)
    for topic in ["ferries", "withdrawn-stories", "time-capsules"]:
        assert site_client.get(news_path(topic)).status_code == 404


@pytest.mark.parametrize("query", [
    "topics=climate,transit", "providers=example.com&sort=heat", "q=public -council",
    "min_quality=70", "min_heat=60&sort=quality", "exclude_topics=ai-ethics", "since=520w",
])
def test_made_to_measure_lists_what_the_same_feed_lists(site_client, query):
    feed = json.loads(site_client.get(f"/feed.json?limit=500&{query}").data)
    ours = listing(site_client, "", f"?{query}")
    assert ours and [url_of(e) for e in ours] == [item["id"] for item in feed["items"]]
    topic = listing(site_client, "climate", f"?{query}")
    topic_feed = json.loads(site_client.get(f"/topics/climate.json?limit=500&{query}").data)
    assert [url_of(e) for e in topic] == [item["id"] for item in topic_feed["items"]]


@pytest.mark.parametrize(("path", "status", "says"), [
    ("/api/news/index.json?digest=weekly", 400, "not offered on the news API"),
    ("/api/news/index.json?top=3", 400, "top must be"),
    ("/api/news/index.json?min_heat=hot", 400, "min_heat must be a number"),
    ("/api/news/index.json?topics=nope", 404, "no topic 'nope'"),
    ("/api/news/page/0/index.json", 400, "whole number from 1"),
    ("/api/news/page/two/index.json", 400, "whole number from 1"),
    ("/api/news/climate/page/99999999999/index.json", 400, "whole number from 1"),
    ("/api/news/page/3/index.json", 404, "past the last page (2 at 25"),
    ("/api/news/nope/index.json", 404, "no topic 'nope'"),
])
def test_bad_requests_say_what_is_accepted(site_client, path, status, says):
    response = site_client.get(path)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)


def test_topic_ids_match_case_insensitively_by_a_redirect(site_client):
    response = site_client.get("/api/news/Climate/page/1/index.json?sort=heat")
    assert response.status_code == 301
    assert response.headers["Location"] == "http://feeds.test/api/news/climate/index.json?sort=heat"


def test_every_api_url_in_the_readme_lists_articles_of_the_example_site(site_client):
    text = (REPO / "README.md").read_text()
    urls = set(re.findall(r"(/api/news/[^`\s<>)]*index\.json(?:\?[^`\s)]*)?)", text))
    assert len(urls) >= 6
    for url in urls:
        response = site_client.get(url)
        assert response.status_code == 200, url
        assert json.loads(response.data)["value"], url
