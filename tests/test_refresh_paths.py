"""The targeted refresh behind ``watch``: look only at the named paths, end up exactly where
a full rebuild would."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from vaultkit import scan
from vaultkit.index import Index
from vaultkit.model import PathBatch
from vaultkit.refresh import refresh, refresh_paths

from .conftest import VaultFactory
from .test_watch import rebuilt, snapshot


def batch(files: tuple[str, ...] = (), folders: tuple[str, ...] = (),
          written: tuple[str, ...] = ()) -> PathBatch:
    return PathBatch(frozenset(files), frozenset(folders), frozenset(written))


@pytest.fixture
def index(make_vault: VaultFactory) -> Index:
    root = make_vault({"a.md": "[[B]] [[Gemini]]\n", "B.md": "# B\n", "dir/c.md": "[[a]]\n",
                       "dir/sub/d.md": "![[pic.png]]\n", "pic.png": b"\x89PNG"})
    idx = Index(root / ".vaultkit" / "index.db")
    refresh(root, idx)
    return idx


def root_of(index: Index) -> Path:
    return index.path.parent.parent


def same_as_rebuild(index: Index, tmp_path: Path) -> bool:
    return snapshot(index.path) == rebuilt(root_of(index), tmp_path / "fresh")


def test_one_save_reads_one_file(index: Index, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = root_of(index)
    (root / "a.md").write_text("[[B]]\n")

    def fail() -> None:
        raise AssertionError("the files table was read")

    monkeypatch.setattr(index, "file_rows", fail)  # nor its rows: the named file's only
    report = refresh_paths(root, index, batch(("a.md",), written=("a.md",)))
    monkeypatch.undo()
    assert (report.modified, report.added, report.removed, report.full) == (("a.md",), (), (),
                                                                           False)
    assert report.stats.unchanged == 4
    assert same_as_rebuild(index, tmp_path)


def test_a_same_size_rewrite_in_the_same_tick_is_read_when_written(
        index: Index, tmp_path: Path) -> None:
    root = root_of(index)
    st = (root / "B.md").stat()
    (root / "B.md").write_text("# C\n")  # same size
    os.utime(root / "B.md", ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same mtime
    assert refresh_paths(root, index, batch(("B.md",))).modified == ()  # the stat agrees...
    report = refresh_paths(root, index, batch(("B.md",), written=("B.md",)))
    assert report.modified == ("B.md",)  # ...but the event said it was written
    assert same_as_rebuild(index, tmp_path)


def test_hidden_temp_and_missing_paths_are_ignored(index: Index, tmp_path: Path) -> None:
    root = root_of(index)
    (root / ".obsidian" / "x.md").write_text("")
    (root / "a.md~").write_text("")
    report = refresh_paths(root, index, batch((".obsidian/x.md", "a.md~", "nope.md")))
    assert not report.stats.changed
    assert same_as_rebuild(index, tmp_path)


def test_folder_batches(index: Index, tmp_path: Path) -> None:
    root = root_of(index)
    os.rename(root / "dir", root / "moved")
    report = refresh_paths(root, index, batch(folders=("dir", "moved")))
    assert sorted(report.removed) == ["dir/c.md", "dir/sub/d.md"]
    assert sorted(report.added) == ["moved/c.md", "moved/sub/d.md"]
    assert same_as_rebuild(index, tmp_path)
    os.symlink(root / "moved", root / "link", target_is_directory=True)
    assert not refresh_paths(root, index, batch(folders=("link",))).stats.changed
    shutil.rmtree(root / "moved")
    refresh_paths(root, index, batch(folders=("moved",)))
    assert same_as_rebuild(index, tmp_path)


@pytest.mark.parametrize("insensitive", [False, True])
def test_case_only_rename_when_only_the_new_name_is_reported(
        index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, insensitive: bool) -> None:
    monkeypatch.setattr(scan, "CASE_INSENSITIVE_FS", insensitive)  # macOS/Windows code path
    root = root_of(index)
    os.rename(root / "B.md", root / "b.md")
    report = refresh_paths(root, index, batch(("b.md",)))  # the old name is found in the index
    assert (report.added, report.removed) == (("b.md",), ("B.md",))
    assert same_as_rebuild(index, tmp_path)


def test_none_is_a_full_refresh(index: Index, tmp_path: Path) -> None:
    root = root_of(index)
    (root / "new.md").write_text("[[a]]\n")
    report = refresh_paths(root, index, None)
    assert report.full and report.added == ("new.md",)
    assert same_as_rebuild(index, tmp_path)


@pytest.mark.parametrize("targeted", [True, False], ids=["named-paths", "full-walk"])
@pytest.mark.parametrize("seed", range(3))
def test_random_edits_match_a_rebuild(
        make_vault: VaultFactory, tmp_path: Path, seed: int, targeted: bool) -> None:
    """Targeted refreshes (watch) and full ones (which use the folder marks) alike."""
    rnd = random.Random(seed)
    root = make_vault({"n0.md": ""})
    index = Index(root / ".vaultkit" / "index.db")
    refresh(root, index)
    for _ in range(25):
        files = sorted(scan.walk(root))
        folders = sorted({p.rsplit("/", 1)[0] for p in files if "/" in p})
        op = rnd.choice(["new", "edit", "delete", "rename", "folder"])
        if op == "new" or not files:
            path = rnd.choice(["", "f1/", "f2/", "f2/g/"]) + f"n{rnd.randrange(30)}.md"
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(f"[[n{rnd.randrange(30)}]] #t{rnd.randrange(3)}\n")
            b = batch((path,), written=(path,))
        elif op == "edit":
            path = rnd.choice(files)
            (root / path).write_text(f"[[n{rnd.randrange(30)}]]\n" * rnd.randrange(1, 4))
            b = batch((path,), written=(path,))
        elif op == "delete":
            path = rnd.choice(files)
            (root / path).unlink()
            b = batch((path,))
        elif op == "rename":
            path = rnd.choice(files)
            dest = rnd.choice(["", "f1/", "f3/"]) + f"r{rnd.randrange(30)}.md"
            (root / dest).parent.mkdir(parents=True, exist_ok=True)
            os.replace(root / path, root / dest)
            b = batch((path, dest), written=(dest,))
        elif folders:
            src = rnd.choice(folders)
            dest = f"moved{rnd.randrange(5)}"
            if (root / dest).exists():
                continue
            os.rename(root / src, root / dest)
            b = batch(folders=(src, dest))
        else:
            continue
        if targeted:
            refresh_paths(root, index, b)
        else:  # a full walk knows a rewrite by its stat: give each one its own mtime
            for path in b.written:
                tick = 1_700_000_000_000_000_000 + rnd.randrange(10**15)
                os.utime(root / path, ns=(tick, tick))
            refresh(root, index)
        assert same_as_rebuild(index, tmp_path), (op, b)


# --- the walk mark: a walk equal to the stored one needs no look at the files table ------


def _no_file_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self: Index) -> None:
        raise AssertionError("the files table was read")

    monkeypatch.setattr(Index, "file_rows", fail)


def test_an_unchanged_vault_is_known_by_its_walk_mark(index: Index,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = root_of(index)
    _no_file_rows(monkeypatch)
    assert refresh(root, index).changed == 0  # answered from the mark alone
    monkeypatch.undo()
    st = (root / "B.md").stat()
    (root / "B.md").write_text("# Bee\n")  # another size: another mark
    os.utime(root / "B.md", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert refresh(root, index).modified == 1
    (root / "B.md").touch()  # same size, another mtime
    assert refresh(root, index).modified == 1
    (root / "new.md").write_text("")
    assert refresh(root, index).added == 1
    _no_file_rows(monkeypatch)
    assert refresh(root, index).changed == 0


def test_a_targeted_refresh_forgets_the_mark_and_a_full_one_stores_it_again(
        index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = root_of(index)
    (root / "a.md").write_text("[[B]]\n")
    refresh_paths(root, index, batch(("a.md",)))  # says nothing of the files not named
    assert index.get_meta("walk_mark") == ""
    (root / "dir" / "c.md").write_text("changed, and no event named it\n")
    assert refresh(root, index).modified == 1  # so the next full look compares every file
    assert same_as_rebuild(index, tmp_path)
    _no_file_rows(monkeypatch)
    assert refresh(root, index).changed == 0


def test_a_mark_found_equal_by_comparing_is_stored_by_a_query(
        index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    root = root_of(index)
    index.set_meta("walk_mark", "")  # as a watch's last targeted refresh leaves it
    assert refresh(root, index).changed == 0
    assert index.get_meta("walk_mark")
    _no_file_rows(monkeypatch)
    assert refresh(root, index).changed == 0


def test_an_unreadable_note_is_tried_again_despite_the_mark(
        index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    root = root_of(index)
    (root / "B.md").write_text("# Bee\n")
    real = scan.read_note

    def unreadable(path: Path) -> scan.ReadResult:
        if path.name == "B.md":
            return scan.ReadResult(None, "unreadable", "cannot read file: I/O error")
        return real(path)

    monkeypatch.setattr(scan, "read_note", unreadable)
    stats = refresh(root, index)
    assert [p.code for p in stats.problems] == ["unreadable"]
    monkeypatch.undo()
    assert refresh(root, index).modified == 1  # read now, not skipped as "unchanged"
    assert [h[0] for h in index.query("SELECT text FROM headings")] == ["Bee"]


def test_a_query_that_cannot_store_the_mark_still_answers(
        index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    root = root_of(index)
    index.set_meta("walk_mark", "")

    def read_only(self: Index, key: str, value: str) -> None:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(Index, "set_meta", read_only)
    assert refresh(root, index).changed == 0  # no change; the mark just is not kept
    monkeypatch.undo()
    assert index.get_meta("walk_mark") == ""


def test_a_full_refresh_reads_only_the_rows_of_folders_that_changed(
        index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder marks: each step below ends where a rebuild would, without reading the
    whole files table (links from a changed folder to files elsewhere still resolve)."""
    root = root_of(index)
    for name in ("a b", "a0", "a-", "é"):  # sort next to "a/" in a range of paths
        (root / name).mkdir()
        (root / name / "x.md").write_text(f"[[B]] in {name}\n")
    (root / "a").mkdir()
    (root / "a" / "y.md").write_text("[[dir/c]]\n")
    (root / "a" / "deep").mkdir()
    (root / "a" / "deep" / "z.md").write_text("[[x]]\n")
    assert refresh(root, index).added == 6  # the marks were stored with the first build
    assert same_as_rebuild(index, tmp_path)
    read: list[list[str]] = []
    real = index.file_rows_in

    def rows_in(folders: list[str]) -> dict[str, tuple[int, int, int]]:
        read.append(list(folders))
        return real(folders)

    def fail() -> None:
        raise AssertionError("the files table was read")

    monkeypatch.setattr(index, "file_rows", fail)  # this index only: not the rebuilds'
    monkeypatch.setattr(index, "file_rows_in", rows_in)
    steps = [
        lambda: (root / "a" / "y.md").write_text("[[B]] [[é/x]] [[Gemini]]\n"),  # edit
        lambda: (root / "dir" / "sub" / "new.md").write_text("[[a/y]]\n"),  # add
        lambda: (root / "a0" / "x.md").unlink(),  # remove the only file of a folder
        lambda: (root / "é" / "x.md").rename(root / "dir" / "x.md"),  # move
        lambda: (root / "Gemini.md").write_text("now [[Gemini]] resolves\n"),  # at the top
        lambda: shutil.rmtree(root / "a"),  # a folder with a subfolder
    ]
    for step in steps:
        step()
        stats = refresh(root, index)
        assert stats.changed, step
        assert same_as_rebuild(index, tmp_path), step
    assert read == [["a/"], ["dir/sub/"], ["a0/"], ["dir/", "é/"], [""], ["a/", "a/deep/"]]
    assert index.scalar("SELECT count(*) FROM files") == stats.unchanged


def test_without_folder_marks_every_row_is_compared(index: Index, tmp_path: Path) -> None:
    root = root_of(index)
    index.set_metas({"walk_mark": "", "folder_marks": ""})  # as a targeted refresh leaves it
    (root / "dir" / "c.md").write_text("[[B]]\n")
    assert refresh(root, index).modified == 1
    assert same_as_rebuild(index, tmp_path)
    assert index.get_meta("folder_marks")
    refresh_paths(root, index, batch(("B.md",), written=("B.md",)))
    assert index.get_meta("folder_marks") == "" and index.get_meta("walk_mark") == ""
