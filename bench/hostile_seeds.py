"""What one seed can cost at most: hostile seeds of the largest size a seed may be (1 MiB),
each shaped to make some part of reading do the most work, timed as the reader reads them.

    .venv/bin/python bench/hostile_seeds.py

Prints, for each shape, the CPU time to read it (best of 3) and what came of it, beside an
ordinary seed of the corpus's shape; docs/benchmarks.md keeps the figures.
"""

import time
from collections.abc import Callable

from feeds.ingest.seed import MAX_SEED_BYTES, parse_seed
from feeds.model import SeedError

HEAD = "---\ntitle: t\npublishedDateTime: 2024-01-01\nwebUrl: https://e.example/a\n"
ROOM = MAX_SEED_BYTES - 1024  # what a field may fill, below the size a seed may be


def _fill(unit: str) -> str:
    """unit repeated to fill the room a seed has."""
    return unit * (ROOM // len(unit))


SHAPES: dict[str, Callable[[], str]] = {
    "ordinary (the corpus's shape)": lambda: HEAD + "excerpt: " + "word " * 60 + "\ntopics: "
    "[Power Apps, Canvas apps]\nprovider: {name: Example, domain: example.com}\n",
    "a 1 MiB excerpt": lambda: HEAD + "excerpt: " + _fill("word ") + "\n",
    "a 1 MiB excerpt of character references": lambda: HEAD + "excerpt: " + _fill("&amp;")
    + "\n",
    "a 1 MiB title of one word": lambda: "---\ntitle: " + _fill("x") + "\n"
    "publishedDateTime: 2024-01-01\nwebUrl: https://e.example/a\n",
    "50,000 distinct topics": lambda: HEAD + "topics:\n" + "".join(
        f"- topic {n}\n" for n in range(ROOM // 16)),
    "one topic name of 1 MiB": lambda: HEAD + "topics:\n- " + _fill("ab ") + "\n",
    "a topic repeated by 100,000 aliases": lambda: HEAD + "topics:\n- &a " + "y" * 1000
    + "\n" + "- *a\n" * 100_000,
    "related coverage repeated by aliases to the bound": lambda: HEAD + "related:\n- &r "
    "{title: " + "t" * 1000 + ", webUrl: 'https://e.example/r'}\n" + "- *r\n" * 2000,
    "a billion laughs": lambda: "---\n" + "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
    + "".join(f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi",
                                                                         strict=True))
    + "title: t\npublishedDateTime: 2024-01-01\nwebUrl: https://e.example/a\ntopics: *i\n",
    "nesting 10,000 lists deep": lambda: HEAD + "deep: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "60,000 fields": lambda: HEAD + "".join(f"f{n}: {n}\n" for n in range(ROOM // 16)),
    "a score of 400 digits": lambda: HEAD + "quality: " + "9" * 400 + "\n",
    "250,000 images with no URL": lambda: HEAD + "images:\n" + "- {}\n" * (ROOM // 5),
}


def cost(text: str) -> tuple[float, str]:
    """(best CPU seconds of 3, what came of it) for reading text as a seed."""
    best, outcome = float("inf"), ""
    for _ in range(3):
        started = time.process_time()
        try:
            article = parse_seed(text, "hostile.md")
            outcome = f"read: {len(article.topics)} topics, {len(article.title)} title chars"
        except SeedError as error:
            outcome = f"invalid: {error.reason[:70]}"
        best = min(best, time.process_time() - started)
    return best, outcome


def main() -> None:
    print("| shape | bytes | CPU to read | outcome |\n| --- | --- | --- | --- |")
    for name, make in SHAPES.items():
        text = (make() + "---\n")[:MAX_SEED_BYTES]
        seconds, outcome = cost(text if text.endswith("---\n") else text + "\n---\n")
        print(f"| {name} | {len(text.encode()):,} | {seconds * 1000:.1f} ms | {outcome} |")


if __name__ == "__main__":
    main()
