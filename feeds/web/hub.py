"""`POST /websub`: the hub's door (WebSub section 5.1). A subscription request that can be
taken is kept for verification and answered 202; one that cannot, a 4xx saying why; a topic
that is not ours is accepted, then denied at the callback. `hub.mode=publish` is how other
instances say that feeds changed."""

import ipaddress
import sqlite3
import time
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, request

from ..output.urls import HUB_PATH
from .callbacks import CallbackRefused, callback_host, check_address
from .errors import RequestError
from .hubstore import Intent
from .selfhub import SelfHub
from .state import FeedsState, current_state
from .topics import NotATopic, read_topic

bp = Blueprint("websub", __name__)
MAX_REQUEST_BYTES = 8192
MAX_SECRET_BYTES = 199  # WebSub: less than 200 bytes
MAX_PUBLISHED = 1000  # URLs one publish ping may name
_MODES = "hub.mode must be subscribe, unsubscribe or publish."


@bp.errorhandler(sqlite3.Error)
def store_failed(error: sqlite3.Error) -> Response:
    """The store cannot be written (a full disk, a lock held too long): try again later."""
    current_app.logger.error("WebSub: the hub's store failed: %s", error)
    return _plain(503, "The hub cannot take requests just now; try again later.")


@bp.post(HUB_PATH)
def websub() -> Response:
    """A subscriber's request, or a publisher's ping."""
    request.max_content_length = MAX_REQUEST_BYTES
    request.max_form_memory_size = MAX_REQUEST_BYTES
    if request.mimetype != "application/x-www-form-urlencoded":
        raise RequestError(415, "Send the request as application/x-www-form-urlencoded.")
    form = request.form
    mode = _one("hub.mode")
    if mode == "publish":
        return _publish()
    if mode not in ("subscribe", "unsubscribe"):
        raise RequestError(400, _MODES)
    callback, topic = _one("hub.callback"), _one("hub.topic")
    if not callback or not topic:
        raise RequestError(400, "hub.callback and hub.topic are required.")
    host = _checked_host(callback)
    secret = form.get("hub.secret", "")
    if len(secret.encode()) > MAX_SECRET_BYTES:
        raise RequestError(400, f"hub.secret must be at most {MAX_SECRET_BYTES} bytes.")
    return _take(mode, callback, topic, host, secret, _lease())


def _take(mode: str, callback: str, topic: str, host: str, secret: str,
          lease: int) -> Response:
    """Keep the request for the dispatcher: 202, or 429 past a limit."""
    state = current_state()
    hub = state.hub
    assert isinstance(hub, SelfHub)
    now = time.time()
    try:
        canonical = _canonical(topic, state)
    except NotATopic as why:
        if mode == "unsubscribe":  # a topic that is gone may still have subscriptions
            canonical = topic
        else:
            _within_limits(hub, host, state)
            hub.store.ask(Intent(callback, topic, host, "denied", reason=str(why),
                                 created_at=now))
            hub.wake()
            return _plain(202, f"Accepted; the topic is not ours ({why}), as the callback "
                               "will be told.")
    if not hub.store.subscribed(callback, canonical, now):  # else a renewal, or its end
        _within_limits(hub, host, state)
    hub.store.ask(Intent(callback, canonical, host, mode, lease, secret, created_at=now))
    hub.wake()
    return _plain(202, f"Accepted; the hub will verify this {mode} request at the callback, "
                       f"for {canonical}.")


def _within_limits(hub: SelfHub, host: str, state: FeedsState) -> None:
    """A 429 when host, or the hub, holds as many subscriptions and requests as it may: every
    request waiting (a denial, an unsubscription of nothing too) is a row kept and a call."""
    of_host, in_all = hub.store.counts(host, time.time())
    if of_host >= state.settings.hub_max_per_host:
        raise RequestError(429, f"{host} has {of_host} subscriptions and requests, the most "
                                "one host may have.")
    if in_all >= state.settings.hub_max_subscriptions:
        raise RequestError(429, "The hub has as many subscriptions as it takes; try again later.")


def _canonical(topic: str, state: FeedsState) -> str:
    """The canonical URL of topic; NotATopic says why it is none, even after a scan: another
    worker may have shown a feed that this one's view, a scan behind, does not have yet (at
    most one such scan a second in a worker, however many ask, as for publish pings)."""
    base = state.settings.base_url.rstrip("/")
    try:
        return read_topic(topic, state.corpus.snapshot(), state.settings).url(base)
    except NotATopic:
        if time.monotonic() - _last_scan[0] < 1:
            raise
        _last_scan[0] = time.monotonic()
        state.corpus.refresh()
        return read_topic(topic, state.corpus.snapshot(), state.settings).url(base)


_last_scan = [float("-inf")]  # when a request for an unknown topic last made this worker scan


def _publish() -> Response:
    """A ping naming feeds that changed: the hub reads its seeds soon (what changed, it
    finds itself, so a ping costs one scan a second at most, whoever sends it)."""
    state = current_state()
    hub = state.hub
    assert isinstance(hub, SelfHub)
    urls = request.form.getlist("hub.url") + request.form.getlist("hub.topic")
    if not urls or len(urls) > MAX_PUBLISHED:
        raise RequestError(400, f"A publish ping names 1 to {MAX_PUBLISHED} feeds in hub.url.")
    base = urlsplit(state.settings.base_url)
    if not any(_site_of(url) == base[:2] for url in urls):
        raise RequestError(400, f"A publish ping names feeds of {state.settings.base_url}.")
    hub.store.ping()
    hub.wake()
    return _plain(204, "")


def _site_of(url: str) -> tuple[str, str]:
    """(scheme, host) of url; empty for one that does not parse (http://[::1/feed.rss)."""
    try:
        return urlsplit(url)[:2]
    except ValueError:
        return "", ""


def _one(name: str) -> str:
    """A parameter given at most once ('' when absent); a 400 when given twice."""
    values = request.form.getlist(name)
    if len(values) > 1:
        raise RequestError(400, f"{name} may be given only once.")
    return values[0] if values else ""


def _checked_host(callback: str) -> str:
    """The callback's host, when the hub may call it; a 400 saying why not."""
    try:
        host = callback_host(callback)
        try:
            address = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return host  # a name: its addresses are checked when the hub connects
        check_address(str(address), current_state().settings.hub_allow_private)
    except CallbackRefused as why:
        raise RequestError(400, str(why)) from None
    return host


def _lease() -> int:
    """The lease granted: the one asked for (or the default), within the hub's bounds."""
    settings = current_state().settings
    asked = _one("hub.lease_seconds")
    if not asked:
        return settings.hub_lease_seconds
    if not asked.isascii() or not asked.isdigit() or len(asked) > 12:
        raise RequestError(400, "hub.lease_seconds must be a whole number of seconds.")
    return max(settings.hub_min_lease_seconds, min(settings.hub_max_lease_seconds, int(asked)))


def _plain(status: int, text: str) -> Response:
    """A plain-text answer."""
    return Response(text + "\n" if text else "", status, content_type="text/plain; charset=utf-8")
