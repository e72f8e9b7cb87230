"""Our news API read as a client reads it: a listing followed page by page, the strings in
a JSON value, the URL an entry stands for."""

import json
from typing import Any

from feeds.output.urls import news_path


def listing(client, topic: str = "", query: str = "") -> list[dict[str, Any]]:
    """Every article of one of our listings, following nextPage from the first page."""
    entries, page = [], 1
    while page:
        response = client.get(news_path(topic, page) + query)
        assert response.status_code == 200, response.data
        body = json.loads(response.data)
        assert body["page"] == page
        entries += body["value"]
        page = body["nextPage"]
    return entries


def strings(value) -> list[str]:
    """Every string in a parsed JSON value."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [text for item in items for text in strings(item)]


def url_of(entry: dict[str, Any]) -> str:
    """The URL an entry stands for: its originalUrl, else its webUrl."""
    return entry["originalUrl"] or entry["webUrl"]
