"""The holes an attacker would use, closed: forwarded headers, the parse cache, seeds that
multiply work, deep folders and failing reloads, memory, export, WebSub, embargo timing."""

import json
import os
import pickle
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from conftest import BASE_URL, article_fields, seed_text
from servers import deploy_conf, fetch, free_port, nginx, serve, serve_process, wait_until_up

from feeds import create_app
from feeds.ingest.parts import MAX_TOPICS
from feeds.ingest.scan import MAX_DEPTH
from feeds.output.export import ExportError, export
from feeds.view.cache import CACHE_VERSION, ParseCache
from feeds.view.corpus import Corpus
from feeds.web.fastpath import FastPath

FORGED = [
    {"X-Forwarded-Prefix": "@evil.example"},
    {"X-Forwarded-Prefix": ".evil.example"},
    {"X-Forwarded-Prefix": "/ok/../x\"><script>"},
    {"X-Forwarded-Proto": "javascript:alert(1)//"},
    {"X-Forwarded-Host": "evil.example/x"},
    {"X-Forwarded-Host": "feeds.test@evil.example"},
    {"X-Forwarded-Port": "80@evil.example"},
]


@pytest.fixture
def small_site(seeds_dir, write_seed) -> Path:
    """Three seeds in two topics from two providers."""
    for n, topic, domain in [(1, "Alpha", "a.example"), (2, "Beta", "b.example"),
                             (3, "Alpha", "b.example")]:
        write_seed(f"{n}.md", **article_fields(n, topics=[topic],
                                               provider={"name": domain, "domain": domain}))
    return seeds_dir


def self_link(body: bytes) -> str:
    """The rel=self link of an Atom feed."""
    return next(link.href for link in feedparser.parse(body).feed.links if link.rel == "self")


# 1. Forwarded headers


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


# 2. The parse cache


class Planted:
    """A pickle that runs a command when loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def planted_cache(cache_dir: Path, seeds_dir: Path, payload: object) -> Path:
    """A file at the parse cache's own name, holding payload pickled."""
    path = ParseCache(cache_dir, seeds_dir.resolve()).path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(payload))
    return path


@pytest.mark.server
def test_a_planted_pickle_runs_nothing_and_the_server_starts(small_site, tmp_path):
    marker, cache = tmp_path / "pwned", tmp_path / "cache"
    planted_cache(cache, small_site, {"version": CACHE_VERSION, "entries": Planted(marker)})
    log = tmp_path / "serve.log"
    with serve_process({"FEEDS_SEEDS_DIR": str(small_site), "FEEDS_CACHE_DIR": str(cache)},
                       output=log) as (base, _):
        assert fetch(f"{base}/feed.rss")[0] == 200
    assert not marker.exists()
    assert "system is not allowed in a parse cache" in log.read_text()


@pytest.mark.parametrize("payload", [
    [], "text", {"version": CACHE_VERSION}, {"version": CACHE_VERSION - 1, "entries": {}},
    {"version": CACHE_VERSION, "seeds_dir": "/elsewhere", "entries": {}, "view": None},
    {"version": CACHE_VERSION, "entries": {"a.md": ("not", "a", "pair")}},
], ids=["list", "text", "no-entries", "old-version", "other-folder", "wrong-structure"])
def test_a_wrong_cache_is_a_slower_start_for_the_server_and_check(small_site, tmp_path,
                                                                   payload, caplog):
    cache = tmp_path / "cache"
    planted_cache(cache, small_site, payload)
    app = create_app({"SEEDS_DIR": str(small_site), "CACHE_DIR": str(cache),
                      "RELOAD_SECONDS": 0})
    assert app.test_client().get("/feed.rss").status_code == 200
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "3 seeds: 3 published" in result.output
    assert "parse cache" in caplog.text and "ignored" in caplog.text


def test_a_truncated_cache_is_ignored(small_site, tmp_path):
    cache = tmp_path / "cache"
    corpus = Corpus(small_site, reload_seconds=0, cache_dir=cache)
    corpus.snapshot()
    corpus.save_cache(force=True)
    path, = cache.glob("parse-cache-*")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert len(Corpus(small_site, reload_seconds=0, cache_dir=cache).snapshot().site.articles) == 3


