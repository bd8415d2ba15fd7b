"""YAML frontmatter: find it, load it safely, and take tags, aliases and links from it.

Spec section 6. The block exists only when the text starts with ``---`` + newline and a
later line is exactly ``---``. Loading goes through python-frontmatter's YAML handler
with a C safe loader that also rejects duplicate keys (Obsidian's YAML library reports
them as errors) and YAML alias bombs; the most common shapes take a faster road to the same
values (:mod:`vaultkit._simple_yaml`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from typing import Any

from . import _simple_yaml
from .model_parse import Link, Problem, Tag

_CLOSE = re.compile(r"\n---(?:\n|$)")
_TAGS_KEY = re.compile(r"^tags$", re.IGNORECASE)
_ALIASES_KEY = re.compile(r"^aliases$", re.IGNORECASE)
MAX_ALIASES_IN_YAML = 100  # YAML "*alias" references; more is treated as an attack
MAX_FRONTMATTER_CHARS = 1_000_000
MAX_NODES = 20_000
# [ { nesting levels. libyaml 0.2.5 (PyYAML 6.0.4's wheels) refuses 1,000; older builds
# crash near 100,000: refusing past 999 ourselves gives the same answer with every PyYAML.
MAX_DEPTH = 999
_FLOW = re.compile(r"[\[\]{}]")


def _flow_depth(raw: str) -> int:
    """The deepest nesting of ``[`` and ``{`` (quotes are not looked at: an upper bound)."""
    depth = deepest = 0
    for m in _FLOW.finditer(raw):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest

_HANDLER: Any = None  # python-frontmatter's YAML handler, loaded when first needed


def _yaml_load(raw: str) -> Any:
    """python-frontmatter's YAML handler with our loader. Imported on first use: most
    frontmatter takes the fast path, and a command that reads one note need not pay for
    the import."""
    global _HANDLER, _LOADER
    if _HANDLER is None:
        import frontmatter

        _HANDLER = frontmatter.default_handlers.YAMLHandler()
        _LOADER = _loader()
    return _HANDLER.load(raw, Loader=_LOADER)


_LOADER: Any = None


def _loader() -> Any:
    """PyYAML's C safe loader (the Python one without libyaml), refusing duplicate keys."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark)
            return super().construct_mapping(node, deep=deep)

    return Loader


def split(text: str) -> tuple[int, int] | None:
    """(start, end) offsets of the YAML between the ``---`` lines, or None."""
    if not text.startswith("---\n"):
        return None
    m = _CLOSE.search(text, 3)
    if m is None:
        return None
    return 4, m.start() + 1


class Frontmatter:
    """What the frontmatter holds; filled in by :func:`read`."""

    __slots__ = ("aliases", "body_start", "data", "links", "problems", "tags")

    def __init__(self, body_start: int) -> None:
        self.data: dict[str, Any] | None = None
        self.body_start = body_start  # offset of the first body character
        self.tags: list[Tag] = []
        self.aliases: list[str] = []
        self.links: list[Link] = []
        self.problems: list[Problem] = []


def read(text: str, lines: list[int]) -> Frontmatter:
    """Parse the frontmatter of ``text``; ``lines`` are the offsets where lines start."""
    where = split(text)
    if where is None:
        return Frontmatter(0)
    start, end = where
    body_start = text.find("\n", end)
    body_start = len(text) if body_start == -1 else body_start + 1
    raw = text[start:end]
    data, problem = _load(raw)
    fm = Frontmatter(body_start)
    if problem is not None:
        fm.problems.append(problem)
        return fm
    if not isinstance(data, dict):
        if data is not None:
            fm.problems.append(Problem("bad-frontmatter", "frontmatter is not a YAML mapping", 2))
        return fm
    fm.data = data
    finder = _Finder(text, start, end, lines)
    for key, value in data.items():
        if isinstance(key, str) and _TAGS_KEY.match(key):
            fm.tags.extend(_tags(value, finder.after_key(key)))
        elif isinstance(key, str) and _ALIASES_KEY.match(key):
            fm.aliases.extend(_aliases(value))
    if "[[" not in raw and "\\" not in raw:
        return fm  # no value can hold a link: "[[" written as such, or as an escape
    strings, complete = _strings(data)
    for keypath, value in strings:
        if value.startswith("[[") and value.endswith("]]") and len(value) > 4:
            fm.links.append(_link(value, keypath, finder))
    if not complete:
        fm.problems.append(Problem("bad-frontmatter", f"frontmatter holds more than "
                                   f"{MAX_NODES:,} values; links past them are not indexed", 2))
    return fm


def _load(raw: str) -> tuple[Any, Problem | None]:
    if len(raw) > MAX_FRONTMATTER_CHARS:
        return None, Problem("bad-frontmatter", "frontmatter is larger than 1 MB; ignored", 1)
    if raw.count("*") > MAX_ALIASES_IN_YAML and raw.count("&"):
        return None, Problem("bad-frontmatter", "too many YAML aliases; ignored", 1)
    if raw.count("[") + raw.count("{") > MAX_DEPTH and _flow_depth(raw) > MAX_DEPTH:
        # PyYAML's C parser recurses once per level: 100,000 levels overflow its stack
        return None, Problem("bad-frontmatter", f"YAML nested more than {MAX_DEPTH} levels "
                             "deep; ignored", 1)
    fast = _simple_yaml.load(raw)
    if fast is not _simple_yaml.DECLINED:
        return fast, None
    import yaml  # here, not at the top: most frontmatter never needs PyYAML's parser

    try:
        return _yaml_load(raw), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        col = (mark.column + 1) if mark is not None else 1
        what = getattr(exc, "problem", None) or str(exc).split("\n", 1)[0]
        return None, Problem("bad-frontmatter", f"invalid YAML frontmatter: {what}", line, col)
    except (ValueError, TypeError, RecursionError, OverflowError) as exc:
        return None, Problem("bad-frontmatter", f"invalid YAML frontmatter: {exc}", 1)


_BEFORE_ITEM = "[,\"'"  # what may stand just before a list item, besides white space
_AFTER_ITEM = "],\"'"


class _Finder:
    """Best-effort positions of values inside the frontmatter text."""

    def __init__(self, text: str, start: int, end: int, lines: list[int]) -> None:
        self.text, self.start, self.end, self.lines = text, start, end, lines
        self.cursor: dict[str, int] = {}
        self.link_at = start  # links come in document order: search on from the last one

    def next_link(self, needle: str) -> int:
        """Where the link value ``needle`` is written: after the previous link when it can
        be (linear over many links), else anywhere in the frontmatter."""
        pos = self.text.find(needle, self.link_at, self.end)
        if pos == -1:
            pos = self.text.find(needle, self.start, self.end)
        if pos == -1:
            return self.start
        self.link_at = pos + 1
        return pos

    def after_key(self, key: str) -> tuple[_Finder, int]:
        m = re.search(r"^[ \t]*['\"]?" + re.escape(key) + r"['\"]?[ \t]*:",
                      self.text[self.start : self.end], re.MULTILINE)
        return self, self.start + (m.end() if m else 0)

    def find(self, needle: str, frm: int | None = None) -> int:
        pos = self.text.find(needle, max(frm or self.start, self.cursor.get(needle, 0)), self.end)
        if pos == -1:
            pos = frm if frm is not None else self.start
        else:
            self.cursor[needle] = pos + 1
        return pos

    def find_item(self, item: str, frm: int) -> int:
        """Like :meth:`find`, for a list item or scalar that stands alone: ``a`` is not
        found inside ``bat``."""
        text, end = self.text, self.end
        at = max(frm, self.cursor.get(item, 0))
        while (at := text.find(item, at, end)) != -1:
            after = at + len(item)
            if ((at == 0 or text[at - 1] in _BEFORE_ITEM or text[at - 1].isspace())
                    and (after >= len(text) or text[after] in _AFTER_ITEM
                         or text[after].isspace())):
                self.cursor[item] = after
                return at
            at += 1
        return frm

    def pos(self, offset: int) -> tuple[int, int]:
        i = bisect_right(self.lines, offset) - 1
        return i + 1, offset - self.lines[i] + 1


def _tags(value: Any, where: tuple[_Finder, int]) -> list[Tag]:
    finder, key_at = where
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    out = []
    for item in items:
        if not isinstance(item, str):
            continue
        name = item.strip()
        if not name or " " in name:
            continue
        written = name
        name = name[1:] if name.startswith("#") else name
        if not name:
            continue
        line, col = finder.pos(finder.find_item(written, key_at))
        out.append(Tag(name, line, col, frontmatter=True))
    return out


def _aliases(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]
    return []


def _strings(data: Any, prefix: str = "") -> tuple[list[tuple[str, str]], bool]:
    """(dotted key path, value) of every string in the YAML data, bounded in size, and
    whether every value was seen."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [(prefix, data)]
    seen: set[int] = set()
    budget = MAX_NODES
    while stack and budget > 0:
        path, value = stack.pop()
        budget -= 1
        if isinstance(value, str):
            out.append((path, value))
        elif isinstance(value, (dict, list)):
            if id(value) in seen:
                continue
            seen.add(id(value))
            pairs = value.items() if isinstance(value, dict) else enumerate(value)
            children = [(f"{path}.{k}" if path else str(k), v) for k, v in pairs]
            stack.extend(reversed(children))
    return out, not stack


def _link(value: str, keypath: str, finder: _Finder) -> Link:
    inner = value[2:-2]
    bar = inner.find("|")
    if bar > 0:
        target, display = inner[:bar].strip(), inner[bar + 1 :].strip()
    else:
        target, display = inner.strip(), None
    target = clean(target.removesuffix("\\"))
    hash_at = target.find("#")
    linkpath, subpath = (target, "") if hash_at < 0 else (target[:hash_at], target[hash_at:])
    line, col = finder.pos(finder.next_link(value))
    return Link(linkpath, subpath, display, value, line, col, False, "frontmatter", keypath)


def clean(target: str) -> str:
    """Obsidian's ``cleanString``: NBSP to space, trim, Unicode NFC."""
    return unicodedata.normalize("NFC", target.replace("\u00a0", " ").strip())
