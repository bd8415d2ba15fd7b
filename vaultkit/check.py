"""The checks of ``vaultkit check``, pure: facts about links in, :class:`Diagnostic` out.

No I/O: :mod:`vaultkit.checker` reads the index, git and the files, and hands over
:class:`LinkFact` values (each link with what it resolves to) and :class:`NoteTargets`
(the headings and block ids of the notes links point at).

Heading and block matching follow Obsidian's ``resolveSubpath`` (spec section 4): the
subpath is split on ``#`` (empty parts dropped); a single ``^id`` part is a block id,
compared case-insensitively (when no block has it, the text ``id`` is tried as a heading,
as Obsidian does); otherwise each part is matched with :func:`strip_heading` on both
sides, lowercased, walking the headings in order, each next part needing a deeper level
than the heading the previous part matched (no section containment check).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from .model import FileProblem
from .model_check import Diagnostic, Severity
from .model_parse import Heading

# code -> (default severity, what it means); the order is the order of the docs and SARIF
CODES: dict[str, tuple[Severity, str]] = {
    "unresolved-link": ("error", "A link or embed whose target note does not exist."),
    "missing-attachment": ("error", "An embed or link to a non-note file that does not exist."),
    "missing-heading": ("error", "A link to a heading that the target note does not have."),
    "missing-block": ("error", "A link to a block id (^id) that the target note does not have."),
    "ambiguous-link": (
        "warning",
        "Several files match the link equally well; Obsidian's choice depends on load order.",
    ),
    "bad-frontmatter": ("warning", "The note's YAML frontmatter is invalid and was ignored."),
    "bad-encoding": ("warning", "The note is not valid UTF-8; it was read with replacements."),
    "binary-file": ("warning", "A .md file that looks binary; it was not parsed."),
    "unreadable": ("warning", "A file or folder that could not be read."),
    "bad-symlink": ("warning", "A broken or looping symbolic link, or one leaving the vault "
                    "(not followed unless [scan] follow_symlinks); skipped."),
    "bad-name": ("warning", "A file name that is not valid UTF-8; the file was skipped."),
}

_STRIP = re.compile(r"[!\"#$%&()*+,.:;<=>?@^`{|}~/\[\]\\\r\n]")
_SPACES = re.compile(r"\s+")
_EXTENSION = re.compile(r"\.([0-9A-Za-z]{1,8})$")


# --- facts in -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkFact:
    """One link of a note and what resolution made of it."""

    source: str
    line: int
    column: int
    text: str
    target: str  # link path as written, "" for the note itself
    subpath: str  # "#Heading", "#^block" or ""
    embed: bool
    resolved: str | None  # vault path, or None when unresolved
    ties: tuple[str, ...] = ()  # paths ranking equal with ``resolved`` (load-order dependent)
    suggestions: tuple[str, ...] = ()  # for an unresolved target, best first
    gone: str = ""  # why the target is missing, e.g. "target X.md deleted in this commit"


@dataclass(frozen=True, slots=True)
class NoteTargets:
    """What links into a note can point at."""

    headings: tuple[Heading, ...] = ()
    blocks: frozenset[str] = frozenset()  # lowercased ids
    keys: tuple[str, ...] = ()  # the headings through strip_heading, lowercased (derived)

    def __post_init__(self) -> None:
        if len(self.keys) != len(self.headings):
            object.__setattr__(self, "keys", tuple(_key(h.text) for h in self.headings))


@dataclass(frozen=True, slots=True)
class CheckOptions:
    check_headings: bool = True
    check_blocks: bool = True


# --- headings and blocks (spec section 4) -----------------------------------------------


def strip_heading(text: str) -> str:
    """Obsidian's ``stripHeading``: punctuation and line ends to spaces, collapsed, trimmed."""
    return _SPACES.sub(" ", _STRIP.sub(" ", text)).strip()


def _key(text: str) -> str:
    return strip_heading(text).lower()


def subpath_parts(subpath: str) -> list[str]:
    return [p for p in subpath.split("#") if p]


def match_headings(headings: Sequence[Heading], parts: Sequence[str],
                   heading_keys: Sequence[str] | None = None) -> Heading | None:
    """The heading ``#A#B…`` names: A, then the next deeper heading matching B, and so on.
    ``heading_keys``: the headings' keys when already computed."""
    if not parts:
        return None
    wanted = [_key(p) for p in parts]
    have = heading_keys if heading_keys is not None else [_key(h.text) for h in headings]
    level = 0
    at = 0
    for heading, key in zip(headings, have, strict=True):
        if heading.level > level and key == wanted[at]:
            at += 1
            level = heading.level
            if at == len(wanted):
                return heading
    return None


