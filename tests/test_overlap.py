"""A query answered while a forked process walks the vault gives the answer of a refresh
followed by the query, whatever changed in between."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from vaultkit import Vault, overlap, scan
from vaultkit.errors import NoteNotFound
from vaultkit.index import Index
from vaultkit.model import RefreshStats
from vaultkit.refresh import Walked, columns_mark, walk_mark, walk_vault, walk_vault_columns

from . import hostile
from .conftest import VaultFactory
from .test_watch import rebuilt, snapshot

pytestmark = pytest.mark.skipif(not overlap.can_fork(), reason="needs fork and two cores")

FILES = {"Home.md": "# Home\n[[A]] [[Missing]]\n", "A.md": "back to [[Home]]\n",
         "sub/B.md": "[[A]] ![[pic.png]]\n", "pic.png": b"\x89PNG"}


class Refreshes:
    """The ``refresh`` a command passes: records what it was given."""

    def __init__(self, v: Vault) -> None:
        self.v = v
        self.walks: list[Walked | None] = []

    def __call__(self, walked: Walked | None) -> RefreshStats:
        self.walks.append(walked)
        return self.v.refresh(None, walked)


def _indexed(make_vault: VaultFactory, files: dict[str, str | bytes] = FILES) -> Vault:
    v = Vault.open(make_vault(files))
    return v


def _counting(ask: Callable[[], object]) -> tuple[list[int], Callable[[], object]]:
    calls: list[int] = []

    def counted() -> object:
        calls.append(1)
        return ask()

    return calls, counted


def test_an_unchanged_vault_is_answered_as_it_is(make_vault: VaultFactory) -> None:
    v = _indexed(make_vault)
    refresh = Refreshes(v)
    calls, ask = _counting(lambda: [b.source for b in v.backlinks("A")])
    stats, answer = overlap.refresh_and_ask(v, ask, refresh)
    assert answer == ["Home.md", "sub/B.md"]
    assert refresh.walks == [] and len(calls) == 1  # the walk alone said: nothing changed
    assert stats._replace(seconds=0.0) == RefreshStats(unchanged=4) and stats.seconds > 0


def test_an_edit_is_refreshed_from_the_walk_then_asked_again(make_vault: VaultFactory,
                                                             tmp_path: Path) -> None:
    v = _indexed(make_vault)
    (v.root / "sub/B.md").write_text("[[A]] [[Home]] and more\n")
    (v.root / "New.md").write_text("[[Home]]\n")
    (v.root / "pic.png").unlink()
    refresh = Refreshes(v)
    calls, ask = _counting(lambda: [b.source for b in v.backlinks("Home")])
    stats, answer = overlap.refresh_and_ask(v, ask, refresh)
    assert answer == ["A.md", "New.md", "sub/B.md"]
    assert len(calls) == 2
    [walked] = refresh.walks
    assert walked is not None and sorted(walked.found) == ["A.md", "Home.md", "New.md",
                                                           "sub/B.md"]
    assert (stats.added, stats.modified, stats.removed) == (1, 1, 1)
    assert snapshot(v.index.path) == rebuilt(v.root, tmp_path / "fresh")


def test_a_note_added_since_the_index_is_found(make_vault: VaultFactory) -> None:
    v = _indexed(make_vault)
    (v.root / "Later.md").write_text("links to nothing\n")
    stats, answer = overlap.refresh_and_ask(v, lambda: v.backlinks("Later"), Refreshes(v))
    assert answer == [] and stats.added == 1


def test_no_such_note_stands_when_nothing_changed(make_vault: VaultFactory) -> None:
    v = _indexed(make_vault)
    refresh = Refreshes(v)
    with pytest.raises(NoteNotFound):
        overlap.refresh_and_ask(v, lambda: v.backlinks("Nowhere"), refresh)
    assert refresh.walks == []


def test_what_the_walk_skips_is_reported_when_nothing_changed(make_vault: VaultFactory
                                                               ) -> None:
    v = _indexed(make_vault)
    os.symlink("gone.md", v.root / "broken.md")
    Vault.open(v.root).close()  # indexed with the link there: the walk matches
    refresh = Refreshes(v)
    stats, _ = overlap.refresh_and_ask(v, lambda: v.orphans(), refresh)
    assert refresh.walks == []
    assert [(p.path, p.code) for p in stats.problems] == [("broken.md", "bad-symlink")]


def test_a_write_by_another_process_while_asking_means_asking_again(
        make_vault: VaultFactory) -> None:
    v = _indexed(make_vault)
    other = Index(v.index_path)

    def ask() -> list[str]:
        if not refresh.walks:  # first time: someone else commits meanwhile
            with other.write():
                other.set_meta("note", "written elsewhere")
        return [b.source for b in v.backlinks("A")]

    refresh = Refreshes(v)
    calls, counted = _counting(ask)
    _, answer = overlap.refresh_and_ask(v, counted, refresh)
    other.close()
    assert refresh.walks == [None] and len(calls) == 2
    assert answer == ["Home.md", "sub/B.md"]


def test_a_failed_walk_falls_back_to_a_refresh_in_this_process(
        make_vault: VaultFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    v = _indexed(make_vault)
    (v.root / "A.md").write_text("no link now\n")
    parent = os.getpid()
    real = overlap.walk_vault_columns

    def walk(*args: object) -> object:
        if os.getpid() != parent:
            raise OSError("the walk failed")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(overlap, "walk_vault_columns", walk)
    refresh = Refreshes(v)
    _, answer = overlap.refresh_and_ask(v, lambda: [b.source for b in v.backlinks("Home")],
                                        refresh)
    assert refresh.walks == [None] and answer == []


def test_without_a_walk_mark_the_refresh_runs_first(make_vault: VaultFactory) -> None:
    v = _indexed(make_vault)
    with v.index.write():
        v.index.set_metas({"walk_mark": "", "folder_marks": ""})
    refresh = Refreshes(v)
    calls, ask = _counting(lambda: v.orphans())
    overlap.refresh_and_ask(v, ask, refresh)
    assert refresh.walks == [None] and len(calls) == 1


def test_commands_give_what_a_refresh_then_a_query_gives(make_vault: VaultFactory,
                                                         tmp_path: Path) -> None:
    """The whole command, in a process of its own, with and without the overlap, through
    a series of edits."""
    root = make_vault(FILES)
    steps: list[Callable[[], object]] = [
        lambda: None,
        lambda: (root / "A.md").write_text("[[Home]] [[sub/B]] #tag\n"),
        lambda: (root / "C.md").write_text("---\ntags: [x]\n---\n[[A]] [[Nope]]\n"),
        lambda: None,
        lambda: (root / "Home.md").unlink(),
        lambda: (root / "sub" / "Home.md").write_text("moved [[C]]\n"),
    ]
    queries = [["backlinks", "A"], ["links", "C"], ["orphans"], ["unresolved"], ["tags"],
               ["stats"], ["backlinks", "Home"], ["index"]]
    code = ("import sys; from vaultkit import overlap, fastcli; "
            "overlap.ENABLED = sys.argv[1] == 'on'; fastcli.main(sys.argv[2:])")
    for step in steps:
        step()
        for query in queries:
            outs = []
            for mode in ("on", "off"):
                if query == ["index"]:  # a change of its own to find, each time
                    (root / "A.md").write_text((root / "A.md").read_text() + " [[Home]]")
                done = subprocess.run([sys.executable, "-c", code, mode, *query, "--json",
                                       "--vault", str(root)], capture_output=True, text=True)
                out = re.sub(r'"seconds": ?[0-9.e-]+', '"seconds": 0', done.stdout)
                outs.append((done.returncode, out, done.stderr))
            assert outs[0] == outs[1], query
        json.loads(outs[0][1] or "null")


@pytest.mark.parametrize("follow", [False, True])
def test_the_walk_by_column_is_the_walk(tmp_path: Path, follow: bool) -> None:
    """What the walking process sends is what a walk in this process finds, in its order
    (odd names, symlinks, unreadable and vanished files, deep folders: the hostile vault),
    and its mark is the one a refresh stores."""
    root = hostile.build(tmp_path, big=0).root
    found, problems = walk_vault(root, follow)
    walked, skipped = walk_vault_columns(root, follow)
    assert [*zip(*walked, strict=True)] == [tuple(st) for st in found.values()]
    assert skipped == problems and problems  # the corpus has files the walk must skip
    assert columns_mark(walked) == walk_mark(found)
    (root / "Home.md").write_text("changed\n")
    assert columns_mark(walk_vault_columns(root, follow)[0]) != walk_mark(found)
    assert scan.walk_columns(tmp_path / "nothing here") == scan.Columns([], [], [], [])
