"""The walk of a large vault shared by two processes (Linux, 2+ cores).

A walk's cost is one ``stat`` per file, and the system calls of two processes run side by
side. This process opens the top folders first, breadth first, until it holds enough
pieces of work to share: the files of an opened folder, in chunks, and the subtrees under
it. It then forks; both processes take pieces from one pipe of tickets (so the one that
finishes a piece first takes the next), and the forked one sends what it found back. The
pieces are put together in walk order, so the result is exactly :func:`scan.walk_columns`'s.
Beside a question (:mod:`vaultkit.overlap`), which this process answers first, it is the
other way round: this process sends the pieces it walked once answered (the last few,
usually), and the forked one puts the walk together and checks it against the index's.

Whenever that cannot be promised the caller walks alone: a folder met twice (a bind
mount; symlinked folders are never entered here, as ``follow_symlinks`` is off), an error
while planning, the forked process failing.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import stat as stat_mod
import sys
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple

from ._pipe import read_all, send_and_exit, write_all
from .scan import Columns, Walker, WalkWarning, Warn

ENABLED = True  # tests turn it off to compare with the walk of one process
CHUNK = 1000  # files of one folder to stat as one piece
PIECES = 16  # open folders until there are this many subtrees to share
MAX_OPENED = 64  # but open no more folders than this
MAX_PIECES = 16000  # a 4-byte ticket each, all in a pipe's buffer (64 KiB) at once
_TICKET = 4
_PIECES, _SAME = "pieces", "same"  # what the forked process sends back

Piece = list[Any]  # ["w", warnings] | ["f", folder, vault path, entries] | ["t", folder, path]
Found = tuple[list[str], list[int], list[int], list[bool], list[tuple[str, str, str]],
              list[tuple[int, int]]]  # columns, warnings, keys of the folders entered


class Same(NamedTuple):
    """What :meth:`SharedWalk.finish` gives when the forked process walked it all and
    found it as the caller expected: no need to send the walk over."""

    files: int  # how many files it found
    warnings: list[WalkWarning]


class _Alone(Exception):
    """The walk cannot be shared and stay exact: walk in one process."""


def can_split() -> bool:
    """Fork (Linux: elsewhere fork without exec is unsafe or missing), no other thread
    (a fork copies only this one; a thread's locks would stay held) and a second core."""
    threading = sys.modules.get("threading")  # never loaded: no thread started through it
    if (not ENABLED or not sys.platform.startswith("linux")
            or (threading is not None and threading.active_count() > 1)):
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):  # pragma: no cover - Linux has it
        return False


def walk_columns(root: str, warn: Warn | None) -> Columns | None:
    """:func:`scan.walk_columns` of ``root`` (symlinked folders not followed), walked by two
    processes; None when it is better, or only exact, walked by one."""
    shared = SharedWalk.plan(root)
    if shared is None:
        return None
    try:
        return shared.finish(warn) if shared.start() else None
    finally:
        shared.close()


