"""Seed Feeds: a feed syndication server over a folder of seed articles."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Config, Flask
from flask.json.provider import DefaultJSONProvider

from . import cli, errors, views
from .corpus import Corpus
from .documents import DocumentCache
from .fastpath import FastPath
from .proxy import TrustedProxy
from .settings import resolve
from .websub import HubNotifier


@dataclass(frozen=True, slots=True)
class FeedsState:
    """What the views share in one process: the corpus and the rendered documents."""

    corpus: Corpus
    documents: DocumentCache
    hub: HubNotifier | None


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask app: settings from FEEDS_* variables, then config (for tests), then defaults."""
    app = Flask(__name__)
    app.config.from_prefixed_env("FEEDS")
    app.config.update(config or {})
    app.config.update(resolve(app.config))
    app.json = _InOrderJSON(app)  # healthz lists its fields in a reading order
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False  # GET and HEAD only; anything else is a 405
    hub = _hub(app.config)
    app.extensions["feeds"] = FeedsState(
        corpus=Corpus.from_settings(app.config,
                                    on_change=hub.publish_sections if hub else None),
        documents=DocumentCache(),
        hub=hub,
    )
    if app.config["RELOAD_SECONDS"]:
        state = app.extensions["feeds"]
        app.wsgi_app = FastPath(  # type: ignore[method-assign]
            app.wsgi_app, state.corpus, state.documents, app.config["MAX_AGE"])
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = TrustedProxy(app.wsgi_app)  # type: ignore[method-assign]
    app.register_blueprint(views.bp)
    errors.init_app(app)
    cli.init_app(app)
    if not app.debug and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return app


class _InOrderJSON(DefaultJSONProvider):
    """Flask's JSON, keys in the order given."""

    sort_keys = False


def _hub(config: Config) -> HubNotifier | None:
    """The WebSub notifier, when a hub is configured. Feed URLs never come from requests (a
    forged Host would reach the hub), so without BASE_URL no hub is advertised or pinged."""
    if config["WEBSUB_HUB"] and not config["BASE_URL"]:
        logging.getLogger(__name__).warning(
            "FEEDS_WEBSUB_HUB is set but FEEDS_BASE_URL is not: no hub is advertised or pinged")
        config["WEBSUB_HUB"] = ""
    if not config["WEBSUB_HUB"]:
        return None
    return HubNotifier(config["WEBSUB_HUB"], config["BASE_URL"], delay=config["RELOAD_SECONDS"])
