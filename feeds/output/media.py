"""An article's media as readers take them: the enclosure of its lead image, its video."""

from posixpath import splitext
from urllib.parse import urlsplit

from ..model import Article, Image

# Media types by the suffix of an image URL's path; a URL with none says nothing of its type.
_IMAGE_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".jpe": "image/jpeg", ".png": "image/png",
    ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml",
    ".bmp": "image/bmp", ".ico": "image/x-icon", ".tif": "image/tiff", ".tiff": "image/tiff",
}
UNKNOWN_IMAGE = "image/*"  # an image of a type neither the seed nor its URL says
PLAYER_TYPE = "text/html"  # what an embed's URL answers with: a page that plays the video


def image_type(image: Image) -> str:
    """The image's media type: the seed's, else its URL's suffix's, else image/*."""
    if image.type:
        return image.type
    suffix = splitext(urlsplit(image.url).path)[1].lower()
    return _IMAGE_TYPES.get(suffix, UNKNOWN_IMAGE)


def is_video(article: Article) -> bool:
    """Whether the article is a video (`type: video`) or embeds one (`featuredContent`)."""
    return article.type.lower() == "video" or bool(article.embed)


def player_url(article: Article) -> str:
    """Where a reader plays the video: the embed's player, else the video's own page."""
    return article.embed or article.url


def watch_url(article: Article) -> str:
    """Where a person follows a link to watch: the video's page, or the embed in an article."""
    return article.url if article.type.lower() == "video" else article.embed
