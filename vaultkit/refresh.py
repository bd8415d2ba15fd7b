"""Incremental refresh: walk the vault, diff against the index, re-read only what changed.

Data flow: ``scan.walk`` -> diff ``(mtime_ns, size)`` against the index -> parse the
added/modified notes (in worker processes when there are many) -> write everything in one
transaction -> re-resolve only the links whose target name matches a file that appeared
or disappeared.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import time
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from . import scan
from ._version import PARSER_VERSION
from .index import DB_ERRORS, Index, Rows, Shard
from .model import FileProblem, FileStat, LinkRef, PathBatch, RefreshReport, RefreshStats
from .resolve import Resolver, name_key

if TYPE_CHECKING:
    from .model_parse import NoteParts

try:
    from _blake2 import blake2b  # hashlib's, without loading OpenSSL (~10 ms)
except ImportError:  # pragma: no cover - CPython always has it
    from hashlib import blake2b

Progress = Callable[[int, int], None]
PARALLEL_MIN_FILES = 400  # below this, starting worker processes costs more than it saves
BULK_MIN_NOTES = 1000  # notes to read (and half the vault) above which the lookup indexes
#                        are dropped while rows are written, and built once at the end
CHUNK = 64
GROUP_CHARS = 1 << 20  # notes parsed together: a group ends once it holds this much text
FLUSH_ROWS = 5000  # rows gathered before they are written
MANY_IDS = 200  # notes above which their old rows are read in one pass, not one by one


class Parsed(NamedTuple):
    """What a worker sends back for one note: its rows for the index, each starting with
    the note's file id, links already resolved. Plain tuples: cheap to pickle."""

    path: str
    found: bool  # False: the file vanished before it could be read
    links: list[tuple[Any, ...]]  # as the links table: src, line, ... name_key, dst
    tags: list[tuple[Any, ...]]
    headings: list[tuple[Any, ...]]
    blocks: list[tuple[Any, ...]]
    aliases: list[tuple[Any, ...]]
    problems: list[FileProblem]
    unresolved: list[tuple[int, int, str, str]]  # (line, col, text, target) of its links
    #                                               that resolve to nothing


class Context(NamedTuple):
    """What parsing needs besides the text: where the vault is, the id of every file,
    and the resolver over them. Worker processes get it once, when they start."""

    root: Path
    ids: Mapping[str, int]
    resolver: Resolver
    shards: Path | None = None  # workers write their rows there (Index.shard_folder)


class Diff(NamedTuple):
    added: list[str]
    modified: list[str]
    removed: list[str]
    unchanged: int

    @property
    def empty(self) -> bool:
        return not (self.added or self.modified or self.removed)


def diff(found: Mapping[str, FileStat], rows: Mapping[str, tuple[int, int, int]], reparse: bool
         ) -> Diff:
    added = found.keys() - rows.keys()
    removed = rows.keys() - found.keys()
    get = rows.get
    # FileStat is (path, mtime_ns, size, is_note); a row (id, mtime_ns, size)
    modified = [p for p, st in found.items() if (r := get(p)) is not None
                and (r[1] != st[1] or r[2] != st[2] or (reparse and st[3]))]
    unchanged = len(found) - len(added) - len(modified)
    return Diff(sorted(added), sorted(modified), sorted(removed), unchanged)


def refresh(root: Path, index: Index, progress: Progress | None = None,
            follow_symlinks: bool = False, walked: Walked | None = None) -> RefreshStats:
    """Bring the index up to date with the files under ``root`` (as ``walked`` found
    them, when given: a walk made just before, by another process say)."""
    return refresh_paths(root, index, None, progress, follow_symlinks, walked).stats


class Walked(NamedTuple):
    """A walk of the whole vault made before the refresh that uses it, and the index's
    ``data_version()`` read before the walk began."""

    found: dict[str, FileStat]
    problems: list[FileProblem]
    version: int


def walk_vault(root: Path, follow_symlinks: bool = False, split: bool = False
               ) -> tuple[dict[str, FileStat], list[FileProblem]]:
    """Every file of the vault (:func:`scan.walk`), and what the walk had to skip as
    problems."""
    problems: list[FileProblem] = []
    return scan.walk(root, problem_into(problems), follow_symlinks, split), problems


