"""Incremental refresh: walk the vault, diff against the index, re-read only what changed.

Data flow: ``scan.walk`` -> diff ``(mtime_ns, size)`` against the index -> parse the
added/modified notes (in worker processes when there are many) -> write everything in one
transaction -> re-resolve only the links whose target name matches a file that appeared
or disappeared.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import scan
from .index import Index
from .model import FileProblem, FileStat, LinkRef, RefreshStats
from .parse import PARSER_VERSION, parse_note
from .resolve import Resolver, name_key

Progress = Callable[[int, int], None]
PARALLEL_MIN_FILES = 400  # below this, starting worker processes costs more than it saves
CHUNK = 64


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a worker sends back for one note: plain tuples, cheap to pickle."""

    path: str
    found: bool  # False: the file vanished before it could be read
    links: list[tuple[Any, ...]]  # (line, col, text, target, subpath, display, embed, kind,
    #                                key, context)
    tags: list[tuple[str, int, int, bool]]
    headings: list[tuple[str, int, int, int]]
    blocks: list[tuple[str, int, int]]
    aliases: list[str]
    problems: list[FileProblem]


@dataclass(slots=True)
class Diff:
    added: list[str]
    modified: list[str]
    removed: list[str]
    unchanged: int

    @property
    def empty(self) -> bool:
        return not (self.added or self.modified or self.removed)


def diff(found: dict[str, FileStat], rows: dict[str, tuple[int, int, int]], reparse: bool) -> Diff:
    added = [p for p in found if p not in rows]
    removed = [p for p in rows if p not in found]
    modified = []
    unchanged = 0
    for path, st in found.items():
        row = rows.get(path)
        if row is None:
            continue
        if (row[1], row[2]) != (st.mtime_ns, st.size) or (reparse and st.is_note):
            modified.append(path)
        else:
            unchanged += 1
    return Diff(sorted(added), sorted(modified), sorted(removed), unchanged)


def refresh(root: Path, index: Index, progress: Progress | None = None) -> RefreshStats:
    """Bring the index up to date with the files under ``root``."""
    start = time.perf_counter()
    walk_problems: list[FileProblem] = []
    found = scan.walk(root, lambda w: walk_problems.append(FileProblem(w.path, "unreadable",
                                                                       w.message)))
    filters = json.dumps(scan.load_ignore_filters(root))
    reparse = index.get_meta("parser_version") != str(PARSER_VERSION)
    filters_changed = index.get_meta("ignore_filters") != filters
    d = diff(found, index.file_rows(), reparse)
    if d.empty and not filters_changed:
        return RefreshStats(unchanged=d.unchanged, seconds=time.perf_counter() - start,
                            problems=tuple(walk_problems))
    with index.write():
        d = diff(found, index.file_rows(), reparse)  # another process may have written
        stats = _apply(root, index, found, d, filters, filters_changed, progress)
        index.set_meta("parser_version", str(PARSER_VERSION))
        index.set_meta("ignore_filters", filters)
    return RefreshStats(
        added=len(d.added), modified=len(d.modified), removed=len(d.removed),
        unchanged=d.unchanged, seconds=time.perf_counter() - start,
        broken=stats[0], fixed=stats[1], problems=tuple(walk_problems) + stats[2],
    )


def _apply(
    root: Path, index: Index, found: dict[str, FileStat], d: Diff, filters: str,
    filters_changed: bool, progress: Progress | None,
) -> tuple[tuple[LinkRef, ...], tuple[LinkRef, ...], tuple[FileProblem, ...]]:
    rows = index.file_rows()
    index.delete_files([rows[p][0] for p in d.removed if p in rows])
    excluded = scan.excluder(json.loads(filters))
    ids = {p: row[0] for p, row in rows.items() if p in found}
    for path in d.added:
        st = found[path]
        ids[path] = index.insert_file(path, name_key(path), st.is_note, excluded(path),
                                      st.mtime_ns, st.size)
    for path in d.modified:
        index.update_file_stat(ids[path], found[path].mtime_ns, found[path].size)
    if filters_changed:
        index.set_excluded((int(excluded(p)), i) for p, i in ids.items())
    resolver = Resolver(ids)
    old_broken = _unresolved_of(index, [ids[p] for p in d.modified if found[p].is_note])
    index.clear_children([ids[p] for p in d.modified])
    broken: list[LinkRef] = []
    problems: list[FileProblem] = []
    vanished: list[str] = []
    to_parse = [p for p in d.added + d.modified if found[p].is_note]
    # rows are written while workers go on parsing
    for item in parse_files(root, to_parse, progress):
        if not item.found:
            vanished.append(item.path)
            continue
        fid = ids[item.path]
        link_rows = _link_rows(fid, item, resolver, ids)
        index.insert_note(fid, link_rows, item.tags, item.headings, item.blocks, item.aliases,
                          [(p.code, p.message, p.line, p.column) for p in item.problems])
        problems.extend(item.problems)
        was = old_broken.get(fid, set())
        broken.extend(LinkRef(item.path, r[1], r[2], r[3], r[4]) for r in link_rows
                      if r[12] is None and r[3] not in was)
    fresh = {ids[p] for p in to_parse}
    names = {name_key(p) for p in d.removed + d.added}
    rebroken, fixed = _reresolve(index, resolver, ids, names, fresh)
    if vanished:  # deleted while we read: drop them, and redo every link to their names
        index.delete_files([ids.pop(p) for p in vanished])
        again = _reresolve(index, Resolver(ids), ids, {name_key(p) for p in vanished}, set())
        rebroken += again[0]
        fixed += again[1]
    return tuple(broken + rebroken), tuple(fixed), tuple(problems)


