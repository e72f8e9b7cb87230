"""Every document of a site, hashed: sha256 per URL and a total, to show a change of shape
leaves the bytes alone.

    python bench/hash_site.py [SEEDS_DIR ...] [--list]

Without folders it hashes the example site (seeds/). Each document is fetched through the
app (Flask's test client, the fast path off) at a fixed BASE_URL: the home page and every
section's page, every feed in every format, second pages, queries and digests, OPML, the news
API, the sitemap and robots.txt. The hash covers the status, the Content-Type and the body.
Run it before and after a restructuring: the totals must match (the queries use no `since`
window and no period, so that the clock alone does not change them between the runs).
"""

import hashlib
import sys
from pathlib import Path

from flask.testing import FlaskClient

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from feeds import create_app  # noqa: E402
from feeds.web.state import FeedsState  # noqa: E402

BASE_URL = "https://feeds.example"
FORMATS = ("rss", "atom", "json")
QUERIES = ("sort=heat", "sort=quality", "digest=weekly", "digest=daily&top=3", "q=app",
           "q=-power", "min_quality=1", "limit=3&page=2")


def urls(state: FeedsState) -> list[str]:
    """Every URL of the site worth hashing, in a stable order."""
    snapshot = state.corpus.snapshot()
    found = ["/", "/opml.xml", "/sitemap.xml", "/robots.txt", "/api/news/index.json",
             "/api/news/page/2/index.json"]
    sections = [("/feed", "/")] + [
        (f"/{section.kind}/{section.slug}",) * 2 for section in
        (*snapshot.topics.values(), *snapshot.providers.values())]
    for feed, page in sections:
        found.append(page)
        found.extend(f"{feed}.{fmt}" for fmt in FORMATS)
    first_topic = next(iter(snapshot.topics), "")
    found.extend(f"/api/news/{slug}/index.json" for slug in snapshot.topics)
    for query in QUERIES:
        found.extend([f"/?{query}", f"/feed.rss?{query}", f"/feed.atom?{query}",
                      f"/feed.json?{query}"])
        if first_topic:
            found.extend([f"/topics/{first_topic}?{query}", f"/topics/{first_topic}.rss?{query}"])
    found.extend([f"/feed.rss?limit=2&page={page}" for page in (1, 2, 3)])
    return found


def hashes(client: FlaskClient, state: FeedsState) -> list[tuple[str, str]]:
    """(url, sha256 of status, type and body) for every URL of the site."""
    found = []
    for url in urls(state):
        response = client.get(url, base_url=BASE_URL)
        digest = hashlib.sha256(f"{response.status_code} {response.content_type}\n".encode()
                                + response.get_data())
        found.append((url, digest.hexdigest()))
    return found


def site_hashes(seeds: Path) -> list[tuple[str, str]]:
    """The hashes of the site of the seeds folder."""
    app = create_app({"SEEDS_DIR": str(seeds), "BASE_URL": BASE_URL, "RELOAD_SECONDS": 0})
    with app.app_context():
        return hashes(app.test_client(), app.extensions["feeds"])


def main(argv: list[str]) -> None:
    """Print the total of every site named (seeds/ by default), and each URL's with --list."""
    listing = "--list" in argv
    folders = [Path(arg) for arg in argv if arg != "--list"] or [REPO / "seeds"]
    total = hashlib.sha256()
    for folder in folders:
        found = site_hashes(folder)
        site = hashlib.sha256("".join(f"{url} {digest}\n" for url, digest in found).encode())
        total.update(site.digest())
        if listing:
            for url, digest in found:
                print(digest, url)
        print(f"{folder.name}: {len(found)} documents, sha256 {site.hexdigest()}")
    print(f"total: {total.hexdigest()}")


if __name__ == "__main__":
    main(sys.argv[1:])