def walk_vault_columns(root: Path, follow_symlinks: bool = False, split: bool = False
                       ) -> tuple[scan.Columns, list[FileProblem]]:
    """:func:`walk_vault` by column (:func:`scan.walk_columns`)."""
    problems: list[FileProblem] = []
    return scan.walk_columns(root, problem_into(problems), follow_symlinks, split), problems


SPLIT_MIN_FILES = 5000  # a vault about this large is walked by two processes, if it can be


def large(index: Index) -> bool:
    """Has the vault about :data:`SPLIT_MIN_FILES` files or more? (By the highest file id
    given, an index look-up: files removed since still count.)"""
    try:
        return (index.scalar("SELECT max(id) FROM files") or 0) >= SPLIT_MIN_FILES
    except DB_ERRORS:  # the refresh that follows deals with it
        return False


def problem_into(problems: list[FileProblem]) -> Callable[[scan.WalkWarning], None]:
    """A walk's ``warn``: each warning as a problem, appended to ``problems``."""
    return lambda w: problems.append(FileProblem(w.path, w.code, w.message))


def walk_state(root: Path, index: Index) -> tuple[int, str] | None:
    """``(data_version(), stored walk mark)`` when a walk alone can tell that a refresh
    has nothing to do: the index holds a whole walk (its mark is stored), no note is to
    be read again for a new parser and the ignore filters are those indexed. None
    otherwise (then only a refresh can tell)."""
    version = index.data_version()  # first: a commit after it shows in a later call
    mark = index.get_meta(WALK_MARK)
    if (not mark or index.get_meta("parser_version") != str(PARSER_VERSION)
            or index.get_meta("ignore_filters") != json.dumps(scan.load_ignore_filters(root))):
        return None
    return version, mark


def _apply(
    root: Path, index: Index, found: dict[str, FileStat], d: Diff, filters: str,
    filters_changed: bool, progress: Progress | None,
    rows: Mapping[str, tuple[int, int, int]] | None = None,  # the files table, if just read
) -> tuple[tuple[LinkRef, ...], tuple[LinkRef, ...], tuple[FileProblem, ...], set[str]]:
    """Write what changed; returns the links broken and fixed, the problems found, and the
    notes that vanished while they were being read (not indexed after all)."""
    rows = index.file_rows() if rows is None else rows
    index.delete_files([rows[p][0] for p in d.removed if p in rows])
    excluded = scan.excluder(json.loads(filters))
    ids: MutableMapping[str, int] = _Ids(rows, found)
    ids.update(index.insert_files(
        (path, name_key(path), found[path].is_note, excluded(path), found[path].mtime_ns,
         found[path].size) for path in d.added))
    for path in d.modified:
        index.update_file_stat(ids[path], found[path].mtime_ns, found[path].size)
    if filters_changed:  # files just added were given the new flag above
        added = set(d.added)
        index.set_excluded((int(excluded(p)), i) for p, i in ids.items() if p not in added)
    to_parse = [p for p in d.added + d.modified if found[p].is_note]
    # A few notes to read: look names up in the index as their links need them (it holds
    # exactly ``ids`` by now). Many: know every name at once (workers need that too).
    few = len(to_parse) < PARALLEL_MIN_FILES
    if not few:
        ids = dict(ids)  # every path is needed anyway, and workers are sent it
    resolver = Resolver(lookup=index.paths_named) if few else Resolver(ids)
    old_broken = _unresolved_of(index, [ids[p] for p in d.modified if found[p].is_note])
    # Many notes to read (a first build, a new parser, a checkout of another branch):
    # build the lookup indexes once at the end instead of updating them row by row.
    bulk = len(to_parse) >= BULK_MIN_NOTES and len(to_parse) * 2 >= len(rows)
    gone = [ids[p] for p in d.modified]
    if not bulk:
        index.clear_children(gone)
    broken: list[LinkRef] = []
    problems: list[FileProblem] = []
    vanished: list[str] = []
    with index.bulk(bulk), scan.no_gc():
        if bulk and gone:
            index.clear_children_all(gone)
        shards = index.shard_folder() if _workers(len(to_parse)) else None
        broken += _store(Context(root, ids, resolver, shards), index, to_parse, old_broken,
                         problems, vanished, progress)
    fresh = {ids[p] for p in to_parse}
    names = {name_key(p) for p in d.removed + d.added}
    # every note was just read, links resolved (a first build): nothing to resolve again
    all_read = not rows or (len(to_parse) > len(rows) // 2
                            and len(to_parse) >= sum(1 for p in ids if scan.is_note_path(p)))
    rebroken, fixed = _reresolve(index, resolver, ids, set() if all_read else names, fresh)
    _forget_suggestions(index, d.removed + vanished, [p for p in d.added if p not in vanished])
    if vanished:  # deleted while we read: drop them, and redo every link to their names
        index.delete_files([ids.pop(p) for p in vanished])
        again = _reresolve(index, Resolver(lookup=index.paths_named) if few else Resolver(ids),
                           ids, {name_key(p) for p in vanished}, set())
        rebroken += again[0]
        fixed += again[1]
    return tuple(broken + rebroken), tuple(fixed), tuple(problems), set(vanished)


