"""Hostile seeds: each one judged, the valid shown, the rest nowhere, every output well-formed."""

import json
import os
import re
import shutil

import feedparser
import pytest
from conftest import article_fields, seed_text
from lxml import etree, html
from markup import strings

from feeds import create_app

HOSTILE = __import__("pathlib").Path(__file__).parent / "hostile"

VISIBLE = {
    "html-everywhere.md": "https://hostile.example/html-everywhere?a=1&b=%3C2%3E",
    "escaped-controls.md": "https://hostile.example/escaped-controls",
    "date-only.md": "https://hostile.example/date-only",
    "offset-date.md": "https://hostile.example/offset-date",
    "duplicate-new.md": "https://hostile.example/duplicate",
    "generated/bom-crlf.md": "https://hostile.example/bom-crlf",
    "generated/symlink-inside.md": "https://hostile.example/inside-target",
}
INVALID = {
    "alias-bomb.md": "its aliases expand to more than 2 MiB of text",
    "bad-yaml.md": "has invalid YAML at line 5",
    "data-url.md": "webUrl 'data:text/html",
    "empty.md": "is empty",
    "impossible-date.md": "publishedDateTime '2024-02-30T10:00:00Z' is not an ISO 8601",
    "javascript-url.md": "originalUrl \"javascript:alert('article')\" is not an absolute http(s)",
    "list-front-matter.md": "front matter is not a mapping",
    "missing-date.md": "publishedDateTime is missing",
    "missing-title.md": "title is missing",
    "number-title.md": "title must be text, not a number",
    "provider-string.md": "provider must be a mapping",
    "relative-url.md": "originalUrl '/news/relative' is not an absolute",
    "string-date.md": "publishedDateTime 'last Tuesday' is not an ISO 8601",
    "topics-string.md": "topics must be a list, not text",
    "unclosed.md": "has no closing '---' line",
    "unpublished-unclear.md": "published must be true or false, not 'maybe'",
    "generated/latin-1.md": "is not UTF-8",
    "generated/nul-bytes.md": "has invalid YAML",
    "generated/too-big.md": "is larger than the 1024 KiB",
    "generated/symlink-out.md": "is a symlink to a file outside the seeds folder",
    "generated/long-topic.md": "is longer than 200 characters",
}
HIDDEN_MARKERS = ["HIDDEN", "hidden.example", "Hidden Topic", "Hidden Provider", "hidden-",
                  "javascript:", "data:text", "/news/relative", "1984"]


def generate_awkward_seeds(folder, outside):
    """Seeds whose bytes are awkward to keep in the repository."""
    generated = folder / "generated"
    generated.mkdir()
    text = seed_text(**article_fields(1, originalUrl="https://hostile.example/bom-crlf"))
    (generated / "bom-crlf.md").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    hidden = seed_text(**article_fields(2, title="HIDDEN latin-1 café",
                                        originalUrl="https://hidden.example/latin"))
    (generated / "latin-1.md").write_bytes(hidden.encode("latin-1"))
    nul = seed_text(**article_fields(3, title="HIDDEN nul", originalUrl="https://hidden.example/n"))
    (generated / "nul-bytes.md").write_bytes(nul.encode().replace(b"title:", b"ti\x00tle: [\x00"))
    big = seed_text(**article_fields(4, title="HIDDEN big", excerpt="x" * (1024 * 1024),
                                     originalUrl="https://hidden.example/big"))
    (generated / "too-big.md").write_text(big)
    outside.write_text(seed_text(**article_fields(5, title="HIDDEN outside",
                                                  originalUrl="https://hidden.example/out")))
    (generated / "symlink-out.md").symlink_to(outside)
    target = folder / ".targets" / "inside.md"
    target.parent.mkdir()
    target.write_text(seed_text(**article_fields(6, title="Inside target",
                                                 originalUrl="https://hostile.example/inside-target")))
    (generated / "symlink-inside.md").symlink_to(target)
    (generated / "loop").symlink_to(folder)
    (generated / "long-topic.md").write_text(seed_text(**article_fields(
        7, title="HIDDEN long topic", topics=["Hidden Topic " + "x" * 300],
        originalUrl="https://hidden.example/long")))
    os.mkfifo(generated / "fifo.md")


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "seeds"
    shutil.copytree(HOSTILE, folder, symlinks=True)
    generate_awkward_seeds(folder, root / "outside.md")
    return folder


