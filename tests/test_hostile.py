"""Nothing crashes, nothing is lost (issue 7): every command on a hostile vault
(``tests/hostile.py`` builds it), files that change under the scan, unreadable files, and
the parser's limits. The table in docs/reliability.md points at these tests."""

from __future__ import annotations

import ctypes
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vaultkit import Vault, scan
from vaultkit.render import one_line

from . import hostile
from .conftest import Cli, VaultFactory, write_vault

WARNING = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): warning (?P<code>[a-z-]+): .+$")
COMMANDS = [
    (("unresolved", "--json"), 0), (("orphans", "--json"), 0), (("tags", "--json"), 0),
    (("stats", "--json"), 0), (("backlinks", "Target", "--json"), 0),
    (("check", "--format", "json"), 1),  # 1: the corpus has unresolved links (errors)
]
CHECK = COMMANDS[-1][0]
RSS_LIMIT_KB = 500 * 1024


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[hostile.Corpus, subprocess.CompletedProcess[str], int]:
    """The hostile vault, indexed once by ``vaultkit index`` in a process of its own."""
    made = hostile.build(tmp_path_factory.mktemp("hostile"))
    proc, peak = hostile.run_measured("index", "--vault", str(made.root), cwd=made.root)
    return made, proc, peak


def warnings_of(stderr: str) -> list[tuple[str, str]]:
    """(path, code) of each warning line; every other line must be vaultkit's summary."""
    out = []
    for line in stderr.splitlines():
        m = WARNING.match(line)
        if m:
            out.append((m["path"], m["code"]))
        else:
            assert line.startswith(("Rebuilt index", "Refreshed index")), line
    return out


# --- the corpus, command by command ---------------------------------------------------------


def test_index_warns_once_per_file_problem(corpus: Any) -> None:
    made, proc, _ = corpus
    assert proc.returncode == 0, proc.stderr[-2000:]
    warned = warnings_of(proc.stderr)
    assert len(warned) == len(set(warned))  # one line per problem
    expected = {(one_line(p), code) for p, code in made.expected.items()}
    assert set(warned) == expected


def test_index_memory_is_bounded(corpus: Any) -> None:
    _, proc, peak = corpus
    assert proc.returncode == 0
    assert peak < RSS_LIMIT_KB, f"peak RSS {peak // 1024} MB"


@pytest.mark.parametrize(("args", "code"), COMMANDS, ids=[c[0][0] for c in COMMANDS])
def test_every_command_completes(corpus: Any, cli: Cli, args: tuple[str, ...],
                                 code: int) -> None:
    """Each command exits as documented, prints JSON, and warns on stderr of what the walk
    skipped (the problems of notes are told when they are read: by ``index`` above)."""
    made, _, _ = corpus
    result = cli(*args, "--vault", str(made.root), code=code)
    items = json.loads(result.stdout)
    walk_problems = {(one_line(p), c) for p, c in made.expected.items()
                     if c in ("bad-symlink", "bad-name", "unreadable")}
    if args == CHECK:  # check reports every file problem in its output, with the rest
        found = {(i["source"], i["code"]) for i in items if i["code"] != "unresolved-link"}
        assert found == set(made.expected.items())
        assert all(i["severity"] == "warning" for i in items if i["code"] != "unresolved-link")
        walk_problems = set()
    assert set(warnings_of(result.stderr)) == walk_problems


