"""Names that once met or misled (issue 19, finding 18): internationalised domains, ports out
of range, bidi controls, a request with no Host."""

import socket

import feedparser
import pytest
from conftest import article_fields
from servers import fetch, serve

from feeds.text import domain_slug
from feeds.view.corpus import Corpus

DOMAINS = ["例え.jp", "テスト.jp", "bücher.de", "bächer.de", "bucher.de"]


def test_internationalised_domains_are_distinct_providers(seeds_dir, write_seed):
    for n, domain in enumerate(DOMAINS, 1):
        write_seed(f"{n}.md", **article_fields(n, provider={"name": f"Publisher {n}",
                                                            "domain": domain}))
    providers = Corpus(seeds_dir, reload_seconds=0).snapshot().providers
    assert sorted(providers) == sorted(["xn--r8jz45g.jp", "xn--zckzah.jp", "xn--bcher-kva.de",
                                        "xn--bcher-gra.de", "bucher.de"])
    assert {section.name for section in providers.values()} == {
        f"Publisher {n}" for n in range(1, 6)}


def test_an_invalid_idna_label_still_gets_a_distinct_slug():
    long_label = "ü" + "a" * 70  # past IDNA's 63 characters
    assert domain_slug(f"{long_label}.de") != domain_slug(f"{long_label}b.de")
    assert domain_slug(f"{long_label}.de").startswith("xn--")


def test_bidi_controls_never_reach_a_title_or_a_name(make_client, write_seed):
    write_seed("a.md", **article_fields(1, title="Invoice \u202egpj.exe",
                                        topics=["Cash\u2066flow\u2069"]))
    client = make_client()
    for path in ("/feed.rss", "/feed.atom", "/feed.json", "/", "/topics/cashflow"):
        body = client.get(path).get_data(as_text=True)
        assert not any(ch in body for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                       "\u2068\u2069"), path
    assert feedparser.parse(client.get("/feed.atom").data).entries[0].title == (
        "Invoice gpj.exe")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    seeds = tmp_path_factory.mktemp("names")
    (seeds / "a.md").write_text("---\ntitle: A\npublishedDateTime: 2024-01-01\n"
                                "webUrl: https://e.example/a\n---\n")
    with serve({"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_TRUST_PROXY": "true"}) as base:
        yield base


@pytest.mark.parametrize("host", ["a:99999", "a:0", "a:65536", "[::1]:70000"])
def test_a_host_with_a_port_out_of_range_is_refused(server, host):
    status, _, body = fetch(f"{server}/feed.rss", {"Host": host})
    assert status == 400 and b"port from 1 to 65535" in body


@pytest.mark.parametrize("port", ["99999", "0", "65536"])
def test_a_forwarded_port_out_of_range_moves_no_link(server, port):
    status, _, body = fetch(f"{server}/feed.rss", {"Host": "feeds.example",
                                                   "X-Forwarded-Port": port})
    assert status == 200
    assert b'href="http://feeds.example/feed.rss"' in body


def test_an_http_1_0_request_with_no_host_is_answered_with_the_servers_own_links(server):
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /feed.rss HTTP/1.0\r\n\r\n")
        answer = b"".join(iter(lambda: sock.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.0 200")
    assert f'href="{server}/feed.rss"'.encode() in answer


def test_a_redirect_keeps_a_raw_utf_8_query_as_utf_8(site_client):
    raw = "x=€&y=%C3%A9".encode().decode("latin-1")  # as a WSGI server passes the bytes
    response = site_client.get("/topics/Astronomy.rss", environ_overrides={"QUERY_STRING": raw})
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/topics/astronomy.rss?x=%E2%82%AC&y=%C3%A9")
