"""What the graph and unlinked-mention commands answer (:mod:`vaultkit.graph`,
:mod:`vaultkit.mentions`): frozen values (see :mod:`vaultkit.model_results`)."""

from __future__ import annotations

from dataclasses import dataclass


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
