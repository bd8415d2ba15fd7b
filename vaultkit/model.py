"""Frozen value types that cross module boundaries.

Every position is 1-based; ``column`` counts characters (not bytes) in the file as
it is stored on disk, frontmatter lines included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

LinkKind = Literal["wiki", "markdown", "frontmatter"]


@dataclass(frozen=True, slots=True)
class Link:
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


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag without its leading ``#`` (``inbox/to-read``), case as written."""

    name: str
    line: int
    column: int
    frontmatter: bool = False


@dataclass(frozen=True, slots=True)
class Heading:
    text: str  # raw source text of the heading, markup included, trimmed
    level: int
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Block:
    id: str  # lowercased block id, without ``^``
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Problem:
    """A content problem found while parsing (e.g. invalid YAML frontmatter)."""

    code: str
    message: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True, slots=True)
class Note:
    path: str  # vault-relative, "/" separated
    links: tuple[Link, ...] = ()
    tags: tuple[Tag, ...] = ()
    headings: tuple[Heading, ...] = ()
    blocks: tuple[Block, ...] = ()
    aliases: tuple[str, ...] = ()
    frontmatter: dict[str, Any] | None = field(default=None, compare=False)
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class FileStat:
    """A vault file as found on disk by the walk."""

    path: str
    mtime_ns: int
    size: int
    is_note: bool


@dataclass(frozen=True, slots=True)
class RefreshStats:
    """What a refresh did; counts are files."""

    added: int = 0
    modified: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    broken: tuple[LinkRef, ...] = ()  # links that became unresolved in this refresh
    fixed: tuple[LinkRef, ...] = ()  # links that became resolved in this refresh
    problems: tuple[FileProblem, ...] = ()  # found in the files read by this refresh

    @property
    def changed(self) -> bool:
        return bool(self.added or self.modified or self.removed)


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A problem in a vault file: bad frontmatter, unreadable, not UTF-8, binary, ..."""

    path: str
    code: str
    message: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True, slots=True)
class LinkRef:
    """A link identified by where it is written."""

    source: str
    line: int
    column: int
    text: str
    target: str
    resolved: str | None = None


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


@dataclass(frozen=True, slots=True)
class Stats:
    notes: int
    attachments: int
    links: int
    resolved: int
    unresolved: int
    tags: int
    orphans: int
    most_linked: tuple[tuple[str, int], ...] = ()
    problems: int = 0


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


@dataclass(frozen=True, slots=True)
class PathBatch:
    """Vault paths that file-system events named since the last refresh (``watch``)."""

    files: frozenset[str] = frozenset()
    folders: frozenset[str] = frozenset()  # created, deleted or moved: walk just these
    written: frozenset[str] = frozenset()  # re-read even when (mtime_ns, size) look the same
    full: bool = False  # events were lost or not understood: walk the whole vault


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """A refresh with the paths it changed and the totals after it (what ``watch`` shows)."""

    stats: RefreshStats
    added: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    full: bool = False  # the whole vault was walked, not only the paths events named
    notes: int = 0
    links: int = 0
    unresolved: int = 0


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
