"""``Note``, what :func:`vaultkit.parse_note` returns: a frozen dataclass, in a module of
its own so that only code asking for a ``Note`` loads :mod:`dataclasses` (a refresh reads
notes as :class:`vaultkit.model_parse.NoteParts`). Importable from
:mod:`vaultkit.model_parse` and :mod:`vaultkit` as before."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model_parse import Block, Heading, Link, Problem, Tag


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
