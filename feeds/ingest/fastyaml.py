"""PyYAML's safe loading, made faster for the plain trees of fields that seeds hold.

libyaml composes the nodes; a short direct constructor then builds the plain mappings, lists
and scalars that nearly every seed consists of, calling PyYAML's own constructor for each
scalar type but skipping its general machinery. Anything else (an anchor used twice, a merge
key, an explicit tag, an error) is built by PyYAML's SafeConstructor itself, so the result and
every error are exactly those of `yaml.load(text, Loader=Loader)` (tests/test_fastyaml.py).
"""

from functools import lru_cache
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.resolver import Resolver

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_REMEMBERED_LENGTH = 64  # field names and short values recur; long texts are not kept
# What a document may amount to once every alias is written out, in characters of scalars
# (and one per node): aliases let a small text stand for an enormous one, and everything that
# reads the value pays for the whole of it.
MAX_EXPANDED = 2 * 1024 * 1024


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader; an impossible timestamp stays text for the field check, and the tags
    of short plain scalars are remembered."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        """The tag of a node: PyYAML's, remembered for short plain scalars."""
        if kind is ScalarNode and not self.yaml_path_resolvers:
            if not implicit[0]:
                return _STR
            if len(value) <= _REMEMBERED_LENGTH:
                return _plain_scalar_tag(value)
        tag: str = super().resolve(kind, value, implicit)
        return tag


def _timestamp_or_text(loader: Loader, node: ScalarNode) -> Any:
    """A date or datetime, or the scalar's text when it names no real moment (2024-02-30)."""
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_RESOLVER = Resolver()
_SCALARS = {tag: Loader.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")}


@lru_cache(maxsize=4096)
def _plain_scalar_tag(value: str) -> str:
    """What Loader's implicit resolvers make of an unquoted scalar: field names recur (after
    adding a resolver to Loader, call `_plain_scalar_tag.cache_clear()`)."""
    _RESOLVER.yaml_implicit_resolvers = Loader.yaml_implicit_resolvers  # any added to it too
    # types-PyYAML leaves BaseResolver.resolve unannotated
    tag: str = _RESOLVER.resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return tag


class _NotPlain(Exception):
    """The node tree needs PyYAML's general constructor."""


def load(text: str) -> Any:
    """The single YAML document in text, as yaml.load(text, Loader=Loader) returns it."""
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _build(loader, node, set())
        except (_NotPlain, ValueError, OverflowError, RecursionError, yaml.YAMLError):
            if _expanded_size(node, {}) > MAX_EXPANDED:
                raise ValueError(f"its aliases expand to more than {MAX_EXPANDED // 1024 // 1024}"
                                 " MiB of text") from None
            return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Characters of node's scalars (and one per node) with every alias written out; each
    node is measured once, and a cycle counts as nothing more (PyYAML builds it shared)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 0  # a cycle back to this node adds nothing
    if node.__class__ is ScalarNode:
        size = 1 + len(node.value)
    elif node.__class__ is MappingNode:
        size = 1 + sum(_expanded_size(key, sizes) + _expanded_size(value, sizes)
                       for key, value in node.value)
    else:
        size = 1 + sum(_expanded_size(item, sizes) for item in node.value)
    sizes[id(node)] = size
    return size


def _build(loader: Loader, node: yaml.Node, seen: set[int]) -> Any:
    """The value of a plain node tree; _NotPlain for anything SafeConstructor must handle."""
    kind = node.__class__
    if kind is ScalarNode:
        if node.tag == _STR:
            return node.value
        construct = _SCALARS.get(node.tag)
        if construct is None:
            raise _NotPlain
        return construct(loader, node)
    if id(node) in seen:  # an alias: PyYAML shares the value, and guards against cycles
        raise _NotPlain
    seen.add(id(node))
    if kind is MappingNode and node.tag == _MAP:
        mapping = {}
        for key, value in node.value:
            if key.__class__ is not ScalarNode:
                raise _NotPlain
            mapping[_build(loader, key, seen)] = _build(loader, value, seen)
        return mapping
    if kind is SequenceNode and node.tag == _SEQ:
        return [_build(loader, item, seen) for item in node.value]
    raise _NotPlain
