"""The commands through typer's CliRunner, asserting on parsed JSON."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from .conftest import Cli, VaultFactory

FILES: dict[str, str | bytes] = {
    "Home.md": "# Home\nSee [[Cohere]] and [[Models/BERT|the BERT note]].\n#hub\n",
    "Orgs/Cohere.md": (
        "---\ntags: [org/company]\naliases: [Cohere AI]\n---\n"
        "Cohere builds models like [[Command]] and [[Gemeni]].\n"
    ),
    "Models/BERT.md": (
        "---\ntags:\n  - model/open\n---\n# BERT\nBy [[Google]]. ![[diagram.png]]\n"
        "Back to [[#BERT]] and [[BERT]].\n"
    ),
    "Models/Gemini.md": "A model. #model/closed #Model\n",
    "Google.md": "Links [[Cohere]] twice: [[cohere#History]].\n```\n[[NotALink]]\n```\n",
    "Lonely.md": "Nothing here. #inbox\n",
    "Outbound.md": "Only out: [[Google]]\n",
    "diagram.png": b"\x89PNG\r\n\x1a\n",
    "a/Dup.md": "one\n",
    "b/Dup.md": "two\n",
}


@pytest.fixture
def vault(make_vault: VaultFactory) -> str:
    return str(make_vault(FILES))


def test_backlinks_by_name_path_and_alias(cli: Cli, vault: str) -> None:
    items = cli.json("backlinks", "cohere", "--vault", vault)
    assert [(b["source"], b["line"], b["column"]) for b in items] == [
        ("Google.md", 1, 7), ("Google.md", 1, 25), ("Home.md", 2, 5)]
    first = items[0]
    assert first["text"] == "[[Cohere]]"
    assert first["context"] == "Links [[Cohere]] twice: [[cohere#History]]."
    assert set(first) >= {"source", "line", "column", "text", "context"}
    assert cli.json("backlinks", "Orgs/Cohere.md", "--vault", vault) == items
    assert cli.json("backlinks", "Cohere AI", "--vault", vault) == items


def test_backlinks_skip_self_links_and_include_embeds(cli: Cli, vault: str) -> None:
    assert [b["source"] for b in cli.json("backlinks", "BERT", "--vault", vault)] == ["Home.md"]
    embeds = cli.json("backlinks", "diagram.png", "--vault", vault)
    assert [(b["source"], b["line"], b["column"], b["text"]) for b in embeds] == [
        ("Models/BERT.md", 6, 16, "![[diagram.png]]")]


def test_unknown_note_is_a_usage_error_with_suggestions(cli: Cli, vault: str) -> None:
    result = cli("backlinks", "Gemni", "--vault", vault, code=2)
    assert result.stdout == ""
    assert "Gemini" in result.stderr
    assert "Traceback" not in result.stderr


def test_ambiguous_note_lists_candidates(cli: Cli, vault: str) -> None:
    result = cli("backlinks", "Dup", "--vault", vault, code=2)
    assert "a/Dup.md" in result.stderr and "b/Dup.md" in result.stderr
    assert cli.json("backlinks", "b/Dup", "--vault", vault) == []


def test_links_outgoing(cli: Cli, vault: str) -> None:
    items = cli.json("links", "Models/BERT", "--vault", vault)
    assert [(o["line"], o["column"], o["text"], o["target"], o["resolved"], o["embed"])
            for o in items] == [
        (6, 4, "[[Google]]", "Google", "Google.md", False),
        (6, 16, "![[diagram.png]]", "diagram.png", "diagram.png", True),
        (7, 9, "[[#BERT]]", "", "Models/BERT.md", False),
        (7, 23, "[[BERT]]", "BERT", "Models/BERT.md", False),
    ]


def test_orphans_and_isolated(cli: Cli, vault: str) -> None:
    orphans = [o["path"] for o in cli.json("orphans", "--vault", vault)]
    # BERT's links to itself do not count; Outbound links out but nothing links to it.
    assert orphans == ["Home.md", "Lonely.md", "Models/Gemini.md", "Outbound.md",
                       "a/Dup.md", "b/Dup.md"]
    isolated = [o["path"] for o in cli.json("orphans", "--isolated", "--vault", vault)]
    assert isolated == ["Lonely.md", "Models/Gemini.md", "a/Dup.md", "b/Dup.md"]


def test_unresolved_with_suggestions(cli: Cli, vault: str) -> None:
    items = cli.json("unresolved", "--vault", vault)
    assert [(u["source"], u["line"], u["column"], u["target"]) for u in items] == [
        ("Orgs/Cohere.md", 5, 27, "Command"), ("Orgs/Cohere.md", 5, 43, "Gemeni")]
    gemeni = items[1]
    assert gemeni["text"] == "[[Gemeni]]"
    assert gemeni["embed"] is False
    assert gemeni["suggestions"][0] == "Gemini"
    assert len(gemeni["suggestions"]) <= 3


def test_tags_count_notes_with_nested_tags(cli: Cli, vault: str) -> None:
    counts = {t["tag"]: t["count"] for t in cli.json("tags", "--vault", vault)}
    assert counts == {"model": 2, "model/open": 1, "model/closed": 1, "org": 1,
                      "org/company": 1, "hub": 1, "inbox": 1}
    tagged = [n["path"] for n in cli.json("tags", "#model", "--vault", vault)]
    assert tagged == ["Models/BERT.md", "Models/Gemini.md"]
    assert [n["path"] for n in cli.json("tags", "MODEL/open", "--vault", vault)] == [
        "Models/BERT.md"]


def test_stats(cli: Cli, vault: str) -> None:
    s = cli.json("stats", "--vault", vault)
    assert (s["notes"], s["attachments"], s["unresolved"]) == (9, 1, 2)
    assert s["links"] == s["resolved"] + s["unresolved"]
    assert s["most_linked"][0] == {"path": "Orgs/Cohere.md", "count": 3}


def test_index_json_counts_and_human_output(cli: Cli, vault: str) -> None:
    first = cli.json("index", "--vault", vault)
    assert (first["added"], first["modified"], first["removed"]) == (10, 0, 0)
    assert set(first) >= {"added", "modified", "removed", "unchanged", "seconds"}
    again = cli.json("index", "--vault", vault)
    assert (again["added"], again["unchanged"]) == (0, 10)
    rebuilt = cli.json("index", "--rebuild", "--vault", vault)
    assert rebuilt["added"] == 10
    assert "10 added" in cli("index", "--rebuild", "--vault", vault).stderr


def test_human_tables_render(cli: Cli, vault: str) -> None:
    out = cli("unresolved", "--vault", vault).stdout
    assert "Orgs/Cohere.md:5:43" in out and "[[Gemini]]" in out
    assert "Cohere" in cli("stats", "--vault", vault).stdout


def test_vault_discovery_from_env_and_parents(cli: Cli, vault: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULTKIT_VAULT", vault)
    assert len(cli.json("unresolved")) == 2
    monkeypatch.delenv("VAULTKIT_VAULT")
    monkeypatch.chdir(Path(vault) / "Models")
    assert len(cli.json("unresolved")) == 2


def test_missing_vault_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("orphans", "--vault", str(tmp_path / "nope"), code=3)
    assert "vault folder not found" in result.stderr


def test_json_stdout_is_only_json(cli: Cli, make_vault: VaultFactory) -> None:
    root = make_vault({"Bad.md": "---\nkey: [unclosed\n---\n[[X]]\n"})
    result = cli("unresolved", "--vault", str(root), "--json")
    assert result.stdout.lstrip().startswith("[")
    assert "bad-frontmatter" in result.stderr


def test_a_stdout_that_cannot_encode_every_name(make_vault: VaultFactory) -> None:
    """A Latin-1 locale, or a Windows console redirected to a file: machine output (JSON,
    GraphML) is UTF-8 all the same, text for people escapes what it cannot encode, and
    nothing fails with a traceback."""
    import json
    import os
    import subprocess
    import sys
    from xml.etree import ElementTree

    root = make_vault({"x.md": "# X\n[[Ωmega 😀]]\n", "Émoji 😀.md": "see [[x]]\n"})
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}

    def run(*args: str, code: int = 0) -> tuple[bytes, str]:
        done = subprocess.run([sys.executable, "-m", "vaultkit", *args, "--vault", str(root)],
                              capture_output=True, env=env)
        stderr = done.stderr.decode("latin-1")
        assert done.returncode == code and "Traceback" not in stderr, (args, stderr)
        return done.stdout, stderr

    items = json.loads(run("unresolved", "--json")[0].decode("utf-8"))
    assert [i["target"] for i in items] == ["Ωmega 😀"]
    assert json.loads(run("backlinks", "x", "--json")[0].decode("utf-8"))[0]["source"] == (
        "Émoji 😀.md")
    report = json.loads(run("check", "--format", "json", code=1)[0].decode("utf-8"))
    assert "Ωmega 😀" in json.dumps(report, ensure_ascii=False)
    graph = ElementTree.fromstring(run("graph", "--format", "graphml")[0])
    assert "Émoji 😀.md" in {n.get("id") for n in graph.iter() if n.tag.endswith("node")}
    table = run("unresolved")[0].decode("latin-1")
    assert "\\u03a9mega \\U0001f600" in table
    lines = run("check", code=1)[0].decode("latin-1")
    assert "x.md:2:1: error unresolved-link" in lines and "\\u03a9mega" in lines
    assert "\\u03a9mega" in run("backlinks", "Ωmega", code=2)[1]


def test_a_table_sent_to_a_pipe_keeps_each_row_on_one_line(make_vault: VaultFactory) -> None:
    """``vaultkit unresolved | grep ...`` must find whole rows: not on a terminal, tables do
    not fold at 80 columns (unless COLUMNS says how wide)."""
    import os
    import subprocess
    import sys

    deep = "A folder with a long name/and another one inside it/"
    root = make_vault({f"{deep}Source note.md": "[[A missing note with a long name too]]\n"})
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}

    def table(env: dict[str, str]) -> list[str]:
        done = subprocess.run([sys.executable, "-m", "vaultkit", "unresolved", "--vault",
                               str(root)], capture_output=True, text=True, env=env, check=True)
        return done.stdout.splitlines()

    rows = [line for line in table(env) if "Source note.md" in line]
    assert len(rows) == 1 and f"{deep}Source note.md:1:1" in rows[0]
    assert "[[A missing note with a long name too]]" in rows[0]
    folded = table({**env, "COLUMNS": "60"})
    assert max(map(len, folded)) <= 60 and not any(f"{deep}Source" in x for x in folded)


def test_the_plain_table_is_the_rich_table(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A table for a pipe (or a long one) is drawn without rich's layout, ~200x faster,
    and must look as rich draws it: same columns, padding, rules and cut contexts."""
    from vaultkit import render

    long = "a line of context " * 3 + "漢字ノート" * 4 + " [[Target]] and then more text " * 3
    rows = [("Notes/漢字ノート.md", "3:14", "[[Target]]", long),
            ("😀 emoji.md", None, render.styled("[[x|y]]", "bold red"), "short"),
            ("a.md", 1, "", "tab\there, 漢字\tand\t\tmore")]

    def drawn(columns: str | None) -> list[str]:
        if columns is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", columns)
        render.table("Title", ["source", "line:col", "link", "context"], rows)
        return [line.rstrip() for line in capsys.readouterr().out.splitlines()]

    plain = drawn(None)
    assert plain == drawn("99999")  # rich, as wide as it likes
    assert len(plain) == 3 + len(rows) and plain[0] == "Title (3)"
    assert plain[3].endswith("…") and "\x1b" not in "".join(plain)
    assert drawn("60") != plain  # rich, fitting 60 columns
    monkeypatch.setattr(render, "BIG_TABLE", len(rows) - 1)
    assert drawn("60") == plain  # too long to read: drawn plain, even for a terminal


