"""``vaultkit watch``: file-system events -> debounced batches of changed paths -> refreshes.

The only module that imports watchdog; ``Vault.watch`` imports it on first use, so no other
command pays for it. The observer's thread only records which vault paths events named;
the calling thread waits for a burst to go quiet (``debounce``), then refreshes just those
paths (:func:`vaultkit.refresh.refresh_paths`) and tells a :class:`Sink` what changed.

Hidden paths (``.obsidian/``, ``.git/``, ``.vaultkit/``) and editor temp files never
reach a refresh, except ``.obsidian/app.json`` (its ``userIgnoreFilters``) and the removal
of the index itself. Lost events (a kernel queue overflow) and the occasional safety walk
(``full_every``) fall back to a full refresh. A vanished vault folder is waited for, a
removed index file rebuilt. The first SIGINT/SIGTERM stops after the refresh in progress;
a second one (or the first during a full walk) rolls that refresh back.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import watchdog.events
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from . import scan, watchmark
from .errors import VaultkitError
from .index import DB_ERRORS
from .model import PathBatch, RefreshReport

if TYPE_CHECKING:
    from .refresh import Progress
    from .vault import Vault

DEFAULT_DEBOUNCE = 0.25  # seconds without events that end a burst
MAX_DELAY = 1.0  # refresh at least this often while events keep coming
IDLE_TICK = 1.0  # while idle, look at the vault folder and the index file this often
GONE_POLL = 0.5  # how often to look for a vault folder that went away
FULL_EVERY = 600.0  # a full walk now and then catches what the OS failed to report
CONFIG = ".obsidian/app.json"  # hidden, but holds userIgnoreFilters
EVENTS: list[type[FileSystemEvent]] = [  # asked of the OS: no opens, reads, folder mtimes
    FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent, FileClosedEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent,
]
if hasattr(watchdog.events, "FileAttribEvent"):  # older watchdog reports touch as "modified"
    EVENTS.append(watchdog.events.FileAttribEvent)
REFRESH_ERRORS = (VaultkitError, OSError, *DB_ERRORS)


class Sink(Protocol):
    """Where a watch reports: the terminal view, JSON Lines, a test."""

    def progress(self, done: int, total: int) -> None: ...
    def ready(self, report: RefreshReport | None) -> None: ...  # caught up, now watching
    def report(self, report: RefreshReport) -> None: ...  # a refresh that changed something
    def notice(self, message: str) -> None: ...  # the vault folder went away, ...


class _Collector(FileSystemEventHandler):
    """Records the vault paths events name. Runs in the observer's thread."""

    def __init__(self, root: Path, index_dir: str) -> None:
        super().__init__()
        self.root = str(root).rstrip(os.sep)
        self.prefix = self.root + os.sep
        self.index_dir = index_dir
        self.marks: Path | None = None  # where watchmark files go, once they are kept
        self.cond = threading.Condition()  # re-entrant: a signal handler may take it too
        self.check = False  # the vault folder or the index may have gone: look
        self.messages: list[str] = []
        self._clear()

    def _clear(self) -> None:
        self.files: set[str] = set()
        self.folders: set[str] = set()
        self.written: set[str] = set()
        self.full = False
        self.config = False
        self.first = self.last = 0.0

    @property
    def pending(self) -> bool:
        return bool(self.files or self.folders or self.full or self.config)

    def dispatch(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        paths = [event.src_path, event.dest_path] if kind == "moved" else [event.src_path]
        with self.cond:
            was = self.pending
            hits = [self._note(os.fsdecode(p), event.is_directory, kind, i == 1)
                    for i, p in enumerate(paths)]
            if any(hits):
                self._stamp(was)

    def _note(self, path: str, is_dir: bool, kind: str, dest: bool) -> bool:
        if not path.startswith(self.prefix):
            if path.rstrip(os.sep) == self.root:  # the vault folder itself went or moved
                self.check = True
                return True
            return False  # moved out of or in from outside the vault: the other side counts
        rel = path[len(self.prefix):].replace(os.sep, "/")
        if rel == ".obsidian" or rel.startswith(CONFIG):
            self.config = True
            return True
        parts = rel.split("/")
        if parts[0] == self.index_dir and parts[-1].startswith("watch."):
            return False  # our own marks (vaultkit.watchmark)
        if any(p.startswith(".") for p in parts):
            if parts[0] == self.index_dir and kind in ("deleted", "moved") and not dest:
                self.check = True
                return True
            return False
        if is_dir:
            self.folders.add(rel)
        elif scan.is_temp_name(parts[-1]):
            return False
        else:
            self.files.add(rel)
            if kind != "deleted" and (kind != "moved" or dest):
                self.written.add(rel)
        return True

    def _stamp(self, was_pending: bool) -> None:
        now = time.monotonic()
        if not was_pending:
            self.first = now
            if self.marks is not None:
                watchmark.dirty(self.marks)
        self.last = now
        self.cond.notify_all()

    def lost_events(self) -> None:
        with self.cond:
            was = self.pending
            self.full = True
            self._stamp(was)

    def take(self) -> PathBatch | None:
        with self.cond:
            if not self.pending:
                return None
            folders = frozenset(self.folders)
            files = frozenset(p for p in self.files if not _under(p, folders))
            batch = PathBatch(files, folders, frozenset(self.written & files), self.full)
            self._clear()
            return batch


def _under(path: str, folders: frozenset[str]) -> bool:
    """Is ``path`` inside one of ``folders`` (which are walked whole)?"""
    if not folders:
        return False
    parts = path.split("/")
    return any("/".join(parts[:i]) in folders for i in range(1, len(parts)))


class _WatchdogLog(logging.Handler):
    """Watchdog says "queue overflowed" only in its log: turn that into a full refresh."""

    def __init__(self, collector: _Collector) -> None:
        super().__init__(logging.WARNING)
        self.collector = collector

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "overflow" in message.lower():
            self.collector.lost_events()
        elif record.levelno >= logging.ERROR:
            with self.collector.cond:
                self.collector.messages.append(f"file watching: {message}")
                self.collector.cond.notify_all()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


class Watch:
    """Keeps one vault's index current while its files change, until stopped."""

    def __init__(self, vault: Vault, sink: Sink, *, debounce: float = DEFAULT_DEBOUNCE,
                 stop: threading.Event | None = None, poll: bool = False,
                 full_every: float = FULL_EVERY) -> None:
        self.vault = vault
        self.sink = sink
        self.debounce = max(0.0, debounce)
        self.max_delay = max(MAX_DELAY, 4 * self.debounce)
        self.stop_event = stop or threading.Event()
        self.poll = poll
        self.full_every = full_every
        index_dir = vault.index_path.parent.relative_to(vault.root).parts[0]
        self.collector = _Collector(vault.root, index_dir)
        self.observer: BaseObserver | None = None
        self._root_id: tuple[int, int] | None = None
        self._index_id: tuple[int, int] | None = None
        self._last_full = 0.0
        self._busy: str | None = None  # "full" or "batch" while a refresh runs
        self._failed = False  # the last refresh failed: re-open the index and walk all

    @property
    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def stop(self) -> None:
        """Ask the watch to end after the refresh in progress (any thread)."""
        self.stop_event.set()
        with self.collector.cond:
            self.collector.cond.notify_all()

    def run(self) -> None:
        with self._signals(), self._watchdog_log():
            try:
                self._start()
                report = self._refresh(None, self.sink.progress)  # what changed before
                self._caught_up()
                if not self.stopping:
                    self.sink.ready(report)
                while not self.stopping:
                    self._step()
            except KeyboardInterrupt:
                pass  # the refresh in progress was rolled back: the index is as it was
            finally:
                if self.collector.marks is not None:
                    watchmark.stop(self.collector.marks)
                self._stop_observer()

    def _caught_up(self) -> None:
        """Tell other commands (vaultkit.watchmark) whether the index holds every change
        seen: only with native events (polling sees changes late), a healthy observer and
        a last refresh that worked."""
        c = self.collector
        with c.cond:
            if c.marks is None:
                return
            if c.pending or self._failed or isinstance(self.observer, PollingObserver):
                watchmark.dirty(c.marks)
            else:
                watchmark.clean(c.marks)

    # --- one turn of the loop ------------------------------------------------------------

    def _step(self) -> None:
        c = self.collector
        with c.cond:
            c.cond.wait_for(lambda: c.pending or c.check or c.messages or self.stopping,
                            timeout=IDLE_TICK)
            self._debounce()
            messages, c.messages = c.messages, []
        for message in messages:
            self.sink.notice(message)
        if self.stopping or not self._healthy():
            if c.marks is not None:
                watchmark.dirty(c.marks)
            return
        batch = c.take()
        if batch is not None:
            self._refresh(batch)
            self._caught_up()
        elif time.monotonic() - self._last_full >= self.full_every:
            self._refresh(None)
            self._caught_up()

    def _debounce(self) -> None:
        """Wait (holding the condition) until events pause or the burst is too old."""
        c = self.collector
        while c.pending and not self.stopping:
            now = time.monotonic()
            wait = min(c.last + self.debounce - now, c.first + self.max_delay - now)
            if wait <= 0:
                return
            c.cond.wait(wait)

    def _refresh(self, batch: PathBatch | None, progress: Progress | None = None
                 ) -> RefreshReport | None:
        self._busy = "full" if batch is None or batch.full else "batch"
        try:
            report = self.vault.refresh_changes(batch, progress)
        except REFRESH_ERRORS as exc:
            self._failed = True
            self.sink.notice(f"refresh failed: {exc}; re-opening the index")
            return None
        finally:
            self._busy = None
        if report.full:
            self._last_full = time.monotonic()
        s = report.stats
        if s.changed or s.rebuilt or s.broken or s.fixed:
            self.sink.report(report)
        return report

    # --- keeping going: the vault folder, the index file, the observer -------------------

    def _healthy(self) -> bool:
        """Check the vault folder, the observer and the index file; repair what broke.
        False when this turn went to repairs (they end with a full refresh)."""
        with self.collector.cond:
            self.collector.check = False
        root_id = _identity(self.vault.root)
        if root_id is None:
            self._wait_for_root()
            return False
        if root_id != self._root_id or not self._observer_alive():
            self.sink.notice("the vault folder was replaced; watching it again")
            self._restart()
            return False
        index_id = _identity(self.vault.index_path)
        if index_id is None and _identity(self.vault.root) is None:  # it went meanwhile
            self._wait_for_root()
            return False
        if index_id != self._index_id or self._failed:
            if index_id is None:
                self.sink.notice("the index file was removed; rebuilding it")
            elif not self._failed:
                self.sink.notice("the index file was replaced; re-opening it")
            self._reopen()
            return False
        return True

    def _wait_for_root(self) -> None:
        self.sink.notice(f"the vault folder {self.vault.root} is gone; waiting for it")
        self._stop_observer()
        while not self.stopping and _identity(self.vault.root) is None:
            self._sleep(GONE_POLL)
        if not self.stopping:
            self.sink.notice("the vault folder is back; indexing it again")
            self._restart()

    def _restart(self) -> None:
        self._stop_observer()
        self._start()
        self._reopen()

    def _reopen(self) -> None:
        try:
            self.vault.reopen()
        except REFRESH_ERRORS as exc:
            self._failed = True
            self.sink.notice(f"cannot open the index: {exc}; trying again")
            self._sleep(IDLE_TICK)
            return
        self._index_id = _identity(self.vault.index_path)
        self._failed = False
        self.collector.take()  # the full walk below covers whatever was pending
        self._refresh(None)

    def _sleep(self, seconds: float) -> None:
        with self.collector.cond:
            self.collector.cond.wait_for(lambda: self.stopping, timeout=seconds)

    # --- the observer ------------------------------------------------------------------

    def _start(self) -> None:
        self._root_id = _identity(self.vault.root)
        self._index_id = _identity(self.vault.index_path)
        kinds: list[Any] = [PollingObserver] if self.poll else [Observer, PollingObserver]
        for kind in kinds:
            try:
                observer = kind()
                observer.schedule(self.collector, str(self.vault.root), recursive=True,
                                  event_filter=EVENTS)
                observer.start()
            except OSError as exc:
                if kind is PollingObserver:
                    raise
                self.sink.notice(f"cannot watch with {kind.__name__} ({exc}); polling instead")
                continue
            self.observer = observer
            if not isinstance(observer, PollingObserver):
                marks = self.vault.index_path.parent
                watchmark.start(marks)
                self.collector.marks = marks
            return

    def _observer_alive(self) -> bool:
        observer = self.observer
        return (observer is not None and observer.is_alive()
                and all(e.is_alive() for e in list(observer.emitters)))

    def _stop_observer(self) -> None:
        observer, self.observer = self.observer, None
        if observer is not None:
            with contextlib.suppress(RuntimeError, OSError):
                observer.stop()
                observer.join(timeout=5)

    # --- signals and watchdog's log ------------------------------------------------------

    @contextlib.contextmanager
    def _signals(self) -> Iterator[None]:
        """SIGINT/SIGTERM: stop after the refresh in progress; roll it back if a second
        signal comes, or if it is a full walk (which can take a while)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: object) -> None:
            if self.stopping or self._busy == "full":
                self.stop_event.set()
                raise KeyboardInterrupt
            self.stop()

        old = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, previous in old.items():
                signal.signal(sig, previous)

    @contextlib.contextmanager
    def _watchdog_log(self) -> Iterator[None]:
        logger = logging.getLogger("watchdog")
        handler = _WatchdogLog(self.collector)
        logger.addHandler(handler)
        try:
            yield
        finally:
            logger.removeHandler(handler)
