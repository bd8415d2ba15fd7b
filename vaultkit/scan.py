"""Walk a vault and read its files safely. The only module that reads notes from disk.

Rules (spec section 10): names starting with ``.`` are hidden and never walked
(``.obsidian/``, ``.git/``, ``.vaultkit/``, ``.trash/``); ``*.md`` (any case) files are
notes, every other file is an attachment that links can point at. Symlinked folders are
not followed (Obsidian ignores symlinks into the same vault, and following them risks
loops and leaving the vault); a symlinked file is used only when its real path lies
inside the vault. ``follow_symlinks`` lifts the second rule for targets outside the vault.
Names that are not UTF-8, broken symlinks, symlink loops, links leaving the vault and
folders that cannot be listed are reported as :class:`WalkWarning` and skipped.
See docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import operator
import os
import re
import stat as stat_mod
import sys
from collections.abc import Callable, Iterator
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

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


class WalkWarning(NamedTuple):
    path: str
    message: str
    code: str = "unreadable"  # or "bad-symlink", "bad-name"


Warn = Callable[[WalkWarning], None]


def walk(root: Path, warn: Warn | None = None, follow_symlinks: bool = False,
         split: bool = False) -> dict[str, FileStat]:
    """Every visible file under ``root`` keyed by its vault-relative ``/`` path.

    ``follow_symlinks``: also enter symlinked folders and use symlinked files whose real
    path lies outside the vault (``[scan] follow_symlinks`` in ``.vaultkit.toml``); a
    folder already being walked is never entered again, so links cannot loop.
    ``split``: the vault is large, share the walk with a second process if that can be
    done (:mod:`vaultkit._splitwalk`); the answer is the same."""
    walked = _split(root, warn, follow_symlinks) if split else None
    if walked is not None:
        return by_path(walked)
    make = tuple.__new__  # FileStat(...) without the named tuple's Python-level __new__
    with no_gc():  # 100k tuples and no cycle: the collector would only walk them, again
        return {rel: make(FileStat, (rel, st.st_mtime_ns, st.st_size, note))
                for rel, st, note in Walker(root, warn, follow_symlinks).files(str(root), "")}


def _split(root: Path, warn: Warn | None, follow_symlinks: bool) -> Columns | None:
    """The walk shared by two processes, or None when it cannot be (then walk alone)."""
    if follow_symlinks:  # links may lead anywhere: only one walk knows what it met first
        return None
    from . import _splitwalk

    if not _splitwalk.can_split():
        return None
    with no_gc():
        return _splitwalk.walk_columns(str(root), warn)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """The garbage collector off for a while: what is made meanwhile (rows, a walk's
    tuples) holds no cycles, and the collector would only walk it again and again."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Columns(NamedTuple):
    """A walk by column, in walk order: what :func:`walk` finds without a tuple per file
    (for a process that only digests the walk or sends it on)."""

    paths: list[str]
    mtimes: list[int]
    sizes: list[int]
    notes: list[bool]


def by_path(walked: Columns) -> dict[str, FileStat]:
    """A walk by column as :func:`walk` gives it: each file's FileStat by its path."""
    with no_gc():  # FileStat(...) without the named tuple's Python-level __new__
        stats = map(tuple.__new__, repeat(FileStat), zip(*walked, strict=True))
        return dict(zip(walked.paths, stats, strict=True))


def walk_columns(root: Path, warn: Warn | None = None, follow_symlinks: bool = False,
                 split: bool = False) -> Columns:
    """:func:`walk`'s files, in its order, by column."""
    if split and (shared := _split(root, warn, follow_symlinks)) is not None:
        return shared
    walked = Columns([], [], [], [])
    path, mtime, size, note = (c.append for c in walked)
    with no_gc():
        for rel, st, is_note in Walker(root, warn, follow_symlinks).files(str(root), ""):
            path(rel)
            mtime(st.st_mtime_ns)
            size(st.st_size)
            note(is_note)
    return walked


def printable(path: str) -> str:
    """A name from the file system as text that can be stored and printed: bytes that are
    not UTF-8 (surrogate escapes) as ``\\xNN``."""
    if _SURROGATE.search(path):
        path = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


