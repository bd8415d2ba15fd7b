"""The facade people import: ``Vault.open(path)`` then ask it questions.

>>> from vaultkit import Vault
>>> vault = Vault.open("vault")          # finds or builds the index, refreshes it
>>> [b.source for b in vault.backlinks("Cohere")]
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections import Counter, defaultdict
from pathlib import Path

from . import queries as q
from .errors import AmbiguousNote, NoteNotFound, VaultkitError
from .index import Index, IndexCorrupt
from .model import (
    Backlink,
    FileProblem,
    NotePath,
    OutLink,
    RefreshStats,
    Stats,
    TagCount,
    Unresolved,
)
from .refresh import Progress, refresh
from .resolve import Suggester, name_key

INDEX_DIR = ".vaultkit"
INDEX_FILE = "index.db"
ENV_VAULT = "VAULTKIT_VAULT"


def discover(vault: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path:
    """The vault root: ``vault``, else $VAULTKIT_VAULT, else the nearest folder upwards
    holding ``.obsidian/``, else the current folder."""
    chosen = vault if vault not in (None, "") else os.environ.get(ENV_VAULT) or None
    if chosen is not None:
        root = Path(chosen).expanduser()
        if not root.exists():
            raise VaultkitError(f"vault folder not found: {root}")
        if not root.is_dir():
            raise VaultkitError(f"not a folder: {root}")
        return root.resolve()
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".obsidian").is_dir():
            return folder
    return here


class Vault:
    """One vault and its index."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.index_path = root / INDEX_DIR / INDEX_FILE
        self.notices: list[str] = []  # things the user should hear about (index rebuilt)
        self.index = self._open_index()

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, refresh: bool = True,
        progress: Progress | None = None,
    ) -> Vault:
        vault = cls(discover(path))
        if refresh:
            vault.refresh(progress)
        return vault

    def _open_index(self) -> Index:
        try:
            return Index(self.index_path)
        except IndexCorrupt as exc:
            self.notices.append(f"{exc}; rebuilding the index")
            self._delete_index()
            return Index(self.index_path)
        except OSError as exc:
            raise VaultkitError(f"cannot open the index at {self.index_path}: {exc}") from exc

    def _delete_index(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{self.index_path}{suffix}")

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- keeping the index current -----------------------------------------------------

    def refresh(self, progress: Progress | None = None) -> RefreshStats:
        """Re-read what changed on disk since the last refresh."""
        stats = refresh(self.root, self.index, progress)
        if self.index.created:
            stats = _replace_rebuilt(stats)
            self.index.created = False
        return stats

    def rebuild(self, progress: Progress | None = None) -> RefreshStats:
        """Forget the index and read every file again."""
        self.index.close()
        shutil.rmtree(self.index_path.parent, ignore_errors=True)
        self.index = Index(self.index_path)
        return self.refresh(progress)

    # --- finding a note ----------------------------------------------------------------

    def find(self, query: str) -> str:
        """The vault path of the file ``query`` names: a path, a name as in a link (case
        does not matter, ``.md`` optional), or an alias. Raises NoteNotFound or
        AmbiguousNote (both usage errors)."""
        text = query.strip().replace("\\", "/").strip("/")
        if text.startswith("[[") and text.endswith("]]"):
            text = text[2:-2].split("|", 1)[0].split("#", 1)[0]
        last = name_key(text)
        paths = q.files_by_name(self.index, (last, last + ".md")) if last else []
        low = text.lower()
        exact = [p for p in paths if p.lower() in (low, low + ".md")]
        if len(exact) == 1:
            return exact[0]
        if "/" in text:
            paths = [p for p in paths if p.lower().endswith(("/" + low, "/" + low + ".md"))]
        if len(paths) == 1:
            return paths[0]
        if len(paths) > 1:
            raise AmbiguousNote(query, paths)
        by_alias = q.notes_by_alias(self.index, low)
        if len(by_alias) == 1:
            return by_alias[0]
        if by_alias:
            raise AmbiguousNote(query, by_alias)
        raise NoteNotFound(query, self.suggester().suggest(text))

    def suggester(self) -> Suggester:
        return Suggester(q.all_paths(self.index), q.all_aliases(self.index))

    # --- queries -----------------------------------------------------------------------

    def backlinks(self, note: str) -> list[Backlink]:
        return [
            Backlink(src, line, col, text, ctx, bool(embed), kind)
            for src, line, col, text, ctx, embed, kind in q.backlinks(self.index, self.find(note))
        ]

    def links(self, note: str) -> list[OutLink]:
        return [
            OutLink(line, col, text, target, resolved, bool(embed), subpath, kind)
            for line, col, text, target, resolved, embed, subpath, kind
            in q.outgoing(self.index, self.find(note))
        ]

    def orphans(self, isolated: bool = False) -> list[NotePath]:
        return [NotePath(p) for p in q.orphans(self.index, isolated)]

    def unresolved(self, suggestions: bool = True) -> list[Unresolved]:
        rows = q.unresolved(self.index)
        suggest: dict[str, tuple[str, ...]] = {}
        if suggestions and rows:
            suggester = self.suggester()
            for target in {r[4] for r in rows}:
                suggest[target] = tuple(suggester.suggest(target))
        return [
            Unresolved(src, line, col, text, target, bool(embed), suggest.get(target, ()))
            for src, line, col, text, target, embed in rows
        ]

    def tags(self) -> list[TagCount]:
        """Every tag with the number of notes carrying it or a tag nested under it."""
        files: dict[str, set[int]] = defaultdict(set)
        casing: dict[str, Counter[str]] = defaultdict(Counter)
        for fid, name in q.tag_rows(self.index):
            parts = name.split("/")
            for depth in range(1, len(parts) + 1):
                variant = "/".join(parts[:depth])
                key = variant.lower()
                files[key].add(fid)
                casing[key][variant] += 1
        out = [TagCount(_most_common(casing[key]), len(fids)) for key, fids in files.items()]
        return sorted(out, key=lambda t: (-t.count, t.tag.lower()))

    def tagged(self, tag: str) -> list[NotePath]:
        """Notes carrying ``tag`` or a tag nested under it."""
        return [NotePath(p) for p in q.tagged(self.index, tag.lstrip("#").lower())]

    def problems(self) -> list[FileProblem]:
        return [FileProblem(*row) for row in q.problems(self.index)]

    def stats(self, top: int = 10) -> Stats:
        c = q.counts(self.index)
        return Stats(
            notes=c["notes"], attachments=c["attachments"], links=c["links"],
            resolved=c["resolved"], unresolved=c["links"] - c["resolved"],
            tags=len(self.tags()), orphans=len(q.orphans(self.index)),
            most_linked=tuple((p, int(n)) for p, n in q.most_linked(self.index, top)),
            problems=c["problems"],
        )


def _most_common(variants: Counter[str]) -> str:
    """The casing used most often; ties go to the first in sorted order."""
    return min(variants.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _replace_rebuilt(stats: RefreshStats) -> RefreshStats:
    from dataclasses import replace

    return replace(stats, rebuilt=True)
