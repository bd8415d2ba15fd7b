"""The walk shared by two processes finds what the walk of one finds, in the same order,
with the same warnings; and when it cannot promise that, the walk of one runs instead."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from vaultkit import Vault, _splitwalk, refresh, scan
from vaultkit.scan import WalkWarning

from . import hostile

pytestmark = pytest.mark.skipif(not _splitwalk.can_split(), reason="needs fork and two cores")


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces small enough that a test vault is cut into many."""
    monkeypatch.setattr(_splitwalk, "CHUNK", 2)
    monkeypatch.setattr(_splitwalk, "PIECES", 4)


def _tree(root: Path, folders: int = 6, files: int = 5) -> Path:
    for f in range(folders):
        for g in range(2):
            folder = root / f"f{f}" / f"g{g}"
            folder.mkdir(parents=True)
            for i in range(files):
                (folder / f"n{i}.md").write_text(f"note {f} {g} {i}\n")
            (folder / "pic.png").write_bytes(b"\x89PNG")
    for i in range(files):
        (root / f"top{i}.md").write_text("top\n")
    return root


def _both(root: Path) -> tuple[tuple[scan.Columns, list[WalkWarning]],
                               tuple[scan.Columns, list[WalkWarning]]]:
    alone: list[WalkWarning] = []
    shared: list[WalkWarning] = []
    return ((scan.walk_columns(root, alone.append), alone),
            (scan.walk_columns(root, shared.append, split=True), shared))


