"""`flask --app wsgi export OUTDIR`, served by a stock nginx with its default mime.types."""

import gzip
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import feedparser
import pytest
from conftest import SITE, article_fields
from lxml import etree, html
from markup import strings
from servers import REPO, fetch, free_port, nginx, wait_until_up

from feeds import create_app
from feeds.output.export import ExportError, export, site_files

pytestmark = pytest.mark.server
TYPES = {".rss": "application/rss+xml", ".atom": "application/atom+xml",
         ".json": "application/json", ".html": "text/html", ".xml": "text/xml",
         ".ico": "image/x-icon", ".png": "image/png", ".svg": "image/svg+xml",
         ".txt": "text/plain"}


@pytest.fixture(scope="module")
def port():
    return free_port()


@pytest.fixture(scope="module")
def exported(public_tmp, corpus_dir, port):
    """(the export folder, the first and second export's output, file stats after each)."""
    out = public_tmp / "site"
    app = create_app({"SEEDS_DIR": str(corpus_dir), "RELOAD_SECONDS": 0})
    args = ["export", str(out), "--base-url", f"http://127.0.0.1:{port}"]
    first = app.test_cli_runner().invoke(args=args)
    assert first.exit_code == 0, first.output
    stats = {p: p.stat() for p in out.resolve().rglob("*") if p.is_file()}
    second = app.test_cli_runner().invoke(args=args)
    assert second.exit_code == 0, second.output
    after = {p: p.stat() for p in out.resolve().rglob("*") if p.is_file()}
    return out, first.output, second.output, stats, after


@pytest.fixture(scope="module")
def served(exported, port, public_tmp):
    out = exported[0]
    body = f"""server {{ listen 127.0.0.1:{port}; root {out}; gzip_static on; }}"""
    with nginx(body, public_tmp / "nginx"):
        wait_until_up(f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}"


def test_export_writes_every_feed_page_and_the_opml(exported):
    out = exported[0]
    names = {p.relative_to(out.resolve()).as_posix() for p in out.resolve().rglob("*")
             if p.is_file()}
    for path in ["feed.rss", "feed.atom", "feed.json", "index.html", "opml.xml",
                 "topics/canvas-apps.rss", "topics/canvas-apps/index.html",
                 "providers/microsoft.com.json", "providers/microsoft.com/index.html"]:
        assert path in names and f"{path}.gz" in names
    assert len([n for n in names if n.endswith(".rss")]) == 1 + 7 + 15


def test_second_export_with_nothing_changed_rewrites_nothing(exported):
    _, first, second, before, after = exported
    assert "written" in first
    assert "nothing written" in second
    assert {p: (s.st_ino, s.st_mtime_ns) for p, s in before.items()} == {
        p: (s.st_ino, s.st_mtime_ns) for p, s in after.items()}


def test_every_file_has_the_right_type_and_parses(served, exported):
    out = exported[0].resolve()
    for file in out.rglob("*"):
        if not file.is_file() or file.suffix == ".gz" or file.parent.name == "static":
            continue
        path = "/" + file.relative_to(out).as_posix().removesuffix("index.html")
        status, headers, body = fetch(served + path)
        assert status == 200, path
        assert headers["Content-Type"].startswith(TYPES[file.suffix]), path
        if file.suffix in (".rss", ".atom"):
            assert not feedparser.parse(body).bozo, path
        elif file.suffix == ".json":
            assert json.loads(body)["version"] == "https://jsonfeed.org/version/1.1"
        elif file.suffix == ".xml":
            etree.fromstring(body)


