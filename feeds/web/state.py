"""What one process shares between requests: the settings, the corpus, the documents, the hub."""

from dataclasses import dataclass

from flask import current_app

from ..output.documents import DocumentCache
from ..settings import Settings
from ..view.corpus import Corpus
from .selfhub import SelfHub
from .websub import HubNotifier


@dataclass(frozen=True, slots=True)
class FeedsState:
    """The process's state, kept in `app.extensions["feeds"]`."""

    settings: Settings
    corpus: Corpus
    documents: DocumentCache
    hub: HubNotifier | SelfHub | None


def current_state() -> FeedsState:
    """The state of the app handling the current request or command."""
    state = current_app.extensions["feeds"]
    assert isinstance(state, FeedsState)
    return state
