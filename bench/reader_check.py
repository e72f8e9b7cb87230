"""Subscribe Liferea, a desktop aggregator, to every feed of a real server and check what it
keeps: an icon for every feed, an enclosure for every image, a byline for every item, and the
items of old feed addresses. Then screenshot its subscription list and one item.

Too heavy for .ci/run (a display server and a browser engine): run it by hand, from the
repository's top, after `bash .ci/setup`:

    apt-get install liferea xvfb xdotool scrot dbus
    .venv/bin/python bench/reader_check.py [--seeds DIR] [--shots docs/]

Liferea runs under Xvfb with a home of its own; its subscriptions are the server's OPML plus a
folder of old addresses. Nothing is weakened for it: it reads the feeds everyone reads.
"""

import argparse
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OLD_ADDRESSES = ["/feed.xml", "/feed/", "/index.xml"]
# Liferea's item view as a mail reader's: headlines above, the item below.
SETTINGS = "[org/gnome/liferea]\ndefault-view-mode=0\n"
TOOLS = ["liferea", "Xvfb", "xdotool", "scrot", "dbus-run-session"]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(stack: ExitStack, command: list[str], env: dict[str, str] | None = None) -> None:
    """Start command in the background; stop it (by its own process id) on leaving."""
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)

    def stop() -> None:
        os.killpg(process.pid, signal.SIGTERM)  # its own group: liferea under dbus too
        process.wait(10)

    stack.callback(stop)


def wait_for(check, seconds: float, what: str):
    """check()'s first true value within seconds, else SystemExit naming what."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if value := check():
                return value
        except (OSError, sqlite3.Error):
            pass
        time.sleep(1)
    raise SystemExit(f"gave up waiting for {what}")


def feed_list(base: str) -> bytes:
    """The server's OPML, with a folder of old addresses of the site feed appended."""
    opml = ET.fromstring(urllib.request.urlopen(f"{base}/opml.xml").read())
    folder = ET.SubElement(opml.find("body"), "outline", text="Old addresses")
    for path in OLD_ADDRESSES:
        ET.SubElement(folder, "outline", type="rss", text=f"Old {path}", title=f"Old {path}",
                      xmlUrl=base + path, htmlUrl=base + "/")
    return ET.tostring(opml)


def reachable(url: str) -> bool:
    """Whether url answers at all (provider logos live on other hosts)."""
    try:
        urllib.request.urlopen(url, timeout=3).close()
        return True
    except OSError:
        return False


def report(home: Path, base: str) -> list[str]:
    """What Liferea kept, checked; the failures."""
    db = sqlite3.connect(home / ".local/share/liferea/liferea.db")
    feeds = dict(db.execute("SELECT node_id, source FROM subscription"))
    icons = {p.stem for p in (home / ".cache/liferea/favicons").glob("*.png")}
    counts = dict(db.execute("SELECT key, COUNT(*) FROM metadata GROUP BY key"))
    items = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    # Liferea keeps an RSS dc:creator as "creator", an Atom author as "author".
    counts["byline"] = db.execute("SELECT COUNT(DISTINCT item_id) FROM metadata "
                                  "WHERE key IN ('creator', 'author')").fetchone()[0]
    per_feed = dict(db.execute("SELECT node_id, COUNT(*) FROM items GROUP BY node_id"))
    failures = []
    without = [url for node, url in feeds.items() if node not in icons]
    logos = {url: logo_of(url) for url in without}
    offline = [url for url, logo in logos.items() if logo and not reachable(logo)]
    print(f"icons: {len(feeds) - len(without)} of {len(feeds)} feeds; {len(offline)} more are "
          "providers whose logos are on hosts this machine cannot reach")
    failures += [f"no icon for {url}" for url in without if url not in offline]
    players = db.execute("SELECT COUNT(*) FROM metadata WHERE key = 'enclosure' "
                         "AND value LIKE 'enc:%:text/html:%'").fetchone()[0]
    enclosed = db.execute("SELECT COUNT(DISTINCT item_id) FROM metadata WHERE key = "
                          "'enclosure' AND value LIKE 'enc:%:image/%'").fetchone()[0]
    print(f"items: {items}; with a byline {counts['byline']}; with an image enclosure "
          f"{enclosed} of {counts.get('mediathumbnail', 0)} with an image; video players "
          f"{players}")
    if counts["byline"] != items:
        failures.append("an item without a byline")
    if enclosed < counts.get("mediathumbnail", 0):
        failures.append("an image without an enclosure")
    by_url = {url: per_feed.get(node, 0) for node, url in feeds.items()}
    for path in OLD_ADDRESSES:
        print(f"old address {path}: {by_url[base + path]} items")
        if by_url[base + path] != by_url[base + "/feed.rss"]:
            failures.append(f"{path} holds {by_url[base + path]} items, not the site feed's")
    return failures


def logo_of(feed_url: str) -> str:
    """The logo a feed names in its RSS <image>."""
    channel = ET.fromstring(urllib.request.urlopen(feed_url).read()).find("channel")
    return channel.findtext("image/url", "") if channel is not None else ""


def screenshot(display: str, shots: Path) -> None:
    """The subscription list, the window full size and the list pane widened."""
    env = {**os.environ, "DISPLAY": display}
    window = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Liferea"],
                            env=env, capture_output=True, text=True).stdout.split()[0]
    for command in (["windowsize", window, "1280", "800"], ["windowmove", window, "0", "0"],
                    ["mousemove", "213", "400", "mousedown", "1", "mousemove", "470", "400",
                     "mouseup", "1"]):
        subprocess.run(["xdotool", *command], env=env, check=True)
        time.sleep(1)
    subprocess.run(["scrot", "-o", str(shots / "liferea-subscriptions.png")], env=env, check=True)


def main() -> int:
    """Serve, subscribe, wait, check, screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=str(REPO / "seeds"))
    parser.add_argument("--shots", type=Path, help="folder for the screenshots")
    args = parser.parse_args()
    if missing := [tool for tool in TOOLS if not shutil.which(tool)]:
        raise SystemExit(f"missing: {', '.join(missing)} (see the docstring)")
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        home, port, display = Path(folder), free_port(), f":{free_port() % 500 + 100}"
        base = f"http://127.0.0.1:{port}"
        start(stack, [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--bind",
                      f"127.0.0.1:{port}"], {"FEEDS_SEEDS_DIR": args.seeds})
        wait_for(lambda: urllib.request.urlopen(f"{base}/healthz"), 30, "the server")
        (home / ".config/liferea").mkdir(parents=True)
        (home / ".config/liferea/feedlist.opml").write_bytes(feed_list(base))
        (home / ".config/glib-2.0/settings").mkdir(parents=True)
        (home / ".config/glib-2.0/settings/keyfile").write_text(SETTINGS)
        start(stack, ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        time.sleep(2)
        start(stack, ["dbus-run-session", "liferea"],
              {"HOME": str(home), "DISPLAY": display, "GSETTINGS_BACKEND": "keyfile"})
        db = home / ".local/share/liferea/liferea.db"
        wait_for(lambda: db.exists() and sqlite3.connect(db).execute(
            "SELECT COUNT(DISTINCT node_id) FROM items").fetchone()[0] >= 4, 120, "the items")
        time.sleep(30)  # icons come after the items, and off-machine logos time out
        failures = report(home, base)
        if args.shots:
            screenshot(display, args.shots)
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