def test_gzip_static_serves_the_gz_siblings(served):
    status, headers, body = fetch(served + "/feed.atom", {"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == fetch(served + "/feed.atom")[2]


def test_every_link_inside_the_export_resolves(served):
    links: set[str] = set()
    for path in ["/", "/topics/canvas-apps/", "/providers/microsoft.com/"]:
        doc = html.fromstring(fetch(served + path)[2])
        links |= {u for u in strings(doc, "//a/@href | //link/@href") if u.startswith(served)}
    opml = etree.fromstring(fetch(served + "/opml.xml")[2])
    links |= {url for o in opml.iter("outline") for a in ("xmlUrl", "htmlUrl")
              if (url := o.get(a))}
    for fmt in ["rss", "atom"]:
        body = fetch(f"{served}/topics/canvas-apps.{fmt}")[2].decode()
        links |= {u for u in re.findall(r'(?:href="|url="|<link>)([^"<]+)', body)
                  if u.startswith(served)}
    assert len(links) > 50
    for link in links:
        assert fetch(link)[0] == 200, link


def test_export_refuses_a_folder_that_is_not_an_export(tmp_path):
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="is not an export"):
        export(folder, {"a.txt": b"x"})
    assert (folder / "keep.txt").read_text() == "mine"


def test_a_changed_file_is_rewritten_and_the_rest_linked(tmp_path):
    out = tmp_path / "site"
    export(out, {"a.txt": b"one", "b.txt": b"two"})
    first = (out / "a.txt").stat().st_ino
    report = export(out, {"a.txt": b"one", "b.txt": b"three"})
    assert (report.written, report.linked) == (1, 1)
    assert (out / "a.txt").stat().st_ino == first
    assert (out / "b.txt").read_bytes() == b"three"
    assert Path(out).is_symlink()


def test_site_files_need_no_request(site_app):
    state = site_app.extensions["feeds"]
    with site_app.app_context():
        files = site_files(state.corpus.snapshot(), "https://feeds.example.org", state.settings)
    assert b"https://feeds.example.org/topics/open-source.rss" in files["opml.xml"]


def test_export_writes_the_bytes_the_server_serves(seeds_dir, write_seed, tmp_path):
    write_seed("a.md", **article_fields(1))
    config = {"SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 0, "SITE_TITLE": "Our News",
              "SITE_DESCRIPTION": "Everything we cover."}
    app = create_app(config)
    result = app.test_cli_runner().invoke(
        args=["export", str(tmp_path / "site"), "--base-url", "https://feeds.example.org"])
    assert result.exit_code == 0, result.output
    served = create_app({**config, "BASE_URL": "https://feeds.example.org"}).test_client()
    for name in ("feed.rss", "feed.atom", "feed.json"):
        assert (tmp_path / "site" / name).read_bytes() == served.get(f"/{name}").data, name


def export_runs(outdir: Path, letter: str, runs: int,
                results: list[tuple[int, str]]) -> None:
    """`flask --app wsgi export` runs times, each at a base URL of its own (so each writes a new
    version); (exit status, stderr) of each into results."""
    env = {**os.environ, "FEEDS_SEEDS_DIR": str(SITE)}
    for run in range(runs):
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "export",
                               str(outdir), "--base-url", f"https://{letter}{run}.example"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        results.append((done.returncode, done.stderr))


def test_concurrent_exports_take_turns_and_readers_always_find_a_whole_site(site_app,
                                                                            tmp_path):
    outdir = tmp_path / "site"
    results: list[tuple[int, str]] = []
    exporters = [threading.Thread(target=export_runs, args=(outdir, letter, 4, results))
                 for letter in "abc"]
    for exporter in exporters:
        exporter.start()
    missing, reads = [], 0
    while any(exporter.is_alive() for exporter in exporters):
        for name in ("index.html", "feed.rss", "topics/astronomy/index.html", "opml.xml"):
            if not os.path.lexists(outdir):  # before the first export there is nothing yet
                continue
            reads += 1
            try:
                (outdir / name).read_bytes()
            except OSError as error:
                missing.append((name, type(error).__name__))
    assert [status for status, _ in results] == [0] * 12, [err for _, err in results]
    assert missing == [] and reads > 100
    state = site_app.extensions["feeds"]
    with site_app.app_context():
        expected = site_files(state.corpus.snapshot(), "https://x.example", state.settings)
    present = {p.relative_to(outdir.resolve()).as_posix() for p in outdir.resolve().rglob("*")
               if p.is_file()}
    assert present == set(expected)
    versions = [p.name for p in (tmp_path / ".site.versions").iterdir() if p.name != ".lock"]
    assert len(versions) <= 2  # the live one, and the one just replaced
