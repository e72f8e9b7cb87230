"""Seed values that once stopped or froze the reloads (issue 19): scores no float can hold,
aliases that stand for far more than they are, embargoes that end close together; each
makes one invalid seed or a few rebuilds, never a stopped scan."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import article_fields, seed_text
from served import health
from servers import fetch, serve

from feeds.ingest.seed import parse_seed
from feeds.view.corpus import Corpus

# Scores no float can hold


HUGE = "9" * 400


# Every YAML 1.1 spelling of an int that PyYAML reads: decimal, hex, octal, binary, with
# underscores, sexagesimal, negative.
HUGE_SPELLINGS = [HUGE, "0x" + "f" * 400, "0" + "7" * 400, "0b" + "1" * 1400, "1_" + "0" * 400,
                  "1" + ":59" * 300, "-" + HUGE]


def published(corpus: Corpus) -> list[str]:
    return [article.title for article in corpus.snapshot().site.articles]


@pytest.mark.parametrize("score", HUGE_SPELLINGS)
@pytest.mark.parametrize("field", ["quality", "heat"])
def test_a_huge_integer_score_makes_only_its_seed_invalid(write_seed, seeds_dir, score, field):
    write_seed("good.md", **article_fields(1, title="Good"))
    write_seed("huge.md", seed_text(**article_fields(2)).replace(
        "type: article", f"type: article\n{field}: {score}"))
    corpus = Corpus(seeds_dir, reload_seconds=0)
    assert published(corpus) == ["Good"]
    error, = corpus.snapshot().invalid
    assert (error.path, error.reason) == ("huge.md", f"{field} must be a number from -1e+15 "
                                                     "to 1e+15")


def test_check_and_export_name_a_huge_score_and_go_on(seeds_dir, write_seed, tmp_path):
    write_seed("good.md", **article_fields(1))
    write_seed("huge.md", seed_text(**article_fields(2)).replace("type: article",
                                                                 f"quality: {HUGE}"))
    env = {**os.environ, "FEEDS_SEEDS_DIR": str(seeds_dir)}
    check = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "check"], env=env,
                           capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert "invalid: huge.md: quality must be a number" in check.stdout
    export = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "export",
                             str(tmp_path / "out"), "--base-url", "http://feeds.test"],
                            env=env, capture_output=True, text=True,
                            cwd=Path(__file__).parents[1])
    assert export.returncode == 0, export.stderr
    assert (tmp_path / "out" / "feed.rss").is_file()


def test_the_server_starts_and_serves_beside_a_huge_score(seeds_dir, write_seed):
    write_seed("good.md", **article_fields(1, title="Still served"))
    write_seed("huge.md", seed_text(**article_fields(2)).replace("type: article",
                                                                 f"heat: 0x{'f' * 400}"))
    with serve({"FEEDS_SEEDS_DIR": str(seeds_dir)}) as base:
        status, body = health(base)
        assert (status, body["status"], body["invalid"]) == (200, "ok", 1)
        assert b"Still served" in fetch(f"{base}/feed.rss")[2]


# Aliases that stand for far more than they are


def test_a_topic_repeated_by_aliases_is_read_only_up_to_the_list_cap():
    alias = "- &a " + "y" * 150 + "\n" + "- *a\n" * 100_000
    article = parse_seed(seed_text(**article_fields(1, topics=None)).replace("type: article",
                                                                f"topics:\n{alias}"), "x.md")
    assert [topic.name for topic in article.topics] == ["y" * 150]


@pytest.mark.parametrize("field, alias", [
    ("images", "- &i {url: 'https://e.x/i.png', title: " + "z" * 50_000 + "}\n"),
    ("related", "- &r {title: " + "r" * 50_000 + ", webUrl: 'https://e.x/r'}\n"),
])
def test_a_long_value_repeated_by_aliases_costs_nothing_past_the_bound(field, alias):
    text = (seed_text(**article_fields(1)).replace(
        "type: article", f"{field}:\n{alias}" + "- *x\n".replace("x", alias[3]) * 20_000))
    code = ("import sys; from feeds.ingest.seed import parse_seed\n"
            "try: parse_seed(sys.stdin.read(), 'x')\n"
            "except Exception as error: print(error)\n")
    # Each reference was once read again: 20,000 times 50 KB, a minute or more of CPU.
    done = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True,
                          text=True, timeout=20)
    assert done.stdout == "x: has invalid YAML: its aliases expand to more than 2 MiB of text\n"


def test_aliases_that_expand_past_the_bound_make_an_invalid_seed(write_seed, seeds_dir):
    related = "related:\n- &r {title: " + "t" * 2000 + ", webUrl: https://e.x/r}\n"
    write_seed("bomb.md", seed_text(**article_fields(1)).replace(
        "type: article", related + "- *r\n" * 2000 + "type: article"))
    error, = Corpus(seeds_dir, reload_seconds=0).snapshot().invalid
    assert error.reason == "has invalid YAML: its aliases expand to more than 2 MiB of text"


# Embargoes that end close together


def test_embargoes_ending_close_together_are_published_in_few_rebuilds(seeds_dir, write_seed):
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC) + timedelta(seconds=1)
    for n in range(40):
        moment = start + timedelta(seconds=n * 0.05)
        write_seed(f"e{n}.md", **article_fields(n + 1, publishedDateTime=moment.isoformat()))
    rebuilds: list[int] = []
    corpus = Corpus(seeds_dir, reload_seconds=1, on_change=lambda changed: rebuilds.append(1))
    corpus.snapshot()
    deadline = time.monotonic() + 10
    while len(corpus.snapshot().site.articles) < 40:
        assert time.monotonic() < deadline, "the embargoes never ended"
        time.sleep(0.05)
    # One rebuild an embargo would be 40; together, at most one a reload interval.
    assert len(rebuilds) <= 4
