"""Faults and hostile files that once stopped or froze the reloads (issue 19): each is one
invalid seed, an ignored site-data file, or a problem that /healthz names, never a stopped
scan, a blocked worker, or a view that quietly shrank."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import article_fields, seed_text
from servers import fetch, serve

from feeds.ingest.seed import parse_seed, read_seed
from feeds.view.corpus import Corpus
from feeds.view.snapshot import Snapshot

HUGE = "9" * 400
# Every YAML 1.1 spelling of an int that PyYAML reads: decimal, hex, octal, binary, with
# underscores, sexagesimal, negative.
HUGE_SPELLINGS = [HUGE, "0x" + "f" * 400, "0" + "7" * 400, "0b" + "1" * 1400, "1_" + "0" * 400,
                  "1" + ":59" * 300, "-" + HUGE]


def published(corpus: Corpus) -> list[str]:
    return [article.title for article in corpus.snapshot().site.articles]


def health(base: str) -> tuple[int, dict[str, Any]]:
    status, _, body = fetch(f"{base}/healthz")
    return status, json.loads(body)


def wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the server never showed it"
        time.sleep(0.1)


@pytest.fixture
def unprivileged():
    """A seeds folder that the unprivileged user `nobody` owns, for a server that runs as it:
    file modes do not bind root, who runs the tests."""
    folder = Path(tempfile.mkdtemp(prefix="seed-feeds-nobody-"))
    folder.chmod(0o755)
    seeds = folder / "seeds"
    seeds.mkdir()
    shutil.chown(seeds, "nobody")
    yield seeds
    for path in seeds.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


def write_as_nobody(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    shutil.chown(path.parent, "nobody")
    shutil.chown(path, "nobody")
    return path


# 1. Scores no float can hold


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


# 2. Site data that is no file, or far too large


def test_a_fifo_and_a_link_to_a_device_in_site_data_are_skipped(seeds_dir, write_seed, caplog):
    write_seed("a.md", **article_fields(1, topics=["Astronomy"]))
    topics = seeds_dir / "_data" / "topics"
    topics.mkdir(parents=True)
    (topics / "astronomy.yaml").write_text("_id: astronomy\nname: Astronomy From Site Data\n")
    os.mkfifo(topics / "fifo.yaml")
    (topics / "zero.yaml").symlink_to("/dev/zero")
    (topics / "huge.yaml").write_text("name: " + "x" * (300 * 1024) + "\n")
    done = threading.Event()
    result: list[Snapshot] = []

    def load() -> None:
        result.append(Corpus(seeds_dir, reload_seconds=0).snapshot())
        done.set()

    threading.Thread(target=load, daemon=True).start()
    assert done.wait(20), "reading the site data blocked on the FIFO"
    assert result[0].topics["astronomy"].name == "Astronomy From Site Data"
    assert "fifo.yaml skipped: is not a regular file" in caplog.text
    assert "huge.yaml skipped: is larger than the 256 KiB" in caplog.text


def test_a_server_with_a_fifo_in_site_data_keeps_reloading(seeds_dir, write_seed):
    write_seed("a.md", **article_fields(1, title="Before"))
    with serve({"FEEDS_SEEDS_DIR": str(seeds_dir), "FEEDS_RELOAD_SECONDS": "0.2"}) as base:
        organizations = seeds_dir / "_data" / "organizations"
        organizations.mkdir(parents=True)
        os.mkfifo(organizations / "pipe.md")
        (organizations / "zero.md").symlink_to("/dev/zero")
        time.sleep(1)
        write_seed("b.md", **article_fields(2, title="After"))
        wait_for(lambda: b"After" in fetch(f"{base}/feed.rss")[2])
        assert health(base)[0] == 200


# 3. Aliases that stand for far more than they are


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


# 4. A file swapped for a FIFO between the walk and the read


def test_reading_a_fifo_where_a_seed_was_returns_at_once(tmp_path):
    os.mkfifo(tmp_path / "swapped.md")
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(_read(tmp_path / "swapped.md")),
                              daemon=True)
    reader.start()
    reader.join(5)
    assert result == ["swapped.md: is not a regular file"]


def _read(path: Path) -> str:
    try:
        read_seed(path, path.name)
    except Exception as error:
        return str(error)
    return "read"


SWAPPER = """
import os, sys, time
folder, seconds = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:  # each seed a FIFO for a moment, then a file again
    for n in range(20):
        seed = f"{folder}/s{n}.md"
        os.rename(seed, f"{folder}/.file")
        os.rename(f"{folder}/.fifo", seed)
        time.sleep(0.005)
        os.rename(seed, f"{folder}/.fifo")
        os.utime(f"{folder}/.file")  # a new mtime: the seed is read again
        os.rename(f"{folder}/.file", seed)
        time.sleep(0.005)
