"""Unlinked mentions: plain-text occurrences of a note's name or aliases in other notes.

Obsidian's rule (spec section 8): the note's file name without ``.md`` and each of its
aliases, matched case-insensitively in every other note that is not an excluded file;
hits inside links, embeds and the frontmatter do not count. vaultkit follows it, with
two choices of its own (docs/graph.md lists them):

- **whole words**: a hit is not preceded or followed by a letter, digit or ``_``
  (``Gemini-related`` and ``Cohere's`` mention Gemini and Cohere; ``Geminis`` does not);
- **code, math, HTML, tags and URLs do not count**: the text is masked with
  :func:`vaultkit._mask.mask` first (fenced and indented code, code spans, math, HTML
  blocks and comments), and the spans of links and tags known to the index and bare
  URLs are blanked. Obsidian does list mentions inside code blocks; vaultkit does not,
  because a name in code is rarely a place for a link.

Speed: every name and alias goes into one compiled regular expression, a trie of
alternatives (``gpt(?:-(?:3|4))?``) so that a match costs the length of the name, not the
number of names; each note's text is scanned once, and only notes with a raw hit are
masked. For ``--all``, a hit counts for the note with the longest name that matches
there, and also for every note whose name appears inside that name as whole words
(``Google DeepMind`` counts for both notes, once each).

Pure: the caller passes a function that reads a note's text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ._frontmatter import split as split_frontmatter
from ._mask import mask
from .model_graph import Mention, MentionCount
from .parse import normal_text

_WORD = re.compile(r"\w")
_URL_TAIL = re.compile(r"://?/?[^\s<>\"'()\[\]]*")  # starts with a literal: found fast
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
MAX_TERM = 300  # characters; longer aliases are not searched for


def terms_of(path: str, aliases: Iterable[str] = ()) -> list[str]:
    """What a note is mentioned by: its file name without ``.md``, then its aliases."""
    name = path.rsplit("/", 1)[-1]
    stem = name[:-3] if name.lower().endswith(".md") else name
    out = [t.strip() for t in (stem, *aliases) if isinstance(t, str)]
    return list(dict.fromkeys(t for t in out if t and len(t) <= MAX_TERM))


class Terms:
    """Names to find as whole words, ignoring case, in one pass over a text.

    The pattern is a trie of the lowercased names, matched case-sensitively against the
    lowercased text: Python's ``re`` checks a plain literal in a branch much faster than
    one under IGNORECASE. The few characters whose ``lower()`` is longer (``İ``) are
    kept as they are, so that offsets stay true."""

    def __init__(self, terms: Iterable[str]) -> None:
        trie: dict[str, Any] = {}
        for term in terms:
            node = trie
            for ch in term.lower():
                node = node.setdefault(ch, {})
            node[""] = {}
        parts = []
        words = {k: v for k, v in trie.items() if _WORD.match(k)}
        others = {k: v for k, v in trie.items() if k and not _WORD.match(k)}
        if words:  # \b is cheaper than a lookbehind, and the same before a word character
            parts.append(r"\b" + _alternatives(words))
        if others:
            parts.append(r"(?<!\w)" + _alternatives(others))
        self.source = ("(?:" + "|".join(parts) + ")" if len(parts) > 1 else "".join(parts))
        self.source += r"(?!\w)"
        self.pattern = re.compile(self.source) if parts else None

    def __bool__(self) -> bool:
        return self.pattern is not None

    def search(self, text: str) -> bool:
        assert self.pattern is not None
        return self.pattern.search(_lower(text)) is not None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Matches in ``text`` (``group()`` is lowercased); offsets are offsets in ``text``."""
        assert self.pattern is not None
        return self.pattern.finditer(_lower(text))

    def count(self, text: str) -> Counter[str]:
        """How often each name (lowercased) occurs in ``text``."""
        assert self.pattern is not None
        return Counter(self.pattern.findall(_lower(text)))


