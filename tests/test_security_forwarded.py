"""What a request claims moves no link and reaches no hub: forwarded headers, behind nginx
too, and the Host a WebSub ping or hub link could be built from."""

import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import pytest
from conftest import article_fields, seed_text
from servers import deploy_conf, fetch, free_port, nginx, serve, wait_until_up

from feeds import create_app

# Forwarded headers


FORGED = [
    {"X-Forwarded-Prefix": "@evil.example"},
    {"X-Forwarded-Prefix": ".evil.example"},
    {"X-Forwarded-Prefix": "/ok/../x\"><script>"},
    {"X-Forwarded-Proto": "javascript:alert(1)//"},
    {"X-Forwarded-Host": "evil.example/x"},
    {"X-Forwarded-Host": "feeds.test@evil.example"},
    {"X-Forwarded-Port": "80@evil.example"},
]


def self_link(body: bytes) -> str:
    """The rel=self link of an Atom feed."""
    return next(link.href for link in feedparser.parse(body).feed.links if link.rel == "self")


@pytest.mark.server
def test_forwarded_values_that_are_not_what_they_claim_move_no_link(small_site):
    with serve({"FEEDS_SEEDS_DIR": str(small_site), "FEEDS_TRUST_PROXY": "1"}) as base:
        for headers in FORGED:
            status, _, body = fetch(f"{base}/feed.atom", headers)
            assert status == 200
            assert self_link(body) == f"{base}/feed.atom", headers
            assert b"evil" not in body and b"javascript" not in body
        honest = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "feeds.example.org",
                  "X-Forwarded-Prefix": "/news"}
        assert self_link(fetch(f"{base}/feed.atom", honest)[2]) == (
            "https://feeds.example.org/news/feed.atom")


@pytest.mark.server
def test_a_forwarded_host_built_to_backtrack_is_refused_at_once(small_site):
    with serve({"FEEDS_SEEDS_DIR": str(small_site), "FEEDS_TRUST_PROXY": "1"}) as base:
        status, _, body = fetch(f"{base}/feed.atom", {"X-Forwarded-Host": "a" * 250 + "!"})
        assert status == 200 and self_link(body) == f"{base}/feed.atom"


@pytest.mark.server
def test_nginx_in_front_keeps_a_forged_prefix_out_of_its_cache(small_site, public_tmp):
    seeds = public_tmp / "forged-prefix-seeds"
    shutil.copytree(small_site, seeds)
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_TRUST_PROXY": "1"}
    with serve(env) as first, serve(env) as second:
        port = free_port()
        conf = deploy_conf(port, [first, second], public_tmp / "forged-cache")
        with nginx(conf, public_tmp / "forged-nginx"):
            proxy = f"http://127.0.0.1:{port}"
            wait_until_up(f"{proxy}/healthz")
            for forged in FORGED:
                assert b"evil" not in fetch(f"{proxy}/topics/alpha.atom", forged)[2]
            _, headers, body = fetch(f"{proxy}/topics/alpha.atom")
            assert headers["X-Cache-Status"] == "HIT"
            assert self_link(body) == f"{proxy}/topics/alpha.atom"


# WebSub


class RecordingHub(BaseHTTPRequestHandler):
    """A WebSub hub that records the body of every ping."""

    pings: list[str] = []

    def do_POST(self):
        RecordingHub.pings.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.server
def test_a_served_feed_never_pings_a_hub_with_a_host_from_a_request(small_site, tmp_path):
    hub = ThreadingHTTPServer(("127.0.0.1", free_port()), RecordingHub)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    seeds = tmp_path / "pinged"
    shutil.copytree(small_site, seeds)
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "0.3",
           "FEEDS_WEBSUB_HUB": f"http://127.0.0.1:{hub.server_port}/"}
    try:
        with serve(env) as base:
            body = fetch(f"{base}/feed.atom", {"Host": "evil.example"})[2]
            assert b"evil.example" in body and b'rel="hub"' not in body
            (seeds / "new.md").write_text(seed_text(**article_fields(7, topics=["Gamma"])))
            deadline = time.monotonic() + 10
            while b"gamma" not in fetch(f"{base}/")[2]:
                assert time.monotonic() < deadline
                time.sleep(0.1)
            time.sleep(1.5)  # a reload period and more: a ping would have been sent
        assert RecordingHub.pings == []
    finally:
        hub.shutdown()
        hub.server_close()


def test_websub_never_learns_its_base_url_from_a_request(small_site, caplog):
    app = create_app({"TESTING": True, "SEEDS_DIR": str(small_site), "RELOAD_SECONDS": 0,
                      "WEBSUB_HUB": "http://127.0.0.1:9/hub"})
    assert app.extensions["feeds"].hub is None
    assert "no hub is advertised or pinged" in caplog.text
    body = app.test_client().get("/feed.atom", headers={"Host": "evil.example"}).data
    assert b"rel=\"hub\"" not in body
