"""A hostile vault, built on demand (no committed binaries): what a disk, an editor, a sync
tool or an attacker can leave in a folder. Used by ``test_hostile.py`` and
``test_bounds.py``; ``python -m tests.hostile DIR [BIG_MB]`` writes one for a look by hand.

:func:`build` writes ``DIR/vault`` and a canary note in ``DIR/outside`` (which vaultkit
must never read), and returns a :class:`Corpus` saying which file problem each path is
expected to report, so the tests do not repeat the recipe.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MB = 1024 * 1024
CANARY = "canary.md"  # in the folder next to the vault: must never be read

# --- YAML frontmatter -----------------------------------------------------------------------


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """The classic exponential alias bomb (``width ** levels`` strings once expanded) with
    fewer than 100 ``*`` references."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]"
              for i in range(1, levels)]
    last = f"*a{levels - 1}"
    return "\n".join([*lines, f"tags: {last}", f"aliases: {last}", f"links: {last}"])


def doubling_bomb(count: int = 300) -> str:
    """A bomb of many references, each doubling the one before."""
    lines = ["k0: &k0 {x: '[[Target]]'}"]
    lines += [f"k{i}: &k{i} [*k{i - 1}, *k{i - 1}]" for i in range(1, count)]
    return "\n".join(lines)


