"""Read queries over the index, as SQL text run through :class:`~vaultkit.index.Index`.

Each function returns plain rows; :mod:`vaultkit.vault` turns them into model objects.
"Other note" below means a link whose source is not the note itself: a note's links to
itself (``[[Self]]``, ``[[#Heading]]``) count neither as backlinks nor for orphans.
"""

from __future__ import annotations

from typing import Any

from .index import Index

Row = tuple[Any, ...]


def files_by_name(index: Index, keys: tuple[str, ...]) -> list[str]:
    marks = ",".join("?" * len(keys))
    return [r[0] for r in index.query(
        f"SELECT path FROM files WHERE name_key IN ({marks}) ORDER BY path", keys)]


def notes_by_alias(index: Index, alias_lower: str) -> list[str]:
    return [r[0] for r in index.query(
        "SELECT DISTINCT f.path FROM aliases a JOIN files f ON f.id = a.file"
        " WHERE a.lower = ? ORDER BY f.path", (alias_lower,))]


def all_paths(index: Index) -> list[tuple[str, bool]]:
    return [(r[0], bool(r[1])) for r in index.query("SELECT path, is_note FROM files")]


def all_aliases(index: Index) -> list[tuple[str, str]]:
    """(alias, note path) pairs."""
    return index.query(
        "SELECT a.alias, f.path FROM aliases a JOIN files f ON f.id = a.file ORDER BY f.path")


def backlinks(index: Index, path: str) -> list[Row]:
    return index.query(
        "SELECT s.path, l.line, l.col, l.text, l.context, l.embed, l.kind"
        " FROM links l JOIN files d ON d.id = l.dst JOIN files s ON s.id = l.src"
        " WHERE d.path = ? AND l.src != l.dst ORDER BY s.path, l.line, l.col", (path,))


def outgoing(index: Index, path: str) -> list[Row]:
    return index.query(
        "SELECT l.line, l.col, l.text, l.target, d.path, l.embed, l.subpath, l.kind"
        " FROM links l JOIN files s ON s.id = l.src LEFT JOIN files d ON d.id = l.dst"
        " WHERE s.path = ? ORDER BY l.line, l.col", (path,))


_NO_BACKLINK = (
    "NOT EXISTS (SELECT 1 FROM links l WHERE l.dst = f.id AND l.src != f.id)"
)
_NO_OUTLINK = (
    "NOT EXISTS (SELECT 1 FROM links l WHERE l.src = f.id AND (l.dst IS NULL OR l.dst != f.id))"
)


def orphans(index: Index, isolated: bool = False) -> list[str]:
    where = f"f.is_note = 1 AND f.excluded = 0 AND {_NO_BACKLINK}"
    if isolated:
        where += f" AND {_NO_OUTLINK}"
    return [r[0] for r in index.query(f"SELECT f.path FROM files f WHERE {where} ORDER BY f.path")]


def unresolved(index: Index) -> list[Row]:
    return index.query(
        "SELECT s.path, l.line, l.col, l.text, l.target, l.embed FROM links l"
        " JOIN files s ON s.id = l.src WHERE l.dst IS NULL ORDER BY s.path, l.line, l.col")


def tag_rows(index: Index) -> list[Row]:
    """(file id, tag name) for every tag of a note that is not excluded."""
    return index.query(
        "SELECT t.file, t.name FROM tags t JOIN files f ON f.id = t.file WHERE f.excluded = 0")


def tagged(index: Index, tag_lower: str) -> list[str]:
    return [r[0] for r in index.query(
        "SELECT DISTINCT f.path FROM tags t JOIN files f ON f.id = t.file"
        " WHERE f.excluded = 0 AND (t.lower = ? OR substr(t.lower, 1, ?) = ?) ORDER BY f.path",
        (tag_lower, len(tag_lower) + 1, tag_lower + "/"))]


def counts(index: Index) -> dict[str, int]:
    row = index.query(
        "SELECT (SELECT count(*) FROM files WHERE is_note = 1),"
        " (SELECT count(*) FROM files WHERE is_note = 0),"
        " (SELECT count(*) FROM links),"
        " (SELECT count(*) FROM links WHERE dst IS NOT NULL),"
        " (SELECT count(*) FROM problems)")[0]
    keys = ("notes", "attachments", "links", "resolved", "problems")
    return dict(zip(keys, (int(v) for v in row), strict=False))


def most_linked(index: Index, limit: int = 10) -> list[tuple[str, int]]:
    return index.query(
        "SELECT d.path, count(*) AS n FROM links l JOIN files d ON d.id = l.dst"
        " WHERE l.src != l.dst GROUP BY l.dst ORDER BY n DESC, d.path LIMIT ?", (limit,))


def problems(index: Index) -> list[Row]:
    return index.query(
        "SELECT f.path, p.code, p.message, p.line, p.col FROM problems p"
        " JOIN files f ON f.id = p.file ORDER BY f.path, p.line")