def _store(ctx: Context, index: Index, to_parse: list[str], old_broken: dict[int, set[str]],
           problems: list[FileProblem], vanished: list[str], progress: Progress | None
           ) -> list[LinkRef]:
    """Parse ``to_parse`` and write what is found; rows are written while workers go on
    parsing. Returns the links that became unresolved."""
    broken: list[LinkRef] = []
    rows = Rows()
    for item in parse_files(ctx, to_parse, progress):
        if not item.found:
            vanished.append(item.path)
            continue
        _gather(rows, item)
        if item.problems:
            fid = ctx.ids[item.path]
            rows.problems.extend((fid, p.code, p.message, p.line, p.column)
                                 for p in item.problems)
            problems.extend(item.problems)
            if any(p.code == "unreadable" for p in item.problems):
                index.update_file_stat(fid, -1, -1)  # not read: try again next time
        if item.unresolved:
            was = old_broken.get(ctx.ids[item.path], set())
            broken.extend(LinkRef(item.path, *u) for u in item.unresolved if u[2] not in was)
        if len(rows) >= FLUSH_ROWS:
            index.insert_rows(rows)
    index.insert_rows(rows)
    if ctx.shards is not None:
        index.merge_shards()
    return broken


def _gather(rows: Rows, item: Parsed) -> None:
    """Add a note's rows (all but its problems, which the caller reports) to ``rows``."""
    rows.links += item.links
    rows.tags += item.tags
    rows.headings += item.headings
    rows.blocks += item.blocks
    rows.aliases += item.aliases


def _forget_suggestions(index: Index, removed: list[str], added: list[str]) -> None:
    """Drop cached "did you mean" answers that a file coming or going may change."""
    if not (removed or added):
        return
    cached = index.suggestion_targets()
    if not cached:
        return
    from .resolve import affected_targets

    index.drop_suggestions(affected_targets(cached, added) if added else (),
                           {name_key(p) for p in removed + added})


def _unresolved_of(index: Index, fids: list[int]) -> dict[int, set[str]]:
    """The texts of the unresolved links of each note in ``fids`` (when many, only the
    notes that have some)."""
    out: dict[int, set[str]] = {}
    if len(fids) > MANY_IDS:  # one pass over the unresolved links, not a query a note
        wanted = set(fids)
        for src, text in index.query("SELECT src, text FROM links WHERE dst IS NULL"):
            if src in wanted:
                out.setdefault(src, set()).add(text)
        return out
    for fid in fids:
        out[fid] = {r[0] for r in index.query(
            "SELECT text FROM links WHERE src = ? AND dst IS NULL", (fid,))}
    return out


def _reresolve(
    index: Index, resolver: Resolver, ids: Mapping[str, int], names: set[str], fresh: set[int]
) -> tuple[list[LinkRef], list[LinkRef]]:
    """Resolve again the links, from notes not read in this refresh (``fresh`` ones were
    just resolved), whose target name matches a file that came or went."""
    updates: list[tuple[int | None, int]] = []
    broken: list[LinkRef] = []
    fixed: list[LinkRef] = []
    if not names:
        return broken, fixed
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


