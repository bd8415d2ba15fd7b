#!/usr/bin/env python3
"""Generate a synthetic, deterministic Obsidian vault for benchmarking vaultkit.

Usage::

    python benchmarks/gen_vault.py OUT_DIR --notes N [--seed S] [--force]

or, from Python, ``generate(Path("out"), notes=1000, seed=0)``, which returns counts of what
it wrote (``notes``, ``attachments``, ``links``, ``broken_links``, ...).

The vault looks like a real one: notes in nested folders, a few hub notes that collect most
backlinks (Zipf-distributed link targets), every link form Obsidian knows, frontmatter with
tags, aliases and a quoted link, headings, block ids, body tags, lists, a few fenced code
blocks and code spans holding fake links and tags, ``%% comments %%``, and small binary
attachments, some of them never linked. A few percent of the links are broken on purpose
(missing names, near-miss typos of real names, missing attachments).

Ground truth, so the counts can be checked against an indexer: every internal link is
written so it resolves unambiguously by Obsidian's rules (``docs/resolution.md``) — a name
shared by two notes is always linked by its full path — and every broken link names
nothing in the vault. Fake links live only inside code; comments hold no links. A link to
a missing heading or block of an existing note is resolved (not broken) and is counted in
``missing_subpaths``.

The same seed always gives a byte-identical vault: one ``random.Random(seed)`` drives
everything and nothing is iterated from an unordered set. A ``.vaultkit-generated`` marker
is written when the vault is complete (``.vaultkit-generating`` while it is being written);
``--force`` only ever clears a folder holding one of them, so it never deletes user data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import random
import shutil
import sys
import time
from bisect import bisect_right
from pathlib import Path
from typing import Any

__all__ = ["MARKER", "GenerateError", "generate", "main"]

MARKER = ".vaultkit-generated"
MARKER_PARTIAL = ".vaultkit-generating"
GENERATOR_VERSION = 1
ATTACHMENT_DIR = "attachments"

# A valid 1x1 transparent PNG (67 bytes).
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e5270de40000000049454e44ae426082"
)
JPEG_STUB = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")

_ONSETS = (
    "b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
    "br", "ch", "cr", "dr", "fl", "gr", "kl", "pl", "pr", "sh", "st", "th", "tr", "",
)  # fmt: skip
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "io", "y")
_CODAS = ("", "", "", "", "", "", "n", "r", "s", "l", "m", "nd", "rk", "st", "th", "x")
_FUNCTION_WORDS = (
    "the", "and", "of", "to", "in", "with", "for", "on", "is", "that", "as", "by", "from",
    "this", "it", "we", "not", "but", "or", "an", "are", "be", "was", "which", "more",
)  # fmt: skip
_RESERVED_WORDS = frozenset(("true", "false", "yes", "no", "on", "off", "null", "none"))
_UNICODE_WORDS = ("café", "naïve", "Zürich", "résumé", "東京", "Ελλάδα", "🙂", "façade")
_HEADINGS = (
    "Overview", "Background", "Summary", "Details", "Open Questions", "Next Steps",
    "References", "Ideas", "Notes", "Context", "Examples", "Related", "Log", "Tasks",
    "Key Points", "Problems", "Results", "Method", "Timeline", "Sources",
)  # fmt: skip
_TAG_ROOTS = ("project", "area", "status", "topic", "type", "source", "idea", "meeting")
_CODE_LANGS = ("", "markdown", "python", "js", "text", "bash")
_EXTERNAL = (
    "https://example.com/{w}",
    "https://en.wikipedia.org/wiki/{W}",
    "https://github.com/example/{w}",
    "http://blog.example.org/{w}.html",
    "mailto:{w}@example.com",
)

# Link kinds and their weights (per link). "external" is not an internal link.
_KINDS = ("wiki", "alias", "heading", "block", "embed", "attach", "md", "external", "broken")
_KIND_CUM = list(itertools.accumulate((34, 12, 10, 5, 4, 8, 10, 6, 3)))
_ZIPF_EXPONENT = 0.9


class GenerateError(Exception):
    """The output folder cannot be used (not empty, not a generated vault, a file)."""


# --------------------------------------------------------------------------- vocabulary


def _make_words(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    words: list[str] = []
    while len(words) < count:
        syllables = rng.choices((1, 2, 3), weights=(3, 6, 1), k=1)[0]
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + (rng.choice(_CODAS) if s else "")
            for s in range(syllables, 0, -1)
        )
        if (
            3 <= len(word) <= 9
            and word not in seen
            and word not in _FUNCTION_WORDS
            and word not in _RESERVED_WORDS
        ):
            seen.add(word)
            words.append(word)
    return words


def _make_sentences(rng: random.Random, words: list[str], count: int) -> list[tuple[str, str]]:
    """Sentences split in two halves, so a link or tag can be put in the middle cheaply."""
    out: list[tuple[str, str]] = []
    for _ in range(count):
        n = rng.randint(6, 16)
        ws = [
            rng.choice(_FUNCTION_WORDS) if rng.random() < 0.45 else rng.choice(words)
            for _ in range(n)
        ]
        if rng.random() < 0.03:
            ws[rng.randrange(n)] = rng.choice(_UNICODE_WORDS)
        ws[0] = ws[0].capitalize()
        cut = rng.randint(2, n - 2)
        end = rng.choices((".", ".", ".", "?", "!"), k=1)[0]
        out.append((" ".join(ws[:cut]), " ".join(ws[cut:]) + end))
    return out


def _make_tags(rng: random.Random, words: list[str]) -> list[str]:
    roots = list(_TAG_ROOTS) + rng.sample(words, 12)
    tags: list[str] = []
    for root in roots:
        tags.append(root)
        for child in rng.sample(words, rng.randint(0, 6)):
            tags.append(f"{root}/{child}")
            if rng.random() < 0.15:
                tags.append(f"{root}/{child}/{rng.choice(words)}")
    return tags


def _name(rng: random.Random, words: list[str]) -> str:
    k = rng.choices((1, 2, 3, 4), weights=(20, 50, 25, 5), k=1)[0]
    ws = rng.choices(words, k=k)
    r = rng.random()
    if r < 0.75:
        return " ".join(w.capitalize() for w in ws)
    if r < 0.87:
        return "-".join(ws)
    return " ".join(w.capitalize() for w in ws) + f" {rng.randint(1, 99)}"


def _typo(rng: random.Random, name: str) -> str:
    chars = list(name)
    letters = [i for i, c in enumerate(chars) if c.isalpha()]
    i = rng.choice(letters)
    op = rng.randrange(3)
    if op == 0 and len(letters) > 3:
        del chars[i]
    elif op == 1 and i + 1 < len(chars) and chars[i + 1].isalpha() and chars[i] != chars[i + 1]:
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    else:
        c = rng.choice("aeioulnrst")
        chars[i] = c.upper() if chars[i].isupper() else c
    return "".join(chars)


# --------------------------------------------------------------------------- output folder


def _prepare(out: Path, force: bool) -> None:
    """Make ``out`` an empty folder holding only the in-progress marker."""
    if out.exists() and not out.is_dir():
        raise GenerateError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    with os.scandir(out) as it:
        entries = sorted(it, key=lambda e: e.name)
    if entries:
        if not force:
            raise GenerateError(f"{out} is not empty (use --force to replace a generated vault)")
        if not ((out / MARKER).is_file() or (out / MARKER_PARTIAL).is_file()):
            raise GenerateError(
                f"{out} is not empty and holds no {MARKER} marker: "
                "not a generated vault, refusing to delete it"
            )
    # The in-progress marker goes first and stays until the vault is complete, so an
    # interrupted clear or generation can be redone with --force, while the final marker
    # (which benchmarks/run.py takes as "this cached vault is complete") is gone at once.
    (out / MARKER_PARTIAL).write_text("generation in progress\n", encoding="utf-8")
    for entry in entries:
        if entry.name == MARKER_PARTIAL:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


# --------------------------------------------------------------------------- the generator


def generate(out: Path, notes: int, seed: int = 0, *, force: bool = False) -> dict[str, Any]:
    """Write a vault of ``notes`` notes into ``out``; return counts of what was written.

    ``out`` must be missing or empty; with ``force`` a folder holding the generator's
    marker file is cleared first. Raises :class:`GenerateError` otherwise.
    """
    if notes < 1:
        raise GenerateError("--notes must be at least 1")
    out = Path(out)
    _prepare(out, force)
    rng = random.Random(seed)
    root = str(out)
    n = notes

    words = _make_words(rng, 3000)
    sentences = _make_sentences(rng, words, 4000)
    tag_vocab = _make_tags(rng, words)

    # Folders: ~sqrt(N)/2 of them, nested up to three deep.
    n_folders = max(1, round(math.sqrt(n) / 2))
    folders: list[str] = []
    depth: dict[str, int] = {}
    taken = {ATTACHMENT_DIR}
    while len(folders) < n_folders:
        parents = [p for p in folders if depth[p] < 3]
        parent = rng.choice(parents) if parents and rng.random() < 0.6 else ""
        k = rng.choices((1, 2), weights=(3, 1), k=1)[0]
        base = " ".join(w.capitalize() for w in rng.choices(words, k=k))
        path = f"{parent}/{base}" if parent else base
        if path.lower() in taken:
            continue
        taken.add(path.lower())
        folders.append(path)
        depth[path] = depth.get(parent, 0) + 1
    locations = ["", *folders]
    loc_weights = [rng.uniform(0.2, 2.0) for _ in folders]
    loc_weights.insert(0, max(1.0, 0.08 * sum(loc_weights)))
    folder_of = rng.choices(range(len(locations)), weights=loc_weights, k=n)

    # Note names, unique case-insensitively ...
    names: list[str] = []
    lower_names: set[str] = set()
    while len(names) < n:
        name = _name(rng, words)
        if name.lower() not in lower_names:
            lower_names.add(name.lower())
            names.append(name)
    # ... except ~2% of notes, which share their name with a note in another folder.
    dup = [False] * n
    if n >= 4 and folders:
        for _ in range(max(1, round(n * 0.01))):
            for _attempt in range(20):
                a, b = rng.randrange(n), rng.randrange(n)
                if a != b and not dup[a] and not dup[b] and folder_of[a] != folder_of[b]:
                    lower_names.discard(names[b].lower())
                    names[b] = names[a]
                    dup[a] = dup[b] = True
                    break

    paths: list[str] = []  # vault path without ".md"
    link_name: list[str] = []  # how a wikilink names the note, unambiguously
    for i in range(n):
        folder = locations[folder_of[i]]
        path = f"{folder}/{names[i]}" if folder else names[i]
        paths.append(path)
        link_name.append(path if dup[i] else names[i])
    hrefs = [p.replace(" ", "%20") + ".md" for p in paths]

    # Per-note plan: size, headings, block ids (needed before any note links to them).
    sizes: list[int] = []
    headings: list[list[str]] = []
    block_ids: list[list[str]] = []
    alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
    for _ in range(n):
        size = int(min(7200.0, max(500.0, rng.lognormvariate(7.5, 0.6))))
        sizes.append(size)
        count = min(8, 1 + size // 1100 + rng.randint(0, 1))
        hs: list[str] = []
        while len(hs) < count:
            if rng.random() < 0.5:
                h = rng.choice(_HEADINGS)
            else:
                h = " ".join(rng.choices(words, k=rng.randint(1, 3))).capitalize()
            if h not in hs:
                hs.append(h)
        headings.append(hs)
        bids: list[str] = []
        if rng.random() < 0.4:
            for _b in range(rng.randint(1, 3)):
                bid = "".join(rng.choices(alnum, k=6))
                if bid not in bids:
                    bids.append(bid)
        block_ids.append(bids)

    # Attachments: ~N/20, about 20% never linked.
    n_att = max(1, round(n / 20))
    attachments: list[str] = []
    att_data: list[bytes] = []
    for a in range(n_att):
        r = rng.random()
        if r < 0.7:
            attachments.append(f"image-{a + 1}.png")
            att_data.append(PNG_1X1)
        elif r < 0.8:
            attachments.append(f"photo-{a + 1}.jpg")
            att_data.append(JPEG_STUB)
        else:
            attachments.append(f"paper-{a + 1}.pdf")
            att_data.append(
                b"%PDF-1.4\n% vaultkit synthetic attachment "
                + str(a + 1).encode()
                + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
            )
    linkable = sorted(rng.sample(range(n_att), max(1, round(n_att * 0.8))))

    # Zipf-like popularity: rank r gets weight 1 / r**s over a random order of the notes.
    order = list(range(n))
    rng.shuffle(order)
    zipf_cum = list(itertools.accumulate(1.0 / (r**_ZIPF_EXPONENT) for r in range(1, n + 1)))

    counts = {
        "notes": n, "folders": len(folders) + 1, "attachments": n_att,
        "unlinked_attachments": 0, "links": 0, "broken_links": 0, "embeds": 0,
        "external_links": 0, "frontmatter_links": 0, "subpath_links": 0,
        "missing_subpaths": 0, "duplicate_basenames": sum(dup), "notes_with_frontmatter": 0,
        "notes_with_code": 0, "tag_uses": 0, "orphans": 0, "bytes": 0, "seed": seed,
    }  # fmt: skip
    used_att: set[int] = set()
    linked_to = bytearray(n)  # 1 for a note some other note links to
    base_day = dt.date(2019, 1, 1).toordinal()

    zipf_total = zipf_cum[-1]
    rand = rng.random

    def pick_target(i: int) -> int:
        """A note other than ``i``, popular ones far more often (``i=-1``: any note)."""
        t = order[bisect_right(zipf_cum, rand() * zipf_total, 0, n - 1)]
        return t if t != i or n == 1 else (t + 1) % n

    def words_text(lo: int, hi: int) -> str:
        return " ".join(rng.choices(words, k=rng.randint(lo, hi)))

    def missing_name() -> str:
        while True:
            cand = _typo(rng, names[pick_target(-1)]) if rng.random() < 0.65 else _name(rng, words)
            if cand.lower() not in lower_names:
                return cand

    for d in [ATTACHMENT_DIR, ".obsidian", *sorted(folders)]:
        os.makedirs(os.path.join(root, d), exist_ok=True)

    for i in range(n):
        size = sizes[i]
        hs = headings[i]
        n_sec = len(hs) + 1
        inline: list[list[str]] = [[] for _ in range(n_sec)]
        blocks: list[list[str]] = [[] for _ in range(n_sec)]
        n_links = min(30, max(5, round(5 + (size - 500) / 300 + rng.gauss(0, 2.5))))
        kinds = rng.choices(_KINDS, cum_weights=_KIND_CUM, k=n_links)
        n_internal = 0
        for kind in kinds:
            to_block = False
            if kind == "external":
                url = rng.choice(_EXTERNAL)
                w = rng.choice(words)
                s = f"[{words_text(1, 3)}]({url.format(w=w, W=w.capitalize())})"
                counts["external_links"] += 1
                n_internal -= 1
            elif kind == "broken":
                counts["broken_links"] += 1
                r = rng.random()
                if r < 0.75:
                    s = f"[[{missing_name()}]]"
                elif r < 0.9:
                    s = f"![[image-{n_att + rng.randint(1, 999)}.png]]"
                    counts["embeds"] += 1
                    to_block = True
                else:
                    folder = rng.choice(locations)
                    target = (f"{folder}/" if folder else "") + missing_name()
                    s = f"[{words_text(1, 3)}]({target.replace(' ', '%20')}.md)"
            elif kind == "attach":
                a = rng.choice(linkable)
                used_att.add(a)
                att = attachments[a]
                size_spec = f"|{rng.choice((200, 300, 640))}" if rng.random() < 0.2 else ""
                if att[-4:] != ".pdf" or rng.random() < 0.5:
                    s = f"![[{att}{size_spec}]]"
                else:
                    s = f"[[{att}]]"
                if s[0] == "!":
                    counts["embeds"] += 1
                    to_block = True
            else:
                t = pick_target(i)
                ln = link_name[t]
                if kind == "block" and not block_ids[t]:
                    for _retry in range(4):
                        t = pick_target(i)
                        if block_ids[t]:
                            break
                    ln = link_name[t]
                    if not block_ids[t]:
                        kind = "wiki"
                if kind == "wiki":
                    s = f"[[{ln}]]"
                elif kind == "alias":
                    alias = words_text(1, 3)
                    if rng.random() < 0.25:
                        counts["subpath_links"] += 1
                        s = f"[[{ln}#{rng.choice(headings[t])}|{alias}]]"
                    else:
                        s = f"[[{ln}|{alias}]]"
                elif kind == "heading":
                    counts["subpath_links"] += 1
                    if rng.random() < 0.9:
                        h = rng.choice(headings[t])
                    else:
                        h = "Missing " + words_text(1, 2)
                        while h in headings[t]:
                            h += "s"
                        counts["missing_subpaths"] += 1
                    s = f"[[{ln}#{h}]]"
                elif kind == "block":
                    counts["subpath_links"] += 1
                    if rng.random() < 0.9:
                        bid = rng.choice(block_ids[t])
                    else:
                        bid = "missing-" + "".join(rng.choices(alnum, k=4))
                        counts["missing_subpaths"] += 1
                    s = f"[[{ln}#^{bid}]]"
                elif kind == "embed":
                    counts["embeds"] += 1
                    to_block = True
                    if rng.random() < 0.3:
                        counts["subpath_links"] += 1
                        s = f"![[{ln}#{rng.choice(headings[t])}]]"
                    else:
                        s = f"![[{ln}]]"
                else:  # md
                    text = names[t] if rng.random() < 0.5 else words_text(1, 3)
                    s = f"[{text}]({hrefs[t]})"
                if t != i:  # a self-link (only when N=1) does not count
                    linked_to[t] = 1
            n_internal += 1
            sec = rng.randrange(n_sec)
            (blocks if to_block else inline)[sec].append(s)
        counts["links"] += n_internal

        # Body tags, code spans with fake links, comments, fenced code.
        for _t in range(rng.choices((0, 1, 2, 3), weights=(40, 30, 20, 10), k=1)[0]):
            inline[rng.randrange(n_sec)].append("#" + rng.choice(tag_vocab))
            counts["tag_uses"] += 1
        if rng.random() < 0.15:
            fake = rng.choice(("NotALink", link_name[pick_target(i)], "#notatag"))
            inline[rng.randrange(n_sec)].append(f"`{fake if fake[0] == '#' else f'[[{fake}]]'}`")
        if rng.random() < 0.06:
            inline[rng.randrange(n_sec)].append(f"%% {words_text(2, 6)} %%")
        if rng.random() < 0.03:
            blocks[rng.randrange(n_sec)].append(f"%%\nTODO: {words_text(3, 8)}\n%%")
        if rng.random() < 0.1:
            counts["notes_with_code"] += 1
            lang = rng.choice(_CODE_LANGS)
            fake = link_name[pick_target(i)] if rng.random() < 0.5 else "NotALink"
            blocks[rng.randrange(n_sec)].append(
                f'```{lang}\nexample = "[[{fake}]]"  # not a link\n'
                f"see [[NotALink|fake]] and #notatag here\n```"
            )
        for sec_list in inline:
            rng.shuffle(sec_list)

        parts: list[str] = []
        if rng.random() < 0.8:
            counts["notes_with_frontmatter"] += 1
            fm = ["---\n"]
            tags = rng.sample(tag_vocab, rng.randint(1, 4))
            counts["tag_uses"] += len(tags)
            if rng.random() < 0.2:
                fm.append(f"tags: [{', '.join(tags)}]\n")
            else:
                fm.append("tags:\n" + "".join(f"  - {tg}\n" for tg in tags))
            if rng.random() < 0.25:
                fm.append("aliases:\n")
                for _a in range(rng.randint(1, 2)):
                    fm.append(f"  - {' '.join(w.capitalize() for w in rng.choices(words, k=2))}\n")
            day = dt.date.fromordinal(base_day + rng.randrange(2200))
            fm.append(f"created: {day.isoformat()}\n")
            if rng.random() < 0.15:
                t = pick_target(i)
                if t != i:
                    linked_to[t] = 1
                fm.append(f'related: "[[{link_name[t]}]]"\n')
                counts["links"] += 1
                counts["frontmatter_links"] += 1
            if rng.random() < 0.3:
                fm.append(f"status: {rng.choice(('draft', 'done', 'review'))}\n")
            fm.append("---\n")
            parts.append("".join(fm))
        if rng.random() < 0.7:
            parts.append(f"# {names[i]}\n\n")
        used = sum(map(len, parts))
        budget = max(0, size - used) // n_sec

        bids = block_ids[i]
        sec_bids: list[list[str]] = [[] for _ in range(n_sec)]
        for j, bid in enumerate(bids):
            sec_bids[(j * 7 + i) % n_sec].append(bid)

        for sec in range(n_sec):
            if sec:
                level = "###" if sec > 1 and rng.random() < 0.2 else "##"
                parts.append(f"{level} {hs[sec - 1]}\n\n")
            inl, blk, sb = inline[sec], blocks[sec], sec_bids[sec]
            written = 0
            first = True
            while first or inl or sb or written + 160 < budget:
                first = False
                if not sb and rng.random() < 0.18:
                    items = []
                    for _k in range(rng.randint(2, 5)):
                        head, tail = rng.choice(sentences)
                        box = "- [ ] " if rng.random() < 0.15 else "- "
                        if inl and rng.random() < 0.5:
                            items.append(f"{box}{head} {inl.pop()}\n")
                        else:
                            items.append(f"{box}{head} {tail}\n")
                    chunk = "".join(items) + "\n"
                else:
                    sents = []
                    for head, tail in rng.choices(sentences, k=rng.randint(1, 5)):
                        if inl and rng.random() < 0.6:
                            sents.append(f"{head} {inl.pop()} {tail}")
                        else:
                            sents.append(f"{head} {tail}")
                    chunk = " ".join(sents)
                    chunk = f"{chunk} ^{sb.pop()}\n\n" if sb else chunk + "\n\n"
                parts.append(chunk)
                written += len(chunk)
                if blk and rng.random() < 0.7:
                    b = blk.pop()
                    parts.append(b + "\n\n")
                    written += len(b) + 2
            for b in blk:
                parts.append(b + "\n\n")

        data = "".join(parts).rstrip("\n").encode("utf-8") + b"\n"
        with open(os.path.join(root, paths[i] + ".md"), "wb") as f:
            f.write(data)
        counts["bytes"] += len(data)

    for a in range(n_att):
        with open(os.path.join(root, ATTACHMENT_DIR, attachments[a]), "wb") as f:
            f.write(att_data[a])
        counts["bytes"] += len(att_data[a])
    counts["unlinked_attachments"] = n_att - len(used_att)
    counts["orphans"] = n - sum(linked_to)

    app = {
        "alwaysUpdateLinks": True,
        "attachmentFolderPath": ATTACHMENT_DIR,
        "newFileLocation": "current",
        "showUnsupportedFiles": False,
        "useMarkdownLinks": False,
    }
    with open(os.path.join(root, ".obsidian", "app.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(app, indent=2, sort_keys=True) + "\n")
    marker = {"generator": "benchmarks/gen_vault.py", "version": GENERATOR_VERSION,
              "notes": n, "seed": seed}  # fmt: skip
    with open(os.path.join(root, MARKER), "w", encoding="utf-8") as f:
        f.write(json.dumps(marker, sort_keys=True) + "\n")
    os.unlink(os.path.join(root, MARKER_PARTIAL))
    return counts


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="gen_vault.py",
        description="Generate a synthetic, deterministic Obsidian vault for benchmarks.",
    )
    parser.add_argument("out_dir", type=Path, help="folder to create (must be empty or new)")
    parser.add_argument("--notes", type=int, required=True, help="number of notes")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--force",
        action="store_true",
        help=f"clear OUT_DIR first; only done when it holds a {MARKER} marker",
    )
    args = parser.parse_args(argv)
    if args.notes < 1:
        parser.error("--notes must be at least 1")
    start = time.perf_counter()
    try:
        counts = generate(args.out_dir, args.notes, args.seed, force=args.force)
    except GenerateError as exc:
        print(f"gen_vault: error: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    print(json.dumps(counts, indent=2, sort_keys=True))
    print(f"gen_vault: {counts['notes']} notes in {elapsed:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
