"""Output of ``vaultkit check``: text lines, GitHub workflow commands, SARIF 2.1.0, JSON.

``where`` turns a vault path into the path printed in a location (relative to the
current folder when the vault lies inside it, so editors, pre-commit and GitHub can open
it); JSON keeps vault-relative ``source`` paths like every other ``--json``.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .check import CODES, baseline_keys
from .model_check import Diagnostic
from .render import indented_json, one_line, write

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_COLOURS = {"error": "\033[31m", "warning": "\033[33m"}

Where = Callable[[str], str]


def did_you_mean(d: Diagnostic) -> str:
    if not d.suggestions:
        return ""
    links = [f"[[{s}]]" for s in d.suggestions]
    listed = links[0] if len(links) == 1 else ", ".join(links[:-1]) + " or " + links[-1]
    return f" (did you mean {listed}?)"


def text_line(d: Diagnostic, where: Where = str, colour: bool = False) -> str:
    """``path:line:col: severity code: message (did you mean [[X]]?)``"""
    severity = f"{_COLOURS[d.severity]}{d.severity}\033[0m" if colour else d.severity
    return (f"{one_line(where(d.path))}:{d.line}:{d.column}: {severity} {d.code}: "
            f"{one_line(d.message + did_you_mean(d))}")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(d: Diagnostic, where: Where = str) -> str:
    """``::error file=P,line=L,col=C::code: message (did you mean [[X]]?)``"""
    return (f"::{d.severity} file={_escape_property(where(d.path))},line={d.line},"
            f"col={d.column}::{_escape_data(f'{d.code}: {d.message}{did_you_mean(d)}')}")


def json_items(diags: Sequence[Diagnostic]) -> list[dict[str, Any]]:
    """The fields of ``vaultkit unresolved --json`` plus ``code``, ``severity``, ``message``."""
    return [{
        "source": d.path, "line": d.line, "column": d.column, "text": d.text,
        "target": d.target, "embed": d.embed, "suggestions": list(d.suggestions),
        "code": d.code, "severity": d.severity, "message": d.message,
    } for d in diags]


def sarif_log(diags: Sequence[Diagnostic], levels: Mapping[str, str], version: str,
              where: Where = str) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: a rule for each code, a result for each problem."""
    codes = list(CODES)
    rules = [{
        "id": code,
        "name": "".join(part.capitalize() for part in code.split("-")),
        "shortDescription": {"text": CODES[code][1]},
        "defaultConfiguration": {"level": _sarif_level(levels.get(code, CODES[code][0]))},
    } for code in codes]
    results = []
    for d, key in zip(diags, baseline_keys(diags), strict=True):
        results.append({
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code) if d.code in CODES else 0,
            "level": _sarif_level(d.severity),
            "message": {"text": d.message + did_you_mean(d)},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": quote(where(d.path))},
                "region": {"startLine": d.line, "startColumn": d.column},
            }}],
            "partialFingerprints": {
                "vaultkitProblem/v1": hashlib.sha256("\0".join(map(str, key)).encode()).hexdigest(),
            },
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "vaultkit", "version": version, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _sarif_level(level: str) -> str:
    return {"error": "error", "warning": "warning"}.get(level, "none")


def summary(diags: Sequence[Diagnostic], checked: int, suppressed: int = 0) -> str:
    errors = sum(d.severity == "error" for d in diags)
    warnings = len(diags) - errors
    notes = f"{checked} note{'s' if checked != 1 else ''}"
    if not diags:
        found = f"vaultkit check: no problems in {notes}"
    else:
        found = (f"vaultkit check: {errors} error{'s' if errors != 1 else ''}, "
                 f"{warnings} warning{'s' if warnings != 1 else ''} in {notes}")
    return found + (f" ({suppressed} in the baseline not shown)" if suppressed else "")


def where_from(root: Path, cwd: Path | None = None) -> Where:
    """Vault path -> printed path: relative to ``cwd`` when the vault is inside it."""
    try:
        prefix = root.relative_to((cwd or Path.cwd()).resolve()).as_posix()
    except ValueError:
        return lambda path: path
    return (lambda path: path) if prefix == "." else (lambda path: f"{prefix}/{path}")


def emit(diags: Sequence[Diagnostic], fmt: str, root: Path, levels: Mapping[str, str]) -> None:
    """Write the report in ``fmt`` to stdout (colour only for text on a terminal)."""
    from . import __version__

    where = where_from(root)
    out = sys.stdout
    if fmt == "json":
        write(indented_json(json_items(diags), len(diags)))
    elif fmt == "sarif":
        write(indented_json(sarif_log(diags, levels, __version__, where), len(diags)))
    elif fmt == "github":
        out.writelines(github_line(d, where) + "\n" for d in diags)
    else:
        colour = out.isatty() and "NO_COLOR" not in os.environ
        out.writelines(text_line(d, where, colour) + "\n" for d in diags)