def parse_files(ctx: Context, paths: Sequence[str], progress: Progress | None
                ) -> Iterator[Parsed]:
    """Read and parse ``paths``, in worker processes when there are many; results come
    back in chunks as they are ready."""
    total = len(paths)
    if progress:
        progress(0, total)
    workers = _workers(total)
    chunks = [paths[i : i + CHUNK] for i in range(0, total, CHUNK)]
    if not workers:
        batches: Iterator[list[Parsed]] = (_parse_chunk(c, ctx) for c in chunks)
        yield from _counted(batches, total, progress)
        return
    from concurrent.futures import ProcessPoolExecutor

    from . import parse  # noqa: F401  (imported once here, not once per worker)

    with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                             initargs=(os.getpid(), ctx)) as pool:
        batches = pool.map(_parse_chunk, chunks)
        yield from _counted(batches, total, progress)


def _workers(total: int) -> int:
    """How many worker processes parse ``total`` notes (0: parse them in this one)."""
    workers = min(os.cpu_count() or 1, 8)
    return 0 if total < PARALLEL_MIN_FILES or workers < 2 else workers


_WORKER: Context | None = None  # in a worker process: its Context
_SHARD: Shard | None = None  # and where it writes rows, if it does


def _start_worker(parent: int, ctx: Context) -> None:
    """In a worker: keep ``ctx``, and end when the process that started it ends, even by
    SIGKILL (else the worker waits forever to hand back its results, holding the
    caller's pipes open)."""
    global _WORKER, _SHARD
    _WORKER = ctx
    gc.disable()  # what a worker makes is sent away, never kept: no cycles to collect
    if ctx.shards is not None:
        _SHARD = Shard(ctx.shards / f"shard-{os.getpid()}.db")
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it ended before prctl
        os._exit(1)


def _counted(batches: Iterator[list[Parsed]], total: int, progress: Progress | None
             ) -> Iterator[Parsed]:
    done = 0
    for batch in batches:
        yield from batch
        done += len(batch)
        if progress:
            progress(done, total)


def _parse_chunk(paths: Sequence[str], ctx: Context | None = None) -> list[Parsed]:
    ctx = ctx or _WORKER
    assert ctx is not None
    items = parse_some(ctx, paths)
    if _SHARD is None:
        return items
    rows = Rows()  # into this worker's shard; only what the caller reports is sent back
    for item in items:
        _gather(rows, item)
    _SHARD.add(rows)
    return [Parsed(i.path, i.found, [], [], [], [], [], i.problems, i.unresolved) for i in items]


def parse_some(ctx: Context, paths: Sequence[str]) -> list[Parsed]:
    """Read the notes at ``paths`` and turn what the parser finds into rows. The parser
    takes a few notes at once (:func:`vaultkit.parse.parse_many` is quicker so), up to
    ``GROUP_CHARS`` of text: a group of large notes would hold several copies of each."""
    out: list[Parsed] = []
    group: list[tuple[str, scan.ReadResult]] = []
    size = 0
    for path in paths:
        result = scan.read_note(ctx.root / path)
        group.append((path, result))
        size += len(result.text or "")
        if size >= GROUP_CHARS:
            out += _parse_group(ctx, group)
            group, size = [], 0
    return out + _parse_group(ctx, group)


def _parse_group(ctx: Context, group: list[tuple[str, scan.ReadResult]]) -> list[Parsed]:
    """The rows of notes read as ``group``, those that could be read parsed together."""
    from . import parse  # loaded on first use: a refresh with nothing to read skips it

    texts = [None if r.text is None else parse.normal_text(r.text) for _, r in group]
    parts = iter(parse.parse_many([text for text in texts if text is not None]))
    return [_parsed(ctx, path, result, None if text is None else (text, next(parts)))
            for (path, result), text in zip(group, texts, strict=True)]


