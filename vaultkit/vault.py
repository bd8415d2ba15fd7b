"""The facade people import: ``Vault.open(path)`` then ask it questions.

>>> from vaultkit import Vault
>>> vault = Vault.open("vault")          # finds or builds the index, refreshes it
>>> [b.source for b in vault.backlinks("Cohere")]
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import queries as q
from .config import scan_config
from .errors import AmbiguousNote, NoteNotFound, VaultkitError
from .index import DB_ERRORS, CachedSuggestion, Index, IndexCorrupt, is_corrupt
from .model import FileProblem, PathBatch, RefreshReport, RefreshStats, Stats
from .refresh import Progress, Walked, refresh, refresh_paths
from .resolve import Suggester, name_key

if TYPE_CHECKING:  # graph and mentions load on first use: most commands need neither
    from .graph import Graph, NoteLinks
    from .mentions import MentionSearch
    from .model_check import Diagnostic
    from .model_graph import Hub, Island, Mention, MentionCount, PathStep, Related
    from .model_results import Backlink, NotePath, OutLink, TagCount, Unresolved

INDEX_DIR = ".vaultkit"
INDEX_FILE = "index.db"
ENV_VAULT = "VAULTKIT_VAULT"


def discover(vault: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path:
    """The vault root: ``vault``, else $VAULTKIT_VAULT, else the nearest folder upwards
    holding ``.obsidian/``, else the current folder."""
    chosen = vault if vault not in (None, "") else os.environ.get(ENV_VAULT) or None
    if chosen is not None:
        root = Path(chosen).expanduser()
        if not root.exists():
            raise VaultkitError(f"vault folder not found: {root}")
        if not root.is_dir():
            raise VaultkitError(f"not a folder: {root}")
        return root.resolve()
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".obsidian").is_dir():
            return folder
    return here


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _recovering(method: _Method) -> _Method:
    """For a method reading the index: SQLite notices a damaged page only when a query
    reaches it, so when one reports damage, rebuild the index and run the method again."""

    @functools.wraps(method)
    def run(self: Vault, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except DB_ERRORS as exc:
            if not is_corrupt(exc):
                raise
            self._reset_index(exc)
        refresh(self.root, self.index, None, self.follow_symlinks)
        return method(self, *args, **kwargs)

    return run  # type: ignore[return-value]


class Vault:
    """One vault and its index.

    ``follow_symlinks``: also index symlinked files and folders outside the vault (None:
    as ``[scan] follow_symlinks`` in ``<vault>/.vaultkit.toml`` says, default off).
    ``notices`` collects what the user should hear about (an index rebuilt); ``on_notice``,
    when set, is told each one as it comes."""

    def __init__(self, root: Path, follow_symlinks: bool | None = None) -> None:
        self.root = root
        self.index_path = root / INDEX_DIR / INDEX_FILE
        self.notices: list[str] = []
        self.on_notice: Callable[[str], None] | None = None
        self.follow_symlinks = (scan_config(root).follow_symlinks if follow_symlinks is None
                                else follow_symlinks)
        self.index = self._open_index()

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, refresh: bool = True,
        progress: Progress | None = None, follow_symlinks: bool | None = None,
    ) -> Vault:
        vault = cls(discover(path), follow_symlinks)
        if refresh:
            vault.refresh(progress)
        return vault

    def _notice(self, message: str) -> None:
        self.notices.append(message)
        if self.on_notice is not None:
            self.on_notice(message)

    def _open_index(self) -> Index:
        try:
            return Index(self.index_path)
        except IndexCorrupt as exc:
            self._notice(f"{exc}; rebuilding the index")
            self._delete_index()
            return Index(self.index_path)
        except OSError as exc:
            raise VaultkitError(f"cannot open the index at {self.index_path}: {exc}") from exc

    def _delete_index(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{self.index_path}{suffix}")

    def _reset_index(self, exc: BaseException) -> None:
        """The index turned out damaged part-way through: start a new, empty one."""
        self._notice(f"index is damaged ({exc}); rebuilding the index")
        self.index.close()
        self._delete_index()
        self.index = self._open_index()

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- keeping the index current -----------------------------------------------------

    def refresh(self, progress: Progress | None = None, walked: Walked | None = None
                ) -> RefreshStats:
        """Re-read what changed on disk since the last refresh (everything, in a new index,
        if the index turns out damaged). ``walked``: the vault as a walk made just before
        found it (see :mod:`vaultkit.overlap`)."""
        try:
            stats = refresh(self.root, self.index, progress, self.follow_symlinks, walked)
        except DB_ERRORS as exc:
            if not is_corrupt(exc):
                raise
            self._reset_index(exc)
            stats = refresh(self.root, self.index, progress, self.follow_symlinks)
        if self.index.created:
            stats = stats._replace(rebuilt=True)
            self.index.created = False
        return stats

    def kept_current(self) -> bool:
        """Is a running ``vaultkit watch`` keeping this index current, with no change
        seen that it has not taken in? Then a refresh would find nothing to do."""
        from . import watchmark

        return watchmark.kept_current(self.index_path.parent)

    def rebuild(self, progress: Progress | None = None) -> RefreshStats:
        """Forget the index and read every file again."""
        import shutil  # here: loads bz2 and lzma, and few commands rebuild

        self.index.close()
        shutil.rmtree(self.index_path.parent, ignore_errors=True)
        self.index = Index(self.index_path)
        return self.refresh(progress)

    def refresh_changes(self, batch: PathBatch | None = None,
                        progress: Progress | None = None) -> RefreshReport:
        """Refresh only the files and folders ``batch`` names (None: the whole vault), and
        say which paths changed and the totals after it; ``watch`` runs it per burst."""
        try:
            report = refresh_paths(self.root, self.index, batch, progress, self.follow_symlinks)
        except DB_ERRORS as exc:
            if not is_corrupt(exc):
                raise
            self._reset_index(exc)
            report = refresh_paths(self.root, self.index, None, progress, self.follow_symlinks)
        stats = report.stats
        if self.index.created:
            stats = stats._replace(rebuilt=True)
            self.index.created = False
        c = q.counts(self.index)
        return report._replace(stats=stats, notes=c["notes"], links=c["links"],
                               unresolved=c["links"] - c["resolved"])

    def reopen(self) -> None:
        """Open the index again: its file was removed or replaced on disk."""
        self.index.close()  # as the last connection, SQLite drops the old -wal and -shm
        if not self.index_path.exists():
            self._delete_index()  # an old -wal must never meet a new index file
        self.index = self._open_index()

    def watch(self, sink: object, **options: object) -> None:
        """Keep the index current while files change, telling ``sink`` what each refresh
        did, until stopped. See :mod:`vaultkit.watch`, the one module using watchdog."""
        from .watch import Watch

        Watch(self, sink, **options).run()  # type: ignore[arg-type]

    # --- finding a note ----------------------------------------------------------------

    @_recovering
    def find(self, query: str) -> str:
        """The vault path of the file ``query`` names: a path, a name as in a link (case
        does not matter, ``.md`` optional), or an alias. Raises NoteNotFound or
        AmbiguousNote (both usage errors)."""
        text = query.strip().replace("\\", "/").strip("/")
        if text.startswith("[[") and text.endswith("]]"):
            text = text[2:-2].split("|", 1)[0].split("#", 1)[0]
        last = name_key(text)
        paths = q.files_by_name(self.index, (last, last + ".md")) if last else []
        low = text.lower()
        exact = [p for p in paths if p.lower() in (low, low + ".md")]
        if len(exact) == 1:
            return exact[0]
        if "/" in text:
            paths = [p for p in paths if p.lower().endswith(("/" + low, "/" + low + ".md"))]
        if len(paths) == 1:
            return paths[0]
        if len(paths) > 1:
            raise AmbiguousNote(query, paths)
        by_alias = q.notes_by_alias(self.index, low)
        if len(by_alias) == 1:
            return by_alias[0]
        if by_alias:
            raise AmbiguousNote(query, by_alias)
        raise NoteNotFound(query, self.suggester().suggest(text))

    @_recovering
    def suggester(self) -> Suggester:
        return Suggester(q.all_paths(self.index), q.all_aliases(self.index))

    # --- queries -----------------------------------------------------------------------

    @_recovering
    def backlinks(self, note: str) -> list[Backlink]:
        from .model_results import Backlink

        path = self.find(note)  # first: finding it may rebuild a damaged index (a new one)
        return [
            Backlink(src, line, col, text, ctx, bool(embed), kind)
            for src, line, col, text, ctx, embed, kind in q.backlinks(self.index, path)
        ]

    @_recovering
    def links(self, note: str) -> list[OutLink]:
        from .model_results import OutLink

        path = self.find(note)  # first, as in backlinks
        return [
            OutLink(line, col, text, target, resolved, bool(embed), subpath, kind)
            for line, col, text, target, resolved, embed, subpath, kind
            in q.outgoing(self.index, path)
        ]

    @_recovering
    def orphans(self, isolated: bool = False) -> list[NotePath]:
        from .model_results import NotePath

        return [NotePath(p) for p in q.orphans(self.index, isolated)]

    @_recovering
    def suggestions(self, targets: Iterable[str], limit: int = 3,
                    progress: Progress | None = None) -> dict[str, tuple[str, ...]]:
        """"Did you mean" for each link target: notes whose alias is the target, then the
        closest names; written as links would be. Cached in the index until files come
        or go, so a query does not score the whole vault again. ``progress(done, total)``
        hears how many targets not in the cache are scored."""
        wanted = sorted({t for t in targets if t})
        version = self.index.data_version()  # before reading what the answers come from
        closest = self.index.cached_suggestions(wanted)
        missing = [t for t in wanted if t not in closest]
        if missing:
            files = q.all_paths(self.index)
            found = Suggester(files).closest(missing, limit, progress)
            texts = self._link_texts({p for ps in found.values() for p in ps})
            fresh = {t: CachedSuggestion.of([(p, name_key(p), texts[p]) for p in ps])
                     for t, ps in found.items()}
            self.index.store_suggestions(fresh, version,
                                         lambda: set(q.all_paths(self.index)) == set(files))
            closest.update(fresh)
        by_alias: dict[str, list[str]] = defaultdict(list)
        for low, path in q.alias_paths(self.index, sorted({t.lower() for t in wanted})):
            by_alias[low].append(path)
        alias_texts = self._link_texts({p for ps in by_alias.values() for p in ps})
        none = CachedSuggestion([], "")
        out: dict[str, tuple[str, ...]] = {}
        for t in wanted:
            near = closest.get(t, none)
            aliased = by_alias.get(t.lower())
            if aliased:  # the alias's notes first, then the closest names
                text_of = dict(zip(near.paths(), near.texts, strict=True)) | alias_texts
                paths = list(dict.fromkeys(aliased + near.paths()))[:limit]
                out[t] = tuple(dict.fromkeys(text_of[p] for p in paths))
            else:
                out[t] = tuple(dict.fromkeys(near.texts[:limit]))
        return out

    def _link_texts(self, paths: set[str]) -> dict[str, str]:
        """How a link to each of ``paths`` (files of the index) is written."""
        keys = {p: name_key(p) for p in paths}
        names = sorted(set(keys.values()))
        if len(names) > SCAN_NAMES:  # each name has 1+ files: count only the shared ones
            shared = q.shared_names(self.index)  # one scan of the name index, not 37k lookups
            counts = {name: shared.get(name, 1) for name in names}
        else:
            counts = q.name_counts(self.index, names)
        return {p: _link_text(p, counts.get(key, 0) == 1) for p, key in keys.items()}

    @_recovering
    def unresolved(self, suggestions: bool = True, progress: Progress | None = None
                   ) -> list[Unresolved]:
        """Links that resolve to nothing, with "did you mean" suggestions (see
        :meth:`suggestions`, which ``progress`` is passed to)."""
        from .model_results import Unresolved

        rows = q.unresolved(self.index)
        suggest: dict[str, tuple[str, ...]] = {}
        if suggestions and rows:
            suggest = self.suggestions((r[4] for r in rows), progress=progress)
        return [
            Unresolved(src, line, col, text, target, bool(embed), suggest.get(target, ()))
            for src, line, col, text, target, embed in rows
        ]

    @_recovering
    def tags(self) -> list[TagCount]:
        """Every tag with the number of notes carrying it or a tag nested under it."""
        from .model_results import TagCount

        files: dict[str, set[str]] = {}
        casing: dict[str, Counter[str]] = defaultdict(Counter)
        for name, times, fids in q.tag_rows(self.index):
            parts = name.split("/")
            for depth in range(1, len(parts) + 1):
                variant = "/".join(parts[:depth])
                key = variant.lower()
                have = files.get(key)  # a set is shared until a second one joins it
                files[key] = fids if have is None else have | fids
                casing[key][variant] += times
        out = [TagCount(_most_common(casing[key]), len(fids)) for key, fids in files.items()]
        return sorted(out, key=lambda t: (-t.count, t.tag.lower()))

    @_recovering
    def tagged(self, tag: str) -> list[NotePath]:
        """Notes carrying ``tag`` or a tag nested under it."""
        from .model_results import NotePath

        return [NotePath(p) for p in q.tagged(self.index, tag.lstrip("#").lower())]

    @_recovering
    def problems(self) -> list[FileProblem]:
        return [FileProblem(*row) for row in q.problems(self.index)]

    @_recovering
    def check(self, files: list[str] | None = None, *, staged: bool = False) -> list[Diagnostic]:
        """Broken links, headings, blocks and attachments, ambiguous links and file problems
        in ``files`` (paths relative to the current folder; every note when None), with the
        vault's ``.vaultkit.toml`` applied. See :mod:`vaultkit.checker`."""
        from .checker import run_check

        return list(run_check(self, files, staged=staged).diagnostics)

    @_recovering
    def stats(self, top: int = 10) -> Stats:
        c = q.counts(self.index)
        return Stats(
            notes=c["notes"], attachments=c["attachments"], links=c["links"],
            resolved=c["resolved"], unresolved=c["links"] - c["resolved"],
            tags=len(self.tags()), orphans=len(q.orphans(self.index)),
            most_linked=tuple((p, int(n)) for p, n in q.most_linked(self.index, top)),
            problems=c["problems"],
        )

    # --- the graph and unlinked mentions (vaultkit.graph, vaultkit.mentions) ----------

    @_recovering
    def graph(self, include_tags: bool = False, ghosts: bool = True,
              excluded: bool = False) -> Graph:
        """The vault as a ``networkx.MultiDiGraph``: a node per note, attachment and
        unresolved target (``ghost:`` + its lowercased name), and per tag (``tag:`` + name)
        with ``include_tags``; an edge per link. Excluded files are left out unless
        ``excluded``. See :mod:`vaultkit.graph` and docs/graph.md."""
        g = _graph_module().from_rows(q.graph_files(self.index), q.graph_links(self.index),
                         q.graph_tags(self.index) if include_tags else (),
                         include_tags=include_tags, ghosts=ghosts, excluded=excluded)
        g.graph["name"] = self.root.name
        return g

    def hubs(self, limit: int = 20, by: str = "pagerank") -> list[Hub]:
        """The most important notes, by PageRank (or ``by="in-degree"``)."""
        return _graph_module().hubs_of(self._note_links(), limit, by)

    def shortest_path(self, a: str, b: str, undirected: bool = False) -> list[PathStep]:
        """The fewest links leading from note ``a`` to note ``b``; raises NoPath."""
        return _graph_module().shortest_path(self.graph(ghosts=False), self.find(a), self.find(b),
                                undirected)

    def related(self, note: str, limit: int = 10) -> list[Related]:
        """Notes sharing links, backlinks or tags with ``note`` but not linked with it."""
        return _graph_module().related(self.graph(include_tags=True), self.find(note), limit)

    def islands(self) -> list[Island]:
        """Groups of notes not linked to the largest group (its other components)."""
        return _graph_module().islands_of(self._note_links())

    def _note_links(self) -> NoteLinks:
        """Which notes link to which, from the index (not the whole graph: at 100,000
        notes, 0.5 GB and seconds instead of 1.5 GB and half a minute)."""
        return _graph_module().note_links(q.graph_notes(self.index),
                                          q.linked_pairs(self.index))

    @_recovering
    def mentions(self, note: str) -> list[Mention]:
        """Unlinked mentions of ``note``: its name or aliases as plain text elsewhere."""
        return self._mention_search().of_note(self.find(note))

    @_recovering
    def mention_counts(self, limit: int = 20) -> list[MentionCount]:
        """The notes with the most unlinked mentions: candidates to link."""
        return self._mention_search().counts(limit)

    def _mention_search(self) -> MentionSearch:
        from .scan import read_note

        def read(path: str) -> str | None:
            return read_note(self.root / path).text

        from .mentions import MentionSearch

        return MentionSearch(q.graph_files(self.index), q.graph_links(self.index),
                             q.graph_tags(self.index), q.all_aliases(self.index), read)


def _graph_module():  # type: ignore[no-untyped-def]
    """vaultkit.graph, imported on first use (it pulls in networkx when it builds)."""
    from . import graph

    return graph


SCAN_NAMES = 2000  # suggested names above which their counts come from one scan


def _link_text(path: str, unique: bool) -> str:
    """The bare name when it is ``unique`` in the vault, else the path (without ``.md``)."""
    stem = path[:-3] if path.lower().endswith(".md") else path
    return stem.rsplit("/", 1)[-1] if unique else stem


def _most_common(variants: Counter[str]) -> str:
    """The casing used most often; ties go to the first in sorted order."""
    return min(variants.items(), key=lambda kv: (-kv[1], kv[0]))[0]
