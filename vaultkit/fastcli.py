"""The installed ``vaultkit`` command: the commonest command lines run without loading
``typer``, which costs more start-up than a query on a small vault.

:func:`parse` understands a strict subset of what :mod:`vaultkit.cli` accepts: a query
or ``index``/``check`` command followed by its own arguments and options, written out in
full (``--vault PATH``, ``--vault=PATH``, ``-v PATH``, flags), and ``--`` before arguments
that start with ``-``. Anything else, such as ``-h``, an unknown or misspelt option, a
missing argument, an option value that starts with ``-`` or a short option glued to its
value, goes to :mod:`vaultkit.cli`, whose typer parser answers it (with help or a usage
error). Both paths call the same functions in :mod:`vaultkit.commands`, so they give the
same output and exit code.
"""

from __future__ import annotations

import sys
from typing import Any

_VAULT = {"--vault": "vault", "-v": "vault"}
_JSON = {"--json": "json"}

# command: (positional parameter, flags, options taking a value). A positional ending in
# "?" is optional, in "*" takes any number.
_COMMANDS: dict[str, tuple[str | None, dict[str, str], dict[str, str]]] = {
    "index": (None, {**_JSON, "--rebuild": "rebuild"}, _VAULT),
    "backlinks": ("note", _JSON, _VAULT),
    "links": ("note", _JSON, _VAULT),
    "orphans": (None, {**_JSON, "--isolated": "isolated"}, _VAULT),
    "unresolved": (None, _JSON, _VAULT),
    "tags": ("tag?", _JSON, _VAULT),
    "stats": (None, _JSON, _VAULT),
    "check": ("files*", {**_JSON, "--staged": "staged"},
              {**_VAULT, "--format": "fmt", "-f": "fmt", "--baseline": "baseline",
               "--write-baseline": "write_baseline"}),
}


def parse(argv: list[str]) -> tuple[str, dict[str, Any]] | None:
    """(function name in :mod:`vaultkit.commands`, its keyword arguments), or None when
    the command line is not one this module is sure to read as typer would."""
    if not argv or argv[0] not in _COMMANDS:
        return None
    command, rest = argv[0], argv[1:]
    positional, flags, options = _COMMANDS[command]
    kwargs: dict[str, Any] = {}
    args: list[str] = []
    i = 0
    while i < len(rest):
        token = rest[i]
        i += 1
        if token == "--":  # the rest are arguments, whatever they start with
            args += rest[i:]
            break
        if token in flags:
            kwargs[flags[token]] = True
        elif token.startswith("-") and token != "-":
            name, eq, value = token.partition("=")
            if name not in options or (eq and not name.startswith("--")):
                return None  # unknown, help, or "-vPATH"
            if not eq:
                if i == len(rest) or rest[i].startswith("-"):
                    return None  # typer says what is missing, or reads "-x" as the value
                value = rest[i]
                i += 1
            if options[name] in kwargs:
                return None  # given twice
            kwargs[options[name]] = value
        else:
            args.append(token)
    if positional is None:
        return (command, kwargs) if not args else None
    name = positional.rstrip("?*")
    if positional.endswith("*"):
        kwargs[name] = args or None
    elif len(args) == 1:
        kwargs[name] = args[0]
    elif args or not positional.endswith("?"):
        return None
    return command, kwargs


def main(argv: list[str] | None = None) -> None:
    """Run ``vaultkit`` with ``argv`` (default: the process's arguments); exits."""
    argv = sys.argv[1:] if argv is None else argv
    from . import render  # (every command loads it)

    render.tolerant_streams()
    parsed = parse(argv)
    if parsed is None:
        from .cli import app

        app(args=argv, prog_name="vaultkit")
        return
    from . import commands

    name, kwargs = parsed
    sys.exit(commands.run(lambda: getattr(commands, name)(**kwargs)))
