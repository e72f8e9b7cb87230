"""Files that are no file to read, that once blocked the reloads (issue 19): a FIFO or a link
to a device in site data, a seed swapped for a FIFO between the walk and the read; each is
skipped or one invalid seed, never a blocked worker."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import article_fields
from served import health, wait_for
from servers import fetch, serve

from feeds.ingest.seed import read_seed
from feeds.view.corpus import Corpus
from feeds.view.snapshot import Snapshot

# Site data that is no file, or far too large


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


# A file swapped for a FIFO between the walk and the read


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
