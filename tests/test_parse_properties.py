"""Properties of the scanner that hold for any text (hypothesis).

For every input: ``parse_note`` does not raise; each body link's ``text`` is what the
normalised text (BOM dropped, CRLF and CR turned into LF) holds at its line and column;
each body tag's ``#name`` is there too, and so is each heading's ``#`` and block's ``^``;
``mask`` keeps the length and every newline, and only ever turns characters into spaces.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit.parse import mask, parse_note

TOKENS = [
    "[[", "]]", "|", "\\|", "#", "##", "# ", "#tag", "^id", " ^blk", "`", "```", "~~~", "$", "$$",
    "%%", "<!--", "-->", "<div>", "</div>", "---\n", "\n", "\r", "\r\n", "\n\n", " ", "    ",
    "\t", "[", "]", "(", ")", "](", "!", "\\", "> ", "- ", "1. ", "| --- |", "|-|", "===",
    "[[Note]]", "[x](y.md)", "[[a|b]]", "https://x.y/#z", "\ufeff", "é", "🎉", "日本",
    "\u00a0", "\u2028", ":", "tags: [a]\n", "a", "b", "x ",
]

YAML_LINES = [
    'up: "[[X]]"', "tags: [a, bat, '#c']", "tags:\n  - x\n  - y", 'links:\n  - "[[Y|y]]"',
    "a: [[Z]]", 'b: "[[A]], [[B]]"', "aliases: [A, B]", "c:\n  d: '[[E#F]]'", "bad: [",
    "e: 1", "e: 2", "- item",
]

LINKY = ["[[Note]]", "![[a|b]]", "[[x#^y]]", "[x](y.md)", "![i](<a b.png>)", " #tag", "\n#t/x",
         "[[", "]]", "|", "\n", " ^blk\n", "\n# H\n", "%%", "> ", "|---|---|\n"]
bodies = st.lists(st.sampled_from(TOKENS) | st.sampled_from(LINKY) | st.text(max_size=4),
                  max_size=60).map("".join)
frontmatters = st.lists(st.sampled_from(YAML_LINES) | bodies, max_size=5).map("\n".join)
texts = st.one_of(
    st.text(max_size=200),
    bodies,
    st.builds(lambda fm, body, eol: f"---\n{fm}\n---\n{body}".replace("\n", eol),
              frontmatters, bodies, st.sampled_from(["\n", "\r\n", "\r"])),
)

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def normalised(text: str) -> str:
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def at(lines: list[str], line: int, column: int, size: int) -> str:
    return lines[line - 1][column - 1 : column - 1 + size]


@SETTINGS
@given(texts)
def test_positions_point_at_what_was_found(text: str) -> None:
    note = parse_note("n.md", text)
    lines = normalised(text).split("\n")
    for link in note.links:
        if link.kind != "frontmatter":
            assert at(lines, link.line, link.column, len(link.text)) == link.text, link
    for tag in note.tags:
        if not tag.frontmatter:
            assert at(lines, tag.line, tag.column, len(tag.name) + 1) == "#" + tag.name, tag
    for h in note.headings:  # ATX: the first "#"; setext: the text of the line above
        rest = lines[h.line - 1][h.column - 1 :]
        assert rest.startswith("#") or (rest.startswith(h.text) and h.text), h
    for b in note.blocks:
        assert at(lines, b.line, b.column, len(b.id) + 1).lower() == "^" + b.id, b


@SETTINGS
@given(texts)
def test_frontmatter_links_point_at_their_text_when_written_plainly(text: str) -> None:
    note = parse_note("n.md", text)
    lines = normalised(text).split("\n")
    yaml_lines = lines[1 : lines.index("---", 1)] if "---" in lines[1:] else []
    for link in note.links:
        if link.kind == "frontmatter" and any(link.text in line for line in yaml_lines):
            assert at(lines, link.line, link.column, len(link.text)) == link.text, link


@SETTINGS
@given(texts, st.integers(min_value=0, max_value=20))
def test_mask_keeps_length_and_newlines(text: str, start: int) -> None:
    start = min(start, len(text))
    masked = mask(text, start)
    assert len(masked) == len(text)
    for a, b in zip(text, masked, strict=True):
        assert b == a or (b == " " and a != "\n"), (a, b)
    assert masked[:start].strip(" \n") == ""


@SETTINGS
@given(texts)
def test_line_ends_do_not_change_what_is_found(text: str) -> None:
    lf = normalised(text).lstrip("\ufeff")
    crlf = lf.replace("\n", "\r\n")
    assert parse_note("n.md", crlf) == parse_note("n.md", lf)
    assert parse_note("n.md", "\ufeff" + lf) == parse_note("n.md", lf)
