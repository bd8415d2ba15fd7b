"""The ``vaultkit`` command's options and help, with ``typer``; what each command does is
in :mod:`vaultkit.commands`, with its exit codes.

:func:`main` (the installed ``vaultkit``) first lets :mod:`vaultkit.fastcli` run the
commonest command lines without loading typer; anything else comes here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Optional

import typer

from . import commands

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


def run(body: Callable[[], int | None]) -> None:
    """Run a command body through :func:`vaultkit.commands.run`; a non-zero code exits."""
    code = commands.run(body)
    if code:
        raise typer.Exit(code)


@app.command("index")
def index_cmd(
    vault: VaultOpt = None, json: JsonOpt = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Forget the index; read all.")] = False,
) -> None:
    """Build or refresh the index (other commands do this first, unless `watch` keeps it)."""
    run(lambda: commands.index(vault, json, rebuild))


@app.command()
def backlinks(note: NoteArg, vault: VaultOpt = None, json: JsonOpt = False) -> None:
    """Links and embeds in other notes that resolve to NOTE."""
    run(lambda: commands.backlinks(note, vault, json))


@app.command()
def links(note: NoteArg, vault: VaultOpt = None, json: JsonOpt = False) -> None:
    """Outgoing links and embeds of NOTE, with what each resolves to."""
    run(lambda: commands.links(note, vault, json))


@app.command()
def orphans(
    vault: VaultOpt = None, json: JsonOpt = False,
    isolated: Annotated[bool, typer.Option(
        "--isolated", help="Only notes with no links in or out (the graph's orphans).")] = False,
) -> None:
    """Notes that no other note links to."""
    run(lambda: commands.orphans(vault, json, isolated))


@app.command()
def unresolved(vault: VaultOpt = None, json: JsonOpt = False) -> None:
    """Links whose target does not exist, with "did you mean" suggestions."""
    run(lambda: commands.unresolved(vault, json))


@app.command()
def tags(
    tag: Annotated[Optional[str], typer.Argument(  # noqa: UP045
        help="List the notes carrying this tag (nested tags included).")] = None,
    vault: VaultOpt = None, json: JsonOpt = False,
) -> None:
    """Tags with the number of notes carrying each, or the notes carrying TAG."""
    run(lambda: commands.tags(tag, vault, json))


@app.command()
def stats(vault: VaultOpt = None, json: JsonOpt = False) -> None:
    """Counts of notes, attachments, links and tags, and the most linked notes."""
    run(lambda: commands.stats(vault, json))


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
    run(lambda: commands.check(files, vault, staged, fmt, json, baseline,
                                 write_baseline))


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
    run(lambda: commands.watch(vault, json, debounce))


from . import cli_graph  # noqa: E402, F401 - registers graph, mentions, hubs, path, ...
from .fastcli import main  # noqa: E402, F401 - the entry point, kept importable from here
