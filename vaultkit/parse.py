"""The scanner: ``parse_note(path, text) -> Note``. Pure: text in, data out.

An ordered list of small rules over the text after masking (see :mod:`vaultkit._mask`):
frontmatter, then wikilinks, Markdown links, tags, headings and block ids. Positions are
1-based; columns count characters (code points) in the file as stored. ``\\r\\n`` and
``\\r`` line ends count as one line end; a leading byte-order mark is not a character.

Choices on points the spec leaves UNCONFIRMED (docs/resolution.md lists them too):
- links and tags inside ``%%comments%%`` are indexed (spec E11-E13, T19);
- ``\\[[X]]`` and ``\\#tag`` are escapes: no link, no tag (W26, T17);
- ``[x](Note With Spaces.md)`` with raw spaces is not a link (M5); reference-style links
  are not links (M16); ``[x](www.example.com)`` is an internal link (M10);
- ``(#tag)`` is not a tag (T12); ``**bold**#tag``, ``==hl==#tag`` and ``[[X]]#tag`` are (T13),
  and so are ``>#tag``, ``|#tag|`` in a table and ``%%#tag%%``: a tag may start an inline run;
- an unclosed fence makes the rest of the file code (E4), or of its blockquote or list item;
- ``text <span>[[X]]</span>`` inside a paragraph is a link, but nothing inside an HTML tag
  (``<a title="[[X]]">``) is; an HTML block at the start of a line hides links until the
  next blank line (E10);
- a ``%%`` block comment holds inline text only: no headings or code blocks inside (E13);
- in a GFM table row an unescaped ``|`` ends the cell, so ``[[X|y]]`` there is no link (W12);
- ``[[ ]]`` is a link to the note itself (W22).

Where the spec is silent, CommonMark decides: a code span or a Markdown link's label may
run over a line end but ends with its paragraph, which a list item, heading, quote or
thematic break ends too; a link may not hold a link (an image it may); a heading, ATX or
setext, is read as written, not as masked.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes

from . import _frontmatter
from ._mask import block_starts_in, mask, table_rows
from ._version import PARSER_VERSION
from .model_parse import Block, Heading, Link, NoteParts, Tag

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .model_note import Note

__all__ = ["PARSER_VERSION", "mask", "normal_text", "parse_many", "parse_note", "parse_parts"]


# Patterns start with a literal character (the "!" of an embed is looked at by hand), which
# lets the regex engine skip ahead quickly.
_WIKI = re.compile(r"\[\[((?:(?!\[\[)[^\n])+?)\]\]")
_MD_LINK = re.compile(  # the label may run over a line end, not over a blank line
    r"\[((?:[^\[\]\n]|\n(?![ \t]*(?:\n|$))|\[[^\[\]\n]*\])*)\]"
    r"\((?:<([^<>\n]*)>|((?:[^\s()]|\([^\s()]*\))*))"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*\)"
)
_TAG = re.compile(
    r"#(?<![^\s*=~>|%]#)([^\u2000-\u206F\u2E00-\u2E7F'!\"#$%&()*+,.:;<=>?@^`{|}~\[\]\\\s]+)"
)
_ATX_LINE = r" {0,3}(#{1,6})(?:[ \t]+([^\n]*?))?(?:[ \t]+#+)?[ \t]*(?=\n|$)"
_ATX = re.compile(_ATX_LINE)  # matched at a line start
_ATX_AFTER_NL = re.compile("\n" + _ATX_LINE)  # searched for: the "\n" makes it fast
_SETEXT_AFTER_NL = re.compile(r"\n {0,3}(=+|-+)[ \t]*(?=\n|$)")
_BLOCK_ID = re.compile(r"\^(?<!\S\^)([A-Za-z0-9-]+)[ \t]*$", re.MULTILINE)
_NOT_PARAGRAPH = re.compile(r"^[ \t]*(?:$|[-*+][ \t]|\d{1,9}[.)][ \t]|#{1,6}[ \t]|>|```|~~~|\|)")
_NOT_SETEXT_TEXT = re.compile(r"^[ \t]*(?:$|[-*+][ \t]|\d{1,9}[.)][ \t]|#{1,6}[ \t]|>|```|~~~)")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_PIPE = re.compile(r"(?<!\\)\|")
_QUOTE_PREFIX = re.compile(r"(?:[ \t]*>)+[ \t]*")
_CONTINUATION = re.compile(r"\n[ \t]*(?:>[ \t]?)*[ \t]*")
_RESERVED = set(";/?:@&=+$,#")


class _Pos:
    """Offset -> (line, column) through the offsets where lines start."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            self.starts.append(i + 1)
            i = find("\n", i + 1)

    def __call__(self, offset: int) -> tuple[int, int]:
        i = bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1


