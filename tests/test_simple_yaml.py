"""The frontmatter fast path gives exactly what PyYAML gives, or declines."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit import _frontmatter, _simple_yaml
from vaultkit._simple_yaml import DECLINED


def pyyaml(raw: str) -> Any:
    try:
        return _frontmatter._yaml_load(raw)
    except yaml.YAMLError:
        return "error"


def same(raw: str) -> Any:
    """The fast path's answer, checked against PyYAML's (types included: True is not 1)."""
    fast = _simple_yaml.load(raw)
    if fast is not DECLINED:
        slow = pyyaml(raw)
        assert repr(fast) == repr(slow), raw
    return fast


@pytest.mark.parametrize(("raw", "expected"), [
    ("title: Hello\n", {"title": "Hello"}),
    ("tags:\n  - a/b\n  - c\n", {"tags": ["a/b", "c"]}),
    ("tags:\n- a\n- b\nnext: 1\n", {"tags": ["a", "b"], "next": 1}),
    ("tags: [a, b/c, 'd e', \"f\"]\n", {"tags": ["a", "b/c", "d e", "f"]}),
    ("tags: []\n", {"tags": []}),
    ("created: 2022-05-06\n", {"created": datetime.date(2022, 5, 6)}),
    ("at: 2001-12-14t21:59:43.10-05:00\n", "typed"),
    ("draft: yes\nn: 12:30\nx: 0x1F\nf: .inf\nz: ~\nempty:\n",
     {"draft": True, "n": 750, "x": 31, "f": float("inf"), "z": None, "empty": None}),
    ("up: \"[[Parent note]]\"\nurl: https://example.com/a#b\n",
     {"up": "[[Parent note]]", "url": "https://example.com/a#b"}),
    ("title: A [draft], maybe\n", {"title": "A [draft], maybe"}),
    ("date created: 2020-01-01\nÉtat: brouillon\n",
     {"date created": datetime.date(2020, 1, 1), "État": "brouillon"}),
    ("list:\n  -\n  - b\n", {"list": [None, "b"]}),
    ("n: -5\nm: -x\n", {"n": -5, "m": "-x"}),
])
def test_common_shapes_are_taken(raw: str, expected: Any) -> None:
    fast = same(raw)
    assert fast is not DECLINED
    if expected != "typed":
        assert repr(fast) == repr(expected)


@pytest.mark.parametrize("raw", [
    "a: 1\na: 2\n",  # duplicate key: PyYAML's loader reports it
    "a: b: c\n",
    "a: x # comment\n",
    "# comment\na: 1\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a: |\n  text\n",
    "a: >\n  text\n",
    "a: first\n  second line\n",
    "a:\n  b: 1\n",
    "a:\n  - x\n   - y\n",
    "a: \"esc\\\"aped\"\n",
    "a: 'it''s'\n",
    "a: [x, [y]]\n",
    "a: [x,]\n",
    "a: {b: 1}\n",
    "a:\ttab\n",
    "yes: 1\n",
    "1: one\n",
    "- a\n- b\n",
    "just text\n",
    "a: x\u2028y\n",
    "a: \ufeffx\n",
    "a: =\n",
    "...\n",
    "",
    "\n\n",
])
def test_other_shapes_are_declined(raw: str) -> None:
    assert same(raw) is DECLINED


KEYS = ["a", "tags", "aliases", "date created", "x.y", "k-1", "yes", "1", "é", "a b ", "-a",
        "a:b", "?", "null", "~", "<<", "=", "'q'", "[k]"]
VALUES = ["", " ", "x", "x y", "x:y", "x: y", "x #y", "x#y", "#x", "-x", "- x", "-", "?x",
          ":x", "x:", "[a, b]", "[a,b]", "[]", "[ ]", "[a, [b]]", "[a,,b]", "['a', \"b\"]",
          "['a,b']", "{a: b}", "'s'", "'s''t'", "\"d\"", "\"d\\n\"", "\"unclosed", "&a x",
          "*a", "!t x", "|", ">", "%x", "@x", "`x", "yes", "No", "on", "~", "null", "1",
          "-1", "+1", "1_000", "0o17", "017", "0x1f", "0b101", "1:30", "190:20:30", "1.5",
          "1e3", "1.0e+3", ".nan", ".Inf", "-.inf", "2024-01-05", "2024-1-5 10:00",
          "2024-01-05T10:00:00Z", "2024-13-45", "[[Note]]", "\"[[Note|x]]\"", "a [b] c",
          "x\u00a0y", "x\u2029y", "x\x85y", "x\ty", "a, b", "x ", "http://e.com/x?y=1#z", "<<",
          "=", "é", "\U0001F600", "[x:y]", "[x#y]", "[-x]", "[- x]"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(VALUES),
                          st.lists(st.tuples(st.sampled_from(["", " ", "  ", "   "]),
                                             st.sampled_from(VALUES)), max_size=3)),
                min_size=1, max_size=4),
       st.booleans())
def test_fast_path_agrees_with_pyyaml(entries: list[Any], blank: bool) -> None:
    lines = []
    for key, value, items in entries:
        lines.append(f"{key}: {value}" if value else f"{key}:")
        lines.extend(f"{indent}- {item}" if item else f"{indent}-" for indent, item in items)
        if blank:
            lines.append("")
    same("\n".join(lines) + "\n")


def test_frontmatter_of_the_example_vault_agrees() -> None:
    from pathlib import Path

    taken = 0
    for path in sorted(Path(__file__).parent.parent.joinpath("vault").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        where = _frontmatter.split(text)
        if where is not None:
            taken += same(text[where[0] : where[1]]) is not DECLINED
    assert taken >= 1


def test_unusual_characters_are_exactly_the_declined_set() -> None:
    """The fast path declines a character PyYAML's reader refuses or reads specially (line
    breaks other than \\n, tabs, a BOM); checked against the class it is defined by, for
    every code point below U+10000 and around the edges above."""
    import re

    from vaultkit._simple_yaml import unusual

    declined = re.compile(
        "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
    points = [*range(0x10000), 0x10000, 0x1F600, 0x10FFFF]
    for cp in points:
        char = chr(cp)
        assert unusual("a" + char) == (declined.search(char) is not None), hex(cp)


def test_the_first_characters_that_may_be_typed_are_pyyamls() -> None:
    import yaml

    from vaultkit._simple_yaml import TYPED_FIRST

    resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers
    assert None not in resolvers  # no resolver for every first character
    assert {k for k in resolvers if k} == set(TYPED_FIRST)


def test_plain_frontmatter_is_read_without_importing_pyyaml() -> None:
    """A command that reads one note with ordinary frontmatter does not pay ~25 ms for
    importing yaml, nor for a date or an integer; a float does need it."""
    import subprocess
    import sys

    code = ("import sys\nfrom vaultkit.parse import parse_note\n"
            "n = parse_note('a.md', '---\\ntitle: Hello\\ntags: [a, b/c]\\naliases:\\n"
            "  - Hi\\n---\\n#x [[y]]\\n')\n"
            "assert n.frontmatter == {'title': 'Hello', 'tags': ['a', 'b/c'], 'aliases': ['Hi']}\n"
            "print('yaml' in sys.modules, 'frontmatter' in sys.modules)\n"
            "parse_note('b.md', '---\\ndate: 2024-01-05\\nn: 12\\n---\\n')\n"
            "print('yaml' in sys.modules)\n"
            "parse_note('c.md', '---\\nversion: 1.5\\n---\\n')\n"
            "print('yaml' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[:3] == ["False False", "False", "True"]  # dates and integers need no PyYAML


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.text(alphabet="yYnNtTfFoO~ueslrSAELRU0.:-x ", min_size=0, max_size=6),
                 st.text(alphabet="0123456789-_:.+", min_size=1, max_size=11),
                 st.dates().map(str), st.integers(min_value=0).map(str)))
def test_scalars_typed_without_pyyaml_are_typed_as_pyyaml_does(text: str) -> None:
    """Strings told apart by their first character or word take no PyYAML; the answer is
    still PyYAML's (its resolver and constructor, as before the shortcut)."""
    from vaultkit._simple_yaml import _scalar, _typed

    assert repr(_scalar(text)) == repr(_typed.__wrapped__(text))


def test_every_bool_and_null_word_and_their_neighbours_are_typed_as_pyyaml_does() -> None:
    from vaultkit._simple_yaml import TYPED_WORDS, _scalar, _typed

    words = ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False",
             "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL",
             "y", "Y", "n", "N", "yEs", "nULL", "tRUE", "oN", "title", "tags", "on-call", "~x",
             "2024-01-05", "2024-02-30", "2024-1-05", "0", "7", "010", "0x1F", "1_000", "-3",
             "+3", "123456789012345678901234", "2024-01-05T10:00:00"]
    assert set(words) >= TYPED_WORDS
    for word in words + [w + "x" for w in words] + [w[:-1] for w in words]:
        assert repr(_scalar(word)) == repr(_typed.__wrapped__(word)), word
