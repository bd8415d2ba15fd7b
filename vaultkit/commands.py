"""What each command does once its arguments are parsed: one library call, its output
through :mod:`vaultkit.render`, and the one error boundary (:func:`run`).

No ``typer`` here: :mod:`vaultkit.cli` declares the options and calls these, and
:mod:`vaultkit.fastcli` calls them directly for the commonest command lines, so a query
does not pay for loading the option parser.

Exit codes: 0 ok, 1 problems found (``check``), 2 usage error, 3 any other VaultkitError,
130 interrupted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from . import render
from .errors import VaultkitError

T = TypeVar("T")


def run(body: Callable[[], int | None]) -> int:
    """The one place where failures become a line on stderr and an exit code."""
    try:
        return body() or 0
    except VaultkitError as exc:
        render.info(f"vaultkit: error: {exc}")
        return exc.exit_code
    except sqlite3.Error as exc:  # busy beyond the timeout, read-only, damaged twice
        render.info(f"vaultkit: error: the index could not be used: {exc}")
        return 3
    except OSError as exc:
        render.info(f"vaultkit: error: {exc}")
        return 3
    except KeyboardInterrupt:
        render.info("vaultkit: interrupted")
        return 130


def _warn(notice: str) -> None:
    render.info(f"vaultkit: warning: {notice}")


def open_only(vault: str | None) -> Any:
    """The vault with its index open (not refreshed); its notices (an index rebuilt, now
    or later in the command) go to stderr."""
    from .vault import Vault

    v = Vault.open(vault, refresh=False)
    for notice in v.notices:
        _warn(notice)
    v.on_notice = _warn
    return v


def open_vault(vault: str | None, rebuild: bool = False, fresh: bool = False) -> Any:
    """Open the vault and bring its index up to date, telling stderr what it should know.
    An index that a running ``vaultkit watch`` keeps current is used as it is (no walk of
    the vault), unless ``fresh`` or ``rebuild``. Returns (vault, RefreshStats)."""
    with render.progress("Indexing") as update:
        v = open_only(vault)
        if rebuild:
            stats = v.rebuild(update)
        elif not fresh and v.kept_current():
            from .model import RefreshStats

            stats = RefreshStats()
        else:
            stats = v.refresh(update)
    for problem in stats.problems:
        render.info(render.problem_line(problem))
    return v, stats


def asked(vault: str | None, ask: Callable[[Any], T]) -> tuple[Any, T]:
    """Open the vault, bring its index up to date and return it with ``ask(vault)``'s
    answer, telling stderr what it should know. The walk that tells whether anything
    changed runs beside the question when it can (:mod:`vaultkit.overlap`); an index that
    a running ``vaultkit watch`` keeps current is asked as it is."""
    from .scan import no_gc

    v = open_only(vault)
    if v.kept_current():
        with no_gc():
            return v, ask(v)
    from . import overlap

    def refresh(walked: Any) -> Any:
        with render.progress("Indexing") as update:
            return v.refresh(update, walked)

    def ask_quickly() -> T:  # an answer's rows hold no cycles: the collector would
        with no_gc():        # only walk them (~25% of a 100k-note answer)
            return ask(v)

    stats, answer = overlap.refresh_and_ask(v, ask_quickly, refresh)
    for problem in stats.problems:
        render.info(render.problem_line(problem))
    return v, answer


def _maybe_json(answer: Any, json: bool) -> Any:
    """With ``--json``, the answer as its JSON text: made by the question itself, so
    while the walk runs beside it (see :func:`asked`)."""
    return render.json_document(answer) if json else answer


def index(vault: str | None = None, json: bool = False, rebuild: bool = False) -> None:
    # (not beside anything: sending a changed walk over costs what loading the parser,
    # the one thing to do meanwhile, saves)
    v, stats = open_vault(vault, rebuild, fresh=True)
    data = render.refresh_json(stats)
    if json:
        render.emit_json(data)
        return
    verb = "Rebuilt" if stats.rebuilt else "Refreshed"
    render.info(
        f"{verb} index of {v.root}: {stats.added} added, {stats.modified} modified, "
        f"{stats.removed} removed, {stats.unchanged} unchanged in {stats.seconds:.2f}s"
    )


def backlinks(note: str, vault: str | None = None, json: bool = False) -> None:
    v, items = asked(vault, lambda v: _maybe_json(v.backlinks(note), json))
    if json:
        return render.write(items)
    render.table(f"Backlinks of {v.find(note)}", ["source", "line:col", "link", "context"],
                 [(b.source, f"{b.line}:{b.column}", b.text, render.snippet(b.context, b.text))
                  for b in items])


def links(note: str, vault: str | None = None, json: bool = False) -> None:
    v, items = asked(vault, lambda v: _maybe_json(v.links(note), json))
    if json:
        return render.write(items)
    missing = render.styled("unresolved", "red")
    render.table(f"Links in {v.find(note)}", ["line:col", "link", "resolves to"],
                 [(f"{o.line}:{o.column}", o.text, o.resolved or missing) for o in items])


def orphans(vault: str | None = None, json: bool = False, isolated: bool = False) -> None:
    _, items = asked(vault, lambda v: _maybe_json(v.orphans(isolated), json))
    if json:
        return render.write(items)
    title = "Isolated notes" if isolated else "Orphan notes"
    render.table(title, ["path"], [(o.path,) for o in items])


def unresolved(vault: str | None = None, json: bool = False) -> None:
    def ask(v: Any) -> Any:
        with render.progress("Finding suggestions") as update:
            return _maybe_json(v.unresolved(progress=update), json)

    _, items = asked(vault, ask)
    if json:
        return render.write(items)
    render.table("Unresolved links", ["where", "link", "did you mean"],
                 [(f"{u.source}:{u.line}:{u.column}", u.text,
                   ", ".join(f"[[{s}]]" for s in u.suggestions)) for u in items],
                 empty="every link resolves")


def tags(tag: str | None = None, vault: str | None = None, json: bool = False) -> None:
    if tag is not None:
        _, notes = asked(vault, lambda v: _maybe_json(v.tagged(tag), json))
        if json:
            return render.write(notes)
        return render.table(f"Notes tagged #{tag.lstrip('#')}", ["path"],
                            [(n.path,) for n in notes])
    _, counts = asked(vault, lambda v: _maybe_json(v.tags(), json))
    if json:
        return render.write(counts)
    render.table("Tags", ["tag", "notes"], [(f"#{t.tag}", t.count) for t in counts])


def stats(vault: str | None = None, json: bool = False) -> None:
    if json:
        _, text = asked(vault, lambda v: render.json_text(render.stats_json(v.stats())))
        return render.write(text)
    v, s = asked(vault, lambda v: v.stats())
    render.key_values(f"Vault {v.root}", [
        ("notes", s.notes), ("attachments", s.attachments), ("links", s.links),
        ("resolved", s.resolved), ("unresolved", s.unresolved), ("tags", s.tags),
        ("orphans", s.orphans), ("problems", s.problems),
    ])
    render.table("Most linked", ["note", "backlinks"], s.most_linked)


def check(files: list[str] | None = None, vault: str | None = None, staged: bool = False,
          fmt: str | None = None, json: bool = False, baseline: str | None = None,
          write_baseline: str | None = None) -> int:
    from pathlib import Path

    from . import checker, report
    from .errors import UsageError

    out = "json" if json and fmt in (None, "json") else fmt or "text"
    if out not in report.FORMATS or (json and fmt not in (None, "json")):
        raise UsageError(f"--format must be one of {', '.join(report.FORMATS)}")
    if write_baseline and (files or staged or baseline):
        raise UsageError("--write-baseline records the whole vault: no FILES, --staged or "
                         "--baseline with it")
    v = open_only(vault)
    with render.progress("Indexing") as update:
        refreshed = v.refresh(update)
    with render.progress("Finding suggestions") as update:
        result = checker.run_check(v, files or None, staged=staged,
                                   extra_problems=refreshed.problems, progress=update)
    diags, hidden = list(result.diagnostics), 0
    if write_baseline:
        count = checker.write_baseline(Path(write_baseline), diags)
        render.info(f"vaultkit check: wrote {count} problems to {write_baseline}")
        return 0
    if baseline:
        diags, hidden = checker.apply_baseline(diags, Path(baseline))
    report.emit(diags, out, v.root, checker.severities(result.config))
    if out == "text":
        render.info(report.summary(diags, result.checked, hidden))
    return 1 if any(d.severity == "error" for d in diags) else 0


def watch(vault: str | None = None, json: bool = False, debounce: float = 0.25) -> None:
    v = open_only(vault)
    with v, render.WatchOutput(v.root, debounce, json) as sink:
        v.watch(sink, debounce=debounce)
