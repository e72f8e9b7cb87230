"""Memory one client can make a worker hold stays near the stated bounds, measured on the real
server through /proc: the document cache's budget, and slow readers behind nginx (issue 19)."""

import random
from pathlib import Path

import pytest
from conftest import article_fields, seed_text
from servers import fetch, serve_process

pytestmark = pytest.mark.server
BUDGET_MB = 8
SLACK_MB = 8  # what rendering leaves behind in the heap, whatever the budget (README)


def worker_kib(main, field: str = "VmRSS") -> int:
    """A field of /proc/PID/status of the one worker of a serve main process, in KiB."""
    pid = Path(f"/proc/{main.pid}/task/{main.pid}/children").read_text().split()[0]
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines()
                if x.startswith(field + ":"))
    return int(line.split()[1])


def write_seeds(folder: Path, count: int, excerpt_words: int) -> None:
    """count published seeds with excerpts of excerpt_words random words."""
    rng = random.Random(19)
    words = [f"w{n}" for n in range(5000)]
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        excerpt = " ".join(rng.choice(words) for _ in range(excerpt_words))
        (folder / f"{n}.md").write_text(seed_text(**article_fields(
            n % 28 + 1, originalUrl=f"https://memory.example/{n}", excerpt=excerpt)))


def test_many_distinct_documents_grow_a_worker_by_about_the_cache_budget(tmp_path):
    write_seeds(tmp_path / "seeds", 400, 250)
    env = {"FEEDS_SEEDS_DIR": str(tmp_path / "seeds"), "FEEDS_DOCUMENT_CACHE_MB": str(BUDGET_MB)}
    with serve_process(env, 1) as (base, main):
        assert fetch(f"{base}/feed.json?limit=400")[0] == 200
        before = worker_kib(main)
        served = 0
        for limit in range(10, 401, 10):
            for fmt in ("json", "atom"):
                status, _, body = fetch(f"{base}/feed.{fmt}?limit={limit}")
                assert status == 200
                served += len(body)
        grown_mb = (worker_kib(main) - before) / 1024
    assert served > 4 * BUDGET_MB * 2**20  # far more than the cache may keep
    assert grown_mb < BUDGET_MB + SLACK_MB, f"{grown_mb:.0f} MiB for a {BUDGET_MB} MiB cache"
