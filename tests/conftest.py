"""Fixtures: the example site, the real corpus and its oracle, apps, clients and servers over
them, seeds written by tests, real WebSub subscribers on loopback."""

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from servers import serve
from subscriber import Subscriber

from feeds import create_app
from feeds.view.corpus import Corpus

REPO = Path(__file__).resolve().parents[1]
CORPUS_SETTING = os.environ.get("FEEDS_TEST_CORPUS", "")
CORPUS = Path(CORPUS_SETTING or REPO.parent / "shared" / "corpus" / "powerapps")
BASE_URL = "http://feeds.test"
SITE = REPO / "seeds"  # the example site the project ships


def pytest_sessionstart(session):
    """A FEEDS_TEST_CORPUS that points at no corpus is a mistake to stop at, not a skip."""
    if CORPUS_SETTING and not (CORPUS / "_news").is_dir():
        raise pytest.UsageError(f"FEEDS_TEST_CORPUS={CORPUS_SETTING} holds no corpus "
                                "(no _news/ folder in it)")


def oracle_listing(name: str = "") -> list[str]:
    """Seed paths the original site published in a listing of api/news, newest first."""
    folder = CORPUS / "api" / "news" / name
    pages = sorted((folder / "page").glob("*/index.json"), key=lambda p: int(p.parent.name))
    paths: list[str] = []
    for file in [folder / "index.json", *pages]:
        for entry in json.loads(file.read_text())["value"]:
            if entry["path"] not in paths:
                paths.append(entry["path"])
    return paths


def seed_text(**fields) -> str:
    """A seed file's text: YAML front matter from fields, then a body."""
    return "---\n" + yaml.safe_dump(fields, allow_unicode=True, sort_keys=False) + "---\nBody.\n"


def article_fields(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """The fields of a valid, published seed, numbered n, with overrides."""
    fields = {
        "title": f"Article {n}",
        "excerpt": f"Excerpt of article {n}.",
        "publishedDateTime": f"2024-01-{n:02d}T08:00:00Z",
        "originalUrl": f"https://news.example.com/articles/{n}",
        "type": "article",
        "published": True,
        "provider": {"name": "Example News", "domain": "news.example.com"},
        "topics": ["Power Apps"],
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The real corpus, read in place."""
    if not (CORPUS / "_news").is_dir():
        pytest.skip(f"needs the real corpus, which is not at {CORPUS} (a clone without "
                    "../shared); set FEEDS_TEST_CORPUS to run it")
    return CORPUS


@pytest.fixture(scope="session")
def site_app():
    """An app over the example site in the project's seeds/, with a fixed BASE_URL."""
    return create_app({"TESTING": True, "SEEDS_DIR": str(SITE), "BASE_URL": BASE_URL})


@pytest.fixture
def site_client(site_app):
    """A test client of the example site."""
    return site_app.test_client()


@pytest.fixture(scope="session")
def site_server():
    """The real production server (2 workers) over the example site: its base URL."""
    with serve({"FEEDS_SEEDS_DIR": str(SITE)}, workers=2) as base:
        yield base


@pytest.fixture(scope="session")
def corpus_snapshot(corpus_dir):
    """The published view of the real corpus."""
    return Corpus(corpus_dir).snapshot()


@pytest.fixture(scope="session")
def corpus_server(corpus_dir):
    """The real production server (2 workers) over the real corpus: its base URL."""
    with serve({"FEEDS_SEEDS_DIR": str(corpus_dir)}, workers=2) as base:
        yield base


@pytest.fixture(scope="session")
def corpus_app(corpus_dir):
    """An app over the real corpus, with a fixed BASE_URL."""
    return create_app({"TESTING": True, "SEEDS_DIR": str(corpus_dir), "BASE_URL": BASE_URL})


@pytest.fixture
def client(corpus_app):
    """A test client of the corpus app."""
    return corpus_app.test_client()


@pytest.fixture
def seeds_dir(tmp_path) -> Path:
    """An empty seeds folder for a test to write into."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    return folder


@pytest.fixture
def write_seed(seeds_dir):
    """Write a seed file into seeds_dir: write_seed(name, text) or write_seed(name, **fields)."""

    def write(name: str, text: str | bytes | None = None, **fields) -> Path:
        path = seeds_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        content = text if text is not None else seed_text(**fields)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture
def make_client(seeds_dir):
    """A client factory for an app over seeds_dir that rescans on every request."""

    def make(**config):
        settings = {"TESTING": True, "SEEDS_DIR": str(seeds_dir), "BASE_URL": BASE_URL,
                    "RELOAD_SECONDS": 0, **config}
        return create_app(settings).test_client()

    return make


@pytest.fixture
def small_site(seeds_dir, write_seed) -> Path:
    """Three seeds in two topics from two providers."""
    for n, topic, domain in [(1, "Alpha", "a.example"), (2, "Beta", "b.example"),
                             (3, "Alpha", "b.example")]:
        write_seed(f"{n}.md", **article_fields(n, topics=[topic],
                                               provider={"name": domain, "domain": domain}))
    return seeds_dir


@pytest.fixture
def subscriber():
    """Make real subscribers on loopback, subscriber(**behaviour); all are closed after."""
    made: list[Subscriber] = []

    def make(**behaviour) -> Subscriber:
        made.append(Subscriber(**behaviour))
        return made[-1]

    yield make
    for one in made:
        one.close()


@pytest.fixture(scope="module")
def public_tmp():
    """A temporary folder that nginx's unprivileged workers can read (pytest's are 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="seed-feeds-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def state_dir(tmp_path):
    """A STATE_DIR for a test; the day salts the servers made for it are removed after."""
    from feeds.web.salt import SHARED_MEMORY, Salts

    folder = tmp_path / "state"
    yield folder
    for salt in SHARED_MEMORY.glob(f"{Salts(folder).prefix}*"):
        salt.unlink(missing_ok=True)


@pytest.fixture(scope="session", autouse=True)
def no_salt_left_behind():
    """Every app with a STATE_DIR counts its audience, with day salts in shared memory: the
    ones this session's servers made are removed at its end."""
    import time

    from feeds.web.salt import SHARED_MEMORY

    started = time.time() - 1
    yield
    for salt in SHARED_MEMORY.glob(f"seed-feeds-{os.geteuid()}-*"):
        try:
            if salt.stat().st_mtime >= started:
                salt.unlink()
        except OSError:
            pass