def test_what_can_be_read_is_indexed(corpus: Any) -> None:
    made, _, _ = corpus
    with Vault.open(made.root) as v:
        where = {(b.source, b.line, b.column) for b in v.backlinks("Target")}
        assert {("enc/utf16le.md", 2, 1), ("enc/utf16be.md", 2, 1), ("enc/utf8-bom.md", 5, 1),
                ("enc/crlf.md", 5, 1), ("enc/cr.md", 5, 1), ("enc/nul-late.md", 1, 9003),
                ("enc/latin1.md", 1, 6), ("shape/long-line.md", 1, 2 * hostile.MB + 2),
                ("shape/many-lines.md", 500_001, 1), ("fm/unclosed.md", 3, 1),
                ("shape/deep-quote.md", 1, 10_002), ("shape/deep-list.md", 1, 20_001),
                } <= where
        assert {t.tag: t.count for t in v.tags()}.items() >= {
            "enc": 3, "bom": 1, "crlf": 1, "cr": 1, "late": 1, "ok": 1, "topic": 1}.items()
        assert len(v.links("shape/links-100k.md")) == 100_000
        contexts = [b.context for b in v.backlinks("n1")]
        assert len(contexts) == 10_000
        assert max(map(len, contexts)) <= 402  # a long line is cut around the link
        assert [o.target for o in v.links("shape/unclosed-comment.md")] == [
            "Target", "InComment"]  # comments are indexed; unclosed code hides its links
        for note in ("unclosed-fence", "unclosed-html-comment", "unclosed-math"):
            assert [o.target for o in v.links(f"shape/{note}.md")] == ["Target"]
        odd = v.links("names/links")
        assert all(o.resolved for o in odd), [o for o in odd if not o.resolved]
        nfd = f"names/{hostile.NFD_NAME}.md"
        assert [o.resolved for o in odd[:4]] == [nfd] * 4  # NFC, case, upper case, NFD
    assert not (made.root / "PWNED").exists()  # the YAML python tag did not run


def test_index_equals_a_rebuild(corpus: Any, cli: Cli) -> None:
    made, _, _ = corpus
    root = str(made.root)
    queries = [("orphans",), ("tags",), ("stats",), ("backlinks", "Target"),
               ("unresolved",)]
    before = [cli.json(*q, "--vault", root) for q in queries]
    dump = hostile.index_dump(made.root)
    again = cli("index", "--vault", root)  # nothing changed: nothing is read again
    assert "0 added, 0 modified, 0 removed" in again.stderr
    cli("index", "--vault", root, "--rebuild")
    assert hostile.index_dump(made.root) == dump
    assert [cli.json(*q, "--vault", root) for q in queries] == before


def test_folders_deeper_than_the_recursion_limit(make_vault: VaultFactory) -> None:
    root = make_vault({"Target.md": ""})
    bottom = hostile.make_nest(root, sys.getrecursionlimit() + 500)
    try:
        with Vault.open(root) as v:
            assert [b.source for b in v.backlinks("Target")] == [bottom]
    finally:
        hostile.remove_nest(root)


# --- files that change while the scan runs ---------------------------------------------------


def _during_read(monkeypatch: pytest.MonkeyPatch, name: str, act: Callable[[Path], None]
                 ) -> None:
    """Run ``act`` on the note called ``name`` between the walk and its read."""
    real = scan.read_note

    def read(path: Path) -> scan.ReadResult:
        if path.name == name:
            act(path)
        return real(path)

    monkeypatch.setattr(scan, "read_note", read)


def _replace_with_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "inner.md").write_text("[[A]]\n")


def _replace_with_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


@pytest.mark.parametrize("act", [
    Path.unlink,
    lambda p: p.write_text("[[A]] [[C]] rewritten, and longer than before\n"),
    _replace_with_folder,
    _replace_with_fifo,
], ids=["deleted", "rewritten", "replaced-by-folder", "replaced-by-fifo"])
def test_file_changed_between_walk_and_read(make_vault: VaultFactory,
                                            monkeypatch: pytest.MonkeyPatch,
                                            act: Callable[[Path], None]) -> None:
    root = make_vault({"A.md": "[[B]]\n", "B.md": "[[A]] [[C]]\n", "C.md": ""})
    _during_read(monkeypatch, "B.md", act)
    done: list[Any] = []
    worker = threading.Thread(target=lambda: done.append(Vault.open(root).close()),
                              daemon=True)
    worker.start()
    worker.join(30)  # a FIFO must not block the read
    assert done, "the refresh hung"
    monkeypatch.undo()
    with Vault.open(root) as v:  # the next refresh catches up with what is on disk
        answers = ({(b.source, b.line) for b in v.backlinks("A")},
                   [(u.source, u.target) for u in v.unresolved()])
        dump = hostile.index_dump(root)
        v.rebuild()
        assert hostile.index_dump(root) == dump
        assert ({(b.source, b.line) for b in v.backlinks("A")},
                [(u.source, u.target) for u in v.unresolved()]) == answers


