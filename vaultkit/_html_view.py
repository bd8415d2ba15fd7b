"""The graph as one self-contained HTML page: canvas, force layout, search, backlinks.

Works offline: no CDN, no request of any kind. The page's Content-Security-Policy allows
only its own script (by hash) and inline styles, so nothing else can run in it even if a
name got through. Names never become markup: the data is JSON inside
``<script type="application/json">`` with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped,
and the script puts text on the page with ``textContent`` and ``fillText`` only.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from typing import Any

from .graph import NODE_KINDS, View

EDGE_KINDS = ("link", "embed", "frontmatter", "tag")


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element of an HTML page."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def to_html(view: View) -> str:
    index = {n["id"]: i for i, n in enumerate(view.nodes)}
    data = {
        "name": view.name,
        "nodes": [{"id": n["id"], "label": n["label"], "kind": NODE_KINDS.index(n["kind"]),
                   "path": n.get("path")} for n in view.nodes],
        # [source, target, kind, line, column, text]
        "edges": [[index[e["source"]], index[e["target"]], EDGE_KINDS.index(e["kind"]),
                   e["line"], e["column"], e["text"]] for e in view.edges],
    }
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode()
    return (PAGE.replace("__TITLE__", html.escape(view.name))
            .replace("__CSP_HASH__", digest)
            .replace("__DATA__", script_json(data))
            .replace("__SCRIPT__", SCRIPT))


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
style-src 'unsafe-inline'; script-src 'sha256-__CSP_HASH__'">
<title>__TITLE__ · vaultkit graph</title>
<style>
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, -apple-system, "Segoe UI",
  Roboto, sans-serif; color: #1f2328; background: #fbfbfd; }
body { display: flex; flex-direction: column; }
header { display: flex; gap: 12px; align-items: center; padding: 8px 12px;
  border-bottom: 1px solid #e3e5ea; background: #fff; flex-wrap: wrap; }
header strong { font-size: 15px; }
#search { width: 260px; padding: 5px 8px; border: 1px solid #c9ced6; border-radius: 6px;
  font: inherit; }
#matches { color: #6a737d; min-width: 70px; }
#legend { display: flex; gap: 12px; margin-left: auto; color: #444; }
.sw { display: inline-block; width: 11px; height: 11px; margin-right: 4px;
  vertical-align: -1px; border: 1.5px solid; }
.k0 { background: #4a72b8; border-color: #2f4f8a; border-radius: 50%; }
.k1 { background: #f0a848; border-color: #b8731f; }
.k2 { background: #fff; border-color: #9a9a9a; border-style: dashed; border-radius: 50%; }
.k3 { background: #3c963c; border-color: #2b6e2b; transform: rotate(45deg) scale(.85); }
main { flex: 1; position: relative; min-height: 0; }
canvas { position: absolute; inset: 0; width: 100%; height: 100%; cursor: grab;
  display: block; }
canvas.dragging { cursor: grabbing; }
aside { position: absolute; top: 10px; right: 10px; width: 320px; max-height: calc(100% - 20px);
  overflow: auto; background: #fff; border: 1px solid #e3e5ea; border-radius: 8px;
  padding: 10px 14px; box-shadow: 0 2px 10px rgba(0,0,0,.08); }
aside h2 { font-size: 16px; margin: 0 0 2px; word-break: break-word; }
aside h3 { font-size: 13px; margin: 12px 0 4px; color: #444; }
aside p { margin: 0; color: #6a737d; font-size: 12px; word-break: break-all; }
ul { list-style: none; margin: 0; padding: 0; }
li { padding: 3px 0; border-top: 1px solid #f0f1f4; font-size: 12px; word-break: break-word; }
li button { all: unset; cursor: pointer; color: #2f5fb3; font-weight: 600; }
li button:hover, li button:focus { text-decoration: underline; }
li .where { color: #6a737d; }
#results { position: absolute; top: 6px; left: 10px; width: 300px; max-height: 50%;
  overflow: auto; background: #fff; border: 1px solid #e3e5ea; border-radius: 8px;
  padding: 4px 10px; box-shadow: 0 2px 10px rgba(0,0,0,.08); }
#close { all: unset; float: right; cursor: pointer; color: #6a737d; font-size: 16px; }
footer { padding: 4px 12px; color: #6a737d; font-size: 12px; border-top: 1px solid #e3e5ea;
  background: #fff; }
</style>
</head>
<body>
<header>
<strong id="title"></strong>
<input id="search" type="search" placeholder="Search notes…" autocomplete="off"
 spellcheck="false" aria-label="Search notes">
<span id="matches" aria-live="polite"></span>
<span id="legend"></span>
</header>
<main>
<canvas id="graph" aria-label="Graph of the vault"></canvas>
<ul id="results" hidden></ul>
<aside id="panel" hidden>
<button id="close" type="button" aria-label="Close">×</button>
<h2 id="sel-label"></h2>
<p id="sel-meta"></p>
<h3>Backlinks <span id="bl-count"></span></h3>
<ul id="backlinks"></ul>
<h3>Links <span id="ol-count"></span></h3>
<ul id="outlinks"></ul>
</aside>
</main>
<footer id="status">Drag to pan, scroll to zoom, click a node for its backlinks.</footer>
<script type="application/json" id="vaultkit-data">__DATA__</script>
<script>__SCRIPT__</script>
</body>
</html>
"""

