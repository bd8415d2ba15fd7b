"""What the query commands answer (:class:`vaultkit.Vault`): frozen values, made on first
use; named tuples, like :mod:`vaultkit.model`'s. ``check``'s answers are in
:mod:`vaultkit.model_check`, the graph's and mentions' in :mod:`vaultkit.model_graph`: a
command builds only the types it answers with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .model_parse import LinkKind


class Backlink(NamedTuple):
    source: str
    line: int
    column: int
    text: str
    context: str
    embed: bool = False
    kind: LinkKind = "wiki"


class OutLink(NamedTuple):
    line: int
    column: int
    text: str
    target: str
    resolved: str | None
    embed: bool
    subpath: str = ""
    kind: LinkKind = "wiki"


class Unresolved(NamedTuple):
    source: str
    line: int
    column: int
    text: str
    target: str
    embed: bool
    suggestions: tuple[str, ...] = ()


class TagCount(NamedTuple):
    tag: str
    count: int


class NotePath(NamedTuple):
    path: str