class SharedWalk:
    """A walk planned in this process (:meth:`plan`), begun by a forked one
    (:meth:`start`), which this process joins when it has time (:meth:`finish`)."""

    def __init__(self, walker: Walker, pieces: list[Piece], fds: list[int]) -> None:
        self.walker = walker
        self.pieces = pieces
        self.fds = fds
        self.keys = list(walker.seen)  # the folders opened to plan (pieces reuse the walker)
        self.pid = 0
        # the pipes: tickets (both take pieces from it), back (the forked process's
        # message) and, when that process puts the walk together, over (this one's pieces)
        self.tickets = self.back = self.over = -1

    @classmethod
    def plan(cls, root: str) -> SharedWalk | None:
        """The walk of ``root`` cut into pieces; None when it cannot be shared."""
        walker = Walker(root, None, False)
        fds: list[int] = []
        try:
            pieces = _plan(walker, root, fds)
        except (_Alone, OSError):
            pieces = []
        if not 2 <= len(pieces) <= MAX_PIECES:
            _close(fds)
            return None
        return cls(walker, pieces, fds)

    def start(self, expected: Callable[[Columns], bool] | None = None) -> bool:
        """Fork the process that walks pieces until none is left (False: it could not
        be started). With ``expected``, that process puts the walk together, with the
        pieces this one walked (:meth:`finish`), and if ``expected(walk)`` holds it sends
        back just that (:class:`Same`); else it sends the pieces it walked."""
        # subtrees first: their sizes are unknown; the chunks of at most CHUNK files after
        # them, to even out the end
        pieces = self.pieces
        order = sorted(range(len(pieces)), key=lambda i: pieces[i][0] != "t")
        back_w = over_r = -1
        try:
            self.tickets, tickets_w = os.pipe()
            try:
                os.write(tickets_w, b"".join(i.to_bytes(_TICKET, "little") for i in order))
            finally:
                os.close(tickets_w)
            self.back, back_w = os.pipe()
            if expected is not None:
                over_r, self.over = os.pipe()
            for stream in (sys.stdout, sys.stderr):
                stream.flush()  # nothing buffered twice
            pid = os.fork()
        except OSError:  # out of descriptors or processes: walk alone
            _close([fd for fd in (back_w, over_r) if fd >= 0])
            return False
        if pid == 0:  # pragma: no cover - runs in the forked process (coverage misses it)
            _close([fd for fd in (self.back, self.over) if fd >= 0])
            _walk_and_send(self, back_w, over_r, expected)
        self.pid = pid
        _close([fd for fd in (back_w, over_r) if fd >= 0])
        return True

    def finish(self, warn: Warn | None) -> Columns | Same | None:
        """Walk the pieces still left here too, then put the walk together from both
        processes' pieces; None when it was not walked whole and exact (walk alone).
        When the forked process puts it together (see :meth:`start`), the pieces walked
        here are sent over (fewer than it walked, if this process had a question to
        answer first) and it may answer :class:`Same`."""
        mine: dict[int, Found] = {}
        try:
            for i in _tickets(self.tickets):
                mine[i] = _do(self.walker, self.pieces[i])
        except _Alone:
            return None
        if self.over >= 0:
            try:
                if mine:
                    write_all(self.over, marshal.dumps(mine, 2))
            except OSError:  # it ended early: what it sent, if anything, says why
                pass
            finally:
                os.close(self.over)
                self.over = -1
        data = read_all(self.back)
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if status != 0:
            return None
        try:
            kind, found = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None
        if kind == _SAME:
            files, warnings = found
            return Same(files, [WalkWarning(*w) for w in warnings])
        mine.update(found)
        if len(mine) != len(self.pieces):
            return None
        return _together([mine[i] for i in range(len(self.pieces))], self.keys, warn)

    def close(self) -> None:
        """Free what the walk holds; a forked process not waited for yet is stopped."""
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
        fds = [fd for fd in (self.tickets, self.back, self.over) if fd >= 0] + self.fds
        self.tickets = self.back = self.over = -1
        self.fds = []
        _close(fds)


