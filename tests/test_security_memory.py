"""Memory the requests can fill: the fast path remembers no unknown parameter, no long
request and no document the cache let go; a worker holds no more than the cache budget."""

from pathlib import Path

import pytest
from conftest import BASE_URL, article_fields, seed_text
from servers import fetch, serve_process

from feeds import create_app
from feeds.web.fastpath import FastPath


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
