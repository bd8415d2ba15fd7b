"""Resolver cases R1-R23 of the semantics spec (section 3), plus suggestions."""

from __future__ import annotations

import pytest

from vaultkit import Vault
from vaultkit.resolve import Resolver, Suggester, link_name_keys, link_text_for

from .conftest import VaultFactory

# (case id, vault files, source note, linkpath, expected path or None)
CASES = [
    ("R1-lower", ["NoteA.md"], "x.md", "notea", "NoteA.md"),
    ("R1-upper-ext", ["NoteA.md"], "x.md", "NOTEA.MD", "NoteA.md"),
    ("R2", ["a/Note.md"], "z/y/x.md", "Note", "a/Note.md"),
    ("R3", ["Note.md", "a/Note.md"], "a/x.md", "Note", "Note.md"),
    ("R4", ["a/Note.md", "b/c/Note.md"], "b/x.md", "Note", "b/c/Note.md"),
    ("R5", ["a/Note.md", "b/c/Note.md"], "x.md", "Note", "a/Note.md"),
    # R6: Obsidian picks by internal load order; we pick the path that sorts first.
    ("R6", ["b/Note.md", "a/Note.md"], "x.md", "Note", "a/Note.md"),
    ("R7", ["a/Note.md", "bb/Note.md"], "b/x.md", "Note", "bb/Note.md"),
    ("R8", ["folder/Note.md"], "x.md", "older/Note", "folder/Note.md"),
    ("R9", ["a/b/Note.md"], "x.md", "b/Note", "a/b/Note.md"),
    ("R10", ["right/Note.md"], "x.md", "wrong/Note", None),
    ("R11-abs", ["folder/Note.md"], "x.md", "/folder/Note", "folder/Note.md"),
    ("R11-abs-miss", ["folder/Note.md"], "x.md", "/Note", None),
    ("R12-dot", ["Note.md", "folder/Note.md"], "folder/x.md", "./Note", "folder/Note.md"),
    ("R12-dotdot", ["Note.md", "folder/Note.md"], "folder/x.md", "../Note", "Note.md"),
    ("R13-dotdot", ["x/Note.md"], "a/b.md", "../Note", "x/Note.md"),
    ("R13-dot", ["x/Note.md"], "a/b.md", "./Note", None),
    ("R14-v1.2", ["v1.2.md"], "x.md", "v1.2", "v1.2.md"),
    ("R14-Note.1", ["Note.1.md"], "x.md", "Note.1", "Note.1.md"),
    ("R15-noext", ["img.png"], "x.md", "img", None),
    ("R15-ext", ["img.png"], "x.md", "img.png", "img.png"),
    ("R15-upper", ["img.png"], "x.md", "IMG.PNG", "img.png"),
    ("R17-folder", ["Projects/a.md"], "x.md", "Projects", None),
    ("R18", [], "x.md", "Missing Note.md", None),
    ("R20-heading-irrelevant", ["Note.md"], "x.md", "Note", "Note.md"),
    ("R22-csv", ["data.csv"], "x.md", "data.csv", "data.csv"),
    ("self", ["x.md"], "x.md", "", "x.md"),
    ("nfc", ["Noteä.md"], "x.md", "Note\u0061\u0308", "Noteä.md"),
    ("nfd-file", ["Note\u0061\u0308.md"], "x.md", "Noteä", "Note\u0061\u0308.md"),
    ("outside-vault", ["etc/passwd.md"], "a.md", "../../../etc/passwd", None),
    ("md-ext-with-path", ["a/Note.md", "b/Note.md"], "x.md", "b/Note.md", "b/Note.md"),
]


