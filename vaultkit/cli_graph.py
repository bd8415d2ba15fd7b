"""The graph commands: graph, mentions, hubs, path, related, islands.

Registered on :data:`vaultkit.cli.app` when ``vaultkit.cli`` is imported; same rules as
there: options, one library call, output through :mod:`vaultkit.render`, errors through
``run``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import render
from .cli import JsonOpt, NoteArg, VaultOpt, app, run
from .commands import open_vault
from .errors import UsageError

LimitOpt = Annotated[int, typer.Option("--limit", "-n", help="Show at most N (0: all).")]


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``: readers see
    the old file or the new one, never half of one."""
    path = path.expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"{path} is a folder")
    if not folder.is_dir():
        raise UsageError(f"folder not found: {folder}")
    import tempfile  # here: every command loads this module, few write a file

    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command()
def graph(
    vault: VaultOpt = None,
    fmt: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--format", "-f", metavar="json|graphml|gexf|dot|mermaid|html",
        help="Output format. Default: from the extension of -o, else json.")] = None,
    output: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout.",
        dir_okay=False)] = None,
    json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    include_tags: Annotated[bool, typer.Option(
        "--include-tags", help="Add a node per tag, linked from the notes carrying it.")] = False,
    ghosts: Annotated[bool, typer.Option(
        "--ghosts/--no-ghosts", help="Keep a node per unresolved link target.")] = True,
    folder: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--folder", metavar="PATH", help="Only the files under this folder.")] = None,
    around: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--around", metavar="NOTE", help="Only what is within --depth links of NOTE.")] = None,
    depth: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--depth", metavar="N", min=0, help="Links away from --around (default 1).")] = None,
) -> None:
    """Export the link graph: JSON, GraphML, GEXF, DOT, Mermaid, or an interactive HTML page."""

    def body() -> None:
        from . import graph_export as ex

        out = fmt.lower() if fmt else None
        if json and out not in (None, "json"):
            raise UsageError("--json and --format disagree")
        if out is None:
            out = "json" if json or output is None else ex.EXTENSIONS.get(
                output.suffix.lower(), "json")
        if out not in ex.FORMATS:
            raise UsageError(f"--format must be one of {', '.join(ex.FORMATS)}")
        if depth is not None and around is None:
            raise UsageError("--depth needs --around NOTE")
        v, _ = open_vault(vault)
        g = v.graph(include_tags=include_tags, ghosts=ghosts)
        if folder:
            from .graph import in_folder

            g = in_folder(g, folder.replace("\\", "/"))
            if not any(p for _, p in g.nodes(data="path")):
                raise UsageError(f"no files under {folder!r}")
        if around is not None:
            from .graph import around as ego

            g = ego(g, v.find(around), 1 if depth is None else depth)
        text = ex.export(g, out)
        if output is None:
            render.write(text)
            return
        write_atomic(output, text)
        render.info(f"vaultkit: wrote {out} of {ex.node_count_line(ex.gr.view(g))} to {output}")

    run(body)


@app.command()
def mentions(
    note: Annotated[Optional[str], typer.Argument(  # noqa: UP045
        help="A note name (as in a link), path or alias.", show_default=False)] = None,
    vault: VaultOpt = None, json: JsonOpt = False,
    all_: Annotated[bool, typer.Option(
        "--all", help="For the whole vault: the notes with the most unlinked mentions.")] = False,
    limit: LimitOpt = 20,
) -> None:
    """Unlinked mentions: NOTE's name or aliases as plain text in other notes."""

    def body() -> None:
        if (note is None) == (not all_):
            raise UsageError("give a NOTE or --all (not both)")
        v, _ = open_vault(vault)
        if all_:
            counts = v.mention_counts(limit)
            if json:
                return render.emit_json(counts)
            return render.table("Most mentioned without a link", ["note", "mentions", "sources"],
                                [(c.path, c.mentions, c.sources) for c in counts],
                                empty="no unlinked mentions")
        items = v.mentions(note or "")
        if json:
            return render.emit_json(items)
        render.table(f"Unlinked mentions of {v.find(note or '')}", ["where", "text", "context"],
                     [(f"{m.source}:{m.line}:{m.column}", m.text,
                       render.snippet(m.context, m.text)) for m in items],
                     empty="no unlinked mentions")

    run(body)


@app.command()
def hubs(
    vault: VaultOpt = None, json: JsonOpt = False, limit: LimitOpt = 20,
    by: Annotated[str, typer.Option(
        "--by", metavar="pagerank|in-degree", help="Order by PageRank or in-degree.")
    ] = "pagerank",
) -> None:
    """The most important notes, by PageRank and in-degree."""

    def body() -> None:
        if by not in ("pagerank", "in-degree"):
            raise UsageError("--by must be pagerank or in-degree")
        v, _ = open_vault(vault)
        items = v.hubs(limit, by)
        if json:
            return render.emit_json(items)
        render.table("Hubs", ["note", "in-degree", "pagerank"],
                     [(h.path, h.in_degree, f"{h.pagerank:.4f}") for h in items])

    run(body)


@app.command("path")
def path_cmd(
    source: Annotated[str, typer.Argument(help="The note to start from.", metavar="A")],
    target: Annotated[str, typer.Argument(help="The note to reach.", metavar="B")],
    vault: VaultOpt = None, json: JsonOpt = False,
    undirected: Annotated[bool, typer.Option(
        "--undirected", help="Follow links both ways (B links to A counts).")] = False,
) -> None:
    """The shortest chain of links from note A to note B (exit 2 when there is none)."""

    def body() -> None:
        v, _ = open_vault(vault)
        steps = v.shortest_path(source, target, undirected)
        if json:
            return render.emit_json(steps)
        start = steps[0].source if steps else v.find(source)
        lines = [start]
        for s in steps:
            holder = s.target if s.reverse else s.source
            arrow = "<-" if s.reverse else "->"
            lines.append(render.one_line(
                f"  {arrow} {s.target}    via {s.text} at {holder}:{s.line}:{s.column}"))
        sys.stdout.write("\n".join(lines) + "\n")
        render.info(f"{len(steps)} link{'s' if len(steps) != 1 else ''}")

    run(body)


@app.command()
def related(
    note: NoteArg, vault: VaultOpt = None, json: JsonOpt = False, limit: LimitOpt = 10,
) -> None:
    """Notes sharing links, backlinks or tags with NOTE that are not linked with it yet."""

    def body() -> None:
        v, _ = open_vault(vault)
        items = v.related(note, limit)
        if json:
            return render.emit_json(items)
        render.table(f"Related to {v.find(note)}",
                     ["note", "score", "links", "backlinks", "tags"],
                     [(r.path, f"{r.score:.2f}", len(r.shared_links), len(r.shared_backlinks),
                       " ".join(r.shared_tags)) for r in items])

    run(body)


@app.command()
def islands(vault: VaultOpt = None, json: JsonOpt = False) -> None:
    """Groups of notes cut off from the rest: connected components but the largest."""

    def body() -> None:
        v, _ = open_vault(vault)
        items = v.islands()
        if json:
            return render.emit_json(items)
        render.table("Islands", ["size", "notes"],
                     [(i.size, ", ".join(i.notes)) for i in items],
                     empty="every note is linked to the main body")

    run(body)
