"""The HTML graph view in a real headless Chromium, driven over the DevTools protocol.

Skipped where no Chromium is installed (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vaultkit import Vault
from vaultkit import graph_export as ex

from .cdp import Browser, find_chromium
from .conftest import Cli, VaultFactory

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium)")

XSS_NOTE = "<script>window.__xss=1</script>.md"  # a folder "<script>…<" and a note
FILES: dict[str, str | bytes] = {
    "Home.md": "# Home\nSee [[Cohere]], [[Gemini]] and ![[chart.png]]. #hub\n",
    "Orgs/Cohere.md": "Cohere. Back to [[Home]].\n",
    "Models/Gemini.md": "By [[Google]]. [[Gemeni]] typo.\n",
    "Google.md": "Makes [[Gemini]] and [[<img src=x onerror=window.__xss=3>]].\n",
    XSS_NOTE: "Links [[Home]] and [[Cohere]].\n",
    "<img src=x onerror=window.__xss=2>.md": "Links [[Home]]. #<b>x\n",
    "chart.png": b"\x89PNG\r\n\x1a\n",
}


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    assert CHROMIUM is not None
    b = Browser(CHROMIUM, tmp_path / "profile")
    yield b
    b.close()


@pytest.fixture
def page(make_vault: VaultFactory, cli: Cli, tmp_path: Path) -> tuple[Path, int]:
    root = make_vault(FILES)
    out = tmp_path / "graph.html"
    cli("graph", "--include-tags", "--vault", str(root), "-o", str(out))
    with Vault.open(root) as v:
        nodes = v.graph(include_tags=True).number_of_nodes()
    return out, nodes


def test_view_loads_searches_selects_and_runs_no_names(browser: Browser,
                                                      page: tuple[Path, int]) -> None:
    html, nodes = page
    browser.open(html.as_uri())
    browser.wait_for("window.vaultkitGraph && window.vaultkitGraph.ready")
    assert browser.errors() == []
    assert browser.eval("window.vaultkitGraph.nodeCount") == nodes
    assert browser.eval("document.body.dataset.nodes") == str(nodes)
    assert browser.eval("document.getElementById('legend').textContent").count("s ") == 4

    # typing in the search box finds the note; Enter selects it and lists its backlinks
    browser.eval("document.getElementById('search').focus()")
    browser.send("Input.insertText", {"text": "coher"})
    assert browser.eval("document.getElementById('matches').textContent") == "1 match"
    for kind in ("keyDown", "keyUp"):
        browser.send("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter",
                                                "windowsVirtualKeyCode": 13})
    assert browser.eval("window.vaultkitGraph.selected") == "Orgs/Cohere.md"
    assert browser.eval("document.getElementById('sel-label').textContent") == "Cohere"
    backlinks = browser.eval(
        "[...document.querySelectorAll('#backlinks li button')].map(b => b.textContent)")
    assert sorted(backlinks) == sorted(["Home", "script>"])

    # a click on a node shows its backlinks
    browser.wait_for("window.vaultkitGraph.settled")
    x, y = browser.eval("window.vaultkitGraph.position('Models/Gemini.md')")
    for kind in ("mousePressed", "mouseReleased"):
        browser.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y,
                                                  "button": "left", "clickCount": 1})
    assert browser.eval("window.vaultkitGraph.selected") == "Models/Gemini.md"
    assert browser.eval("document.getElementById('bl-count').textContent") == "(2)"

    # names full of markup are text: nothing ran, no element was made from them
    assert browser.eval("typeof window.__xss") == "undefined"
    assert browser.eval("document.scripts.length") == 2
    assert browser.eval("document.querySelectorAll('img, iframe, object').length") == 0
    assert browser.eval("window.vaultkitGraph.search('onerror')") == 2
    shown = browser.eval(
        "[...document.querySelectorAll('#results li button')].map(b => b.textContent)")
    assert sorted(shown) == ["<img src=x onerror=window.__xss=2>",
                             "<img src=x onerror=window.__xss=3>"]
    assert browser.eval("window.vaultkitGraph.select(" + repr(XSS_NOTE) + ")") is True
    assert browser.eval("document.getElementById('sel-meta').textContent") == \
        "note · " + XSS_NOTE
    assert browser.eval("typeof window.__xss") == "undefined"
    assert browser.errors() == []


def test_deep_link_selects_a_node(browser: Browser, page: tuple[Path, int]) -> None:
    html, _ = page
    browser.open(html.as_uri() + "#search=gemini")
    browser.wait_for("window.vaultkitGraph && window.vaultkitGraph.ready")
    assert browser.eval("window.vaultkitGraph.selected") == "Models/Gemini.md"
    assert browser.eval("window.vaultkitGraph.matches") == ["Models/Gemini.md"]


def test_harness_sees_script_errors(browser: Browser, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<!doctype html><script>null.boom()</script>", encoding="utf-8")
    browser.open(broken.as_uri())
    assert browser.errors(), "the harness must notice an uncaught error"


def test_empty_graph_page(browser: Browser, tmp_path: Path) -> None:
    from vaultkit import graph as gr

    empty = tmp_path / "empty.html"
    empty.write_text(ex.export(gr.build([], []), "html"), encoding="utf-8")
    browser.open(empty.as_uri())
    browser.wait_for("window.vaultkitGraph && window.vaultkitGraph.ready")
    assert browser.eval("window.vaultkitGraph.nodeCount") == 0
    assert browser.errors() == []
