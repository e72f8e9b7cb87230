"""The form to build a feed and the page of a query: its feeds, their discovery, subscribe links."""

from typing import cast
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from conftest import BASE_URL
from lxml import html
from markup import elements, strings

from feeds.output.export import site_files

READERS = {
    "Feedly": "https://feedly.com/i/subscription/feed%2F",
    "Inoreader": "https://www.inoreader.com/?add_feed=",
    "NewsBlur": "https://www.newsblur.com/?url=",
    "The Old Reader": "https://theoldreader.com/feeds/subscribe?url=",
}


def submit(client, page_url: str, choices: dict[str, list[str]]):
    """Fill the page's form as a browser would (every field sent, empty or not), submit it
    with GET and follow the answer to the page it leads to."""
    page = html.fromstring(client.get(page_url).data)
    form = elements(page, '//form[@class="build"]')[0]
    assert form.get("method") == "get"
    fields: list[tuple[str, str]] = []
    for element in elements(form, ".//input|.//select"):
        name = element.get("name")
        assert name is not None
        if element.tag == "select" and element.get("multiple") is not None:
            fields += [(name, value) for value in choices.get(name, [])]
        elif name in choices:
            fields.append((name, choices[name][0]))
        elif element.tag == "select":
            selected = strings(element, "./option[@selected]/@value") or [
                strings(element, "./option/@value")[0]]
            fields.append((name, selected[0]))
        else:
            fields.append((name, element.get("value", "")))
    action = form.get("action")
    assert action is not None
    response = client.get(f"{urlsplit(action).path}?{urlencode(fields)}")
    assert response.status_code == 303, response.data
    return response.headers["Location"]


@pytest.mark.parametrize("page_url", ["/", "/topics/astronomy"])
def test_the_form_leads_to_the_canonical_page_of_its_query(site_client, page_url):
    location = submit(site_client, page_url, {
        "topics": ["transit", "climate"], "q": ["Bridge"], "min_quality": ["40"],
        "digest": ["weekly"], "top": ["5"]})
    path, query = location.removeprefix(BASE_URL).split("?")
    assert path == page_url
    assert query == "topics=climate,transit&q=bridge&min_quality=40&digest=weekly&top=5"
    assert site_client.get(location).status_code == 200


def test_an_untouched_form_leads_back_to_the_plain_page(site_client):
    assert submit(site_client, "/", {}) == f"{BASE_URL}/"


def test_a_bad_choice_in_the_form_is_the_same_400_as_on_a_feed(site_client):
    response = site_client.get("/build?min_heat=lots&sort=date")
    assert response.status_code == 400 and b"min_heat must be a number" in response.data


def test_the_query_page_offers_exactly_that_querys_feeds_and_subscribe_links(site_client):
    query = "providers=example.com&sort=heat"
    response = site_client.get(f"/topics/climate?{query}")
    assert response.status_code == 200
    page = html.fromstring(response.data)
    wanted = {fmt: f"{BASE_URL}/topics/climate.{fmt}?{query}" for fmt in ("rss", "atom", "json")}
    discovered = strings(page, '//head/link[@rel="alternate"]/@href')
    assert discovered == list(wanted.values())
    assert set(wanted.values()) <= set(strings(page, '//ul[@class="addresses"]//a/@href'))
    subscribe = {a.text: a.get("href") for a in elements(page, '//p[@class="readers"]/a')}
    assert subscribe == {reader: prefix + quote(wanted["rss"], safe="")
                         for reader, prefix in READERS.items()}
    for reader, link in subscribe.items():  # each decodes back to the feed's exact address
        assert reader is not None and link is not None
        encoded = link.removeprefix(READERS[reader])
        assert parse_qs(f"u={encoded}")["u"] == [wanted["rss"]]


def test_the_query_page_shows_the_matching_articles(site_client):
    feed = site_client.get("/feed.json?q=bridge&limit=500").get_json()
    page = html.fromstring(site_client.get("/?q=bridge").data)
    assert strings(page, '//ol[@class="articles"]//h3/a/@href') == [
        i["url"] for i in feed["items"]]
    heading = cast(html.HtmlElement, elements(page, "//h1")[0])
    assert heading.text_content() == "Seed Feeds: “bridge”"


def test_the_index_and_section_pages_carry_the_form(site_client, site_app):
    snapshot = site_app.extensions["feeds"].corpus.snapshot()
    for url in ["/", *(f"/topics/{slug}" for slug in snapshot.topics),
                *(f"/providers/{slug}" for slug in snapshot.providers)]:
        page = html.fromstring(site_client.get(url).data)
        form = elements(page, '//form[@class="build"]')
        assert form, url
        assert set(strings(form[0], './/select[@name="topics"]/option/@value')) == set(
            snapshot.topics)


def test_the_static_export_has_no_form_it_could_not_answer(site_app):
    with site_app.app_context():
        snapshot = site_app.extensions["feeds"].corpus.snapshot()
        settings = site_app.extensions["feeds"].settings
        files = site_files(snapshot, BASE_URL, settings)
    assert not any(b"/build" in body for path, body in files.items() if path.endswith(".html"))