@pytest.mark.parametrize("folder_mode, file_mode", [(0o777, 0o600), (0o1777, 0o600),
                                                    (0o700, 0o666)])
def test_a_cache_others_may_write_is_refused(small_site, tmp_path, caplog, folder_mode,
                                             file_mode):
    cache = tmp_path / "cache"
    corpus = Corpus(small_site, reload_seconds=0, cache_dir=cache)
    corpus.snapshot()
    corpus.save_cache(force=True)
    path, = cache.glob("parse-cache-*")
    # What another user could have written: only a start that trusts the cache shows it.
    path.write_bytes(path.read_bytes().replace(b"Article 1", b"Planted 1"))
    os.chmod(cache, folder_mode)
    os.chmod(path, file_mode)
    titles = [a.title for a in Corpus(small_site, reload_seconds=0, cache_dir=cache)
              .snapshot().site.articles]
    assert "Article 1" in titles and "Planted 1" not in titles
    assert "others may write it" in caplog.text


# 3. Seeds that multiply work


def test_topics_are_capped_and_rendered_in_one_pass(write_seed, make_client):
    topics = [f"Topic {n}" for n in range(20_000)]
    write_seed("many.md", **article_fields(1, topics=topics))
    client = make_client()
    entry = feedparser.parse(client.get("/feed.atom").data).entries[0]
    assert len(entry.tags) == MAX_TOPICS
    assert len(client.get("/").data) < 200_000
    assert json.loads(client.get("/feed.json").data)["items"][0]["tags"][-1] == (
        f"Topic {MAX_TOPICS - 1}")


# 4. Deep folders and failing reloads