@pytest.mark.parametrize(("case", "files", "source", "link", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_resolution(case: str, files: list[str], source: str, link: str,
                    expected: str | None) -> None:
    assert Resolver(files).resolve(link, source) == expected


def test_order_of_input_does_not_matter() -> None:
    files = ["b/Note.md", "a/Note.md", "c/Note.md"]
    assert Resolver(files).resolve("Note", "x.md") == Resolver(reversed(files)).resolve(
        "Note", "x.md")


def test_link_name_keys_cover_md_and_verbatim() -> None:
    assert link_name_keys("Folder/Note") == ("note", "note.md")
    assert link_name_keys("img.PNG") == ("img.png", "img.png.md")
    assert link_name_keys("") == ()


def test_r21_link_text_uses_bare_name_only_when_unique() -> None:
    r = Resolver(["Note.md", "a/Note.md", "b/Other.md"])
    assert link_text_for("b/Other.md", r) == "Other"
    assert link_text_for("a/Note.md", r) == "a/Note"


SUGGEST_FILES = [
    ("Models/Gemini.md", True), ("Models/GPT-4.md", True), ("Models/PaLM 2.md", True),
    ("Models/BERT model.md", True), ("img.png", False), ("Google.md", True),
    ("Google DeepMind.md", True), ("a/Dup.md", True), ("b/Dup.md", True),
]


@pytest.mark.parametrize(("target", "expected"), [
    ("Gemeni", ["Gemini"]),
    ("bert", ["BERT model"]),  # exact alias match comes first
    ("img.jpg", ["img.png"]),  # attachments are suggested for attachment targets
    ("Goggle", ["Google"]),  # a near-miss, not every name that contains it
    ("gpt4", ["GPT-4"]),
    ("Dupp", ["a/Dup", "b/Dup"]),  # a name that is not unique is suggested as a path
    ("zzzzqqq", []),
])
def test_suggestions(target: str, expected: list[str]) -> None:
    s = Suggester(SUGGEST_FILES, [("BERT", "Models/BERT model.md")])
    assert s.suggest(target) == expected


def test_suggestions_are_at_most_three() -> None:
    files = [(f"Note {i}.md", True) for i in range(10)]
    assert len(Suggester(files, []).suggest("Note")) == 3


def test_many_targets_at_once_get_what_each_gets_alone() -> None:
    """8+ targets are scored as a matrix, fewer one by one: the same closest files, best
    first, a tie in file order, none under the cutoff."""
    files = [(f"d{i % 3}/Note {i}.md", True) for i in range(12)] + SUGGEST_FILES + [
        (f"e/Filler {i}.md", True) for i in range(130)] + [("z/Zebra.md", True)]
    # rows wider than 2 blocks of 64 columns, and a hit in the last, partial block
    s = Suggester(files, [])
    targets = ["Note", "Nte 1", "note 11", "Gemeni", "Goggle", "Dupp", "zzzzqqq", "Not 2",
               "d1/Note 4", "d2/Nite", "img.jpg", "Note 1.md", "Filer 7", "Filler 12x", "Zebras"]
    together = s.closest(targets)
    assert together == {t: s.closest([t])[t] for t in targets}
    assert together["Note"] == ["d0/Note 0.md", "d0/Note 3.md", "d0/Note 6.md"]  # a tie
    assert together["zzzzqqq"] == []
    assert together["Zebras"] == ["z/Zebra.md"]


def test_unresolved_reports_progress_while_it_scores_suggestions(
        make_vault: VaultFactory) -> None:
    notes = {f"Note {i}.md": "" for i in range(50)}
    notes["links.md"] = "".join(f"[[Nte {i} x]] " for i in range(300))  # 300 targets
    root = make_vault(notes)
    ticks: list[tuple[int, int]] = []
    with Vault.open(root) as v:
        found = v.unresolved(progress=lambda done, total: ticks.append((done, total)))
        assert len(found) == 300 and found[0].suggestions
        assert ticks[-1] == (300, 300) and len(ticks) >= 2  # 256 targets a batch
        assert [d for d, _ in ticks] == sorted(d for d, _ in ticks)
        ticks.clear()
        v.unresolved(progress=lambda done, total: ticks.append((done, total)))
        assert ticks == []  # cached: nothing to score



def test_check_reports_progress_while_it_scores_suggestions(make_vault: VaultFactory) -> None:
    """A first check of a big vault works out "did you mean" for every broken target (18 s
    at 100,000 notes): the command draws a bar from these ticks."""
    from vaultkit.checker import run_check

    notes = {f"Note {i}.md": "" for i in range(50)}
    notes["links.md"] = "".join(f"[[Nte {i} x]] " for i in range(300))
    root = make_vault(notes)
    ticks: list[tuple[int, int]] = []
    with Vault.open(root) as v:
        found = run_check(v, progress=lambda done, total: ticks.append((done, total)))
        assert len(found.diagnostics) == 300 and found.diagnostics[0].suggestions
        assert ticks[-1] == (300, 300) and len(ticks) >= 2
        ticks.clear()
        run_check(v, progress=lambda done, total: ticks.append((done, total)))
        assert ticks == []  # cached: nothing to score