@pytest.mark.usefixtures("small_pieces")
def test_the_shared_walk_is_the_walk_in_order(tmp_path: Path) -> None:
    root = _tree(tmp_path / "v")
    forks = []
    real_fork = os.fork

    def fork() -> int:
        forks.append(1)
        return real_fork()

    os.fork = fork  # counted, to know the walk was shared
    try:
        alone, shared = _both(root)
    finally:
        os.fork = real_fork
    assert forks == [1]
    assert _splitwalk.walk_columns(str(root), None) == alone[0]  # shared, not walked alone
    assert shared == alone and len(alone[0].paths) == 6 * 2 * 6 + 5
    assert alone[0].paths[:5] == [f"top{i}.md" for i in range(5)]  # files first, as walked
    walked = scan.walk(root, split=True)
    assert list(walked) == alone[0].paths
    assert [tuple(st) for st in walked.values()] == list(zip(*alone[0], strict=True))


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("opened", [4, 10**6])
def test_the_hostile_vault_walks_the_same_shared(tmp_path: Path, opened: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Odd names, symlinks in and out, broken links and loops, FIFOs, deep folders: the
    same files and the same warnings, in the same order; with a few folders opened to
    plan the pieces, and with every folder opened."""
    monkeypatch.setattr(_splitwalk, "PIECES", opened)
    monkeypatch.setattr(_splitwalk, "MAX_OPENED", opened)
    root = hostile.build(tmp_path, big=0).root
    alone, shared = _both(root)
    assert alone[1]  # the corpus has files the walk must skip, with warnings
    assert shared == alone
    warned: list[WalkWarning] = []
    assert _splitwalk.walk_columns(str(root), warned.append) == alone[0]  # it was shared
    assert warned == alone[1]
    # put together by the forked process, with the pieces this one walked (their
    # warnings too), which then sends only "as expected", or else its pieces
    here = _walked_here(monkeypatch)
    for expected, answer in ((alone[0], _splitwalk.Same(len(alone[0].paths), alone[1])),
                             (scan.Columns([], [], [], []), alone[0])):
        shared = _splitwalk.SharedWalk.plan(str(root))
        assert shared is not None
        try:
            shared.start(lambda walked, expected=expected: walked == expected)
            warned.clear()
            here.clear()
            assert shared.finish(warned.append) == answer
        finally:
            shared.close()
        assert here  # this process walked some pieces
        assert isinstance(answer, _splitwalk.Same) or warned == alone[1]


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("fails", ["walking", "reading the other's pieces"])
def test_a_forked_walk_failing_while_this_one_sends_leaves_the_walk_to_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str) -> None:
    """The forked process ends early (while this one walks, or as it takes this one's
    pieces): sending to it fails or goes nowhere, nothing hangs, and the caller walks
    alone."""
    root = _tree(tmp_path, folders=20)
    here = _walked_here(monkeypatch)
    parent = os.getpid()
    if fails == "walking":
        real_do = _splitwalk._do

        def do(walker: scan.Walker, piece: _splitwalk.Piece) -> _splitwalk.Found:
            if os.getpid() != parent:  # pragma: no cover - in the forked process
                os._exit(1)
            time.sleep(0.01)  # the other is gone by the time this one sends
            return real_do(walker, piece)

        monkeypatch.setattr(_splitwalk, "_do", do)
    else:
        real_read = _splitwalk.read_all
        monkeypatch.setattr(_splitwalk, "read_all", lambda fd: os._exit(1) if os.getpid()
                            != parent else real_read(fd))
    shared = _splitwalk.SharedWalk.plan(str(root))
    assert shared is not None
    try:
        assert shared.start(lambda walked: True)
        assert shared.finish(None) is None
    finally:
        shared.close()
    assert here  # it had pieces of its own to send


def _walked_here(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Slows the forked process's pieces, so that this one walks some too; returns the
    list of the pieces this one walks."""
    parent, real_do = os.getpid(), _splitwalk._do
    here: list[int] = []

    def do(walker: scan.Walker, piece: _splitwalk.Piece) -> _splitwalk.Found:
        if os.getpid() == parent:
            here.append(id(piece))
        else:
            time.sleep(0.02)
        return real_do(walker, piece)

    monkeypatch.setattr(_splitwalk, "_do", do)
    return here


@pytest.mark.usefixtures("small_pieces")
def test_a_failing_forked_walk_leaves_the_walk_to_one(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path / "v")
    parent = os.getpid()
    real = _splitwalk._tickets

    def tickets(fd: int) -> object:
        if os.getpid() != parent:
            raise OSError("the forked walk failed")
        return real(fd)

    monkeypatch.setattr(_splitwalk, "_tickets", tickets)
    assert _splitwalk.walk_columns(str(root), None) is None
    alone, shared = _both(root)
    assert shared == alone


@pytest.mark.usefixtures("small_pieces")
def test_a_folder_met_twice_leaves_the_walk_to_one(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Two pieces that entered one folder (a bind mount): only a walk of one process knows
    which came first, and so which it skips."""
    root = _tree(tmp_path / "v")
    real = _splitwalk._do

    def do(walker: scan.Walker, piece: list[object]) -> _splitwalk.Found:
        found = real(walker, piece)
        return (*found[:5], [*found[5], (1, 1)])  # type: ignore[return-value]

    monkeypatch.setattr(_splitwalk, "_do", do)
    assert _splitwalk.walk_columns(str(root), None) is None
    alone, shared = _both(root)
    assert shared == alone


def test_a_vault_too_small_to_cut_is_walked_alone(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("a\n")
    assert _splitwalk.walk_columns(str(tmp_path), None) is None  # one piece
    assert _splitwalk.walk_columns(str(tmp_path / "missing"), None) is None
    assert scan.walk_columns(tmp_path, split=True).paths == ["a.md"]


def test_no_split_when_following_symlinks_or_with_threads(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setattr(_splitwalk, "walk_columns", pytest.fail)  # must not be asked
    root = _tree(tmp_path / "v")
    assert scan.walk_columns(root, follow_symlinks=True, split=True).paths
    monkeypatch.undo()
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not _splitwalk.can_split()  # a fork would copy this thread only
        monkeypatch.setattr(_splitwalk, "walk_columns", pytest.fail)
        assert scan.walk(root, split=True)
    finally:
        release.set()
        thread.join()
    assert _splitwalk.can_split()


@pytest.mark.usefixtures("small_pieces")
def test_refreshes_of_a_large_vault_share_the_walk(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Through edits, a refresh that shares its walk stores and answers what one that
    does not stores and answers."""
    roots = [_tree(tmp_path / name) for name in ("alone", "shared")]
    vaults = [Vault.open(r) for r in roots]
    shared_walks = []
    real = _splitwalk.walk_columns

    def counted(*args: object) -> object:
        shared_walks.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_splitwalk, "walk_columns", counted)
    steps = [
        lambda r: (r / "f1" / "g0" / "n0.md").write_text("[[top1]] [[Missing]] #t\n"),
        lambda r: (r / "f2" / "new.md").write_text("[[n0]]\n"),
        lambda r: (r / "top1.md").unlink(),
        lambda r: None,
    ]
    for step in steps:
        answers = []
        for v, split_from in zip(vaults, (10**9, 0), strict=True):
            step(v.root)
            monkeypatch.setattr(refresh, "SPLIT_MIN_FILES", split_from)
            stats = v.refresh()
            answers.append((stats.added, stats.modified, stats.removed, stats.unchanged,
                            [(b.source, b.line) for b in v.backlinks("top1")]
                            if (v.root / "top1.md").exists() else None,
                            sorted(u.target for u in v.unresolved()),
                            v.index.get_meta(refresh.WALK_MARK)))
        assert answers[0][:6] == answers[1][:6]
    assert shared_walks  # the second vault's refreshes did share
    assert refresh.large(vaults[1].index)
    for v in vaults:
        v.close()


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("joined", [False, True])
def test_a_query_beside_a_shared_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      joined: bool) -> None:
    """A large vault's walk beside a query (``overlap``) is shared, and joined once the
    answer is there if some of it is left: an unchanged vault's answer stands (the forked
    process, which puts the walk together, says just that), and an edit found by that
    walk is refreshed from it."""
    from vaultkit import overlap

    monkeypatch.setattr(refresh, "SPLIT_MIN_FILES", 0)
    here = _walked_here(monkeypatch)
    if not joined:  # this process finds no ticket left: the forked one walked them all
        parent, real_tickets = os.getpid(), _splitwalk._tickets
        monkeypatch.setattr(_splitwalk, "_tickets", lambda fd: iter(()) if os.getpid() == parent
                            else real_tickets(fd))
    finished: list[object] = []
    real = _splitwalk.SharedWalk.finish

    def finish(self: _splitwalk.SharedWalk, warn: scan.Warn | None) -> object:
        finished.append(real(self, warn))
        return finished[-1]

    monkeypatch.setattr(_splitwalk.SharedWalk, "finish", finish)
    v = Vault.open(_tree(tmp_path / "v"))
    assert finished and finished[0] is not None  # its first refresh shared the walk
    finished.clear()
    walks: list[object] = []

    def refreshed(walked: object) -> object:
        walks.append(walked)
        return v.refresh(None, walked)  # type: ignore[arg-type]

    ask = lambda: [b.source for b in v.backlinks("top1")]  # noqa: E731
    here.clear()
    stats, answer = overlap.refresh_and_ask(v, ask, refreshed)
    assert answer == [] and walks == [] and stats.unchanged == 6 * 2 * 6 + 5
    assert bool(here) == joined
    whole = scan.walk_columns(v.root)
    assert finished == [_splitwalk.Same(len(whole.paths), [])]
    (v.root / "f3" / "g1" / "n2.md").write_text("[[top1]]\n")
    assert overlap.refresh_and_ask(v, ask, refreshed)[1] == ["f3/g1/n2.md"]
    assert len(walks) == 1 and walks[0] is not None and len(finished) == 2
    assert list(walks[0].found) == scan.walk_columns(v.root).paths  # type: ignore[attr-defined]
    v.close()


@pytest.mark.usefixtures("small_pieces")
def test_no_process_to_fork_leaves_the_walk_to_one(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of processes (EAGAIN): the walk, and a query beside it, go on in one process."""
    from vaultkit import overlap

    root = _tree(tmp_path / "v")
    v = Vault.open(root)
    (root / "f0" / "g0" / "n0.md").write_text("[[top1]]\n")
    alone = scan.walk_columns(root)
    monkeypatch.setattr(refresh, "SPLIT_MIN_FILES", 0)
    v.orphans()  # the index's files open (its WAL)
    fds = len(os.listdir("/proc/self/fd"))

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    assert _splitwalk.walk_columns(str(root), None) is None
    assert scan.walk_columns(root, split=True) == alone
    stats, answer = overlap.refresh_and_ask(
        v, lambda: [b.source for b in v.backlinks("top1")], lambda w: v.refresh(None, w))
    assert answer == ["f0/g0/n0.md"] and stats.modified == 1
    assert len(os.listdir("/proc/self/fd")) == fds  # nothing left open
    v.close()
