"""Frozen value types that cross module boundaries.

Every position is 1-based; ``column`` counts characters (not bytes) in the file as
it is stored on disk, frontmatter lines included.

The types every command needs (the walk, a refresh, its report) are defined here; the
scanner's output types live in :mod:`vaultkit.model_parse`, the query answers in
:mod:`vaultkit.model_results`, ``check``'s in :mod:`vaultkit.model_check` and the graph's in
:mod:`vaultkit.model_graph`, made only when a command needs them (building a frozen
dataclass costs about a millisecond of start-up). Every name stays importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple


class FileStat(NamedTuple):
    """A vault file as found on disk by the walk. A named tuple, not a dataclass like
    the others: the walk of a 100k-file vault makes 100k of them, 3x faster so."""

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


_ELSEWHERE = {
    **dict.fromkeys(("Link", "Tag", "Heading", "Block", "Problem", "Note", "LinkKind"),
                    "model_parse"),
    **dict.fromkeys(("Backlink", "OutLink", "Unresolved", "TagCount", "NotePath"),
                    "model_results"),
    **dict.fromkeys(("Diagnostic", "Severity"), "model_check"),
    **dict.fromkeys(("Mention", "MentionCount", "Hub", "PathStep", "Related", "Island"),
                    "model_graph"),
}


def __getattr__(name: str) -> Any:
    if name in _ELSEWHERE:
        from importlib import import_module

        return getattr(import_module(f".{_ELSEWHERE[name]}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
