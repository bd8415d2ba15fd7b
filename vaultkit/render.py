"""Output: JSON for scripts, rich tables for people. Data goes to stdout, chatter to stderr.

``rich`` is imported only when a table or a progress bar is drawn, so ``--json`` stays fast.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .model import FileProblem, LinkRef, RefreshReport, RefreshStats, Stats


def to_jsonable(item: Any) -> Any:
    """A model object as a dict of its fields: a named tuple (the query answers) or a
    dataclass (``check``'s and the graph's). Not deep: nested dataclasses are converted by
    :func:`emit_json`'s default hook, and no answer nests a named tuple (JSON would see a
    list)."""
    names = getattr(item, "_fields", None)
    if names is not None and isinstance(item, tuple):
        return dict(zip(names, item, strict=True))
    if _is_dataclass(item):
        names = _FIELDS.get(type(item))
        if names is None:
            from dataclasses import fields  # loaded already: item is a dataclass

            names = _FIELDS[type(item)] = tuple(f.name for f in fields(item))
        return {name: getattr(item, name) for name in names}
    return item


def _is_dataclass(item: Any) -> bool:
    return hasattr(type(item), "__dataclass_fields__") and not isinstance(item, type)


_FIELDS: dict[type, tuple[str, ...]] = {}


def emit_json(data: Any) -> None:
    """One JSON document on stdout (see :func:`json_text`)."""
    write(json_document(data))


def write(text: str | bytes) -> None:
    """Text for programs (:func:`json_text`, GraphML, DOT, ...) on stdout, in UTF-8 whatever the
    locale's encoding: JSON's one encoding (RFC 8259) and the one those formats declare.
    Where stdout would encode otherwise (a Latin-1 locale, a Windows console redirected to
    a file), the bytes go to its buffer: a note named in Greek or with an emoji must
    neither fail nor come out as another text. ``bytes`` are UTF-8 text already (from
    :func:`json_document`) and go to the buffer as they are."""
    out = sys.stdout
    if not hasattr(out, "buffer"):
        out.write(text if isinstance(text, str) else text.decode("utf-8"))
        return
    if isinstance(text, str):
        if is_utf8(out):
            out.write(text)
            return
        text = text.encode("utf-8", "backslashreplace")
    out.flush()
    out.buffer.write(text)
    out.buffer.flush()


def is_utf8(stream: Any) -> bool:
    """Does ``stream`` encode text as UTF-8 (or take text as it is, like ``StringIO``)?"""
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return True
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def tolerant_streams() -> None:
    """Where stdout or stderr cannot encode every character (see :func:`write`),
    text for people is written with escapes (``\\u03a9``) for what it cannot encode,
    instead of failing: called once, when a command line starts."""
    for stream in (sys.stdout, sys.stderr):
        if not is_utf8(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def json_text(data: Any) -> str:
    """``data`` as one JSON document and a newline: indented for a terminal, compact (no
    space after ``,`` and ``:``; the C encoder) for a pipe."""
    doc = json_document(data)
    return doc if isinstance(doc, str) else doc.decode("utf-8")


def json_document(data: Any) -> str | bytes:
    """:func:`json_text`, as it is made: UTF-8 bytes when orjson makes it (a long answer),
    which :func:`write` sends as they are (17 MB of backlinks: no ~65 ms decoding them
    into a string and encoding it back)."""
    kind = _row_kind(data) if isinstance(data, list) else None
    if kind is not None:  # rows of one named tuple
        data = [dict(zip(kind._fields, x, strict=True)) for x in data]
    elif isinstance(data, list):
        data = [to_jsonable(x) for x in data]
    else:
        data = to_jsonable(data)
    if sys.stdout.isatty():
        return json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n"
    if kind is not None and len(data) > BIG_JSON and _floatless(kind):
        fast = _orjson_text(data)
        if fast is not None:
            return fast
    return compact_json(data) + "\n"


def compact_json(data: Any) -> str:
    """``data`` as compact JSON text, as :func:`json_text` writes it to a pipe."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default)


def _row_kind(items: list[Any]) -> Any:
    """The named tuple class of every item, if they are all of one (a query's rows)."""
    kind = type(items[0]) if items else None
    if (kind is not None and issubclass(kind, tuple) and hasattr(kind, "_fields")
            and all(type(x) is kind for x in items)):
        return kind
    return None


