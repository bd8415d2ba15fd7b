"""vaultkit: a fast, exact indexer for Obsidian-style Markdown vaults.

The public Python API::

    from vaultkit import Vault, parse_note
    vault = Vault.open("path/to/vault")
    vault.backlinks("Cohere")

Heavy modules load on first use, so ``import vaultkit`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import AmbiguousNote, NoteNotFound, UsageError, VaultkitError
from .model import (
    Backlink,
    Block,
    FileProblem,
    Heading,
    Link,
    LinkRef,
    Note,
    NotePath,
    OutLink,
    Problem,
    RefreshStats,
    Stats,
    Tag,
    TagCount,
    Unresolved,
)

if TYPE_CHECKING:
    from .parse import parse_note
    from .resolve import Resolver
    from .vault import Vault

__version__ = "0.1.0"

__all__ = [
    "AmbiguousNote", "Backlink", "Block", "FileProblem", "Heading", "Link", "LinkRef", "Note",
    "NoteNotFound", "NotePath", "OutLink", "Problem", "RefreshStats", "Resolver", "Stats", "Tag",
    "TagCount", "Unresolved", "UsageError", "Vault", "VaultkitError", "parse_note",
]

_LAZY = {"Vault": "vault", "parse_note": "parse", "Resolver": "resolve"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
