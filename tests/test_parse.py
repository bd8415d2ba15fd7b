"""Scanner cases from ``tests/fixtures/parse/*.md``, one file per section of the spec.

Fixture format (markdown-it-py style). Each case is::

    W2 pipe splits target and display text :: crlf
    .
    see [[Note|alias]]
    .
    link 1:5 wiki target="Note" sub="" display="alias" embed=no text="[[Note|alias]]"
    .

- The title line starts with the spec row id(s) (``W2``, ``E10a``, ``P3``...); everything
  after `` :: `` is a list of options (see below). Between cases, blank lines and lines
  starting with ``#`` (comments) are skipped.
- The input is every line up to the next line that is exactly ``.``; each input line ends
  with a newline. Inputs are written as they are, with real newlines and tabs: there are
  no escapes unless the ``u`` option asks for them.
- The expected output is every line up to the next ``.``: ALL that the scanner found, in
  this order: ``frontmatter`` (the YAML data as JSON, when there is a mapping), ``alias``
  lines, ``problem`` lines, ``link`` lines (in ``Note.links`` order), ``tag``/``fmtag``
  lines (in ``Note.tags`` order), ``heading`` lines, ``block`` lines. No lines = nothing
  found. An extra or missing item fails the case. Line kinds::

      frontmatter {"title": "A New Hope"}
      alias "Doggo"
      problem bad-frontmatter 2
      link 3:5 wiki target="Note" sub="#H" display="x" embed=no text="[[Note#H|x]]"
      link 2:7 frontmatter target="X" sub="" display=- embed=no text="[[X]]" key="a.b"
      tag 2:1 inbox/to-read
      fmtag 3:9 recipe
      heading 1:1 h2 "Title"
      block 4:10 my-id

  ``L:C`` is the 1-based line and column (characters) of the first character (``[``,
  ``!``, ``#``, ``^``, the heading's ``#``). Strings are JSON-quoted; ``display=-``
  means no display text. Characters that are invisible or combining (Unicode categories
  C*, Z* other than space, M*) are written as ``\\uXXXX`` inside quoted strings.

Options after ``::``: ``crlf`` / ``cr`` (line ends of the input become ``\\r\\n`` / ``\\r``),
``bom`` (input starts with U+FEFF), ``noeol`` (no newline after the last input line),
``u`` (``\\uXXXX`` in the input is that character; for NBSP and combining marks).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from vaultkit.model import Note
from vaultkit.parse import parse_many, parse_note

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
OPTIONS = {"crlf", "cr", "bom", "noeol", "u"}


@dataclass
class Case:
    file: str
    lineno: int
    title: str
    text: str
    expected: list[str]


def _input(lines: list[str], options: set[str]) -> str:
    eol = "\r\n" if "crlf" in options else "\r" if "cr" in options else "\n"
    text = eol.join(lines) + ("" if "noeol" in options else eol)
    if "u" in options:
        text = re.sub(r"\\u([0-9A-Fa-f]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return ("\ufeff" if "bom" in options else "") + text


def _read_fixtures(path: Path) -> list[Case]:
    lines = path.read_text(encoding="utf-8").split("\n")
    cases: list[Case] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip() or lines[i].startswith("#"):
            i += 1
            continue
        title, _, opts = lines[i].partition(" :: ")
        options = set(opts.split())
        assert options <= OPTIONS, f"{path.name}:{i + 1}: unknown options {options - OPTIONS}"
        assert lines[i + 1] == ".", f"{path.name}:{i + 2}: expected '.' after the title"
        end_in = lines.index(".", i + 2)
        end_out = lines.index(".", end_in + 1)
        cases.append(Case(path.name, i + 1, title.strip(), _input(lines[i + 2 : end_in], options),
                          lines[end_in + 1 : end_out]))
        i = end_out + 1
    return cases


def _q(value: str) -> str:
    """JSON-quote, writing invisible and combining characters as \\uXXXX."""
    out = json.dumps(value, ensure_ascii=False)
    return "".join(f"\\u{ord(c):04x}" if c != " " and unicodedata.category(c)[0] in "CZM"
                   else c for c in out)


def render(note: Note) -> list[str]:
    out: list[str] = []
    if note.frontmatter is not None:
        out.append("frontmatter " + json.dumps(note.frontmatter, ensure_ascii=False, default=str))
    out.extend(f"alias {_q(a)}" for a in note.aliases)
    out.extend(f"problem {p.code} {p.line}" for p in note.problems)
    for link in note.links:
        display = "-" if link.display is None else _q(link.display)
        key = "" if link.key is None else f" key={_q(link.key)}"
        out.append(f"link {link.line}:{link.column} {link.kind} target={_q(link.target)} "
                   f"sub={_q(link.subpath)} display={display} "
                   f"embed={'yes' if link.embed else 'no'} text={_q(link.text)}{key}")
    for tag in note.tags:
        out.append(f"{'fmtag' if tag.frontmatter else 'tag'} {tag.line}:{tag.column} {tag.name}")
    for h in note.headings:
        out.append(f"heading {h.line}:{h.column} h{h.level} {_q(h.text)}")
    out.extend(f"block {b.line}:{b.column} {b.id}" for b in note.blocks)
    return out


CASES = [case for path in sorted(FIXTURES.glob("*.md")) for case in _read_fixtures(path)]


def test_fixture_files_are_there() -> None:
    names = {p.stem for p in FIXTURES.glob("*.md")}
    assert names >= {"wikilinks", "markdown-links", "headings-blocks", "tags", "frontmatter",
                     "excluded-regions", "positions"}
    titles = [f"{c.file}:{c.title}" for c in CASES]
    assert len(titles) == len(set(titles)), "case titles must be unique within a file"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file[:-3]}:{c.lineno}:{c.title}" for c in CASES])
def test_fixture(case: Case) -> None:
    got = render(parse_note("note.md", case.text))
    assert got == case.expected, f"{case.file}:{case.lineno} {case.title}"


def test_many_notes_parsed_at_once_are_each_parsed_as_alone() -> None:
    """``parse_many`` runs each step over all notes: no note's findings go to another."""
    for cases in (CASES, CASES[::-1]):
        got = parse_many([case.text for case in cases])
        assert len(got) == len(cases)
        for case, parts in zip(cases, got, strict=True):
            assert render(Note("note.md", *parts)) == case.expected, (
                f"{case.file}:{case.lineno} {case.title}")