BIG_JSON = 2000  # rows in an answer above which orjson writes it (its import costs ~15 ms)


def _floatless(kind: type) -> bool:
    """Are none of this named tuple's fields floats (nor of any type)? orjson and the
    stdlib spell some floats differently (``1e-05`` / ``0.00001``); nothing else."""
    try:
        hints = dict(kind.__annotations__)
    except Exception:  # Python 3.14 evaluates them when asked: a name known only to mypy
        return False
    return len(hints) == len(kind._fields) and not any(  # type: ignore[attr-defined]
        _FLOATY.search(h if isinstance(h, str) else getattr(h, "__forward_arg__", None)
                       or repr(h)) for h in hints.values())


_FLOATY = re.compile(r"\b(?:float|Any|object|complex|Decimal)\b")


def _orjson_text(data: Any, indent: bool = False) -> bytes | None:
    """:func:`compact_json` of a long answer (``indent``: indented by 2), and its
    newline, made by orjson: the same text in UTF-8, ~15x sooner (the 43,000 backlinks of
    a 100,000-note vault: ~17 ms instead of ~260 ms). None where orjson is missing or
    refuses the data (a lone surrogate, an int beyond 64 bits): then the stdlib makes it."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - a dependency; a platform without its wheel
        return None
    option = orjson.OPT_APPEND_NEWLINE | (orjson.OPT_INDENT_2 if indent else 0)
    try:
        return orjson.dumps(data, option=option)
    except TypeError:  # orjson.JSONEncodeError is one
        return None


def indented_json(data: Any, rows: int) -> str | bytes:
    """``data`` (no floats) as ``json.dumps(data, ensure_ascii=False, indent=2)`` and a
    newline; made by orjson when it holds more than :data:`BIG_JSON` ``rows``: the same
    text, as UTF-8 bytes, ~10x sooner (``check --json`` of a 100,000-note vault: 20 MB)."""
    fast = _orjson_text(data, indent=True) if rows > BIG_JSON else None
    return fast if fast is not None else json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _default(value: Any) -> Any:
    if _is_dataclass(value):
        return to_jsonable(value)
    return str(value)


def refresh_json(stats: RefreshStats) -> dict[str, Any]:
    return {
        "added": stats.added, "modified": stats.modified, "removed": stats.removed,
        "unchanged": stats.unchanged, "seconds": round(stats.seconds, 4),
        "rebuilt": stats.rebuilt,
    }


def stats_json(stats: Stats) -> dict[str, Any]:
    data = stats._asdict()
    data["most_linked"] = [{"path": p, "count": n} for p, n in stats.most_linked]
    return data


def _console(stderr: bool = False) -> Any:
    """A rich console on stdout (or stderr). Not on a terminal (a pipe, a file) and with no
    ``COLUMNS`` set, it is as wide as what it prints: a table row stays one line, for
    ``grep``, instead of folding at 80 columns."""
    from rich.console import Console

    width = UNFOLDED_WIDTH if _unfolded(sys.stderr if stderr else sys.stdout) else None
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


UNFOLDED_WIDTH = 100_000  # columns of a console that is not a terminal


def _unfolded(stream: Any) -> bool:
    """Is ``stream`` a pipe or a file, with no ``COLUMNS`` to fold text at?"""
    if "COLUMNS" in os.environ:
        return False
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):  # no such method, or closed
        return True


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          empty: str = "nothing found") -> None:
    """A rich table on stdout, or a short line when there are no rows."""
    rows = list(rows)
    console = _console()
    if not rows:
        console.print(f"[dim]{title}: {empty}[/dim]")
        return
    if len(rows) > BIG_TABLE or _unfolded(sys.stdout):
        return _plain_table(f"{title} ({len(rows)})", columns, rows)
    from rich.table import Table
    from rich.text import Text

    tbl = Table(title=f"{title} ({len(rows)})", title_justify="left", show_edge=False,
                header_style="bold")
    for col in columns:
        if col == "context":  # long lines: one row each, cut with an ellipsis
            tbl.add_column(col, overflow="ellipsis", no_wrap=True, max_width=CONTEXT_WIDTH)
        else:
            tbl.add_column(col, overflow="fold")
    for row in rows:
        tbl.add_row(*(v if isinstance(v, Text) else Text("" if v is None else str(v))
                      for v in row))
    console.print(tbl)


BIG_TABLE = 2000  # rows above which a table is drawn by _plain_table, even on a terminal
CONTEXT_WIDTH = 64  # cells of a "context" column, cut with an ellipsis


def _plain_table(title: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
    """The table :func:`table` draws with rich, drawn directly: one line a row, columns as
    wide as their widest cell, no folding and no colour. rich measures and lays out every
    cell (~0.5 ms a row here: 17 s for the 34,000 broken links of a 100k-note vault); this
    takes ~2 µs a cell. For a pipe or a file, and for tables too long to read anyway."""
    from rich.cells import cell_len, set_cell_size
    from rich.control import strip_control_codes

    def plain(value: Any) -> str:
        text = value.plain if hasattr(value, "plain") else "" if value is None else str(value)
        text = strip_control_codes(text.replace("\n", " "))
        if "\t" not in text:
            return text
        parts, at = [], 0  # tabs to the next multiple of 8 cells, as rich expands them
        for i, part in enumerate(text.split("\t")):
            if i:
                parts.append(" " * (8 - at % 8))
                at += 8 - at % 8
            parts.append(part)
            at += cell_len(part)
        return "".join(parts)

    cells = [[plain(v) for v in row] for row in rows]
    for i, name in enumerate(columns):
        if name == "context":
            for row in cells:
                if cell_len(row[i]) > CONTEXT_WIDTH:
                    row[i] = set_cell_size(row[i], CONTEXT_WIDTH - 1) + "…"
    widths = [max([cell_len(c), *(cell_len(row[i]) for row in cells)])
              for i, c in enumerate(columns)]

    def line(values: Sequence[str], bar: str) -> str:
        return bar.join(f" {v}{' ' * (w - cell_len(v))} " for v, w in zip(values, widths,
                                                                          strict=True))

    out = [title, line(columns, "┃"), "╇".join("━" * (w + 2) for w in widths)]
    out.extend(line(row, "│") for row in cells)
    sys.stdout.write("\n".join(out) + "\n")


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
    return one_line(f"{p.path}:{p.line}:{p.column}: {severity} {p.code}: {p.message}")


# control characters, line separators and bidirectional overrides (which make a terminal
# show another path than the real one)
_UNPRINTABLE = re.compile("[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]")


def one_line(text: str) -> str:
    """``text`` with control characters written as escapes (``\\n``): a problem stays one
    line, whatever a file is called."""
    if _UNPRINTABLE.search(text) is None:
        return text
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@contextmanager
def progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """:func:`progress_bar`'s update for the time of a ``with``, the bar closed after it."""
    update, close = progress_bar(description)
    try:
        yield update
    finally:
        close()


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


