"""The typer-free path of the ``vaultkit`` command gives what the typer app gives."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vaultkit import Vault, fastcli
from vaultkit.cli import app

from .conftest import VaultFactory

FILES = {
    "Home.md": "---\ntags: [proj]\naliases: [Start]\n---\n# Home\n"
               "[[A]] [[Missing]] [[A#Sec]] ![[pic.png]] #topic/sub\n",
    "A.md": "# Sec\nback to [[Home|home]] and [[Mising]]\n",
    "sub/A.md": "same name, other folder\n",
    "Lonely.md": "nothing here\n",
    "Outbound.md": "an orphan, not isolated: [[Lonely]]\n",
    "Bad.md": "---\nkey: [unclosed\n---\nbody #topic\n",
    "pic.png": b"\x89PNG\r\n\x1a\n",
}

COMMAND_LINES = [
    ["index"], ["index", "--json"], ["index", "--rebuild"],
    ["backlinks", "Home"], ["backlinks", "--json", "Home"], ["backlinks", "Start", "--json"],
    ["backlinks", "Nowhere"], ["backlinks", "A"],
    ["links", "Home"], ["links", "Home", "--json"], ["links", "A.md", "--json"],
    ["orphans"], ["orphans", "--json"], ["orphans", "--isolated"],
    ["orphans", "--isolated", "--json"],
    ["unresolved"], ["unresolved", "--json"],
    ["tags"], ["tags", "--json"], ["tags", "topic"], ["tags", "#topic", "--json"],
    ["tags", "-"],
    ["stats"], ["stats", "--json"],
    ["check"], ["check", "--json"], ["check", "-f", "github"], ["check", "--format=sarif"],
    ["check", "A.md", "Home.md"], ["check", "Lonely.md", "--format", "json"],
    ["check", "--format", "xml"], ["check", "--json", "--format", "text"],
    ["check", "--write-baseline", "base.json", "--staged"],
]


def _run(runner: object, argv: list[str], capsys: pytest.CaptureFixture[str]
         ) -> tuple[object, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        runner(argv)  # type: ignore[operator]
    out, err = capsys.readouterr()
    # the only thing allowed to differ: how long a refresh took
    out, err = (re.sub(r'"seconds": ?[0-9.e-]+|in [0-9.]+s\b', "<time>", s) for s in (out, err))
    return exit_info.value.code or 0, out, err


def _typer(argv: list[str]) -> None:
    app(args=argv, prog_name="vaultkit")


@pytest.mark.parametrize("vault_opt", [["--vault", "{}"], ["-v", "{}"], ["--vault={}"]])
def test_fast_path_answers_as_typer_does(make_vault: VaultFactory, vault_opt: list[str],
                                         capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_vault(FILES)
    monkeypatch.chdir(root)
    vault = [part.format(root) for part in vault_opt]
    _run(fastcli.main, ["index", *vault], capsys)
    for argv in COMMAND_LINES:
        argv = [*argv, *vault]
        assert fastcli.parse(argv) is not None, argv
        fast = _run(fastcli.main, argv, capsys)
        assert fast == _run(_typer, argv, capsys), argv
    assert fast[0] == 2 and "--write-baseline records the whole vault" in fast[2]


def test_parse_reads_arguments_and_options() -> None:
    assert fastcli.parse(["tags"]) == ("tags", {})
    assert fastcli.parse(["tags", "x", "--json"]) == ("tags", {"tag": "x", "json": True})
    assert fastcli.parse(["check", "a.md", "--staged", "b.md", "-f", "json"]) == (
        "check", {"files": ["a.md", "b.md"], "staged": True, "fmt": "json"})
    assert fastcli.parse(["check"]) == ("check", {"files": None})
    assert fastcli.parse(["backlinks", "-", "--vault=", "--json", "--json"]) == (
        "backlinks", {"note": "-", "vault": "", "json": True})
    assert fastcli.parse(["index", "-v", "a b", "--rebuild"]) == (
        "index", {"vault": "a b", "rebuild": True})
    assert fastcli.parse(["backlinks", "--json", "--", "-x"]) == (
        "backlinks", {"json": True, "note": "-x"})
    assert fastcli.parse(["check", "-f", "json", "--", "--staged", "-"]) == (
        "check", {"fmt": "json", "files": ["--staged", "-"]})
    assert fastcli.parse(["tags", "--"]) == ("tags", {})


def test_names_starting_with_a_dash_after_double_dash(make_vault: VaultFactory,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    """``vaultkit backlinks -- -x``: a note named ``-x`` (scripts pass names after
    ``--``), answered without typer, as typer answers it."""
    root = make_vault({"-x.md": "[[a]]\n", "a.md": "[[-x]] and [[-x.md]]\n",
                       "--json.md": "[[-x]]\n"})
    for argv in (["backlinks", "--vault", str(root), "--json", "--", "-x"],
                 ["links", "-v", str(root), "--", "--json"],
                 ["check", "--vault", str(root), "--", "-x.md", "a.md"]):
        assert fastcli.parse(argv) is not None
        fast = _run(fastcli.main, argv, capsys)
        assert fast == _run(_typer, argv, capsys), argv
    found = json.loads(_run(fastcli.main, ["backlinks", "-v", str(root), "--json", "--", "-x"],
                            capsys)[1])
    assert [(b["source"], b["text"]) for b in found] == [
        ("--json.md", "[[-x]]"), ("a.md", "[[-x]]"), ("a.md", "[[-x.md]]")]


@pytest.mark.parametrize("argv", [
    [], ["-h"], ["--help"], ["backlinks"], ["backlinks", "-h"], ["backlinks", "a", "b"],
    ["backlinks", "a", "--vault"], ["backlinks", "a", "--vault", "-x"],
    ["backlinks", "a", "-vX"], ["backlinks", "a", "-v=X"], ["backlinks", "a", "--jsn"],
    ["backlinks", "--", "a", "b"], ["orphans", "--", "x"], ["orphans", "x"], ["tags", "a", "b"],
    ["index", "--json=1"],
    ["index", "--vault", "a", "--vault", "b"], ["watch"], ["graph"], ["hubs", "--json"],
    ["Backlinks", "a"],
])
def test_other_command_lines_go_to_typer(argv: list[str]) -> None:
    assert fastcli.parse(argv) is None


def test_typer_answers_what_the_fast_path_does_not_read(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(fastcli.main, ["backlinks"], capsys)
    assert code == 2 and "Missing argument" in err
    code, out, _ = _run(fastcli.main, ["-h"], capsys)
    assert code == 0 and "backlinks" in out and "islands" in out
    code, _, err = _run(fastcli.main, ["orphans", "--isolate"], capsys)
    assert code == 2 and "No such option" in err


HEAVY = ("typer", "click", "rich", "networkx", "watchdog", "dataclasses", "orjson")


def _heavy_modules_loaded(argv: list[str]) -> tuple[list[str], str]:
    """Run ``vaultkit ARGV`` in a fresh interpreter: which of HEAVY it loaded, its stdout."""
    code = (
        "import sys\nfrom vaultkit.fastcli import main\n"
        f"sys.argv = ['vaultkit', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    return ast.literal_eval(result.stderr.strip().splitlines()[-1]), result.stdout


def test_a_query_or_a_refresh_loads_only_what_it_needs(make_vault: VaultFactory) -> None:
    """Start-up: no option parser, no tables, no graph library, no watcher, and no
    dataclasses (the answers, refresh records and what the parser finds are named
    tuples)."""
    root = make_vault(FILES)
    with Vault.open(root):
        pass  # indexed
    loaded, out = _heavy_modules_loaded(["backlinks", "Home", "--json", "--vault", str(root)])
    assert loaded == [] and [b["source"] for b in json.loads(out)] == ["A.md"]
    (root / "Home.md").write_text("---\ntags: [t]\naliases: [S]\n---\n[[A]] #x\n")
    loaded, out = _heavy_modules_loaded(["index", "--json", "--vault", str(root)])
    assert loaded == [] and json.loads(out)["modified"] == 1


def test_python_m_vaultkit_runs_the_fast_path(make_vault: VaultFactory) -> None:
    root = make_vault(FILES)
    result = subprocess.run([sys.executable, "-m", "vaultkit", "orphans", "--json", "--vault",
                             str(root)], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parent.parent)
    assert {"path": "Outbound.md"} in json.loads(result.stdout)
