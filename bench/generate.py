"""Synthetic seed corpora of N files, cloned from the shapes of the real corpus.

Each file is a real corpus file with a unique name and URL, a date spread over five years,
and `published` true for about two in three. `_data/` is copied as it is.

    .venv/bin/python bench/generate.py OUTDIR N
"""

import random
import re
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "powerapps"
START = datetime(2020, 1, 1, tzinfo=UTC)


def generate(outdir: Path, count: int, seed: int = 5) -> None:
    """Write count seeds under outdir/_news and the corpus's _data beside them."""
    rng = random.Random(seed)
    templates = [p.read_text() for p in sorted((CORPUS / "_news").glob("*.md"))]
    news = outdir / "_news"
    news.mkdir(parents=True, exist_ok=True)
    shutil.copytree(CORPUS / "_data", outdir / "_data", dirs_exist_ok=True)
    for n in range(count):
        moment = START + timedelta(seconds=rng.randrange(5 * 365 * 86400))
        text = rng.choice(templates)
        text = re.sub(r"^publishedDateTime: .*$", f"publishedDateTime: {moment:%Y-%m-%dT%H:%M:%SZ}",
                      text, count=1, flags=re.M)
        text = re.sub(r'^(originalUrl|webUrl): "?([^"\n]*)"?$',
                      lambda m, n=n: f'{m.group(1)}: "{m.group(2)}#seed-{n}"', text, flags=re.M)
        published = "true" if rng.random() < 2 / 3 else "false"
        text = re.sub(r"^published: .*$", f"published: {published}", text, count=1, flags=re.M)
        (news / f"{moment:%Y-%m-%d}-seed-{n:06d}.md").write_text(text)


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