def test_a_long_json_answer_is_the_short_one(monkeypatch: pytest.MonkeyPatch,
                                             capsysbinary: pytest.CaptureFixture[bytes]
                                             ) -> None:
    """Long answers are written by orjson (~15x faster): the same bytes as the stdlib's
    compact JSON, for every kind of text a note can hold; the stdlib where orjson would
    differ (a float) or refuses (a lone surrogate from a YAML escape)."""
    import json
    import random

    from vaultkit import render
    from vaultkit.model_results import Backlink, Unresolved

    made: list[bool] = []
    fast = render._orjson_text
    monkeypatch.setattr(render, "_orjson_text", lambda d: made.append(True) or fast(d))
    monkeypatch.setattr(render, "BIG_JSON", 3)
    rng = random.Random(1)
    alphabet = [chr(i) for i in range(0x250)] + list('\u2028\u2029\ufeff😀漢"\\\x7f\uffff')

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))

    rows = [Backlink(text(), rng.randrange(1, 2**40), 7, text(), text(), i % 2 == 0)
            for i in range(300)]
    pairs = [Unresolved(text(), 1, 2, text(), text(), True, (text(), text())) for _ in range(9)]
    for answer in (rows, pairs):
        stdlib = json.dumps([r._asdict() for r in answer], ensure_ascii=False,
                            separators=(",", ":")) + "\n"
        assert render.json_text(answer) == stdlib and made.pop()
        assert json.loads(stdlib)[0]["text"] == answer[0].text
        render.write(render.json_document(answer))  # orjson's bytes, to stdout as they are
        assert capsysbinary.readouterr().out == stdlib.encode() and made.pop()
    odd = [*rows[:5], rows[5]._replace(context="a \ud83d alone")]
    assert render.json_text(odd) == json.dumps([r._asdict() for r in odd], ensure_ascii=False,
                                               separators=(",", ":")) + "\n"
    assert made.pop() and not made  # asked, refused: the stdlib wrote it

    class Scored(NamedTuple):
        path: str
        score: float

    scored = [Scored(f"n{i}.md", 1e-05 * i) for i in range(1, 6)]
    assert '"score":1e-05' in render.json_text(scored) and not made  # orjson: 0.00001


