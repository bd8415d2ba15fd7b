"""Frozen value types that cross module boundaries.

Every position is 1-based; ``column`` counts characters (not bytes) in the file as
it is stored on disk, frontmatter lines included.

The types every command needs (the walk, a refresh, its report) are defined here; the
scanner's output types live in :mod:`vaultkit.model_parse`, the query answers in
:mod:`vaultkit.model_results`, ``check``'s in :mod:`vaultkit.model_check` and the graph's in
:mod:`vaultkit.model_graph`, made only when a command needs them. Every name stays importable
from here.

The types here and the query answers are named tuples: immutable, compared and hashed by
value, read by field name (``_asdict()`` gives a dict). A named tuple class costs ~0.1 ms
to make, a frozen dataclass ~0.7 ms plus ~5 ms to load :mod:`dataclasses` once, and a
query's whole run is ~60 ms.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class FileStat(NamedTuple):
    """A vault file as found on disk by the walk (100k of them for a 100k-file vault)."""

    path: str
    mtime_ns: int
    size: int
    is_note: bool


class RefreshStats(NamedTuple):
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


class FileProblem(NamedTuple):
    """A problem in a vault file: bad frontmatter, unreadable, not UTF-8, binary, ..."""

    path: str
    code: str
    message: str
    line: int = 1
    column: int = 1


class LinkRef(NamedTuple):
    """A link identified by where it is written."""

    source: str
    line: int
    column: int
    text: str
    target: str
    resolved: str | None = None


class Stats(NamedTuple):
    notes: int
    attachments: int
    links: int
    resolved: int
    unresolved: int
    tags: int
    orphans: int
    most_linked: tuple[tuple[str, int], ...] = ()
    problems: int = 0


class PathBatch(NamedTuple):
    """Vault paths that file-system events named since the last refresh (``watch``)."""

    files: frozenset[str] = frozenset()
    folders: frozenset[str] = frozenset()  # created, deleted or moved: walk just these
    written: frozenset[str] = frozenset()  # re-read even when (mtime_ns, size) look the same
    full: bool = False  # events were lost or not understood: walk the whole vault


class RefreshReport(NamedTuple):
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
