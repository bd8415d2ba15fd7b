"""A query answered while the vault is walked: on a machine with a core to spare, a
forked process walks the vault (the bulk of a refresh that finds nothing changed) while
this one answers from the index as it is. The answer stands when the walk matches the one
the index holds and no one wrote the index meanwhile; otherwise the index is refreshed,
from that same walk, and the question asked again. Either way the answer is the one a
refresh followed by the query gives.

The walking process only reads the file system and writes one message to a pipe: it never
touches the index (an SQLite connection must not cross a fork), nor stdout.
"""

from __future__ import annotations

import gc
import marshal
import os
import select
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ._pipe import read_all, send_and_exit
from .index import DB_ERRORS, Index
from .model import FileProblem, RefreshStats
from .refresh import Walked, columns_mark, large, problem_into, walk_state, walk_vault_columns
from .scan import Columns, by_path

if TYPE_CHECKING:
    from ._splitwalk import SharedWalk
    from .vault import Vault

T = TypeVar("T")
Refresh = Callable[[Walked | None], RefreshStats]
# the walk's verdict: (_SAME, problems, files walked) or (_CHANGED, problems, the walk)
Verdict = tuple[str, list[FileProblem], Any]

ENABLED = True  # tests turn it off to compare with one process doing both in turn
_SAME, _CHANGED = "=", "~"  # the walking process's verdicts


def can_fork() -> bool:
    """Fork (Linux only: elsewhere fork without exec is unsafe or missing) and a second
    core for the walk to run on."""
    if not ENABLED or not sys.platform.startswith("linux"):
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):  # pragma: no cover - Linux has it
        return False


def refresh_and_ask(vault: Vault, ask: Callable[[], T], refresh: Refresh
                    ) -> tuple[RefreshStats, T]:
    """Bring ``vault``'s index up to date with ``refresh(walked)`` (which calls
    ``vault.refresh``, with a progress bar say) and return its stats with ``ask()``'s
    answer from the index as refreshed; ``ask`` may run twice, and its errors stand only
    when its answer would."""
    start = time.perf_counter()
    state = _state(vault)
    if state is None:
        stats = refresh(None)
        return stats, ask()
    version, mark, shared = state
    if shared is not None:
        return _beside_shared_walk(vault, ask, refresh, shared, version, mark, start)
    index = vault.index
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # nothing buffered twice
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child (coverage does not follow it)
        os.close(read_end)
        _walk_and_tell(vault, mark, write_end)
    os.close(write_end)
    answer: T | None = None
    failure: Exception | None = None
    try:
        try:
            answer = ask()
        except Exception as exc:  # it may be right (no such note), or not yet
            failure = exc
        _meanwhile(read_end)
    finally:
        try:
            message = read_all(read_end)
        finally:
            os.close(read_end)
            os.waitpid(pid, 0)
    return _settle(vault, index, _decode(message), version, start, answer, failure, ask,
                   refresh)


def _settle(vault: Vault, index: Index, verdict: Verdict | None, version: int, start: float,
            answer: T | None, failure: Exception | None, ask: Callable[[], T],
            refresh: Refresh) -> tuple[RefreshStats, T]:
    """The answer given the walk's ``verdict`` (None: the walk failed): it stands when
    the vault is as indexed and no one wrote the index meanwhile; else the index is
    refreshed (from the walk, if it found a change) and the question asked again."""
    if vault.index is not index:  # found damaged: ask() rebuilt and refreshed it itself
        return _given(RefreshStats(), answer, failure)
    if verdict is not None and verdict[0] == _SAME:
        _, problems, unchanged = verdict
        if index.data_version() == version:  # no one wrote it while ask() read it
            stats = RefreshStats(unchanged=unchanged, seconds=time.perf_counter() - start,
                                 problems=tuple(problems))
            return _given(stats, answer, failure)
        stats = refresh(None)
    elif verdict is not None:
        _, problems, found = verdict
        stats = refresh(Walked(found, problems, version))
        stats = stats._replace(seconds=time.perf_counter() - start)  # the walk included
    else:  # the walk failed: the refresh, walking again, says why
        stats = refresh(None)
    return stats, ask()


