"""``vaultkit check``: the pure heading/block rules (spec section 4), then the command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from vaultkit.check import (
    CheckConfig,
    ConfigError,
    LinkFact,
    NoteTargets,
    apply_config,
    baseline_keys,
    check_link,
    config_from_mapping,
    find_subpath,
    glob_regex,
    is_attachment_target,
    strip_heading,
)
from vaultkit.model import Diagnostic
from vaultkit.parse import parse_note
from vaultkit.resolve import Resolver

from .conftest import Cli, VaultFactory

# --- pure: headings and blocks (spec section 4) ------------------------------------------


def targets(text: str) -> NoteTargets:
    note = parse_note("N.md", text)
    return NoteTargets(note.headings, frozenset(b.id for b in note.blocks))


@pytest.mark.parametrize(("case", "content", "subpath", "found"), [
    ("H1", "## Links are first-class citizens\n", "#links are FIRST-class citizens", True),
    ("H2", "## **Bold** heading\n", "#Bold heading", True),
    ("H3", "## _italic_ heading\n", "#italic heading", False),
    ("H4", "## What is C++?\n", "#What is C", True),
    ("H5", "## Q&A: part 1\n", "#Q&A part 1", True),
    ("H6", "# A\ntext\n## B\n", "#A#B", True),
    ("H7", "## A\n# Other\n### B\n", "#A#B", True),
    ("H8", "## Setup\none\n## Setup\ntwo\n", "#Setup", True),
    ("H9", "## Something\n", "#Nope", False),
    ("H16", "para ^ABC\n", "#^abc", True),
])
def test_spec_heading_and_block_cases(case: str, content: str, subpath: str, found: bool) -> None:
    assert find_subpath(targets(content), subpath) is found, case


def test_multi_part_needs_a_deeper_heading_in_order() -> None:
    note = targets("## B\n## A\n## B\n")
    assert find_subpath(note, "#A#B") is False  # B is not deeper than A
    assert find_subpath(targets("### B\n## A\n"), "#A#B") is False  # B comes before A
    assert find_subpath(targets("# A\n## B\n### C\n"), "##A##B#C") is True  # empty parts dropped


def test_block_rules() -> None:
    assert find_subpath(targets("para ^abc\n"), "#^ABC") is True
    assert find_subpath(targets("para ^abc\n"), "#^nope") is False
    # a missing block falls through to the headings, as in Obsidian's resolveSubpath
    assert find_subpath(targets("## abc\n"), "#^abc") is True
    assert find_subpath(targets("x\n"), "") is None
    assert find_subpath(targets("x\n"), "#") is None


def test_strip_heading() -> None:
    assert strip_heading("  **Bold**   heading ") == "Bold heading"
    # `_ - '` stay. The spec (section 4 rule 3) says `=` stays too, but Obsidian's regex
    # /[!"#$%&()*+,.:;<=>?@^`{|}~\/\[\]\\\r\n]/ holds `<=>`: three literal characters
    assert strip_heading("a_b-c'd=e") == "a_b-c'd e"
    assert strip_heading("x/y [z] {w} \\v") == "x y z w v"


@pytest.mark.parametrize(("target", "attachment"), [
    ("img.png", True), ("images/a.b.JPEG", True), ("doc.pdf", True), ("board.canvas", True),
    ("Note", False), ("Note.md", False), ("v1.2", False), ("St. Louis", False),
    ("2024.01.05", False), ("folder.with.dots/Note", False),
])
def test_attachment_targets(target: str, attachment: bool) -> None:
    assert is_attachment_target(target) is attachment


def fact(**kw: object) -> LinkFact:
    base: dict[str, object] = dict(source="S.md", line=1, column=1, text="[[T]]", target="T",
                                   subpath="", embed=False, resolved="T.md")
    base.update(kw)
    return LinkFact(**base)  # type: ignore[arg-type]


def test_check_link_codes() -> None:
    note = {"T.md": targets("## Real heading\npara ^blk\n")}
    codes = lambda f: [d.code for d in check_link(f, note)]  # noqa: E731
    assert codes(fact()) == []
    assert codes(fact(resolved=None)) == ["unresolved-link"]
    assert codes(fact(resolved=None, target="x.png", embed=True)) == ["missing-attachment"]
    assert codes(fact(subpath="#Real heading")) == []
    assert codes(fact(subpath="#Nope")) == ["missing-heading"]
    assert codes(fact(subpath="#^nope")) == ["missing-block"]
    assert codes(fact(ties=("a/T.md", "b/T.md"), resolved="a/T.md")) == ["ambiguous-link"]
    heading = check_link(fact(subpath="#Real headin"), note)[0]
    assert heading.suggestions == ("T#Real heading",)
    off = check_link(fact(subpath="#Nope"), note, CheckConfig(check_headings=False).options)
    assert off == []


def test_resolver_ties() -> None:
    r = Resolver(["b/Note.md", "a/Note.md", "x.md", "c/d/Other.md", "e/Other.md",
                  "bb/Foo.md", "a/Foo.md"])
    assert r.ties("Note", "x.md") == ["a/Note.md", "b/Note.md"]  # equal length: load order
    assert r.ties("Note", "a/x.md") == []  # the note's own folder wins
    assert r.ties("a/Note", "x.md") == []  # a path picks one
    assert r.ties("Other", "x.md") == []  # the shorter path wins
    assert r.ties("Foo", "b/x.md") == []  # bb/ starts with b (string test): nearer
    assert r.ties("Missing", "x.md") == []


def test_glob_regex() -> None:
    match = lambda g, p: bool(glob_regex(g).match(p))  # noqa: E731
    assert match("Templates/**", "Templates/a/b.md")
    assert match("Templates/", "Templates/x.md")
    assert match("*.md", "x.md") and not match("*.md", "a/x.md")
    assert match("**/draft-*.md", "draft-1.md") and match("**/draft-*.md", "a/b/draft-1.md")
    assert match("Inbox/?.md", "Inbox/a.md") and not match("Inbox/?.md", "Inbox/ab.md")
    assert match("[ab]/*.md", "a/x.md") and not match("[!ab]/*.md", "a/x.md")


def test_config_validation() -> None:
    cfg = config_from_mapping({"severity": {"ambiguous-link": "error", "missing-block": "off"},
                               "ignore": ["Templates/"], "check_headings": False})
    assert cfg.severity_of("ambiguous-link", "warning") == "error"
    assert not cfg.check_headings and cfg.check_blocks
    for bad, words in [
        ({"severty": {}}, "unknown key check.severty"),
        ({"severity": {"nope": "error"}}, "unknown code 'nope'"),
        ({"severity": {"unresolved-link": "fatal"}}, "must be \"error\", \"warning\" or \"off\""),
        ({"ignore": "x"}, "list of glob strings"),
        ({"check_blocks": "no"}, "true or false"),
        ({"ignore": ["[x"]}, "unclosed"),
    ]:
        with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace("'", "'")):
            config_from_mapping(bad)


def test_apply_config_and_baseline_keys() -> None:
    d = [Diagnostic("a.md", 1, 1, "warning", "ambiguous-link", "m", text="[[X]]"),
         Diagnostic("a.md", 5, 1, "error", "unresolved-link", "m", text="[[Y]]"),
         Diagnostic("a.md", 9, 1, "error", "unresolved-link", "m", text="[[Y]]"),
         Diagnostic("T/b.md", 1, 1, "error", "unresolved-link", "m", text="[[Y]]")]
    cfg = CheckConfig(severity=(("ambiguous-link", "error"),), ignore=("T/**",))
    assert [(x.path, x.severity) for x in apply_config(d, cfg)] == [
        ("a.md", "error"), ("a.md", "error"), ("a.md", "error")]
    assert baseline_keys(d) == [("a.md", "ambiguous-link", "[[X]]", 0),
                                ("a.md", "unresolved-link", "[[Y]]", 0),
                                ("a.md", "unresolved-link", "[[Y]]", 1),
                                ("T/b.md", "unresolved-link", "[[Y]]", 0)]


# --- the command -----------------------------------------------------------------------------

FILES: dict[str, str | bytes] = {
    "Home.md": (
        "# Home\n"
        "See [[Gemeni]] and ![[missing.png]].\n"
        "Heading [[Models/Gemini#Training]] and [[Models/Gemini#Trainig]].\n"
        "Block [[Models/Gemini#^fact]] and [[Models/Gemini#^nope]].\n"
        "Self [[#Home]] and [[#Away]]; which [[Dup]]?\n"
    ),
    "Models/Gemini.md": "# Gemini\n## Training\nA fact. ^FACT\n",
    "a/Dup.md": "one\n",
    "b/Dup.md": "two\n",
    "Bad.md": "---\ntitle: [unclosed\n---\nBody [[Home]]\n",
    "Latin1.md": b"caf\xe9 [[Home]]\n",
    "Binary.md": b"\x00\x01\x02",
}


@pytest.fixture
def vault(make_vault: VaultFactory) -> str:
    return str(make_vault(FILES))


def test_every_code_as_json(cli: Cli, vault: str) -> None:
    items = cli.json("check", "--vault", vault, code=1)
    got = [(i["source"], i["line"], i["column"], i["code"], i["severity"]) for i in items]
    assert got[0][0] == "Bad.md" and got[0][3:] == ("bad-frontmatter", "warning")
    assert got[1:] == [
        ("Binary.md", 1, 1, "binary-file", "warning"),
        ("Home.md", 2, 5, "unresolved-link", "error"),
        ("Home.md", 2, 20, "missing-attachment", "error"),
        ("Home.md", 3, 40, "missing-heading", "error"),
        ("Home.md", 4, 35, "missing-block", "error"),
        ("Home.md", 5, 20, "missing-heading", "error"),
        ("Home.md", 5, 37, "ambiguous-link", "warning"),
        ("Latin1.md", 1, 1, "bad-encoding", "warning"),
    ]
    by_code = {i["code"]: i for i in reversed(items)}  # the first of each code
    unresolved = by_code["unresolved-link"]
    assert unresolved["suggestions"] == ["Gemini"]
    assert unresolved["text"] == "[[Gemeni]]" and unresolved["target"] == "Gemeni"
    assert unresolved["message"] == 'no note "Gemeni" in the vault'
    assert set(unresolved) >= set(cli.json("unresolved", "--vault", vault)[0])
    assert by_code["missing-attachment"]["embed"] is True
    assert by_code["missing-heading"]["suggestions"] == ["Models/Gemini#Training"]
    assert by_code["ambiguous-link"]["suggestions"] == ["a/Dup", "b/Dup"]
    self_link = next(i for i in items if i["text"] == "[[#Away]]")
    assert self_link["message"] == 'no heading "#Away" in this note'
    assert by_code["bad-frontmatter"]["text"] == "" and by_code["bad-frontmatter"]["target"] == ""


def test_text_format_and_exit_codes(cli: Cli, make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "x [[Gemeni]]\n", "Gemini.md": "", "a/D.md": "", "b/D.md": ""})
    result = cli("check", "--vault", str(root), code=1)
    assert result.stdout == (
        "A.md:1:3: error unresolved-link: no note \"Gemeni\" in the vault"
        " (did you mean [[Gemini]]?)\n")
    assert "1 error, 0 warnings in 4 notes" in result.stderr
    (root / "A.md").write_text("x [[Gemini]] [[D]]\n", encoding="utf-8")
    result = cli("check", "--vault", str(root), code=0)  # warnings alone pass
    assert result.stdout.startswith("A.md:1:14: warning ambiguous-link:")
    assert "(did you mean [[a/D]] or [[b/D]]?)" in result.stdout
    (root / "A.md").write_text("x [[Gemini]]\n", encoding="utf-8")
    result = cli("check", "--vault", str(root), code=0)
    assert result.stdout == ""
    assert "no problems in 4 notes" in result.stderr


def test_github_format(cli: Cli, make_vault: VaultFactory) -> None:
    root = make_vault({"A, b.md": "x [[Gemeni]]\n", "Gemini.md": "", "W.md": "[[Gemini]] [[D]]",
                       "a/D.md": "", "b/D.md": ""})
    result = cli("check", "--vault", str(root), "--format", "github", code=1)
    assert result.stdout.splitlines() == [
        "::error file=A%2C b.md,line=1,col=3::unresolved-link: no note \"Gemeni\" in the vault"
        " (did you mean [[Gemini]]?)",
        "::warning file=W.md,line=1,col=12::ambiguous-link: \"D\" matches a/D.md and b/D.md"
        " equally; Obsidian picks one by load order (vaultkit: a/D.md)"
        " (did you mean [[a/D]] or [[b/D]]?)",
    ]


def test_sarif_format(cli: Cli, vault: str) -> None:
    result = cli("check", "--vault", vault, "--format", "sarif", code=1)
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "vaultkit"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert {"unresolved-link", "missing-attachment", "missing-heading", "missing-block",
            "ambiguous-link", "bad-frontmatter"} <= set(rule_ids)
    assert all(r["defaultConfiguration"]["level"] in ("error", "warning", "none")
               for r in driver["rules"])
    assert len(run["results"]) == 9
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in ("error", "warning")
        assert res["message"]["text"]
        (loc,) = res["locations"]
        phys = loc["physicalLocation"]
        assert set(phys) == {"artifactLocation", "region"}
        assert phys["region"]["startLine"] >= 1 and phys["region"]["startColumn"] >= 1
        assert not phys["artifactLocation"]["uri"].startswith("/")
    first = next(r for r in run["results"] if r["ruleId"] == "unresolved-link")
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "Home.md"}, "region": {"startLine": 2, "startColumn": 5}}


def test_format_usage_errors(cli: Cli, vault: str) -> None:
    assert "--format" in cli("check", "--vault", vault, "--format", "xml", code=2).stderr
    cli("check", "--vault", vault, "--json", "--format", "text", code=2)
    assert cli("check", "--vault", vault, "--json", "--format", "json", code=1).stdout


def test_files_select_notes(cli: Cli, vault: str, monkeypatch: pytest.MonkeyPatch,
                            tmp_path: Path) -> None:
    monkeypatch.chdir(vault)
    assert [i["source"] for i in cli.json("check", "Bad.md", "--vault", vault)] == ["Bad.md"]
    assert cli.json("check", "Models", "a/Dup.md", "--vault", vault) == []
    assert cli.json("check", ".", "--vault", vault, code=1)  # a folder: the notes below it
    result = cli("check", "Nope.md", "--vault", vault, code=2)
    assert "Nope.md: no such file" in result.stderr
    outside = tmp_path / "outside.md"
    outside.write_text("[[x]]", encoding="utf-8")
    result = cli("check", str(outside), "--vault", vault, code=2)
    assert "outside the vault" in result.stderr and "Traceback" not in result.stderr
    (Path(vault) / ".github").mkdir()
    (Path(vault) / ".github" / "x.md").write_text("[[nope]]", encoding="utf-8")
    assert cli.json("check", ".github/x.md", "--vault", vault) == []  # hidden: not a note


def test_when_text_position_is_relative_to_cwd(cli: Cli, vault: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(vault).parent)
    lines = cli("check", "--vault", "vault", code=1).stdout.splitlines()
    assert lines[0].startswith("vault/Bad.md:") and " warning bad-frontmatter: " in lines[0]
    assert cli.json("check", "--vault", "vault", code=1)[0]["source"] == "Bad.md"


# --- configuration -----------------------------------------------------------------------------


def test_config_severity_ignore_and_switches(cli: Cli, vault: str) -> None:
    root = Path(vault)
    (root / ".vaultkit.toml").write_text(
        "[check]\n"
        'ignore = ["Bad.md", "Lat*.md", "Binary.md"]\n'
        "check_headings = false\n"
        "check_blocks = false\n"
        '[check.severity]\n"ambiguous-link" = "error"\n"unresolved-link" = "off"\n'
        '"missing-attachment" = "warning"\n',
        encoding="utf-8")
    items = cli.json("check", "--vault", vault, code=1)
    assert [(i["code"], i["severity"]) for i in items] == [
        ("missing-attachment", "warning"), ("ambiguous-link", "error")]
    sarif = json.loads(cli("check", "--vault", vault, "-f", "sarif", code=1).stdout)
    levels = {r["id"]: r["defaultConfiguration"]["level"]
              for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert levels["unresolved-link"] == "none" and levels["ambiguous-link"] == "error"


@pytest.mark.parametrize(("content", "words"), [
    ("[check\n", "invalid TOML"),
    ("[check]\ncheck_headings = 1\n", "check.check_headings must be true or false"),
    ("[check]\nsevertiy = {}\n", "unknown key check.severtiy"),
    ("[checks]\n", "unknown table or key 'checks'"),
    ('[check.severity]\n"broken" = "error"\n', "unknown code 'broken'"),
])
def test_bad_config_is_a_one_line_usage_error(cli: Cli, vault: str, content: str,
                                              words: str) -> None:
    (Path(vault) / ".vaultkit.toml").write_text(content, encoding="utf-8")
    result = cli("check", "--vault", vault, code=2)
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("vaultkit: error: ") and ".vaultkit.toml" in line and words in line


# --- baseline ------------------------------------------------------------------------------------


def test_baseline_survives_unrelated_edits(cli: Cli, make_vault: VaultFactory,
                                           tmp_path: Path) -> None:
    root = make_vault({"A.md": "x [[Gone]]\ny [[Gone]]\n", "B.md": "[[Nope]]\n"})
    base = tmp_path / "baseline.json"
    result = cli("check", "--vault", str(root), "--write-baseline", str(base))
    assert result.stdout == "" and "wrote 3 problems" in result.stderr
    saved = json.loads(base.read_text(encoding="utf-8"))
    assert saved["problems"][0] == {"path": "A.md", "code": "unresolved-link",
                                    "text": "[[Gone]]", "occurrence": 0}
    assert cli.json("check", "--vault", str(root), "--baseline", str(base)) == []
    # lines move, a third [[Gone]] and a new broken link appear: only those are reported
    (root / "A.md").write_text("# New title\n\nx [[Gone]]\n[[Fresh]]\ny [[Gone]] [[Gone]]\n",
                               encoding="utf-8")
    new = cli.json("check", "--vault", str(root), "--baseline", str(base), code=1)
    assert [(i["line"], i["column"], i["text"]) for i in new] == [
        (4, 1, "[[Fresh]]"), (5, 12, "[[Gone]]")]
    result = cli("check", "--vault", str(root), "--baseline", str(base), code=1)
    assert "(3 in the baseline not shown)" in result.stderr


def test_baseline_usage_errors(cli: Cli, vault: str, tmp_path: Path) -> None:
    assert "baseline file not found" in cli(
        "check", "--vault", vault, "--baseline", str(tmp_path / "nope.json"), code=2).stderr
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    assert "not a vaultkit baseline" in cli(
        "check", "--vault", vault, "--baseline", str(tmp_path / "bad.json"), code=2).stderr
    cli("check", "Home.md", "--vault", vault, "--write-baseline", str(tmp_path / "b"), code=2)


# --- git: staged deletions and renames ---------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=os.devnull)
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True,
                          check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_OBJECT_DIRECTORY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    top = tmp_path / "repo"
    notes = top / "notes"
    (notes / ".obsidian").mkdir(parents=True)
    files = {"A.md": "[[B]] and [[C#Part]]\n", "B.md": "b\n", "C.md": "## Part\n",
             "D.md": "[[B]] too\n", "E.md": "e\n"}
    for name, text in files.items():
        (notes / name).write_text(text, encoding="utf-8")
    (top / "README.md").write_text("not in the vault\n", encoding="utf-8")
    git(top, "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-qm", "init")
    monkeypatch.chdir(top)
    return top


@needs_git
def test_staged_delete_breaks_links_in_files_not_given(cli: Cli, repo: Path) -> None:
    git(repo, "rm", "-q", "notes/B.md")
    (repo / "notes" / "E.md").write_text("e, edited\n", encoding="utf-8")
    git(repo, "add", "notes/E.md")
    items = cli.json("check", "notes/E.md", "--vault", "notes", code=1)
    assert [(i["source"], i["code"], i["text"]) for i in items] == [
        ("A.md", "unresolved-link", "[[B]]"), ("D.md", "unresolved-link", "[[B]]")]
    assert items[0]["message"] == 'no note "B" in the vault (target B.md deleted in this commit)'
    # the hook's form: no FILES, --staged
    assert cli.json("check", "--staged", "--vault", "notes", code=1) == items
    text = cli("check", "--staged", "--vault", "notes", code=1).stdout
    assert text.startswith("notes/A.md:1:1: error unresolved-link:")


@needs_git
def test_staged_rename_suggests_the_new_name(cli: Cli, repo: Path) -> None:
    (repo / "notes" / "sub").mkdir()
    git(repo, "mv", "notes/C.md", "notes/sub/Renamed.md")
    items = cli.json("check", "--staged", "--vault", "notes", code=1)
    assert [(i["source"], i["text"], i["suggestions"][0]) for i in items] == [
        ("A.md", "[[C#Part]]", "Renamed")]
    assert "renamed to sub/Renamed.md in this commit" in items[0]["message"]


@needs_git
def test_staged_checks_changed_notes_and_needs_git(cli: Cli, repo: Path,
                                                   make_vault: VaultFactory) -> None:
    assert cli.json("check", "--staged", "--vault", "notes") == []
    (repo / "notes" / "E.md").write_text("[[Nowhere]]\n", encoding="utf-8")
    (repo / "notes" / "F.md").write_text("[[Elsewhere]]\n", encoding="utf-8")  # not staged
    assert cli.json("check", "--staged", "--vault", "notes") == []
    git(repo, "add", "notes/E.md")
    items = cli.json("check", "--staged", "--vault", "notes", code=1)
    assert [i["source"] for i in items] == ["E.md"]
    assert "outside the vault" in cli("check", "README.md", "--vault", "notes", code=2).stderr
    plain = make_vault({"A.md": "x"})
    (plain / ".git").mkdir()  # not a real repository: git refuses it
    result = cli("check", "--staged", "--vault", str(plain), code=2)
    assert "git" in result.stderr


@needs_git
def test_whole_vault_check_marks_staged_deletions(cli: Cli, repo: Path) -> None:
    git(repo, "rm", "-q", "notes/B.md")
    items = cli.json("check", "--vault", "notes", code=1)
    assert [(i["source"], i["target"]) for i in items] == [("A.md", "B"), ("D.md", "B")]
    assert all("(target B.md deleted in this commit)" in i["message"] for i in items)


@needs_git
def test_vault_at_the_repository_root(cli: Cli, tmp_path: Path, make_vault: VaultFactory,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):
        monkeypatch.delenv(var, raising=False)
    root = make_vault({"A.md": "[[B]]\n", "B.md": "b\n", "C.md": "c\n"})
    (root / ".gitignore").write_text(".vaultkit/\n", encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    git(root, "rm", "-q", "B.md")
    monkeypatch.chdir(root)
    items = cli.json("check", "C.md", code=1)  # the vault is found from .obsidian/
    assert [(i["source"], i["text"]) for i in items] == [("A.md", "[[B]]")]
    git(root, "commit", "-qm", "delete B")  # committed: no longer "in this commit"
    assert cli.json("check", "C.md") == []
    assert cli.json("check", code=1)[0]["message"] == 'no note "B" in the vault'


def test_parse_name_status_keeps_the_vault_folder() -> None:
    from vaultkit.gitstage import parse_name_status

    out = "\0".join(["M", "notes/A.md", "D", "notes/B.md", "R100", "notes/C.md", "notes/x/C.md",
                     "R090", "notes/D.md", "elsewhere/D.md", "A", "README.md", "D", "old.md",
                     "C075", "notes/A.md", "notes/A2.md"]) + "\0"
    staged = parse_name_status(out, "notes/")
    assert staged.changed == ("A.md", "x/C.md", "A2.md")
    assert staged.added == ("x/C.md", "A2.md")
    assert staged.deleted == ("B.md",)
    assert staged.renamed == (("C.md", "x/C.md"), ("D.md", None))
    assert staged.gone == {"B.md": None, "C.md": "x/C.md", "D.md": None}


def test_checking_a_few_notes_finds_what_checking_the_vault_finds_in_them(
        make_vault: VaultFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A few notes (a pre-commit hook) resolve their links by looking names up in the
    index one by one; many, from every name gathered first. The same problems either way:
    ties, headings, blocks, relative and folder links, "did you mean"."""
    from vaultkit import checker
    from vaultkit.vault import Vault

    notes = {"a/Dup.md": "# H\npara ^b1\n", "b/Dup.md": "", "a/Solo.md": "# Top\n",
             "c/x.md": "[[Dup]] [[dup#H]] [[a/Dup#H]] [[a/Dup#^b1]] [[a/Dup#^nope]]\n"
                       "[[./Dup]] [[../a/Solo#Top]] [[Solo#Bottom]] [[Gemeni]] ![[pic.png]]\n",
             "c/y.md": "[[Dup#^b1]] [[Solo]] [[solo.md]] [[C/X]]\n", "Gemini.md": ""}
    root = make_vault(notes)
    chosen = ["c/x.md", "c/y.md"]
    with Vault.open(root) as v:
        whole = [d for d in checker.run_check(v).diagnostics if d.path in chosen]
        assert {d.code for d in whole} == {"ambiguous-link", "missing-heading",
                                           "missing-block", "unresolved-link",
                                           "missing-attachment"}
        few = checker.run_check(v, [str(root / p) for p in chosen]).diagnostics
        monkeypatch.setattr(checker, "FEW_NOTES", 0)  # gathered first, though only two
        many = checker.run_check(v, [str(root / p) for p in chosen]).diagnostics
    assert list(few) == whole == list(many)