# --- vaultkit watch: JSON Lines, a live view on a terminal, or plain lines for a log -------

WATCH_RECENT = 12  # change lines the live view keeps, newest first


def link_ref_json(ref: LinkRef) -> dict[str, Any]:
    return {"source": ref.source, "line": ref.line, "column": ref.column, "text": ref.text,
            "target": ref.target, "resolved": ref.resolved}


def watch_json(report: RefreshReport) -> dict[str, Any]:
    """One line of ``vaultkit watch --json``. An index built from nothing ("rebuilt")
    changed everything: its lists are left empty rather than naming every file."""
    s = report.stats
    if s.rebuilt:
        report = RefreshReport(RefreshStats(seconds=s.seconds, rebuilt=True), full=True,
                               notes=report.notes, links=report.links,
                               unresolved=report.unresolved)
        s = report.stats
    return {
        "added": list(report.added), "modified": list(report.modified),
        "removed": list(report.removed), "broken": [link_ref_json(r) for r in s.broken],
        "fixed": [link_ref_json(r) for r in s.fixed], "seconds": round(s.seconds, 4),
        "full": report.full, "rebuilt": s.rebuilt, "notes": report.notes,
        "links": report.links, "unresolved": report.unresolved,
    }


def watch_lines(report: RefreshReport, limit: int = 20) -> list[tuple[str, str]]:
    """(style, text) per change: links broken and fixed first, then the paths."""
    s = report.stats
    if s.rebuilt:
        return [("dim", f"index built from nothing: {s.added} files")]
    lines = [("red", one_line(f"broken {r.source}:{r.line}:{r.column} {r.text}"))
             for r in s.broken]
    lines += [("green", one_line(f"fixed  {r.source}:{r.line}:{r.column} {r.text}"))
              for r in s.fixed]
    for mark, paths in (("+", report.added), ("~", report.modified), ("-", report.removed)):
        lines += [("dim", f"{mark} {p}") for p in paths]
    if len(lines) > limit:
        lines = [*lines[:limit], ("dim", f"… and {len(lines) - limit} more")]
    return lines