@pytest.fixture
def deep_folder(seeds_dir):
    """1,100 folders nested in seeds_dir, a seed at the bottom; removed level by level after
    (deeper than a path may be long, and than a recursive removal may go)."""
    folders = [os.open(seeds_dir, os.O_RDONLY)]
    for _ in range(1100):
        os.mkdir("d", dir_fd=folders[-1])
        folders.append(os.open("d", os.O_RDONLY, dir_fd=folders[-1]))
    bottom = os.open("bottom.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=folders[-1])
    os.write(bottom, seed_text(**article_fields(2)).encode())
    os.close(bottom)
    yield
    os.unlink("bottom.md", dir_fd=folders[-1])
    for folder in reversed(folders[:-1]):
        os.rmdir("d", dir_fd=folder)
    for folder in folders:
        os.close(folder)


@pytest.mark.usefixtures("deep_folder")
def test_a_deep_folder_is_reported_and_every_other_seed_still_appears(write_seed, make_client):
    write_seed("top.md", **article_fields(1))
    client = make_client()
    health = json.loads(client.get("/healthz").data)
    assert (health["status"], health["articles"], health["invalid"]) == ("ok", 1, 1)
    result = client.application.test_cli_runner().invoke(args=["check"])
    assert f"deeper than {MAX_DEPTH} levels" in result.output


@pytest.mark.server
def test_a_failing_reload_shows_in_healthz_while_the_last_view_is_served(small_site,
                                                                        tmp_path):
    seeds = tmp_path / "live"
    shutil.copytree(small_site, seeds)
    with serve({"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "0.3"}) as base:
        good = json.loads(fetch(f"{base}/healthz")[2])
        seeds.rename(tmp_path / "gone")
        renamed_at = datetime.now(UTC)
        time.sleep(1.5)
        status, _, body = fetch(f"{base}/healthz")
        failing = json.loads(body)
        assert (status, failing["status"]) == (503, "error")
        assert "seeds folder cannot be read" in failing["error"]
        assert datetime.fromisoformat(failing["last_reload"]) <= renamed_at
        assert failing["articles"] == good["articles"] == 3
        assert fetch(f"{base}/feed.rss")[0] == 200
        (tmp_path / "gone").rename(seeds)
        (seeds / "1.md").write_text(seed_text(**article_fields(1, published=False)))
        deadline = time.monotonic() + 10
        while json.loads(fetch(f"{base}/healthz")[2])["articles"] != 2:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        recovered = json.loads(fetch(f"{base}/healthz")[2])
        assert recovered["status"] == "ok" and recovered["last_reload"] > failing["last_reload"]


# 5. Memory the requests can fill


@pytest.fixture
def fast_app(small_site):
    app = create_app({"TESTING": True, "SEEDS_DIR": str(small_site), "RELOAD_SECONDS": 3600,
                      "BASE_URL": BASE_URL})
    calls = []
    assert isinstance(app.wsgi_app, FastPath)  # nothing wraps it here
    inner = app.wsgi_app.app

    def counting(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app.app = counting
    return app, calls


def test_unknown_parameters_make_no_new_fast_path_entry(fast_app):
    app, calls = fast_app
    client = app.test_client()
    for n in range(50):
        assert client.get(f"/feed.rss?utm_source={n}&limit=2&cb={n}").status_code == 200
    fast: FastPath = app.wsgi_app
    assert len(fast._known) == 1
    assert len(calls) == 1


def test_the_fast_path_holds_no_document_the_cache_let_go(fast_app):
    app, calls = fast_app
    documents = app.extensions["feeds"].documents
    client = app.test_client()
    client.get("/feed.atom?limit=1")
    client.get("/feed.atom?limit=1")
    assert len(calls) == 1
    documents.max_bytes = 1
    for limit in range(2, 40):  # each evicts the one before
        client.get(f"/feed.atom?limit={limit}")
    assert len(documents._slots) == 1
    calls.clear()
    assert client.get("/feed.atom?limit=1").status_code == 200
    assert calls == ["/feed.atom"]  # evicted: answered by Flask again, not from a kept copy


@pytest.mark.server
@pytest.mark.parametrize("distinct", [
    lambda n: f"limit={n}&cb={n}",  # paging
    lambda n: f"since={1100 + n}d&q=word&limit=300",  # made to measure: as many as asked
], ids=["limits", "queries"])
def test_a_worker_holds_no_more_documents_than_the_cache_budget(tmp_path, distinct):
    seeds = tmp_path / "big"
    seeds.mkdir()
    for n in range(300):  # documents of about 1.5 MB at limit=300
        (seeds / f"{n}.md").write_text(seed_text(**article_fields(
            n % 28 + 1, originalUrl=f"https://big.example/{n}", excerpt="word " * 400)))
    with serve_process({"FEEDS_SEEDS_DIR": str(seeds)}, 1) as (base, main):
        worker = int(Path(f"/proc/{main.pid}/task/{main.pid}/children").read_text().split()[0])
        fetch(f"{base}/feed.atom?limit=300")
        before = resident_kib(worker)
        for n in range(100, 300):  # two hundred distinct documents, and distinct hosts
            status, _, _ = fetch(f"{base}/feed.atom?{distinct(n)}", {"Host": f"h{n}.example"})
            assert status == 200
        grown_mib = (resident_kib(worker) - before) / 1024
    assert grown_mib < 120, f"{grown_mib:.0f} MiB held for 64 MiB of cache"


def resident_kib(pid: int) -> int:
    """A process's resident memory, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(pid)


def test_long_requests_are_never_remembered(fast_app):
    app, _ = fast_app
    client = app.test_client()
    client.get("/feed.rss?x=" + "a" * 2000)
    client.get("/feed.rss?limit=" + "1" * 2000)
    assert len(app.wsgi_app) == 0
    # Accept-Encoding is kept only as gzip-or-not: a long one makes no long key.
    client.get("/feed.rss", headers={"Accept-Encoding": "gzip, " + "x" * 2000})
    assert [len(repr(key)) < 100 for key in app.wsgi_app._known] == [True]


# 6. Export


def test_export_refuses_a_versions_folder_that_is_a_link(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "keep").mkdir(parents=True)
    (elsewhere / "keep" / "secret").write_text("x")
    os.chmod(elsewhere / "keep" / "secret", 0o600)
    (tmp_path / ".site.versions").symlink_to(elsewhere)
    with pytest.raises(ExportError, match="not a folder"):
        export(tmp_path / "site", {"a.txt": b"a"})
    assert (elsewhere / "keep" / "secret").stat().st_mode & 0o777 == 0o600


def test_export_never_follows_a_link_planted_among_its_versions(tmp_path):
    out = tmp_path / "site"
    export(out, {"a.txt": b"one"})
    secret = tmp_path / "secret"
    secret.write_text("one")
    os.chmod(secret, 0o600)
    version = out.resolve()
    (version / "a.txt").unlink()
    (version / "a.txt").symlink_to(secret)  # as if planted by someone else
    (version.parent / "planted").symlink_to(secret)
    report = export(out, {"a.txt": b"one", "b.txt": b"two"})
    assert secret.stat().st_mode & 0o777 == 0o600 and secret.read_text() == "one"
    assert not (out / "a.txt").is_symlink() and (out / "a.txt").read_bytes() == b"one"
    assert report.linked == 0 and (version.parent / "planted").is_symlink()


def test_export_refuses_a_versions_folder_others_may_write(tmp_path):
    versions = tmp_path / ".site.versions"
    versions.mkdir()
    os.chmod(versions, 0o777)
    with pytest.raises(ExportError, match="others may write it"):
        export(tmp_path / "site", {"a.txt": b"a"})


def test_export_keeps_the_version_it_replaced_behind_a_linked_parent(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "linked").symlink_to(real)
    out = tmp_path / "linked" / "site"
    export(out, {"a.txt": b"one"})
    first = out.resolve()
    export(out, {"a.txt": b"two"})
    assert first.is_dir() and (first / "a.txt").read_bytes() == b"one"


# 7. Slugs that end like a feed


def test_a_provider_slug_never_ends_like_a_feed(write_seed, make_client, tmp_path):
    write_seed("a.md", **article_fields(1, provider={"name": "Plain", "domain": "example.com"}))
    write_seed("b.md", **article_fields(2, provider={"name": "Suffixed",
                                                     "domain": "example.com.rss"}))
    client = make_client()
    assert b"Suffixed" in client.get("/providers/example.com-rss.rss").data
    assert b"Suffixed" not in client.get("/providers/example.com.rss").data
    assert b"/providers/example.com-rss" in client.get("/").data
    app = client.application
    result = app.test_cli_runner().invoke(args=["export", str(tmp_path / "out"),
                                                "--base-url", BASE_URL])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "providers" / "example.com-rss" / "index.html").is_file()


# 8. WebSub


@pytest.mark.server
def test_a_served_feed_with_a_seed_of_20000_topics_answers_with_the_cap(write_seed, seeds_dir):
    write_seed("many.md", **article_fields(1, topics=[f"Topic {n}" for n in range(20_000)]))
    with serve({"FEEDS_SEEDS_DIR": str(seeds_dir)}) as base:
        for fmt in ("rss", "atom"):
            status, _, body = fetch(f"{base}/feed.{fmt}")
            assert status == 200
            assert len(feedparser.parse(body).entries[0].tags) == MAX_TOPICS
        assert len(fetch(f"{base}/")[2]) < 200_000


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


# 9. Embargoes


@pytest.mark.server
def test_an_embargo_shows_in_no_count_header_or_timing_of_other_feeds(small_site, tmp_path):
    seeds = tmp_path / "embargo"
    shutil.copytree(small_site, seeds)
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "0.3", "FEEDS_MAX_AGE": "300"}
    with serve(env) as base:
        before = json.loads(fetch(f"{base}/healthz")[2])
        beta = fetch(f"{base}/topics/beta.rss")[1]
        soon = datetime.now(UTC) + timedelta(seconds=150)
        (seeds / "later.md").write_text(seed_text(**article_fields(
            9, topics=["Alpha"], publishedDateTime=soon.isoformat(),
            provider={"name": "a.example", "domain": "a.example"})))
        deadline = time.monotonic() + 10
        while json.loads(fetch(f"{base}/healthz")[2])["seeds"] != 4:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        after = json.loads(fetch(f"{base}/healthz")[2])
        assert after["published"] == before["published"]
        assert after["articles"] == before["articles"]
        for path in ("/topics/beta.rss", "/providers/b.example.atom"):
            assert fetch(base + path)[1]["Cache-Control"] == "public, max-age=300", path
        assert fetch(f"{base}/topics/beta.rss")[1]["ETag"] == beta["ETag"]
        for path in ("/feed.rss", "/topics/alpha.rss", "/providers/a.example.json", "/"):
            max_age = int(fetch(base + path)[1]["Cache-Control"].split("max-age=")[1])
            assert max_age <= 150, path
