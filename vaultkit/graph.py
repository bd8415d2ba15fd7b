"""The entity graph: notes, attachments, unresolved targets and tags as a networkx graph.

Pure: rows from the index in, a ``networkx.MultiDiGraph`` and answers out. networkx is
imported inside the functions, so importing this module costs nothing (design habit 9).

Nodes are keyed by the vault path for files (``Models/Gemini.md``, ``img/a.png``), by
``ghost:`` + the normalised target for links that resolve to nothing (``[[Gemeni]]``
written in three notes is one node ``ghost:gemeni``) and by ``tag:`` + the lowercased tag
(``tag:model/open``). Obsidian refuses ``:`` in file names, so these never collide with a
path of a vault Obsidian can open. Every node has ``kind`` (note, attachment, ghost, tag),
``label`` (what a person reads: the file name without ``.md``, the target or ``#tag`` as
first written) and ``path`` (``None`` for ghosts and tags). Every link is one edge, keyed
0, 1, ... between the same two nodes, with ``kind`` (link, embed, frontmatter; ``tag`` for
tag edges), ``line``, ``column``, ``text`` (as written), ``subpath`` (``#Heading``,
``#^block`` or ``""``) and ``syntax`` (wiki, markdown, frontmatter, tag).

Excluded files (``userIgnoreFilters``) are left out, with the links written in them and
the links to them, as in Obsidian's graph view, unless ``excluded=True``.

The analytics (:func:`hubs`, :func:`shortest_path`, :func:`related`, :func:`islands`) work
on that graph (:func:`hubs_of` and :func:`islands_of` on :class:`NoteLinks`, which the
index gives without building it); exports live in :mod:`vaultkit.graph_export` and
:mod:`vaultkit._html_view`.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import UsageError
from .model_graph import Hub, Island, PathStep, Related

if TYPE_CHECKING:
    import networkx as nx
    from networkx import MultiDiGraph as Graph  # noqa: F401 - for annotations elsewhere

GHOST = "ghost:"
TAG = "tag:"
NODE_KINDS = ("note", "attachment", "ghost", "tag")


class NoPath(UsageError):
    """No chain of links joins two notes (exit 2)."""


@dataclass(frozen=True, slots=True)
class FileNode:
    path: str
    is_note: bool
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class LinkEdge:
    source: str
    dest: str | None  # the vault path it resolves to, None when unresolved
    target: str  # the link path as written
    line: int
    column: int
    text: str
    subpath: str = ""
    syntax: str = "wiki"  # wiki, markdown, frontmatter
    embed: bool = False


@dataclass(frozen=True, slots=True)
class TagMark:
    path: str
    name: str  # without '#', case as written
    line: int
    column: int


def ghost_key(target: str) -> str:
    """The normalised name of an unresolved target: NFC, lowercased, without ``.md``."""
    key = unicodedata.normalize("NFC", target).lower()
    return key[:-3] if key.endswith(".md") else key


def label_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


def edge_kind(link: LinkEdge) -> str:
    if link.syntax == "frontmatter":
        return "frontmatter"
    return "embed" if link.embed else "link"


def build(
    files: Iterable[FileNode], links: Iterable[LinkEdge], tags: Iterable[TagMark] = (), *,
    include_tags: bool = False, ghosts: bool = True, excluded: bool = False,
) -> nx.MultiDiGraph:
    """The vault as a MultiDiGraph (see the module docstring for what is in it)."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for f in sorted(files, key=lambda f: f.path):
        if excluded or not f.excluded:
            g.add_node(f.path, kind="note" if f.is_note else "attachment",
                       label=label_of(f.path), path=f.path)
    ghost_labels: dict[str, Counter[str]] = defaultdict(Counter)
    for link in links:
        if link.source not in g:
            continue
        attrs = {"kind": edge_kind(link), "line": link.line, "column": link.column,
                 "text": link.text, "subpath": link.subpath, "syntax": link.syntax}
        if link.dest is not None:
            if link.dest in g:
                g.add_edge(link.source, link.dest, **attrs)
        elif ghosts:
            key = ghost_key(link.target)
            ghost_labels[key][link.target] += 1
            g.add_edge(link.source, GHOST + key, **attrs)
    for key, names in ghost_labels.items():
        g.nodes[GHOST + key].update(kind="ghost", label=_most_common(names), path=None)
    if include_tags:
        tag_labels: dict[str, Counter[str]] = defaultdict(Counter)
        for t in tags:
            if t.path in g:
                tag_labels[t.name.lower()][t.name] += 1
                g.add_edge(t.path, TAG + t.name.lower(), kind="tag", line=t.line,
                           column=t.column, text="#" + t.name, subpath="", syntax="tag")
        for key, names in tag_labels.items():
            g.nodes[TAG + key].update(kind="tag", label="#" + _most_common(names), path=None)
    return g


