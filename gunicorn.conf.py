"""Production gunicorn settings for Seed Feeds, chosen by bench/throughput.py (docs/benchmarks.md).

    gunicorn -c gunicorn.conf.py wsgi:app

The app is loaded once in the master, which reads the seeds before forking the workers, so the
workers share the parsed articles and start serving at once. BIND and WEB_CONCURRENCY override
the address and the worker count.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gthread keeps connections alive; sync closes each one. 2 workers x 4 threads measured best
# on 2 cores (docs/benchmarks.md); gunicorn-h1c (a dependency) is its C HTTP parser.
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "4"))
preload_app = True
keepalive = 5
control_socket_disable = True  # several masters on one machine must not collide
accesslog = None


def when_ready(server):
    """Read the seeds in the master, before the workers fork, so that they share the result."""
    server.app.wsgi().extensions["feeds"].corpus.load()


def post_fork(server, worker):
    """Start each worker's background scanner at once, not at its first request."""
    server.app.wsgi().extensions["feeds"].corpus.snapshot()
