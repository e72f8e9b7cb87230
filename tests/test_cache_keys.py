"""Every cached document changes when one thing it shows changes, and only then: one input at a
time (site data, host, scheme, prefix, page count, a topic's name, a clock edge), on the first
answer and on the repeat, which the fast path answers without Flask (or, with the fast path
off, the document cache)."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import article_fields
from servers import fetch, serve

from feeds import create_app

LINKED = ["/feed.rss", "/feed.atom", "/feed.json", "/topics/power-apps.rss",
          "/providers/news.example.com.atom", "/topics/power-apps", "/", "/opml.xml",
          "/?q=article", "/topics/power-apps?sort=heat", "/feed.json?digest=weekly",
          "/feed.rss?limit=2&page=2"]
TOPIC_DOCUMENTS = ["/topics/power-apps.rss", "/topics/power-apps.atom",
                   "/topics/power-apps.json", "/topics/power-apps",
                   "/topics/power-apps?q=article"]


def topic_data(name: str, description: str) -> str:
    """A `_data/topics/*.yaml` file for the topic power-apps."""
    return f"_id: power-apps\nname: {name}\ndescription: {description}\n"


@pytest.fixture(params=["fast path", "document cache"])
def app(request, seeds_dir, write_seed):
    """An app over four articles (the fast path in front, or off), with site data."""
    for n in range(1, 5):
        write_seed(f"{n}.md", **article_fields(n))
    write_seed("_data/topics/power-apps.yaml", topic_data("Apps Studio", "Low code, first."))
    fast = request.param == "fast path"
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "TRUST_PROXY": True,
                      "RELOAD_SECONDS": 3600 if fast else 0})
    app.extensions["flask_calls"] = counting(app) if fast else None
    return app


def counting(app) -> list[str]:
    """The paths of the requests that reach Flask (past the fast path) from now on."""
    calls: list[str] = []
    inner = app.wsgi_app.app.app  # the fast path, under the trusted proxy's middleware

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app.app.app = counted
    return calls


def first_and_repeat(app, path: str, **options) -> str:
    """The body of a first answer, checked equal to that of its repeat; with the fast path,
    the repeat is checked not to reach Flask."""
    client = app.test_client()
    first = client.get(path, **options)
    assert first.status_code == 200, (path, first.data[:200])
    flask_calls = app.extensions["flask_calls"]
    calls = len(flask_calls) if flask_calls is not None else 0
    repeat = client.get(path, **options)
    assert repeat.data == first.data, path
    if flask_calls is not None:
        assert len(flask_calls) == calls, f"the repeat of {path} reached Flask"
    return first.get_data(as_text=True)


def reload(app) -> None:
    """The app's corpus rescanned now (as its watcher would)."""
    app.extensions["feeds"].corpus.refresh()


@pytest.mark.parametrize("path", LINKED)
def test_each_host_gets_links_of_its_own(app, path):
    for _ in range(2):  # and back: neither answer is kept for the other host
        for host in ("a.example", "b.example:8080"):
            body = first_and_repeat(app, path, headers={"Host": host})
            assert f"http://{host}/" in body
            assert ("b" if host.startswith("a") else "a") + ".example" not in body


@pytest.mark.parametrize("path", LINKED)
def test_each_scheme_a_proxy_forwards_gets_links_of_its_own(app, path):
    for _ in range(2):
        for scheme in ("https", "http"):
            body = first_and_repeat(app, path, headers={"X-Forwarded-Proto": scheme})
            other = "http" if scheme == "https" else "https"
            assert f"{scheme}://localhost/" in body and f"{other}://localhost" not in body


@pytest.mark.parametrize("path", LINKED)
def test_each_prefix_gets_links_of_its_own(app, path):
    for _ in range(2):
        for prefix, other in (("/mount-a", "/mount-b"), ("/mount-b", "/mount-a")):
            body = first_and_repeat(app, path, headers={"X-Forwarded-Prefix": prefix})
            assert f"http://localhost{prefix}/" in body and f"localhost{other}/" not in body
        body = first_and_repeat(app, path, base_url="http://localhost/mounted")  # SCRIPT_NAME
        assert "http://localhost/mounted/" in body and "localhost/mount-a/" not in body


@pytest.mark.parametrize("path", TOPIC_DOCUMENTS + ["/", "/opml.xml"])
def test_a_topic_renamed_in_the_site_data_is_renamed_everywhere(app, write_seed, path):
    assert "Apps Studio" in first_and_repeat(app, path)
    write_seed("_data/topics/power-apps.yaml", topic_data("Citizen Development",
                                                          "Low code, first."))
    reload(app)
    body = first_and_repeat(app, path)
    assert "Citizen Development" in body and "Apps Studio" not in body


