"""The synthetic-vault generator (benchmarks/gen_vault.py): deterministic, honest counts, safe."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from benchmarks.gen_vault import MARKER, GenerateError, generate, main

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "gen_vault.py"

_FENCE = re.compile(r"^```.*?^```$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_WIKI = re.compile(r"(!?)\[\[([^\]\n]+)\]\]")
_MD = re.compile(r"(!?)\[[^\]\n]*\]\(([^)\s]+)\)")


def snapshot(root: Path) -> dict[str, str]:
    """Every file (hidden ones too) -> sha256 of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def visible_files(root: Path) -> list[Path]:
    return [
        p
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 50, seed=7)
    b = generate(tmp_path / "b", 50, seed=7)
    assert a == b
    snap = snapshot(tmp_path / "a")
    assert snap == snapshot(tmp_path / "b")
    assert ".obsidian/app.json" in snap
    assert MARKER in snap


def test_different_seed_differs(tmp_path: Path) -> None:
    generate(tmp_path / "a", 50, seed=1)
    generate(tmp_path / "b", 50, seed=2)
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert sorted(a) != sorted(b)
    assert a != b


def test_counts_match_files_on_disk(tmp_path: Path) -> None:
    root = tmp_path / "v"
    counts = generate(root, 200, seed=3)
    files = visible_files(root)
    notes = [p for p in files if p.suffix == ".md"]
    attachments = [p for p in files if p.suffix != ".md"]
    assert counts["notes"] == len(notes) == 200
    assert counts["attachments"] == len(attachments) == 10
    assert all(p.parent.name == "attachments" for p in attachments)
    assert counts["bytes"] == sum(p.stat().st_size for p in files)
    folders = {p.parent for p in notes}
    assert len(folders) <= counts["folders"]
    assert max(len(p.relative_to(root).parts) for p in notes) <= 4  # depth 0-3

    # Resolve every link the simple way: the generator writes unique names bare and
    # shared names as full paths, so a name or path lookup is the whole of Obsidian's rules.
    rel = {p.relative_to(root).as_posix().lower() for p in files}
    names: dict[str, int] = {}
    for p in files:
        key = (p.stem if p.suffix == ".md" else p.name).lower()
        names[key] = names.get(key, 0) + 1

    def resolves(target: str) -> bool:
        target = target.lower()
        if "/" in target:
            return target in rel or f"{target}.md" in rel
        return names.get(target, 0) >= 1

    links = broken = external = embeds = 0
    for p in notes:
        text = _CODE_SPAN.sub("", _FENCE.sub("", p.read_text(encoding="utf-8")))
        for bang, inner in _WIKI.findall(text):
            links += 1
            embeds += bool(bang)
            broken += not resolves(re.split(r"[#|]", inner, maxsplit=1)[0])
        for bang, dest in _MD.findall(text):
            if ":" in dest:
                external += 1
                continue
            links += 1
            embeds += bool(bang)
            broken += not resolves(unquote(dest).removesuffix(".md"))
    assert links == counts["links"]
    assert broken == counts["broken_links"]
    assert 0 < broken < links * 0.1
    assert external == counts["external_links"]
    assert embeds == counts["embeds"]
    assert counts["duplicate_basenames"] == sum(n for n in names.values() if n > 1)


def test_refuses_non_empty_folder(tmp_path: Path) -> None:
    user = tmp_path / "mine"
    user.mkdir()
    (user / "diary.md").write_text("precious", encoding="utf-8")
    with pytest.raises(GenerateError, match="not empty"):
        generate(user, 5)
    with pytest.raises(GenerateError, match="marker"):
        generate(user, 5, force=True)
    assert main([str(user), "--notes", "5", "--force"]) == 2
    assert [p.name for p in user.iterdir()] == ["diary.md"]
    assert (user / "diary.md").read_text(encoding="utf-8") == "precious"


def test_force_replaces_a_generated_vault(tmp_path: Path) -> None:
    out = tmp_path / "v"
    generate(out, 20, seed=1)
    assert main([str(out), "--notes", "10", "--seed", "5"]) == 2
    assert main([str(out), "--notes", "10", "--seed", "5", "--force"]) == 0
    assert snapshot(out) == snapshot(_fresh(tmp_path / "w", 10, 5))


def _fresh(out: Path, notes: int, seed: int) -> Path:
    generate(out, notes, seed)
    return out


def test_cli_script_runs(tmp_path: Path) -> None:
    out = tmp_path / "cli"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(out), "--notes", "3", "--seed", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"notes": 3' in done.stdout
    assert len(list(out.rglob("*.md"))) == 3
