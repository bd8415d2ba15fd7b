"""The common shapes of frontmatter, loaded without PyYAML's parser: the same Python values
PyYAML's safe loader gives, or ``DECLINED`` for anything else (which then goes through
PyYAML, errors and all).

What is taken: top-level ``key: value`` lines, with ``value`` a plain scalar on one line,
a quoted scalar without escapes, a one-line flow list of such scalars, or nothing followed
by ``- item`` lines. Plain scalars are typed by PyYAML's own implicit resolver and built by
its own constructor, so ``2024-01-05`` is a date, ``yes`` is True and ``12:30`` is 750, as
PyYAML has them. Comments, anchors, tags, block scalars, nested mappings, continuation
lines, tabs, duplicate keys and unusual characters are all declined. Most notes' frontmatter
is of this shape, and PyYAML's C parser plus its Python constructor cost about three times
as much as this; ``tests/test_simple_yaml.py`` checks the two agree.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

DECLINED: Any = object()  # a sentinel: "use PyYAML"

_KEY = re.compile(r"(\w(?:[\w .-]{0,126}[\w.-])?):(?: +(.*))?\Z")
_ITEM = re.compile(r"( *)-(?: +(.*))?\Z")
# A plain scalar on one line: no indicator first (a "-" only before a non-space), no
# ": " or " #" inside, no ":" last. Items of flow lists hold none of ":#,[]{}".
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@` ")
_NOT_IN_FLOW_ITEM = re.compile(r"[:#,\[\]{}]")
_QUOTED = re.compile(r"\"([^\"\\]*)\"|'([^']*)'")
# Anything PyYAML's reader refuses or reads as a line break, tabs, a byte-order mark. In
# ASCII text: anything but "\n" and printable characters. Else what PyYAML's own
# NON_PRINTABLE finds (compiled when yaml is imported; a class this wide costs ~6 ms to
# compile again), and six characters more.
_ASCII_UNUSUAL = re.compile("[^\n\x20-\x7e]")
_ALSO_UNUSUAL = ("\t", "\r", "\x85", "\u2028", "\u2029", "\ufeff")


def unusual(raw: str) -> bool:
    if raw.isascii():
        return _ASCII_UNUSUAL.search(raw) is not None
    import yaml

    return (yaml.reader.Reader.NON_PRINTABLE.search(raw) is not None
            or any(c in raw for c in _ALSO_UNUSUAL))


_STR = "tag:yaml.org,2002:str"
_TYPED = frozenset({"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                    "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"})
# The first characters of the plain scalars PyYAML's implicit resolvers may type (null,
# bool, int, float, timestamp, merge, value, and "!&*" for its documentation-only "yaml"
# tag); any other scalar is a string, known without importing yaml (~25 ms: a command that
# reads one note spends that). A test checks this against yaml.resolver.Resolver.
TYPED_FIRST = frozenset("yYnNtTfFoO-+0123456789.<~=!&*")
_RESOLVER: Any = None
_CONSTRUCTOR: Any = None


def load(raw: str) -> Any:
    """The YAML mapping in ``raw`` as PyYAML's safe loader gives it, or ``DECLINED``."""
    if not raw.strip() or unusual(raw):
        return DECLINED
    data: dict[str, Any] = {}
    items: list[Any] | None = None  # the list being filled by "- item" lines
    indent = -1  # the indentation of its items
    key = ""
    for line in raw.split("\n"):
        if not line.strip():
            continue
        if line[0] != " " and line[0] != "-":
            m = _KEY.match(line)
            if m is None:
                return DECLINED
            key = m.group(1)
            if key in data or type(_scalar(key)) is not str:  # a duplicate, or not a string
                return DECLINED
            value = m.group(2)
            if value is None or not value.strip():
                data[key] = None  # becomes a list if "- item" lines follow
                items, indent = None, -1
                continue
            found = _value(value.rstrip(" "))
            if found is DECLINED:
                return DECLINED
            data[key] = found
            items, indent = None, -2  # no item lines may follow
            continue
        m = _ITEM.match(line)
        if m is None or indent == -2 or not key:
            return DECLINED
        if indent == -1:
            if data[key] is not None:
                return DECLINED
            items, indent = [], len(m.group(1))
            data[key] = items
        elif len(m.group(1)) != indent:
            return DECLINED
        item = m.group(2)
        if item is None or not item.strip():
            found = None
        else:
            found = _value(item.rstrip(" "), flow_list=False)
        if found is DECLINED:
            return DECLINED
        assert items is not None
        items.append(found)
    return data


def _value(text: str, flow_list: bool = True) -> Any:
    if text[0] == "[":
        if not flow_list or not text.endswith("]"):
            return DECLINED
        inner = text[1:-1].strip(" ")
        if not inner:
            return []
        out = []
        for part in inner.split(","):
            part = part.strip(" ")
            if not part:
                return DECLINED
            q = _QUOTED.fullmatch(part)
            if q is not None:
                out.append(q.group(1) if q.group(1) is not None else q.group(2))
            elif _plain(part) and not _NOT_IN_FLOW_ITEM.search(part):
                value = _scalar(part)
                if value is DECLINED:
                    return DECLINED
                out.append(value)
            else:
                return DECLINED
        return out
    q = _QUOTED.fullmatch(text)
    if q is not None:
        return q.group(1) if q.group(1) is not None else q.group(2)
    if _plain(text) and ": " not in text and " #" not in text and text[-1] != ":":
        return _scalar(text)
    return DECLINED


def _plain(text: str) -> bool:
    """May ``text`` start a plain scalar?"""
    first = text[0]
    if first == "-":
        return len(text) > 1 and text[1] != " "
    return first not in _INDICATORS


# A scalar starting with a letter (or "~") is typed only when it is one of these words
# (PyYAML's bool and null resolvers); "title", "tags" and "note" are strings.
TYPED_WORDS = frozenset({
    "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
    "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL"})
_WORD_FIRST = frozenset("yYnNtTfFoO~")


# The two typed shapes most frontmatter holds, built as PyYAML's constructor builds them
# (a date: datetime.date, or ValueError for a day that does not exist; a decimal integer
# without sign, "_" or leading zero: int), so that they too need no PyYAML.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DECIMAL = re.compile(r"(?:0|[1-9][0-9]{0,17})\Z")


def _scalar(text: str) -> Any:
    if text:
        first = text[0]
        if first not in TYPED_FIRST or (first in _WORD_FIRST and text not in TYPED_WORDS):
            return text
        if _DECIMAL.match(text):
            return int(text)
        if _DATE.match(text):
            import datetime

            try:
                return datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))
            except ValueError:
                return DECLINED  # PyYAML's answer is an error: let it give it
    return _typed(text)


@lru_cache(maxsize=4096)  # keys, tags and dates repeat from note to note
def _typed(text: str) -> Any:
    global _RESOLVER, _CONSTRUCTOR
    import yaml

    if _RESOLVER is None:
        _RESOLVER, _CONSTRUCTOR = yaml.resolver.Resolver(), yaml.constructor.SafeConstructor()
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    if tag == _STR:
        return text
    if tag not in _TYPED:
        return DECLINED
    try:
        return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))
    except (ValueError, TypeError, OverflowError, yaml.YAMLError):
        return DECLINED
