"""Exports of the entity graph: node-link JSON, GraphML, GEXF, DOT, Mermaid and HTML.

GraphML and GEXF go through networkx's writers (:func:`vaultkit.graph.to_graphml`); the
others are written here from the plain :class:`vaultkit.graph.View`, with every name
quoted or escaped for its format. Pure: a graph in, text out (the caller writes it).
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from . import graph as gr

if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("json", "graphml", "gexf", "dot", "mermaid", "html")
EXTENSIONS = {
    ".json": "json", ".graphml": "graphml", ".gexf": "gexf", ".dot": "dot", ".gv": "dot",
    ".mmd": "mermaid", ".mermaid": "mermaid", ".html": "html", ".htm": "html",
}

# colours shared by DOT and Mermaid (the HTML view has the same palette)
STYLE = {
    "note": ("#dbe8ff", "#4a72b8"),
    "attachment": ("#ffe9cc", "#c8872e"),
    "ghost": ("#ffffff", "#9a9a9a"),
    "tag": ("#dcf5dc", "#3c963c"),
}


def export(g: nx.MultiDiGraph, fmt: str) -> str:
    """The graph as text in ``fmt`` (one of FORMATS)."""
    if fmt == "graphml":
        return gr.to_graphml(g)
    if fmt == "gexf":
        return gr.to_gexf(g)
    view = gr.view(g)
    if fmt == "json":
        return to_json(view)
    if fmt == "dot":
        return to_dot(view)
    if fmt == "mermaid":
        return to_mermaid(view)
    if fmt == "html":
        from ._html_view import to_html

        return to_html(view)
    raise ValueError(f"unknown graph format {fmt!r}")


def to_json(view: gr.View) -> str:
    """networkx's node-link format (``nx.node_link_graph(data, edges="links")`` reads it),
    one node or link a line."""
    def items(rows: tuple[dict[str, object], ...]) -> str:  # one node or link a line
        return ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in rows)

    head = json.dumps({"directed": True, "multigraph": True, "graph": {"name": view.name}},
                      ensure_ascii=False)[:-1]
    return (f'{head},\n "nodes": [\n{items(view.nodes)}\n ],\n'
            f' "links": [\n{items(view.edges)}\n ]\n}}\n')


# --- Graphviz DOT --------------------------------------------------------------------------


def dot_quote(text: str) -> str:
    """A DOT quoted string: ``"`` and ``\\`` escaped, line breaks as ``\\n``."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n") + '"'


_DOT_NODE = {
    "note": 'shape=ellipse, style=filled',
    "attachment": 'shape=box, style=filled',
    "ghost": 'shape=ellipse, style="dashed,filled", fontcolor="#777777"',
    "tag": 'shape=hexagon, style=filled',
}
_DOT_EDGE = {"link": "", "embed": "style=dashed", "frontmatter": "style=dotted",
             "tag": 'color="#3c963c", arrowhead=none'}


def to_dot(view: gr.View) -> str:
    """Graphviz DOT: nodes keyed by their graph id, one edge per linked pair
    (``weight`` = number of links; ``penwidth`` grows with it)."""
    out = [f"digraph {dot_quote(view.name)} {{",
           '  graph [overlap=false, splines=true];',
           '  node [fontname="Helvetica", fontsize=10];',
           '  edge [color="#8a8a8a", arrowsize=0.6];']
    for n in view.nodes:
        fill, line = STYLE.get(n["kind"], STYLE["note"])
        attrs = [f"label={dot_quote(n['label'])}", f"kind={dot_quote(n['kind'])}",
                 _DOT_NODE.get(n["kind"], ""), f'fillcolor="{fill}"', f'color="{line}"']
        if n.get("path"):
            attrs.append(f"tooltip={dot_quote(n['path'])}")
        out.append(f"  {dot_quote(n['id'])} [{', '.join(a for a in attrs if a)}];")
    for (u, v), kinds in _pairs(view).items():
        count = sum(kinds.values())
        kind = _main_kind(kinds)
        attrs = [f"kind={dot_quote(kind)}", _DOT_EDGE.get(kind, ""), f"weight={count}"]
        if count > 1:
            attrs.append(f"penwidth={1 + math.log2(count):.2f}")
        out.append(f"  {dot_quote(u)} -> {dot_quote(v)} [{', '.join(a for a in attrs if a)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _main_kind(kinds: Counter[str]) -> str:
    """How a pair is drawn: as a link if any of its links is one, else embed, ..."""
    return next((k for k in ("link", "embed", "frontmatter", "tag") if k in kinds),
                next(iter(kinds)))


def _pairs(view: gr.View) -> dict[tuple[str, str], Counter[str]]:
    pairs: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for e in view.edges:
        pairs[e["source"], e["target"]][e["kind"]] += 1
    return pairs


# --- Mermaid -------------------------------------------------------------------------------

_MERMAID_ESCAPES = str.maketrans({
    "#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;",
    "\n": " ", "\r": " ", "\t": " ",
})
_MERMAID_SHAPE = {"note": ('["', '"]'), "attachment": ('[/"', '"/]'),
                  "ghost": ('(["', '"])'), "tag": ('{{"', '"}}')}
_MERMAID_ARROW = {"link": "-->", "embed": "-.->", "frontmatter": "==>", "tag": "---"}


def mermaid_label(text: str) -> str:
    """A label for inside ``"…"``: Mermaid's entity codes for ``# " < > & ` ``."""
    return text.translate(_MERMAID_ESCAPES)


def to_mermaid(view: gr.View) -> str:
    """A Mermaid flowchart: nodes as ``n0``, ``n1``… with escaped labels, one arrow per
    linked pair, a class per node kind. Mermaid draws up to 500 edges by default: use
    ``--folder`` or ``--around`` for a bigger vault."""
    ids = {n["id"]: f"n{i}" for i, n in enumerate(view.nodes)}
    out = ["flowchart LR"]
    for n in view.nodes:
        left, right = _MERMAID_SHAPE.get(n["kind"], _MERMAID_SHAPE["note"])
        out.append(f"  {ids[n['id']]}{left}{mermaid_label(n['label'])}{right}:::{n['kind']}")
    for (u, v), kinds in _pairs(view).items():
        arrow = _MERMAID_ARROW.get(_main_kind(kinds), "-->")
        out.append(f"  {ids[u]} {arrow} {ids[v]}")
    for kind, (fill, line) in STYLE.items():
        extra = ",stroke-dasharray:4 3,color:#777777" if kind == "ghost" else ""
        out.append(f"  classDef {kind} fill:{fill},stroke:{line}{extra}")
    return "\n".join(out) + "\n"


def node_count_line(view: gr.View) -> str:
    kinds = Counter(n["kind"] for n in view.nodes)
    parts = [f"{kinds[k]} {k}{'s' if kinds[k] != 1 else ''}" for k in gr.NODE_KINDS if kinds[k]]
    return f"{', '.join(parts) or 'no nodes'}; {len(view.edges)} edges"
