"""What the system would not show for a moment (issue 19), and a seeds folder a deploy
switches: /healthz names each problem while what was read is still served, never a view
that quietly shrank."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import article_fields, seed_text
from served import health, wait_for
from servers import as_user, fetch, serve


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


# What the system would not show for a moment


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


def test_a_seed_made_readable_with_no_event_for_it_is_read_again_within_an_interval(
        unprivileged):
    """A mode changed through another link to the file sends no event for the seeds folder:
    the retry once a reload interval reads it, even after events for other seeds came."""
    seeds = unprivileged
    write_as_nobody(seeds / "stays.md", seed_text(**article_fields(1, title="Stays")))
    flaky = write_as_nobody(seeds / "flaky.md", seed_text(**article_fields(2, title="Flaky")))
    elsewhere = seeds.parent / "elsewhere.md"
    os.link(flaky, elsewhere)
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "2"}  # few retries
    with serve(env, user="nobody") as base:
        wait_for(lambda: health(base)[1]["changes"] == "file events")
        flaky.chmod(0o000)
        wait_for(lambda: health(base)[0] == 503)
        (seeds / "stays.md").write_text(seed_text(**article_fields(1, title="Changed")))
        wait_for(lambda: b"Changed" in fetch(f"{base}/feed.rss")[2])
        assert health(base)[1]["problems"] == ["flaky.md: cannot be read: Permission denied"]
        elsewhere.chmod(0o644)
        wait_for(lambda: health(base)[0] == 200)
        assert b"Flaky" in fetch(f"{base}/feed.rss")[2]


HOLD_INOTIFY = """
import ctypes, resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
libc = ctypes.CDLL(None, use_errno=True)
held = []
while (fd := libc.inotify_init1(0)) >= 0:
    held.append(fd)
print(len(held), flush=True)
sys.stdin.read()
"""


def test_file_events_unavailable_are_named_in_healthz_and_the_folder_is_walked(unprivileged):
    """Another program of the server's user holds every inotify instance the system allows
    that user: /healthz says why there are no events, and changes are still found by walks."""
    seeds = unprivileged
    write_as_nobody(seeds / "a.md", seed_text(**article_fields(1, title="First")))
    with subprocess.Popen(as_user("nobody", [sys.executable, "-c", HOLD_INOTIFY]),
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE) as holder:
        try:
            assert holder.stdout is not None and int(holder.stdout.readline()) >= 0
            env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "0.3"}
            with serve(env, user="nobody") as base:
                wait_for(lambda: "events" in health(base)[1])
                status, body = health(base)
                assert status == 200 and body["changes"] == "walks"
                assert "Too many open files" in body["events"]
                write_as_nobody(seeds / "a.md", seed_text(**article_fields(1, title="Second")))
                wait_for(lambda: b"Second" in fetch(f"{base}/feed.rss")[2])
        finally:
            holder.kill()


# A seeds folder that a deploy switches


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