def watch_summary(report: RefreshReport, totals: bool = True) -> str:
    s = report.stats
    counts = [(s.added, "added"), (s.modified, "modified"), (s.removed, "removed"),
              (len(s.broken), "broken"), (len(s.fixed), "fixed")]
    done = ", ".join(f"{n} {what}" for n, what in counts if n) or "nothing changed"
    text = f"{_clock()} {done} in {s.seconds * 1000:.0f} ms"
    if totals:
        text += f"; {report.notes} notes, {report.links} links, {report.unresolved} unresolved"
    return text


def _clock() -> str:
    import time

    return time.strftime("%H:%M:%S")


class WatchOutput:
    """Where ``vaultkit watch`` reports (a :class:`vaultkit.watch.Sink`): JSON Lines with
    ``--json``, a calm live view when stdout is a terminal, else plain lines (a log, a
    service). Notices go to stderr, except in the live view, which shows them."""

    def __init__(self, root: object, debounce: float, as_json: bool) -> None:
        self.root, self.debounce, self.as_json = str(root), debounce, as_json
        self.live_view = not as_json and sys.stdout.isatty()
        self._bar = progress_bar("Indexing")
        self._live: Any = None
        self._last: RefreshReport | None = None
        self._summary = ""
        self._recent: list[tuple[str, str]] = []
        self._notices: list[str] = []

    def __enter__(self) -> WatchOutput:
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar[1]()
        if self._live is not None:
            self._live.stop()

    def progress(self, done: int, total: int) -> None:
        self._bar[0](done, total)

    def ready(self, report: RefreshReport | None) -> None:
        self._bar[1]()
        self._last = report
        if self.live_view:
            from rich.live import Live

            self._live = Live(self._view(), console=_console(), auto_refresh=False)
            self._live.start()
            return
        counts = "" if report is None else (
            f" ({report.notes} notes, {report.links} links, {report.unresolved} unresolved)")
        info(f"vaultkit: watching {self.root}{counts}; Ctrl-C to stop")

    def report(self, report: RefreshReport) -> None:
        self._last = report
        if self.as_json:
            write(compact_json(watch_json(report)) + "\n")
        elif self._live is None:
            sys.stdout.write(watch_summary(report) + "\n" + "".join(
                f"  {text}\n" for _, text in watch_lines(report)))
        else:
            self._summary = watch_summary(report, totals=False)
            lines = [(style, f"{_clock()} {text}") for style, text in watch_lines(report, 8)]
            self._recent = (lines + self._recent)[:WATCH_RECENT]
            self._live.update(self._view(), refresh=True)
        sys.stdout.flush()

    def notice(self, message: str) -> None:
        if self._live is None:
            info(f"vaultkit: {message}")
            return
        self._notices = [*self._notices[-2:], f"{_clock()} {message}"]
        self._live.update(self._view(), refresh=True)

    def _view(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        r = self._last
        parts = [Text.assemble(("Watching ", "bold"), (self.root, "bold cyan"),
                               (f"   debounce {self.debounce:g}s · Ctrl-C to stop", "dim"))]
        if r is not None:
            parts.append(Text.assemble(
                f"{r.notes} notes · {r.links} links · ",
                (f"{r.unresolved} unresolved", "red" if r.unresolved else "green")))
        if self._summary:
            parts.append(Text(f"last refresh {self._summary}", "dim"))
        parts += [Text(text, style, no_wrap=True, overflow="ellipsis")
                  for style, text in self._recent]
        parts += [Text(n, "yellow", no_wrap=True, overflow="ellipsis") for n in self._notices]
        return Group(*parts)