def parse_note(path: str, text: str) -> Note:
    """Everything Obsidian's metadata cache would take from one note."""
    from .model_note import Note

    return Note(path, *parse_parts(text))


def parse_parts(text: str) -> NoteParts:
    """:func:`parse_note` without the path (and without loading :mod:`dataclasses`)."""
    return parse_many([text])[0]


def parse_many(texts: Sequence[str]) -> list[NoteParts]:
    """:func:`parse_parts` of each text. Each step runs over every text before the next
    starts: 64 notes at once take 10-25% less time than one after the other (the CPU
    keeps one step's code hot; more notes gain no more)."""
    texts = [normal_text(text) for text in texts]
    pos = [_Pos(text) for text in texts]
    fms = [_frontmatter.read(text, p.starts) for text, p in zip(texts, pos, strict=True)]
    comments: list[list[tuple[int, int]]] = [[] for _ in texts]
    masked = [mask(text, fm.body_start, c)
              for text, fm, c in zip(texts, fms, comments, strict=True)]
    tables = [table_rows(m) for m in masked]
    links: list[list[Link]] = [list(fm.links) for fm in fms]
    unlinked = [_wikilinks(*args)
                for args in zip(masked, texts, pos, links, tables, strict=True)]
    for args in zip(unlinked, texts, pos, links, strict=True):
        _markdown_links(*args)
    tags = [[*fm.tags, *_tags(*args)]
            for fm, *args in zip(fms, unlinked, pos, tables, comments, strict=True)]
    headings = [_headings(*args)
                for args in zip(masked, texts, pos, comments, tables, strict=True)]
    # a link is an inline node: `]]^id` counts
    blocks = [_blocks(*args) for args in zip(unlinked, pos, strict=True)]
    out = []
    for fm, found, *rest in zip(fms, links, tags, headings, blocks, strict=True):
        found.sort(key=_line_column)
        out.append(NoteParts(tuple(found), *map(tuple, rest), tuple(dict.fromkeys(fm.aliases)),
                             fm.data, tuple(fm.problems)))
    return out


def normal_text(text: str) -> str:
    """``text`` as the parser reads it, which its lines and columns count in: without a
    byte-order mark, with ``\\n`` line ends."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _line_column(link: Link) -> tuple[int, int]:
    """Where ``link`` starts: a note's links are sorted by it."""
    return link.line, link.column


def split_linktext(target: str) -> tuple[str, str]:
    """``Note#Heading`` -> (``Note``, ``#Heading``); the linkpath is not trimmed again."""
    i = target.find("#")
    return (target, "") if i < 0 else (target[:i], target[i:])


def _wikilinks(masked: str, text: str, pos: _Pos, out: list[Link],
               tables: list[tuple[int, int]]) -> str:
    """Collect ``[[...]]`` links; return the masked text with the links blanked, so that
    display text is never read as tags or Markdown links (T18).

    The pattern runs on the text as written (a code span or escape after ``[[`` does not
    hide its ``]]`` or ``[[``: the link starts first), but a link must start outside the
    masked regions."""
    if "[[" not in masked:
        return masked
    spans: list[tuple[int, int]] = []
    at = 0
    while (m := _WIKI.search(text, at)) is not None:
        start = m.start()
        if masked[start : start + 2] != "[[":
            at = start + 1  # escaped, or in code: look again from the next "["
            continue
        at = m.end()
        embed = start > 0 and masked[start - 1] == "!"
        inner = m.group(1)
        if tables and "|" in inner and _inside(tables, start) and _PIPE.search(inner):
            continue  # an unescaped pipe in a table row ends the cell: no link (W12)
        if embed:
            start -= 1
        line, col = pos(start)
        out.append(_wikilink(inner, text[start : m.end()], line, col, embed))
        spans.append((start, m.end()))
    parts: list[str] = []
    last = 0
    for s, e in spans:
        parts.append(masked[last:s])
        parts.append(" " * (e - s))
        last = e
    parts.append(masked[last:])
    return "".join(parts)


