"""What readers and crawlers ask of every site: icons at the top, robots.txt, the sitemap."""

import hashlib
from pathlib import Path

from flask import Blueprint, Response, request
from werkzeug.wrappers import Response as BaseResponse

from ..output.crawlers import robots_txt
from ..output.described import sitemap as sitemap_of
from ..output.icons import ICON_FILES, icon_bytes
from ..output.urls import BUILD_PATH, ROBOTS_PATH, SITEMAP_PATH
from .answer import answer, wants_gzip
from .errors import RequestError
from .request import base_url
from .state import current_state

bp = Blueprint("site_files", __name__)

ICON_MAX_AGE = 86_400  # a day: readers fetch icons seldom, and revalidate with the ETag
# An icon is an image, never a page: nothing in an operator's SVG runs under this origin.
_ICON_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                 "X-Content-Type-Options": "nosniff"}


@bp.get(f"/<any({', '.join(repr(name) for name in ICON_FILES)}):name>")
def icon(name: str) -> BaseResponse:
    """One of the site's icons: the operator's from `_data/icons/`, else the built-in."""
    body = icon_bytes(Path(current_state().settings.seeds_dir), name)
    response = Response(body, mimetype=ICON_FILES[name].media_type, headers=_ICON_HEADERS)
    response.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = ICON_MAX_AGE
    return response.make_conditional(request)


@bp.get(ROBOTS_PATH)
def robots() -> BaseResponse:
    """Crawlers kept out of query URLs and the form's target; the sitemap named."""
    settings = current_state().settings
    body = robots_txt(base_url(), BUILD_PATH, settings.sitemap)
    response = Response(body, mimetype="text/plain")
    response.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = settings.max_age
    return response.make_conditional(request)


@bp.get(SITEMAP_PATH)
def sitemap() -> Response:
    """The sitemap of the standard pages, unless SITEMAP is off."""
    state = current_state()
    if not state.settings.sitemap:
        raise RequestError(404, "This site publishes no sitemap.")
    snapshot = state.corpus.snapshot()
    base = base_url()
    document = state.documents.get(sitemap_of(snapshot, base))
    use_gzip = wants_gzip(request.headers.get("Accept-Encoding"))
    status, headers, body = answer(document, use_gzip, state.settings.max_age, request.environ)
    return Response(body, status, headers)
