"""Walk a vault and read its files safely. The only module that reads notes from disk.

Rules (spec section 10): names starting with ``.`` are hidden and never walked
(``.obsidian/``, ``.git/``, ``.vaultkit/``, ``.trash/``); ``*.md`` (any case) files are
notes, every other file is an attachment that links can point at. Symlinked folders are
not followed (Obsidian ignores symlinks into the same vault, and following them risks
loops and leaving the vault); a symlinked file is used only when its real path lies
inside the vault.
"""

from __future__ import annotations

import json
import os
import re
import stat as stat_mod
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .model import FileStat

BINARY_SNIFF = 8192


def is_note_path(path: str) -> bool:
    return path[-3:].lower() == ".md"


# Editors' scratch files are neither notes nor attachments, for the walk and ``watch`` alike:
# vim's write test ``4913``, backups ``x~``, swap files, Emacs ``.#x``/``#x#``, JetBrains'
# safe-write files, Office's ``~$x``, and the ``*.tmp`` of write-temp-then-rename saves.
EDITOR_TEMP_NAMES = frozenset({"4913"})
EDITOR_TEMP_SUFFIXES = ("~", ".swp", ".swx", ".tmp", "___jb_tmp___", "___jb_old___")
EDITOR_TEMP_PREFIXES = (".#", "~$")


def is_temp_name(name: str) -> bool:
    """Is this file name an editor's temporary, swap or backup file?"""
    low = name.lower()
    return (low in EDITOR_TEMP_NAMES or low.endswith(EDITOR_TEMP_SUFFIXES)
            or name.startswith(EDITOR_TEMP_PREFIXES)
            or (len(name) > 2 and name[0] == "#" and name[-1] == "#"))


@dataclass(frozen=True, slots=True)
class WalkWarning:
    path: str
    message: str


def walk(root: Path, warn: Callable[[WalkWarning], None] | None = None) -> dict[str, FileStat]:
    """Every visible file under ``root`` keyed by its vault-relative ``/`` path."""
    out: dict[str, FileStat] = {}
    real_root = os.path.realpath(root)
    for rel, st in _walk_dir(str(root), "", real_root, warn):
        out[rel] = FileStat(rel, st.st_mtime_ns, st.st_size, is_note_path(rel))
    return out


def _walk_dir(
    top: str, prefix: str, real_root: str, warn: Callable[[WalkWarning], None] | None
) -> Iterator[tuple[str, os.stat_result]]:
    try:
        entries = list(os.scandir(top))
    except OSError as exc:
        if warn is not None:
            warn(WalkWarning(prefix.rstrip("/") or ".", f"cannot list folder: {exc.strerror}"))
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        rel = prefix + name
        try:
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not target.startswith(real_root + os.sep) or os.path.isdir(target):
                    continue
                st = os.stat(entry.path)
            elif entry.is_dir(follow_symlinks=False):
                yield from _walk_dir(entry.path, rel + "/", real_root, warn)
                continue
            else:
                st = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # vanished while walking, or a broken link: simply not there
        if stat_mod.S_ISREG(st.st_mode) and not is_temp_name(name):
            yield rel, st


# --- targeted look-ups for ``watch``: the same rules as walk, for a few paths ------------

CASE_INSENSITIVE_FS = sys.platform in ("darwin", "win32")  # check names' case by listing


def stat_path(root: Path, rel: str, real_root: str | None = None) -> FileStat | None:
    """The file at vault path ``rel`` as :func:`walk` would find it, or None if walk would
    not (missing, hidden, an editor temp file, under a symlinked folder, not a file)."""
    parts = rel.split("/")
    if any(not p or p.startswith(".") for p in parts) or is_temp_name(parts[-1]):
        return None
    real_root = real_root or os.path.realpath(root)
    full = os.path.join(root, *parts)
    if os.path.realpath(os.path.dirname(full)) != os.path.join(real_root, *parts[:-1]):
        return None  # walk does not enter symlinked folders
    try:
        st = os.lstat(full)
        if stat_mod.S_ISLNK(st.st_mode):
            target = os.path.realpath(full)
            if not target.startswith(real_root + os.sep) or os.path.isdir(target):
                return None
            st = os.stat(full)
    except OSError:
        return None
    if not stat_mod.S_ISREG(st.st_mode) or not _exact_name(full):
        return None
    return FileStat(rel, st.st_mtime_ns, st.st_size, is_note_path(rel))


def walk_folder(root: Path, folder: str) -> dict[str, FileStat]:
    """Every file :func:`walk` would find under vault folder ``folder`` ({} if none)."""
    parts = folder.split("/")
    if any(not p or p.startswith(".") for p in parts):
        return {}
    real_root = os.path.realpath(root)
    full = os.path.join(root, *parts)
    if (not os.path.isdir(full) or os.path.realpath(full) != os.path.join(real_root, *parts)
            or os.path.islink(full) or not _exact_name(full)):
        return {}
    return {rel: FileStat(rel, st.st_mtime_ns, st.st_size, is_note_path(rel))
            for rel, st in _walk_dir(full, folder + "/", real_root, None)}


def _exact_name(full: str) -> bool:
    """On a case-insensitive file system, is the last name spelled as on disk?"""
    if not CASE_INSENSITIVE_FS:
        return True
    try:
        return os.path.basename(full) in os.listdir(os.path.dirname(full))
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class ReadResult:
    text: str | None  # None when the file could not be used as text
    problem: str | None = None  # code of the problem, e.g. "bad-encoding"
    message: str = ""


def read_note(path: Path) -> ReadResult:
    """Read a note as text. Never raises for content or a file that vanished."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ReadResult(None, "vanished", "file disappeared while scanning")
    except OSError as exc:
        return ReadResult(None, "unreadable", f"cannot read file: {exc.strerror or exc}")
    return decode(data)


def decode(data: bytes) -> ReadResult:
    """Bytes to text: UTF-8 (BOM dropped), UTF-16 with a BOM; binary is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return ReadResult(data.decode("utf-16"), None)
        except UnicodeDecodeError:
            return ReadResult(None, "bad-encoding", "invalid UTF-16 text")
    if b"\x00" in data[:BINARY_SNIFF]:
        return ReadResult(None, "binary-file", "file looks binary (NUL bytes); not parsed")
    try:
        return ReadResult(data.decode("utf-8"), None)
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        return ReadResult(
            text, "bad-encoding", f"not valid UTF-8 (byte {exc.start}); read with replacements"
        )


# --- Excluded files (.obsidian/app.json userIgnoreFilters), spec section 10 rule 3 -------


def load_ignore_filters(root: Path) -> list[str]:
    """The raw ``userIgnoreFilters`` entries, or [] when absent or unreadable."""
    try:
        data = json.loads((root / ".obsidian" / "app.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    filters = data.get("userIgnoreFilters") if isinstance(data, dict) else None
    if not isinstance(filters, list):
        return []
    return [f for f in filters if isinstance(f, str)]


def excluder(filters: list[str]) -> Callable[[str], bool]:
    """A predicate: is this vault path excluded by the filters?"""
    prefixes: list[str] = []
    patterns: list[re.Pattern[str]] = []
    for raw in filters:
        entry = raw.strip()
        if len(entry) > 2 and entry.startswith("/") and entry.endswith("/"):
            try:
                patterns.append(re.compile(entry[1:-1], re.IGNORECASE))
            except re.error:
                continue  # Obsidian ignores an invalid pattern too
        elif entry:
            prefixes.append(entry.lower())

    def excluded(path: str) -> bool:
        low = path.lower()
        return any(low.startswith(p) for p in prefixes) or any(p.search(path) for p in patterns)

    return excluded