def _unresolved_of(index: Index, fids: list[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for fid in fids:
        out[fid] = {r[0] for r in index.query(
            "SELECT text FROM links WHERE src = ? AND dst IS NULL", (fid,))}
    return out


def _link_rows(fid: int, item: Parsed, resolver: Resolver, ids: dict[str, int]
               ) -> list[tuple[Any, ...]]:
    rows = []
    for line, col, text, target, subpath, display, embed, kind, key, context in item.links:
        dest = resolver.resolve(target, item.path)
        rows.append((fid, line, col, text, target, subpath, display, embed, kind, key, context,
                     name_key(target), None if dest is None else ids[dest]))
    return rows


def _reresolve(
    index: Index, resolver: Resolver, ids: dict[str, int], names: set[str], fresh: set[int]
) -> tuple[list[LinkRef], list[LinkRef]]:
    """Resolve again the links, from notes not read in this refresh (``fresh`` ones were
    just resolved), whose target name matches a file that came or went."""
    updates: list[tuple[int | None, int]] = []
    broken: list[LinkRef] = []
    fixed: list[LinkRef] = []
    if not names or len(fresh) >= len(ids):
        return broken, fixed  # nothing else to look at (e.g. a first build)
    keys = set(names) | {n[:-3] for n in names if n.endswith(".md")}
    for rowid, src, source, line, col, text, target, dst in index.links_by_name(keys):
        if src in fresh:
            continue
        dest = resolver.resolve(target, source)
        new = None if dest is None else ids[dest]
        if new != dst:
            updates.append((new, rowid))
            ref = LinkRef(source, line, col, text, target, dest)
            if new is None:
                broken.append(ref)
            elif dst is None:
                fixed.append(ref)
    index.set_link_dst(updates)
    return broken, fixed


# --- reading and parsing, possibly in worker processes -----------------------------------


def parse_files(root: Path, paths: Sequence[str], progress: Progress | None
                ) -> Iterator[Parsed]:
    """Read and parse ``paths``, in worker processes when there are many; results come
    back in chunks as they are ready."""
    total = len(paths)
    if progress:
        progress(0, total)
    workers = min(os.cpu_count() or 1, 8)
    chunks = [paths[i : i + CHUNK] for i in range(0, total, CHUNK)]
    if total < PARALLEL_MIN_FILES or workers < 2:
        batches: Iterator[list[Parsed]] = (_parse_chunk(root, c) for c in chunks)
        yield from _counted(batches, total, progress)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        batches = pool.map(_parse_chunk, [root] * len(chunks), chunks)
        yield from _counted(batches, total, progress)


def _counted(batches: Iterator[list[Parsed]], total: int, progress: Progress | None
             ) -> Iterator[Parsed]:
    done = 0
    for batch in batches:
        yield from batch
        done += len(batch)
        if progress:
            progress(done, total)


def _parse_chunk(root: Path, paths: Sequence[str]) -> list[Parsed]:
    return [parse_one(root, p) for p in paths]


def parse_one(root: Path, path: str) -> Parsed:
    """Read one note and turn what the parser finds into rows."""
    result = scan.read_note(root / path)
    if result.problem == "vanished":
        return Parsed(path, False, [], [], [], [], [], [])
    problems = []
    if result.problem is not None:
        problems.append(FileProblem(path, result.problem, result.message))
    if result.text is None:
        return Parsed(path, True, [], [], [], [], [], problems)
    note = parse_note(path, result.text)
    lines = result.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    nlines = len(lines)
    links = [
        (k.line, k.column, k.text, k.target, k.subpath, k.display, int(k.embed), k.kind, k.key,
         lines[k.line - 1].strip() if 0 < k.line <= nlines else "")
        for k in note.links
    ]
    problems.extend(FileProblem(path, p.code, p.message, p.line, p.column) for p in note.problems)
    return Parsed(
        path, True, links,
        [(t.name, t.line, t.column, t.frontmatter) for t in note.tags],
        [(h.text, h.level, h.line, h.column) for h in note.headings],
        [(b.id, b.line, b.column) for b in note.blocks],
        list(note.aliases), problems,
    )
