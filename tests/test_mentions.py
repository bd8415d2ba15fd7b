"""Unlinked mentions (vaultkit.mentions): whole words, any case, never in links,
frontmatter or code; aliases; the vault-wide ranking."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultkit import Vault
from vaultkit.mentions import Terms, terms_of

from .conftest import Cli, VaultFactory

REPO_VAULT = Path(__file__).resolve().parent.parent / "vault"


def mentions(make_vault: VaultFactory, files: dict[str, str | bytes], note: str
             ) -> list[tuple[str, int, int, str]]:
    with Vault.open(make_vault(files)) as v:
        return [(m.source, m.line, m.column, m.text) for m in v.mentions(note)]


def test_whole_words_any_case(make_vault: VaultFactory) -> None:
    text = ("gemini, GEMINI and Gemini-related; Gemini's. Not Geminis, xGemini, Gemini2 or "
            "gemini_x.\n")
    assert mentions(make_vault, {"Gemini.md": "", "A.md": text}, "Gemini") == [
        ("A.md", 1, 1, "gemini"), ("A.md", 1, 9, "GEMINI"), ("A.md", 1, 20, "Gemini"),
        ("A.md", 1, 36, "Gemini")]


def test_not_in_links_frontmatter_code_math_urls_or_tags(make_vault: VaultFactory) -> None:
    text = (
        "---\ntitle: Gemini\naliases: [x]\n---\n"
        "[[Gemini]] [[Other|Gemini]] ![[Gemini]] [Gemini](Gemini.md) [x](Gemini.md)\n"
        "`Gemini` $Gemini$ <!-- Gemini --> https://gemini.example.com/Gemini #Gemini\n"
        "```\nGemini\n```\n"
        "    Gemini in indented code\n"
        "\n"
        "Plain Gemini here.\n"
    )
    assert mentions(make_vault, {"Gemini.md": "", "Other.md": "", "A.md": text},
                    "Gemini") == [("A.md", 12, 7, "Gemini")]


def test_display_text_of_a_markdown_link_to_another_note_is_a_link(
        make_vault: VaultFactory) -> None:
    files = {"Gemini.md": "", "B.md": "", "A.md": "[about Gemini](B.md) and Gemini.\n"}
    assert mentions(make_vault, files, "Gemini") == [("A.md", 1, 26, "Gemini")]


def test_aliases_count_and_the_note_itself_does_not(make_vault: VaultFactory) -> None:
    files = {
        "Artificial intelligence.md": "---\naliases: [AI]\n---\nAI is Artificial intelligence.\n",
        "A.md": "I like ai and Artificial Intelligence. AIR is not AI-ish? It is: AI-ish.\n",
    }
    assert mentions(make_vault, files, "AI") == [
        ("A.md", 1, 8, "ai"), ("A.md", 1, 15, "Artificial Intelligence"),
        ("A.md", 1, 51, "AI"), ("A.md", 1, 66, "AI")]


def test_excluded_notes_are_not_sources(make_vault: VaultFactory) -> None:
    files = {
        ".obsidian/app.json": '{"userIgnoreFilters": ["Archive/"]}',
        "Gemini.md": "", "Archive/Old.md": "Gemini\n", "Now.md": "Gemini\n",
    }
    assert mentions(make_vault, files, "Gemini") == [("Now.md", 1, 1, "Gemini")]


def test_positions_with_frontmatter_crlf_bom_and_wide_characters(
        make_vault: VaultFactory) -> None:
    files = {"Café.md": "", "A.md": "\ufeff---\r\ntags: [x]\r\n---\r\nÜber 🙂 café!\r\n".encode()}
    assert mentions(make_vault, files, "Café") == [("A.md", 4, 8, "café")]


def test_names_with_regex_characters_and_unicode_case() -> None:
    terms = Terms(["C++", "a.b", "(x)", "İstanbul", "GPT", "GPT-4"])
    text = "C++ and a.b, axb, (x) and İstanbul, GPT-4o, gpt-4."
    assert [m.group() for m in terms.finditer(text)] == [
        "c++", "a.b", "(x)", "gpt", "gpt-4"]
    assert terms_of("Daily/2024-01-01.md", ["Day", " ", "Day"]) == ["2024-01-01", "Day"]


def test_vault_wide_ranking_counts_names_inside_longer_names(make_vault: VaultFactory) -> None:
    files = {
        "Google.md": "", "Google DeepMind.md": "", "Linked.md": "",
        "A.md": "Google DeepMind and Google. [[Google]] stays a link.\n",
        "B.md": "google deepmind, twice: Google DeepMind. Linked, Linked.\n",
    }
    with Vault.open(make_vault(files)) as v:
        counts = {c.path: (c.mentions, c.sources) for c in v.mention_counts(limit=0)}
        assert counts == {"Google DeepMind.md": (3, 2), "Google.md": (4, 2),
                          "Linked.md": (2, 1)}
        assert len(v.mentions("Google")) == 4  # the same as one note's search
        assert [c.path for c in v.mention_counts(limit=1)] == ["Google.md"]


def test_cli_on_the_example_vault(cli: Cli, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "vault"
    shutil.copytree(REPO_VAULT, root, ignore=shutil.ignore_patterns(".vaultkit"))
    newsletter = "Articles/The AI research job market shit show (and my experience).md"
    gemini = cli.json("mentions", "Gemini", "--vault", str(root))
    assert [(m["source"], m["line"], m["column"], m["text"]) for m in gemini] == [
        (newsletter, 23, 150, "Gemini"), (newsletter, 23, 184, "Gemini"),
        (newsletter, 73, 422, "Gemini")]
    assert set(gemini[0]) == {"source", "line", "column", "text", "context"}
    assert gemini[0]["context"].startswith("Google\\'s hiring is a good indicator")
    cohere = cli.json("mentions", "Cohere", "--vault", str(root))
    assert [(m["source"], m["line"]) for m in cohere] == [(newsletter, 77), (newsletter, 77)]
    table = cli("mentions", "Cohere", "--vault", str(root)).stdout
    assert "Unlinked mentions of Organizations/Cohere.md (2)" in table
    ranking = cli.json("mentions", "--all", "--vault", str(root))
    assert set(ranking[0]) == {"path", "mentions", "sources"}
    assert {"Models/Gemini.md", "Organizations/Cohere.md"} <= {r["path"] for r in ranking}


@pytest.mark.parametrize("args", [(), ("Gemini", "--all")])
def test_cli_needs_a_note_or_all(cli: Cli, make_vault: VaultFactory,
                                 args: tuple[str, ...]) -> None:
    root = make_vault({"Gemini.md": ""})
    result = cli("mentions", *args, "--vault", str(root), code=2)
    assert "give a NOTE or --all" in result.stderr
