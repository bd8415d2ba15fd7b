"""The ``vaultkit`` command: options, one library call per command, one error boundary.

Exit codes: 0 ok, 1 problems found (``check``), 2 usage error, 3 any other VaultkitError.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Optional

import typer

from . import render
from .errors import VaultkitError

app = typer.Typer(
    name="vaultkit",
    help="Fast, exact index of an Obsidian vault: backlinks, broken links, orphans, tags.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

VaultOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option(
        "--vault", "-v", metavar="PATH",
        help="Vault folder. Default: $VAULTKIT_VAULT, else the nearest folder upwards "
        "holding .obsidian/, else the current folder.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
NoteArg = Annotated[str, typer.Argument(help="A note name (as in a link), path or alias.")]


@contextmanager
def errors() -> Iterator[None]:
    """The one place where failures become a line on stderr and an exit code."""
    try:
        yield
    except VaultkitError as exc:
        render.info(f"vaultkit: error: {exc}")
        raise typer.Exit(exc.exit_code) from None
    except sqlite3.Error as exc:  # busy beyond the timeout, read-only, damaged twice
        render.info(f"vaultkit: error: the index could not be used: {exc}")
        raise typer.Exit(3) from None
    except OSError as exc:
        render.info(f"vaultkit: error: {exc}")
        raise typer.Exit(3) from None
    except KeyboardInterrupt:
        render.info("vaultkit: interrupted")
        raise typer.Exit(130) from None


def _warn(notice: str) -> None:
    render.info(f"vaultkit: warning: {notice}")


def _open(vault: str | None):  # type: ignore[no-untyped-def]
    """The vault with its index open (not refreshed); its notices (an index rebuilt, now
    or later in the command) go to stderr."""
    from .vault import Vault

    v = Vault.open(vault, refresh=False)
    for notice in v.notices:
        _warn(notice)
    v.on_notice = _warn
    return v


def open_vault(vault: str | None, rebuild: bool = False,  # type: ignore[no-untyped-def]
               fresh: bool = False):
    """Open the vault and bring its index up to date, telling stderr what it should know.
    An index that a running ``vaultkit watch`` keeps current is used as it is (no walk of
    the vault), unless ``fresh`` or ``rebuild``."""
    update, close = render.progress_bar("Indexing")
    try:
        v = _open(vault)
        if rebuild:
            stats = v.rebuild(update)
        elif not fresh and v.kept_current():
            from .model import RefreshStats

            stats = RefreshStats()
        else:
            stats = v.refresh(update)
    finally:
        close()
    for problem in stats.problems:
        render.info(render.problem_line(problem))
    return v, stats


def run(body: Callable[[], int | None]) -> None:
    with errors():
        code = body()
    if code:
        raise typer.Exit(code)


@app.command("index")
def index_cmd(
    vault: VaultOpt = None, json: JsonOpt = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Forget the index; read all.")] = False,
) -> None:
    """Build or refresh the index (other commands do this first, unless `watch` keeps it)."""

    def body() -> None:
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

    run(body)


@app.command()
def backlinks(note: NoteArg, vault: VaultOpt = None, json: JsonOpt = False) -> None:
    """Links and embeds in other notes that resolve to NOTE."""

    def body() -> None:
        v, _ = open_vault(vault)
        items = v.backlinks(note)
        if json:
            return render.emit_json(items)
        render.table(f"Backlinks of {v.find(note)}", ["source", "line:col", "link", "context"],
                     [(b.source, f"{b.line}:{b.column}", b.text, render.snippet(b.context, b.text))
                      for b in items])

    run(body)


@app.command()
def links(note: NoteArg, vault: VaultOpt = None, json: JsonOpt = False) -> None:
    """Outgoing links and embeds of NOTE, with what each resolves to."""

    def body() -> None:
        v, _ = open_vault(vault)
        items = v.links(note)
        if json:
            return render.emit_json(items)
        missing = render.styled("unresolved", "red")
        render.table(f"Links in {v.find(note)}", ["line:col", "link", "resolves to"],
                     [(f"{o.line}:{o.column}", o.text, o.resolved or missing) for o in items])

    run(body)


@app.command()
def orphans(
    vault: VaultOpt = None, json: JsonOpt = False,
    isolated: Annotated[bool, typer.Option(
        "--isolated", help="Only notes with no links in or out (the graph's orphans).")] = False,
) -> None:
    """Notes that no other note links to."""

    def body() -> None:
        v, _ = open_vault(vault)
        items = v.orphans(isolated)
        if json:
            return render.emit_json(items)
        title = "Isolated notes" if isolated else "Orphan notes"
        render.table(title, ["path"], [(o.path,) for o in items])

    run(body)


@app.command()
def unresolved(vault: VaultOpt = None, json: JsonOpt = False) -> None:
    """Links whose target does not exist, with "did you mean" suggestions."""

    def body() -> None:
        v, _ = open_vault(vault)
        items = v.unresolved()
        if json:
            return render.emit_json(items)
        render.table("Unresolved links", ["where", "link", "did you mean"],
                     [(f"{u.source}:{u.line}:{u.column}", u.text,
                       ", ".join(f"[[{s}]]" for s in u.suggestions)) for u in items],
                     empty="every link resolves")

    run(body)


@app.command()
def tags(
    tag: Annotated[Optional[str], typer.Argument(  # noqa: UP045
        help="List the notes carrying this tag (nested tags included).")] = None,
    vault: VaultOpt = None, json: JsonOpt = False,
) -> None:
    """Tags with the number of notes carrying each, or the notes carrying TAG."""

    def body() -> None:
        v, _ = open_vault(vault)
        if tag is not None:
            notes = v.tagged(tag)
            if json:
                return render.emit_json(notes)
            return render.table(f"Notes tagged #{tag.lstrip('#')}", ["path"],
                                [(n.path,) for n in notes])
        counts = v.tags()
        if json:
            return render.emit_json(counts)
        render.table("Tags", ["tag", "notes"], [(f"#{t.tag}", t.count) for t in counts])

    run(body)


@app.command()
def stats(vault: VaultOpt = None, json: JsonOpt = False) -> None:
    """Counts of notes, attachments, links and tags, and the most linked notes."""

    def body() -> None:
        v, _ = open_vault(vault)
        s = v.stats()
        if json:
            return render.emit_json(render.stats_json(s))
        render.key_values(f"Vault {v.root}", [
            ("notes", s.notes), ("attachments", s.attachments), ("links", s.links),
            ("resolved", s.resolved), ("unresolved", s.unresolved), ("tags", s.tags),
            ("orphans", s.orphans), ("problems", s.problems),
        ])
        render.table("Most linked", ["note", "backlinks"], s.most_linked)

    run(body)


@app.command()
def check(
    files: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help="Notes (or folders) to check, relative to the current folder. Default: all.",
        show_default=False)] = None,
    vault: VaultOpt = None,
    staged: Annotated[bool, typer.Option(
        "--staged", help="Also check the notes staged for the next git commit (the "
        "pre-commit hook passes this).")] = False,
    fmt: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--format", "-f", metavar="text|json|github|sarif",
        help="text (default), json, github (workflow annotations) or sarif.")] = None,
    json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    baseline: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--baseline", metavar="FILE", help="Report only problems not in this baseline.")] = None,
    write_baseline: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--write-baseline", metavar="FILE",
        help="Save every problem of the vault to FILE as the baseline; exit 0.")] = None,
) -> None:
    """Broken links, headings, blocks and attachments, ambiguous links, bad frontmatter.

    Exit 1 when an error-severity problem is found. Configure in <vault>/.vaultkit.toml.
    """

    def body() -> int:
        from pathlib import Path

        from . import checker, report
        from .errors import UsageError

        out = "json" if json and fmt in (None, "json") else fmt or "text"
        if out not in report.FORMATS or (json and fmt not in (None, "json")):
            raise UsageError(f"--format must be one of {', '.join(report.FORMATS)}")
        if write_baseline and (files or staged or baseline):
            raise UsageError("--write-baseline records the whole vault: no FILES, --staged or "
                             "--baseline with it")
        v = _open(vault)
        stats = v.refresh()
        result = checker.run_check(v, files or None, staged=staged, extra_problems=stats.problems)
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

    run(body)


@app.command()
def watch(
    vault: VaultOpt = None,
    json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object per refresh on stdout (JSON Lines).")] = False,
    debounce: Annotated[float, typer.Option(
        "--debounce", metavar="SECONDS", min=0.0, max=60.0,
        help="Quiet time that ends a burst of file events.")] = 0.25,
) -> None:
    """Keep the index current while notes change; show which links each save broke or fixed.

    Runs until Ctrl-C or SIGTERM (exit 0). Other commands keep working meanwhile.
    """

    def body() -> None:
        v = _open(vault)
        with v, render.WatchOutput(v.root, debounce, json) as sink:
            v.watch(sink, debounce=debounce)

    run(body)


from . import cli_graph  # noqa: E402, F401 - registers graph, mentions, hubs, path, ...


def main() -> None:
    app(prog_name="vaultkit")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
