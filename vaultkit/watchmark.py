"""Marks that a running ``vaultkit watch`` leaves next to the index, so that other commands
can trust the index it keeps instead of walking the vault again.

``watch.pid`` (host and process id) exists while a watch with native file-system events is
caught up or catching up; ``watch.dirty`` exists from the first event of a burst until the
refresh that takes it in has been written (and from start until the first refresh ends).
A command may skip its own refresh only when the pid file names a live process on this
host and there is no dirty file. Plain files and single system calls: checking costs
microseconds and imports nothing.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PID = "watch.pid"
DIRTY = "watch.dirty"


def start(index_dir: Path) -> None:
    """A watch begins: dirty until its first refresh is written."""
    dirty(index_dir)
    tmp = index_dir / f"{PID}.{os.getpid()}"
    tmp.write_text(f"{_host()}\n{os.getpid()}\n", encoding="utf-8")
    os.replace(tmp, index_dir / PID)


def dirty(index_dir: Path) -> None:
    """Events came in that the index does not hold yet."""
    with contextlib.suppress(OSError):
        os.close(os.open(index_dir / DIRTY, os.O_WRONLY | os.O_CREAT, 0o644))


def clean(index_dir: Path) -> None:
    """The index holds every event seen so far."""
    with contextlib.suppress(OSError):
        os.unlink(index_dir / DIRTY)


def stop(index_dir: Path) -> None:
    """The watch ends (its pid file goes only if it is still its own)."""
    with contextlib.suppress(OSError):
        if _owner(index_dir) == (_host(), os.getpid()):
            os.unlink(index_dir / PID)
    dirty(index_dir)  # no watch: commands walk again (and a stale pid file cannot lie)


def kept_current(index_dir: Path) -> bool:
    """Is a live watch keeping this index current, with nothing left to take in?"""
    if os.path.exists(index_dir / DIRTY):
        return False
    owner = _owner(index_dir)
    if owner is None or owner[0] != _host():
        return False
    try:
        os.kill(owner[1], 0)
    except PermissionError:
        return True  # alive, someone else's
    except OSError:
        return False
    return True


def _host() -> str:
    uname = getattr(os, "uname", None)
    return uname().nodename if uname is not None else os.environ.get("COMPUTERNAME", "")


def _owner(index_dir: Path) -> tuple[str, int] | None:
    try:
        host, pid = (index_dir / PID).read_text(encoding="utf-8").split()
        return host, int(pid)
    except (OSError, ValueError):
        return None
