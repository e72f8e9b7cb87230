"""Seed Feeds: a feed syndication server over a folder of seed articles."""

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from . import cli
from .heap import collector_paused
from .output.documents import DocumentCache
from .settings import Settings
from .view.corpus import Corpus
from .web import errors, routes, stats
from .web.fastpath import FastPath
from .web.observe import Observer, Recorder
from .web.proxy import TrustedProxy
from .web.state import FeedsState
from .web.websub import HubNotifier

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask app: settings from FEEDS_* variables, then config (for tests), then defaults."""
    app = Flask(__name__)
    app.config.from_prefixed_env("FEEDS")
    app.config.update(config or {})
    settings = _without_unsafe_hub(Settings.of(app.config))
    app.config.update(settings.as_config())
    app.json = _InOrderJSON(app)  # healthz lists its fields in a reading order
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False  # GET and HEAD only; anything else is a 405
    hub = HubNotifier(settings.websub_hub, settings.base_url,
                      delay=settings.reload_seconds) if settings.websub_hub else None
    state = FeedsState(
        settings=settings,
        corpus=Corpus.from_settings(settings, on_change=hub.publish_sections if hub else None,
                                    heap_policy=collector_paused),
        documents=DocumentCache(),
        hub=hub,
    )
    app.extensions["feeds"] = state
    if settings.reload_seconds:
        app.wsgi_app = FastPath(  # type: ignore[method-assign]
            app.wsgi_app, state.corpus, state.documents, settings.max_age)
    if _observed(settings):  # outside the fast path, inside the proxy's client address
        recorder = app.extensions["feeds.recorder"] = Recorder(state)
        app.wsgi_app = Observer(app.wsgi_app, recorder)  # type: ignore[method-assign]
    if settings.trust_proxy:
        app.wsgi_app = TrustedProxy(app.wsgi_app)  # type: ignore[method-assign]
    app.register_blueprint(routes.bp)
    app.register_blueprint(stats.bp)
    errors.init_app(app)
    cli.init_app(app)
    if not app.debug and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return app


def _observed(settings: Settings) -> bool:
    """Whether requests are observed: for the counts, /metrics or the JSON access log."""
    return bool((settings.state_dir and settings.audience_days) or settings.stats_token
                or settings.access_log)


class _InOrderJSON(DefaultJSONProvider):
    """Flask's JSON, keys in the order given."""

    sort_keys = False


def _without_unsafe_hub(settings: Settings) -> Settings:
    """The settings, with no WebSub hub unless BASE_URL is set: feed URLs never come from
    requests (a forged Host would reach the hub)."""
    if settings.websub_hub and not settings.base_url:
        log.warning("FEEDS_WEBSUB_HUB is set but FEEDS_BASE_URL is not: no hub is advertised "
                    "or pinged")
        return dataclasses.replace(settings, websub_hub="")
    return settings
