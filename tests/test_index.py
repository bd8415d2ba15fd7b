"""The incremental index: only changed files are re-read; links follow files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

import vaultkit.refresh as refresh_mod
from vaultkit.vault import Vault

from .conftest import VaultFactory


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records the path of every note the refresh reads and parses."""
    seen: list[str] = []
    real = refresh_mod.parse_some

    def spy(ctx: refresh_mod.Context, paths: list[str]) -> list[refresh_mod.Parsed]:
        seen.extend(paths)
        return real(ctx, paths)

    monkeypatch.setattr(refresh_mod, "parse_some", spy)
    return seen


def bump(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_touching_one_file_rereads_only_that_file(make_vault: VaultFactory,
                                                  parsed: list[str]) -> None:
    root = make_vault({f"n{i}.md": f"[[n{i + 1}]]\n" for i in range(20)})
    with Vault.open(root) as v:
        assert len(parsed) == 20
        parsed.clear()
        assert not v.refresh().changed
        assert parsed == []
        bump(root / "n3.md")
        stats = v.refresh()
        assert (stats.added, stats.modified, stats.removed, stats.unchanged) == (0, 1, 0, 19)
        assert parsed == ["n3.md"]


def test_new_file_fixes_links_and_deleting_breaks_them(make_vault: VaultFactory,
                                                        parsed: list[str]) -> None:
    root = make_vault({"a.md": "[[Gemini]] [[Other]]\n", "b/c.md": "![[gemini]]\n",
                       "Other.md": ""})
    with Vault.open(root) as v:
        assert {u.target for u in v.unresolved()} == {"Gemini", "gemini"}
        parsed.clear()
        (root / "Models").mkdir()
        (root / "Models" / "Gemini.md").write_text("A model.\n")
        stats = v.refresh()
        assert parsed == ["Models/Gemini.md"]  # a.md and b/c.md are not re-read
        assert {(f.source, f.text) for f in stats.fixed} == {
            ("a.md", "[[Gemini]]"), ("b/c.md", "![[gemini]]")}
        assert v.unresolved() == []
        assert [b.source for b in v.backlinks("Gemini")] == ["a.md", "b/c.md"]
        (root / "Models" / "Gemini.md").unlink()
        stats = v.refresh()
        assert stats.removed == 1 and len(stats.broken) == 2
        assert {u.target for u in v.unresolved()} == {"Gemini", "gemini"}


def test_closer_file_takes_over_resolution(make_vault: VaultFactory) -> None:
    root = make_vault({"a/Note.md": "", "b/x.md": "[[Note]]\n"})
    with Vault.open(root) as v:
        assert v.links("b/x")[0].resolved == "a/Note.md"
        (root / "b" / "Note.md").write_text("closer\n")
        v.refresh()
        assert v.links("b/x")[0].resolved == "b/Note.md"


def test_edit_changes_links(make_vault: VaultFactory) -> None:
    root = make_vault({"a.md": "[[b]]\n", "b.md": "", "c.md": ""})
    with Vault.open(root) as v:
        (root / "a.md").write_text("[[c]] and [[missing]]\n")
        stats = v.refresh()
        assert [(r.text, r.target) for r in stats.broken] == [("[[missing]]", "missing")]
        assert v.backlinks("b") == []
        assert [b.source for b in v.backlinks("c")] == ["a.md"]


def test_hidden_and_index_folder_are_never_notes(make_vault: VaultFactory) -> None:
    root = make_vault({"a.md": "[[secret]] [[index]]\n", ".obsidian/secret.md": "",
                       ".trash/index.md": "", "drafts/.hidden.md": ""})
    with Vault.open(root) as v:
        assert {u.target for u in v.unresolved()} == {"secret", "index"}
        assert v.stats().notes == 1
        assert (root / ".vaultkit" / "index.db").exists()


def test_excluded_files_still_resolve_but_leave_tags_and_orphans(
        make_vault: VaultFactory) -> None:
    root = make_vault({".obsidian/app.json": '{"userIgnoreFilters": ["Archive"]}',
                       "Archive/old.md": "[[B]] #old\n", "Archived.md": "#old\n",
                       "B.md": "#live\n"})
    with Vault.open(root) as v:
        assert [b.source for b in v.backlinks("B")] == ["Archive/old.md"]
        assert [t.tag for t in v.tags()] == ["live"]
        assert [o.path for o in v.orphans()] == []


def test_changing_ignore_filters_updates_exclusion(make_vault: VaultFactory) -> None:
    root = make_vault({"Archive/old.md": "#old\n", "B.md": "#live\n"})
    with Vault.open(root) as v:
        assert {t.tag for t in v.tags()} == {"old", "live"}
        (root / ".obsidian" / "app.json").write_text('{"userIgnoreFilters": ["/^arch/"]}')
        (root / "Archive" / "new.md").write_text("#newer\n")  # added in the same refresh
        v.refresh()
        assert {t.tag for t in v.tags()} == {"live"}
        (root / ".obsidian" / "app.json").write_text('{"userIgnoreFilters": []}')
        (root / "C.md").write_text("#c\n")
        v.refresh()
        assert {t.tag for t in v.tags()} == {"old", "newer", "live", "c"}


def test_corrupt_index_is_rebuilt(make_vault: VaultFactory) -> None:
    root = make_vault({"a.md": "[[b]]\n"})
    Vault.open(root).close()
    db = root / ".vaultkit" / "index.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    with Vault.open(root) as v:
        assert v.notices and "rebuilding" in v.notices[0]
        assert [u.target for u in v.unresolved()] == ["b"]


def test_index_from_another_schema_is_rebuilt(make_vault: VaultFactory) -> None:
    root = make_vault({"a.md": "[[b]]\n"})
    Vault.open(root).close()
    db = root / ".vaultkit" / "index.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 999")
    con.commit()
    con.close()
    with Vault.open(root) as v:
        assert "schema" in v.notices[0]
        assert [u.target for u in v.unresolved()] == ["b"]