_SURROGATE = re.compile("[\ud800-\udfff]")
_NAME = operator.attrgetter("name")
_SCANDIR_FD = os.scandir in os.supports_fd  # POSIX
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


class Walker:
    """The walk's rules. Folders go on an explicit stack (any depth is fine), in name
    order, and each folder's (st_dev, st_ino) is remembered: a folder met again (a
    symlink or bind mount looping back, two links to one folder) is skipped."""

    def __init__(self, root: Path | str, warn: Warn | None, follow: bool) -> None:
        self.real_root = os.path.realpath(root)
        self.warn = warn
        self.follow = follow
        self.seen: dict[tuple[int, int], str] = {}  # folder (st_dev, st_ino) -> vault path

    def _warn(self, rel: str, message: str, code: str = "unreadable") -> None:
        if self.warn is not None:
            self.warn(WalkWarning(printable(rel), message, code))

    def files(self, top: str, prefix: str) -> Iterator[tuple[str, os.stat_result, bool]]:
        """(vault path, stat, is it a note) of every file under ``top``."""
        try:
            st = os.stat(top)
        except OSError:
            return
        self.seen[(st.st_dev, st.st_ino)] = prefix.rstrip("/")
        stack = [(top, prefix)]
        while stack:
            folder, pre = stack.pop()
            subfolders: list[tuple[str, str]] = []
            fd, entries = self.entries(folder, pre)
            try:
                yield from self.scan(folder, pre, entries, subfolders)
            finally:
                if fd is not None:
                    os.close(fd)
            stack.extend(reversed(subfolders))

    def scan(self, folder: str, pre: str, entries: list[os.DirEntry[str]],
             subfolders: list[tuple[str, str]]) -> Iterator[tuple[str, os.stat_result, bool]]:
        """(vault path, stat, is it a note) of the files among ``entries`` (of ``folder``,
        at vault path ``pre``), in their order; the folders to enter go to ``subfolders``."""
        for entry in entries:
            name = entry.name
            rel = pre + name
            try:
                if entry.is_file(follow_symlinks=False):  # the common case, in short
                    note = name[-3:].lower() == ".md"  # is_note_path, inlined
                    # a note can only be an editor's file as Office's "~$x.md"
                    if (not note or name[:2] == "~$") and is_temp_name(name):
                        continue
                    yield rel, entry.stat(follow_symlinks=False), note
                    continue
                found = self._classify(entry, f"{folder}{os.sep}{name}", rel)
            except FileNotFoundError:
                continue  # vanished while walking: simply not there
            except OSError as exc:  # a path longer than PATH_MAX, ...
                self._warn(rel, f"cannot read: {exc.strerror or exc}; skipped")
                continue
            if found is None:
                continue
            if stat_mod.S_ISDIR(found.st_mode):
                if self.enter(found, rel):
                    subfolders.append((f"{folder}{os.sep}{name}", rel + "/"))
            elif stat_mod.S_ISREG(found.st_mode):
                if not is_temp_name(name):
                    yield rel, found, is_note_path(name)
            elif is_note_path(rel):
                self._warn(rel, "not a regular file (a FIFO, socket or device); skipped")

    def entries(self, folder: str, pre: str) -> tuple[int | None, list[os.DirEntry[str]]]:
        """A folder's visible entries in name order, and the open folder they are read
        through (POSIX), which the caller closes: the entries' stat() is then a lookup of
        one name in it (fstatat), ~10% faster than of a whole path."""
        fd = None
        try:
            if _SCANDIR_FD:
                fd = os.open(folder, _DIR_FLAGS)
            with os.scandir(folder if fd is None else fd) as it:
                entries = sorted(it, key=_NAME)
        except OSError as exc:
            if fd is not None:
                os.close(fd)
            if not isinstance(exc, FileNotFoundError):  # deleted while walking: not there
                self._warn(pre.rstrip("/") or ".", f"cannot list folder: {exc.strerror or exc}")
            return None, []
        out = [e for e in entries if e.name[0] != "."]
        if _SURROGATE.search("".join(e.name for e in out)):  # rare: look again, one by one
            for entry in [e for e in out if _SURROGATE.search(e.name)]:
                self._warn(pre + entry.name, "file name is not valid UTF-8; skipped", "bad-name")
                out.remove(entry)
        return fd, out

    def _classify(self, entry: os.DirEntry[str], path: str, rel: str
                  ) -> os.stat_result | None:
        """The stat of what ``entry`` (at ``path``) stands for, or None when the walk does
        not use it."""
        if not entry.is_symlink():
            return entry.stat(follow_symlinks=False)
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self._warn(rel, "symbolic link loop; skipped", "bad-symlink")
            elif exc.errno == errno.ENOENT and os.path.lexists(path):
                self._warn(rel, f"broken symbolic link to {printable(os.readlink(path))}",
                           "bad-symlink")
            elif exc.errno != errno.ENOENT:
                self._warn(rel, f"cannot follow symbolic link: {exc.strerror or exc}")
            return None
        target = os.path.realpath(path)
        inside = target == self.real_root or target.startswith(self.real_root + os.sep)
        folder = stat_mod.S_ISDIR(st.st_mode)
        if inside:  # Obsidian ignores symlinked folders into the same vault
            return None if folder else st
        if not self.follow:
            what = "folder" if folder else "file"
            self._warn(rel, f"symbolic link to a {what} outside the vault; not followed"
                       " (set [scan] follow_symlinks = true in .vaultkit.toml)", "bad-symlink")
            return None
        return st

    def enter(self, st: os.stat_result, rel: str) -> bool:
        key = (st.st_dev, st.st_ino)
        met = self.seen.get(key)
        if met is None:
            self.seen[key] = rel
            return True
        if met == "" or rel.startswith(met + "/"):
            self._warn(rel, f"folder loop: this is {met or 'the vault folder'} again; skipped",
                       "bad-symlink")
        else:
            self._warn(rel, f"the same folder as {printable(met)}; skipped", "bad-symlink")
        return False