SCRIPT = r"""
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("vaultkit-data").textContent);
  const nodes = data.nodes, edges = data.edges, N = nodes.length;
  const KIND = ["note", "attachment", "ghost", "tag"];
  const FILL = ["#4a72b8", "#f0a848", "#ffffff", "#3c963c"];
  const LINE = ["#2f4f8a", "#b8731f", "#9a9a9a", "#2b6e2b"];
  const $ = (id) => document.getElementById(id);
  const canvas = $("graph"), ctx = canvas.getContext("2d");

  // --- structure -------------------------------------------------------------------
  const outE = [], inE = [];
  for (let i = 0; i < N; i++) { outE.push([]); inE.push([]); }
  edges.forEach((e, i) => { outE[e[0]].push(i); inE[e[1]].push(i); });
  const pairs = [], seen = new Map();  // one segment per linked pair: [a, b, kind]
  for (const e of edges) {
    if (e[0] === e[1]) continue;
    const key = Math.min(e[0], e[1]) * N + Math.max(e[0], e[1]);
    if (!seen.has(key)) { seen.set(key, pairs.length); pairs.push([e[0], e[1], e[2]]); }
  }
  const deg = new Float64Array(N);
  for (const p of pairs) { deg[p[0]]++; deg[p[1]]++; }
  const backlinks = new Int32Array(N);
  for (let i = 0; i < N; i++) backlinks[i] = new Set(inE[i].map((k) => edges[k][0])).size;
  const radius = (i) => nodes[i].kind === 3 ? 4.5 : 3.5 + Math.sqrt(backlinks[i]) * 1.7;
  const lower = nodes.map((n) => (n.label + "\u0000" + (n.path || "")).toLowerCase());

  // --- layout: a d3-style force simulation, Barnes-Hut for the repulsion ------------
  const X = new Float64Array(N), Y = new Float64Array(N);
  const VX = new Float64Array(N), VY = new Float64Array(N), pinned = new Uint8Array(N);
  const order = Array.from({ length: N }, (_, i) => i).sort((a, b) => deg[b] - deg[a] || a - b);
  order.forEach((i, rank) => {  // a sunflower spiral, hubs in the middle: no randomness
    const r = 14 * Math.sqrt(rank + 0.5), a = rank * 2.399963229728653;
    X[i] = r * Math.cos(a); Y[i] = r * Math.sin(a);
  });
  let seed = 1;
  const jiggle = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 1e-6;
  let alpha = 1;
  const ALPHA_MIN = 0.001, DECAY = 1 - Math.pow(ALPHA_MIN, 1 / 300);

  // Barnes-Hut quadtree in flat arrays, rebuilt every tick. QPT: -2 inner cell, -1 empty
  // leaf, else the first point of the leaf's list (NEXT links the others).
  let cap = 0, qn = 0, QX, QY, QS, QM, QCX, QCY, QKID, QPT;
  const NEXT = new Int32Array(N), stack = [];
  function reserve(n) {
    if (n <= cap) return;
    const c = Math.max(n, 2 * cap, 64);
    const f = (a) => { const t = new Float64Array(c); if (a) t.set(a); return t; };
    const g = (a, m) => { const t = new Int32Array(c * m).fill(-1); if (a) t.set(a); return t; };
    QX = f(QX); QY = f(QY); QS = f(QS); QM = f(QM); QCX = f(QCX); QCY = f(QCY);
    QKID = g(QKID, 4); QPT = g(QPT, 1); cap = c;
  }
  function quad(x, y, s) {
    reserve(qn + 1);
    QX[qn] = x; QY[qn] = y; QS[qn] = s; QPT[qn] = -1;
    QKID[4 * qn] = QKID[4 * qn + 1] = QKID[4 * qn + 2] = QKID[4 * qn + 3] = -1;
    return qn++;
  }
  function child(q, i) {
    const h = QS[q] / 2, r = X[i] >= QX[q] + h ? 1 : 0, b = Y[i] >= QY[q] + h ? 1 : 0;
    const c = 4 * q + r + 2 * b;
    if (QKID[c] < 0) { const k = quad(QX[q] + r * h, QY[q] + b * h, h); QKID[c] = k; }
    return QKID[c];
  }
  function insert(i) {
    let q = 0, depth = 0;
    for (;;) {
      const p = QPT[q];
      if (p === -2) { q = child(q, i); depth++; continue; }
      if (p === -1) { QPT[q] = i; NEXT[i] = -1; return; }
      if (depth > 24 || (X[p] === X[i] && Y[p] === Y[i])) { NEXT[i] = p; QPT[q] = i; return; }
      QPT[q] = -2;  // split the leaf: its points go one level down
      for (let j = p; j >= 0;) {
        const nx = NEXT[j], c = child(q, j);
        NEXT[j] = QPT[c]; QPT[c] = j; j = nx;
      }
    }
  }
  function mass() {  // children always come after their parent
    for (let q = qn - 1; q >= 0; q--) {
      let m = 0, cx = 0, cy = 0;
      if (QPT[q] === -2) {
        for (let c = 4 * q; c < 4 * q + 4; c++) {
          const k = QKID[c];
          if (k >= 0) { m += QM[k]; cx += QCX[k] * QM[k]; cy += QCY[k] * QM[k]; }
        }
      } else for (let j = QPT[q]; j >= 0; j = NEXT[j]) { m++; cx += X[j]; cy += Y[j]; }
      QM[q] = m; QCX[q] = m ? cx / m : 0; QCY[q] = m ? cy / m : 0;
    }
  }
  const FAR = 700 * 700;  // no repulsion beyond this: lone nodes stay near the rest
  function push(i, w) {
    const xi = X[i], yi = Y[i];
    let vx = 0, vy = 0, top = 0;
    stack[top++] = 0;
    while (top) {
      const q = stack[--top];
      if (QM[q] === 0) continue;
      let dx = QCX[q] - xi, dy = QCY[q] - yi, d2 = dx * dx + dy * dy;
      const s2 = QS[q] * QS[q];
      if (d2 > FAR && d2 > 2 * s2) continue;
      if (QPT[q] === -2) {
        if (s2 < d2) { vx += dx * w * QM[q] / d2; vy += dy * w * QM[q] / d2; continue; }
        for (let c = 4 * q; c < 4 * q + 4; c++) if (QKID[c] >= 0) stack[top++] = QKID[c];
        continue;
      }
      for (let j = QPT[q]; j >= 0; j = NEXT[j]) {  // a leaf: each point
        if (j === i) continue;
        dx = X[j] - xi; dy = Y[j] - yi;
        if (dx === 0) dx = jiggle();
        if (dy === 0) dy = jiggle();
        d2 = Math.max(dx * dx + dy * dy, 1);
        if (d2 > FAR) continue;
        vx += dx * w / d2; vy += dy * w / d2;
      }
    }
    VX[i] += vx; VY[i] += vy;
  }
  function tick() {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < N; i++) {
      x0 = Math.min(x0, X[i]); y0 = Math.min(y0, Y[i]);
      x1 = Math.max(x1, X[i]); y1 = Math.max(y1, Y[i]);
    }
    if (N) {
      qn = 0;
      quad(x0, y0, Math.max(x1 - x0, y1 - y0) + 1);
      for (let i = 0; i < N; i++) insert(i);
      mass();
      const w = -160 * alpha;
      for (let i = 0; i < N; i++) push(i, w);
    }
    for (let p = 0; p < pairs.length; p++) {
      const a = pairs[p][0], b = pairs[p][1];
      let dx = X[b] + VX[b] - X[a] - VX[a], dy = Y[b] + VY[b] - Y[a] - VY[a];
      const l0 = Math.sqrt(dx * dx + dy * dy) || 1e-6;
      const l = (l0 - 50) / l0 * alpha / Math.min(deg[a], deg[b]);
      const bias = deg[a] / (deg[a] + deg[b]);
      dx *= l; dy *= l;
      VX[b] -= dx * bias; VY[b] -= dy * bias; VX[a] += dx * (1 - bias); VY[a] += dy * (1 - bias);
    }
    for (let i = 0; i < N; i++) {
      VX[i] -= X[i] * 0.07 * alpha; VY[i] -= Y[i] * 0.07 * alpha;
      if (pinned[i]) { VX[i] = VY[i] = 0; continue; }
      X[i] += (VX[i] *= 0.6); Y[i] += (VY[i] *= 0.6);
    }
    alpha += (0 - alpha) * DECAY;
  }

  // --- view ------------------------------------------------------------------------
  let k = 1, tx = 0, ty = 0, touched = false, selected = -1, hover = -1;
  let matches = [], matchSet = new Set(), labelled = new Set();
  const important = new Set(order.slice(0, Math.min(12, N)));
  function size() {
    const dpr = window.devicePixelRatio || 1, r = canvas.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round(r.width * dpr));
    canvas.height = Math.max(1, Math.round(r.height * dpr));
  }
  function fit() {
    const r = canvas.getBoundingClientRect();
    if (!N || !r.width) return;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < N; i++) {
      x0 = Math.min(x0, X[i]); y0 = Math.min(y0, Y[i]);
      x1 = Math.max(x1, X[i]); y1 = Math.max(y1, Y[i]);
    }
    k = Math.min(4, 0.9 * Math.min(r.width / (x1 - x0 + 80), r.height / (y1 - y0 + 80)));
    tx = r.width / 2 - k * (x0 + x1) / 2; ty = r.height / 2 - k * (y0 + y1) / 2;
  }
  function neighbours(i) {
    const s = new Set();
    for (const e of outE[i]) s.add(edges[e][1]);
    for (const e of inE[i]) s.add(edges[e][0]);
    return s;
  }
  function draw() {
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.translate(tx, ty); ctx.scale(k, k);
    const near = selected >= 0 ? neighbours(selected) : null;
    ctx.lineWidth = 1 / k;
    for (const dashed of [false, true]) {
      ctx.setLineDash(dashed ? [4 / k, 3 / k] : []);
      ctx.beginPath();
      for (const [a, b, kind] of pairs) {
        if ((kind === 1 || kind === 2) !== dashed) continue;
        if (near && (a === selected || b === selected)) continue;
        ctx.moveTo(X[a], Y[a]); ctx.lineTo(X[b], Y[b]);
      }
      ctx.strokeStyle = near ? "rgba(120,125,135,0.15)" : "rgba(120,125,135,0.45)";
      ctx.stroke();
    }
    ctx.setLineDash([]);
    if (near) {
      ctx.beginPath();
      for (const [a, b] of pairs) {
        if (a === selected || b === selected) { ctx.moveTo(X[a], Y[a]); ctx.lineTo(X[b], Y[b]); }
      }
      ctx.strokeStyle = "#e0457b"; ctx.lineWidth = 1.6 / k; ctx.stroke();
    }
    for (let i = 0; i < N; i++) {
      const kind = nodes[i].kind, r = radius(i), x = X[i], y = Y[i];
      ctx.globalAlpha = near && i !== selected && !near.has(i) ? 0.35 : 1;
      ctx.beginPath();
      if (kind === 1) ctx.rect(x - r, y - r, 2 * r, 2 * r);
      else if (kind === 3) { ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r);
        ctx.lineTo(x - r, y); ctx.closePath(); }
      else ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fillStyle = FILL[kind]; ctx.fill();
      ctx.setLineDash(kind === 2 ? [2 / k, 2 / k] : []);
      ctx.strokeStyle = LINE[kind]; ctx.lineWidth = 1.2 / k; ctx.stroke();
      if (matchSet.has(i) || i === selected) {
        ctx.setLineDash([]); ctx.beginPath(); ctx.arc(x, y, r + 3.5 / k, 0, 2 * Math.PI);
        ctx.strokeStyle = i === selected ? "#e0457b" : "#f5a300";
        ctx.lineWidth = 2.5 / k; ctx.stroke();
      }
    }
    ctx.globalAlpha = 1; ctx.setLineDash([]);
    ctx.font = (11 / k) + "px system-ui, sans-serif"; ctx.textBaseline = "middle";
    ctx.lineWidth = 3 / k; ctx.strokeStyle = "rgba(251,251,253,0.9)"; ctx.fillStyle = "#1f2328";
    for (let i = 0; i < N; i++) {
      const show = k > 1.6 || important.has(i) || labelled.has(i) || i === selected ||
        i === hover || (near && near.has(i));
      if (!show) continue;
      const label = nodes[i].label.length > 40 ? nodes[i].label.slice(0, 39) + "…" : nodes[i].label;
      const x = X[i] + radius(i) + 3 / k;
      ctx.strokeText(label, x, Y[i]); ctx.fillText(label, x, Y[i]);
    }
  }

  // --- panel, search ---------------------------------------------------------------
  function item(list, i, where) {
    const li = document.createElement("li"), b = document.createElement("button");
    b.type = "button"; b.textContent = nodes[i].label; b.title = nodes[i].path || nodes[i].label;
    b.addEventListener("click", () => select(i, true));
    li.appendChild(b);
    if (where) {
      const s = document.createElement("span");
      s.className = "where"; s.textContent = " " + where;
      li.appendChild(s);
    }
    list.appendChild(li);
  }
  function fillList(list, count, ids, other) {
    list.replaceChildren();
    const shown = ids.filter((e) => edges[e][0] !== edges[e][1])
      .sort((a, b) => nodes[edges[a][other]].label.localeCompare(nodes[edges[b][other]].label) ||
        edges[a][3] - edges[b][3]);
    count.textContent = "(" + shown.length + ")";
    for (const e of shown.slice(0, 500)) {
      item(list, edges[e][other], "line " + edges[e][3] + ": " + edges[e][5]);
    }
  }
  function select(i, center) {
    selected = i;
    const n = nodes[i];
    $("panel").hidden = false;
    $("sel-label").textContent = n.label;
    $("sel-meta").textContent = KIND[n.kind] + (n.path ? " · " + n.path : "");
    fillList($("backlinks"), $("bl-count"), inE[i], 0);
    fillList($("outlinks"), $("ol-count"), outE[i], 1);
    api.selected = n.id;
    if (center) {
      const r = canvas.getBoundingClientRect();
      if (k < 1) k = 1;
      tx = r.width / 2 - k * X[i]; ty = r.height / 2 - k * Y[i]; touched = true;
    }
    try { history.replaceState(null, "", "#node=" + encodeURIComponent(n.id)); } catch (e) { }
    draw();
    return true;
  }
  function search(text) {
    const q = text.trim().toLowerCase();
    matches = [];
    if (q) {
      for (let i = 0; i < N; i++) if (lower[i].includes(q)) matches.push(i);
      const rank = (i) => nodes[i].label.toLowerCase() === q ? 0 :
        nodes[i].label.toLowerCase().startsWith(q) ? 1 : 2;
      matches.sort((a, b) => rank(a) - rank(b) || backlinks[b] - backlinks[a] ||
        nodes[a].label.localeCompare(nodes[b].label));
    }
    matchSet = new Set(matches);
    labelled = new Set(matches.slice(0, 25));
    const noun = matches.length === 1 ? " match" : " matches";
    $("matches").textContent = q ? matches.length + noun : "";
    const list = $("results");
    list.replaceChildren();
    for (const i of matches.slice(0, 15)) item(list, i, KIND[nodes[i].kind]);
    list.hidden = matches.length === 0;
    api.matches = matches.map((i) => nodes[i].id);
    draw();
    return matches.length;
  }

  // --- interaction -----------------------------------------------------------------
  function at(ev) {
    const r = canvas.getBoundingClientRect();
    const x = (ev.clientX - r.left - tx) / k, y = (ev.clientY - r.top - ty) / k;
    let best = -1, bestD = Infinity;
    for (let i = 0; i < N; i++) {
      const d = Math.hypot(X[i] - x, Y[i] - y);
      if (d < radius(i) + 4 / k && d < bestD) { best = i; bestD = d; }
    }
    return best;
  }
  let drag = null;
  canvas.addEventListener("pointerdown", (ev) => {
    const i = at(ev);
    drag = { i, x: ev.clientX, y: ev.clientY, moved: false };
    if (i >= 0) pinned[i] = 1;
    canvas.setPointerCapture(ev.pointerId); canvas.classList.add("dragging");
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drag) {
      const h = at(ev);
      if (h !== hover) { hover = h; canvas.title = h >= 0 ? nodes[h].label : ""; draw(); }
      return;
    }
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (!drag.moved) return;
    touched = true;
    if (drag.i >= 0) { X[drag.i] += dx / k; Y[drag.i] += dy / k; }
    else { tx += dx; ty += dy; }
    drag.x = ev.clientX; drag.y = ev.clientY;
    draw();
  });
  canvas.addEventListener("pointerup", () => {
    if (drag && !drag.moved) {
      if (drag.i >= 0) select(drag.i, false);
      else { selected = -1; $("panel").hidden = true; api.selected = null; draw(); }
    }
    if (drag && drag.i >= 0) pinned[drag.i] = 0;
    drag = null; canvas.classList.remove("dragging");
  });
  canvas.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = canvas.getBoundingClientRect(), f = Math.exp(-ev.deltaY * 0.0015);
    const mx = ev.clientX - r.left, my = ev.clientY - r.top;
    const nk = Math.min(40, Math.max(0.02, k * f));
    tx = mx - (mx - tx) * nk / k; ty = my - (my - ty) * nk / k; k = nk; touched = true;
    draw();
  }, { passive: false });
  $("close").addEventListener("click", () => {
    selected = -1; $("panel").hidden = true; api.selected = null; draw();
  });
  const input = $("search");
  input.addEventListener("input", () => search(input.value));
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && matches.length) select(matches[0], true);
    if (ev.key === "Escape") { input.value = ""; search(""); }
  });
  window.addEventListener("resize", () => { size(); if (!touched) fit(); draw(); });

  // --- start -----------------------------------------------------------------------
  const api = {
    nodeCount: N, edgeCount: edges.length, ready: false, settled: false, selected: null,
    matches: [],
    search: (q) => { input.value = q; return search(q); },
    select: (id) => {
      const i = nodes.findIndex((n) => n.id === id);
      return i >= 0 && select(i, true);
    },
    position: (id) => {  // where a node is drawn, in page coordinates
      const i = nodes.findIndex((n) => n.id === id), r = canvas.getBoundingClientRect();
      return i < 0 ? null : [r.left + tx + k * X[i], r.top + ty + k * Y[i]];
    },
  };
  window.vaultkitGraph = api;
  $("title").textContent = data.name;
  const counts = [0, 0, 0, 0];
  for (const n of nodes) counts[n.kind]++;
  const legend = $("legend");
  counts.forEach((c, kind) => {
    if (!c) return;
    const span = document.createElement("span"), sw = document.createElement("i");
    sw.className = "sw k" + kind; span.appendChild(sw);
    span.appendChild(document.createTextNode(KIND[kind] + "s " + c));
    legend.appendChild(span);
  });
  $("status").textContent = N + " nodes, " + edges.length + " links. " +
    "Drag to pan, scroll to zoom, click a node for its backlinks, Enter in the search box to jump.";
  document.body.dataset.nodes = String(N);
  document.body.dataset.edges = String(edges.length);
  const start = performance.now();
  while (alpha > 0.02 && performance.now() - start < 1200) tick();
  size(); fit(); draw();
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash.startsWith("search=")) {
    api.search(hash.slice(7));
    if (matches.length) select(matches[0], false);
  } else if (hash.startsWith("node=")) {
    const i = nodes.findIndex((n) => n.id === hash.slice(5));
    if (i >= 0) select(i, false);
  }
  api.ready = true;
  document.body.dataset.ready = "true";
  function frame() {
    if (alpha < ALPHA_MIN) { api.settled = true; return; }
    const t = performance.now(), budget = N > 3000 ? 120 : 25;  // big: fewer redraws
    while (alpha >= ALPHA_MIN && performance.now() - t < budget) tick();
    if (!touched) fit();
    draw();
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
})();
"""