def find_subpath(note: NoteTargets, subpath: str) -> bool | None:
    """True when ``subpath`` names a heading or block of ``note``, False when it does not,
    None when there is nothing to look for (``""``, ``#``, a footnote ``#[^1]``)."""
    parts = subpath_parts(subpath)
    if not parts or parts[0].startswith("[^"):
        return None
    if len(parts) == 1 and parts[0].startswith("^") and parts[0][1:].lower() in note.blocks:
        return True
    return match_headings(note.headings, parts, note.keys) is not None


def heading_suggestions(note: NoteTargets, subpath: str, prefix: str, limit: int = 3
                        ) -> tuple[str, ...]:
    """Headings of ``note`` close to the last part of ``subpath``, written as links."""
    parts = subpath_parts(subpath)
    if not parts or not note.headings:
        return ()
    by_key: dict[str, str] = {}
    for heading, key in zip(note.headings, note.keys, strict=True):
        if key not in by_key:
            by_key[key] = strip_heading(heading.text)
    close = difflib.get_close_matches(_key(parts[-1]), list(by_key), n=limit, cutoff=0.6)
    return tuple(f"{prefix}#{by_key[k]}" for k in close)


# --- link diagnostics -----------------------------------------------------------------


def is_attachment_target(target: str) -> bool:
    """Whether a link path names a non-note file: its last segment ends with an extension
    (1-8 letters/digits, at least one letter) other than ``.md``. ``v1.2`` and ``St. Louis``
    name notes."""
    m = _EXTENSION.search(target.rsplit("/", 1)[-1])
    return bool(m) and m.group(1).lower() != "md" and not m.group(1).isdigit()


def link_text(path: str) -> str:
    return path[:-3] if path.lower().endswith(".md") else path


def check_link(link: LinkFact, targets: Mapping[str, NoteTargets],
               options: CheckOptions = CheckOptions(),
               memo: dict[tuple[str, str, str], tuple[bool, tuple[str, ...]]] | None = None,
               ) -> list[Diagnostic]:
    """The problems of one link, with default severities. ``memo`` keeps the verdict on
    each (note, subpath) across calls: many links share them."""
    if link.resolved is None:
        attachment = is_attachment_target(link.target)
        code = "missing-attachment" if attachment else "unresolved-link"
        message = f'no {"file" if attachment else "note"} "{link.target}" in the vault'
        if link.gone:
            message += f" ({link.gone})"
        return [_diag(link, code, message, link.suggestions)]
    out = []
    if len(link.ties) > 1:
        names = ", ".join(link.ties[:-1]) + " and " + link.ties[-1]
        out.append(_diag(
            link, "ambiguous-link",
            f'"{link.target}" matches {names} equally; Obsidian picks one by load order'
            f" (vaultkit: {link.resolved})",
            tuple(link_text(p) for p in link.ties)))
    note = targets.get(link.resolved)
    if note is None or not link.subpath:
        return out
    parts = subpath_parts(link.subpath)
    block = len(parts) == 1 and parts[0].startswith("^")
    if (not options.check_blocks) if block else (not options.check_headings):
        return out
    key = (link.resolved, link.subpath, link.target)
    verdict = memo.get(key) if memo is not None else None
    if verdict is None:
        missing = find_subpath(note, link.subpath) is False
        hints = heading_suggestions(note, link.subpath, link.target) if missing else ()
        verdict = (missing, hints)
        if memo is not None:
            memo[key] = verdict
    if verdict[0]:
        where = "this note" if link.resolved == link.source else link.resolved
        if block:
            out.append(_diag(link, "missing-block", f'no block "{parts[0]}" in {where}'))
        else:
            out.append(_diag(link, "missing-heading", f'no heading "{link.subpath}" in {where}',
                             verdict[1]))
    return out


def _diag(link: LinkFact, code: str, message: str, suggestions: Iterable[str] = ()
          ) -> Diagnostic:
    return Diagnostic(link.source, link.line, link.column, CODES[code][0], code, message,
                      tuple(suggestions), link.text, link.target, link.embed)


def check_links(links: Iterable[LinkFact], targets: Mapping[str, NoteTargets],
                options: CheckOptions = CheckOptions()) -> list[Diagnostic]:
    memo: dict[tuple[str, str, str], tuple[bool, tuple[str, ...]]] = {}
    return [d for link in links for d in check_link(link, targets, options, memo)]


