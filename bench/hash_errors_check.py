"""Every document of a site and every answer to a list of bad requests, hashed: sha256 per URL
and a total, to show that a change of shape leaves statuses, headers and bytes alone.

    python bench/hash_errors_check.py [SEEDS_DIR ...] [--list]

Without folders it hashes the example site (seeds/). Each URL is fetched through the app
(Flask's test client) at a fixed BASE_URL; the hash covers the status, the Content-Type, the
Location and the body. The queries use no `since` window and no current period, so that the
clock alone does not change them between two runs.
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
           "q=-power", "min_quality=1", "min_heat=1", "limit=3&page=2",
           "digest=weekly&limit=2&page=2", "topics={topic}", "exclude_topics={topic}")
# Bad requests, {topic} standing for the first topic's slug: each must keep its status and body.
BAD = (
    "/feed.rss?limit=", "/feed.rss?limit=0", "/feed.rss?limit=-5", "/feed.rss?limit=1e3",
    "/feed.atom?limit=0x10", "/feed.rss?limit=%00", "/feed.rss?limit=99999999999999999999",
    "/feed.rss?limit=5&limit=5", "/feed.rss?limit=501", "/feed.rss?page=-1",
    "/feed.rss?page=1&page=1", "/feed.rss?page=%EF%BC%91", "/feed.atom?page=999",
    "/feed.rss?page=1000001", "/feed.json?digest=weekly&top=50&limit=11",
    "/feed.json?digest=weekly&limit=9999", "/feed.rss?topics=", "/feed.rss?topics=,,",
    "/feed.rss?topics=nosuchtopic", "/feed.rss?providers=nosuch.example",
    "/feed.rss?exclude_topics=nosuch", "/feed.rss?exclude_providers=nosuch",
    "/feed.rss?topics=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u",
    "/feed.rss?topics={topic}&topics={topic}", "/feed.rss?q=", "/feed.rss?q=---",
    "/feed.rss?q=a b c d e f g h i j k", "/feed.rss?q=" + "x" * 201,
    "/feed.rss?min_quality=lots", "/feed.rss?min_heat=1e5", "/feed.rss?since=0d",
    "/feed.rss?since=10y", "/feed.rss?since=99999h", "/feed.rss?sort=random",
    "/feed.rss?sort=heat&digest=weekly", "/feed.rss?digest=monthly", "/feed.rss?top=3",
    "/feed.rss?digest=daily&top=0", "/feed.rss?digest=daily&top=51",
    "/feed.rss?digest=daily&top=007", "/?period=2026-W48", "/?digest=weekly&period=2026-11-30",
    "/?digest=daily&period=2026-02-30", "/?digest=weekly&period=2026-W54",
    "/?digest=daily&period=1999-01-01", "/?digest=weekly&period=2026-W01&period=2026-W02",
    "/?digest=weekly&period=1999-W01", "/topics/{topic}?digest=daily&period=1999-01-01",
    "/topics/nosuchtopic", "/topics/nosuchtopic.rss", "/providers/nosuch.example.atom",
    "/topics/" + "x" * 300 + ".rss", "/topics/%E2%82%AC.rss", "/TOPICS/{topic}.rss",
    "/topics/{TOPIC}.rss", "/topics/{TOPIC}?x=%E2%82%AC&y=%C3%A9", "/topics/{TOPIC}",
    "/build?min_heat=lots&sort=date", "/build?section=topics/{TOPIC}&sort=date&top=10",
    "/build?section=topics/nosuch", "/build?section=nowhere/{topic}&q=app",
    "/api/news/page/0/index.json", "/api/news/page/x/index.json",
    "/api/news/page/9999/index.json", "/api/news/index.json?digest=weekly",
    "/api/news/nosuchtopic/index.json", "/api/news/{TOPIC}/index.json",
    "/api/news/{TOPIC}/page/2/index.json?q=app", "/feed.xml", "/rss", "/feed/",
    "/stats", "/metrics", "/nowhere", "/feed.html", "/opml.xml?topics=nosuch",
)


def urls(state: FeedsState) -> list[str]:
    """Every URL of the site worth hashing, then the bad requests, in a stable order."""
    snapshot = state.corpus.snapshot()
    topic = next(iter(snapshot.topics), "none")
    found = ["/", "/opml.xml", "/sitemap.xml", "/robots.txt", "/api/news/index.json",
             "/api/news/page/2/index.json"]
    sections = [("/feed", "/")] + [
        (f"/{section.kind}/{section.slug}",) * 2 for section in
        (*snapshot.topics.values(), *snapshot.providers.values())]
    for feed, page in sections:
        found.append(page)
        found.extend(f"{feed}.{fmt}" for fmt in FORMATS)
    found.extend(f"/api/news/{slug}/index.json" for slug in snapshot.topics)
    for query in (q.format(topic=topic) for q in QUERIES):
        found.extend([f"/?{query}", f"/feed.rss?{query}", f"/feed.atom?{query}",
                      f"/feed.json?{query}", f"/topics/{topic}?{query}",
                      f"/topics/{topic}.rss?{query}", f"/api/news/index.json?{query}"])
    return found + [bad.format(topic=topic, TOPIC=topic.upper()) for bad in BAD]


def hashes(client: FlaskClient, state: FeedsState) -> list[tuple[str, str]]:
    """(url, sha256 of status, type, location and body) for every URL."""
    found = []
    for url in urls(state):
        response = client.get(url, base_url=BASE_URL)
        head = f"{response.status_code} {response.content_type} {response.location}\n"
        digest = hashlib.sha256(head.encode() + response.get_data())
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
        print(f"{folder.name}: {len(found)} answers, sha256 {site.hexdigest()}")
    print(f"total: {total.hexdigest()}")


if __name__ == "__main__":
    main(sys.argv[1:])