def from_rows(
    files: Iterable[Sequence[Any]], links: Iterable[Sequence[Any]],
    tags: Iterable[Sequence[Any]] = (), **options: bool,
) -> nx.MultiDiGraph:
    """:func:`build` from the rows of ``queries.graph_files``, ``graph_links`` and
    ``graph_tags``."""
    return build(
        (FileNode(path, bool(is_note), bool(excl)) for path, is_note, excl in files),
        (LinkEdge(src, dst, target, line, col, text, subpath, kind, bool(embed))
         for src, dst, target, line, col, text, subpath, kind, embed in links),
        (TagMark(path, name, line, col) for path, name, line, col, *_ in tags),
        **options,
    )


def _most_common(names: Counter[str]) -> str:
    return min(names.items(), key=lambda kv: (-kv[1], kv[0]))[0]


# --- parts of the graph ----------------------------------------------------------------


def in_folder(g: nx.MultiDiGraph, folder: str) -> nx.MultiDiGraph:
    """The files under ``folder``, with the ghosts and tags their notes link to."""
    prefix = folder.strip("/") + "/" if folder.strip("/") else ""
    keep = {n for n, p in g.nodes(data="path") if p is not None and p.startswith(prefix)}
    keep |= {v for u in keep for v in g.successors(u) if g.nodes[v]["path"] is None}
    return g.subgraph(keep).copy()


def around(g: nx.MultiDiGraph, node: str, depth: int) -> nx.MultiDiGraph:
    """Everything within ``depth`` links of ``node``, whichever way the links point."""
    import networkx as nx

    if node not in g:
        raise UsageError(f"{node} is not in the graph (is it excluded?)")
    return nx.ego_graph(g, node, radius=depth, undirected=True).copy()


def note_graph(g: nx.MultiDiGraph, attachments: bool = False) -> nx.DiGraph:
    """Notes (and attachments) only; one edge per linked pair, ``weight`` = number of
    links; a note's links to itself are left out."""
    import networkx as nx

    kinds = ("note", "attachment") if attachments else ("note",)
    d = nx.DiGraph()
    d.add_nodes_from(n for n, k in g.nodes(data="kind") if k in kinds)
    for u, v in g.edges():
        if u != v and u in d and v in d:
            if d.has_edge(u, v):
                d[u][v]["weight"] += 1
            else:
                d.add_edge(u, v, weight=1)
    return d


# --- analytics -------------------------------------------------------------------------


class NoteLinks(NamedTuple):
    """The note graph as arrays, for the analytics that need no more: ``paths`` (notes in
    path order) and one entry per linked pair, ``paths[src[i]]`` linking to
    ``paths[dst[i]]`` ``weight[i]`` times (numpy arrays, ordered by ``src``; a note's
    links to itself are left out). ~30x less memory than the graph with every link."""

    paths: list[str]
    src: Any
    dst: Any
    weight: Any


def note_links(notes: Sequence[tuple[int, str]], pairs: Iterable[tuple[int, int, int]]
               ) -> NoteLinks:
    """:class:`NoteLinks` from index rows: ``notes`` as (file id, path) in path order, and
    ``pairs`` as (source id, destination id, links) (ids that are not in ``notes`` are
    left out: attachments, excluded files)."""
    import numpy as np

    paths = [path for _, path in notes]
    ids = np.fromiter((fid for fid, _ in notes), dtype=np.int64, count=len(paths))
    rows = np.array(list(pairs), dtype=np.int64).reshape(-1, 3)
    top = int(max(ids.max(initial=0), rows[:, :2].max(initial=0))) + 1
    position = np.full(top, -1, dtype=np.int64)
    position[ids] = np.arange(len(paths))
    src, dst = position[rows[:, 0]], position[rows[:, 1]]
    keep = (src >= 0) & (dst >= 0) & (src != dst)
    return _ordered(paths, src[keep], dst[keep], rows[keep, 2])


def note_links_of(g: nx.MultiDiGraph) -> NoteLinks:
    """:class:`NoteLinks` of a graph made by :func:`build`."""
    d = note_graph(g)
    return _links_of(d, sorted(d))