def problem_diagnostic(problem: FileProblem) -> Diagnostic:
    """A file problem recorded by the refresh (bad frontmatter, not UTF-8, ...)."""
    severity = CODES[problem.code][0] if problem.code in CODES else "warning"
    return Diagnostic(problem.path, problem.line, problem.column, severity, problem.code,
                      problem.message)


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diags, key=lambda d: (d.path, d.line, d.column, d.code, d.text))


# --- configuration (.vaultkit.toml, [check]) -------------------------------------------


class ConfigError(ValueError):
    """A bad configuration value; the caller says which file."""


@dataclass(frozen=True, slots=True)
class CheckConfig:
    severity: tuple[tuple[str, str], ...] = ()  # (code, "error" | "warning" | "off")
    ignore: tuple[str, ...] = ()  # globs over vault-relative paths
    check_headings: bool = True
    check_blocks: bool = True

    @property
    def options(self) -> CheckOptions:
        return CheckOptions(self.check_headings, self.check_blocks)

    def severity_of(self, code: str, default: Severity) -> str:
        return dict(self.severity).get(code, default)


CONFIG_KEYS = ("severity", "ignore", "check_headings", "check_blocks")


def config_from_mapping(data: Mapping[str, object]) -> CheckConfig:
    """Validate the ``[check]`` table of ``.vaultkit.toml``; ConfigError names the key."""
    for key in data:
        if key not in CONFIG_KEYS:
            raise ConfigError(f"unknown key check.{key} (known: {', '.join(CONFIG_KEYS)})")
    severity = data.get("severity", {})
    if not isinstance(severity, Mapping):
        raise ConfigError("check.severity must be a table of code = \"error\"|\"warning\"|\"off\"")
    for code, level in severity.items():
        if code not in CODES:
            raise ConfigError(f"check.severity: unknown code {code!r} (known: {', '.join(CODES)})")
        if level not in ("error", "warning", "off"):
            raise ConfigError(f"check.severity.{code} must be \"error\", \"warning\" or \"off\","
                              f" not {level!r}")
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(g, str) for g in ignore):
        raise ConfigError("check.ignore must be a list of glob strings")
    flags = {}
    for key in ("check_headings", "check_blocks"):
        value = data.get(key, True)
        if not isinstance(value, bool):
            raise ConfigError(f"check.{key} must be true or false, not {value!r}")
        flags[key] = value
    for glob in ignore:
        glob_regex(glob)
    return CheckConfig(tuple(sorted(severity.items())), tuple(ignore), **flags)


def glob_regex(glob: str) -> re.Pattern[str]:
    """A glob over the whole vault-relative path: ``*`` and ``?`` stay inside one folder,
    ``**`` crosses folders, ``[abc]`` is a set; a glob ending in ``/`` matches all below."""
    if glob.endswith("/"):
        glob += "**"
    out = []
    i = 0
    while i < len(glob):
        ch = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = glob.find("]", i + 1)
            if end == -1:
                raise ConfigError(f"check.ignore: unclosed '[' in {glob!r}")
            body = glob[i + 1 : end]
            neg = body.startswith("!")
            out.append("[" + ("^" if neg else "") + re.escape(body[1:] if neg else body) + "]")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z")


def apply_config(diags: Iterable[Diagnostic], config: CheckConfig) -> list[Diagnostic]:
    """Drop ignored files and codes turned off; set each code's configured severity."""
    ignored = [glob_regex(g) for g in config.ignore]
    out = []
    for d in diags:
        if any(p.match(d.path) for p in ignored):
            continue
        level = config.severity_of(d.code, d.severity)
        if level == "off":
            continue
        out.append(d if level == d.severity else replace(d, severity=level))  # type: ignore[arg-type]
    return out


# --- baseline keys ------------------------------------------------------------------------

BaselineKey = tuple[str, str, str, int]  # path, code, link text, occurrence


def baseline_keys(diags: Sequence[Diagnostic]) -> list[BaselineKey]:
    """A key for each diagnostic that survives unrelated edits: no line numbers, but the
    n-th occurrence of the same (path, code, link text), in file order."""
    seen: dict[tuple[str, str, str], int] = {}
    keys = []
    for d in diags:
        base = (d.path, d.code, d.text)
        n = seen.get(base, 0)
        seen[base] = n + 1
        keys.append((*base, n))
    return keys


def without_baseline(diags: Sequence[Diagnostic], baseline: Iterable[BaselineKey]
                     ) -> list[Diagnostic]:
    """The diagnostics not in ``baseline``; ``diags`` must be in file order."""
    known = set(baseline)
    ordered = sort_diagnostics(diags)
    return [d for d, k in zip(ordered, baseline_keys(ordered), strict=True) if k not in known]