def _lower(text: str) -> str:
    """``text.lower()``, one character for one, so that offsets stay the same."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _alternatives(node: dict[str, Any]) -> str:
    """The trie below ``node`` as a regex; longer alternatives first (greedy ``?``)."""
    out: list[str] = []
    while True:  # a chain of single letters is written out without a group
        keys = [k for k in node if k]
        if len(keys) != 1 or "" in node:
            break
        out.append(re.escape(keys[0]))
        node = node[keys[0]]
    branches = [re.escape(k) + _alternatives(node[k]) for k in sorted(node) if k]
    if branches:
        group = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            group = (group if len(branches) > 1 else "(?:" + group + ")") + "?"
        out.append(group)
    return "".join(out)


class Page:
    """A note's text as the scanner saw it, with offset <-> line:column."""

    def __init__(self, text: str) -> None:
        self.text = text = normal_text(text)
        self.starts = [0]
        i = text.find("\n")
        while i != -1:
            self.starts.append(i + 1)
            i = text.find("\n", i + 1)

    def offset(self, line: int, column: int) -> int:
        return self.starts[min(max(line, 1), len(self.starts)) - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        i = bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1

    def line(self, line: int) -> str:
        end = self.text.find("\n", self.starts[line - 1])
        return self.text[self.starts[line - 1] : None if end == -1 else end]

    def searchable(self, spans: Sequence[tuple[int, int, int]]) -> str:
        """The text with frontmatter, code, math, HTML, URLs and the ``(line, column,
        length)`` spans (links, tags) blanked; offsets unchanged."""
        where = split_frontmatter(self.text)
        body = 0
        if where is not None:
            nl = self.text.find("\n", where[1])
            body = len(self.text) if nl == -1 else nl + 1
        masked = mask(self.text, body)
        blank = _urls(masked) if ":/" in masked else []
        starts, top = self.starts, len(self.starts)
        for line, col, length in spans:
            at = starts[min(max(line, 1), top) - 1] + col - 1
            blank.append((at, at + length))
        if not blank:
            return masked
        parts: list[str] = []
        last = 0
        for start, end in sorted(blank):
            start, end = max(start, last), min(end, len(masked))
            if start < end:
                parts.append(masked[last:start])
                parts.append(" " * (end - start))
                last = end
        parts.append(masked[last:])
        return "".join(parts)


def _urls(text: str) -> list[tuple[int, int]]:
    """Spans of ``scheme://…`` URLs (and ``scheme:/…``)."""
    out = []
    for m in _URL_TAIL.finditer(text):
        k = m.start()
        while k > 0 and text[k - 1] in _SCHEME_CHARS:
            k -= 1
        if k < m.start() and text[k].isalpha():
            out.append((k, m.end()))
    return out


class MentionSearch:
    """Unlinked mentions over a whole vault, from the index's rows and a reader."""

    def __init__(
        self, files: Iterable[Sequence[Any]], links: Iterable[Sequence[Any]],
        tags: Iterable[Sequence[Any]], aliases: Iterable[Sequence[Any]],
        read: Callable[[str], str | None],
    ) -> None:
        """``files``: (path, is_note, excluded); ``links``: (source, dest, target, line,
        col, text, subpath, kind, embed); ``tags``: (path, name, line, col, frontmatter);
        ``aliases``: (alias, path) — the rows of vaultkit.queries."""
        self.notes = [r[0] for r in files if r[1]]
        self.excluded = {r[0] for r in files if r[2]}
        self.spans: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for r in links:
            if r[7] != "frontmatter":
                self.spans[r[0]].append((r[3], r[4], len(r[5])))
        for r in tags:
            if not r[4]:
                self.spans[r[0]].append((r[2], r[3], len(r[1]) + 1))
        self.aliases: dict[str, list[str]] = defaultdict(list)
        for alias, path in aliases:
            self.aliases[path].append(alias)
        self.read = read

    def _pages(self, terms: Terms, skip: str | None = None, check: bool = True
               ) -> Iterator[tuple[str, Page, str]]:
        """(source, page, searchable text) of every note that may mention a term."""
        for source in self.notes:
            if source in self.excluded or source == skip:
                continue
            text = self.read(source)
            if not text or (check and not terms.search(text)):
                continue  # most notes, for one note's names: no need to mask them
            page = Page(text)
            yield source, page, page.searchable(self.spans.get(source, ()))

    def of_note(self, path: str) -> list[Mention]:
        """Unlinked mentions of the note ``path`` in every other note, in file order."""
        terms = Terms(terms_of(path, self.aliases.get(path, ())))
        if not terms:
            return []
        out = []
        for source, page, searchable in self._pages(terms, skip=path):
            for m in terms.finditer(searchable):
                line, col = page.position(m.start())
                out.append(Mention(source, line, col, page.text[m.start() : m.end()],
                                   page.line(line).strip()))
        return out

    def counts(self, limit: int = 20) -> list[MentionCount]:
        """The notes with the most unlinked mentions in other notes: the candidates to
        link. A name shared by several notes counts for each of them."""
        owners: dict[str, set[str]] = defaultdict(set)
        for path in self.notes:
            if path not in self.excluded:
                for term in terms_of(path, self.aliases.get(path, ())):
                    owners[term.lower()].add(path)
        terms = Terms(owners)
        if not terms:
            return []
        inside: dict[str, tuple[str, ...]] = {}
        mentions: dict[str, int] = defaultdict(int)
        sources: Counter[str] = Counter()
        for source, _page, searchable in self._pages(terms, check=False):
            seen: set[str] = set()
            counted = terms.count(searchable)
            for key, n in counted.items():
                named = inside.get(key)
                if named is None:
                    named = inside[key] = tuple(_owners_within(key, owners))
                for path in named:
                    mentions[path] += n
                    seen.add(path)
            if source in seen:  # a note's own name in itself is no mention
                seen.discard(source)
                mentions[source] -= sum(n for key, n in counted.items() if source in inside[key])
            sources.update(seen)
        items = [MentionCount(p, n, sources[p]) for p, n in mentions.items() if n]
        items.sort(key=lambda c: (-c.mentions, -c.sources, c.path))
        return items[:limit] if limit > 0 else items


def _owners_within(key: str, owners: dict[str, set[str]]) -> set[str]:
    """The notes named by ``key`` or by a term found inside it as whole words."""
    found = set(owners.get(key, ()))
    n = len(key)
    for i in range(n):
        if i and _WORD.match(key[i - 1]):
            continue
        for j in range(i + 1, n + 1):
            if (j == n or not _WORD.match(key[j])) and key[i:j] in owners:
                found |= owners[key[i:j]]
    return found