def test_file_deleted_between_listing_and_stat(make_vault: VaultFactory,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_vault({"A.md": "[[B]]\n", "B.md": "", "sub/C.md": ""})
    real = os.scandir

    class Gone:
        def __init__(self, entry: os.DirEntry[str]) -> None:
            self.name, self.path, self._entry = entry.name, entry.path, entry

        def is_symlink(self) -> bool:
            return False

        def is_file(self, follow_symlinks: bool = True) -> bool:
            return self._entry.is_file(follow_symlinks=follow_symlinks)

        def stat(self, follow_symlinks: bool = True) -> os.stat_result:
            raise FileNotFoundError(self.path)

    class Listing:
        def __init__(self, path: Any) -> None:
            self.entries = [Gone(e) if e.name in ("B.md", "sub") else e for e in real(path)]

        def __enter__(self) -> list[Any]:
            return self.entries

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr(os, "scandir", Listing)
    problems: list[scan.WalkWarning] = []
    assert sorted(scan.walk(root, problems.append)) == ["A.md"]
    assert problems == []  # vanished files are not problems


# --- permissions ---------------------------------------------------------------------------


def _drop_root_file_powers() -> None:
    """In the child, before exec: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
    bounding set, so that root obeys file permissions like anyone else."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _run_as_mortal(*args: str) -> subprocess.CompletedProcess[str]:
    preexec = _drop_root_file_powers if os.geteuid() == 0 else None
    return subprocess.run([sys.executable, "-m", "vaultkit", *args], capture_output=True,
                          text=True, timeout=120, preexec_fn=preexec)


def test_permission_denied_files_and_folders(make_vault: VaultFactory) -> None:
    """Tests run as root here, and root reads any file: when root, vaultkit runs in a child
    without the capabilities that let root ignore permissions (or the test is skipped)."""
    root = make_vault({"A.md": "[[secret]] [[inside]]\n", "perm/secret.md": "[[A]]\n",
                       "perm/closed/inside.md": "[[A]]\n"})
    (root / "perm" / "secret.md").chmod(0)
    (root / "perm" / "closed").chmod(0)
    try:
        if sys.platform != "linux":
            pytest.skip("permission test needs Linux")
        if os.geteuid() == 0:
            try:
                subprocess.run([sys.executable, "-c", "0"], check=True,
                               preexec_fn=_drop_root_file_powers)
            except (OSError, subprocess.SubprocessError):
                pytest.skip("running as root without CAP_SETPCAP: cannot drop root's powers")
        proc = _run_as_mortal("index", "--vault", str(root))
        assert proc.returncode == 0, proc.stderr
        assert set(warnings_of(proc.stderr)) == {("perm/secret.md", "unreadable"),
                                                 ("perm/closed", "unreadable")}
        assert "Permission denied" in proc.stderr
        check = _run_as_mortal("check", "--vault", str(root), "--format", "json")
        assert check.returncode == 1
        codes = {(i["source"], i["code"]) for i in json.loads(check.stdout)}
        assert {("perm/secret.md", "unreadable"), ("perm/closed", "unreadable")} <= codes
    finally:
        (root / "perm" / "secret.md").chmod(0o644)
        (root / "perm" / "closed").chmod(0o755)
    with Vault.open(root) as v:  # readable again: read at once, though its mtime is old
        assert sorted(b.source for b in v.backlinks("A")) == ["perm/closed/inside.md",
                                                               "perm/secret.md"]
        assert v.problems() == []


# --- the 50 MB note ---------------------------------------------------------------------------


@pytest.mark.slow
def test_fifty_megabyte_note(tmp_path: Path) -> None:
    text = hostile.prose(50 * hostile.MB)
    root = write_vault(tmp_path / "big", {"big.md": text, "Target.md": ""})
    start = time.perf_counter()
    proc, peak = hostile.run_measured("index", "--vault", str(root))
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    assert peak < RSS_LIMIT_KB, f"peak RSS {peak // 1024} MB"
    assert seconds < 120
    with Vault.open(root) as v:
        assert len(v.backlinks("Target")) == text.count("[[Target]]")
        assert v.stats().notes == 2


# --- the parser's limits: bugs found, for the parser's owner ------------------------------


def test_deeply_nested_yaml_flow_does_not_crash() -> None:
    code = ("from vaultkit.parse import parse_note\n"
            "n = parse_note('a.md', '---\\nx: ' + '[' * 100_000 + ']' * 100_000 + '\\n---\\n')\n"
            "print(n.problems[0].code)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "bad-frontmatter", proc.returncode


def _grows_linearly(make: Any, small: int) -> bool:
    """Parsing 4x the input costs well under 16x (what a quadratic scan would): the
    ratio of best-of-3 times, not a time limit, so a busy machine does not fail it."""
    from vaultkit.parse import parse_note

    def best(n: int) -> float:
        text = make(n)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            parse_note("a.md", text)
            times.append(time.perf_counter() - start)
        return min(times)

    return best(4 * small) < 8 * best(small)


def test_backtick_runs_parse_in_linear_time() -> None:
    """1,700 runs of 1, 2, 3, ... backticks (1.4 MB), none ever closed. A rescan of the
    paragraph per opener took 1.3 s; one scan takes about 0.02 s: the bound is 25x that."""
    from vaultkit.parse import parse_note

    text = "".join("`" * i + " " for i in range(1, 1700))
    start = time.perf_counter()
    parse_note("a.md", text)
    assert time.perf_counter() - start < 0.5


def test_unclosed_backticks_across_block_starts_parse_in_linear_time() -> None:
    """Each unclosed backtick looks for the line that ends its paragraph (a list item, a
    quote...): lines of every kind, each with an opener, must not make that a rescan."""
    assert _grows_linearly(lambda n: "".join(f"> q `{i}\n- l `{i}\n  c `{i}\np `{i}\n"
                                             for i in range(n)), 2_000)
    assert _grows_linearly(lambda n: "a paragraph of many lines `\n" * n, 4_000)


def test_link_labels_over_lines_and_links_in_labels_parse_in_linear_time() -> None:
    """A label may run over line ends, and a label holding a link is looked into again:
    neither may rescan the text once per opening bracket."""
    assert _grows_linearly(lambda n: "[" + "word\n" * n + "](z.md)\n", 4_000)
    assert _grows_linearly(lambda n: "](y) [" + "a word, " * n + "\nand more" * n, 1_000)
    assert _grows_linearly(lambda n: "[a " + "[b](c.md) " * n + "](z.md)\n", 2_000)
    assert _grows_linearly(lambda n: "[![i](a.png) " * n + "](b.md)\n", 2_000)


@pytest.mark.slow
def test_frontmatter_values_are_not_dropped_silently() -> None:
    from vaultkit.parse import parse_note

    text = "---\n" + "".join(f"k{i}: '[[T{i}]]'\n" for i in range(25_000)) + "---\n"
    note = parse_note("a.md", text)
    assert len(note.links) == 25_000 or note.problems


def test_many_frontmatter_links_parse_quickly() -> None:
    assert _grows_linearly(lambda n: "---\n" + "".join(f"k{i}: '[[T{i}]]'\n" for i in range(n))
                           + "---\n", 2_500)
