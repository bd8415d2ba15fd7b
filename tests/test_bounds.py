"""Nothing escapes the vault (issue 7): no link, path or symlink makes vaultkit read a file
outside the vault, unless ``[scan] follow_symlinks`` asks it to follow symlinks; and then
symlinks cannot loop. See docs/reliability.md."""

from __future__ import annotations

import builtins
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from vaultkit import Vault, scan
from vaultkit import queries as q
from vaultkit.model import PathBatch

from . import hostile
from .conftest import Cli, VaultFactory


@pytest.fixture
def bounded(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A vault whose notes try every way out, its symlinks, and the folder next to it."""
    root = tmp_path / "vault"
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / hostile.CANARY).write_text("# Canary\n[[Target]]\n")
    (outside / "sub" / "other.md").write_text("[[Target]]\n")
    (root / ".obsidian").mkdir(parents=True)
    (root / "Target.md").write_text("# Target\n")
    hostile._symlinks(root, outside, hostile.Corpus(root, outside, outside / hostile.CANARY))
    hostile._bounds(root, outside)
    yield root, outside


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path vaultkit opens or lists while the test runs (real paths)."""
    seen: list[str] = []

    def spy(real):  # type: ignore[no-untyped-def]
        def call(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if isinstance(path, (str, bytes, os.PathLike)):
                seen.append(os.path.realpath(os.fsdecode(path)))
            return real(path, *args, **kwargs)
        return call

    for module, name in ((builtins, "open"), (io, "open"), (os, "open"), (os, "scandir"),
                         (os, "listdir")):
        monkeypatch.setattr(module, name, spy(getattr(module, name)))
    return seen


def test_links_never_resolve_or_read_outside_the_vault(bounded: tuple[Path, Path],
                                                       opened: list[str]) -> None:
    root, outside = bounded
    with Vault.open(root) as v:
        links = v.links("bounds/escape-links.md") + v.links("bounds/escape-frontmatter.md")
        stats = v.stats()
        v.backlinks("Target")
        v.mentions("Target")  # reads notes again, by their vault paths
    written = hostile.canary_links(outside)
    assert len(links) >= len(written) - 3  # file: and other URLs are not links at all
    assert [o for o in links if o.resolved is not None] == []
    away = os.path.realpath(outside)
    assert [p for p in opened if p == away or p.startswith(away + os.sep)] == []
    assert any(p.endswith("Target.md") for p in opened)  # the spy works
    assert stats.notes == 5  # Target, the two bounds notes, links/linked, links/inside


def test_symlinks_out_of_the_vault_are_not_followed_by_default(bounded: tuple[Path, Path],
                                                                cli: Cli) -> None:
    root, _ = bounded
    result = cli("index", "--vault", str(root))
    assert "links/escape.md:1:1: warning bad-symlink: symbolic link to a file outside the " \
           "vault; not followed" in result.stderr
    assert "links/outside-dir:1:1: warning bad-symlink: symbolic link to a folder outside" \
           in result.stderr
    with Vault.open(root) as v:
        paths = {p for p, _ in q.all_paths(v.index)}
    assert paths == {"Target.md", "bounds/escape-links.md", "bounds/escape-frontmatter.md",
                     "links/linked.md", "links/inside.md"}


def _follow(root: Path, value: str = "true") -> None:
    (root / ".vaultkit.toml").write_text(f"[scan]\nfollow_symlinks = {value}\n")


def test_follow_symlinks_indexes_what_they_point_at(bounded: tuple[Path, Path], cli: Cli
                                                    ) -> None:
    root, _ = bounded
    cli("index", "--vault", str(root))
    _follow(root)
    result = cli("index", "--vault", str(root))
    assert "links/dev-null.md:1:1: warning unreadable: not a regular file" in result.stderr
    assert "links/escape.md" not in result.stderr
    with Vault.open(root) as v:
        assert sorted(b.source for b in v.backlinks("Target")) == [
            "links/escape-rel.md", "links/escape.md", "links/outside-dir/canary.md",
            "links/outside-dir/sub/other.md"]
        resolved = {o.text: o.resolved for o in v.links("links/linked.md")}
        assert resolved["[[links/outside-dir/canary]]"] == "links/outside-dir/canary.md"
        paths = [p for p, _ in q.all_paths(v.index)]
        assert not [p for p in paths if p.startswith(("links/parent-dir", "links/root-dir"))]
    _follow(root, "false")  # and back: the files behind symlinks leave the index
    cli("index", "--vault", str(root))
    with Vault.open(root) as v:
        assert [b.source for b in v.backlinks("Target")] == []


def test_follow_symlinks_detects_loops(tmp_path: Path, cli: Cli) -> None:
    root = tmp_path / "vault"
    ext = tmp_path / "ext"
    (ext / "a" / "b").mkdir(parents=True)
    (ext / "a" / "b" / "deep.md").write_text("[[Top]]\n")
    os.symlink(ext, ext / "a" / "b" / "up")  # a loop outside the vault
    os.symlink(ext / "a", ext / "again")  # the same folder twice
    root.mkdir()
    (root / "Top.md").write_text("")
    os.symlink(ext, root / "ext")
    os.symlink(root, ext / "vault")  # back into the vault: never entered
    _follow(root)
    result = cli("index", "--vault", str(root))
    assert "ext/a/b/up:1:1: warning bad-symlink: folder loop: this is ext again" \
           in result.stderr
    assert "ext/again:1:1: warning bad-symlink: the same folder as ext/a; skipped" \
           in result.stderr
    with Vault.open(root) as v:
        assert [b.source for b in v.backlinks("Top")] == ["ext/a/b/deep.md"]
        assert v.stats().notes == 2


def test_follow_symlinks_from_python_and_watch(bounded: tuple[Path, Path]) -> None:
    root, outside = bounded
    with Vault.open(root, follow_symlinks=True) as v:
        assert v.find("links/outside-dir/sub/other") == "links/outside-dir/sub/other.md"
        (outside / "sub" / "new.md").write_text("[[Target]]\n")
        report = v.refresh_changes(PathBatch(files=frozenset({"Target.md"})))
        assert report.full and "links/outside-dir/sub/new.md" in report.added
    with Vault.open(root) as v:  # the setting, not the last refresh, decides
        assert all("outside-dir" not in b.source for b in v.backlinks("Target"))


@pytest.mark.parametrize(("content", "words"), [
    ("[scan]\nfollow_symlinks = 1\n", "scan.follow_symlinks must be true or false"),
    ("[scan]\nfollow = true\n", "unknown key scan.follow"),
    ("scan = 3\n", "scan must be a table"),
    ("[sacn]\n", "unknown table or key 'sacn' (known: check, scan)"),
])
def test_bad_scan_config_is_a_usage_error(make_vault: VaultFactory, cli: Cli, content: str,
                                          words: str) -> None:
    root = make_vault({"a.md": ""})
    (root / ".vaultkit.toml").write_text(content)
    result = cli("orphans", "--vault", str(root), code=2)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("vaultkit: error: ") and words in line


def test_check_config_and_scan_config_share_the_file(make_vault: VaultFactory, cli: Cli
                                                     ) -> None:
    root = make_vault({"a.md": "[[b]]\n"})
    (root / ".vaultkit.toml").write_text(
        '[scan]\nfollow_symlinks = false\n\n[check.severity]\n"unresolved-link" = "warning"\n')
    assert [i["severity"] for i in cli.json("check", "--vault", str(root))] == ["warning"]


def test_read_note_never_blocks_or_follows_into_devices(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    assert scan.read_note(fifo).problem == "vanished"  # not a regular file: not read
    assert scan.read_note(tmp_path).problem == "vanished"  # a folder


@pytest.mark.parametrize("size_seen", [None, 0, 10])  # as it is; or smaller: it grew since
def test_read_note_reads_the_whole_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        size_seen: int | None) -> None:
    note = tmp_path / "n.md"
    body = "".join(f"line {i} [[x]]\n" for i in range(200_000))  # ~3 MB: several reads
    note.write_text(body)
    (tmp_path / "empty.md").write_text("")
    if size_seen is not None:
        real = os.fstat
        monkeypatch.setattr(scan.os, "fstat", lambda fd: os.stat_result(
            (*real(fd)[:6], size_seen, *real(fd)[7:10])))
    assert scan.read_note(note).text == body
    assert scan.read_note(tmp_path / "empty.md").text == ""


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_the_walk_closes_every_folder_it_opens(bounded: tuple[Path, Path]) -> None:
    root, _ = bounded
    for i in range(30):
        (root / f"f{i}" / "g").mkdir(parents=True)
        (root / f"f{i}" / "g" / "n.md").write_text("x")
    before = len(os.listdir("/proc/self/fd"))
    found = scan.walk(root, warn=lambda w: None, follow_symlinks=True)
    assert "f29/g/n.md" in found and "Target.md" in found
    walker = scan.Walker(root, None, False).files(str(root), "")
    next(walker)  # stopped inside a folder: closing the walk closes it
    walker.close()
    assert len(os.listdir("/proc/self/fd")) == before
