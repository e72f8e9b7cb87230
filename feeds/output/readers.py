"""One-click subscribe links: each reader's documented URL for adding a feed."""

from urllib.parse import quote

# (reader, the URL that adds a feed, with {} for the percent-encoded feed address)
READERS = (
    ("Feedly", "https://feedly.com/i/subscription/feed%2F{}"),
    ("Inoreader", "https://www.inoreader.com/?add_feed={}"),
    ("NewsBlur", "https://www.newsblur.com/?url={}"),
    ("The Old Reader", "https://theoldreader.com/feeds/subscribe?url={}"),
)


def subscribe_links(feed_url: str) -> list[tuple[str, str]]:
    """(reader, link) for every reader, subscribing to feed_url."""
    encoded = quote(feed_url, safe="")
    return [(reader, template.format(encoded)) for reader, template in READERS]
