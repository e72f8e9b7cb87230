"""The index saved in the parse cache: taken back at a restart when it fits the saved view,
ignored (and said so in the log) when any part of it does not."""

import json
import logging
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_URL, article_fields

from feeds import create_app
from feeds.view.corpus import Corpus
from feeds.view.index import Index
from feeds.view.lookups import index_of

WriteSeed = Callable[..., Path]
QUERIES = ["/feed.json?q=shared", "/feed.json?q=word2", "/topics/copilot.json?q=shared",
           "/feed.json?sort=heat", "/feed.json?min_quality=0.3", "/feed.json?digest=daily"]


@pytest.fixture
def seeds(seeds_dir: Path, write_seed: WriteSeed) -> Path:
    """Five seeds, two topics, some without scores."""
    for n in range(1, 6):
        write_seed(f"{n}.md", **article_fields(
            n, excerpt=f"word{n} shared", topics=["Copilot"] if n % 2 else ["Dataverse"],
            heat=n if n != 3 else None, quality=n / 10 if n != 2 else None))
    return seeds_dir


def saved(seeds_dir: Path, cache: Path, change: Callable[[Index], None] | None = None) -> None:
    """Start over seeds_dir, build the index, change it (if told), and save the parse cache."""
    corpus = Corpus(seeds_dir, reload_seconds=0, cache_dir=cache)
    index = index_of(corpus.snapshot(watching=False))
    if change is not None:
        change(index)
    corpus.save_cache()


def answers(seeds_dir: Path, cache: Path | None) -> list[tuple[int, Any]]:
    """What an app over seeds_dir (with the parse cache, if any) answers to every query."""
    config = {"TESTING": True, "SEEDS_DIR": str(seeds_dir), "BASE_URL": BASE_URL,
              "RELOAD_SECONDS": 0, **({"CACHE_DIR": str(cache)} if cache else {})}
    client = create_app(config).test_client()
    return [(r.status_code, json.loads(r.data)["items"])
            for r in (client.get(url) for url in QUERIES)]


def test_a_restart_takes_the_saved_index_without_a_word(seeds: Path, tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture
                                                        ) -> None:
    """An index saved with its view is taken back silently and answers as a new one."""
    saved(seeds, tmp_path / "cache")
    expected = answers(seeds, None)
    with caplog.at_level(logging.WARNING):
        assert answers(seeds, tmp_path / "cache") == expected
    assert "parse cache" not in caplog.text
    assert all(status == 200 for status, _ in expected) and all(found for _, found in expected)


def _articles_copied(index: Index) -> None:
    index.articles = tuple(list(index.articles))  # equal, not the same


def _section_dropped(index: Index) -> None:
    del index.sections[("topics", "copilot")]


def _section_added(index: Index) -> None:
    index.sections[("topics", "ferries")] = array("I", [0])


def _word_not_text(index: Index) -> None:
    index.words[b"shared"] = index.words.pop("shared")  # type: ignore[index]


def _positions_signed(index: Index) -> None:
    index.words["shared"] = array("i", index.words["shared"])


def _per_article_short(index: Index) -> None:
    index.days = index.days[:-1]


def _per_article_a_list(index: Index) -> None:
    index.heat = list(index.heat)  # type: ignore[assignment]


def _position_at_the_end(index: Index) -> None:
    index.sections[("topics", "copilot")] = array("I", [0, len(index.articles)])


def _rank_at_the_end(index: Index) -> None:
    index.heat_rank[0] = len(index.articles)


@pytest.mark.parametrize("change", [
    _articles_copied, _section_dropped, _section_added, _word_not_text, _positions_signed,
    _per_article_short, _per_article_a_list, _position_at_the_end, _rank_at_the_end])
def test_a_saved_index_that_does_not_fit_is_ignored_and_logged(
        seeds: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        change: Callable[[Index], None]) -> None:
    """Any part of a saved index that does not fit its view: a warning, and right answers."""
    saved(seeds, tmp_path / "cache", change)
    expected = answers(seeds, None)
    with caplog.at_level(logging.WARNING):
        assert answers(seeds, tmp_path / "cache") == expected
    assert "parse cache" in caplog.text and "saved view" in caplog.text


def test_a_view_changed_since_its_index_was_built_is_saved_without_that_index(
        seeds: Path, write_seed: WriteSeed, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """A view saved after changes followed since its index was built starts right, silently."""
    corpus = Corpus(seeds, reload_seconds=3600, watch=False, cache_dir=tmp_path / "cache")
    corpus.snapshot(watching=False)
    write_seed("6.md", **article_fields(6, excerpt="word6 shared", topics=["Copilot"]))
    corpus.refresh()
    corpus.save_cache(force=True)
    expected = answers(seeds, None)
    with caplog.at_level(logging.WARNING):
        assert answers(seeds, tmp_path / "cache") == expected
    assert "parse cache" not in caplog.text