def _links_of(d: nx.DiGraph, nodes: list[str]) -> NoteLinks:
    """The weighted edges of ``d`` (weight 1 when unset) as :class:`NoteLinks` over
    ``nodes`` (all of its nodes, in the order wanted)."""
    import numpy as np

    position = {n: i for i, n in enumerate(nodes)}
    edges = [(position[u], position[v], w) for u, v, w in d.edges(data="weight", default=1)]
    rows = np.array(edges, dtype=np.float64).reshape(-1, 3)
    return _ordered(nodes, rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64),
                    rows[:, 2])


def _ordered(paths: list[str], src: Any, dst: Any, weight: Any) -> NoteLinks:
    import numpy as np

    order = np.lexsort((dst, src))
    return NoteLinks(paths, src[order], dst[order], weight[order].astype(np.float64))


def pagerank(d: nx.DiGraph, alpha: float = 0.85, tol: float = 1.0e-6,
             max_iter: int = 200) -> dict[str, float]:
    """Weighted PageRank by power iteration, as ``networkx.pagerank`` defines it (dangling
    nodes spread their rank evenly), of any weighted DiGraph."""
    nodes = list(d)
    rank = pagerank_of(_links_of(d, nodes), alpha, tol, max_iter)
    return dict(zip(nodes, rank.tolist(), strict=True))


def pagerank_of(links: NoteLinks, alpha: float = 0.85, tol: float = 1.0e-6,
                max_iter: int = 200) -> Any:
    """:func:`pagerank` over :class:`NoteLinks`: an array of ranks, by ``links.paths``.
    numpy, not scipy nor a Python loop over the links: at 100,000 notes and 860,000
    linked pairs an iteration takes ~15 ms."""
    import numpy as np

    n = len(links.paths)
    if n == 0:
        return np.zeros(0)
    out_w = np.bincount(links.src, weights=links.weight, minlength=n)
    share = links.weight / out_w[links.src] if len(links.src) else links.weight
    dangling = out_w == 0
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        spread = alpha * x[dangling].sum() / n + (1.0 - alpha) / n
        new = spread + alpha * np.bincount(links.dst, weights=x[links.src] * share,
                                           minlength=n)
        err = np.abs(new - x).sum()
        x = new
        if err < n * tol:
            break
    return x


def hubs(g: nx.MultiDiGraph, limit: int = 20, by: str = "pagerank") -> list[Hub]:
    """The most important notes: PageRank over the note graph, and in-degree (the number
    of other notes linking to each)."""
    return hubs_of(note_links_of(g), limit, by)


def hubs_of(links: NoteLinks, limit: int = 20, by: str = "pagerank") -> list[Hub]:
    """:func:`hubs` over :class:`NoteLinks`."""
    import numpy as np

    rank = pagerank_of(links).tolist()
    degree = np.bincount(links.dst, minlength=len(links.paths)).tolist()
    items = [Hub(p, d, round(r, 6)) for p, d, r in zip(links.paths, degree, rank, strict=True)]
    if by == "in-degree":
        items.sort(key=lambda h: (-h.in_degree, -h.pagerank, h.path))
    else:
        items.sort(key=lambda h: (-h.pagerank, -h.in_degree, h.path))
    return items[:limit] if limit > 0 else items


def shortest_path(g: nx.MultiDiGraph, a: str, b: str, undirected: bool = False
                  ) -> list[PathStep]:
    """The fewest links leading from note ``a`` to ``b``, with the link used at each step
    (the first one in the file when there are several). Raises NoPath."""
    import networkx as nx

    d = note_graph(g, attachments=True)
    for end in (a, b):
        if end not in d:
            raise UsageError(f"{end} is not in the graph (excluded by userIgnoreFilters?)")
    try:
        chain = nx.shortest_path(d.to_undirected(as_view=True) if undirected else d, a, b)
    except nx.NetworkXNoPath:
        hint = "" if undirected else " (try --undirected)"
        raise NoPath(f"no chain of links leads from {a} to {b}{hint}") from None
    steps = []
    for u, v in pairwise(chain):
        reverse = not g.has_edge(u, v)
        src, dst = (v, u) if reverse else (u, v)
        e = min(g.get_edge_data(src, dst).values(), key=lambda e: (e["line"], e["column"]))
        steps.append(PathStep(u, v, e["line"], e["column"], e["text"], reverse))
    return steps


