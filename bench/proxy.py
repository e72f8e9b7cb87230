"""Cache hits through deploy/nginx.conf against nginx serving the same bytes as a static file.

Two app instances (production configuration, one worker each) behind the repository's
deploy/nginx.conf; wrk -t2 -c32 on /feed.rss through the proxy (every request a cache hit)
and on a static copy of the same bytes, side by side in one run.

    .venv/bin/python bench/proxy.py [--seconds 10]
"""

import argparse
import contextlib
import tempfile
import time
import urllib.request
from pathlib import Path

from common import corpus, free_port, seconds_until_200, table
from servers import deploy_conf, nginx, serve_process
from throughput import wrk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    env = {"FEEDS_SEEDS_DIR": str(corpus(1000)), "FEEDS_TRUST_PROXY": "1",
           "FEEDS_BASE_URL": "http://feeds.test"}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        folder.chmod(0o755)
        instances = [stack.enter_context(serve_process(env, 1))[0] for _ in range(2)]
        proxy_port, static_port = free_port(), free_port()
        with urllib.request.urlopen(instances[0] + "/feed.rss") as response:
            body = response.read()
        (folder / "static").mkdir(mode=0o755)
        (folder / "static" / "feed.rss").write_bytes(body)
        conf = deploy_conf(proxy_port, instances, folder / "cache") + (
            f"server {{ listen 127.0.0.1:{static_port}; root {folder / 'static'};"
            " sendfile on; open_file_cache max=10000 inactive=60s; }")
        stack.enter_context(nginx(conf, folder / "nginx"))
        proxy = f"http://127.0.0.1:{proxy_port}/feed.rss"
        static = f"http://127.0.0.1:{static_port}/feed.rss"
        seconds_until_200(proxy, time.perf_counter())
        seconds_until_200(static, time.perf_counter())
        wrk(proxy, 2)
        hits, files = wrk(proxy, args.seconds), wrk(static, args.seconds)
    print(f"body: {len(body):,} bytes")
    print(table([["served by", "req/s", "vs static"],
                 ["nginx, static file", f"{files:,.0f}", "1.00"],
                 ["deploy/nginx.conf, cache hit", f"{hits:,.0f}", f"{hits / files:.2f}"]]))


if __name__ == "__main__":
    main()