@pytest.mark.parametrize("path", TOPIC_DOCUMENTS[:4])
def test_a_description_changed_in_the_site_data_shows(app, write_seed, path):
    assert "Low code, first." in first_and_repeat(app, path)
    write_seed("_data/topics/power-apps.yaml", topic_data("Apps Studio", "Low code, second."))
    reload(app)
    body = first_and_repeat(app, path)
    assert "Low code, second." in body and "Low code, first." not in body


@pytest.mark.parametrize("path", ["/feed.rss?limit=2", "/feed.atom?limit=2",
                                  "/topics/power-apps.rss?limit=2&sort=heat",
                                  "/feed.atom?limit=2&page=2"])
def test_a_new_page_at_the_end_changes_the_last_link_of_every_page(app, write_seed, path):
    before = first_and_repeat(app, path)
    assert "page=2" in before and "page=3" not in before
    write_seed("0.md", **article_fields(0, publishedDateTime="2023-06-01T08:00:00Z"))
    reload(app)  # an older article: the first two pages list the same articles as before
    assert "page=3" in first_and_repeat(app, path)


def test_a_new_page_of_the_news_api_shows_as_its_next_page(seeds_dir, write_seed):
    for n in range(1, 3):
        write_seed(f"{n}.md", **article_fields(n))
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600,
                      "API_PAGE_SIZE": 2})
    app.extensions["flask_calls"] = None
    assert '"nextPage": null' in first_and_repeat(app, "/api/news/index.json")
    write_seed("0.md", **article_fields(0, publishedDateTime="2023-06-01T08:00:00Z"))
    reload(app)
    assert '"nextPage": 2' in first_and_repeat(app, "/api/news/index.json")


def max_age(response) -> int:
    """The max-age of a response's Cache-Control."""
    found = re.search(r"max-age=(\d+)", response.headers["Cache-Control"])
    assert found is not None
    return int(found[1])


def moment(delta: timedelta) -> str:
    """A publishedDateTime delta from now, to the second."""
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_embargo_ending_shows_on_the_repeats(seeds_dir, write_seed):
    write_seed("1.md", **article_fields(1))
    write_seed("2.md", **article_fields(2, title="Embargoed", publishedDateTime=moment(
        timedelta(seconds=3))))
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600})
    client = app.test_client()
    paths = ["/feed.rss", "/topics/power-apps", "/", "/opml.xml"]
    for path in paths:
        first, repeat = client.get(path), client.get(path)
        assert b"Embargoed" not in first.data and repeat.data == first.data
        assert max_age(first) <= 4 and max_age(repeat) <= 4  # no cache outlives the embargo
    deadline = time.monotonic() + 15
    while b"Embargoed" not in client.get("/feed.rss").data:  # the watcher wakes at its end
        assert time.monotonic() < deadline, "the embargo never ended"
        time.sleep(0.2)
    for path in paths[:3]:
        assert b"Embargoed" in client.get(path).data and b"Embargoed" in client.get(path).data


@pytest.mark.parametrize("path", ["/feed.rss?since=1h", "/feed.json?since=1h",
                                  "/?since=1h", "/topics/power-apps?since=1h"])
def test_a_since_window_moving_on_shows_on_the_repeats(seeds_dir, write_seed, path):
    write_seed("1.md", **article_fields(1, title="Recent", publishedDateTime=moment(
        timedelta(minutes=-30))))
    write_seed("2.md", **article_fields(2, title="Leaving", publishedDateTime=moment(
        timedelta(hours=-1, seconds=3))))
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600})
    client = app.test_client()
    first, repeat = client.get(path), client.get(path)
    assert b"Leaving" in first.data and repeat.data == first.data
    assert max_age(first) <= 4 and max_age(repeat) <= 4
    time.sleep(4)
    for _ in range(2):  # the first answer past the edge, and its repeat
        later = client.get(path)
        assert b"Recent" in later.data and b"Leaving" not in later.data


@pytest.mark.server
def test_the_production_server_keys_scheme_and_prefix_a_proxy_forwards(seeds_dir, write_seed):
    for n in range(1, 3):
        write_seed(f"{n}.md", **article_fields(n))
    env = {"FEEDS_SEEDS_DIR": str(seeds_dir), "FEEDS_TRUST_PROXY": "1"}
    with serve(env) as base:
        host = base.removeprefix("http://")
        roots = re.compile(rf'"(https?://{re.escape(host)}(?:/feeds)?)/')
        for _ in range(2):  # each twice: the repeat from the fast path
            for scheme, prefix in (("https", "/"), ("http", "/feeds"), ("https", "/feeds")):
                headers = {"X-Forwarded-Proto": scheme, "X-Forwarded-Prefix": prefix}
                for path in ("/feed.atom", "/"):
                    status, _, body = fetch(base + path, headers)
                    assert status == 200
                    assert set(roots.findall(body.decode())) == {
                        f"{scheme}://{host}{prefix.rstrip('/')}"}
