"""``vaultkit check`` over a vault: gathers facts from the index, git, ``.vaultkit.toml``
and a baseline file, and lets the pure :mod:`vaultkit.check` judge them.

Which notes are checked: every note, or the FILES given (paths as on a command line,
relative to the current folder; a folder means the notes below it). With ``staged``
(the pre-commit hook) the notes the next commit adds or changes are checked too. In a git
work tree, links anywhere in the vault whose target the next commit deletes or renames
are always reported, marked as such: the index reflects the work tree, where that file
is already gone.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import queries as q
from .check import (
    CODES,
    BaselineKey,
    CheckConfig,
    ConfigError,
    LinkFact,
    NoteTargets,
    apply_config,
    baseline_keys,
    check_links,
    config_from_mapping,
    problem_diagnostic,
    sort_diagnostics,
    without_baseline,
)
from .config import CONFIG_FILE, read_config
from .errors import UsageError
from .gitstage import StagedChanges, staged_changes
from .model import FileProblem
from .model_check import Diagnostic
from .model_parse import Heading
from .resolve import Resolver, folder_of, link_text_for

if TYPE_CHECKING:
    from .refresh import Progress
    from .vault import Vault

BASELINE_VERSION = 1
FEW_NOTES = 200  # notes to check up to which names are looked up one by one


@dataclass(frozen=True, slots=True)
class CheckRun:
    """What one check found (after the configuration, before any baseline)."""

    diagnostics: tuple[Diagnostic, ...]
    checked: int  # notes checked, those with links to staged deletions included
    config: CheckConfig


# --- configuration ---------------------------------------------------------------------


def load_config(root: Path) -> CheckConfig:
    """The ``[check]`` table of ``<vault>/.vaultkit.toml``; defaults when there is none.
    A bad file is a usage error naming the file and the key. Other tables (``[scan]``)
    belong to :mod:`vaultkit.config`."""
    path = root / CONFIG_FILE
    data = read_config(root)
    try:
        table = data.get("check", {})
        if not isinstance(table, dict):
            raise ConfigError("check must be a table: [check]")
        return config_from_mapping(table)
    except ConfigError as exc:
        raise UsageError(f"{path}: {exc}") from None


# --- which notes ---------------------------------------------------------------------------


def vault_paths(root: Path, files: Iterable[str | os.PathLike[str]], known: Iterable[str],
                cwd: Path | None = None) -> set[str]:
    """Command-line FILES as vault paths. A folder stands for the vault files below it; a
    file the index does not hold (hidden, like ``.github/x.md``) is skipped. Missing files
    and files outside the vault are usage errors."""
    here = cwd or Path.cwd()
    known = sorted(known)
    out: set[str] = set()
    for given in files:
        path = here / Path(given)
        if not path.exists():
            raise UsageError(f"{given}: no such file")
        real = path.resolve() if path.is_dir() else path.parent.resolve() / path.name
        try:
            rel = real.relative_to(root).as_posix()
        except ValueError:
            raise UsageError(
                f"{given} is outside the vault {root} (give --vault; with pre-commit, limit the"
                " hook to the vault folder with `files:`)") from None
        if path.is_dir():
            prefix = "" if rel == "." else rel + "/"
            out.update(p for p in known if p.startswith(prefix))
        else:
            out.add(rel)
    return out


# --- the run ---------------------------------------------------------------------------------


def run_check(
    vault: Vault, files: Sequence[str | os.PathLike[str]] | None = None, *,
    staged: bool = False, config: CheckConfig | None = None,
    extra_problems: Iterable[FileProblem] = (), progress: Progress | None = None,
) -> CheckRun:
    """Check the vault (its index must be fresh). ``extra_problems``: file problems of the
    last refresh that the index does not keep (folders it could not list). ``progress(done,
    total)`` hears how many unresolved targets not in the cache get their "did you mean"
    worked out (a first check of a 100,000-note vault: ~18 s of it)."""
    index = vault.index
    config = config if config is not None else load_config(vault.root)
    files_kinds = q.all_paths(index)
    notes = {p for p, is_note in files_kinds if is_note}
    stage = staged_changes(vault.root, required=staged)
    selected: set[str] | None = None
    if files or staged:
        selected = vault_paths(vault.root, files or (), (p for p, _ in files_kinds))
        if staged and stage is not None:
            selected.update(stage.changed)
        selected &= notes
    # A few notes to check (a pre-commit hook): their links' names are looked up in the
    # index as they are met, not every file's name gathered first (~0.15 s at 100k files).
    few = selected is not None and len(selected) <= FEW_NOTES
    resolver = (Resolver(lookup=index.paths_named) if few
                else Resolver(p for p, _ in files_kinds))
    gone = _gone_targets(index, resolver, files_kinds, stage) if stage else {}
    rows: Iterable[tuple[Any, ...]] = q.check_links(
        index, None if selected is None else sorted(selected))
    if gone:
        rows = chain((r for r in rows if r[7] is not None or (r[0], r[1], r[2]) not in gone),
                     (r for r in q.unresolved_links(index) if (r[0], r[1], r[2]) in gone))
    facts = _facts(vault, resolver, rows, gone, progress)
    diags = check_links(facts, _targets(index, facts), config.options)
    problems = [FileProblem(*row) for row in q.problems(index)]
    seen = {(p.path, p.code, p.message) for p in problems}
    problems += [p for p in extra_problems if (p.path, p.code, p.message) not in seen]
    diags += [problem_diagnostic(p) for p in problems
              if selected is None or p.path in selected]
    checked = len(notes) if selected is None else len(selected | {src for src, _, _ in gone})
    return CheckRun(tuple(sort_diagnostics(apply_config(diags, config))), checked, config)


def _gone_targets(index: Any, resolver: Resolver, files_kinds: list[tuple[str, bool]],
                  stage: StagedChanges) -> dict[tuple[str, int, int], tuple[str, str]]:
    """Unresolved links whose target the staged changes delete or rename:
    (source, line, col) -> (why, the new link text or "")."""
    moved = stage.gone
    if not moved:
        return {}
    added = set(stage.added)
    moved_out = {old for old, new in stage.renamed if new is None}
    before = Resolver([p for p, _ in files_kinds if p not in added] + list(moved))
    out = {}
    for source, line, col, _text, target, *_ in q.unresolved_links(index):
        old = before.resolve(target, source)
        if old is None or old not in moved:
            continue
        new = moved[old]
        if new is None:
            how = "moved out of the vault" if old in moved_out else "deleted"
            out[(source, line, col)] = (f"target {old} {how} in this commit", "")
        else:
            out[(source, line, col)] = (f"target {old} renamed to {new} in this commit",
                                        link_text_for(new, resolver))
    return out


def _facts(vault: Vault, resolver: Resolver, rows: Iterable[tuple[Any, ...]],
           gone: dict[tuple[str, int, int], tuple[str, str]],
           progress: Progress | None = None) -> list[LinkFact]:
    """The links that may have a problem: unresolved, ambiguous, or with a heading or
    block to find. The rest (most links: one file, nothing to find in it) are skipped;
    ``rows`` are read once, to the end, before the "did you mean" answers are asked for
    (which may write them to the index)."""
    ambiguous: dict[str, bool] = {}  # by target alone: only a shared name can tie
    ties: dict[tuple[str, str], tuple[str, ...]] = {}
    facts = []
    unresolved = []
    for row in rows:
        source, line, col, text, target, subpath, embed, resolved = row
        if resolved is None:
            unresolved.append(row)
            continue
        shared = ambiguous.get(target)
        if shared is None:
            shared = ambiguous[target] = bool(target and resolver.is_ambiguous(target))
        fact_ties: tuple[str, ...] = ()
        if shared:
            key = (target, folder_of(source))
            if key not in ties:
                ties[key] = tuple(resolver.ties(target, source))
            fact_ties = ties[key]
        if not subpath and len(fact_ties) < 2:
            continue  # one file, no heading or block to find: nothing to check
        facts.append(LinkFact(source, line, col, text, target, subpath, bool(embed), resolved,
                              fact_ties))  # (``gone`` holds unresolved links only)
    suggestions = vault.suggestions((r[4] for r in unresolved), progress=progress)
    for source, line, col, text, target, subpath, embed, resolved in unresolved:
        why, new = gone.get((source, line, col), ("", ""))
        hints = suggestions.get(target, ())
        if new:
            hints = (new, *(h for h in hints if h != new))[:3]
        facts.append(LinkFact(source, line, col, text, target, subpath, bool(embed), resolved,
                              (), hints, why))
    return facts


def _targets(index: Any, facts: list[LinkFact]) -> dict[str, NoteTargets]:
    paths = sorted({f.resolved for f in facts
                    if f.resolved and f.subpath and f.resolved.lower().endswith(".md")})
    if not paths:
        return {}
    headings: dict[str, list[Heading]] = {p: [] for p in paths}
    for path, text, level, line, col in q.headings_of(index, paths):
        headings[path].append(Heading(text, level, line, col))
    blocks: dict[str, set[str]] = {p: set() for p in paths}
    for path, block in q.blocks_of(index, paths):
        blocks[path].add(block)
    return {p: NoteTargets(tuple(sorted(headings[p], key=lambda h: (h.line, h.column))),
                           frozenset(blocks[p])) for p in paths}


# --- baseline files ------------------------------------------------------------------------


def write_baseline(path: Path, diags: Sequence[Diagnostic]) -> int:
    """Save the keys of ``diags``; returns how many."""
    keys = sorted(baseline_keys(sort_diagnostics(diags)))
    data = {
        "vaultkit_baseline": BASELINE_VERSION,
        "problems": [{"path": p, "code": c, "text": t, "occurrence": n} for p, c, t, n in keys],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(keys)


def read_baseline(path: Path) -> list[BaselineKey]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"baseline file not found: {path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: not a vaultkit baseline: {exc}") from None
    try:
        if data["vaultkit_baseline"] != BASELINE_VERSION:
            raise UsageError(f"{path}: baseline version {data['vaultkit_baseline']} is not "
                             f"{BASELINE_VERSION}; write it again with --write-baseline")
        return [(str(e["path"]), str(e["code"]), str(e["text"]), int(e["occurrence"]))
                for e in data["problems"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{path}: not a vaultkit baseline (missing {exc})") from None


def apply_baseline(diags: Sequence[Diagnostic], path: Path) -> tuple[list[Diagnostic], int]:
    """The diagnostics not in the baseline file, and how many it suppressed."""
    fresh = without_baseline(diags, read_baseline(path))
    return fresh, len(diags) - len(fresh)


def severities(config: CheckConfig) -> dict[str, str]:
    """Each code's effective level: error, warning or off."""
    return {code: config.severity_of(code, default) for code, (default, _) in CODES.items()}
