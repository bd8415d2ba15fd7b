"""The SQLite index: schema, versioning, writes in one transaction, and read queries.

The only module that touches ``sqlite3``. The file lives at ``<vault>/.vaultkit/index.db``.
It is a cache: an index with another schema version, or one that SQLite cannot read,
is deleted and rebuilt.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NamedTuple

from .errors import VaultkitError

# 3: links_src, links_dst cover (src, dst); 4: tags_name; 5: meta "walk_mark" must match
# the files table (refresh.walk_mark): a vaultkit before it would write the index without
# keeping the mark, so each rebuilds the other's index; 6: so must meta "folder_marks"
SCHEMA_VERSION = 6
BUSY_TIMEOUT_MS = 60_000
DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error,)  # for modules without sqlite3
# What opening an index can meet that is not damage to it: another process holding it
# past the timeout, a read-only or full disk.
NOT_DAMAGE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_READONLY", "SQLITE_FULL", "SQLITE_PERM")
# SQLite's own message for each result code that matters here, for Python 3.10, whose
# exceptions do not carry the code's name (sqlite_errorname is 3.11+)
_NAME_BY_MESSAGE = (
    ("database is locked", "SQLITE_BUSY"), ("database table is locked", "SQLITE_LOCKED"),
    ("attempt to write a readonly database", "SQLITE_READONLY"),
    ("database or disk is full", "SQLITE_FULL"), ("access permission denied", "SQLITE_PERM"),
    ("database disk image is malformed", "SQLITE_CORRUPT"),
    ("file is not a database", "SQLITE_NOTADB"),
)


def error_name(exc: BaseException) -> str:
    """The name of SQLite's result code behind ``exc`` (``SQLITE_BUSY``...), "" if unknown:
    Python 3.11+ gives it; on 3.10 it is read from SQLite's standard message."""
    name = getattr(exc, "sqlite_errorname", None)
    if name is not None:
        return str(name)
    text = str(exc).lower()
    return next((code for words, code in _NAME_BY_MESSAGE if words in text), "")


SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    name_key TEXT NOT NULL,
    is_note INTEGER NOT NULL,
    excluded INTEGER NOT NULL DEFAULT 0,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX files_name_key ON files(name_key);