def _dump(v: Vault) -> dict[str, list[tuple[object, ...]]]:
    tables = ["files", "links", "tags", "headings", "blocks", "aliases", "problems"]
    return {t: sorted(v.index.query(f"SELECT * FROM {t}"), key=repr) for t in tables}


def test_parallel_parse_gives_same_index(make_vault: VaultFactory,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    files: dict[str, str | bytes] = {
        f"d{i % 7}/n{i}.md": f"---\naliases: [A{i}]\ntags: [fm{i % 4}]\n---\n# H{i}\n"
                             f"[[n{(i * 7) % 60}#H]] ![[img{i % 3}.png]] #t{i % 3}\n"
                             f"para ^b{i}\n"
        for i in range(50)}
    files["bad.md"] = "---\n[unclosed\n---\n[[n1]]\n"
    files["binary.md"] = b"\x00\x01 binary"
    files["img0.png"] = b"png"
    root = make_vault(files)
    with Vault.open(root, refresh=False) as v:
        serial_stats = v.rebuild()
        serial = _dump(v)
    monkeypatch.setattr(refresh_mod, "PARALLEL_MIN_FILES", 2)
    with Vault.open(root, refresh=False) as v:
        stats = v.rebuild()
        assert stats.added == 53
        assert sorted(stats.broken, key=repr) == sorted(serial_stats.broken, key=repr)
        missing = [i for i in range(50) if i % 3] + [i for i in range(50) if i * 7 % 60 >= 50]
        assert len(stats.broken) == len(missing)  # img1.png, img2.png, n50 ... n59
        assert sorted(stats.problems, key=repr) == sorted(serial_stats.problems, key=repr)
        assert _dump(v) == serial
    assert not list((root / ".vaultkit").glob("shards-*"))  # worker shards are deleted


def test_large_notes_are_parsed_a_few_at_a_time(make_vault: VaultFactory,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Notes go to the parser in groups of bounded size (each holds several copies of its
    text while parsed), and what is indexed does not depend on the grouping."""
    files: dict[str, str | bytes] = {f"n{i}.md": f"[[n{i + 1}]] #t{i}\n" + "x" * (10 * i)
                                     for i in range(30)}
    files["n7.md"] = b"\x00 binary"
    root = make_vault(files)
    with Vault.open(root, refresh=False) as v:
        v.rebuild()
        whole = _dump(v)
    from vaultkit import parse

    sizes: list[list[int]] = []
    real = parse.parse_many

    def spy(texts: list[str]) -> list[object]:
        sizes.append([len(t) for t in texts])
        return real(texts)

    monkeypatch.setattr(parse, "parse_many", spy)
    monkeypatch.setattr(refresh_mod, "GROUP_CHARS", 100)
    with Vault.open(root, refresh=False) as v:
        v.rebuild()
        assert _dump(v) == whole
    assert sum(len(group) for group in sizes) == 29  # not the binary note
    assert len(sizes) > 5
    assert all(sum(group[:-1]) < 100 for group in sizes)  # the last one made it full


def _dump_by_path(v: Vault) -> dict[str, list[tuple[object, ...]]]:
    """:func:`_dump` with each file id written as its path (ids depend on the order in
    which files came)."""
    path = dict(v.index.query("SELECT id, path FROM files"))
    out = {}
    for table, rows in _dump(v).items():
        if table == "files":
            out[table] = sorted((r[1:] for r in rows), key=repr)
        elif table == "links":
            out[table] = sorted(((path[r[0]], *r[1:-1], path.get(r[-1])) for r in rows),
                                key=repr)
        else:
            out[table] = sorted(((path[r[0]], *r[1:]) for r in rows), key=repr)
    return out


def _indexes(v: Vault) -> list[str]:
    return sorted(r[0] for r in v.index.query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))


@pytest.mark.parametrize("how", ["new parser", "most notes edited", "many notes added"])
def test_rereading_most_notes_gives_the_index_a_rebuild_gives(
        make_vault: VaultFactory, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Many notes to read again: their old rows go in one pass and the lookup indexes are
    built once at the end. What is stored, and which links are reported broken, must be
    what reading them one by one gives."""
    files: dict[str, str | bytes] = {
        f"n{i}.md": f"---\naliases: [A{i}]\n---\n# H{i}\n[[n{i + 1}]] [[gone{i % 2}]] #t{i % 3}"
                    f"\npara ^b{i}\n" for i in range(30)}
    files["bad.md"] = "---\n[unclosed\n---\n[[n1]]\n"
    root = make_vault(files)
    Vault.open(root).close()
    if how == "new parser":
        con = sqlite3.connect(root / ".vaultkit" / "index.db")
        con.execute("UPDATE meta SET value = '0' WHERE key = 'parser_version'")
        con.commit()
        con.close()
    elif how == "many notes added":  # 20 more, beside 31: nothing of the old to clear
        for i in range(30, 50):
            (root / f"n{i}.md").write_text(f"[[n{i - 30}]] [[gone{i}]]\n")
    else:  # 20 of 31 notes: n29 now links to gone0 too, n25 no longer to gone1
        for i in range(10, 30):
            text = f"[[n{i + 1}]] [[gone{i % 2}]] [[gone0]] #t{i % 3}\n"
            (root / f"n{i}.md").write_text("" if i == 25 else text)
    monkeypatch.setattr(refresh_mod, "BULK_MIN_NOTES", 2)
    monkeypatch.setattr(refresh_mod, "MANY_IDS", 3)
    with Vault.open(root, refresh=False) as v:
        before = _indexes(v)
        stats = v.refresh()
        got = _dump_by_path(v)
        assert _indexes(v) == before
    monkeypatch.undo()
    with Vault.open(root, refresh=False) as v:
        v.rebuild()
        assert got == _dump_by_path(v)
    if how == "new parser":
        assert stats.modified == 31
        assert stats.broken == ()  # the same links as before: none newly broken
    elif how == "many notes added":
        assert (stats.added, stats.modified) == (20, 0)
        assert sorted(b.text for b in stats.broken) == sorted(
            f"[[gone{i}]]" for i in range(30, 50))
    else:
        assert stats.modified == 20
        assert [(b.source, b.text) for b in stats.broken] == [
            (f"n{i}.md", "[[gone0]]") for i in range(11, 30, 2) if i != 25]


@pytest.mark.parametrize("scan_names", [2000, 0])  # names counted one by one, or by a scan
def test_suggestions_follow_files_coming_and_going(make_vault: VaultFactory, scan_names: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vaultkit.vault.SCAN_NAMES", scan_names)
    root = make_vault({"a.md": "[[Gemeni]] [[Plam 2]]\n", "Models/PaLM 2.md": ""})
    with Vault.open(root) as v:
        assert {u.target: u.suggestions for u in v.unresolved()} == {
            "Gemeni": (), "Plam 2": ("PaLM 2",)}
        (root / "Models" / "Gemini.md").write_text("")
        v.refresh()
        assert v.unresolved()[0].suggestions == ("Gemini",)  # the cached answer was dropped
        (root / "Other").mkdir()
        (root / "Other" / "Gemini.md").write_text("")
        v.refresh()  # the name is no longer unique: suggestions become paths
        assert v.unresolved()[0].suggestions == ("Models/Gemini", "Other/Gemini")
        (root / "Models" / "Gemini.md").unlink()
        (root / "Other" / "Gemini.md").unlink()
        v.refresh()
        assert v.unresolved()[0].suggestions == ()


def test_suggested_link_text_follows_files_of_the_same_name(make_vault: VaultFactory) -> None:
    """A suggestion is cached as the link text it is written as; a file of the same name
    coming or going changes that text, though the file is not close to the target."""
    root = make_vault({"a.md": "[[Models/Plam 2]]\n", "Models/PaLM 2.md": ""})
    with Vault.open(root) as v:
        assert v.unresolved()[0].suggestions == ("PaLM 2",)
        (root / "Other").mkdir()
        (root / "Other" / "PaLM 2.md").write_text("")
        v.refresh()
        assert v.unresolved()[0].suggestions == ("Models/PaLM 2",)
        (root / "Other" / "PaLM 2.md").unlink()
        v.refresh()
        assert v.unresolved()[0].suggestions == ("PaLM 2",)


def test_suggestions_from_an_older_cache_are_worked_out_again(
        make_vault: VaultFactory) -> None:
    root = make_vault({"a.md": "[[Gemeni]]\n", "Gemini.md": ""})
    Vault.open(root).close()
    con = sqlite3.connect(root / ".vaultkit" / "index.db")
    con.execute("INSERT INTO suggestions VALUES ('Gemeni', '\nGone.md\n')")  # paths only
    con.commit()
    con.close()
    with Vault.open(root) as v:
        assert v.unresolved()[0].suggestions == ("Gemini",)
        cached = v.index.cached_suggestions(["Gemeni"])["Gemeni"]
        assert (cached.texts, cached.paths()) == (["Gemini"], ["Gemini.md"])


@pytest.mark.parametrize("odd", ["Gemi\tni", "Gemi\nni", "Gemi\x1eni"])
def test_a_suggested_name_holding_a_separator_is_right_every_time(
        make_vault: VaultFactory, odd: str) -> None:
    """A file name may hold a tab or a line end (the cache's separators): its answer is
    not cached, so it is never read back wrong."""
    root = make_vault({"a.md": "[[Gemeni]] [[Plam]] [[Gemenii]]\n", f"{odd}.md": "",
                       "Palm.md": "", "Other.md": "---\naliases: [Gemenii]\n---\n"})
    with Vault.open(root) as v:
        for _ in range(2):  # worked out, then (not) read from the cache
            assert {u.target: u.suggestions for u in v.unresolved()} == {
                "Gemeni": (odd,), "Plam": ("Palm",), "Gemenii": ("Other", odd)}
        assert list(v.index.cached_suggestions(["Gemeni", "Plam"])) == ["Plam"]


@pytest.mark.parametrize("meanwhile", ["an edit", "a new file"])
def test_suggestions_worked_out_while_another_process_writes(
        make_vault: VaultFactory, monkeypatch: pytest.MonkeyPatch, meanwhile: str) -> None:
    """Another process (a watch) commits while "did you mean" is worked out: the answers
    are kept if the files are still those they came from, else worked out again."""
    from vaultkit.index import Index
    from vaultkit.resolve import Suggester

    root = make_vault({"a.md": "[[Gemeni]]\n", "Gemini.md": "", "b.md": "text\n"})
    Vault.open(root).close()
    real = Suggester.closest

    def closest_while_writing(self: Suggester, *args: object, **kwargs: object) -> object:
        other = Index(root / ".vaultkit" / "index.db")
        try:
            with other.write():
                if meanwhile == "an edit":
                    other.set_meta("walk_mark", "changed by the other process")
                else:
                    other.insert_files([("Gemina.md", "gemina.md", True, False, 1, 0)])
        finally:
            other.close()
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Suggester, "closest", closest_while_writing)
    with Vault.open(root, refresh=False) as v:
        assert v.unresolved()[0].suggestions == ("Gemini",)
        kept = v.index.cached_suggestions(["Gemeni"])
        assert (list(kept) == ["Gemeni"]) == (meanwhile == "an edit")


def test_alias_suggestions_follow_edits(make_vault: VaultFactory) -> None:
    root = make_vault({"a.md": "[[BERT]]\n", "Long name.md": "text\n"})
    with Vault.open(root) as v:
        assert v.unresolved()[0].suggestions == ()
        (root / "Long name.md").write_text("---\naliases: [BERT]\n---\ntext\n")
        v.refresh()
        assert v.unresolved()[0].suggestions == ("Long name",)


def test_a_refresh_never_applies_a_walk_older_than_the_index(
        make_vault: VaultFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Process A walks the vault; before A takes the write lock, process B (a watch, or
    another command) indexes a note created after A's walk. A must not store its older
    view: new.md would look removed to it."""
    from vaultkit import scan
    from vaultkit.index import Index

    root = make_vault({"a.md": "[[new]]\n", "b.md": ""})
    Vault.open(root).close()
    (root / "b.md").write_text("changed\n")  # gives A something to write
    real_walk = scan.walk
    calls: list[int] = []

    def walk_then_other_process(*args: object) -> object:
        found = real_walk(*args)  # type: ignore[arg-type]
        calls.append(1)
        if len(calls) == 1:  # after A's first walk: B creates and indexes new.md
            (root / "new.md").write_text("[[a]]\n")
            other = Index(root / ".vaultkit" / "index.db")
            try:
                refresh_mod.refresh(root, other)
            finally:
                other.close()
        return found

    monkeypatch.setattr(scan, "walk", walk_then_other_process)
    with Vault.open(root, refresh=False) as v:
        v.refresh()
        assert v.unresolved() == []  # [[new]] still resolves: new.md was not dropped
        assert [b.source for b in v.backlinks("a")] == ["new.md"]
    assert len(calls) == 3  # A, B, and A again under the lock


def test_a_new_index_is_built_with_a_journal_then_put_in_wal_mode(
        make_vault: VaultFactory) -> None:
    root = make_vault({"a.md": "[[b]]\n", "b.md": "#t\n"})
    vault = Vault.open(root)  # its first build wrote every page once (rollback journal)
    mode = vault.index.db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"  # from then on, readers never wait for a writer
    vault.index.close()
    other = sqlite3.connect(root / ".vaultkit" / "index.db")
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # kept in the file
    assert [r[0] for r in other.execute("SELECT path FROM files ORDER BY path")] == [
        "a.md", "b.md"]
    other.close()


def test_an_index_held_by_another_process_is_not_taken_for_damage(
        make_vault: VaultFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Busy past the timeout while opening: an error, and the index file is kept (it used to
    be deleted and rebuilt as if it were damaged)."""
    import vaultkit.index as index_mod

    root = make_vault({"a.md": "[[b]]\n", "b.md": ""})
    Vault.open(root).index.close()
    path = root / ".vaultkit" / "index.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")  # then an exclusive lock stops readers
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(index_mod, "BUSY_TIMEOUT_MS", 100)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            Vault(root)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert Vault.open(root).index.scalar("SELECT count(*) FROM files") == 2


@pytest.mark.parametrize(("message", "name", "damage"), [
    ("database is locked", "SQLITE_BUSY", False),
    ("database table is locked", "SQLITE_LOCKED", False),
    ("attempt to write a readonly database", "SQLITE_READONLY", False),
    ("database or disk is full", "SQLITE_FULL", False),
    ("database disk image is malformed", "SQLITE_CORRUPT", True),
    ("file is not a database", "SQLITE_NOTADB", True),
    ("no such table: links", "", True),
])
def test_an_error_without_its_code_name_is_known_by_its_message(
        message: str, name: str, damage: bool) -> None:
    """Python 3.10's sqlite3 errors carry no ``sqlite_errorname``: a busy index was then
    taken for a damaged one, and deleted and rebuilt under the process holding it."""
    from vaultkit.index import error_name, is_corrupt

    exc = sqlite3.OperationalError(message)  # made by hand: no code name on any Python
    assert not hasattr(exc, "sqlite_errorname")
    assert error_name(exc) == name
    assert is_corrupt(exc) is damage


@pytest.mark.parametrize("version", [4, 5])
def test_an_index_of_a_version_before_the_marks_is_rebuilt(
        make_vault: VaultFactory, version: int) -> None:
    """Schema 4 indexes were written without keeping the walk mark, schema 5 without the
    folder marks: one written by an older vaultkit after this one could hold stale marks,
    so it is not trusted."""
    root = make_vault({"a.md": "[[b]]\n"})
    Vault.open(root).close()
    con = sqlite3.connect(root / ".vaultkit" / "index.db")
    con.execute(f"PRAGMA user_version = {version}")
    con.commit()
    con.close()
    with Vault.open(root) as v:
        assert f"schema {version}" in v.notices[0]
        assert v.index.get_meta("walk_mark") and v.index.get_meta("folder_marks")


def test_nested_tags_count_each_note_once_per_tag(make_vault: VaultFactory) -> None:
    """A parent tag counts the notes of all its children, once each; a child keeps its
    own notes (its set of notes is not shared with, nor grown by, its parent's)."""
    root = make_vault({"one.md": "#a/b\n", "two.md": "#a/c #A/c\n", "three.md": "#a/b/d #x\n",
                       "four.md": "---\ntags: [a/c]\n---\n"})
    with Vault.open(root) as v:
        counts = {t.tag.lower(): t.count for t in v.tags()}
    assert counts == {"a": 4, "a/b": 2, "a/c": 2, "a/b/d": 1, "x": 1}
