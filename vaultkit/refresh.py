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
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import scan
from .index import Index
from .model import FileProblem, FileStat, LinkRef, Note, RefreshStats
from .parse import PARSER_VERSION, parse_note
from .resolve import Resolver, name_key

Progress = Callable[[int, int], None]
PARALLEL_MIN_FILES = 400  # below this, starting worker processes costs more than it saves
CHUNK = 64


@dataclass(frozen=True, slots=True)
class Parsed:
    path: str
    note: Note | None  # None: the file vanished
    contexts: tuple[str, ...]  # trimmed text of each link's line, in link order
    problem: FileProblem | None = None


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
    to_parse = [p for p in d.added + d.modified if found[p].is_note]
    parsed = {p.path: p for p in parse_files(root, to_parse, progress)}
    vanished = [p for p, r in parsed.items() if r.note is None]
    for path in vanished:
        found.pop(path)
    rows = index.file_rows()
    gone = set(vanished) | set(d.removed)
    index.delete_files([rows[p][0] for p in sorted(gone) if p in rows])
    excluded = scan.excluder(json.loads(filters))
    ids = {p: row[0] for p, row in rows.items() if p not in gone}
    added = [p for p in d.added if p in found]
    for path in added:
        st = found[path]
        ids[path] = index.insert_file(path, name_key(path), st.is_note, excluded(path),
                                      st.mtime_ns, st.size)
    modified = [p for p in d.modified if p in found]
    for path in modified:
        index.update_file_stat(ids[path], found[path].mtime_ns, found[path].size)
    if filters_changed:
        index.set_excluded((int(excluded(p)), i) for p, i in ids.items())
    resolver = Resolver(ids)
    old_broken = _unresolved_of(index, [ids[p] for p in modified if found[p].is_note])
    index.clear_children([ids[p] for p in modified])
    broken: list[LinkRef] = []
    problems: list[FileProblem] = []
    for path in added + modified:
        item = parsed.get(path)
        if item is None or item.note is None:
            continue
        rows_ = _link_rows(ids[path], item, resolver, ids)
        index.insert_note(ids[path], item.note, rows_)
        if item.problem is not None:
            index.insert_problems(ids[path], [(item.problem.code, item.problem.message, 1, 1)])
            problems.append(item.problem)
        problems.extend(FileProblem(path, p.code, p.message, p.line, p.column)
                        for p in item.note.problems)
        was = old_broken.get(ids[path], set())
        broken.extend(LinkRef(path, r[1], r[2], r[3], r[4]) for r in rows_
                      if r[12] is None and r[3] not in was)
    changed_names = {name_key(p) for p in list(gone) + added}
    fresh = {ids[p] for p in added + modified if p in parsed}
    rebroken, fixed = _reresolve(index, resolver, ids, changed_names, fresh)
    return tuple(broken + rebroken), tuple(fixed), tuple(problems)


def _unresolved_of(index: Index, fids: list[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for fid in fids:
        out[fid] = {r[0] for r in index.query(
            "SELECT text FROM links WHERE src = ? AND dst IS NULL", (fid,))}
    return out


def _link_rows(fid: int, item: Parsed, resolver: Resolver, ids: dict[str, int]
               ) -> list[tuple[Any, ...]]:
    assert item.note is not None
    rows = []
    for link, context in zip(item.note.links, item.contexts, strict=False):
        dest = resolver.resolve(link.target, item.path)
        rows.append((
            fid, link.line, link.column, link.text, link.target, link.subpath, link.display,
            int(link.embed), link.kind, link.key, context, name_key(link.target),
            None if dest is None else ids[dest],
        ))
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


def parse_files(root: Path, paths: Sequence[str], progress: Progress | None) -> list[Parsed]:
    total = len(paths)
    if progress:
        progress(0, total)
    workers = min(os.cpu_count() or 1, 8)
    if total < PARALLEL_MIN_FILES or workers < 2:
        out = []
        for i, path in enumerate(paths, 1):
            out.append(parse_one(root, path))
            if progress and (i % CHUNK == 0 or i == total):
                progress(i, total)
        return out
    chunks = [paths[i : i + CHUNK] for i in range(0, total, CHUNK)]
    out = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for batch in pool.map(_parse_chunk, [root] * len(chunks), chunks):
            out.extend(batch)
            if progress:
                progress(len(out), total)
    return out


def _parse_chunk(root: Path, paths: Sequence[str]) -> list[Parsed]:
    return [parse_one(root, p) for p in paths]


def parse_one(root: Path, path: str) -> Parsed:
    result = scan.read_note(root / path)
    if result.problem == "vanished":
        return Parsed(path, None, ())
    problem = None
    if result.problem is not None:
        problem = FileProblem(path, result.problem, result.message)
    if result.text is None:
        return Parsed(path, Note(path), (), problem)
    note = parse_note(path, result.text)
    lines = result.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    contexts = tuple(
        lines[link.line - 1].strip() if 0 < link.line <= len(lines) else "" for link in note.links
    )
    return Parsed(path, note, contexts, problem)
