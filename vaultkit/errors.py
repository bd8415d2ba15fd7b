"""Environment failures. Content problems are values (:class:`~vaultkit.model.Problem`)."""

from __future__ import annotations


class VaultkitError(Exception):
    """A failure the user must act on; the CLI prints it as one line (exit 3)."""

    exit_code = 3


class UsageError(VaultkitError):
    """The user asked for something that does not exist or is ambiguous (exit 2)."""

    exit_code = 2


class NoteNotFound(UsageError):
    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no note matches {query!r}.{hint}")


class AmbiguousNote(UsageError):
    def __init__(self, query: str, candidates: list[str]) -> None:
        self.query = query
        self.candidates = candidates
        super().__init__(
            f"{query!r} matches several notes: {', '.join(candidates)}; give a path instead"
        )


class IndexError_(VaultkitError):
    """The index could not be opened or written."""
