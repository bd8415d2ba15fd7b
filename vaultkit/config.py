"""``<vault>/.vaultkit.toml``: the vault's settings file, read by every command.

Tables: ``[check]`` (validated by :mod:`vaultkit.checker`) and ``[scan]``::

    [scan]
    follow_symlinks = true   # also index symlinked files and folders outside the vault

An unknown table or key, a wrong value or invalid TOML is a usage error naming the file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NamedTuple

from .errors import UsageError

CONFIG_FILE = ".vaultkit.toml"
TABLES = ("check", "scan")
SCAN_KEYS = ("follow_symlinks",)


class ScanConfig(NamedTuple):
    follow_symlinks: bool = False


def read_config(root: Path) -> dict[str, Any]:
    """The parsed file ({} when there is none); only its tables' names are checked here."""
    path = root / CONFIG_FILE
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    for key in data:
        if key not in TABLES:
            raise UsageError(f"{path}: unknown table or key {key!r} (known: {', '.join(TABLES)})")
    return data


def scan_config(root: Path) -> ScanConfig:
    """The ``[scan]`` table; defaults when there is none."""
    table = read_config(root).get("scan", {})
    path = root / CONFIG_FILE
    if not isinstance(table, dict):
        raise UsageError(f"{path}: scan must be a table: [scan]")
    for key in table:
        if key not in SCAN_KEYS:
            raise UsageError(f"{path}: unknown key scan.{key} (known: {', '.join(SCAN_KEYS)})")
    follow = table.get("follow_symlinks", False)
    if not isinstance(follow, bool):
        raise UsageError(f"{path}: scan.follow_symlinks must be true or false, not {follow!r}")
    return ScanConfig(follow_symlinks=follow)
