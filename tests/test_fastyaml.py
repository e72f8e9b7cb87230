"""The fast front-matter loader gives exactly what PyYAML's safe loader gives, or the same error."""

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import SITE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.ingest import fastyaml
from feeds.ingest.fastyaml import Loader
from feeds.ingest.seed import front_matter_block

HOSTILE = Path(__file__).parent / "hostile"


def pyyaml(text: str):
    """What PyYAML's own safe constructor makes of text, or the error it raises."""
    try:
        return yaml.load(text, Loader=fastyaml.Loader)  # noqa: S506 (a safe loader)
    except Exception as error:  # noqa: BLE001 (the error itself is compared)
        return error


def fast(text: str):
    """What fastyaml.load makes of text, or the error it raises."""
    try:
        return fastyaml.load(text)
    except Exception as error:  # noqa: BLE001 (the error itself is compared)
        return error


def assert_same(text: str) -> None:
    """Both loaders agree on text: same values of the same types, or the same error."""
    expected, got = pyyaml(text), fast(text)
    if isinstance(expected, Exception):
        assert type(got) is type(expected) and str(got) == str(expected)
    else:
        assert same(got, expected)


def same(a, b) -> bool:
    """a and b are equal values of the same types, sharing their parts alike, all the way down."""
    pending = [(a, b)]
    partner_of_a: dict[int, int] = {}  # by id(): the id() of its partner
    partner_of_b: dict[int, int] = {}
    while pending:
        a, b = pending.pop()
        if type(a) is not type(b):
            return False
        if not isinstance(a, dict | list):
            if repr(a) != repr(b):
                return False
        elif id(a) in partner_of_a or id(b) in partner_of_b:
            if partner_of_a.get(id(a)) != id(b) or partner_of_b.get(id(b)) != id(a):
                return False
        else:
            partner_of_a[id(a)], partner_of_b[id(b)] = id(b), id(a)
            if len(a) != len(b) or isinstance(a, dict) and list(a) != list(b):
                return False
            values = (a.values(), b.values()) if isinstance(a, dict) else (a, b)
            pending += zip(*values, strict=True)
    return True


def front_matters(folder):
    """The front-matter blocks of every seed under folder."""
    for path in sorted(folder.rglob("*.md")):
        block = front_matter_block(path.read_bytes().decode("utf-8", "replace"))
        if block is not None:
            yield path.name, block


def test_every_example_seed_loads_as_pyyaml_loads_it():
    blocks = list(front_matters(SITE))
    assert len(blocks) > 50
    for _, block in blocks:
        assert_same(block)


def test_every_corpus_seed_loads_as_pyyaml_loads_it(corpus_dir):
    blocks = list(front_matters(corpus_dir))
    assert len(blocks) > 600
    for _, block in blocks:
        assert_same(block)


@pytest.mark.parametrize(
    "name",
    [
        "bad-yaml.md",
        "impossible-date.md",
        "list-front-matter.md",
        "number-title.md",
    ],
)
def test_hostile_seeds_load_as_pyyaml_loads_them(name):
    text = (HOSTILE / name).read_text()
    assert_same(front_matter_block(text) or text)


def test_aliases_that_expand_past_the_bound_are_refused_where_pyyaml_would_build_them():
    text = front_matter_block((HOSTILE / "alias-bomb.md").read_text()) or ""
    assert len(yaml.load(text, Loader=fastyaml.Loader)["i"]) == 9  # PyYAML shares, then ...
    with pytest.raises(ValueError, match="expand to more than 2 MiB"):
        fastyaml.load(text)  # ... everything that reads it would pay for 387 million values


def test_aliases_within_the_bound_load_as_pyyaml_loads_them():
    assert_same("one: &o {a: [1, 2]}\ntwo: *o\nthree: [*o, *o]\n")


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",
        "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",
        "shared: &s [1, 2]\nagain: *s\n",
        "loop: &l [*l]\n",
        "set: !!set {a, b}\nomap: !!omap [a: 1]\npairs: !!pairs [a: 1]\n",
        "data: !!binary aGVsbG8=\n",
        "odd: !!python/object:os.system ls\n",
        "when: 2024-02-30\nthen: 2001-12-14 21:59:43.10 -5\nday: 2002-12-14\n",
        "eq: =\n= : value\n",
        "[1, 2]: unhashable\n",
        "x: " + "[" * 400 + "]" * 400 + "\n",
        "n: [~, null, '', 0x1F, 0o17, 1_000, .inf, -.NaN, 1e3, 685_230.15, 190:20:30]\n",
        "b: [yes, No, on, OFF, y, n, True]\n",
        "k: *missing\n",
        "long: " + "1" * 100 + "\nwords: " + "yes " * 40 + "\n",
        "",
        "# only a comment\n",
    ],
)
def test_unusual_documents_load_as_pyyaml_loads_them(text):
    assert_same(text)