def _parsed(ctx: Context, path: str, result: scan.ReadResult,
            parsed: tuple[str, NoteParts] | None) -> Parsed:
    """The rows of one note read as ``result``; ``parsed``: its text as the parser reads
    it (:func:`vaultkit.parse.normal_text`) and what the parser found (None: unread)."""
    if result.problem == "vanished":
        return Parsed(path, False, [], [], [], [], [], [], [])
    problems = []
    if result.problem is not None:
        problems.append(FileProblem(path, result.problem, result.message))
    if parsed is None:
        return Parsed(path, True, [], [], [], [], [], problems, [])
    text, note = parsed
    fid = ctx.ids[path]
    links = []
    unresolved = []
    if note.links:
        lines = text.split("\n")
        nlines = len(lines)
        resolve, ids = ctx.resolver.resolve, ctx.ids
        # Link, Tag, Heading and Block are named tuples: unpacked, in field order
        for target, subpath, display, written, line, col, embed, kind, key in note.links:
            dest = resolve(target, path)
            if 0 < line <= nlines:
                around = lines[line - 1]
                around = around.strip() if len(around) <= CONTEXT_MAX else context(
                    around, col, written)
            else:
                around = ""
            links.append((fid, line, col, written, target, subpath, display, int(embed), kind,
                          key, around, name_key(target), None if dest is None else ids[dest]))
            if dest is None:
                unresolved.append((line, col, written, target))
    problems.extend(FileProblem(path, p.code, p.message, p.line, p.column) for p in note.problems)
    return Parsed(
        path, True, links,
        [(fid, name, name.lower(), line, col, int(fm)) for name, line, col, fm in note.tags],
        [(fid, *h) for h in note.headings],  # text, level, line, column
        [(fid, *b) for b in note.blocks],  # id, line, column
        [(fid, a, a.lower()) for a in note.aliases], problems, unresolved,
    )


CONTEXT_MAX = 400  # characters of a long line kept as a link's context