def related(g: nx.MultiDiGraph, note: str, limit: int = 10) -> list[Related]:
    """Notes that share link targets, linking notes or tags with ``note`` but are not
    linked with it either way. ``g`` should hold tags and ghosts.

    Score (Adamic-Adar): each shared item adds 1/ln(k), k being how many notes it is
    shared among (for a linking note: how many notes it links to), so a rare shared
    neighbour counts more than a hub everyone links to."""
    if note not in g:
        raise UsageError(f"{note} is not in the graph (excluded by userIgnoreFilters?)")
    kind = g.nodes(data="kind")

    def linkers(n: str) -> set[str]:
        return {u for u in g.predecessors(n) if kind[u] == "note"}

    def linked(n: str) -> set[str]:
        return {v for v in g.successors(n) if kind[v] != "tag"}

    shared: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    score: dict[str, float] = defaultdict(float)
    for t in g.successors(note):
        if t == note:
            continue
        field = "tags" if kind[t] == "tag" else "links"
        others = linkers(t)
        for c in others - {note, t}:
            shared[c][field].add(t)
            score[c] += 1 / math.log(max(len(others), 2))
    for s in linkers(note) - {note}:
        outs = {v for v in linked(s) if kind[v] == "note"}
        for c in outs - {note, s}:
            shared[c]["backlinks"].add(s)
            score[c] += 1 / math.log(max(len(outs), 2))
    near = linked(note) | linkers(note) | {note}
    items = []
    for c, parts in shared.items():
        if c in near or kind[c] != "note":
            continue
        items.append(Related(
            c, round(score[c], 4),
            tuple(sorted(parts["links"])), tuple(sorted(parts["backlinks"])),
            tuple(sorted(g.nodes[t]["label"] for t in parts["tags"])),
        ))
    items.sort(key=lambda r: (-r.score, r.path))
    return items[:limit] if limit > 0 else items


def islands(g: nx.MultiDiGraph) -> list[Island]:
    """Groups of notes linked among themselves (links taken either way) but not to the
    rest: every connected component of the note graph except the largest one."""
    return islands_of(note_links_of(g))


def islands_of(links: NoteLinks) -> list[Island]:
    """:func:`islands` over :class:`NoteLinks`."""
    import networkx as nx

    u = nx.Graph()
    u.add_nodes_from(range(len(links.paths)))
    u.add_edges_from(zip(links.src.tolist(), links.dst.tolist(), strict=True))
    paths = links.paths
    parts = sorted((sorted(paths[i] for i in c) for c in nx.connected_components(u)),
                   key=lambda c: (-len(c), c))
    return [Island(len(c), tuple(c)) for c in parts[1:]]


# --- a plain view for the exporters ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class View:
    """The graph as plain lists: what the exporters in graph_export and _html_view read."""

    name: str
    nodes: tuple[dict[str, Any], ...]  # id, kind, label, path
    edges: tuple[dict[str, Any], ...]  # source, target, key, kind, line, column, ...


def view(g: nx.MultiDiGraph) -> View:
    nodes = tuple({"id": n, **attrs} for n, attrs in g.nodes(data=True))
    edges = tuple({"source": u, "target": v, "key": k, **attrs}
                  for u, v, k, attrs in g.edges(keys=True, data=True))
    return View(str(g.graph.get("name", "vault")), nodes, edges)


def to_graphml(g: nx.MultiDiGraph) -> str:
    import networkx as nx

    return "\n".join(nx.generate_graphml(_typed(g))) + "\n"


def to_gexf(g: nx.MultiDiGraph) -> str:
    import networkx as nx

    return "\n".join(nx.generate_gexf(_typed(g))) + "\n"


def _typed(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attributes GraphML and GEXF can hold: no None, no lists, XML-safe."""
    h = g.__class__()
    h.graph.update({k: _plain(v) for k, v in g.graph.items()})
    for n, attrs in g.nodes(data=True):
        h.add_node(_xml_safe(n), **{k: _plain(v) for k, v in attrs.items()})
    for u, v, k, attrs in g.edges(keys=True, data=True):
        h.add_edge(_xml_safe(u), _xml_safe(v), key=k, **{a: _plain(x) for a, x in attrs.items()})
    return h


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_xml_safe(str(v)) for v in value)
    if isinstance(value, str):
        return _xml_safe(value)
    return value


def _xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry (control characters, lone surrogates)."""
    if text.isprintable():
        return text
    return "".join(c for c in text if c in "\t\n\r" or (" " <= c <= "\ud7ff")
                   or ("\ue000" <= c <= "\ufffd") or c >= "\U00010000")
