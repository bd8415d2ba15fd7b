"""What queries answer (:class:`vaultkit.Vault`, ``check``, the graph, mentions): frozen
values, made on first use: a command builds only the types it answers with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .model_parse import LinkKind

@dataclass(frozen=True, slots=True)
class Backlink:
    source: str
    line: int
    column: int
    text: str
    context: str
    embed: bool = False
    kind: LinkKind = "wiki"


@dataclass(frozen=True, slots=True)
class OutLink:
    line: int
    column: int
    text: str
    target: str
    resolved: str | None
    embed: bool
    subpath: str = ""
    kind: LinkKind = "wiki"


@dataclass(frozen=True, slots=True)
class Unresolved:
    source: str
    line: int
    column: int
    text: str
    target: str
    embed: bool
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TagCount:
    tag: str
    count: int


@dataclass(frozen=True, slots=True)
class NotePath:
    path: str


Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem ``vaultkit check`` reports: where, how bad, what, and what was meant.

    ``path`` is vault-relative. For a link problem ``text``/``target``/``embed`` describe
    the link (as in :class:`Unresolved`); for a file problem (bad frontmatter, not UTF-8)
    they are empty. ``suggestions`` are written as link text (``Gemini``, ``N#Heading``).
    """

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    suggestions: tuple[str, ...] = ()
    text: str = ""
    target: str = ""
    embed: bool = False


# --- the graph and unlinked mentions (vaultkit.graph, vaultkit.mentions) -------------------


@dataclass(frozen=True, slots=True)
class Mention:
    """A plain-text occurrence of a note's name or alias in another note."""

    source: str
    line: int
    column: int
    text: str  # as written in the source
    context: str  # the whole line, trimmed


@dataclass(frozen=True, slots=True)
class MentionCount:
    path: str  # the note mentioned
    mentions: int  # unlinked mentions of it in other notes
    sources: int  # notes holding them


@dataclass(frozen=True, slots=True)
class Hub:
    path: str
    in_degree: int  # other notes linking to it
    pagerank: float


@dataclass(frozen=True, slots=True)
class PathStep:
    """One step of a link path: from ``source`` to ``target`` through the link ``text``
    at ``line:column`` of ``source`` (of ``target`` when ``reverse``: followed backwards)."""

    source: str
    target: str
    line: int
    column: int
    text: str
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class Related:
    path: str
    score: float
    shared_links: tuple[str, ...] = ()  # nodes both notes link to
    shared_backlinks: tuple[str, ...] = ()  # notes linking to both
    shared_tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Island:
    size: int
    notes: tuple[str, ...]
