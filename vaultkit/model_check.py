"""What ``vaultkit check`` answers: frozen values (see :mod:`vaultkit.model_results`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