def _wikilink(inner: str, written: str, line: int, col: int, embed: bool) -> Link:
    bar = inner.find("|")
    if bar > 0:
        target, display = inner[:bar].strip(), inner[bar + 1 :].strip()
    else:
        target, display = inner.strip(), None
    if target.endswith("\\"):
        target = target[:-1]
    linkpath, subpath = split_linktext(_frontmatter.clean(target))
    return Link(linkpath, subpath, display, written, line, col, embed, "wiki")


def decode_uri(dest: str) -> str | None:
    """JavaScript's ``decodeURI``: None where it would throw; reserved escapes stay."""
    if "%" not in dest:
        return dest
    if re.search(r"%(?![0-9A-Fa-f]{2})", dest):
        return None
    failed = False

    def repl(m: re.Match[str]) -> str:
        nonlocal failed
        raw = unquote_to_bytes(m.group())
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            failed = True
            return m.group()
        # keep %XX of reserved characters as written, like decodeURI
        out, k = [], 0
        for ch in decoded:
            width = len(ch.encode("utf-8")) * 3
            out.append(m.group()[k : k + width] if ch in _RESERVED else ch)
            k += width
        return "".join(out)

    result = _PERCENT.sub(repl, dest)
    return None if failed else result


def _markdown_links(masked: str, text: str, pos: _Pos, out: list[Link]) -> None:
    if "](" not in masked:
        return
    at = 0
    while (m := _MD_LINK.search(masked, at)) is not None:
        nested = "](" in m.group(1)
        if nested and _holds_link(masked, m.start(1), m.end(1)):
            at = m.start() + 1  # a link may not hold a link: the inner one is the link
            continue
        at = m.start(1) if nested else m.end()  # an image in it is one too
        if "\n" in m.group(1) and block_starts_in(masked, m.start(), m.end(1)):
            continue  # its paragraph ends inside the label (`[a` then `- b](x.md)`)
        group = 2 if m.group(2) is not None else 3
        dest = text[m.start(group) : m.end(group)]
        if not dest or (":" in dest and not dest.startswith(("./", "../"))):
            continue  # empty, or external (http:, obsidian:, mailto:, C:)
        decoded = decode_uri(dest)
        if decoded is None:
            continue
        linkpath, subpath = split_linktext(_frontmatter.clean(decoded))
        embed = m.start() > 0 and masked[m.start() - 1] == "!"
        start = m.start() - 1 if embed else m.start()
        line, col = pos(start)
        label = text[m.start(1) : m.end(1)]
        if "\n" in label:  # as shown: a continuation line without its indent or quote marks
            label = _CONTINUATION.sub("\n", label)
        out.append(Link(linkpath, subpath, label, text[start : m.end()], line, col, embed,
                        "markdown"))


def _holds_link(masked: str, start: int, end: int) -> bool:
    """Is there a Markdown link (an image is no link) between ``start`` and ``end``?"""
    return any(m.start() == 0 or masked[m.start() - 1] != "!"
               for m in _MD_LINK.finditer(masked, start, end))


def _tags(masked: str, pos: _Pos, tables: list[tuple[int, int]],
          comments: list[tuple[int, int]]) -> list[Tag]:
    if "#" not in masked:
        return []
    out = []
    for m in _TAG.finditer(masked):
        name = m.group(1)
        if name.isdigit():
            continue  # all-digit tags are not tags (T2)
        at = m.start()
        if at and masked[at - 1] in ">|%" and not _starts_run(masked, at, tables, comments):
            continue
        line, col = pos(at)
        out.append(Tag(name, line, col))
    return out


