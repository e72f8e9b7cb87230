"""Seed Feeds: a feed syndication server over a folder of seed articles."""

import dataclasses
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from . import cli
from .heap import collector_paused, return_large_blocks
from .output.documents import DocumentCache
from .settings import Settings
from .trust import UnsafeFile, private_folder
from .view.corpus import Corpus
from .web import aliases, errors, news, routes, site_files, stats
from .web import hub as hubdoor
from .web.fastpath import FastPath
from .web.host import EmptyHostAsAbsent
from .web.observe import Observer, Recorder
from .web.proxy import TrustedProxy
from .web.selfhub import SelfHub
from .web.state import FeedsState
from .web.websub import HubNotifier

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask app: settings from FEEDS_* variables, then config (for tests), then defaults."""
    return_large_blocks()  # so that what the document cache frees goes back to the system
    app = Flask(__name__)
    app.config.from_prefixed_env("FEEDS")
    app.config.update(config or {})
    settings = _without_unsafe_hub(Settings.of(app.config))
    app.config.update(settings.as_config())
    app.json = _InOrderJSON(app)  # healthz lists its fields in a reading order
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False  # GET and HEAD only; anything else is a 405
    hub = _hub(settings)
    state = FeedsState(
        settings=settings,
        corpus=Corpus.from_settings(settings, on_change=hub.publish_sections if hub else None,
                                    heap_policy=collector_paused),
        documents=DocumentCache(settings.document_cache_mb * 1024 * 1024),
        hub=hub,
    )
    app.extensions["feeds"] = state
    if isinstance(hub, SelfHub):
        hub.corpus = state.corpus
        app.register_blueprint(hubdoor.bp)
    _wrap(app, state)
    app.register_blueprint(routes.bp)
    app.register_blueprint(news.bp)
    app.register_blueprint(site_files.bp)
    app.register_blueprint(stats.bp)
    aliases.init_app(app, settings)
    errors.init_app(app)
    cli.init_app(app)
    if not app.debug and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return app


def _wrap(app: Flask, state: FeedsState) -> None:
    """The WSGI stack around Flask, inside out: no Host as absent, the fast path, the Observer,
    the proxy's headers."""
    settings = state.settings
    app.wsgi_app = EmptyHostAsAbsent(app.wsgi_app)  # type: ignore[method-assign]
    if settings.reload_seconds:
        app.wsgi_app = FastPath(  # type: ignore[method-assign]
            app.wsgi_app, state.corpus, state.documents, settings.max_age,
            keyed_by_host=not settings.base_url)
    if _observed(settings):  # outside the fast path, inside the proxy's client address
        recorder = app.extensions["feeds.recorder"] = Recorder(state)
        app.wsgi_app = Observer(app.wsgi_app, recorder)  # type: ignore[method-assign]
    if settings.trust_proxy:
        app.wsgi_app = TrustedProxy(app.wsgi_app)  # type: ignore[method-assign]


def _observed(settings: Settings) -> bool:
    """Whether requests are observed: for the counts, /metrics or the JSON access log."""
    return bool((settings.state_dir and settings.audience_days) or settings.stats_token
                or settings.access_log)


class _InOrderJSON(DefaultJSONProvider):
    """Flask's JSON, keys in the order given."""

    sort_keys = False


def _hub(settings: Settings) -> HubNotifier | SelfHub | None:
    """The hub of its own, the notifier of an outside hub, or none."""
    if settings.websub_hub == "self":
        try:
            private_folder(Path(settings.state_dir))
        except (OSError, UnsafeFile) as error:
            raise ValueError(f"FEEDS_STATE_DIR: {error}") from None
        return SelfHub(settings)
    if settings.websub_hub:
        return HubNotifier(settings.websub_hub, settings.base_url, delay=settings.reload_seconds)
    return None


def _without_unsafe_hub(settings: Settings) -> Settings:
    """The settings, with no WebSub hub unless BASE_URL is set: feed URLs never come from
    requests (a forged Host would reach the hub)."""
    if settings.websub_hub and not settings.base_url:
        log.warning("FEEDS_WEBSUB_HUB is set but FEEDS_BASE_URL is not: no hub is advertised "
                    "or pinged")
        return dataclasses.replace(settings, websub_hub="")
    if settings.websub_hub == "self" and not settings.state_dir:
        log.warning("FEEDS_WEBSUB_HUB=self needs FEEDS_STATE_DIR for its subscriptions: "
                    "no hub is advertised")
        return dataclasses.replace(settings, websub_hub="")
    return settings
