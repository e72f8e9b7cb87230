"""HTTP behaviour: routes, slugs, paging errors, types, conditional GET, gzip, caching headers."""

import gzip

import pytest
from conftest import BASE_URL, article_fields
from facts import EXAMPLE

TYPES = {"rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml; charset=utf-8",
         "json": "application/feed+json; charset=utf-8"}


@pytest.mark.parametrize("fmt", TYPES)
@pytest.mark.parametrize("path", ["/feed", "/topics/open-source", "/providers/science.example.com"])
def test_feeds_have_exact_content_types(site_client, path, fmt):
    response = site_client.get(f"{path}.{fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == TYPES[fmt]


def test_provider_slug_with_dots_routes_to_its_feed(site_client):
    assert site_client.get("/providers/blog.example.org.rss").status_code == 200
    assert site_client.get("/providers/blog.example.org").status_code == 200


@pytest.mark.parametrize("path", ["/topics/Open-Source.rss", "/topics/OPEN-SOURCE",
                                  "/providers/Science.Example.com.atom"])
def test_non_canonical_slug_redirects_permanently(site_client, path):
    response = site_client.get(path + "?limit=5")
    assert response.status_code == 301
    assert response.headers["Location"] == f"{BASE_URL}{path.lower()}?limit=5"


@pytest.mark.parametrize("path", ["/topics/no-such-topic.rss", "/providers/nowhere.example.atom",
                                  "/topics/no-such-topic", "/providers/" + "x" * 5000 + ".rss"])
def test_unknown_slug_is_404_naming_it_and_pointing_home(site_client, path):
    response = site_client.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert b"Every feed is listed at /" in response.data
    assert len(response.data) < 300


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "limit=100000", "limit=-1", "limit=",
                                   "page=0", "page=x", "page=1.5", "limit=5&limit=6",
                                   "page=1&page=2"])
def test_bad_limit_or_page_is_400_saying_what_is_accepted(site_client, query):
    response = site_client.get(f"/feed.atom?{query}")
    assert response.status_code == 400
    assert b"whole number from 1 to" in response.data
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_page_past_the_end_is_404(site_client):
    assert site_client.get("/feed.atom?page=999").status_code == 404
    assert site_client.get("/feed.atom?limit=500&page=2").status_code == 404
    assert site_client.get("/feed.atom?limit=500&page=1").status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(site_client, method):
    response = site_client.open("/feed.rss", method=method)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/feed.rss", "/feed.atom", "/feed.json", "/opml.xml", "/"])
def test_conditional_get_answers_304_for_both_validators(site_client, path):
    first = site_client.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert site_client.get(path, headers={"If-None-Match": etag}).status_code == 304
    not_modified = site_client.get(path, headers={"If-Modified-Since": modified})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert site_client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_head_has_headers_and_no_body(site_client):
    response = site_client.head("/feed.rss")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["ETag"] == site_client.get("/feed.rss").headers["ETag"]


def test_gzip_when_accepted_with_vary(site_client):
    plain = site_client.get("/feed.rss")
    zipped = site_client.get("/feed.rss", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    for response in (plain, zipped):
        assert response.headers["Vary"] == "Accept-Encoding"
    assert site_client.get("/feed.rss", headers={"Accept-Encoding": "gzip;q=0"}).data == plain.data


def test_cache_and_cors_headers(site_client):
    response = site_client.get("/feed.json")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_base_url_fixes_every_link_whatever_the_host(site_client):
    body = site_client.get("/feed.atom", headers={"Host": "evil.example"}).data
    assert b"evil.example" not in body


def test_without_base_url_links_use_the_request_host(make_client, write_seed):
    write_seed("a.md", **article_fields(1))
    body = make_client(BASE_URL="").get("/feed.rss", base_url="http://reader.example:8080").data
    assert b"http://reader.example:8080/feed.rss" in body


@pytest.mark.parametrize("host", ["evil<script>", "a b", "x" * 300, "a.example:port"])
def test_odd_host_header_is_400(site_client, host):
    assert site_client.get("/feed.rss", headers={"Host": host}).status_code == 400


def test_healthz_counts_seeds(site_client):
    health = site_client.get("/healthz").get_json()
    assert health["status"] == "ok"
    assert (health["seeds"], health["published"], health["invalid"]) == (
        EXAMPLE.seeds, EXAMPLE.published, EXAMPLE.invalid)
    assert health["last_reload"]


def test_unknown_path_is_a_plain_404(site_client):
    response = site_client.get("/wp-admin/../../etc/passwd")
    assert response.status_code == 404
    assert b"Traceback" not in response.data