def huge_frontmatter(size: int) -> str:
    line = "key_{:07d}: some value with [[Target]] in it\n"
    return "".join(line.format(i) for i in range(size // len(line.format(0)) + 1)).rstrip("\n")


FRONTMATTER: dict[str, tuple[str, str | None]] = {  # path -> (text, expected problem)
    "fm/malformed.md": ("---\ntitle: [unclosed\ntags: {a:\n---\nbody [[Target]]\n",
                        "bad-frontmatter"),
    "fm/tab-indent.md": ("---\ntags:\n\t- a\n---\n[[Target]]\n", "bad-frontmatter"),
    "fm/not-a-mapping.md": ("---\n- a\n- b\n---\n[[Target]]\n", "bad-frontmatter"),
    "fm/duplicate-keys.md": ("---\ntags: [a]\ntags: [b]\n---\n[[Target]]\n", "bad-frontmatter"),
    "fm/bad-date.md": ("---\ndate: 2024-02-30\n---\n[[Target]]\n", "bad-frontmatter"),
    "fm/python-tag.md": ("---\nx: !!python/object/apply:os.system ['echo pwned > PWNED']\n"
                         "---\n[[Target]]\n", "bad-frontmatter"),
    "fm/bomb-many.md": (f"---\n{doubling_bomb()}\n---\nbody [[Target]]\n", "bad-frontmatter"),
    "fm/huge.md": (f"---\n{huge_frontmatter(int(1.5 * MB))}\n---\nbody [[Target]]\n",
                   "bad-frontmatter"),
    "fm/bomb.md": (f"---\n{billion_laughs()}\n---\nbody [[Target]]\n", None),
    "fm/deep-flow.md": ("---\nx: " + "[" * 5_000 + "]" * 5_000 + "\n---\nbody [[Target]]\n",
                        "bad-frontmatter"),
    "fm/binary-tag.md": ("---\nx: !!binary AAEC\ntags: [ok]\n---\n[[Target]]\n", None),
    "fm/unclosed.md": ("---\ntags: [x]\n[[Target]]\n", None),  # no frontmatter at all
    "fm/only-dashes.md": ("---\n---\n---\n[[Target]]\n", None),
    "fm/wide.md": ("---\n" + "".join(f"k{i}: '[[T{i}]]'\n" for i in range(5_000)) + "---\n",
                   None),
}

# --- encodings and line ends ---------------------------------------------------------------

BODY = "# Title\n[[Target]] #enc\n"

ENCODINGS: dict[str, tuple[bytes, str | None]] = {
    "enc/binary.md": (bytes(range(256)) * 64, "binary-file"),
    "enc/png-named-md.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200,
                            "binary-file"),
    "enc/utf16-nobom.md": (BODY.encode("utf-16-le"), "binary-file"),
    "enc/nul-early.md": (b"[[Target]]\x00\x00", "binary-file"),
    "enc/latin1.md": ("Café [[Target]] #latin\n".encode("latin-1"), "bad-encoding"),
    "enc/cp1252.md": ("“quoted” [[Target]]\n".encode("cp1252"), "bad-encoding"),
    "enc/utf16-odd.md": (b"\xff\xfe" + BODY.encode("utf-16-le") + b"\x00", "bad-encoding"),
    "enc/overlong.md": (b"\xc0\xaf [[Target]]\n", "bad-encoding"),
    "enc/surrogate.md": (b"\xed\xa0\x80 [[Target]]\n", "bad-encoding"),
    "enc/utf16le.md": (b"\xff\xfe" + BODY.encode("utf-16-le"), None),
    "enc/utf16be.md": (b"\xfe\xff" + BODY.encode("utf-16-be"), None),
    "enc/utf8-bom.md": (b"\xef\xbb\xbf---\ntags: [bom]\n---\n" + BODY.encode(), None),
    "enc/crlf.md": (b"---\r\ntags: [crlf]\r\n---\r\n# H\r\n[[Target]]\r\n", None),
    "enc/cr.md": (b"---\rtags: [cr]\r---\r# H\r[[Target]]\r", None),
    "enc/nul-late.md": (b"x" * 9000 + b"\x00 [[Target]] #late\n", None),
    "enc/empty.md": (b"", None),
    "enc/only-bom.md": (b"\xef\xbb\xbf", None),
    "names/line\nbreak\u202e binary.md": (b"\x00\x01\x02", "binary-file"),
}

# --- sizes and shapes ------------------------------------------------------------------------


def prose(size: int) -> str:
    """``size`` characters of a long note as people write them: paragraphs, a heading now
    and then, a link and a tag every few lines, some code."""
    words = ("lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit",
             "sed", "do", "eiusmod")
    parts = []
    for i in range(size // 60 + 1):
        line = " ".join(words[(i + k * 7) % len(words)] for k in range(9))
        if i % 10 == 0:
            line += f" [[Target]] [[Missing {i % 100}]] #topic/t{i % 20}"
        if i % 200 == 0:
            line = f"\n## Part {i}\n```\n[[in code]]\n```\n{line}"
        parts.append(line + "\n")
    return "".join(parts)[:size]


SHAPES: dict[str, str] = {
    "shape/links-100k.md": "".join(f"[[n{i % 10}]] " for i in range(100_000)) + "\n",
    "shape/deep-quote.md": ">" * 10_000 + " [[Target]]\n" + "".join(
        ">" * i + " [[Target]]\n" for i in range(1, 1_000)),
    "shape/deep-list.md": "- " * 10_000 + "[[Target]]\n" + "".join(
        "  " * i + "- [[Target]]\n" for i in range(1_000)),
    "shape/deep-brackets.md": "[" * 100_000 + "[[Target]]" + "]" * 100_000 + "\n",
    "shape/unclosed-fence.md": "[[Target]]\n```\n[[Hidden]]\n",
    "shape/unclosed-tilde.md": "~~~~\n[[Hidden]]\n",
    "shape/unclosed-comment.md": "[[Target]]\n%%\n[[InComment]]\n",
    "shape/unclosed-html-comment.md": "[[Target]]\n<!--\n[[Hidden]]\n",
    "shape/unclosed-math.md": "[[Target]]\n$$\n[[Hidden]]\n",
    "shape/unclosed-link.md": "[[" * 50_000 + "\n" + "[x](" * 50_000 + "\n",
    "shape/long-line.md": "a" * (2 * MB) + " [[Target]]\n",
    "shape/many-lines.md": "\n" * 500_000 + "[[Target]]\n",
    "shape/control-chars.md": "a\x01\x02\x1b[31m [[Tar\x7fget]] \u2028 [[Target]]\u2029\n",
}

# --- names ---------------------------------------------------------------------------------------

NFD_NAME = unicodedata.normalize("NFD", "Café")
LONG_ASCII = "a" * 252  # + ".md": 255 bytes, the longest name most file systems allow
LONG_WIDE = "é" * 126  # 252 bytes in UTF-8, + ".md"
NAMES: dict[str, str] = {
    f"names/{NFD_NAME}.md": "written in NFD\n",
    "names/عربي.md": "right to left\n",
    "names/a\u202eevil.md": "right-to-left override\n",
    "names/🎉 party.md": "emoji\n",
    "names/zero\u200bwidth.md": "zero width space\n",
    f"names/{LONG_ASCII}.md": "a 255-byte name\n",
    f"names/{LONG_WIDE}.md": "a 255-byte name of two-byte characters\n",
    "names/line\nbreak.md": "a newline in the name\n",
    "names/tab\tname.md": "a tab in the name\n",
    "names/links.md": (
        f"[[Café]] [[café]] [[CAFÉ]] [[{NFD_NAME}]] [[عربي]] [[🎉 party]] [[zero\u200bwidth]]\n"
        f"[[{LONG_ASCII}]] [[{LONG_WIDE}]] [[a\u202eevil]]\n"
    ),
}

BASE: dict[str, str] = {
    "Target.md": "# Target\nthe note every hostile file links to ^blk\n",
    "Hub.md": "[[Target]] [[names/links]]\n",
    **{f"n{i}.md": "a tenth of the 100,000 links on one line land here\n" for i in range(10)},
}


@dataclass
class Corpus:
    root: Path
    outside: Path  # next to the vault, holding the canary
    canary: Path
    expected: dict[str, str] = field(default_factory=dict)  # vault path -> problem code
    skipped: set[str] = field(default_factory=set)  # on disk but never indexed


def build(base: Path, *, big: int = 5 * MB) -> Corpus:
    """Write the hostile vault to ``base/vault`` and a canary to ``base/outside``."""
    root = base / "vault"
    outside = base / "outside"
    (outside / "sub").mkdir(parents=True, exist_ok=True)
    canary = outside / CANARY
    canary.write_text("# Canary\nIf vaultkit reads this, it left the vault. [[Target]]\n")
    (outside / "sub" / "other.md").write_text("outside too\n")
    (root / ".obsidian").mkdir(parents=True, exist_ok=True)
    corpus = Corpus(root, outside, canary)
    texts = {**BASE, **SHAPES, **NAMES, **{p: t for p, (t, _) in FRONTMATTER.items()}}
    if big:
        texts["shape/big.md"] = prose(big)
    for rel, text in texts.items():
        _write(root / rel, text.encode("utf-8"))
    for rel, (data, _) in ENCODINGS.items():
        _write(root / rel, data)
    for table in (FRONTMATTER, ENCODINGS):
        corpus.expected.update({p: code for p, (_, code) in table.items() if code})
    _bad_name(root, corpus)
    _symlinks(root, outside, corpus)
    _bounds(root, outside)
    _long_paths(root, corpus)
    return corpus


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _bad_name(root: Path, corpus: Corpus) -> None:
    """A name that is not UTF-8 (Linux allows any bytes but ``/`` and NUL)."""
    try:
        with open(os.fsencode(root / "names") + b"/latin1-caf\xe9.md", "wb") as f:
            f.write(b"[[Target]]\n")
    except OSError:  # a file system insisting on UTF-8 names
        return
    corpus.expected["names/latin1-caf\\xe9.md"] = "bad-name"


SYMLINKS = {  # name in links/ -> (target, expected problem or None when silently skipped)
    "inside.md": ("../Target.md", None),  # a file inside the vault: used
    "broken.md": ("does-not-exist.md", "bad-symlink"),
    "self-loop.md": ("self-loop.md", "bad-symlink"),
    "loop-a.md": ("loop-b.md", "bad-symlink"),
    "loop-b.md": ("loop-a.md", "bad-symlink"),
    "escape.md": ("{outside}/" + CANARY, "bad-symlink"),
    "escape-rel.md": ("../../outside/" + CANARY, "bad-symlink"),
    "outside-dir": ("{outside}", "bad-symlink"),
    "dev-null.md": (os.devnull, "bad-symlink"),
    "parent-dir": ("..", None),  # a folder inside the vault: Obsidian ignores these
    "root-dir": ("{root}", None),
}


def _symlinks(root: Path, outside: Path, corpus: Corpus) -> None:
    links = root / "links"
    links.mkdir()
    for name, (target, code) in SYMLINKS.items():
        os.symlink(target.format(outside=outside, root=root), links / name)
        if code:
            corpus.expected[f"links/{name}"] = code
        if name != "inside.md":
            corpus.skipped.add(f"links/{name}")
    (links / "linked.md").write_text("[[inside]] [[links/outside-dir/canary]]\n")
    with contextlib.suppress(OSError):  # a FIFO: opening it for reading would block
        os.mkfifo(links / "fifo.md")
        corpus.expected["links/fifo.md"] = "unreadable"
        corpus.skipped.add("links/fifo.md")


def canary_links(outside: Path) -> list[str]:
    """Every way a link can try to name the canary outside the vault."""
    stem = CANARY[:-3]
    absolute = (outside / CANARY).as_posix()
    return [
        f"[[../outside/{stem}]]", f"[[../../outside/{stem}]]", f"[[../outside/{CANARY}]]",
        f"[[{'../' * 12}{absolute.lstrip('/')}]]", f"[[{absolute}]]", f"[[{absolute[:-3]}]]",
        f"![[../outside/{CANARY}]]", f"[[./../outside/{stem}]]", f"[[..\\outside\\{stem}]]",
        f"[[~/../{absolute.lstrip('/')}]]", f"[[//{absolute.lstrip('/')}]]",
        f"[x](../outside/{CANARY})", f"[x](../../outside/{CANARY})", f"[x]({absolute})",
        f"[x](<{absolute}>)", f"[x](file://{absolute})", f"[x](file:{absolute})",
        f"[x](<../outside/{CANARY}>)", f"[x](%2e%2e/outside/{CANARY})",
        f"[x](%2E%2E%2Foutside%2F{CANARY})", f"[x](..%2foutside%2f{CANARY})",
        f"[x](.%2e/outside/{CANARY})", f"[x](%2Ftmp%2F..{absolute})", f"![x](../outside/{CANARY})",
        f"[[links/outside-dir/{stem}]]", "[[links/outside-dir/sub/other]]", "[[links/escape]]",
        "[[links/escape-rel]]", "[[escape]]", "[[outside-dir/sub/other]]", f"[[{stem}]]",
        "[[../../../../etc/passwd]]", "[[/etc/passwd]]", "[x](/etc/passwd)",
        "[x](file:///etc/passwd)", "[[links/dev-null]]",
    ]


def _bounds(root: Path, outside: Path) -> None:
    (root / "bounds").mkdir()
    (root / "bounds" / "escape-links.md").write_text("\n".join(canary_links(outside)) + "\n")
    (root / "bounds" / "escape-frontmatter.md").write_text(
        f"---\nup: '[[../outside/{CANARY[:-3]}]]'\nabs: '[[{(outside / CANARY).as_posix()}]]'"
        "\n---\n")


def _long_paths(root: Path, corpus: Corpus) -> None:
    """Folders nested until the absolute path is just under PATH_MAX with a note there,
    then two more levels past PATH_MAX (made through folder descriptors) with another."""
    limit = os.pathconf(root, "PC_PATH_MAX")
    segment = "d" * 200
    rel = "long"
    (root / rel).mkdir()
    while len(os.fsencode(root / rel)) + len(segment) + 1 + 64 < limit:
        rel += "/" + segment
        (root / rel).mkdir()
    (root / rel / "deep.md").write_text("[[Target]] near PATH_MAX\n")
    fds = [os.open(root / rel, os.O_RDONLY)]
    try:
        for _ in range(2):
            os.mkdir(segment, dir_fd=fds[-1])
            fds.append(os.open(segment, os.O_RDONLY, dir_fd=fds[-1]))
        note = os.open("beyond.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fds[-1])
        os.write(note, b"[[Target]] beyond PATH_MAX\n")
        os.close(note)
    finally:
        for fd in fds:
            os.close(fd)
    beyond = [f"{rel}/{segment}", f"{rel}/{segment}/{segment}",
              f"{rel}/{segment}/{segment}/beyond.md"]
    first = next(p for p in beyond if len(os.fsencode(root / p)) >= limit)
    corpus.expected[first] = "unreadable"  # its path is too long to look at
    corpus.skipped.add(beyond[-1])


def make_nest(root: Path, depth: int) -> str:
    """Folders ``nest/n/n/...`` ``depth`` deep with a note at the bottom; returns its vault
    path. Remove them with :func:`remove_nest`: ``os.makedirs`` and ``shutil.rmtree``
    (pytest's clean-up too) recurse, and fail past Python's recursion limit."""
    (root / "nest").mkdir()
    fd = os.open(root / "nest", os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("n", dir_fd=fd)
            inner = os.open("n", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        note = os.open("bottom.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(note, b"[[Target]] at the bottom\n")
        os.close(note)
    finally:
        os.close(fd)
    return "nest/" + "n/" * depth + "bottom.md"


def remove_nest(root: Path) -> None:
    folders = []
    here = str(root / "nest")
    while os.path.isdir(here):
        folders.append(here)
        with os.scandir(here) as entries:
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False):
                    os.unlink(entry.path)
        here = os.path.join(here, "n")
    for folder in reversed(folders):
        os.rmdir(folder)


# --- comparing an index with a rebuild, measuring a command --------------------------------


def index_dump(root: Path) -> dict[str, Counter[tuple[object, ...]]]:
    """Every row of the index with file ids replaced by paths: two indexes of the same
    files are equal exactly when their dumps are."""
    con = sqlite3.connect(root / ".vaultkit" / "index.db")
    try:
        paths = dict(con.execute("SELECT id, path FROM files"))
        out = {"files": Counter(con.execute(
            "SELECT path, name_key, is_note, excluded, mtime_ns, size FROM files"))}
        out["links"] = Counter(
            (paths[row[0]], *row[1:-1], paths.get(row[-1])) for row in con.execute(
                "SELECT src, line, col, text, target, subpath, display, embed, kind, key,"
                " context, name_key, dst FROM links"))
        for table in ("tags", "headings", "blocks", "aliases", "problems"):
            out[table] = Counter((paths[row[0]], *row[1:])
                                 for row in con.execute(f"SELECT * FROM {table}"))
        return out
    finally:
        con.close()


# ru_maxrss of a process started by (v)fork + exec counts the parent's pages too (Linux
# keeps the old memory's high-water mark across exec): read VmHWM, this process's own.
_MEASURED = """
import re, resource, sys
from vaultkit.cli import main
try:
    main()
finally:
    try:
        with open("/proc/self/status") as f:
            own = int(re.search(r"VmHWM:\\s*(\\d+)", f.read()).group(1))
    except OSError:
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(f"peak-rss-kb {peak}", file=sys.stderr)
"""


def run_measured(*args: str, timeout: float = 300, **kwargs: Any
                 ) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run ``vaultkit ARGS`` in a new process: (the finished process, its peak RSS in KB,
    its worker processes included)."""
    proc = subprocess.run([sys.executable, "-c", _MEASURED, *args], capture_output=True,
                          text=True, timeout=timeout, **kwargs)
    lines = proc.stderr.splitlines()
    peak = next(int(line.split()[1]) for line in reversed(lines)
                if line.startswith("peak-rss-kb "))
    proc.stderr = "\n".join(line for line in lines if not line.startswith("peak-rss-kb "))
    return proc, peak


if __name__ == "__main__":
    made = build(Path(sys.argv[1]), big=int(float(sys.argv[2]) * MB) if len(sys.argv) > 2
                 else 5 * MB)
    print(made.root)
