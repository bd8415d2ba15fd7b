"""Read queries over the index, as SQL text run through :class:`~vaultkit.index.Index`.

Each function returns plain rows; :mod:`vaultkit.vault` turns them into model objects.
"Other note" below means a link whose source is not the note itself: a note's links to
itself (``[[Self]]``, ``[[#Heading]]``) count neither as backlinks nor for orphans.
"""

from __future__ import annotations

from collections.abc import Iterator
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


def alias_paths(index: Index, lowers: list[str]) -> list[tuple[str, str]]:
    """(lowercased alias, note path) for aliases equal to one of ``lowers``."""
    return _in_chunks(index, "SELECT a.lower, f.path FROM aliases a JOIN files f"
                      " ON f.id = a.file WHERE a.lower IN ({marks}) ORDER BY f.path", lowers)


def name_counts(index: Index, keys: list[str]) -> dict[str, int]:
    """How many files have each name key."""
    return dict(_in_chunks(index, "SELECT name_key, count(*) FROM files"
                           " WHERE name_key IN ({marks}) GROUP BY name_key", keys))


def shared_names(index: Index) -> dict[str, int]:
    """How many files have each name key that two or more files have."""
    return dict(index.query(
        "SELECT name_key, count(*) FROM files GROUP BY name_key HAVING count(*) > 1"))


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


def tag_rows(index: Index) -> list[tuple[str, int, set[str]]]:
    """(tag name as written, times written, ids of the notes writing it, as text: they are
    only counted) over the notes that are not excluded; grouped inside SQLite (one row a
    name, not one a tag)."""
    return [(name, times, set(fids.split(","))) for name, times, fids in index.query(
        "SELECT name, count(*), group_concat(file) FROM tags"
        " WHERE file NOT IN (SELECT id FROM files WHERE excluded = 1) GROUP BY name")]


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


# --- for `vaultkit check` -------------------------------------------------------------

_CHECK_LINKS = (
    "SELECT s.path, l.line, l.col, l.text, l.target, l.subpath, l.embed, d.path FROM links l"
    " JOIN files s ON s.id = l.src LEFT JOIN files d ON d.id = l.dst"
)


def check_links(index: Index, sources: list[str] | None = None) -> Iterator[Row]:
    """(source, line, col, text, target, subpath, embed, resolved path) of the links in
    ``sources`` (every note when None), in file order; read as they are used (a
    100,000-note vault has a million: a list of them held ~0.5 GB)."""
    if sources is None:
        return index.rows(_CHECK_LINKS + " ORDER BY s.path, l.line, l.col")
    return iter(_in_chunks(index, _CHECK_LINKS + " WHERE s.path IN ({marks})"
                           " ORDER BY s.path, l.line, l.col", sources))


def unresolved_links(index: Index) -> list[Row]:
    """As :func:`check_links`, the unresolved links of every note."""
    return index.query(_CHECK_LINKS + " WHERE l.dst IS NULL ORDER BY s.path, l.line, l.col")


def headings_of(index: Index, paths: list[str]) -> list[Row]:
    """(path, text, level, line, col) of the headings of ``paths``, in file order."""
    return _in_chunks(index, "SELECT f.path, h.text, h.level, h.line, h.col FROM headings h"
                      " JOIN files f ON f.id = h.file WHERE f.path IN ({marks})"
                      " ORDER BY f.path, h.line, h.col", paths)


def blocks_of(index: Index, paths: list[str]) -> list[Row]:
    """(path, id) of the block ids of ``paths``."""
    return _in_chunks(index, "SELECT f.path, b.id FROM blocks b JOIN files f ON f.id = b.file"
                      " WHERE f.path IN ({marks})", paths)


def _in_chunks(index: Index, sql: str, values: list[str], size: int = 500) -> list[Row]:
    out: list[Row] = []
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        out.extend(index.query(sql.format(marks=",".join("?" * len(chunk))), chunk))
    return out


# --- for the graph and unlinked mentions (vaultkit.graph, vaultkit.mentions) -----------


def graph_files(index: Index) -> list[Row]:
    """(path, is_note, excluded) of every file."""
    return index.query("SELECT path, is_note, excluded FROM files ORDER BY path")


def graph_notes(index: Index) -> list[Row]:
    """(id, path) of the notes that are not excluded, in path order."""
    return index.query("SELECT id, path FROM files WHERE is_note = 1 AND excluded = 0"
                       " ORDER BY path")


def linked_pairs(index: Index) -> list[Row]:
    """(source id, destination id, links) of every pair of different files linked (one
    row a pair: the graph's analytics need no more)."""
    return index.query("SELECT src, dst, count(*) FROM links"
                       " WHERE dst IS NOT NULL AND src != dst GROUP BY src, dst")


def graph_links(index: Index) -> list[Row]:
    """(source, resolved path or None, target, line, col, text, subpath, kind, embed) of
    every link, in file order."""
    return index.query(
        "SELECT s.path, d.path, l.target, l.line, l.col, l.text, l.subpath, l.kind, l.embed"
        " FROM links l JOIN files s ON s.id = l.src LEFT JOIN files d ON d.id = l.dst"
        " ORDER BY s.path, l.line, l.col")


def graph_tags(index: Index) -> list[Row]:
    """(path, name, line, col, frontmatter) of every tag, in file order."""
    return index.query(
        "SELECT f.path, t.name, t.line, t.col, t.frontmatter FROM tags t"
        " JOIN files f ON f.id = t.file ORDER BY f.path, t.line, t.col")
