"""Blank out the regions Obsidian's metadata parser does not read links or tags from.

``mask(text, start)`` returns a string of the same length in which fenced and indented
code, code spans, ``$$``/``$`` math, HTML comments, HTML blocks and inline HTML tags (and
everything before ``start``, the frontmatter) are replaced by spaces; newlines stay, so
every offset, line and column in the result is the same as in ``text``. Escaped ``\\[``,
``\\#``, ``\\$``, ``\\```, ``\\!``, ``\\<`` are blanked too, so they never start a link,
tag, code span, math or HTML tag.
``%%comments%%`` are kept: Obsidian indexes what they contain (spec section 7, rule 4); a
line opening a block comment (``%%`` and no other ``%``) makes everything up to the next
``%%`` inline text, so no code block, math block or HTML block starts inside it.

``table_rows(masked)`` finds GFM tables, whose unescaped ``|`` split cells (spec W12).

Pure: text in, text out (plus the block comments found, when asked for).
"""

from __future__ import annotations

import re
from bisect import bisect_left

_FENCE = re.compile(
    r"^(?P<quote>(?:[ \t]*>)*)(?P<item>(?:[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+)*)"
    r"(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_ITEM_START = "-+*0123456789"  # a line starting with one may open a fence after its marker
_LIST_ITEM = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_BREAK = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_HTML6 = re.compile(
    r"^ {0,3}</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|"
    r"colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|"
    r"frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|"
    r"noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|"
    r"thead|title|tr|track|ul)(?:[\s/>]|$)", re.IGNORECASE)
_HTML1 = re.compile(r"^ {0,3}<(script|pre|style|textarea)(?:[\s>]|$)", re.IGNORECASE)
_TAG = (r"(?:<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|"
        r"[^\s\"'=<>`]+))?)*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)")  # CommonMark open/closing tag
_HTML7 = re.compile(r"^ {0,3}" + _TAG + r"[ \t]*$")
_HTML_TAG = re.compile(_TAG)
_BLOCK_START = " \t>`~$%<"  # the first character of any line _block_at can match
_COMMENT_OPEN = re.compile(r" *%%[^%]*$")  # a line opening a block comment
_TABLE_DELIM = re.compile(
    r"^((?:[ \t]*>)*)[ \t]*(?:\|[ \t]*)?:?-+:?(?:[ \t]*\|[ \t]*:?-+:?)*(?:[ \t]*\|)?[ \t]*$",
    re.MULTILINE)
# every delimiter row has a "|" before a cell or a "|" that ends the line
_DELIM_HINTS = (re.compile(r"\|[ \t]*[-:]"), re.compile(r"\|[ \t]*$", re.MULTILINE))
_PIPE = re.compile(r"(?<!\\)\|")
_INLINE = re.compile(r"\\[\\\[#$`!<]|`+|<!--|</?[A-Za-z]|\$\$?")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Lines that start a block and so end the paragraph above them (CommonMark lets a list item,
# an ATX heading, a blockquote, a thematic break and a setext underline interrupt one): a
# code span never reaches past them. Fences and HTML blocks are blank by then. An ordered
# item interrupts a paragraph only if it is numbered 1, unless that paragraph is in a list;
# a setext underline only in the paragraph's own container (else it is a lazy line).
def _starts(numbers: str, setext: bool) -> str:
    return (r"(?:[-+*][ \t]+\S|" + numbers + r"[.)][ \t]+\S|#{1,6}(?:[ \t]|$)"
            r"|(?:\*[ \t]*){3,}$|(?:_[ \t]*){3,}$|(?:-[ \t]*){3,}$"
            + (r"|=+[ \t]*$|-+[ \t]*$)" if setext else ")"))


def _interrupt(quoted: bool, in_list: bool) -> re.Pattern[str]:
    numbers = r"\d{1,9}" if in_list else "1"
    if not quoted:
        return re.compile(r"\n(?= {0,3}(?:>|" + _starts(numbers, not in_list) + "))",
                          re.MULTILINE)
    # in a blockquote, its own marks come first; a line of marks alone is a blank line in it
    return re.compile(r"\n(?=(?: {0,3}>[ \t]?)+ {0,3}" + _starts(numbers, not in_list)
                      + r"| {0,3}" + _starts(numbers, False) + r"| {0,3}(?:>[ \t]*)+$)",
                      re.MULTILINE)


_INTERRUPT = {(q, li): _interrupt(q, li) for q in (False, True) for li in (False, True)}
_QUOTED = re.compile(r" {0,3}>")
_IN_LIST = re.compile(r"(?: {0,3}>[ \t]?)*(?:[ \t]|[-+*][ \t]|\d{1,9}[.)][ \t])")
_ATX = re.compile(r" {0,3}#{1,6}(?=[ \t\n]|\Z)")  # matched at a line start
# a table row's cells are inline text of their own (a line starting with |, as most are)
_ROW_AT = re.compile(r"(?: {0,3}>[ \t]?)* {0,3}\|")
_BACKTICKS = re.compile("`+")
_MATH_CLOSE = re.compile(r"(?<![ \t\\])\$(?![0-9])")


def blank(text: str) -> str:
    """Every character but a line end as a space (~8x quicker than a regex substitution)."""
    if "\n" not in text:
        return " " * len(text)
    return "\n".join([" " * len(line) for line in text.split("\n")])


def mask(text: str, start: int = 0, comments: list[tuple[int, int]] | None = None) -> str:
    """``text`` with every region that holds no links or tags replaced by spaces.
    ``comments``, when given, receives the (start, end) offsets of ``%%`` block comments,
    whose lines are inline text only (no headings, code blocks, ...)."""
    spans: list[tuple[int, int]] = [(0, start)] if start else []
    spans.extend(_block_spans(text, start, comments))
    partly = _apply(text, spans)
    return _apply(partly, _inline_spans(partly, start))  # the blocks are blank already


def _apply(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for s, e in sorted(spans):
        if e <= pos:
            continue
        s = max(s, pos)
        out.append(text[pos:s])
        out.append(blank(text[s:e]))
        pos = e
    out.append(text[pos:])
    return "".join(out)


def _block_spans(text: str, start: int, comments: list[tuple[int, int]] | None = None,
                 ) -> list[tuple[int, int]]:
    """Fenced code, indented code, ``$$`` math blocks and HTML blocks, line by line.
    ``%%`` block comments are skipped (their text is inline only) and added to ``comments``."""
    if not any(c in text for c in ("```", "~~~", "    ", "\t", "$$", "<", "%%")):
        return []
    spans: list[tuple[int, int]] = []
    lines = text[start:].split("\n")
    offset = start
    prev_blank = True  # the start of the body counts as after a blank line
    prev_kind = "blank"  # blank, para, list, code, heading
    in_list = False
    item_width = 0  # the column where the content of the last list item started
    list_quotes = 0  # and how many blockquotes it was in
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if in_list and list_quotes and line.strip() and _quote_depth(line) < list_quotes:
            in_list = False  # the list was in a blockquote, which has ended
        block = _block_at(lines, i, prev_blank or prev_kind in ("code", "heading"),
                          prev_blank or prev_kind != "para", in_list,
                          item_width + 4 if in_list else 4) if line and (
            line[0] in _BLOCK_START or (line[0] in _ITEM_START and ("`" in line or "~" in line))
        ) else None
        if block is not None:
            j, kind = block
            if kind == "code" and line[0] in _ITEM_START and (
                    fence := _FENCE.match(line)) and fence.group("item"):
                in_list = True  # a fence opened on a list item's first line
            elif in_list and kind != "comment" and _indent(line) < 2 and not list_quotes:
                in_list = False  # a block out of the items' indent: the list is over
            end = min(offset + sum(len(x) + 1 for x in lines[i : j + 1]), len(text))
            if kind != "comment":
                spans.append((offset, end))
            elif comments is not None:
                comments.append((offset, end))
            offset, i = end, j + 1
            prev_blank, prev_kind = False, "para" if kind in ("math", "html") else "code"
            continue
        if not line.strip():
            prev_blank, prev_kind = True, "blank"
        else:
            indent = _indent(line)
            if _BREAK.match(line) or (prev_kind == "para" and _UNDERLINE.match(line)):
                # a thematic break, or a setext underline: the paragraph (or list) is over,
                # and an indented line after it is code
                prev_kind = "heading"
                in_list = in_list and indent >= 2
            elif _LIST_ITEM.match(line):
                in_list, prev_kind, item_width = True, "list", _item_width(line)
                list_quotes = _quote_depth(line)
            elif prev_blank and indent < 2:
                in_list = False
                prev_kind = "heading" if _ATX.match(line) else "para"
            elif _ATX.match(line):
                prev_kind = "heading"
                in_list = in_list and indent >= 2  # a heading is no lazy line of an item
            else:
                prev_kind = "list" if in_list else "para"
            prev_blank = False
        offset += len(line) + 1
        i += 1
    return spans


def _block_at(lines: list[str], i: int, after_block: bool, can_interrupt_nothing: bool,
              in_list: bool, code_indent: int = 4) -> tuple[int, str] | None:
    """(last line, kind) of a code, math, HTML or comment block starting at line ``i``;
    indented code needs ``code_indent`` columns (4 past a list item's content in one)."""
    line = lines[i]
    fence = _FENCE.match(line) if ("`" in line or "~" in line) else None
    indent = _indent(line)
    if fence and (indent < 4 or in_list or fence.group("quote")) and not (
        fence.group("fence")[0] == "`" and "`" in fence.group("info")
    ):
        return _fence_end(lines, i, fence, in_list), "code"
    stripped = line.strip()
    if stripped.startswith("$$") and ("$$" not in stripped[2:]):
        return _next_line_with(lines, i, "$$"), "math"
    if stripped and indent >= code_indent and after_block:
        return i, "code"
    if "%%" in line and _COMMENT_OPEN.match(line):
        return _next_line_with(lines, i, "%%"), "comment"
    html = _html_block(line, can_interrupt_nothing)
    if html:
        return _html_end(lines, i, html), "html"
    return None


def _item_width(line: str) -> int:
    """The column where a list item's content starts: 1 to 4 spaces past its marker (more,
    and the content is indented code, which starts 1 space past it)."""
    line = line.expandtabs(4)
    marker = _LIST_ITEM.match(line)
    assert marker is not None
    head = len(line[: marker.end()].rstrip(" "))
    rest = line[head:]
    gap = len(rest) - len(rest.lstrip(" "))
    return head + (gap if 1 <= gap <= 4 and rest.strip() else 1)


def _next_line_with(lines: list[str], i: int, closer: str) -> int:
    """The first line after ``i`` that holds ``closer``, or the last line."""
    for j in range(i + 1, len(lines)):
        if closer in lines[j]:
            return j
    return len(lines) - 1


def _indent(line: str) -> int:
    """Width of the leading white space, tabs stopping at multiples of 4."""
    if not line.startswith("\t"):
        rest = line.lstrip(" ")
        if not rest.startswith("\t"):
            return len(line) - len(rest)
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _fence_end(lines: list[str], i: int, fence: re.Match[str], in_list: bool) -> int:
    """The closing fence's line. A fence never closed ends with the blockquote or list item
    it is in (a line with fewer ``>``, a line indented less than any list content), or else
    with the file."""
    char = fence.group("fence")[0]
    size = len(fence.group("fence"))
    closer = re.compile(r"^(?:[ \t]*>)*[ \t]*" + re.escape(char) + "{" + str(size) + r",}[ \t]*$")
    depth = fence.group("quote").count(">")
    # the list item it is in ends at a line indented less than the item's content: two
    # columns when the fence is a line of its own, past the marker when it follows one
    # (in a blockquote, its end is the fence's end)
    if fence.group("item"):
        width = 0 if depth else len((fence.group("item") + fence.group("indent")).expandtabs(4))
    else:
        width = 2 if in_list and _indent(fence.group("indent")) >= 2 else 0
    for j in range(i + 1, len(lines)):
        line = lines[j]
        if closer.match(line):
            return j
        if depth and _quote_depth(line) < depth:
            return j - 1
        if width and line.strip() and _indent(line) < width:
            return j - 1
    return len(lines) - 1


def _html_block(line: str, can_interrupt_nothing: bool) -> str | None:
    if "<" not in line:
        return None
    if _HTML1.match(line):
        return "1"
    if line.lstrip().startswith("<!--"):
        return None  # comments are handled inline, where they may span lines
    if _HTML6.match(line):
        return "6"
    if can_interrupt_nothing and _HTML7.match(line):
        return "7"
    return None


def _html_end(lines: list[str], i: int, kind: str) -> int:
    if kind == "1":
        closer = re.compile(r"</(?:script|pre|style|textarea)>", re.IGNORECASE)
        for j in range(i, len(lines)):
            if closer.search(lines[j]):
                return j
        return len(lines) - 1
    j = i
    while j + 1 < len(lines) and lines[j + 1].strip():
        j += 1
    return j


def _inline_spans(text: str, start: int) -> list[tuple[int, int]]:
    """Escapes, code spans, HTML comments and math, left to right as CommonMark reads them."""
    if not any(c in text for c in ("\\", "`", "<", "$")):
        return []
    return _Inline(text).spans(start)


def _paragraph_kind(text: str, line_start: int) -> tuple[bool, bool] | None:
    """What the line at ``line_start`` tells of the paragraph it is in: None when the line
    is a paragraph of its own (a heading, a table row), else (in a blockquote?, in a
    list?), which decides which lines may start another block after it."""
    if _ATX.match(text, line_start) or _ROW_AT.match(text, line_start):
        return None
    return (_QUOTED.match(text, line_start) is not None,
            _IN_LIST.match(text, line_start) is not None)


def block_starts_in(text: str, s: int, e: int) -> bool:
    """Does a line between offsets ``s`` and ``e`` start another block (a list item, a
    heading...), ending the paragraph that holds ``s``? Inline text such as a link's label
    may run over a line end, not past the end of its paragraph."""
    nl = text.find("\n", s, e)
    if nl == -1:
        return False
    kind = _paragraph_kind(text, text.rfind("\n", 0, s) + 1)
    return kind is None or _INTERRUPT[kind].search(text, nl, e) is not None


class _Inline:
    """One left-to-right pass; remembers what later openers need not look for again (a
    paragraph's end, a line without a closing ``$``, no ``-->`` left), so that the pass
    stays linear on text full of unclosed openers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.breaks: list[int] = []  # where paragraphs end, for code spans
        # per kind of line (quoted? in a list?): (searched from, first block start found
        # there, or the paragraph's end), so that openers do not each search the paragraph
        self.starts: dict[tuple[bool, bool], tuple[int, int]] = {}
        self.no_math_before = -1  # no closing "$" from here to the end of its line
        self.no_comment_close = False
        # per paragraph end: backtick run length -> starts and ends of such runs, found by
        # one scan, so that many unclosed openers do not each rescan the paragraph
        self.runs: dict[int, dict[int, tuple[list[int], list[int]]]] = {}

    def paragraph_end(self, s: int, e: int) -> int:
        """Where the paragraph holding the opener at ``s``..``e`` ends: at a blank line, or
        at a line that starts another block (a list item, a heading...); a heading's
        paragraph is its line."""
        if not self.breaks:
            self.breaks = [*(b.start() for b in _BLANK_LINE.finditer(self.text)),
                           len(self.text)]
        stop = self.breaks[bisect_left(self.breaks, e)]
        nl = self.text.find("\n", e, stop)
        if nl == -1:
            return stop
        kind = _paragraph_kind(self.text, self.text.rfind("\n", 0, s) + 1)
        if kind is None:
            return nl
        seen = self.starts.get(kind)
        if seen is not None and seen[0] <= nl <= seen[1]:
            return min(seen[1], stop)  # nothing starts between seen[0] and seen[1]
        found = _INTERRUPT[kind].search(self.text, nl, stop)
        end = stop if found is None else found.start()
        self.starts[kind] = (nl, end)
        return end

    def code_span_end(self, size: int, e: int) -> int | None:
        """End of the code span opened by ``size`` backticks before ``e``: the next run of
        exactly as many backticks in the same paragraph."""
        stop = self.paragraph_end(e - size, e)
        by_size = self.runs.get(stop)
        if by_size is None:  # openers come left to right: runs before e are never needed
            by_size = self.runs[stop] = {}
            for m in _BACKTICKS.finditer(self.text, e, stop):
                starts, ends = by_size.setdefault(m.end() - m.start(), ([], []))
                starts.append(m.start())
                ends.append(m.end())
        found = by_size.get(size)
        if not found:
            return None
        i = bisect_left(found[0], e)
        return found[1][i] if i < len(found[0]) else None

    def spans(self, pos: int) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        while (m := _INLINE.search(self.text, pos)) is not None:
            end = self.end(m.group(), m.start(), m.end())
            if end is None:
                pos = m.end()
            else:
                out.append((m.start(), end))
                pos = end
        return out

    def end(self, tok: str, s: int, e: int) -> int | None:
        text = self.text
        if tok[0] == "\\":
            return e
        if tok[0] == "`":
            return self.code_span_end(len(tok), e)
        if tok == "<!--":
            return self.comment_end(s, e)
        if tok[0] == "<":  # inline HTML is opaque (spec section 7, rule 3)
            if text[s - 2 : s] == "](":
                return None  # a link destination: [x](<My Note.md>)
            tag = _HTML_TAG.match(text, s)
            return tag.end() if tag else None
        if tok == "$$":
            close = text.find("$$", e)
            if close == -1 or _BLANK_LINE.search(text, e, close):
                return None
            return close + 2
        return self.math_end(e)

    def comment_end(self, s: int, e: int) -> int | None:
        close = -1 if self.no_comment_close else self.text.find("-->", e)
        if close != -1:
            return close + 3
        self.no_comment_close = True
        line_start = self.text.rfind("\n", 0, s) + 1
        return len(self.text) if not self.text[line_start:s].strip() else None

    def math_end(self, e: int) -> int | None:
        """``$`` opens math when not followed by white space; the closing ``$`` is not
        preceded by white space nor followed by a digit, on the same line."""
        text = self.text
        if e >= len(text) or text[e] in " \t\n$" or e < self.no_math_before:
            return None
        line_end = text.find("\n", e)
        line_end = len(text) if line_end == -1 else line_end
        close = _MATH_CLOSE.search(text, e, line_end)
        if close is None:
            self.no_math_before = line_end
            return None
        return close.end()


def table_rows(masked: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the GFM tables in ``masked``: a header row, a delimiter row
    with as many cells, and the rows after them up to a blank line."""
    if "|" not in masked:
        return []
    out: list[tuple[int, int]] = []
    for line_start in sorted({masked.rfind("\n", 0, hint.start()) + 1
                              for pattern in _DELIM_HINTS for hint in pattern.finditer(masked)}):
        if line_start == 0 or (out and line_start < out[-1][1]):
            continue  # the first line cannot be a delimiter row, nor a row of a table
        m = _TABLE_DELIM.match(masked, line_start)
        if m is None:
            continue
        head_start = masked.rfind("\n", 0, m.start() - 1) + 1
        head = masked[head_start : m.start() - 1]
        depth = m.group(1).count(">")
        if "|" not in head or _cells(head, depth) != _cells(m.group(), depth):
            continue
        end = m.end()
        while end < len(masked):
            nl = masked.find("\n", end + 1)
            nl = len(masked) if nl == -1 else nl
            row = masked[end + 1 : nl]
            if _quote_depth(row) != depth or not row.strip(" \t>"):
                break
            end = nl
        out.append((head_start, end))
    return out


def _cells(row: str, depth: int) -> int | None:
    """Number of cells in a table row inside ``depth`` blockquotes (None: other depth)."""
    if _quote_depth(row) != depth:
        return None
    row = row.lstrip(" \t>").strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return len(_PIPE.split(row))


def _quote_depth(line: str) -> int:
    """How many blockquote markers (``>``) start ``line``."""
    return line[: len(line) - len(line.lstrip(" \t>"))].count(">")
