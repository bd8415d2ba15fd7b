"""``vaultkit watch`` with real files and a real watchdog observer.

After each editor-style change the watched index must equal a fresh rebuild of the same
files (table contents compared without ids). Conditions are polled with a timeout, never
slept on.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from vaultkit import scan
from vaultkit.index import CHILD_TABLES, Index
from vaultkit.model import RefreshReport
from vaultkit.refresh import refresh
from vaultkit.vault import Vault
from vaultkit.watch import Watch

from .conftest import VaultFactory

TIMEOUT = 5.0


def wait_until(condition: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def snapshot(db_path: Path) -> dict[str, list[Any]]:
    """Everything the index holds, with file ids replaced by paths."""
    db = sqlite3.connect(db_path)
    try:
        out = {
            "files": db.execute(
                "SELECT path, name_key, is_note, excluded, mtime_ns, size FROM files").fetchall(),
            "links": db.execute(
                "SELECT s.path, l.line, l.col, l.text, l.target, l.subpath, l.display, l.embed,"
                " l.kind, l.key, l.context, l.name_key, d.path FROM links l"
                " JOIN files s ON s.id = l.src LEFT JOIN files d ON d.id = l.dst").fetchall(),
        }
        for table, col in CHILD_TABLES[1:]:
            cur = db.execute(f"SELECT f.path, t.* FROM {table} t JOIN files f ON f.id = t.{col}")
            skip = [d[0] for d in cur.description].index(col, 1)
            out[table] = [tuple(v for i, v in enumerate(r) if i != skip) for r in cur]
    finally:
        db.close()
    return {k: sorted(v, key=repr) for k, v in out.items()}


def rebuilt(root: Path, scratch: Path) -> dict[str, list[Any]]:
    """What `vaultkit index --rebuild` would store for the files under ``root`` now."""
    scratch.mkdir(exist_ok=True)
    path = scratch / f"fresh-{time.monotonic_ns()}.db"
    index = Index(path)
    try:
        refresh(root, index)
    finally:
        index.close()
    return snapshot(path)


class Recorder:
    """A Sink that keeps everything it is told."""

    def __init__(self) -> None:
        self.reports: list[RefreshReport] = []
        self.notices: list[str] = []
        self.is_ready = threading.Event()

    def progress(self, done: int, total: int) -> None:
        pass

    def ready(self, report: RefreshReport | None) -> None:
        self.reports.clear()  # the catch-up refresh before watching is not a change
        self.is_ready.set()

    def report(self, report: RefreshReport) -> None:
        self.reports.append(report)

    def notice(self, message: str) -> None:
        self.notices.append(message)

    def paths(self) -> set[str]:
        return {p for r in self.reports for p in (*r.added, *r.modified, *r.removed)}


class Watched:
    def __init__(self, root: Path, scratch: Path, rec: Recorder) -> None:
        self.root, self.scratch, self.rec = root, scratch, rec
        self.db = root / ".vaultkit" / "index.db"

    def matches_rebuild(self) -> bool:
        try:
            return snapshot(self.db) == rebuilt(self.root, self.scratch)
        except sqlite3.Error:
            return False  # the index is being re-created

    def settle(self) -> None:
        if not wait_until(self.matches_rebuild):
            have, want = snapshot(self.db), rebuilt(self.root, self.scratch)
            diff = {t: (sorted(set(map(repr, have[t])) - set(map(repr, want[t])))[:5],
                        sorted(set(map(repr, want[t])) - set(map(repr, have[t])))[:5])
                    for t in have if have[t] != want[t]}
            raise AssertionError(f"watched index != rebuild: {diff}; {self.rec.notices}")

    def report_with(self, test: Callable[[RefreshReport], bool]) -> RefreshReport:
        found = wait_until(lambda: next((r for r in self.rec.reports if test(r)), None))
        assert found is not None, self.rec.reports
        return found


@contextmanager
def watching(root: Path, scratch: Path, debounce: float = 0.05) -> Iterator[Watched]:
    rec = Recorder()
    holder: dict[str, Any] = {}

    def target() -> None:
        try:
            with Vault.open(root, refresh=False) as vault:
                holder["watch"] = Watch(vault, rec, debounce=debounce)
                holder["watch"].run()
        except BaseException as exc:  # reported by the main thread
            holder["error"] = exc
            rec.is_ready.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    assert rec.is_ready.wait(TIMEOUT)
    assert "error" not in holder, holder
    try:
        yield Watched(root, scratch, rec)
    finally:
        holder["watch"].stop()
        thread.join(TIMEOUT)
        assert not thread.is_alive()
        assert "error" not in holder, holder["error"]


@pytest.fixture
def vault_files(make_vault: VaultFactory) -> Callable[[dict[str, str | bytes]], Path]:
    return make_vault


def test_save_is_indexed_and_reports_the_links_it_broke(
        make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"a.md": "[[B]]\n", "B.md": "# B\n"})
    with watching(root, tmp_path / "s") as w:
        (root / "a.md").write_text("[[B]]\nnow [[Gemini]] too #tag\n")
        w.settle()
        r = w.report_with(lambda r: "a.md" in r.modified)
        assert not r.full  # only the saved file was looked at
        assert [(b.source, b.line, b.column, b.text) for b in r.stats.broken] == [
            ("a.md", 2, 5, "[[Gemini]]")]
        assert (r.notes, r.links, r.unresolved) == (2, 2, 1)


def test_a_new_target_fixes_links_and_deleting_it_breaks_them(
        make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"a.md": "[[Gemini]]\n", "sub/c.md": "![[gemini]]\n"})
    with watching(root, tmp_path / "s") as w:
        (root / "Models").mkdir()
        (root / "Models" / "Gemini.md").write_text("A model.\n")
        w.settle()
        r = w.report_with(lambda r: r.stats.fixed)
        assert sorted(f.source for f in r.stats.fixed) == ["a.md", "sub/c.md"]
        (root / "Models" / "Gemini.md").unlink()
        w.settle()
        r = w.report_with(lambda r: "Models/Gemini.md" in r.removed)
        assert sorted(b.source for b in r.stats.broken) == ["a.md", "sub/c.md"]


def test_atomic_save_and_delete_then_create(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"a.md": "[[B]]\n", "B.md": "old\n"})
    with watching(root, tmp_path / "s") as w:
        tmp = root / "a.md.tmp"
        tmp.write_text("[[B]] [[C]]\n")
        os.replace(tmp, root / "a.md")
        w.settle()
        (root / "B.md").unlink()
        (root / "B.md").write_text("new [[a]]\n")
        w.settle()
        assert not any(p.endswith(".tmp") for p in w.rec.paths())


def test_renames_across_folders_and_case_only(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"x/note.md": "[[other]]\n", "other.md": "[[note]]\n", "y/keep.md": ""})
    with watching(root, tmp_path / "s") as w:
        os.rename(root / "x" / "note.md", root / "y" / "note.md")
        w.settle()
        os.rename(root / "y" / "note.md", root / "y" / "Note.md")
        w.settle()
        files = [r[0] for r in snapshot(w.db)["files"]]
        assert "y/Note.md" in files and "y/note.md" not in files


def test_folder_move_and_delete(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"Projects/p1.md": "[[p2]] [[Home]]\n", "Projects/deep/p2.md": "x\n",
                       "Home.md": "[[p1]] [[Projects/deep/p2]]\n", "Archive/old.md": ""})
    with watching(root, tmp_path / "s") as w:
        os.rename(root / "Projects", root / "Archive" / "Projects")
        w.settle()
        shutil.rmtree(root / "Archive")
        w.settle()
        (root / "New" / "Inner").mkdir(parents=True)
        (root / "New" / "Inner" / "p1.md").write_text("back\n")
        w.settle()


def test_editor_backup_and_swap_files_are_noise(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"a.md": "[[B]]\n", "B.md": ""})
    with watching(root, tmp_path / "s") as w:
        # vim: write test file, backup by rename, new file, swap file; then emacs and others
        (root / "4913").write_text("")
        (root / "4913").unlink()
        os.rename(root / "a.md", root / "a.md~")
        (root / "a.md").write_text("[[B]] [[Q]]\n")
        for name in (".a.md.swp", "#a.md#", ".#a.md", "x.md.tmp", "~$report.docx"):
            (root / name).write_text("noise")
        w.settle()
        (root / "sentinel.md").write_text("")
        w.report_with(lambda r: "sentinel.md" in r.added)
        assert w.rec.paths() <= {"a.md", "sentinel.md"}
        assert all(not r.full for r in w.rec.reports)


def test_scan_walk_skips_editor_temp_files(make_vault: VaultFactory) -> None:
    root = make_vault({"a.md": "", "4913": "", "a.md~": "", "#a.md#": "", "b.tmp": "",
                       "c.swp": "", "img.png": b"\x89PNG", "sub/4913": ""})
    assert sorted(scan.walk(root)) == ["a.md", "img.png"]
    assert scan.stat_path(root, "a.md~") is None
    assert scan.stat_path(root, "a.md") is not None


def test_a_file_written_in_chunks(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"a.md": "", "B.md": ""})
    with watching(root, tmp_path / "s") as w:
        with open(root / "a.md", "w") as f:
            f.write("[[B")
            f.flush()  # the watcher may well index this half of the save
            wait_until(lambda: any("a.md" in r.modified for r in w.rec.reports), 1.0)
            f.write("]] and #done\n")
        w.settle()
        assert snapshot(w.db)["tags"] == [("a.md", "done", "done", 1, 11, 0)]


def test_app_json_exclusions_follow(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"Archive/x.md": "", "a.md": ""})
    with watching(root, tmp_path / "s") as w:
        (root / ".obsidian" / "app.json").write_text('{"userIgnoreFilters": ["Archive/"]}')
        w.settle()
        assert ("Archive/x.md", 1) in [(r[0], r[3]) for r in snapshot(w.db)["files"]]


def test_burst_of_saves_is_one_refresh(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"a.md": ""})
    with watching(root, tmp_path / "s", debounce=0.3) as w:
        for i in range(30):
            (root / f"n{i}.md").write_text(f"[[n{i + 1}]]\n")
        w.settle()
        assert len(w.rec.reports) <= 2  # one, unless the machine stalled mid-burst
        assert sum(len(r.added) for r in w.rec.reports) == 30


def _removed(folder: Path) -> bool:
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        pass
    except OSError:  # ENOTEMPTY: something was written into it while it was removed
        return False
    return True


def test_removed_index_is_rebuilt(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"a.md": "[[b]]\n", "b.md": ""})
    with watching(root, tmp_path / "s") as w:
        # as `rm -rf`, again if the watch wrote a new file into the folder meanwhile
        assert wait_until(lambda: _removed(root / ".vaultkit"))
        assert wait_until(lambda: any("removed" in n for n in w.rec.notices))
        w.settle()
        (root / "c.md").write_text("[[a]]\n")
        w.settle()


def test_vault_folder_disappears_and_comes_back(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"a.md": "[[b]]\n", "b.md": ""})
    away = tmp_path / "away"
    with watching(root, tmp_path / "s") as w:
        os.rename(root, away)
        assert wait_until(lambda: any("gone" in n for n in w.rec.notices))
        (away / "c.md").write_text("[[b]]\n")
        os.rename(away, root)
        assert wait_until(lambda: any("back" in n for n in w.rec.notices))
        w.settle()
        (root / "d.md").write_text("")
        w.settle()


# --- the command, in its own process ---------------------------------------------------


def start_watch(root: Path, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "watch", "--vault", str(root), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()  # "vaultkit: watching ..." once caught up
    assert "watching" in line, line
    return proc


def read_line(proc: subprocess.Popen[str], timeout: float = TIMEOUT) -> str:
    out: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: out.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert out, "no JSON line in time"
    return out[0]


def test_watch_json_subprocess_end_to_end(make_vault: VaultFactory) -> None:
    root = make_vault({"a.md": "", "B.md": ""})
    Vault.open(root).close()
    proc = start_watch(root, "--json", "--debounce", "0.05")
    try:
        (root / "a.md").write_text("[[B]] [[Nope]]\n")
        data = json.loads(read_line(proc))
        assert data["modified"] == ["a.md"] and data["added"] == data["removed"] == []
        assert data["broken"] == [{"source": "a.md", "line": 1, "column": 7, "text": "[[Nope]]",
                                   "target": "Nope", "resolved": None}]
        assert data["fixed"] == [] and data["seconds"] < 1
        assert (data["notes"], data["links"], data["unresolved"]) == (2, 2, 1)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(TIMEOUT) == 0
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")


def test_queries_run_while_watch_writes(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({f"n{i}.md": f"[[n{i + 1}]]\n" for i in range(50)})
    Vault.open(root).close()
    proc = start_watch(root, "--json", "--debounce", "0.02")
    try:
        queries = [subprocess.Popen(
            [sys.executable, "-m", "vaultkit", cmd, "--vault", str(root), "--json"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for cmd in ("unresolved", "orphans", "stats", "tags") * 2]
        for round_ in range(40):  # saves while the queries start, refresh and read
            (root / f"n{round_ % 50}.md").write_text(f"[[n{round_}]] [[x{round_}]]\n")
            (root / f"new{round_}.md").write_text("[[n1]]\n")
            time.sleep(0.01)
        for q in queries:
            _, err = q.communicate(timeout=30)
            assert q.returncode == 0, err
            assert "locked" not in err
        watched = Watched(root, tmp_path / "s", Recorder())
        watched.settle()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(TIMEOUT) == 0


def test_other_commands_never_import_watchdog(make_vault: VaultFactory) -> None:
    root = make_vault({"a.md": ""})
    code = ("import sys; from vaultkit.cli import app\n"
            f"app(['stats', '--vault', {str(root)!r}, '--json'], standalone_mode=False)\n"
            "print('WATCHDOG' if 'watchdog' in sys.modules else 'CLEAN')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().endswith("CLEAN")


def test_lost_events_and_unknown_paths_fall_back_to_a_full_walk(tmp_path: Path) -> None:
    from vaultkit.watch import _Collector, _WatchdogLog

    collector = _Collector(tmp_path, ".vaultkit")
    log = logging.getLogger("watchdog.observers.inotify_c")
    handler = _WatchdogLog(collector)
    log.addHandler(handler)
    try:
        log.warning("Inotify queue overflowed; filesystem events were lost")
    finally:
        log.removeHandler(handler)
    batch = collector.take()
    assert batch is not None and batch.full
    assert collector.take() is None


# --- other commands trust an index that a running watch keeps current -----------------


def test_watchmark_says_current_only_for_a_live_clean_watch(tmp_path: Path) -> None:
    from vaultkit import watchmark

    assert not watchmark.kept_current(tmp_path)  # no watch
    watchmark.start(tmp_path)
    assert not watchmark.kept_current(tmp_path)  # catching up
    watchmark.clean(tmp_path)
    assert watchmark.kept_current(tmp_path)
    watchmark.dirty(tmp_path)
    assert not watchmark.kept_current(tmp_path)  # events not taken in yet
    watchmark.clean(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    host = (tmp_path / watchmark.PID).read_text().split()[0]
    (tmp_path / watchmark.PID).write_text(f"{host}\n{dead}\n")
    assert not watchmark.kept_current(tmp_path)  # the watch died without cleaning up
    (tmp_path / watchmark.PID).write_text(f"other-{host}\n{os.getpid()}\n")
    assert not watchmark.kept_current(tmp_path)  # a pid on another machine says nothing
    watchmark.start(tmp_path)
    watchmark.clean(tmp_path)
    watchmark.stop(tmp_path)
    assert not watchmark.kept_current(tmp_path)
    assert not (tmp_path / watchmark.PID).exists()


def test_queries_skip_the_walk_while_a_watch_keeps_the_index(
        make_vault: VaultFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from vaultkit import overlap, watchmark
    from vaultkit.cli import app

    root = make_vault({"a.md": "[[b]]\n", "b.md": ""})
    Vault.open(root).close()
    monkeypatch.setattr(overlap, "ENABLED", False)  # every walk in this process, counted
    walks: list[Path] = []
    real_walk = scan.walk
    monkeypatch.setattr(scan, "walk", lambda r, *a: walks.append(r) or real_walk(r, *a))

    def links() -> list[str]:
        result = CliRunner().invoke(app, ["links", "a", "--vault", str(root), "--json"])
        assert result.exit_code == 0, result.output
        return [link["target"] for link in json.loads(result.stdout)]

    marks = root / ".vaultkit"
    watchmark.start(marks)
    watchmark.clean(marks)  # as a caught-up watch in this very process would leave it
    (root / "a.md").write_text("[[b]] [[c]]\n")  # a change no watch saw (there is none)
    assert links() == ["b"] and walks == []  # trusted: no walk, the index as kept
    watchmark.dirty(marks)
    assert links() == ["b", "c"] and len(walks) == 1  # a change pending: walk, refresh
    watchmark.clean(marks)
    result = CliRunner().invoke(app, ["index", "--vault", str(root)])
    assert result.exit_code == 0 and len(walks) == 2  # `index` always looks
    watchmark.stop(marks)
    links()
    assert len(walks) == 3


def test_a_running_watch_marks_the_index_current_and_queries_see_saves(
        make_vault: VaultFactory) -> None:
    from vaultkit import watchmark

    root = make_vault({"a.md": "[[b]]\n", "b.md": ""})
    Vault.open(root).close()
    marks = root / ".vaultkit"
    proc = start_watch(root, "--debounce", "0.05")
    try:
        assert wait_until(lambda: watchmark.kept_current(marks))
        (root / "a.md").write_text("[[b]] [[c]]\n")
        # the mark was current before the save too: wait for the refresh that takes it in
        # (its summary line), not for the mark alone, or a slow event races the query
        assert "1 modified" in read_line(proc)
        assert wait_until(lambda: (marks / watchmark.DIRTY).exists() or
                          watchmark.kept_current(marks))
        assert wait_until(lambda: watchmark.kept_current(marks))  # taken in, and stays so
        time.sleep(0.3)  # our own mark files must not wake the watch into a loop
        assert watchmark.kept_current(marks)
        out = subprocess.run(
            [sys.executable, "-m", "vaultkit", "links", "a", "--vault", str(root), "--json"],
            capture_output=True, text=True, check=True).stdout
        assert [link["target"] for link in json.loads(out)] == ["b", "c"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(TIMEOUT) == 0
    assert not watchmark.kept_current(marks) and not (marks / watchmark.PID).exists()


def test_watch_lines_keep_a_link_written_over_two_lines_on_one() -> None:
    from vaultkit.model import LinkRef, RefreshReport, RefreshStats
    from vaultkit.render import watch_lines

    link = LinkRef("a.md", 1, 5, "[the long\ndocument](doc.md)", "doc.md")
    lines = watch_lines(RefreshReport(RefreshStats(modified=1, broken=(link,), fixed=(link,))))
    assert [text for _, text in lines[:2]] == [
        "broken a.md:1:5 [the long\\ndocument](doc.md)",
        "fixed  a.md:1:5 [the long\\ndocument](doc.md)"]