def test_a_long_indented_report_is_the_stdlib_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """``check --json`` / SARIF: orjson's 2-space indent gives the stdlib's bytes, nested
    lists and dicts, empty ones and any text included; a lone surrogate goes to the stdlib."""
    import json
    import random

    from vaultkit import render

    monkeypatch.setattr(render, "BIG_JSON", 3)
    rng = random.Random(2)
    alphabet = [chr(i) for i in range(0x250)] + list('\u2028\u2029\ufeff😀漢"\\\x7f\uffff')

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))

    items = [{"source": text(), "line": rng.randrange(1, 2**40), "embed": i % 3 == 0,
              "suggestions": [text() for _ in range(i % 3)], "none": None,
              "nested": {"a": [], "b": {}, "c": [{"d": text()}]}} for i in range(200)]
    for data in (items, {"runs": [{"results": items, "empty": []}], "version": "2.1.0"}):
        made = render.indented_json(data, 200)
        assert isinstance(made, bytes)  # orjson's
        assert made == (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
    odd = [{"text": "a \ud83d alone"}] * 5
    assert render.indented_json(odd, 5) == json.dumps(odd, ensure_ascii=False, indent=2) + "\n"


def test_json_bytes_reach_any_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    """orjson's UTF-8 bytes go to stdout's buffer whatever its encoding, and to a stream
    without one (a StringIO standing for stdout) as text."""
    import io
    import sys

    from vaultkit import render

    doc = '[{"path":"Ωmega 😀.md"}]\n'
    latin = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    monkeypatch.setattr(sys, "stdout", latin)
    render.write("a ")
    render.write(doc.encode())
    assert latin.buffer.getvalue() == ("a " + doc).encode()  # type: ignore[attr-defined]
    text = io.StringIO()
    monkeypatch.setattr(sys, "stdout", text)
    render.write(doc.encode())
    assert text.getvalue() == doc