# --- targeted look-ups for ``watch``: the same rules as walk, for a few paths ------------

CASE_INSENSITIVE_FS = sys.platform in ("darwin", "win32")  # check names' case by listing


def stat_path(root: Path, rel: str, real_root: str | None = None) -> FileStat | None:
    """The file at vault path ``rel`` as :func:`walk` would find it, or None if walk would
    not (missing, hidden, an editor temp file, under a symlinked folder, not a file)."""
    parts = rel.split("/")
    if (any(not p or p.startswith(".") for p in parts) or is_temp_name(parts[-1])
            or _SURROGATE.search(rel)):
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
    return {rel: FileStat(rel, st.st_mtime_ns, st.st_size, note)
            for rel, st, note in Walker(root, None, False).files(full, folder + "/")}


def _exact_name(full: str) -> bool:
    """On a case-insensitive file system, is the last name spelled as on disk?"""
    if not CASE_INSENSITIVE_FS:
        return True
    try:
        return os.path.basename(full) in os.listdir(os.path.dirname(full))
    except OSError:
        return False


class ReadResult(NamedTuple):
    text: str | None  # None when the file could not be used as text
    problem: str | None = None  # code of the problem, e.g. "bad-encoding"
    message: str = ""


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def read_note(path: Path) -> ReadResult:
    """Read a note as text. Never raises for content or a file that vanished, and never
    blocks: a file replaced by a FIFO, a device or a folder since the walk counts as gone."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return ReadResult(None, "vanished", "file disappeared while scanning")
    except OSError as exc:
        return ReadResult(None, "unreadable", f"cannot read file: {exc.strerror or exc}")
    try:
        st = os.fstat(fd)
        if not stat_mod.S_ISREG(st.st_mode):
            return ReadResult(None, "vanished", "no longer a regular file")
        # os.read, not a file object (~40% of reading a small note); asking for one byte
        # more than the size makes a read that stops short the last one
        chunks: list[bytes] = []
        want = st.st_size + 1
        while chunk := os.read(fd, want):
            chunks.append(chunk)
            if len(chunk) < want:
                break
            want = 1 << 20  # it grew since the stat: read on to its end
        data = b"".join(chunks)  # one chunk: that very object, not a copy
    except OSError as exc:
        return ReadResult(None, "unreadable", f"cannot read file: {exc.strerror or exc}")
    finally:
        os.close(fd)
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
