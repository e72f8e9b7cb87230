"""One idiom for request errors: whatever is wrong with a request, and wherever it is found (the
section, the query, the paging, the period, the news API's path, the hub, /stats), the answer
is one line of plain text that names its status, or a redirect that says where to go."""

import pytest
from werkzeug.http import HTTP_STATUS_CODES

REFUSED = [
    ("/feed.rss?limit=0", 400, "limit must be given once"),
    ("/feed.rss?page=1&page=2", 400, "page must be given once"),
    ("/feed.rss?topics=nosuch", 404, "There is no topic 'nosuch' (in topics)."),
    ("/feed.rss?top=3", 400, "top must be a whole number from 1 to 50, given with digest."),
    ("/feed.rss?digest=daily&top=007", 400, "top must be a whole number from 1 to 50"),
    ("/feed.atom?page=999", 404, "Page 999 is past the last page"),
    ("/topics/nosuch.json", 404, "There is no topic 'nosuch'. Every feed is listed at /."),
    ("/?digest=weekly&period=2026-W54", 400, "period must be given once, with digest"),
    ("/?digest=daily&period=1999-01-01", 404, "The period 1999-01-01 has not ended"),
    ("/build?min_heat=lots", 400, "min_heat must be a number"),
    ("/api/news/page/0/index.json", 400, "The page in /api/news/page/N/index.json"),
    ("/api/news/nosuch/index.json", 404, "There is no topic 'nosuch'. Every topic is listed"),
    ("/api/news/index.json?digest=weekly", 400, "digest and top are not offered"),
    ("/stats", 404, "Statistics are off"),
    ("/nowhere", 404, "The requested URL was not found"),
]


@pytest.mark.parametrize("path, status, says", REFUSED)
def test_a_refused_request_is_one_plain_line_naming_its_status(site_client, path, status, says):
    response = site_client.get(path)
    assert response.status_code == status
    assert response.content_type == "text/plain; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith(f"{status} {HTTP_STATUS_CODES[status]}: ") and says in text
    assert text.endswith("\n") and text.count("\n") == 1


def test_a_bad_host_header_is_refused_the_same_way(site_client):
    response = site_client.get("/feed.rss", headers={"Host": "bad host"})
    assert response.status_code == 400
    assert response.get_data(as_text=True) == (
        "400 Bad Request: The Host header must be a host name, with an optional port from 1 "
        "to 65535.\n")


@pytest.mark.parametrize("path, status", [("/topics/OPEN-SOURCE.rss?limit=2", 301),
                                          ("/build?section=topics/Open-Source&sort=date", 303)])
def test_a_redirect_says_where_to_go_in_plain_text(site_client, path, status):
    response = site_client.get(path)
    assert response.status_code == status
    assert response.content_type == "text/plain; charset=utf-8"
    assert response.get_data(as_text=True) == f"See {response.headers['Location']}\n"
    assert "/topics/open-source" in response.headers["Location"]