CREATE TABLE links (
    src INTEGER NOT NULL,
    line INTEGER NOT NULL,
    col INTEGER NOT NULL,
    text TEXT NOT NULL,
    target TEXT NOT NULL,
    subpath TEXT NOT NULL,
    display TEXT,
    embed INTEGER NOT NULL,
    kind TEXT NOT NULL,
    key TEXT,
    context TEXT NOT NULL,
    name_key TEXT NOT NULL,
    dst INTEGER
);
CREATE INDEX links_src ON links(src, dst);
CREATE INDEX links_dst ON links(dst, src);
CREATE INDEX links_name_key ON links(name_key);
CREATE TABLE tags (
    file INTEGER NOT NULL, name TEXT NOT NULL, lower TEXT NOT NULL,
    line INTEGER NOT NULL, col INTEGER NOT NULL, frontmatter INTEGER NOT NULL
);
CREATE INDEX tags_file ON tags(file);
CREATE INDEX tags_lower ON tags(lower);
CREATE INDEX tags_name ON tags(name, file);
CREATE TABLE headings (
    file INTEGER NOT NULL, text TEXT NOT NULL, level INTEGER NOT NULL,
    line INTEGER NOT NULL, col INTEGER NOT NULL
);
CREATE INDEX headings_file ON headings(file);
CREATE TABLE blocks (
    file INTEGER NOT NULL, id TEXT NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL
);
CREATE INDEX blocks_file ON blocks(file);
CREATE TABLE aliases (file INTEGER NOT NULL, alias TEXT NOT NULL, lower TEXT NOT NULL);
CREATE INDEX aliases_file ON aliases(file);
CREATE INDEX aliases_lower ON aliases(lower);
CREATE TABLE problems (
    file INTEGER NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL,
    line INTEGER NOT NULL, col INTEGER NOT NULL
);
CREATE INDEX problems_file ON problems(file);
CREATE TABLE suggestions (target TEXT PRIMARY KEY, paths TEXT NOT NULL);
"""


class CachedSuggestion(NamedTuple):
    """A target's closest files as the cache has them: their link texts, best first, and
    (read only when needed) their paths. Stored as the texts, one a line, then RS
    (U+001E), then :attr:`files`."""

    texts: list[str]
    files: str  # "\npath<TAB>name key" for each, then "\n"
    known: list[str] | None = None  # the paths, when made here rather than read back

    @classmethod
    def of(cls, files: Sequence[tuple[str, str, str]]) -> CachedSuggestion:
        """From the (path, name key, link text) of each file, best first."""
        return cls([text for _, _, text in files],
                   "".join(f"\n{path}\t{key}" for path, key, _ in files) + "\n",
                   [path for path, _, _ in files])

    @classmethod
    def read(cls, stored: str) -> CachedSuggestion | None:
        """What :meth:`stored` wrote; None for a row it did not (an older vaultkit's)."""
        texts, sep, files = stored.partition("\x1e")
        found = texts.split("\n") if texts else []
        # (what is stored is readable(): a line of files for each text is check enough)
        return cls(found, files) if sep and files.count("\n") == len(found) + 1 else None

    def stored(self) -> str:
        return "\n".join(self.texts) + "\x1e" + self.files

    def readable(self) -> bool:
        """Does it read back as it is? Not when a name holds a tab, a line end or RS."""
        n = len(self.texts)
        return (self.files.count("\t") == n and self.files.count("\n") == n + 1
                and "\x1e" not in self.files)

    def paths(self) -> list[str]:
        if self.known is not None:  # exact even for a name holding a separator
            return self.known
        return [line.split("\t", 1)[0] for line in self.files.split("\n") if line]


SCAN_TARGETS = 2000  # cached targets asked for above which the cache is read in one pass
CHILD_TABLES = (
    ("links", "src"),
    ("tags", "file"),
    ("headings", "file"),
    ("blocks", "file"),
    ("aliases", "file"),
    ("problems", "file"),
)


class Rows:
    """Rows waiting to be written, gathered over many notes: one executemany a table."""

    __slots__ = ("aliases", "blocks", "headings", "links", "problems", "tags")

    def __init__(self) -> None:
        self.links: list[tuple[Any, ...]] = []
        self.tags: list[tuple[Any, ...]] = []
        self.headings: list[tuple[Any, ...]] = []
        self.blocks: list[tuple[Any, ...]] = []
        self.aliases: list[tuple[Any, ...]] = []
        self.problems: list[tuple[Any, ...]] = []

    def __len__(self) -> int:
        return len(self.links) + len(self.tags) + len(self.headings)

    def clear(self) -> None:
        for part in (self.links, self.tags, self.headings, self.blocks, self.aliases,
                     self.problems):
            part.clear()


def _insert_rows(db: sqlite3.Connection, rows: Rows) -> None:
    if rows.links:
        db.executemany(
            "INSERT INTO links(src, line, col, text, target, subpath, display, embed, kind,"
            " key, context, name_key, dst) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows.links)
    if rows.tags:
        db.executemany("INSERT INTO tags VALUES (?,?,?,?,?,?)", rows.tags)
    if rows.headings:
        db.executemany("INSERT INTO headings VALUES (?,?,?,?,?)", rows.headings)
    if rows.blocks:
        db.executemany("INSERT INTO blocks VALUES (?,?,?,?)", rows.blocks)
    if rows.aliases:
        db.executemany("INSERT INTO aliases VALUES (?,?,?)", rows.aliases)
    if rows.problems:
        db.executemany("INSERT INTO problems VALUES (?,?,?,?,?)", rows.problems)
    rows.clear()


SHARD_TABLES = ("links", "tags", "headings", "blocks", "aliases")


class Shard:
    """A worker process's own rows, in a scratch SQLite file that the process holding the
    index's write transaction merges (:meth:`Index.merge_shards`): rows written there
    never cross a pipe, nor become Python objects in that process. No journal: a shard is
    thrown away unless its worker finished."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA page_size = 16384")  # rows go in ~25% faster than with 4 KB
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        for statement in SCHEMA.split(";"):
            words = statement.split()
            if words[:2] == ["CREATE", "TABLE"] and words[2] in SHARD_TABLES:
                self.db.execute(statement)

    def add(self, rows: Rows) -> None:
        self.db.execute("BEGIN")
        _insert_rows(self.db, rows)
        self.db.execute("COMMIT")


class IndexCorrupt(VaultkitError):
    """The index file cannot be used; the caller deletes and rebuilds it."""


def is_corrupt(exc: BaseException) -> bool:
    """Does ``exc`` say the index file is damaged, so that rebuilding it helps? SQLite
    finds a damaged page only when a statement reads it: "database disk image is
    malformed", "file is not a database", or a table gone missing. A busy, read-only or
    full disk is not damage."""
    if isinstance(exc, IndexCorrupt):
        return True
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    name = error_name(exc)
    text = str(exc).lower()
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return True
    if name and name != "SQLITE_ERROR":
        return False
    return any(words in text for words in (
        "malformed", "not a database", "no such table", "no such column", "no such index"))


def _check_size(db: sqlite3.Connection, path: Path) -> None:
    """A cheap test for a truncated file (a full integrity check reads the whole index,
    too slow for every command): the header's page count must fit in the file, unless
    the newest pages still live in the write-ahead log."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    size = db.execute("PRAGMA page_size").fetchone()[0]
    wal = Path(f"{path}-wal")
    if pages * size > path.stat().st_size and not (wal.exists() and wal.stat().st_size):
        raise IndexCorrupt("index file is truncated")
    db.execute("SELECT count(*) FROM meta").fetchone()


def _to_wal(db: sqlite3.Connection) -> bool:
    """Put the index in WAL mode (readers then never wait for a writer); False when another
    process holds it (SQLite does not wait for that here): then whoever opens or writes it
    next does it. Until then, SQLite's rollback journal keeps it just as safe."""
    try:
        return str(db.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower() == "wal"
    except sqlite3.OperationalError as exc:
        if error_name(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return False
        raise


class Index:
    """A connection to one vault's index database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.created = False
        self._shards: Path | None = None  # see shard_folder
        self._attached: list[str] = []
        self._wal_pending = False  # see _connect
        self.db = self._connect()

    # --- opening -----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # not parents=True: a vault folder that went away (moved, unmounted) must not be
        # made again, empty, by whoever opens its index next (``watch`` waits for it)
        self.path.parent.mkdir(exist_ok=True)
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if fresh:
                # A new index is first filled by one big transaction: in SQLite's default
                # rollback-journal mode, pages new to the file are written once; in WAL mode
                # twice (to the log, then by the checkpoint): ~0.3 s of a 10k-note build.
                # Readers need WAL only once there is something to read (_to_wal).
                self._wal_pending = True
            else:
                self._wal_pending = not _to_wal(db)
            db.execute("PRAGMA synchronous = NORMAL")
            # index pages of a big vault do not fit SQLite's default 2 MB cache; inserts
            # into the link indexes then thrash it
            db.execute("PRAGMA cache_size = -65536")
            db.execute("PRAGMA temp_store = MEMORY")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if fresh or version == 0:
                self._create(db)
            elif version != SCHEMA_VERSION:
                raise IndexCorrupt(f"index schema {version}, this vaultkit uses {SCHEMA_VERSION}")
            else:
                _check_size(db, self.path)
        except sqlite3.DatabaseError as exc:
            db.close()
            if error_name(exc).startswith(NOT_DAMAGE):
                raise  # the file is fine; rebuilding would lose it for nothing
            raise IndexCorrupt(f"index is unreadable: {exc}") from exc
        except IndexCorrupt:
            db.close()
            raise
        return db

    def _create(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] == 0:  # no other process won
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self.created = True
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        # The file may be gone (`rm -rf .vaultkit` while a watch held it) or read-only:
        # then it stays in rollback-journal mode, which whoever opens it next switches.
        try:
            with suppress(sqlite3.Error):
                self._to_wal()
        finally:
            self.db.close()

    def _to_wal(self) -> None:
        """Put a new index in WAL mode once its first write has committed (see _connect)."""
        if self._wal_pending:
            self._wal_pending = not _to_wal(self.db)

    # --- meta ----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def set_metas(self, pairs: Mapping[str, str]) -> None:
        for key, value in pairs.items():
            self.set_meta(key, value)

    def set_meta_if_idle(self, pairs: Mapping[str, str], version: int) -> bool:
        """Store ``pairs`` if no other connection has committed since ``data_version()``
        was ``version`` and the index can be written right now; never waits for a lock (a
        query uses this to remember something, which is not worth waiting for)."""
        self.db.execute("PRAGMA busy_timeout = 0")
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # busy, or a read-only index
            return False
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            stored = self.data_version() == version
            if stored:
                self.set_metas(pairs)
            self.db.execute("COMMIT")
        except sqlite3.OperationalError:  # read-only, full disk: then it is not stored
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            return False
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return stored

    # --- writing -------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; the lock is taken at once so readers never wait on us."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            self._drop_shards()
            raise
        self.db.execute("COMMIT")
        self._drop_shards()
        self._to_wal()

    @contextmanager
    def bulk(self, enabled: bool) -> Iterator[None]:
        """Inside a write: drop the lookup indexes while many rows go in, and build them
        once at the end (much faster than updating them row by row)."""
        names = [line.split()[2] for line in SCHEMA.splitlines()
                 if line.startswith("CREATE INDEX")] if enabled else []
        for name in names:
            self.db.execute(f"DROP INDEX IF EXISTS {name}")
        yield
        for line in SCHEMA.splitlines():
            if line.startswith("CREATE INDEX") and line.split()[2] in names:
                self.db.execute(line.rstrip(";"))

    def file_rows(self) -> dict[str, tuple[int, int, int]]:
        """path -> (id, mtime_ns, size) for every indexed file."""
        return {
            path: (fid, mtime, size)
            for fid, path, mtime, size in self.db.execute(
                "SELECT id, path, mtime_ns, size FROM files"
            )
        }

    def file_row(self, path: str) -> tuple[int, int, int] | None:
        """(id, mtime_ns, size) of one indexed file."""
        row = self.db.execute("SELECT id, mtime_ns, size FROM files WHERE path = ?",
                              (path,)).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def file_rows_in(self, folders: Iterable[str]) -> dict[str, tuple[int, int, int]]:
        """:meth:`file_rows` of the files directly in ``folders`` (``"a/b/"``; ``""``:
        the vault's top), not in their subfolders."""
        out: dict[str, tuple[int, int, int]] = {}
        for folder in folders:
            if folder:  # the paths from "a/b/" up to "a/b0" ("0" follows "/"), no "/" after
                cursor = self.db.execute(
                    "SELECT id, path, mtime_ns, size FROM files WHERE path > ? AND path < ?"
                    " AND instr(substr(path, ?), '/') = 0",
                    (folder, folder[:-1] + "0", len(folder) + 1))
            else:
                cursor = self.db.execute(
                    "SELECT id, path, mtime_ns, size FROM files WHERE instr(path, '/') = 0")
            out.update((path, (fid, mtime, size)) for fid, path, mtime, size in cursor)
        return out

    def data_version(self) -> int:
        """Changes when another connection commits to the index (SQLite's data_version)."""
        return int(self.scalar("PRAGMA data_version"))

    def paths_named(self, name_key: str) -> list[str]:
        """Paths of the indexed files whose name key is ``name_key``."""
        return [r[0] for r in self.db.execute("SELECT path FROM files WHERE name_key = ?",
                                              (name_key,))]

    def delete_files(self, ids: Sequence[int]) -> None:
        self.clear_children(ids)
        self.db.executemany("DELETE FROM files WHERE id = ?", ((i,) for i in ids))
        # links that pointed at these files are re-resolved by name by the caller

    def clear_children(self, ids: Sequence[int]) -> None:
        for table, col in CHILD_TABLES:
            self.db.executemany(f"DELETE FROM {table} WHERE {col} = ?", ((i,) for i in ids))

    def clear_children_all(self, ids: Sequence[int]) -> None:
        """:meth:`clear_children` for many ``ids``, in one pass over each table: for use
        inside :meth:`bulk`, where no lookup index would find their rows. A table whose
        every row goes is emptied whole (SQLite then copies shards in faster)."""
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS gone (id INTEGER PRIMARY KEY)")
        self.db.execute("DELETE FROM temp.gone")
        self.db.executemany("INSERT OR IGNORE INTO temp.gone VALUES (?)", ((i,) for i in ids))
        for table, col in CHILD_TABLES:
            if self.db.execute(f"SELECT 1 FROM {table} WHERE {col} NOT IN"
                               " (SELECT id FROM temp.gone) LIMIT 1").fetchone() is None:
                self.db.execute(f"DELETE FROM {table}")
            else:
                self.db.execute(f"DELETE FROM {table} WHERE {col} IN (SELECT id FROM temp.gone)")
        self.db.execute("DELETE FROM temp.gone")

    def insert_files(self, files: Iterable[tuple[str, str, bool, bool, int, int]]
                     ) -> dict[str, int]:
        """Add (path, name_key, is_note, excluded, mtime_ns, size) rows; path -> new id."""
        next_id = int(self.scalar("SELECT coalesce(max(id), 0) FROM files")) + 1
        rows = [(next_id + i, path, key, int(note), int(excluded), mtime, size)
                for i, (path, key, note, excluded, mtime, size) in enumerate(files)]
        self.db.executemany("INSERT INTO files(id, path, name_key, is_note, excluded, mtime_ns,"
                            " size) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        return {row[1]: row[0] for row in rows}

    def update_file_stat(self, fid: int, mtime_ns: int, size: int) -> None:
        self.db.execute(
            "UPDATE files SET mtime_ns = ?, size = ? WHERE id = ?", (mtime_ns, size, fid)
        )

    def set_excluded(self, flags: Iterable[tuple[int, int]]) -> None:
        """(excluded, id) pairs."""
        self.db.executemany("UPDATE files SET excluded = ? WHERE id = ?", flags)

    def insert_rows(self, rows: Rows) -> None:
        """Store what was parsed from some notes: complete rows, each starting with the
        id of its file (``links`` rows: src ... dst, as the table's columns)."""
        _insert_rows(self.db, rows)

    def shard_folder(self) -> Path:
        """An empty folder for worker processes' shards (:class:`Shard`). Call inside
        :meth:`write`: holding the write lock, any other shard folder is a leftover."""
        import shutil

        for old in self.path.parent.glob("shards-*"):
            shutil.rmtree(old, ignore_errors=True)
        folder = self.path.parent / f"shards-{os.getpid()}"
        folder.mkdir()
        self._shards = folder
        return folder

    def merge_shards(self) -> None:
        """Copy the rows of every shard in :meth:`shard_folder` into the index, inside
        SQLite: no row becomes a Python object. They are detached and deleted once the
        write transaction ends."""
        assert self._shards is not None
        for path in sorted(self._shards.glob("shard-*.db")):
            name = f"shard{len(self._attached)}"
            self.db.execute(f"ATTACH DATABASE ? AS {name}", (str(path),))
            self._attached.append(name)
            for table in SHARD_TABLES:
                self.db.execute(f"INSERT INTO main.{table} SELECT * FROM {name}.{table}")

    def _drop_shards(self) -> None:
        for name in self._attached:
            with suppress(sqlite3.Error):
                self.db.execute(f"DETACH DATABASE {name}")
        self._attached.clear()
        if self._shards is not None:
            import shutil

            shutil.rmtree(self._shards, ignore_errors=True)
            self._shards = None

    def insert_problems(self, fid: int, problems: list[tuple[str, str, int, int]]) -> None:
        if problems:
            self.db.executemany(
                "INSERT INTO problems VALUES (?,?,?,?,?)", [(fid, *p) for p in problems]
            )

    def links_by_name(self, name_keys: Iterable[str]) -> list[tuple[Any, ...]]:
        """(rowid, src, source, line, col, text, target, dst) of links with one of
        ``name_keys``."""
        keys = sorted(set(name_keys))
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            out.extend(
                self.db.execute(
                    "SELECT l.rowid, l.src, f.path, l.line, l.col, l.text, l.target, l.dst"
                    " FROM links l"
                    f" JOIN files f ON f.id = l.src WHERE l.name_key IN ({marks})",
                    chunk,
                )
            )
        return out

    def set_link_dst(self, updates: Iterable[tuple[int | None, int]]) -> None:
        """(dst, rowid) pairs."""
        self.db.executemany("UPDATE links SET dst = ? WHERE rowid = ?", updates)

    # --- "did you mean" cache ----------------------------------------------------------
    # target -> the link texts of its closest files, one a line, then RS (U+001E), then
    # "\npath<TAB>name key" for each file. A link text depends on how many files have that
    # name, so a file coming or going drops every target naming a file of its name key,
    # as well as the targets it may be close to.

    def cached_suggestions(self, targets: list[str]) -> dict[str, CachedSuggestion]:
        """The closest files of each target the cache has."""
        if len(targets) > SCAN_TARGETS:  # one pass over the table, not many lookups
            wanted = set(targets)
            rows: Iterable[tuple[str, str]] = (
                r for r in self.db.execute("SELECT target, paths FROM suggestions")
                if r[0] in wanted)
        else:
            rows = [r for start in range(0, len(targets), 500)
                    for r in self.db.execute(
                        "SELECT target, paths FROM suggestions WHERE target IN"
                        f" ({','.join('?' * len(targets[start : start + 500]))})",
                        targets[start : start + 500])]
        out: dict[str, CachedSuggestion] = {}
        for target, value in rows:
            found = CachedSuggestion.read(value)
            if found is not None:  # else an older vaultkit's row (paths only): asked again
                out[target] = found
        return out

    def store_suggestions(self, found: dict[str, CachedSuggestion], version: int,
                          files_as_then: Callable[[], bool] | None = None) -> None:
        """Cache each target's closest files, unless another process has written to the
        index since ``data_version()`` was ``version`` and ``files_as_then()`` (asked then)
        says the files are no longer those they were worked out from: edits by a running
        watch keep them, a file coming or going not."""
        with self.write():
            if self.data_version() != version and not (files_as_then and files_as_then()):
                return
            self.db.executemany(
                "INSERT OR REPLACE INTO suggestions VALUES (?, ?)",
                # a name holding a separator is not cached: its answer is worked out each time
                [(t, c.stored()) for t, c in found.items() if c.readable()])

    def suggestion_targets(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT target FROM suggestions")]

    def drop_suggestions(self, targets: Iterable[str] = (), keys: Iterable[str] = ()) -> None:
        """Forget the given targets, and every target whose files have one of the name
        ``keys``."""
        self.db.executemany("DELETE FROM suggestions WHERE target = ?", ((t,) for t in targets))
        self.db.executemany("DELETE FROM suggestions WHERE instr(paths, ?) > 0",
                            (("\t" + k + "\n",) for k in keys))

    # --- reading -------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """:meth:`query`'s rows one by one as SQLite steps to them, not all at once.
        Read them to the end before writing to the index."""
        return iter(self.db.execute(sql, params))

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return None if row is None else row[0]
