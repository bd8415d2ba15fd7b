"""What the query commands answer (:class:`vaultkit.Vault`): frozen values, made on first
use. ``check``'s answers are in :mod:`vaultkit.model_check`, the graph's and mentions' in
:mod:`vaultkit.model_graph`: a command builds only the types it answers with (a frozen
dataclass costs ~0.7 ms to make).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

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