def test_the_fast_path_builds_a_plain_seed_without_pyyamls_constructor(monkeypatch):
    def refuse(*args):
        raise AssertionError("the general constructor ran")

    monkeypatch.setattr(fastyaml.Loader, "construct_document", refuse)
    fields = fastyaml.load('title: "A"\ntopics: [Power Apps]\nimages:\n  - {url: x, width: 5}\n')
    assert fields == {"title": "A", "topics": ["Power Apps"], "images": [{"url": "x", "width": 5}]}


def test_long_plain_texts_are_not_remembered():
    remembered = fastyaml._plain_scalar_tag.cache_info().currsize
    assert fastyaml.load("text: " + "a" * 100_000 + "\n") == {"text": "a" * 100_000}
    assert fastyaml._plain_scalar_tag.cache_info().currsize <= remembered + 1  # "text"


TOKENS = ["yes", "No", "on", "~", "null", "", "0", "-7", "0x1F", "0o17", "0b101", "1_000",
          "3.5", ".inf", "-.nan", "1e3", "190:20:30", "2024-01-31", "2024-02-30",
          "2024-01-31T10:00:00Z", "2001-12-14 21:59:43.10 -5", "=", "<<", "x", "Power Apps",
          "a b", "!!str 12", "!!int 12", "!!int x", "!!float 1", "!!binary aGk=",
          "!!timestamp 2024-02-30", "!!null ''", "!local x", "*@", "*@"]
plain = st.sampled_from(TOKENS)
letters = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"))
quoted = st.text(letters, max_size=8).map(lambda t: json.dumps(t, ensure_ascii=False))
single_quoted = st.text(alphabet="ab '\\", max_size=6).map(
    lambda t: "'" + t.replace("'", "''") + "'"
)
scalar = st.one_of(plain, quoted, single_quoted)


def anchored(node: st.SearchStrategy) -> st.SearchStrategy:
    """node, sometimes behind an anchor that a later alias may name."""
    return st.tuples(st.sampled_from(["", "", "", "&@ "]), node).map("".join)


def flow(children: st.SearchStrategy) -> st.SearchStrategy:
    """Flow sequences and mappings of children."""
    items = st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
    pairs = st.lists(st.tuples(st.one_of(scalar, children), children), max_size=4)
    mappings = pairs.map(lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}")
    tagged = st.tuples(st.sampled_from(["!!set ", "!!omap ", "!!map ", "!!seq "]), items)
    return anchored(st.one_of(items, mappings, tagged.map("".join)))


nodes = st.recursive(anchored(scalar), flow, max_leaves=12)


def with_anchors(text: str) -> str:
    """text with each '&@' a new anchor, and each '*@' an alias of the latest one."""
    parts, anchors = [], 0
    for piece in re.split(r"([&*]@)", text):
        if piece == "&@":
            anchors += 1
        parts.append({"&@": f"&a{anchors}", "*@": f"*a{anchors}"}.get(piece, piece))
    return "".join(parts)


documents = st.lists(st.tuples(st.one_of(plain, quoted), nodes), max_size=6).map(
    lambda fields: with_anchors("".join(f"{key}: {value}\n" for key, value in fields)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_generated_documents_load_as_pyyaml_loads_them(text):
    assert_same(text)


def test_resolvers_added_to_the_loader_are_honoured():
    saved = {first: list(resolvers) for first, resolvers in Loader.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^nothing$"), ["n"])
    fastyaml._plain_scalar_tag.cache_clear()
    try:
        text = "title: nothing\nexcerpt: something\n"
        assert fastyaml.load(text) == yaml.load(text, Loader=Loader)  # noqa: S506
        assert fastyaml.load(text) == {"title": None, "excerpt": "something"}
    finally:
        Loader.yaml_implicit_resolvers = saved
        fastyaml._plain_scalar_tag.cache_clear()
