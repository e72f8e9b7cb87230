"""What a seed says of its media beyond the URLs: an image's media type, a video's player URL."""

import re
from html.parser import HTMLParser
from typing import Any

from ..text import http_url

MAX_EMBED = 10_000  # characters of a featuredContent embed; a longer one is left out
_IMAGE_TYPE = re.compile(r"image/[a-z0-9.+-]{1,60}")


def seed_image_type(value: Any) -> str:
    """An image's media type as the seed gives it (image/png), or '' when it gives none."""
    if isinstance(value, str) and _IMAGE_TYPE.fullmatch(value.strip().lower()):
        return value.strip().lower()
    return ""


class _EmbedSource(HTMLParser):
    """The src of the first iframe, embed or video in a fragment of HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.src: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.src is None and tag in ("iframe", "embed", "video"):
            self.src = dict(attrs).get("src") or None


def embed_url(raw: Any) -> str:
    """The player URL of a featuredContent embed (an iframe's src); '' for none or another
    kind of value: the field is optional, and an odd one makes no seed invalid."""
    if not isinstance(raw, str) or len(raw) > MAX_EMBED:
        return ""
    parser = _EmbedSource()
    parser.feed(raw)
    parser.close()
    src = (parser.src or "").strip()
    return http_url(f"https:{src}" if src.startswith("//") else src) or ""