def _close(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _together(found: list[Found], keys: list[tuple[int, int]], warn: Warn | None
              ) -> Columns | None:
    """The pieces' walks as one, in order; None if two pieces entered one folder."""
    keys = keys + [key for piece in found for key in piece[5]]
    if len(set(keys)) != len(keys):  # a folder met twice: only one walk knows which first
        return None
    out = Columns([], [], [], [])
    for paths, mtimes, sizes, notes, warnings, _ in found:
        out.paths.extend(paths)
        out.mtimes.extend(mtimes)
        out.sizes.extend(sizes)
        out.notes.extend(notes)
        if warn is not None:
            for w in warnings:
                warn(WalkWarning(*w))
    return out


def _plan(walker: Walker, top: str, fds: list[int]) -> list[Piece]:
    """The pieces of the walk of ``top``, in walk order: folders opened breadth first."""
    st = os.stat(top)
    walker.seen[(st.st_dev, st.st_ino)] = ""
    root: Piece = ["t", top, ""]
    queue = deque([root])
    trees = opened = 0
    while queue and trees < PIECES and opened < MAX_OPENED:
        node = queue.popleft()
        inside = _open(walker, node[1], node[2], fds)
        node[:] = ["x", inside]  # opened: its pieces stand in its place
        opened += 1
        subtrees = [p for p in inside if p[0] == "t"]
        trees += len(subtrees) - (node is not root)
        queue.extend(subtrees)
    return list(_flat(root))


def _flat(node: Piece) -> Any:
    if node[0] == "x":
        for inner in node[1]:
            yield from _flat(inner)
    else:
        yield node


def _open(walker: Walker, folder: str, pre: str, fds: list[int]) -> list[Piece]:
    """A folder's pieces as the walk meets them: what listing it warned of, its files
    (in chunks), then its subfolders."""
    warned: list[WalkWarning] = []
    walker.warn = warned.append
    fd, entries = walker.entries(folder, pre)
    walker.warn = None
    if fd is not None:
        fds.append(fd)
    pieces: list[Piece] = [["w", [tuple(w) for w in warned]]] if warned else []
    files, folders = [], []
    for entry in entries:
        (folders if entry.is_dir(follow_symlinks=False) else files).append(entry)
    pieces += [["f", folder, pre, files[i : i + CHUNK]] for i in range(0, len(files), CHUNK)]
    for entry in folders:
        rel = pre + entry.name
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue  # gone: the walk would not see it either
        if not stat_mod.S_ISDIR(st.st_mode) or not walker.enter(st, rel):
            raise _Alone(rel)
        pieces.append(["t", f"{folder}{os.sep}{entry.name}", rel + "/"])
    return pieces


def _do(walker: Walker, piece: Piece) -> Found:
    """Walk one piece."""
    warned: list[WalkWarning] = []
    paths: list[str] = []
    mtimes: list[int] = []
    sizes: list[int] = []
    notes: list[bool] = []
    keys: list[tuple[int, int]] = []
    if piece[0] != "w":
        walker.warn = warned.append
        if piece[0] == "f":
            subfolders: list[tuple[str, str]] = []
            files = walker.scan(piece[1], piece[2], piece[3], subfolders)
        else:
            walker.seen = {}
            files = walker.files(piece[1], piece[2])
        for rel, st, note in files:
            paths.append(rel)
            mtimes.append(st.st_mtime_ns)
            sizes.append(st.st_size)
            notes.append(note)
        if piece[0] == "f" and subfolders:  # a file became a folder: let one walk see it
            raise _Alone(piece[2])
        if piece[0] == "t":
            keys = list(walker.seen)[1:]  # its own folder is the planner's
        walker.warn = None
    return (paths, mtimes, sizes, notes,
            [tuple(w) for w in warned] if piece[0] != "w" else piece[1], keys)


def _walk_and_send(shared: SharedWalk, fd: int, over: int,
                   expected: Callable[[Columns], bool] | None
                   ) -> None:  # pragma: no cover - runs in the forked process
    """In the forked process: walk the pieces it gets tickets for; with ``expected``, take
    the other process's pieces from ``over`` and put the walk together; send what it
    found (or :class:`Same`), and exit at once (what this process holds belongs to its
    parent)."""
    def message() -> tuple[str, Any]:
        pieces = shared.pieces
        found = {i: _do(shared.walker, pieces[i]) for i in _tickets(shared.tickets)}
        if expected is None:
            return (_PIECES, found)
        whole = found
        if len(found) < len(pieces):
            try:
                whole = {**found, **marshal.loads(read_all(over))}
            except (EOFError, ValueError, TypeError):
                return (_PIECES, found)  # the other puts it together, or walks alone
        if len(whole) == len(pieces):
            warned: list[WalkWarning] = []
            walked = _together([whole[i] for i in range(len(pieces))], shared.keys,
                               warned.append)
            if walked is not None and expected(walked):
                return (_SAME, (len(walked.paths), [tuple(w) for w in warned]))
        return (_PIECES, found)

    send_and_exit(fd, message)


def _tickets(fd: int) -> Any:
    """The piece numbers this process takes from the shared pipe, until none is left."""
    while ticket := os.read(fd, _TICKET):
        if len(ticket) != _TICKET:  # pragma: no cover - a pipe hands out whole writes' bytes
            raise _Alone("ticket")
        yield int.from_bytes(ticket, "little")
