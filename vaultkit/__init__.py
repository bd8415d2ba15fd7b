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
from .model import FileProblem, LinkRef, RefreshStats, Stats

if TYPE_CHECKING:
    from .model_parse import Block, Heading, Link, Note, Problem, Tag
    from .model_results import Backlink, NotePath, OutLink, TagCount, Unresolved
    from .parse import parse_note
    from .resolve import Resolver
    from .vault import Vault

__version__ = "0.1.0"

__all__ = [
    "AmbiguousNote", "Backlink", "Block", "FileProblem", "Heading", "Link", "LinkRef", "Note",
    "NoteNotFound", "NotePath", "OutLink", "Problem", "RefreshStats", "Resolver", "Stats", "Tag",
    "TagCount", "Unresolved", "UsageError", "Vault", "VaultkitError", "parse_note",
]

_LAZY = {"Vault": "vault", "parse_note": "parse", "Resolver": "resolve",
         **dict.fromkeys(("Block", "Heading", "Link", "Note", "Problem", "Tag"), "model_parse"),
         **dict.fromkeys(("Backlink", "NotePath", "OutLink", "TagCount", "Unresolved"),
                         "model_results")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
