"""Seed Feeds: a feed syndication server over a folder of seed articles."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, errors, views
from .corpus import Corpus
from .documents import DocumentCache
from .fastpath import FastPath
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
    app.json.sort_keys = False
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False  # GET and HEAD only; anything else is a 405
    hub = HubNotifier(app.config["WEBSUB_HUB"], app.config["BASE_URL"],
                      delay=app.config["RELOAD_SECONDS"]) if app.config["WEBSUB_HUB"] else None
    app.extensions["feeds"] = FeedsState(
        corpus=Corpus.from_settings(app.config,
                                    on_change=hub.publish_sections if hub else None),
        documents=DocumentCache(),
        hub=hub,
    )
    if app.config["RELOAD_SECONDS"]:
        app.wsgi_app = FastPath(app.wsgi_app, app.extensions["feeds"].corpus,
                                app.config["MAX_AGE"])
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
    app.register_blueprint(views.bp)
    errors.init_app(app)
    cli.init_app(app)
    if not app.debug and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return app
