"""One sha256 for every document a site serves, and a total: run before and after a change that
must leave every byte as it was (the model's memory work, a faster parser).

Serves the site in-process (the app's own test client, with a fixed BASE_URL and no parse
cache) and hashes, for every section (the site, each topic, each provider), every page of its
RSS, Atom and JSON feeds, its HTML page, its news API pages, a few made-to-measure queries;
then `/`, the OPML, the sitemap, the /healthz counts, the output of `check` and every file
`export` writes.

    .venv/bin/python bench/hash_documents.py SEEDS_DIR [--verbose]
"""

import argparse
import hashlib
import json
import math
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feeds import create_app  # noqa: E402
from feeds.model import ALL  # noqa: E402
from feeds.view.snapshot import Section  # noqa: E402

BASE_URL = "https://feeds.example"
QUERIES = ["q=power+apps&sort=heat", "sort=quality&limit=7", "digest=weekly&top=3",
           "min_heat=1", "min_quality=0.5", "q=-the+app", "limit=3&page=2"]
FORMATS = ("rss", "atom", "json")


def section_urls(section: Section, limit: int, api_size: int) -> Iterator[str]:
    """Every page of a section's feeds, its HTML page and its news API pages."""
    stem = "/feed" if section.kind == ALL else f"/{section.kind}/{section.slug}"
    pages = max(1, math.ceil(len(section.articles) / limit))
    for fmt in FORMATS:
        for page in range(1, pages + 1):
            yield f"{stem}.{fmt}" + (f"?page={page}" if page > 1 else "")
        for query in QUERIES:
            yield f"{stem}.{fmt}?{query}"
    yield "/" if section.kind == ALL else stem
    if section.kind == "providers":
        return
    api = "/api/news" + ("" if section.kind == ALL else f"/{section.slug}")
    for page in range(1, max(1, math.ceil(len(section.articles) / api_size)) + 1):
        yield f"{api}/index.json" if page == 1 else f"{api}/page/{page}/index.json"


def documents(app: Flask) -> Iterator[tuple[str, bytes]]:
    """(URL, what it answers: status, type and body) for every document of the site."""
    state = app.extensions["feeds"]
    snapshot = state.corpus.snapshot(watching=False)
    client = app.test_client()
    urls = ["/opml.xml", "/sitemap.xml", "/robots.txt"]
    for section in snapshot.sections():
        urls += section_urls(section, state.settings.limit, state.settings.api_page_size)
    for url in urls:
        response = client.get(url)
        head = f"{response.status_code} {response.content_type}\n".encode()
        yield url, head + response.get_data()
    health = client.get("/healthz").get_json()
    health = {key: value for key, value in health.items()  # what names the process or moment
              if key not in {"last_reload", "pid", "watcher", "watcher_heard"}}
    yield "/healthz (counts)", json.dumps(health, sort_keys=True).encode()


def command_outputs(app: Flask) -> Iterator[tuple[str, bytes]]:
    """The output of `check`, and every file `export` writes."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["check"])
    yield "check", f"{result.exit_code}\n{result.output}".encode()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        result = runner.invoke(args=["export", str(out), "--base-url", BASE_URL])
        yield "export", f"{result.exit_code}".encode()
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            yield f"export/{path.relative_to(out)}", path.read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds_dir", type=Path)
    parser.add_argument("--verbose", action="store_true", help="one line per document")
    args = parser.parse_args()
    app = create_app({"SEEDS_DIR": str(args.seeds_dir.resolve()), "BASE_URL": BASE_URL,
                      "RELOAD_SECONDS": 3600, "CACHE_DIR": ""})
    total = hashlib.sha256()
    count = 0
    for name, body in [*documents(app), *command_outputs(app)]:
        digest = hashlib.sha256(body).hexdigest()
        total.update(f"{name} {digest}\n".encode())
        count += 1
        if args.verbose:
            print(digest, name)
    print(f"{total.hexdigest()} total of {count} documents")


if __name__ == "__main__":
    main()
