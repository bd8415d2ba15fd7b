"""The scanner's output types (:func:`vaultkit.parse.parse_note`): frozen values.

Every position is 1-based; ``column`` counts characters (not bytes) in the file as
it is stored on disk, frontmatter lines included.

``Link``, ``Tag``, ``Heading``, ``Block`` and ``Problem`` are named tuples (a note has
dozens; a named tuple is 4x cheaper to build than a frozen dataclass, 7% of the parser's
work). ``Note`` is a frozen dataclass (its ``frontmatter`` dict is left out of equality and
hashing), defined in :mod:`vaultkit.model_note` and loaded when first asked for: a refresh
reads notes through :class:`NoteParts` and never loads :mod:`dataclasses`. Read them all
by field name.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

LinkKind = Literal["wiki", "markdown", "frontmatter"]

class Link(NamedTuple):
    """One link or embed found in a note.

    ``target`` is the linkpath that gets resolved: decoded, NBSP->space, trimmed, NFC,
    without ``#subpath`` and without ``|display``; ``""`` means the source note itself.
    ``text`` is the link exactly as written (``[[X|y]]``, ``![[img.png]]``, ``[t](x.md)``).
    """

    target: str
    subpath: str
    display: str | None
    text: str
    line: int
    column: int
    embed: bool = False
    kind: LinkKind = "wiki"
    key: str | None = None  # frontmatter key path ("links.0") for frontmatter links


class Tag(NamedTuple):
    """A tag without its leading ``#`` (``inbox/to-read``), case as written."""

    name: str
    line: int
    column: int
    frontmatter: bool = False


class Heading(NamedTuple):
    text: str  # raw source text of the heading, markup included, trimmed
    level: int
    line: int
    column: int


class Block(NamedTuple):
    id: str  # lowercased block id, without ``^``
    line: int
    column: int


class Problem(NamedTuple):
    """A content problem found while parsing (e.g. invalid YAML frontmatter)."""

    code: str
    message: str
    line: int = 1
    column: int = 1


class NoteParts(NamedTuple):
    """What :func:`vaultkit.parse.parse_parts` finds in a note: a :class:`Note` without
    its path, in the same order."""

    links: tuple[Link, ...]
    tags: tuple[Tag, ...]
    headings: tuple[Heading, ...]
    blocks: tuple[Block, ...]
    aliases: tuple[str, ...]
    frontmatter: dict[str, Any] | None
    problems: tuple[Problem, ...]


def __getattr__(name: str) -> Any:
    if name == "Note":
        from .model_note import Note

        return Note
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
