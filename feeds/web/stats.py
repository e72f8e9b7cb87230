"""/stats (subscribers: a page, JSON and CSV) and /metrics (Prometheus), open only with
STATS_TOKEN: to `Authorization: Bearer <token>` or to the addresses STATS_ALLOW names."""

import hmac
import ipaddress
import logging
import sqlite3
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from ..output.pages import template_urls
from ..settings import Settings
from ..trust import UnsafeFile
from .audience_store import EVERY, AudienceStore, Count
from .chart import colour_of, line_chart
from .errors import RequestError
from .params import whole_number
from .report import Report, as_csv, as_json, build_report
from .state import current_state

log = logging.getLogger(__name__)
bp = Blueprint("stats", __name__)
DEFAULT_DAYS, MAX_DAYS = 30, 366


@bp.before_request
def refuse_strangers() -> None:
    """404 while STATS_TOKEN is unset; 401 without the token or an allowed address."""
    settings = current_state().settings
    if not settings.stats_token:
        raise RequestError(404, "Statistics are off: set FEEDS_STATS_TOKEN to turn them on.")
    if not (_token_matches(settings) or _address_allowed(settings)):
        raise RequestError(401, "send Authorization: Bearer <FEEDS_STATS_TOKEN>.",
                           [("WWW-Authenticate", 'Bearer realm="stats"')])


@bp.after_request
def never_cached(response: Response) -> Response:
    """Private figures: no proxy or browser keeps them."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/stats")
def stats_page() -> str:
    """The page: a chart of subscribers over days, tables by feed and by service."""
    report = _report()
    chart = line_chart(report.days, report.series, "Subscribers a day")
    settings = current_state().settings
    base = settings.base_url.rstrip("/") or request.root_url.rstrip("/")
    return render_template("stats.html", report=report, chart=chart, colour_of=colour_of,
                           counting=current_app.extensions["feeds.recorder"].counting,
                           page_of=lambda feed: f"{base}/{feed.removeprefix('/feed')}"
                           .replace("//", "/", 1) if feed.startswith("/feed") else base + feed,
                           **template_urls(base, settings.site_title))


@bp.get("/stats.json")
def stats_json() -> Response:
    """The same figures as JSON."""
    return jsonify(as_json(_report()))


@bp.get("/stats.csv")
def stats_csv() -> Response:
    """Every count as CSV."""
    return Response(as_csv(_report()), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="stats.csv"'})


@bp.get("/metrics")
def metrics() -> Response:
    """The Prometheus text format: every worker's metrics and the subscriber totals."""
    from .metrics import CONTENT_TYPE, exposition  # in the worker only: see metrics.py

    recorder = current_app.extensions["feeds.recorder"]
    recorder.ensure_started()
    return Response(exposition(recorder.metrics, _totals), content_type=CONTENT_TYPE)


def _report() -> Report:
    """The report over ?days= (default 30) days."""
    days = whole_number(request.args.get("days", str(DEFAULT_DAYS)), MAX_DAYS)
    if days is None:
        raise RequestError(400, f"days must be a whole number from 1 to {MAX_DAYS}.")
    today = datetime.now(UTC).date()
    since = (today - timedelta(days=days - 1)).isoformat()
    return build_report(_counts(since), today, days)


def _counts(since: str) -> list[Count]:
    """The counts from since on (none without STATE_DIR), read on a connection of its own."""
    settings = current_state().settings
    if not settings.state_dir:
        return []
    try:
        store = AudienceStore(settings.state_dir)
    except (OSError, UnsafeFile, sqlite3.Error) as error:
        log.error("the audience counts cannot be read: %s", error)
        return []
    try:
        return store.counts(since)
    finally:
        store.close()


def _totals() -> dict[str, int]:
    """Today's subscribers of all feeds, by source."""
    today = datetime.now(UTC).date().isoformat()
    site = [c for c in _counts(today) if c.feed == EVERY and c.format == EVERY]
    return {"aggregators": sum(c.reported for c in site), "readers": sum(c.readers for c in site)}


def _token_matches(settings: Settings) -> bool:
    """Whether the request carries the token."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), settings.stats_token.encode())


def _address_allowed(settings: Settings) -> bool:
    """Whether the request comes from an address STATS_ALLOW names."""
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in settings.stats_allow)