def _starts_run(masked: str, at: int, tables: list[tuple[int, int]],
                comments: list[tuple[int, int]]) -> bool:
    """Does the ``#`` at ``at``, after ``>``, ``|`` or ``%``, start an inline run? It does
    as the first thing in a blockquote or a table cell, and just inside or after a comment."""
    line_start = masked.rfind("\n", 0, at) + 1
    before = masked[line_start:at]
    if before[-1] == ">":
        return _QUOTE_PREFIX.fullmatch(before) is not None
    if before[-1] == "|":
        return not before.endswith("\\|") and _inside(tables, at)
    if not before.endswith("%%"):
        return False
    if _inside(comments, at):
        return True  # opening or closing line of a block comment
    line_end = masked.find("\n", at)
    on_line = masked.count("%%", line_start, len(masked) if line_end == -1 else line_end)
    k = before.count("%%")  # this %% is the k-th on its line:
    return k % 2 == 0 or k < on_line  # it closes a comment, or one closes after it


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    """Is ``offset`` inside one of the sorted, disjoint (start, end) ``spans``?"""
    i = bisect_right(spans, offset, key=lambda span: span[0]) - 1
    return i >= 0 and offset < spans[i][1]


def _headings(masked: str, text: str, pos: _Pos, comments: list[tuple[int, int]],
              tables: list[tuple[int, int]]) -> list[Heading]:
    out = []
    if "#" in masked:
        first = _ATX.match(masked)
        for m in ([first] if first else []) + list(_ATX_AFTER_NL.finditer(masked)):
            if comments and _inside(comments, m.start(1)):
                continue  # block comments hold inline text only (E13)
            line, col = pos(m.start(1))
            start = pos.starts[line - 1]
            if text[start : m.end()] == masked[start : m.end()]:  # nothing masked on it
                raw: str | None = (m.group(2) or "").strip()
            else:
                raw = _heading_text(text, start)
                if raw is None:
                    continue  # `#\[x` or `#`x``: a heading only once masked
            out.append(Heading(raw, len(m.group(1)), line, col))
    setext = False
    for m in _SETEXT_AFTER_NL.finditer(masked):
        if comments and _inside(comments, m.start(1)):
            continue
        heading = _setext(masked, text, m, pos, tables)
        if heading is not None:
            out.append(heading)
            setext = True
    if setext:
        out.sort(key=lambda h: h.line)
    return out


def _heading_text(text: str, start: int) -> str | None:
    """The text of the ATX heading whose line starts at ``start``, read from the note as
    written: a code span (``### `move```) is part of the heading, not a blank. None: the
    line is no heading as written."""
    end = text.find("\n", start)
    m = _ATX.match(text, start, len(text) if end == -1 else end)
    return (m.group(2) or "").strip() if m else None


def _setext(masked: str, text: str, m: re.Match[str], pos: _Pos,
            tables: list[tuple[int, int]]) -> Heading | None:
    """The heading underlined by ``m`` (which starts with the newline before the underline),
    if the line above is a paragraph line. The underline is read as written: ``- `x` `` is
    a list item, though its code span is blank once masked."""
    if text[m.start() : m.end()] != masked[m.start() : m.end()]:
        return None
    prev_end = m.start()
    prev_start = masked.rfind("\n", 0, prev_end) + 1
    prev = masked[prev_start:prev_end]
    if not prev.strip() or _NOT_SETEXT_TEXT.match(prev) or _ATX.match(prev):
        return None
    if tables and _inside(tables, prev_start):
        return None  # a table row (a line starting with | that is not one is text)
    if len(prev) - len(prev.lstrip(" ")) >= 4:
        return None
    line, col = pos(prev_start + len(prev) - len(prev.lstrip()))
    level = 1 if m.group(1)[0] == "=" else 2
    return Heading(text[prev_start:prev_end].strip(), level, line, col)


def _blocks(masked: str, pos: _Pos) -> list[Block]:
    if "^" not in masked:
        return []
    out = []
    for m in _BLOCK_ID.finditer(masked):
        nl = masked.find("\n", m.end())
        if nl != -1:
            nxt_end = masked.find("\n", nl + 1)
            nxt = masked[nl + 1 : nxt_end if nxt_end != -1 else len(masked)]
            if not _NOT_PARAGRAPH.match(nxt):
                continue  # the paragraph goes on: the id is not the last thing in it
        line, col = pos(m.start(1) - 1)
        out.append(Block(m.group(1).lower(), line, col))
    return out

