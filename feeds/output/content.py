"""The small HTML rendering of an article that feeds carry as its content."""

from markupsafe import escape

from ..model import Article
from .media import is_video, watch_url


def content_html(article: Article) -> str:
    """The lead image, the excerpt, where to read (or watch) it, related coverage.

    Every value goes through markupsafe's escape (in C), not Markup.format: the same bytes,
    at a third of the cost. A video is a link that says so, never an iframe: readers strip them.
    """
    parts = []
    if article.images:
        image = article.images[0]
        size = "".join(f' {name}="{value}"' for name, value in
                       (("width", image.width), ("height", image.height)) if value)
        parts.append(f'<p><img src="{escape(image.url)}" '
                     f'alt="{escape(image.title or article.title)}"{size}></p>')
    if article.excerpt:
        parts.append(f"<p>{escape(article.excerpt)}</p>")
    parts.extend(_where(article))
    if article.related:
        items = "".join(
            f'<li><a href="{escape(r.url)}">{escape(r.title)}</a>'
            f'{escape(f" ({r.provider_name})") if r.provider_name else ""}</li>'
            for r in article.related)
        parts.append(f"<p>Related coverage:</p><ul>{items}</ul>")
    return "\n".join(parts)


def _where(article: Article) -> list[str]:
    """Where to read it; for a video, where to watch it, in a link that says it is one."""
    source = escape(article.provider.name if article.provider else "the source")
    url = escape(article.url)
    if not is_video(article):
        return [f'<p>Read at <a href="{url}">{source}</a></p>']
    if watch_url(article) == article.url:  # the article is the video
        return [f'<p>▶ <a href="{url}">Watch the video at {source}</a></p>']
    return [f'<p>▶ <a href="{escape(watch_url(article))}">Watch the video</a></p>',
            f'<p>Read at <a href="{url}">{source}</a></p>']
