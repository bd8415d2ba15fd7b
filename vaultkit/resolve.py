"""Obsidian's link resolution (``getFirstLinkpathDest``), pure.

Implements section 3 of the semantics spec literally; see ``docs/resolution.md``.
Paths are vault-relative, ``/``-separated and NFC-normalised. Lookups are
case-insensitive with ``str.lower()`` (JavaScript's ``toLowerCase``, not ``casefold``).

Tie-break (the spec leaves Obsidian's "internal load order" unconfirmed): among
candidates of equal path length, the path that sorts first (Python string order of
the path as stored) wins. :class:`Resolver` sorts its input, so the answer never
depends on the order in which files were found.
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1 << 16)
def name_key(path_or_name: str) -> str:
    """The lookup key of a file: its last segment, NFC, lowercased (extension kept)."""
    return unicodedata.normalize("NFC", path_or_name.rsplit("/", 1)[-1]).lower()


def link_name_keys(target: str) -> tuple[str, ...]:
    """The file-name keys a link target can match; used to find links to re-resolve."""
    last = name_key(target)
    return (last, last + ".md") if last else ()


def folder_of(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


class Resolver:
    """Resolves link paths against a fixed set of vault files."""

    def __init__(self, paths: Iterable[str] = (),
                 lookup: Callable[[str], list[str]] | None = None) -> None:
        """Over ``paths``; or, with ``lookup`` (name key -> the paths with that name), over
        whatever it answers, asked once a name as links need it: a refresh that reads a
        few notes of a big vault then costs what those notes link to, not the vault."""
        self._by_name: dict[str, list[str]] = {}
        self._lower: dict[str, str] = {}
        self._cache: dict[tuple[str, str], str | None] = {}
        self._anywhere: dict[str, str | None] = {}
        self._lookup = lookup
        for path in sorted(paths):
            self._by_name.setdefault(name_key(path), []).append(path)

    def candidates(self, name: str) -> list[str]:
        """Files whose lowercased name (extension included) is ``name``, sorted."""
        found = self._by_name.get(name)
        if found is None:
            if self._lookup is None:
                return []
            found = self._by_name[name] = sorted(self._lookup(name))
        return found

    def _low(self, path: str) -> str:
        low = self._lower.get(path)
        if low is None:
            low = self._lower[path] = unicodedata.normalize("NFC", path).lower()
        return low

    def resolve(self, linkpath: str, source: str) -> str | None:
        """The vault path ``linkpath`` (written in ``source``) resolves to, or None."""
        if linkpath == "":
            return source
        # Cached for the many links that share a target: by target alone when no file or
        # a single file has its name, else by target and the source's folder (all the
        # answer depends on).
        try:
            return self._anywhere[linkpath]
        except KeyError:
            pass
        key = (linkpath, source.rpartition("/")[0])
        try:
            return self._cache[key]
        except KeyError:
            pass
        last = name_key(linkpath)
        cands = self.candidates(last) if "." in last else []
        if not cands:
            cands = self.candidates(last + ".md")
            linkpath += ".md"
        if not cands:
            found = self._anywhere[key[0]] = None
        elif "/" not in linkpath and len(cands) == 1:
            found = self._anywhere[key[0]] = cands[0]
        else:
            found = self._cache[key] = self._choose(cands, linkpath, source)
        return found

    def _choose(self, cands: list[str], linkpath: str, source: str) -> str | None:
        """Which of several ``cands`` (or of one, for a link with a path) is meant."""
        wanted = unicodedata.normalize("NFC", linkpath).lower()
        if wanted.startswith(("./", "../")):
            wanted = _join(unicodedata.normalize("NFC", folder_of(source)).lower(), wanted)
            for cand in cands:
                if self._low(cand) == wanted:
                    return cand
        absolute = wanted.startswith("/")
        if absolute:
            wanted = wanted[1:]
        for cand in cands:
            if self._low(cand) == wanted:
                return cand
        if absolute:
            return None
        src_folder = unicodedata.normalize("NFC", folder_of(source)).lower()
        return _closest([(c, self._low(c)) for c in cands], wanted, src_folder)

    def is_ambiguous(self, linkpath: str) -> list[str]:
        """All files a bare-name link could mean when more than one has that name."""
        last = name_key(linkpath)
        cands = self.candidates(last) if "." in last else []
        cands = cands or self.candidates(last + ".md")
        return cands if len(cands) > 1 else []

    def ties(self, linkpath: str, source: str) -> list[str]:
        """The files ranking equal with the one :meth:`resolve` picks, when there are
        several: the link's meaning then depends on Obsidian's load order (spec R6, and
        the sorted tie-break above). ``[]`` when the choice is clear. Mirrors ``resolve``."""
        cands = self.is_ambiguous(linkpath) if linkpath else []
        if not cands:  # one file or none has the name (most links): resolving can wait
            return []
        dest = self.resolve(linkpath, source)
        if dest is None:
            return []
        last = name_key(linkpath)
        if not ("." in last and self.candidates(last)):
            linkpath += ".md"
        wanted = unicodedata.normalize("NFC", linkpath).lower()
        low = self._low(dest)
        src_folder = unicodedata.normalize("NFC", folder_of(source)).lower()
        if wanted.startswith(("./", "../")):
            wanted = _join(src_folder, wanted)
        wanted = wanted[1:] if wanted.startswith("/") else wanted
        if low == wanted:  # an exact path hit: only files differing in case tie
            same = [c for c in cands if self._low(c) == low]
        else:
            near = low.startswith(src_folder)
            same = [c for c in cands if len(c) == len(dest) and self._low(c).endswith(wanted)
                    and self._low(c).startswith(src_folder) == near]
        return same if len(same) > 1 else []


def _join(folder: str, rel: str) -> str:
    joined = posixpath.normpath(posixpath.join(folder, rel)) if folder else posixpath.normpath(rel)
    return "" if joined == "." else joined


def _closest(cands: list[tuple[str, str]], wanted: str, src_folder: str) -> str | None:
    near: list[str] = []
    far: list[str] = []
    for cand, low in cands:
        if low.endswith(wanted):
            (near if low.startswith(src_folder) else far).append(cand)
    for group in (near, far):
        if group:
            return min(group, key=len)  # min() keeps the first of equal lengths
    return None


def link_text_for(path: str, resolver: Resolver) -> str:
    """How a link to ``path`` is written: the bare name when it resolves uniquely to it."""
    name = path.rsplit("/", 1)[-1]
    stem = name[:-3] if name.lower().endswith(".md") else name
    if len(resolver.candidates(name_key(path))) == 1:
        return stem
    return path[:-3] if path.lower().endswith(".md") else path


# --- "did you mean" ------------------------------------------------------------------------

SUGGEST_CUTOFF = 70.0
BATCH_ROWS = 256  # targets scored at once: bounds the score matrix's memory


def target_kind(target: str) -> tuple[bool, bool]:
    """(is the target a note, is it written with a folder) for a link target."""
    last = target.rsplit("/", 1)[-1]
    is_note = not ("." in last and not last.lower().endswith(".md"))
    query = target[:-3] if target.lower().endswith(".md") else target
    return is_note, "/" in query


class Suggester:
    """Proposes existing notes (or attachments) for a link target that does not resolve.

    An exact alias match comes first (``[[BERT]]`` -> the note whose alias is BERT), then
    the closest names by rapidfuzz's QRatio (case and punctuation ignored); a target with
    a folder is compared with whole paths, and a target with an extension other than
    ``.md`` with attachments. Each suggestion is written as a link would be: the bare name
    when it is unique, else the path.
    """

    def __init__(self, paths: Iterable[tuple[str, bool]],
                 aliases: Iterable[tuple[str, str]] = ()) -> None:
        all_paths = sorted(paths)
        self._resolver = Resolver(p for p, _ in all_paths)
        # per kind (note / attachment): the files, and the names and paths to score
        self._files: dict[bool, list[str]] = {True: [], False: []}
        self._names: dict[bool, list[str]] = {True: [], False: []}
        self._stems: dict[bool, list[str]] = {True: [], False: []}
        for path, is_note in all_paths:
            stem = path[:-3] if is_note and path.lower().endswith(".md") else path
            self._files[is_note].append(path)
            self._names[is_note].append(stem.rsplit("/", 1)[-1])
            self._stems[is_note].append(stem)
        self._aliases: dict[str, list[str]] = {}
        for alias, path in aliases:
            self._aliases.setdefault(alias.lower(), []).append(path)

    def text(self, path: str) -> str:
        return link_text_for(path, self._resolver)

    def suggest(self, target: str, limit: int = 3) -> list[str]:
        """Link texts of the files ``target`` most likely meant, best first."""
        if not target:
            return []
        paths = list(dict.fromkeys(self._aliases.get(target.lower(), [])))
        for path in self.closest([target], limit)[target]:
            if path not in paths:
                paths.append(path)
        return list(dict.fromkeys(self.text(p) for p in paths[:limit]))

    def closest(self, targets: list[str], limit: int = 3,
                progress: Callable[[int, int], None] | None = None) -> dict[str, list[str]]:
        """The ``limit`` closest file paths for each target (fuzzy names only, no
        aliases). Many targets are scored at once on every core; ``progress(done, total)``
        hears how many targets are scored (a first ``unresolved`` of a 100k-note vault
        scores 28,000 targets against 105,000 names: ~18 s)."""
        from rapidfuzz import fuzz, process, utils

        groups: dict[tuple[bool, bool], list[str]] = {}
        for target in dict.fromkeys(targets):
            groups.setdefault(target_kind(target), []).append(target)
        out: dict[str, list[str]] = {t: [] for t in targets}
        total, done = sum(len(g) for g in groups.values()), 0
        for (is_note, with_folder), group in groups.items():
            choices = (self._stems if with_folder else self._names)[is_note]
            files = self._files[is_note]
            queries = [t[:-3] if t.lower().endswith(".md") else t for t in group]
            if choices and len(queries) < 8:  # not worth a matrix
                for target, query in zip(group, queries, strict=True):
                    out[target] = [files[i] for _, _, i in process.extract(
                        query, choices, scorer=fuzz.QRatio, processor=utils.default_process,
                        limit=limit, score_cutoff=SUGGEST_CUTOFF)]
            elif choices:
                import numpy as np

                # processed once here, not once per batch by cdist (the same scores)
                plain = [utils.default_process(c) for c in choices]
                for start in range(0, len(queries), BATCH_ROWS):
                    scores = process.cdist(
                        [utils.default_process(q) for q in queries[start : start + BATCH_ROWS]],
                        plain, scorer=fuzz.QRatio, score_cutoff=SUGGEST_CUTOFF, workers=-1)
                    for target, row, hits in zip(group[start : start + BATCH_ROWS], scores,
                                                 _row_hits(scores), strict=True):
                        # best score first; a stable sort keeps the first file of a tie first
                        best = hits[np.argsort(-row[hits], kind="stable")[:limit]]
                        out[target] = [files[i] for i in best.tolist()]
                    if progress:
                        progress(done + min(start + BATCH_ROWS, len(group)), total)
            done += len(group)
            if progress:
                progress(done, total)
        return out


HIT_BLOCK = 64  # columns of a score matrix looked at together for a hit


def _row_hits(scores: Any) -> list[Any]:
    """The columns of each row of a score matrix that are not 0 (at or above the cutoff),
    in order, as numpy arrays. A row is 100,000 wide and holds a handful: blocks of 64
    columns holding one are found for the whole matrix at once, then only they are
    searched (np.flatnonzero on each row took as long as scoring it)."""
    import numpy as np

    rows, cols = scores.shape
    main = cols - cols % HIT_BLOCK
    found: list[list[int]] = [[] for _ in range(rows)]
    hit_rows, hit_blocks = np.nonzero(
        scores[:, :main].reshape(rows, -1, HIT_BLOCK).any(axis=2))
    for r, b in zip(hit_rows.tolist(), hit_blocks.tolist(), strict=True):
        at = b * HIT_BLOCK
        found[r].extend((np.flatnonzero(scores[r, at : at + HIT_BLOCK]) + at).tolist())
    for r, c in zip(*(a.tolist() for a in np.nonzero(scores[:, main:])), strict=True):
        found[r].append(main + c)  # the last columns, fewer than a block
    return [np.array(f, dtype=np.intp) for f in found]


def affected_targets(targets: list[str], new_paths: list[str]) -> set[str]:
    """Targets whose suggestions a file at one of ``new_paths`` could enter."""
    from rapidfuzz import fuzz, process, utils

    hit: set[str] = set()
    for path in new_paths:
        stem = path[:-3] if path.lower().endswith(".md") else path
        for query in {stem, stem.rsplit("/", 1)[-1]}:
            hit.update(t for t, _, _ in process.extract(
                query, targets, scorer=fuzz.QRatio, processor=utils.default_process,
                limit=None, score_cutoff=SUGGEST_CUTOFF))
    return hit