@pytest.fixture(scope="module")
def app(hostile_dir):
    return create_app({"TESTING": True, "SEEDS_DIR": str(hostile_dir),
                       "BASE_URL": "http://feeds.test"})


@pytest.fixture(scope="module")
def outputs(app):
    """Every document the server has: path -> (content type, body)."""
    client = app.test_client()
    snapshot = app.extensions["feeds"].corpus.snapshot()
    paths = ["/", "/opml.xml", "/healthz"]
    for section in snapshot.sections():
        base = "/feed" if section.kind == "all" else f"/{section.kind}/{section.slug}"
        paths += [f"{base}.{fmt}" for fmt in ("rss", "atom", "json")]
        if section.kind != "all":
            paths.append(base)
    answers = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        answers[path] = (response.headers["Content-Type"], response.data)
    return answers


def test_every_valid_published_seed_appears_once(app):
    articles = app.extensions["feeds"].corpus.snapshot().site.articles
    assert sorted(a.url for a in articles) == sorted(VISIBLE.values())
    assert {a.path for a in articles} == set(VISIBLE)


def test_every_invalid_seed_is_named_with_its_reason(app, hostile_dir):
    result = app.test_cli_runner().invoke(args=["check", str(hostile_dir)])
    assert result.exit_code == 1
    for name, reason in INVALID.items():
        assert re.search(rf"^invalid: {re.escape(name)}: .*{re.escape(reason)}", result.output,
                         re.M), name
    assert "generated/fifo.md: is not a regular file" in result.output


def test_healthz_counts_invalid_seeds(app):
    health = app.test_client().get("/healthz").get_json()
    assert health["invalid"] == len(INVALID) + 1


@pytest.mark.parametrize("marker", HIDDEN_MARKERS)
def test_nothing_unpublished_or_invalid_shows_anywhere(outputs, marker):
    for path, (_, body) in outputs.items():
        assert marker not in body.decode(), path


def test_no_markup_from_seeds_reaches_any_output(outputs):
    for path, (content_type, body) in outputs.items():
        text = body.decode()
        assert "<script" not in text.lower() and "<iframe" not in text.lower(), path
        if "html" in content_type:
            doc = html.fromstring(body)
            urls = strings(doc, "//@href | //@src")
            assert all(u.startswith("http://feeds.test/") or u.startswith("https://")
                       for u in urls), path


def test_every_output_is_well_formed(outputs):
    for path, (content_type, body) in outputs.items():
        if "xml" in content_type:
            etree.fromstring(body)
        if "rss" in content_type or "atom" in content_type:
            assert not feedparser.parse(body).bozo, path
        if "json" in content_type:
            json.loads(body)


def test_hostile_text_reads_back_as_the_same_text(outputs):
    feed = feedparser.parse(outputs["/feed.atom"][1])
    titles = {entry.link: entry.title for entry in feed.entries}
    assert titles[VISIBLE["html-everywhere.md"]] == (
        "Tom & Jerry <script>alert('title')</script> ]]> & \u2019 <iframe src=x>")
    assert titles[VISIBLE["escaped-controls.md"]] == "Control  characters   and"


@pytest.mark.parametrize("path", ["/topics/hidden-topic-one.rss", "/providers/hidden-one.example",
                                  "/topics/hidden-topic-three",
                                  "/providers/hidden-three.example.atom",
                                  "/topics/hidden-topic-five.rss", "/topics/hidden-topic-six.json"])
def test_topics_and_providers_of_hidden_seeds_do_not_exist(app, path):
    assert app.test_client().get(path).status_code == 404


def test_invalid_seed_is_logged_once_per_change_not_per_request(hostile_dir, caplog):
    corpus = create_app({"TESTING": True, "SEEDS_DIR": str(hostile_dir),
                         "RELOAD_SECONDS": 0}).extensions["feeds"].corpus
    for _ in range(3):
        corpus.snapshot()
    logged = [r.getMessage() for r in caplog.records if "empty.md" in r.getMessage()]
    assert logged == ["invalid seed empty.md: is empty"]
