"""Output: JSON for scripts, rich tables for people. Data goes to stdout, chatter to stderr.

``rich`` is imported only when a table or a progress bar is drawn, so ``--json`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

from .model import FileProblem, RefreshStats, Stats


def to_jsonable(item: Any) -> Any:
    if is_dataclass(item) and not isinstance(item, type):
        return asdict(item)
    return item


def emit_json(data: Any) -> None:
    data = [to_jsonable(x) for x in data] if isinstance(data, list) else to_jsonable(data)
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def refresh_json(stats: RefreshStats) -> dict[str, Any]:
    return {
        "added": stats.added, "modified": stats.modified, "removed": stats.removed,
        "unchanged": stats.unchanged, "seconds": round(stats.seconds, 4),
        "rebuilt": stats.rebuilt,
    }


def stats_json(stats: Stats) -> dict[str, Any]:
    data = asdict(stats)
    data["most_linked"] = [{"path": p, "count": n} for p, n in stats.most_linked]
    return data


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          empty: str = "nothing found") -> None:
    """A rich table on stdout, or a short line when there are no rows."""
    rows = list(rows)
    console = _console()
    if not rows:
        console.print(f"[dim]{title}: {empty}[/dim]")
        return
    from rich.table import Table
    from rich.text import Text

    tbl = Table(title=f"{title} ({len(rows)})", title_justify="left", show_edge=False,
                header_style="bold")
    for col in columns:
        if col == "context":  # long lines: one row each, cut with an ellipsis
            tbl.add_column(col, overflow="ellipsis", no_wrap=True, max_width=64)
        else:
            tbl.add_column(col, overflow="fold")
    for row in rows:
        tbl.add_row(*(v if isinstance(v, Text) else Text("" if v is None else str(v))
                      for v in row))
    console.print(tbl)


def styled(text: str, style: str) -> Any:
    """A table cell drawn in a style (the text is never read as markup)."""
    from rich.text import Text

    return Text(text, style=style)


def snippet(line: str, link: str, width: int = 60) -> str:
    """Part of ``line`` around ``link``, so the link is always visible in a table."""
    if len(line) <= width:
        return line
    at = max(line.find(link), 0)
    start = max(0, min(at - (width - len(link)) // 2, len(line) - width))
    piece = line[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(line) else "")


def key_values(title: str, pairs: Iterable[tuple[str, Any]]) -> None:
    from rich.table import Table

    tbl = Table(title=title, title_justify="left", show_header=False, show_edge=False)
    tbl.add_column(style="bold")
    tbl.add_column(justify="right")
    for key, value in pairs:
        tbl.add_row(key, str(value))
    _console().print(tbl)


def info(message: str) -> None:
    """A line for people on stderr."""
    sys.stderr.write(message + "\n")


def problem_line(p: FileProblem, severity: str = "warning") -> str:
    return f"{p.path}:{p.line}:{p.column}: {severity} {p.code}: {p.message}"


def progress_bar(description: str, min_total: int = 200) -> tuple[Callable[[int, int], None],
                                                                  Callable[[], None]]:
    """A (update, close) pair drawing a bar on stderr, only on a terminal and for long work."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            if total < min_total or not sys.stderr.isatty():
                return
            from rich.progress import Progress

            bar = Progress(console=_console(stderr=True), transient=True)
            bar.start()
            state["bar"] = bar
            state["task"] = bar.add_task(description, total=total)
        state["bar"].update(state["task"], completed=done, total=total)

    def close() -> None:
        if "bar" in state:
            state["bar"].stop()

    return update, close
