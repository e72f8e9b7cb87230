"""The table of known User-Agent forms (feeds/web/agents.yaml): every entry's example is
classified as the entry says, and what is no entry falls where the README says."""

import pytest

from feeds.web.agents import AGGREGATOR, BROWSER, CRAWLER, OTHER, READER, classify, table

AGENTS = table().agents


@pytest.mark.parametrize("agent", AGENTS, ids=[f"{a.name or 'generic'}-{a.kind}" for a in AGENTS])
def test_each_known_user_agent_form_is_recognised(agent):
    client = classify(agent.example)
    assert client.kind == agent.kind
    assert client.service == (agent.name or agent.example.split("/")[0])
    assert client.subscribers == agent.subscribers
    assert (client.feed_id or None) == agent.feed_id


def test_every_entry_is_reached_by_its_own_example():
    for agent in AGENTS:
        first = next(other for other in AGENTS if other.match.search(agent.example))
        assert first is agent, f"{agent.name}'s example is taken by {first.name}"


@pytest.mark.parametrize(("user_agent", "kind"), [
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.1 Safari/605.1.15", BROWSER),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", BROWSER),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", CRAWLER),
    ("Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", CRAWLER),
    ("curl/8.5.0", OTHER),
    ("", OTHER),
    ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 1 subscriber; like FeedFetcher-Google)",
     AGGREGATOR),
    ("Newsboat/2.10.2 (Linux x86_64)", READER),
])
def test_forms_outside_the_table_fall_into_the_right_kind(user_agent, kind):
    assert classify(user_agent).kind == kind


def test_a_claimed_count_is_capped_and_a_huge_user_agent_cut():
    assert classify("Feedbin feed-id:1 - 999999999 subscribers").subscribers == 10_000_000
    assert classify("x" * 100_000).service == "x" * 40
