"""What a cached answer costs the app, calling its WSGI stack directly (no HTTP): through the
fast path, and through Flask with the document cache (the fast path taken out).

    python bench/request_cost.py [--repo DIR] [--seeds DIR] [--requests N]

--repo runs another checkout's code (main, say) over the same seeds, for a side-by-side.
"""

import argparse
import sys
import time
from pathlib import Path

PATHS = ["/feed.rss", "/topics/astronomy.atom", "/", "/feed.json?sort=heat", "/opml.xml"]


def cost(app, path: str, requests: int) -> float:
    """Microseconds a GET of path takes, the median of five rounds of requests."""
    target, _, query = path.partition("?")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": target, "QUERY_STRING": query,
               "SERVER_NAME": "feeds.example", "SERVER_PORT": "80", "HTTP_HOST": "feeds.example",
               "wsgi.url_scheme": "http", "SCRIPT_NAME": "", "wsgi.input": sys.stdin.buffer,
               "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1"}

    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), (path, status)

    rounds = []
    for _ in range(5):
        began = time.perf_counter()
        for _ in range(requests):
            b"".join(app(dict(environ), start_response))
        rounds.append((time.perf_counter() - began) / requests * 1e6)
    return sorted(rounds)[2]


def main() -> None:
    """Print the cost of each path, fast path and Flask."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--seeds", default="")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    sys.path.insert(0, args.repo)
    from feeds import create_app

    seeds = args.seeds or str(Path(args.repo) / "seeds")
    app = create_app({"SEEDS_DIR": seeds, "RELOAD_SECONDS": 3600})
    fast = app.wsgi_app
    flask = fast.app  # type: ignore[attr-defined]
    print(f"{Path(sys.modules['feeds'].__file__).parent.parent}: microseconds a cached answer, "
          "fast path / Flask")
    for path in PATHS:
        print(f"{path:28} {cost(fast, path, args.requests):7.1f} "
              f"{cost(flask, path, args.requests // 10):8.1f}")


if __name__ == "__main__":
    main()
