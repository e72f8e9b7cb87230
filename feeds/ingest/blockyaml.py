"""The block YAML that nearly every seed is written in, read line by line without libyaml.

Only a strict subset: a top-level mapping of plain keys; nested block mappings and sequences
by indentation; one-line values that are double-quoted (with the common escapes), single-quoted, or
plain. Anything else, and anything this reader is unsure of (a tab, a comment after a value,
an anchor, a flow collection, a scalar over several lines, odd indentation, a character YAML
treats specially), gives None, and the caller loads the text with PyYAML instead: the result
is always what PyYAML makes of the text (tests/test_fastyaml.py compares them).
"""

import re
from collections.abc import Callable
from typing import Any

# What a line may hold here: YAML's printable characters, less tabs, carriage returns, the
# line and byte-order marks YAML treats specially (U+0085, U+2028, U+2029, U+FEFF).
_UNSURE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                     "\U00010000-\U0010ffff]")
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +(.*))?")
_DOUBLE = re.compile(r'"((?:[^"\\]|\\["\\/nrt])*)"')  # of escapes, only \" \\ \/ \n \r \t
_ESCAPE = re.compile(r"\\(.)")
_ESCAPED = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "r": "\r", "t": "\t"}
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
# A plain scalar that starts with none of YAML's indicators and holds no ': ' or ' #'.
_PLAIN = re.compile(r"(?![-?:,\[\]{}#&*!|>'\"%@`])(?:[^:#]|:(?! )|(?<! )#)*(?<!:)")
Line = tuple[int, str]  # (indentation, the rest of the line)


class NotPlain(Exception):
    """The text is not in the subset read here."""


def load(text: str, plain_value: Callable[[str], Any]) -> dict[str, Any] | None:
    """The top-level mapping of text, or None when text is not in the subset; plain_value
    turns an unquoted scalar into its value (raising NotPlain when it cannot)."""
    if _UNSURE.search(text):
        return None
    lines = _lines(text)
    if not lines or lines[0][0] != 0:
        return None
    try:
        fields, end = _mapping(lines, 0, 0, plain_value)
    except (NotPlain, RecursionError, ValueError, OverflowError):
        return None
    return fields if end == len(lines) else None


def _lines(text: str) -> list[Line] | None:
    """The lines that hold something, as (indentation, rest), without blank or comment lines;
    None when one is a document marker or a directive."""
    lines = []
    for raw in text.split("\n"):
        line = raw.rstrip(" ")
        rest = line.lstrip(" ")
        if rest and rest[0] != "#":
            if line.startswith(("---", "...", "%")):
                return None
            lines.append((len(line) - len(rest), rest))
    return lines


def _block(lines: list[Line], at: int, plain_value: Callable[[str], Any]) -> tuple[Any, int]:
    """The block mapping or sequence that starts at line at; (value, the next line)."""
    indent, rest = lines[at]
    if rest.startswith("- ") or rest == "-":
        return _sequence(lines, at, indent, plain_value)
    return _mapping(lines, at, indent, plain_value)


def _mapping(lines: list[Line], at: int, indent: int,
             plain_value: Callable[[str], Any]) -> tuple[dict[str, Any], int]:
    """The block mapping whose keys are at indent, from line at."""
    mapping: dict[str, Any] = {}
    while at < len(lines) and lines[at][0] == indent and not _is_item(lines[at][1]):
        match = _KEY.fullmatch(lines[at][1])
        if match is None or plain_value(match[1]) != match[1]:
            raise NotPlain
        at += 1
        if match[2] is not None:
            mapping[match[1]] = _scalar(match[2], plain_value)
        elif at < len(lines) and (lines[at][0] > indent or lines[at][0] == indent
                                  and _is_item(lines[at][1])):
            mapping[match[1]], at = _block(lines, at, plain_value)
        else:
            mapping[match[1]] = None
    if at < len(lines) and lines[at][0] > indent:
        raise NotPlain
    return mapping, at


def _sequence(lines: list[Line], at: int, indent: int,
              plain_value: Callable[[str], Any]) -> tuple[list[Any], int]:
    """The block sequence whose dashes are at indent, from line at."""
    items = []
    while at < len(lines) and lines[at][0] == indent and _is_item(lines[at][1]):
        after = lines[at][1][1:]
        rest = after.lstrip(" ")
        if not rest or _is_item(rest):
            raise NotPlain
        if _KEY.fullmatch(rest):  # a mapping that starts on the dash's line
            inner = indent + 1 + len(after) - len(rest)
            lines[at] = (inner, rest)
            value, at = _mapping(lines, at, inner, plain_value)
            items.append(value)
        else:
            items.append(_scalar(rest, plain_value))
            at += 1
    if at < len(lines) and lines[at][0] > indent:
        raise NotPlain
    return items, at


def _unescaped(escape: re.Match) -> str:
    return _ESCAPED[escape[1]]


def _is_item(rest: str) -> bool:
    return rest.startswith("- ") or rest == "-"


def _scalar(text: str, plain_value: Callable[[str], Any]) -> Any:
    """A one-line value: double-quoted (with the common escapes), single-quoted, or plain."""
    first = text[0]
    if first == '"':
        if match := _DOUBLE.fullmatch(text):
            quoted = match[1]
            return _ESCAPE.sub(_unescaped, quoted) if "\\" in quoted else quoted
    elif first == "'":
        if match := _SINGLE.fullmatch(text):
            return match[1].replace("''", "'")
    elif _PLAIN.fullmatch(text):
        return plain_value(text)
    raise NotPlain
