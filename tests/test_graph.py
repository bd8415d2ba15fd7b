"""The entity graph (vaultkit.graph), its exports and the analytics commands."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import networkx as nx
import pytest

from vaultkit import Vault
from vaultkit import graph as gr
from vaultkit import graph_export as ex
from vaultkit._html_view import script_json

from .conftest import Cli, VaultFactory

FILES: dict[str, str | bytes] = {
    "Home.md": (
        "---\nup: \"[[Index]]\"\ntags: [hub]\n---\n# Home\n"
        "See [[Cohere]], [[Models/BERT|BERT]] and [[Cohere#History]].\n"
        "Missing: [[Gemeni]] and ![[diagram.png]]. #hub\n"
    ),
    "Index.md": "Start at [[Home]]. [[gemeni]] again.\n",
    "Orgs/Cohere.md": "Cohere builds [[Command]]. Back [[Home#^top]]. #org\n",
    "Models/BERT.md": "By [[Google]]. [[Gemeni.md]] typo. [[#Intro]] self. #model\n",
    "Google.md": "Google made [[Models/BERT]]. #org\n",
    "Lonely.md": "Nothing here.\n",
    "Pair/A.md": "[[B]]\n",
    "Pair/B.md": "[[A]]\n",
    "diagram.png": b"\x89PNG\r\n\x1a\n",
    "weird/<script>alert(1)<\\script> \"q\" & #x.md": "Links [[Home]].\n",
}


@pytest.fixture
def vault_path(make_vault: VaultFactory) -> Path:
    return make_vault(FILES)


@pytest.fixture
def vault(vault_path: Path) -> Vault:
    v = Vault.open(vault_path)
    yield v
    v.close()


def test_one_edge_per_link_and_one_ghost_per_missing_name(vault: Vault) -> None:
    g = vault.graph()
    stats = vault.stats()
    assert g.number_of_edges() == stats.resolved + stats.unresolved == stats.links
    ghosts = {n for n, kind in g.nodes(data="kind") if kind == "ghost"}
    assert ghosts == {gr.GHOST + gr.ghost_key(u.target) for u in vault.unresolved()}
    assert ghosts == {"ghost:gemeni", "ghost:command", "ghost:google"} - {"ghost:google"}
    assert g.nodes["ghost:gemeni"] == {"kind": "ghost", "label": "Gemeni", "path": None}
    assert g.in_degree("ghost:gemeni") == 3  # [[Gemeni]], [[gemeni]], [[Gemeni.md]]


def test_nodes_and_edge_attributes(vault: Vault) -> None:
    g = vault.graph()
    assert g.nodes["Orgs/Cohere.md"] == {"kind": "note", "label": "Cohere",
                                         "path": "Orgs/Cohere.md"}
    assert g.nodes["diagram.png"]["kind"] == "attachment"
    home_cohere = sorted(g.get_edge_data("Home.md", "Orgs/Cohere.md").values(),
                         key=lambda e: e["column"])
    assert [(e["line"], e["column"], e["subpath"], e["kind"]) for e in home_cohere] == [
        (6, 5, "", "link"), (6, 42, "#History", "link")]
    embed = next(iter(g.get_edge_data("Home.md", "diagram.png").values()))
    assert embed["kind"] == "embed" and embed["text"] == "![[diagram.png]]"
    front = next(iter(g.get_edge_data("Home.md", "Index.md").values()))
    assert front["kind"] == "frontmatter" and front["line"] == 2
    block = next(iter(g.get_edge_data("Orgs/Cohere.md", "Home.md").values()))
    assert block["subpath"] == "#^top"
    assert g.has_edge("Models/BERT.md", "Models/BERT.md")  # [[#Intro]]: a self-loop


def test_options_tags_ghosts_excluded(vault_path: Path, vault: Vault) -> None:
    tagged = vault.graph(include_tags=True)
    assert tagged.nodes["tag:org"] == {"kind": "tag", "label": "#org", "path": None}
    assert set(tagged.predecessors("tag:org")) == {"Orgs/Cohere.md", "Google.md"}
    assert tagged.number_of_edges("Home.md", "tag:hub") == 2  # frontmatter and body
    plain = vault.graph(ghosts=False)
    assert not any(k == "ghost" for _, k in plain.nodes(data="kind"))
    assert plain.number_of_edges() == vault.stats().resolved
    (vault_path / ".obsidian" / "app.json").write_text('{"userIgnoreFilters": ["Pair/"]}')
    vault.refresh()
    assert "Pair/A.md" not in vault.graph()
    assert "Pair/A.md" in vault.graph(excluded=True)


def test_folder_and_around(vault: Vault) -> None:
    g = vault.graph()
    sub = gr.in_folder(g, "Models")
    assert set(sub) == {"Models/BERT.md", "ghost:gemeni"}
    ego = gr.around(g, "Orgs/Cohere.md", 1)
    assert set(ego) == {"Orgs/Cohere.md", "Home.md", "ghost:command"}
    assert "Index.md" in gr.around(g, "Orgs/Cohere.md", 2)


# --- exports ---------------------------------------------------------------------------


def test_json_export_is_node_link_data(vault: Vault) -> None:
    g = vault.graph(include_tags=True)
    data = json.loads(ex.export(g, "json"))
    assert data["directed"] and data["multigraph"]
    back = nx.node_link_graph(data, edges="links") if nx.__version__ >= "3.4" else \
        nx.node_link_graph(data)
    assert set(back) == set(g) and back.number_of_edges() == g.number_of_edges()
    assert back.nodes["ghost:gemeni"]["path"] is None


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graphml_and_gexf_parse_back(vault: Vault, fmt: str) -> None:
    g = vault.graph(include_tags=True)
    text = ex.export(g, fmt)
    back = (nx.parse_graphml(text) if fmt == "graphml"
            else nx.read_gexf(io.BytesIO(text.encode("utf-8"))))
    assert set(back) == set(g)
    assert back.number_of_edges() == g.number_of_edges()
    assert back.nodes["ghost:gemeni"]["kind"] == "ghost"
    assert back.nodes["ghost:gemeni"]["path"] == ""  # None cannot be stored: ""
    edges = [d for _, _, d in back.edges(data=True)]
    assert {d["kind"] for d in edges} == {"link", "embed", "frontmatter", "tag"}
    assert all(isinstance(d["line"], int) for d in edges)


def test_graphml_drops_characters_xml_cannot_hold() -> None:
    g = gr.build([gr.FileNode("bell\x07.md", True)], [])
    assert "bell.md" in nx.parse_graphml(ex.export(g, "graphml"))


def test_dot_quotes_every_name(vault: Vault) -> None:
    g = vault.graph(include_tags=True)
    text = ex.export(g, "dot")
    assert text.startswith('digraph "vault" {') and text.rstrip().endswith("}")
    for node in g:
        assert f"  {ex.dot_quote(node)} [" in text
    assert ex.dot_quote('say "hi" \\ x\ny') == '"say \\"hi\\" \\\\ x\\ny"'
    assert ex.dot_quote("ends with \\") == '"ends with \\\\"'
    assert '"Home.md" -> "Orgs/Cohere.md" [kind="link", weight=2' in text


def test_mermaid_escapes_labels(vault: Vault) -> None:
    text = ex.export(vault.graph(), "mermaid")
    assert text.startswith("flowchart LR\n")
    assert ex.mermaid_label('<b>"x" & #1`') == "#lt;b#gt;#quot;x#quot; #amp; #35;1#96;"
    assert "<script>" not in text and '"q"' not in text
    assert "#lt;script#gt;alert(1)#lt;\\script#gt; #quot;q#quot; #amp; #35;x" in text
    node_lines = [ln for ln in text.splitlines() if ln.startswith("  n") and ":::" in ln]
    assert len(node_lines) == vault.graph().number_of_nodes()


def test_html_embeds_escaped_json_and_pins_its_script(vault: Vault) -> None:
    import base64
    import hashlib
    import re

    from vaultkit._html_view import SCRIPT

    page = ex.export(vault.graph(include_tags=True), "html")
    assert "<script>alert(1)" not in page and "http" not in page.split("<body>")[1]
    assert page.count("<script") == 2  # the data and the code, nothing else
    raw = re.search(r'<script type="application/json" id="vaultkit-data">(.*?)</script>',
                    page, re.S).group(1)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = json.loads(raw)
    assert any(n["label"].startswith("<script>alert(1)") for n in data["nodes"])
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page
    assert script_json("a\u2028b</script>") == '"a\\u2028b\\u003c/script\\u003e"'


# --- analytics -------------------------------------------------------------------------


def test_hubs(vault: Vault) -> None:
    hubs = vault.hubs(limit=3)
    assert [h.path for h in hubs] == ["Models/BERT.md", "Google.md", "Home.md"]
    by_degree = vault.hubs(limit=0, by="in-degree")
    assert (by_degree[0].path, by_degree[0].in_degree) == ("Home.md", 3)  # not counting itself
    assert [h.in_degree for h in by_degree] == sorted((h.in_degree for h in by_degree),
                                                      reverse=True)
    assert abs(sum(h.pagerank for h in by_degree) - 1) < 1e-3


def test_pagerank_matches_networkx() -> None:
    pytest.importorskip("scipy")
    d = nx.DiGraph()
    d.add_weighted_edges_from([("a", "b", 2), ("b", "c", 1), ("c", "a", 1), ("d", "a", 1),
                               ("a", "c", 1), ("e", "e", 1)])
    d.remove_edge("e", "e")
    ours = gr.pagerank(d, tol=1e-12, max_iter=1000)
    theirs = nx.pagerank(d, tol=1e-12, max_iter=1000)
    assert ours == pytest.approx(theirs, abs=1e-9)


def _power_iteration(d: nx.DiGraph, alpha: float = 0.85, steps: int = 3000) -> dict[str, float]:
    """PageRank as networkx defines it, the plain way: the oracle for our numpy one."""
    nodes = list(d)
    n = len(nodes)
    out = {u: sum(w for _, _, w in d.out_edges(u, data="weight")) for u in nodes}
    x = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(steps):
        spread = alpha * sum(x[u] for u in nodes if out[u] == 0) / n + (1 - alpha) / n
        x = {v: spread + alpha * sum(x[u] * w / out[u] for u, _, w in d.in_edges(v, data="weight"))
             for v in nodes}
    return x


def test_pagerank_matches_a_plain_power_iteration() -> None:
    import random

    rng = random.Random(7)
    d = nx.DiGraph()
    d.add_nodes_from(f"n{i}" for i in range(60))  # some with no links at all
    for _ in range(150):
        u, v = rng.sample(range(50), 2)
        d.add_edge(f"n{u}", f"n{v}", weight=rng.randint(1, 4))
    ours = gr.pagerank(d, tol=1e-15, max_iter=3000)
    assert ours == pytest.approx(_power_iteration(d), abs=1e-12)
    assert sum(ours.values()) == pytest.approx(1)
    assert gr.pagerank(nx.DiGraph()) == {}


def test_the_index_gives_the_note_links_the_graph_gives(make_vault: VaultFactory) -> None:
    """hubs and islands read linked pairs from the index, not the whole graph: the same
    notes and pairs (attachments, excluded notes, self links and ghosts left out)."""
    files: dict[str, str | bytes] = {
        **FILES, "Self.md": "[[Self]] [[Self]] [[Home]] [[Home]] [[Nowhere]]",
        "Archive/Old.md": "[[Home]]", "Home2.md": "![[diagram.png]] [[Archive/Old]]",
        ".obsidian/app.json": '{"userIgnoreFilters": ["Archive/"]}'}
    v = Vault.open(make_vault(files))
    from vaultkit import queries as q

    from_index = gr.note_links(q.graph_notes(v.index), q.linked_pairs(v.index))
    from_graph = gr.note_links_of(v.graph(ghosts=False))
    assert from_index.paths == from_graph.paths and "Archive/Old.md" not in from_index.paths
    for a, b in zip(from_index[1:], from_graph[1:], strict=True):
        assert a.tolist() == b.tolist()
    self_note = from_index.paths.index("Self.md")
    pairs = list(zip(from_index.src.tolist(), from_index.dst.tolist(),
                     from_index.weight.tolist(), strict=True))
    assert [(from_index.paths[t], w) for s_, t, w in pairs if s_ == self_note] == [
        ("Home.md", 2.0)]
    assert v.hubs(limit=0) == gr.hubs(v.graph(ghosts=False), limit=0)
    assert v.islands() == gr.islands(v.graph(ghosts=False))


def test_shortest_path(vault: Vault) -> None:
    steps = vault.shortest_path("Index", "Google")
    assert [(s.source, s.target, s.text) for s in steps] == [
        ("Index.md", "Home.md", "[[Home]]"),
        ("Home.md", "Models/BERT.md", "[[Models/BERT|BERT]]"),
        ("Models/BERT.md", "Google.md", "[[Google]]")]
    assert (steps[0].line, steps[0].column, steps[0].reverse) == (1, 10, False)
    with pytest.raises(gr.NoPath, match="try --undirected"):
        vault.shortest_path("Google", "Lonely")
    back = vault.shortest_path("Orgs/Cohere", "Index", undirected=True)
    assert back == vault.shortest_path("Orgs/Cohere", "Index")  # Cohere -> Home -> Index
    up = vault.shortest_path("Google", "Index", undirected=True)
    assert [(s.target, s.reverse) for s in up] == [
        ("Models/BERT.md", False), ("Home.md", True), ("Index.md", False)]
    assert (up[1].text, up[1].line, up[1].column) == ("[[Models/BERT|BERT]]", 6, 17)
    assert vault.shortest_path("Home", "Home") == []


def test_related_and_islands(vault: Vault) -> None:
    related = {r.path: r for r in vault.related("Orgs/Cohere")}
    assert "Home.md" not in related  # already linked
    google = related["Google.md"]
    assert google.shared_tags == ("#org",) and google.score > 0
    islands = vault.islands()
    assert [(i.size, i.notes) for i in islands] == [
        (2, ("Pair/A.md", "Pair/B.md")), (1, ("Lonely.md",))]


def test_a_link_to_a_missing_note_does_not_join_islands(make_vault: VaultFactory) -> None:
    v = Vault.open(make_vault({"A.md": "[[Ghost]]", "B.md": "[[Ghost]]", "C.md": "[[A]]"}))
    assert [i.notes for i in v.islands()] == [("B.md",)]


# --- the commands ----------------------------------------------------------------------


def test_graph_command_formats_and_atomic_output(cli: Cli, vault_path: Path,
                                                 tmp_path: Path) -> None:
    data = json.loads(cli("graph", "--vault", str(vault_path)).stdout)
    assert len(data["links"]) == 17
    assert json.loads(cli("graph", "--json", "--no-ghosts", "--vault", str(vault_path)
                          ).stdout)["nodes"][0]["kind"] != "ghost"
    out = tmp_path / "out" / "g.graphml"
    out.parent.mkdir()
    result = cli("graph", "--vault", str(vault_path), "-o", str(out))
    assert "wrote graphml" in result.stderr and result.stdout == ""
    assert nx.read_graphml(out).number_of_nodes() == len(data["nodes"])
    assert [p.name for p in out.parent.iterdir()] == ["g.graphml"]  # no temp file left
    cli("graph", "--vault", str(vault_path), "-f", "mermaid", "-o", str(out))
    assert out.read_text().startswith("flowchart")
    dot = cli("graph", "-f", "dot", "--include-tags", "--vault", str(vault_path)).stdout
    assert '"tag:org"' in dot
    ego = json.loads(cli("graph", "--around", "Cohere", "--depth", "1", "--vault",
                         str(vault_path)).stdout)
    assert {n["id"] for n in ego["nodes"]} == {"Orgs/Cohere.md", "Home.md", "ghost:command"}
    folder = json.loads(cli("graph", "--folder", "Pair", "--vault", str(vault_path)).stdout)
    assert {n["id"] for n in folder["nodes"]} == {"Pair/A.md", "Pair/B.md"}


@pytest.mark.parametrize("args", [
    ("-f", "png"), ("--depth", "2"), ("--json", "-f", "dot"), ("--folder", "Nope"),
    ("--around", "Nothing"),
])
def test_graph_command_usage_errors(cli: Cli, vault_path: Path, args: tuple[str, ...]) -> None:
    result = cli("graph", "--vault", str(vault_path), *args, code=2)
    assert result.stderr.startswith("vaultkit: error:") and result.stdout == ""


def test_analytics_commands_json(cli: Cli, vault_path: Path) -> None:
    v = ("--vault", str(vault_path))
    hubs = cli.json("hubs", *v)
    assert set(hubs[0]) == {"path", "in_degree", "pagerank"}
    assert hubs[0]["path"] == "Models/BERT.md"
    assert cli.json("hubs", "--by", "in-degree", "-n", "1", *v)[0]["path"] == "Home.md"
    steps = cli.json("path", "Index", "Google", *v)
    assert [s["target"] for s in steps] == ["Home.md", "Models/BERT.md", "Google.md"]
    assert set(steps[0]) == {"source", "target", "line", "column", "text", "reverse"}
    related = cli.json("related", "Cohere", *v)
    assert set(related[0]) == {"path", "score", "shared_links", "shared_backlinks",
                               "shared_tags"}
    assert cli.json("islands", *v)[0] == {"size": 2, "notes": ["Pair/A.md", "Pair/B.md"]}


def test_path_command_prints_the_chain_and_fails_without_one(cli: Cli, vault_path: Path
                                                            ) -> None:
    out = cli("path", "Index", "Google", "--vault", str(vault_path)).stdout
    assert out.splitlines() == [
        "Index.md",
        "  -> Home.md    via [[Home]] at Index.md:1:10",
        "  -> Models/BERT.md    via [[Models/BERT|BERT]] at Home.md:6:17",
        "  -> Google.md    via [[Google]] at Models/BERT.md:1:4",
    ]
    result = cli("path", "Google", "Lonely", "--vault", str(vault_path), code=2)
    assert "no chain of links leads from Google.md to Lonely.md" in result.stderr
    assert result.stdout == ""


def test_graphviz_reads_the_dot_export() -> None:
    import shutil

    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz's dot is not installed (Debian: apt-get install graphviz)")
    names = ["a\\", 'q"uote.md', 'x\\"y.md', "<b>&.md", "nl\nx.md", "ümlaut.md"]
    g = gr.build([gr.FileNode(p, True) for p in names],
                 [gr.LinkEdge("a\\", 'q"uote.md', "q", 1, 1, "[[q]]")])
    result = subprocess.run([dot, "-Tplain"], input=ex.export(g, "dot"), capture_output=True,
                            text=True, check=True)
    lines = result.stdout.splitlines()
    assert sum(ln.startswith("node ") for ln in lines) == len(names)
    assert sum(ln.startswith("edge ") for ln in lines) == 1
