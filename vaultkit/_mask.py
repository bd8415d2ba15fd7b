"""Blank out the regions Obsidian's metadata parser does not read links or tags from.

``mask(text, start)`` returns a string of the same length in which fenced and indented
code, code spans, ``$$``/``$`` math, HTML comments and HTML blocks (and everything before
``start``, the frontmatter) are replaced by spaces; newlines stay, so every offset, line
and column in the result is the same as in ``text``. Escaped ``\\[``, ``\\#``, ``\\$``,
``\\```, ``\\!`` are blanked too, so they never start a link, tag, span or math.
``%%comments%%`` are kept: Obsidian indexes what they contain (spec section 7, rule 4).

Pure: text in, text out.
"""

from __future__ import annotations

import re

_NOT_NL = re.compile(r"[^\n]")
_FENCE = re.compile(
    r"^(?P<quote>(?:[ \t]*>)*)(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_HTML6 = re.compile(
    r"^ {0,3}</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|"
    r"colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|"
    r"frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|"
    r"noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|"
    r"thead|title|tr|track|ul)(?:[\s/>]|$)", re.IGNORECASE)
_HTML1 = re.compile(r"^ {0,3}<(script|pre|style|textarea)(?:[\s>]|$)", re.IGNORECASE)
_HTML7 = re.compile(
    r"^ {0,3}(?:<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|"
    r"[^\s\"'=<>`]+))?)*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)[ \t]*$")
_INLINE = re.compile(r"\\[\\\[#$`!]|`+|<!--|\$\$?")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def blank(text: str) -> str:
    return _NOT_NL.sub(" ", text)


def mask(text: str, start: int = 0) -> str:
    """``text`` with every region that holds no links or tags replaced by spaces."""
    spans: list[tuple[int, int]] = [(0, start)] if start else []
    spans.extend(_block_spans(text, start))
    partly = _apply(text, spans)
    spans.extend(_inline_spans(partly, start))
    return _apply(text, spans)


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


def _block_spans(text: str, start: int) -> list[tuple[int, int]]:
    """Fenced code, indented code, ``$$`` math blocks and HTML blocks, line by line."""
    if not any(c in text for c in ("```", "~~~", "    ", "\t", "$$", "<")):
        return []
    spans: list[tuple[int, int]] = []
    lines = text[start:].split("\n")
    offset = start
    prev_blank = True  # the start of the body counts as after a blank line
    prev_kind = "blank"  # blank, para, list, code, heading
    in_list = False
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        begin = offset
        stripped = line.strip()
        fence = _FENCE.match(line) if ("`" in line or "~" in line) else None
        indent = _indent(line)
        if fence and (indent < 4 or in_list or fence.group("quote")) and not (
            fence.group("fence")[0] == "`" and "`" in fence.group("info")
        ):
            j = _fence_end(lines, i, fence)
            end = begin + sum(len(x) + 1 for x in lines[i : j + 1])
            spans.append((begin, min(end, len(text))))
            offset = end
            i = j + 1
            prev_blank, prev_kind = False, "code"
            continue
        if stripped.startswith("$$") and ("$$" not in stripped[2:]):
            j = i + 1
            while j < n and "$$" not in lines[j]:
                j += 1
            end = begin + sum(len(x) + 1 for x in lines[i : j + 1])
            spans.append((begin, min(end, len(text))))
            offset, i = end, j + 1
            prev_blank, prev_kind = False, "para"
            continue
        if stripped and indent >= 4 and not in_list and (prev_blank or prev_kind in (
                "code", "heading")):
            spans.append((begin, begin + len(line)))
            offset += len(line) + 1
            i += 1
            prev_blank, prev_kind = False, "code"
            continue
        html = _html_block(line, prev_blank or prev_kind != "para")
        if html:
            j = _html_end(lines, i, html)
            end = begin + sum(len(x) + 1 for x in lines[i : j + 1])
            spans.append((begin, min(end, len(text))))
            offset, i = end, j + 1
            prev_blank, prev_kind = False, "para"
            continue
        if not stripped:
            prev_blank, prev_kind = True, "blank"
        else:
            if _LIST_ITEM.match(line):
                in_list, prev_kind = True, "list"
            elif prev_blank and indent < 2:
                in_list = False
                prev_kind = "heading" if _ATX.match(line) else "para"
            else:
                prev_kind = "heading" if _ATX.match(line) else (
                    "list" if in_list else "para")
            prev_blank = False
        offset += len(line) + 1
        i += 1
    return spans


def _indent(line: str) -> int:
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _fence_end(lines: list[str], i: int, fence: re.Match[str]) -> int:
    char = fence.group("fence")[0]
    size = len(fence.group("fence"))
    closer = re.compile(r"^(?:[ \t]*>)*[ \t]*" + re.escape(char) + "{" + str(size) + r",}[ \t]*$")
    for j in range(i + 1, len(lines)):
        if closer.match(lines[j]):
            return j
    return len(lines) - 1  # never closed: the rest of the file is code


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
    if not any(c in text for c in ("\\", "`", "<!--", "$")):
        return []
    spans: list[tuple[int, int]] = []
    pos = start
    while True:
        m = _INLINE.search(text, pos)
        if m is None:
            return spans
        tok = m.group()
        s = m.start()
        end = _inline_end(text, tok, s, m.end())
        if end is None:
            pos = m.end()
            continue
        spans.append((s, end))
        pos = end


def _inline_end(text: str, tok: str, s: int, e: int) -> int | None:
    if tok[0] == "\\":
        return e
    if tok[0] == "`":
        return _code_span_end(text, tok, e)
    if tok == "<!--":
        close = text.find("-->", e)
        if close == -1:
            at_line_start = s == 0 or text[s - 1] == "\n" or not text[text.rfind(
                "\n", 0, s) + 1 : s].strip()
            return len(text) if at_line_start else None
        return close + 3
    if tok == "$$":
        close = text.find("$$", e)
        if close == -1 or _BLANK_LINE.search(text, e, close):
            return None
        return close + 2
    return _inline_math_end(text, e)


def _code_span_end(text: str, tok: str, e: int) -> int | None:
    size = len(tok)
    limit = _BLANK_LINE.search(text, e)
    stop = limit.start() if limit else len(text)
    for m in re.finditer("`+", text[e:stop]):
        if len(m.group()) == size:
            return e + m.end()
    return None


def _inline_math_end(text: str, e: int) -> int | None:
    """``$`` opens math when not followed by white space; the closing ``$`` is not
    preceded by white space nor followed by a digit, on the same line."""
    if e >= len(text) or text[e] in " \t\n$":
        return None
    line_end = text.find("\n", e)
    if line_end == -1:
        line_end = len(text)
    k = e
    while True:
        k = text.find("$", k, line_end)
        if k == -1:
            return None
        if text[k - 1] not in " \t\\" and not (k + 1 < len(text) and text[k + 1].isdigit()):
            return k + 1
        k += 1
