"""What the next commit changes, from ``git diff --cached --name-status -M``. I/O only.

The vault may be a subfolder of the git work tree; every path returned is relative to the
vault root (``/`` separated), and changes outside the vault are left out. Inside a git
hook, git exports ``GIT_DIR``/``GIT_INDEX_FILE`` (possibly relative): they are made
absolute so running git from the vault folder still reads the commit being made.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

_GIT_PATH_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")


@dataclass(frozen=True, slots=True)
class StagedChanges:
    """Staged changes inside the vault, vault-relative."""

    changed: tuple[str, ...] = ()  # added, copied, modified, type-changed, renamed-to
    added: tuple[str, ...] = ()  # files new in the commit (added, copied, renamed-to)
    deleted: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str | None], ...] = ()  # (old, new); new None: moved out

    @property
    def gone(self) -> dict[str, str | None]:
        """Paths the commit removes -> where they went (None: deleted)."""
        out: dict[str, str | None] = dict.fromkeys(self.deleted)
        out.update(self.renamed)
        return out


class NotARepository(UsageError):
    pass


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    for var in _GIT_PATH_VARS:
        if env.get(var) and not os.path.isabs(env[var]):
            env[var] = os.path.abspath(env[var])
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, check=False)


def staged_changes(root: Path, required: bool = False) -> StagedChanges | None:
    """The staged changes touching the vault at ``root``; None when git is missing or the
    vault is not in a git work tree (``required``: raise a usage error instead)."""
    if shutil.which("git") is None:
        if required:
            raise NotARepository("--staged needs git, and git is not installed")
        return None
    where = _git(["rev-parse", "--show-prefix"], root)
    if where.returncode != 0:
        if required:
            raise NotARepository(f"--staged: the vault {root} is not inside a git work tree")
        return None
    prefix = where.stdout.decode("utf-8", "surrogateescape").strip()
    diff = _git(["-c", "core.quotePath=false", "diff", "--cached", "--name-status", "-M",
                 "-z", "--no-ext-diff"], root)
    if diff.returncode != 0:
        message = diff.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git diff --cached failed: {message[0] if message else diff.returncode}")
    return parse_name_status(diff.stdout.decode("utf-8", "surrogateescape"), prefix)


def parse_name_status(output: str, prefix: str = "") -> StagedChanges:
    """Parse ``git diff --name-status -M -z`` (paths from the work tree root) keeping the
    paths under ``prefix`` (the vault folder, ``""`` or ``"notes/"``), made relative to it."""

    def inside(path: str) -> str | None:
        return path[len(prefix):] if path.startswith(prefix) else None

    fields = output.split("\0")
    changed: list[str] = []
    added: list[str] = []
    deleted: list[str] = []
    renamed: list[tuple[str, str | None]] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][0]
        if status in "RC":
            old, new = inside(fields[i + 1]), inside(fields[i + 2])
            i += 3
            if new is not None:
                changed.append(new)
                added.append(new)
            if status == "R" and old is not None:
                renamed.append((old, new))
            continue
        path = inside(fields[i + 1])
        i += 2
        if path is None:
            continue
        if status == "D":
            deleted.append(path)
        else:
            changed.append(path)
            if status == "A":
                added.append(path)
    return StagedChanges(tuple(changed), tuple(added), tuple(deleted), tuple(renamed))