def _meanwhile(fd: int) -> None:
    """While the walk goes on (nothing to read from ``fd`` yet), load the parser: a change
    found means notes to read."""
    if not select.select([fd], [], [], 0)[0]:
        from . import parse  # noqa: F401


def _state(vault: Vault) -> tuple[int, str, SharedWalk | None] | None:
    """The index's version and walk mark (:func:`walk_state`), and the walk planned to be
    shared when the vault is large (:mod:`vaultkit._splitwalk`); None when the walk cannot
    run beside the question."""
    if vault.index.created or not can_fork():
        return None
    try:
        state = walk_state(vault.root, vault.index)
        if state is None:
            return None
        big = large(vault.index) and not vault.follow_symlinks
    except DB_ERRORS:  # damaged, busy: the plain refresh deals with it
        return None
    shared = None
    if big:
        from ._splitwalk import SharedWalk, can_split  # a query alone does not load it

        shared = SharedWalk.plan(str(vault.root)) if can_split() else None
    return (*state, shared)


def _beside_shared_walk(vault: Vault, ask: Callable[[], T], refresh: Refresh,
                        shared: SharedWalk, version: int, mark: str, start: float
                        ) -> tuple[RefreshStats, T]:
    """:func:`refresh_and_ask` for a large vault: a forked process walks it while the
    question is asked, and this process walks what is left once it has its answer. The
    forked one puts the walk together and says "as indexed", or sends its pieces over."""
    from ._splitwalk import Same

    index = vault.index
    answer: T | None = None
    failure: Exception | None = None
    problems: list[FileProblem] = []
    warn = problem_into(problems)
    try:
        if not shared.start(lambda walked: columns_mark(walked) == mark):
            return refresh(None), ask()
        try:
            answer = ask()
        except Exception as exc:  # it may be right (no such note), or not yet
            failure = exc
        # then walk what is left of it too; the forked process puts the walk together
        # and says "as indexed" without sending it over, or sends its pieces
        walked = shared.finish(warn)
    finally:
        shared.close()
    verdict: Verdict | None = None
    if isinstance(walked, Same):
        for warning in walked.warnings:
            warn(warning)
        verdict = (_SAME, problems, walked.files)
    elif walked is not None:
        verdict = ((_SAME, problems, len(walked.paths)) if columns_mark(walked) == mark
                   else (_CHANGED, problems, by_path(walked)))
    return _settle(vault, index, verdict, version, start, answer, failure, ask, refresh)


def _given(stats: RefreshStats, answer: T | None, failure: Exception | None
           ) -> tuple[RefreshStats, T]:
    if failure is not None:
        raise failure
    return stats, answer  # type: ignore[return-value]


def _walk_and_tell(vault: Vault, mark: str, fd: int) -> None:  # pragma: no cover - child
    """In the forked process: walk, write the verdict to ``fd`` and exit at once (no
    cleanup: what this process holds belongs to its parent)."""
    gc.disable()  # nothing here lives long enough to need the collector

    def message() -> tuple[object, ...]:
        # by column: no tuple per file to make, and marshal takes lists of str and int fast
        walked, problems = walk_vault_columns(vault.root, vault.follow_symlinks)
        skipped = [tuple(p) for p in problems]
        if columns_mark(walked) == mark:
            return (_SAME, skipped, len(walked.paths))
        return (_CHANGED, skipped, *walked)

    send_and_exit(fd, message)


def _decode(data: bytes) -> tuple[str, list[FileProblem], object] | None:
    """The walking process's verdict: (``=``, problems, files walked) or (``~``,
    problems, the walk); None when it wrote nothing whole."""
    try:
        verdict, skipped, *rest = marshal.loads(data)
        problems = [FileProblem(*p) for p in skipped]
        if verdict == _SAME:
            return _SAME, problems, int(rest[0])
        return _CHANGED, problems, by_path(Columns(*rest))
    except (EOFError, ValueError, TypeError, IndexError):
        return None