def context(line: str, column: int, text: str) -> str:
    """A link's line, trimmed. A longer line than CONTEXT_MAX is cut around the link,
    with ``…`` where it was cut: 100,000 links on one line must not store it 100,000 times."""
    if len(line) <= CONTEXT_MAX:
        return line.strip()
    start = max(0, min(column - 1 - (CONTEXT_MAX - len(text)) // 2, len(line) - CONTEXT_MAX))
    end = start + CONTEXT_MAX
    return ("…" if start else "") + line[start:end].strip() + ("…" if end < len(line) else "")


# --- targeted refresh: only the paths file-system events named (``vaultkit watch``) -------

FULL_ABOVE = 5000  # more named files than this: walking the whole vault is as quick


def refresh_paths(root: Path, index: Index, batch: PathBatch | None = None,
                  progress: Progress | None = None, follow_symlinks: bool = False,
                  walked: Walked | None = None) -> RefreshReport:
    """:func:`refresh`, looking only at the files and folders ``batch`` names (``None``:
    the whole vault), and saying which paths changed. Files outside the batch are taken to
    be as the index has them. Notes in ``batch.written`` are read again even when their
    (mtime_ns, size) look unchanged: a same-size rewrite within one tick of the clock.
    With ``follow_symlinks`` every refresh walks the whole vault: events do not say what
    changed behind a symlinked folder. ``walked``: the whole vault as a walk made just
    before found it (with ``batch`` None): it stands for this refresh's first look."""
    start = time.perf_counter()
    filters = json.dumps(scan.load_ignore_filters(root))
    reparse = index.get_meta("parser_version") != str(PARSER_VERSION)
    filters_changed = index.get_meta("ignore_filters") != filters
    full = (batch is None or batch.full or reparse or len(batch.files) > FULL_ABOVE
            or follow_symlinks)

    def look() -> tuple[dict[str, FileStat], set[str], tuple[str, ...] | None,
                        frozenset[str], list[FileProblem]]:
        if full or batch is None:
            found, skipped = walk_vault(root, follow_symlinks, large(index))
            return found, set(), None, frozenset(), skipped
        found, files, prefixes = _look(root, index, batch)
        return found, files, prefixes, batch.written, []

    if walked is not None and batch is None:
        version = walked.version
        found, files, prefixes, written, problems = (
            walked.found, set(), None, frozenset(), list(walked.problems))
    else:
        version = index.data_version()  # before looking: a commit after it makes it old
        found, files, prefixes, written, problems = look()
    marks = None
    if prefixes is None and not reparse:
        marks = _Marks(found)
        if not filters_changed and index.get_meta(WALK_MARK) == marks.walk:
            return RefreshReport(_stats(start, problems, len(found)), full=True)  # as indexed
    rows: Mapping[str, tuple[int, int, int]] | None = None
    d = None
    if prefixes is None:
        rows, d = _diff_walk(index, found, reparse, marks)
        if d.empty and not filters_changed:
            if marks is not None:  # remember them: the next look is just that comparison
                index.set_meta_if_idle(marks.meta(), version)
            return RefreshReport(_stats(start, problems, len(found)), full=True)
    with index.write():
        if index.data_version() != version:
            # Another process committed since we looked: what it stored may be newer than
            # what we saw (a file it added after our walk would look removed to us). Look
            # again, now that no one else can write.
            found, files, prefixes, written, problems = look()
            rows = d = None
            marks = _Marks(found) if prefixes is None and not reparse else None
        if rows is None:  # files named by events, no folder: their rows are enough
            rows = index.file_rows() if prefixes != () else _SomeRows(
                index, {}, index.scalar("SELECT count(*) FROM files"))
        if d is None:
            d = _scoped_diff(found, rows, files, prefixes, written, reparse)
        if d.empty and not filters_changed:
            if marks is not None:
                index.set_metas(marks.meta())
            return RefreshReport(_stats(start, problems, len(rows)), full=prefixes is None)
        everything = found
        if prefixes is not None:  # _apply only reads it: a view is enough (and 6x cheaper)
            everything = cast("dict[str, FileStat]", _Overlay(found, rows, set(d.removed)))
        broken, fixed, found_problems, vanished = _apply(root, index, everything, d, filters,
                                                         filters_changed, progress, rows)
        index.set_meta("parser_version", str(PARSER_VERSION))
        index.set_meta("ignore_filters", filters)
        # The files table now holds exactly this walk, unless a note vanished while it was
        # read or could not be read (stored as "read again next time"); a look at part of
        # the vault does not say what the rest holds.
        exact = prefixes is None and not vanished and not any(
            p.code == "unreadable" for p in found_problems)
        # (no marks yet after a first build, or one that read every note again)
        index.set_metas((marks or _Marks(found)).meta() if exact else NO_MARKS)
    stats = RefreshStats(
        added=len(d.added), modified=len(d.modified), removed=len(d.removed),
        unchanged=len(rows) - len(d.modified) - len(d.removed),
        seconds=time.perf_counter() - start, broken=broken, fixed=fixed,
        problems=tuple(problems) + found_problems,
    )
    return RefreshReport(
        stats, tuple(p for p in d.added if p not in vanished),
        tuple(p for p in d.modified if p not in vanished),
        tuple(d.removed) + tuple(p for p in d.modified if p in vanished), full=prefixes is None,
    )


WALK_MARK = "walk_mark"  # meta key: walk_mark() of the walk the files table holds
FOLDER_MARKS = "folder_marks"  # meta key: folder_marks() of that walk, as JSON


def walk_mark(found: Mapping[str, FileStat]) -> str:
    """A digest of a walk (paths in walk order, their mtimes and sizes): when a new walk
    has the one stored with the index, nothing changed, and the files table need not be
    read and compared (at 100k files, ~0.25 s of every command)."""
    return _digest(list(found.values()))


def by_folder(found: Mapping[str, FileStat]) -> dict[str, list[FileStat]]:
    """The files of a walk by the folder holding them: ``"a/b/"``, ``""`` for the top."""
    groups: dict[str, list[FileStat]] = {}
    for folder, stats in groupby(found.values(), key=_folder_of):  # a folder's files
        groups.setdefault(folder, []).extend(stats)  # are walked together
    return groups


def folder_marks(groups: Mapping[str, list[FileStat]]) -> dict[str, str]:
    """Per folder, the digest of its files as walked: when a walk differs from the one
    indexed, only the folders whose digest differs are compared with the index."""
    return {folder: _digest(stats) for folder, stats in groups.items()}


def _folder_of(st: FileStat) -> str:
    return st[0][: st[0].rfind("/") + 1]


def columns_mark(walked: scan.Columns) -> str:
    """:func:`walk_mark` of a walk taken by column (:func:`scan.walk_columns`)."""
    return _mark(walked.paths, walked.mtimes, walked.sizes)


def _digest(stats: Sequence[FileStat]) -> str:
    # FileStat: a named tuple (path, mtime_ns, size, is_note)
    return _mark(map(itemgetter(0), stats), map(itemgetter(1), stats),
                 map(itemgetter(2), stats))


def _mark(paths: Iterable[str], mtimes: Iterable[int], sizes: Iterable[int]) -> str:
    h = blake2b(digest_size=16)
    h.update("\0".join(paths).encode("utf-8", "surrogatepass"))
    h.update(array("q", mtimes).tobytes())
    h.update(array("q", sizes).tobytes())
    return h.hexdigest()


class _Marks:
    """The marks of one walk, made when first asked for (the folder ones cost 2-3x the
    whole one, and a vault found unchanged needs only that)."""

    def __init__(self, found: Mapping[str, FileStat]) -> None:
        self.found = found
        self.walk = walk_mark(found)
        self._groups: dict[str, list[FileStat]] | None = None
        self._folders: dict[str, str] | None = None

    @property
    def groups(self) -> dict[str, list[FileStat]]:
        if self._groups is None:
            self._groups = by_folder(self.found)
        return self._groups

    @property
    def folders(self) -> dict[str, str]:
        if self._folders is None:
            self._folders = folder_marks(self.groups)
        return self._folders

    def meta(self) -> dict[str, str]:
        """What to store with a files table that holds exactly this walk."""
        return {WALK_MARK: self.walk,
                FOLDER_MARKS: json.dumps(self.folders, ensure_ascii=False, separators=(",", ":"))}


NO_MARKS = {WALK_MARK: "", FOLDER_MARKS: ""}  # the files table is not known to be a walk


def _diff_walk(index: Index, found: Mapping[str, FileStat], reparse: bool,
               marks: _Marks | None) -> tuple[Mapping[str, tuple[int, int, int]], Diff]:
    """The files table (as :meth:`Index.file_rows` gives it) and its diff with a walk.
    With the folder marks stored with the table, only the rows of the folders whose mark
    differs are read: one edited note of a 100k-file vault reads its folder's rows, not
    100k. Without them, or when every note is to be read again, all rows."""
    stored = index.get_meta(FOLDER_MARKS) if marks is not None and not reparse else None
    if marks is None or not stored:
        rows = index.file_rows()
        return rows, diff(found, rows, reparse)
    old: dict[str, str] = json.loads(stored)
    now = marks.folders
    changed = sorted({f for f, m in now.items() if old.get(f) != m} | (old.keys() - now.keys()))
    groups = marks.groups
    part = {st[0]: st for f in changed for st in groups.get(f, ())}
    some = index.file_rows_in(changed)
    d = diff(part, some, False)
    elsewhere = len(found) - len(part)  # files in folders as indexed
    return (_SomeRows(index, some, elsewhere + len(some)),
            d._replace(unchanged=d.unchanged + elsewhere))


class _SomeRows(Mapping[str, tuple[int, int, int]]):
    """The files table as :meth:`Index.file_rows` gives it, with only some rows read up
    front; any other row is read when asked for, and all of them only to iterate."""

    def __init__(self, index: Index, rows: dict[str, tuple[int, int, int]], total: int
                 ) -> None:
        self.index, self.rows, self.total = index, rows, total
        self.complete = False

    def __getitem__(self, path: str) -> tuple[int, int, int]:
        row = self.rows.get(path)
        if row is None:
            if self.complete or (row := self.index.file_row(path)) is None:
                raise KeyError(path)
            self.rows[path] = row
        return row

    def __iter__(self) -> Iterator[str]:
        if not self.complete:
            self.rows, self.complete = self.index.file_rows(), True
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows) if self.complete else self.total


class _Ids(MutableMapping[str, int]):
    """Vault path -> file id: the index's rows for the files still found, and the ids
    set since. A view, not a copy: a refresh that reads one note of a 100k-file vault
    need not build a 100k-entry dict."""

    def __init__(self, rows: Mapping[str, tuple[int, int, int]], found: Mapping[str, FileStat]
                 ) -> None:
        self.rows, self.found = rows, found
        self.new: dict[str, int] = {}
        self.gone: set[str] = set()

    def __getitem__(self, path: str) -> int:
        if path in self.new:
            return self.new[path]
        if path in self.gone or path not in self.found:
            raise KeyError(path)
        return self.rows[path][0]

    def __setitem__(self, path: str, fid: int) -> None:
        self.new[path] = fid
        self.gone.discard(path)

    def __delitem__(self, path: str) -> None:
        self[path]  # KeyError if it is not here
        self.new.pop(path, None)
        self.gone.add(path)

    def __iter__(self) -> Iterator[str]:
        new, gone, found = self.new, self.gone, self.found
        yield from (p for p in self.rows if p in found and p not in gone and p not in new)
        yield from new

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Overlay(Mapping[str, FileStat]):
    """What a full walk would have found: the batch's files as on disk, every other
    file as the index has it."""

    def __init__(self, found: dict[str, FileStat], rows: Mapping[str, tuple[int, int, int]],
                 removed: set[str]) -> None:
        self.found, self.rows, self.removed = found, rows, removed

    def __contains__(self, path: object) -> bool:
        return path in self.found or (path in self.rows and path not in self.removed)

    def __getitem__(self, path: str) -> FileStat:
        if path in self.found:
            return self.found[path]
        if path in self.removed:
            raise KeyError(path)
        row = self.rows[path]
        return FileStat(path, row[1], row[2], scan.is_note_path(path))

    def _keys(self) -> set[str]:
        return self.found.keys() | (self.rows.keys() - self.removed)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


def _stats(start: float, problems: list[FileProblem], unchanged: int) -> RefreshStats:
    return RefreshStats(unchanged=unchanged, seconds=time.perf_counter() - start,
                        problems=tuple(problems))


def _low(path: str) -> str:
    return unicodedata.normalize("NFC", path).lower()


def _look(root: Path, index: Index, batch: PathBatch
          ) -> tuple[dict[str, FileStat], set[str], tuple[str, ...]]:
    """Stat the named files and walk the named folders. Indexed files whose path differs
    from a named one only in case are looked at too (a case-only rename)."""
    lowers = {_low(p) for p in batch.files}
    files = set(batch.files) | {p for p in _paths_named(index, batch.files) if _low(p) in lowers}
    found: dict[str, FileStat] = {}
    for folder in sorted(batch.folders):
        found.update(scan.walk_folder(root, folder))
    real_root = os.path.realpath(root)
    for path in files:
        st = scan.stat_path(root, path, real_root)
        if st is not None:
            found[path] = st
    return found, files, tuple(_low(f) + "/" for f in sorted(batch.folders))


def _paths_named(index: Index, paths: set[str] | frozenset[str]) -> list[str]:
    keys = sorted({name_key(p) for p in paths})
    out: list[str] = []
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        out.extend(r[0] for r in index.query(
            f"SELECT path FROM files WHERE name_key IN ({','.join('?' * len(chunk))})", chunk))
    return out


def _scoped_diff(found: dict[str, FileStat], rows: Mapping[str, tuple[int, int, int]],
                 files: set[str], prefixes: tuple[str, ...] | None,
                 written: frozenset[str], reparse: bool) -> Diff:
    if prefixes is not None:  # only the rows the batch covers
        if prefixes:
            rows = {p: r for p, r in rows.items() if p in files or _low(p).startswith(prefixes)}
        else:
            rows = {p: rows[p] for p in files if p in rows}
    d = diff(found, rows, reparse)
    forced = {p for p in written if p in rows and p in found and found[p].is_note}
    forced -= set(d.modified)
    if forced:
        d = Diff(d.added, sorted(d.modified + list(forced)), d.removed, d.unchanged - len(forced))
    return d