"""


def test_seeds_swapped_with_fifos_by_rename_never_block_a_scan(seeds_dir, write_seed):
    for n in range(1000):  # a walk long enough for a seed to change between its stat and read
        write_seed(f"s{n}.md", **article_fields(n % 28 + 1))
    os.mkfifo(seeds_dir / ".fifo")
    swapper = subprocess.Popen([sys.executable, "-c", SWAPPER, str(seeds_dir), "5"])
    corpus = Corpus(seeds_dir, reload_seconds=0)

    def scan_while_swapped() -> None:
        while swapper.poll() is None:
            corpus.refresh()

    scans = threading.Thread(target=scan_while_swapped, daemon=True)
    scans.start()
    scans.join(30)
    swapper.wait(30)
    assert not scans.is_alive(), "a scan blocked on a FIFO put in a seed's place"


# 5. and 6. What the system would not show for a moment


def test_a_seed_unreadable_for_a_moment_comes_back_and_is_reported_meanwhile(unprivileged):
    seeds = unprivileged
    write_as_nobody(seeds / "stays.md", seed_text(**article_fields(1, title="Stays")))
    flaky = write_as_nobody(seeds / "flaky.md", seed_text(**article_fields(2, title="Flaky")))
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "0.2"}
    with serve(env, user="nobody") as base:
        assert b"Flaky" in fetch(f"{base}/feed.rss")[2]
        flaky.chmod(0o000)
        wait_for(lambda: health(base)[0] == 503)
        status, body = health(base)
        assert body["status"] == "degraded"
        assert body["problems"] == ["flaky.md: cannot be read: Permission denied"]
        assert b"Flaky" in fetch(f"{base}/feed.rss")[2]  # what was read is still served
        flaky.chmod(0o644)  # chmod changes no size nor mtime
        wait_for(lambda: health(base)[0] == 200)
        assert b"Flaky" in fetch(f"{base}/feed.rss")[2]


def test_a_seed_unreadable_at_a_start_is_read_once_readable_and_never_cached(unprivileged):
    seeds = unprivileged
    cache = seeds.parent / "cache"
    cache.mkdir(mode=0o700)
    shutil.chown(cache, "nobody")
    flaky = write_as_nobody(seeds / "flaky.md", seed_text(**article_fields(2, title="Flaky")))
    flaky.chmod(0o000)
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "0.2",
           "FEEDS_CACHE_DIR": str(cache)}
    with serve(env, user="nobody") as base:
        assert b"Flaky" not in fetch(f"{base}/feed.rss")[2]
        wait_for(lambda: list(cache.glob("parse-cache-*")))
        flaky.chmod(0o644)
        wait_for(lambda: b"Flaky" in fetch(f"{base}/feed.rss")[2])
    flaky.chmod(0o644)
    with serve(env, user="nobody") as base:  # the cache kept no stale error
        assert b"Flaky" in fetch(f"{base}/feed.rss")[2]


def test_a_folder_that_cannot_be_listed_keeps_its_articles_and_is_reported(unprivileged):
    seeds = unprivileged
    write_as_nobody(seeds / "top.md", seed_text(**article_fields(1, title="Top")))
    for n in range(2, 6):
        write_as_nobody(seeds / "sub" / f"{n}.md", seed_text(**article_fields(n)))
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "0.2"}
    with serve(env, user="nobody") as base:
        before = fetch(f"{base}/feed.atom")[2]
        assert before.count(b"<entry>") == 5
        (seeds / "sub").chmod(0o000)
        wait_for(lambda: health(base)[0] == 503)
        assert health(base)[1]["problems"] == [
            "sub/: is a folder that cannot be listed: Permission denied"]
        assert fetch(f"{base}/feed.atom")[2].count(b"<entry>") == 5
        (seeds / "sub").chmod(0o755)
        wait_for(lambda: health(base)[0] == 200)


# 7. A seeds folder that a deploy switches


def test_a_switched_seeds_link_is_followed(tmp_path):
    for release, title in [("release-1", "First release"), ("release-2", "Second release")]:
        (tmp_path / release).mkdir()
        (tmp_path / release / "a.md").write_text(seed_text(**article_fields(1, title=title)))
    current = tmp_path / "current"
    current.symlink_to("release-1")
    env = {"FEEDS_SEEDS_DIR": str(current), "FEEDS_RELOAD_SECONDS": "0.2"}
    with serve(env, workers=2) as base:
        assert b"First release" in fetch(f"{base}/feed.rss")[2]
        (tmp_path / "next").symlink_to("release-2")
        os.replace(tmp_path / "next", current)  # as deploy tools switch it, in one step
        wait_for(lambda: all(b"Second release" in fetch(f"{base}/feed.rss")[2]
                             for _ in range(10)))


# 8. Embargoes that end close together


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
