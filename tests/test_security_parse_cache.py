"""The parse cache as an attacker would plant it: a pickle that runs a command, a wrong or
truncated file, a file or folder others may write; each is ignored, none runs."""

import os
import pickle
from pathlib import Path

import pytest
from servers import fetch, serve_process

from feeds import create_app
from feeds.view.cache import CACHE_VERSION, ParseCache
from feeds.view.corpus import Corpus


class Planted:
    """A pickle that runs a command when loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def planted_cache(cache_dir: Path, seeds_dir: Path, payload: object) -> Path:
    """A file at the parse cache's own name, holding payload pickled."""
    path = ParseCache(cache_dir, seeds_dir.resolve()).path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(payload))
    return path


@pytest.mark.server
def test_a_planted_pickle_runs_nothing_and_the_server_starts(small_site, tmp_path):
    marker, cache = tmp_path / "pwned", tmp_path / "cache"
    planted_cache(cache, small_site, {"version": CACHE_VERSION, "entries": Planted(marker)})
    log = tmp_path / "serve.log"
    with serve_process({"FEEDS_SEEDS_DIR": str(small_site), "FEEDS_CACHE_DIR": str(cache)},
                       output=log) as (base, _):
        assert fetch(f"{base}/feed.rss")[0] == 200
    assert not marker.exists()
    assert "system is not allowed in a parse cache" in log.read_text()


@pytest.mark.parametrize("payload", [
    [], "text", {"version": CACHE_VERSION}, {"version": CACHE_VERSION - 1, "entries": {}},
    {"version": CACHE_VERSION, "seeds_dir": "/elsewhere", "entries": {}, "view": None},
    {"version": CACHE_VERSION, "entries": {"a.md": ("not", "a", "pair")}},
], ids=["list", "text", "no-entries", "old-version", "other-folder", "wrong-structure"])
def test_a_wrong_cache_is_a_slower_start_for_the_server_and_check(small_site, tmp_path,
                                                                   payload, caplog):
    cache = tmp_path / "cache"
    planted_cache(cache, small_site, payload)
    app = create_app({"SEEDS_DIR": str(small_site), "CACHE_DIR": str(cache),
                      "RELOAD_SECONDS": 0})
    assert app.test_client().get("/feed.rss").status_code == 200
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "3 seeds: 3 published" in result.output
    assert "parse cache" in caplog.text and "ignored" in caplog.text


def test_a_truncated_cache_is_ignored(small_site, tmp_path):
    cache = tmp_path / "cache"
    corpus = Corpus(small_site, reload_seconds=0, cache_dir=cache)
    corpus.snapshot()
    corpus.save_cache(force=True)
    path, = cache.glob("parse-cache-*")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert len(Corpus(small_site, reload_seconds=0, cache_dir=cache).snapshot().site.articles) == 3


@pytest.mark.parametrize("folder_mode, file_mode", [(0o777, 0o600), (0o1777, 0o600),
                                                    (0o700, 0o666)])
def test_a_cache_others_may_write_is_refused(small_site, tmp_path, caplog, folder_mode,
                                             file_mode):
    cache = tmp_path / "cache"
    corpus = Corpus(small_site, reload_seconds=0, cache_dir=cache)
    corpus.snapshot()
    corpus.save_cache(force=True)
    path, = cache.glob("parse-cache-*")
    # What another user could have written: only a start that trusts the cache shows it.
    path.write_bytes(path.read_bytes().replace(b"Article 1", b"Planted 1"))
    os.chmod(cache, folder_mode)
    os.chmod(path, file_mode)
    titles = [a.title for a in Corpus(small_site, reload_seconds=0, cache_dir=cache)
              .snapshot().site.articles]
    assert "Article 1" in titles and "Planted 1" not in titles
    assert "others may write it" in caplog.text
