"""Benchmark vaultkit against obsidiantools, as whole processes, in one run.

    python benchmarks/run.py                      # 1k and 10k notes, help-en when present
    python benchmarks/run.py --sizes 1000,10000,100000 --write docs/performance.md
    python benchmarks/run.py --no-peer            # vaultkit only

Every figure is the median wall time of whole processes (start-up included), measured on
vaults made by ``benchmarks/gen_vault.py`` (same seed, same vault every run) and on
``../shared/vaults/help-en`` when it exists. obsidiantools is installed by this script in
its own virtualenv (``.benchmarks/peer-venv``) and answers the same questions on the same
vault in the same run; the table shows vaultkit / obsidiantools for each row. This is a
script, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = ROOT / ".benchmarks"
HELP_EN = ROOT.parent / "shared" / "vaults" / "help-en"
PEER_VENV = CACHE / "peer-venv"
PEER_PACKAGE = "obsidiantools==0.11.0"

sys.path.insert(0, str(ROOT))
from benchmarks.gen_vault import generate  # noqa: E402

PEER_SCRIPT = r"""
import json, pathlib, sys, time
t0 = time.perf_counter()
import obsidiantools.api as otools
t1 = time.perf_counter()
vault = otools.Vault(pathlib.Path(sys.argv[1])).connect()
t2 = time.perf_counter()
answers = {}
for name, ask in (("backlinks", lambda: vault.get_backlinks(sys.argv[2])),
                  ("nonexistent", lambda: vault.nonexistent_notes),
                  ("isolated", lambda: vault.isolated_notes)):
    start = time.perf_counter()
    found = ask()
    answers[name] = [time.perf_counter() - start, len(found)]
print(json.dumps({"import": t1 - t0, "connect": t2 - t1, "answers": answers}))
"""


@dataclass
class Row:
    label: str
    ours: list[float] = field(default_factory=list)
    peer: list[float] = field(default_factory=list)
    note: str = ""

    def cells(self) -> tuple[str, str, str, str]:
        ours = statistics.median(self.ours) if self.ours else None
        peer = statistics.median(self.peer) if self.peer else None
        ratio = f"{ours / peer:.4f}" if ours is not None and peer else "—"
        return (self.label, _fmt(ours), _fmt(peer) if self.peer else self.note or "—", ratio)


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def vaultkit_cmd() -> list[str]:
    script = Path(sys.executable).with_name("vaultkit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "vaultkit"]


def timed(cmd: list[str], timeout: float = 1800) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB: the process or the largest of the workers it waited
    for) and stdout of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    try:
        out = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode == -9 and wall >= timeout:
        raise subprocess.TimeoutExpired(cmd, timeout)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}")
    return wall, usage.ru_maxrss, out


def ensure_peer() -> Path | None:
    python = PEER_VENV / "bin" / "python"
    if python.exists():
        return python
    print(f"installing {PEER_PACKAGE} into {PEER_VENV} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", PEER_PACKAGE])
    return python if done.returncode == 0 else None


def prepare(n: int, seed: int) -> Path:
    path = CACHE / "vaults" / f"gen-{n}-s{seed}"
    if not (path / ".vaultkit-generated").exists():
        print(f"generating {n} notes into {path} ...", file=sys.stderr)
        shutil.rmtree(path, ignore_errors=True)
        generate(path, n, seed)
    return path


def hub_note(vk: list[str], vault: Path) -> tuple[str, str]:
    """The most linked note (for backlinks) and its name as obsidiantools keys it."""
    out = subprocess.run([*vk, "stats", "--json", "--vault", str(vault)], capture_output=True,
                         text=True, check=True).stdout
    path = json.loads(out)["most_linked"][0]["path"]
    return path, Path(path).stem


def bench_vaultkit(vault: Path, repeat: int, rows: dict[str, Row]) -> int:
    vk = vaultkit_cmd()
    base = ["--vault", str(vault)]
    peak = 0
    for _ in range(repeat):
        shutil.rmtree(vault / ".vaultkit", ignore_errors=True)
        wall, rss, _ = timed([*vk, "index", *base])
        rows["cold"].ours.append(wall)
        peak = max(peak, rss)
    for _ in range(repeat):
        rows["nochange"].ours.append(timed([*vk, "index", *base])[0])
    victim = sorted(vault.rglob("*.md"))[len(list(vault.rglob("*.md"))) // 2]
    original = victim.read_text(encoding="utf-8")
    extra = vault / "bench-added-note.md"
    try:
        for i in range(repeat):
            victim.write_text(original + f"\nEdit {i} [[bench-added-note]]\n", encoding="utf-8")
            rows["edit1"].ours.append(timed([*vk, "index", *base])[0])
            extra.write_text("# Added\n[[Nowhere]]\n", encoding="utf-8")
            rows["add1"].ours.append(timed([*vk, "index", *base])[0])
            extra.unlink()
            rows["remove1"].ours.append(timed([*vk, "index", *base])[0])
    finally:
        victim.write_text(original, encoding="utf-8")
        extra.unlink(missing_ok=True)
        timed([*vk, "index", *base])
    hub, _ = hub_note(vk, vault)
    queries = {
        "q_backlinks": ["backlinks", hub], "q_links": ["links", hub],
        "q_unresolved": ["unresolved"], "q_orphans": ["orphans"], "q_tags": ["tags"],
        "q_isolated": ["orphans", "--isolated"],
    }
    for key, args in queries.items():
        for _ in range(repeat):
            rows[key].ours.append(timed([*vk, *args, "--json", *base])[0])
    with watching(vk, vault):  # queries then read the index the watch keeps, no walk
        for key, args in queries.items():
            for _ in range(repeat):
                rows[key + "_w"].ours.append(timed([*vk, *args, "--json", *base])[0])
    return peak


@contextmanager
def watching(vk: list[str], vault: Path) -> Iterator[None]:
    """A `vaultkit watch` running on ``vault``, caught up (its marks say so)."""
    proc = subprocess.Popen([*vk, "watch", "--vault", str(vault)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    marks = vault / ".vaultkit"
    try:
        deadline = time.monotonic() + 600
        while not ((marks / "watch.pid").exists() and not (marks / "watch.dirty").exists()):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("vaultkit watch did not start")
            time.sleep(0.05)
        yield
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def bench_peer(python: Path, vault: Path, rows: dict[str, Row], timeout: float) -> None:
    """obsidiantools keeps no index: every answer needs ``connect()`` first. One process
    connects and answers the three questions; a row's peer figure is what a command built
    on it would cost: start + import + connect + that answer."""
    _, hub = hub_note(vaultkit_cmd(), vault)
    try:
        wall, _, out = timed([str(python), "-c", PEER_SCRIPT, str(vault), hub], timeout=timeout)
    except subprocess.TimeoutExpired:
        for row in rows.values():
            row.note = f"> {timeout:.0f} s"
        return
    got = json.loads(out)
    answered = sum(a[0] for a in got["answers"].values())
    base = wall - answered  # start, import and connect
    rows["cold"].peer.append(base)
    for key, name in (("q_backlinks", "backlinks"), ("q_unresolved", "nonexistent"),
                      ("q_isolated", "isolated")):
        rows[key].peer.append(base + got["answers"][name][0])
    print(f"  obsidiantools: import {got['import']:.2f} s, connect {got['connect']:.2f} s, "
          f"answers {answered * 1000:.1f} ms", file=sys.stderr)


LABELS = {
    "cold": "cold index (no .vaultkit/); peer: start + connect()",
    "nochange": "refresh, nothing changed",
    "edit1": "refresh after editing 1 note",
    "add1": "refresh after adding 1 note",
    "remove1": "refresh after removing 1 note",
    "q_backlinks": "backlinks of the most linked note",
    "q_links": "outgoing links of that note",
    "q_unresolved": "unresolved links; peer: nonexistent_notes",
    "q_orphans": "orphans",
    "q_tags": "tags",
    "q_isolated": "orphans --isolated; peer: isolated_notes",
}
QUERIES = [key for key in LABELS if key.startswith("q_")]
LABELS.update({key + "_w": LABELS[key].split(";")[0] + ", while `vaultkit watch` runs"
               for key in QUERIES})


def run_one(name: str, vault: Path, args: argparse.Namespace, peer: Path | None) -> str:
    rows = {key: Row(label) for key, label in LABELS.items()}
    peak = bench_vaultkit(vault, args.repeat, rows)
    if peer is not None and (args.peer_max is None or _notes(vault) <= args.peer_max):
        bench_peer(peer, vault, rows, args.peer_timeout)
    elif peer is not None:
        for row in rows.values():
            row.note = "not run (size)"
    notes = _notes(vault)
    lines = [f"### {name} ({notes:,} notes, {_files(vault) - notes:,} other files)", "",
             "| what (whole process, median) | vaultkit | obsidiantools | ratio |",
             "|---|---:|---:|---:|"]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows.values()]
    lines += ["", f"Peak RSS of a cold vaultkit index: {peak / 1024:.0f} MB "
              "(largest single process).", ""]
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def _notes(vault: Path) -> int:
    return sum(1 for p in vault.rglob("*.md") if not _hidden(p, vault))


def _files(vault: Path) -> int:
    return sum(1 for p in vault.rglob("*") if p.is_file() and not _hidden(p, vault))


def _hidden(path: Path, vault: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(vault).parts)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, SQLite {sqlite3.sqlite_version}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated note counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-peer", action="store_true", help="skip obsidiantools")
    parser.add_argument("--peer-max", type=int, default=20000,
                        help="largest vault (notes) given to obsidiantools")
    parser.add_argument("--peer-timeout", type=float, default=1200)
    parser.add_argument("--no-help-en", action="store_true")
    parser.add_argument("--write", type=Path, help="write the report (markdown) to this file")
    args = parser.parse_args()
    byte_compile()
    peer = None if args.no_peer else ensure_peer()
    sections = []
    if HELP_EN.is_dir() and not args.no_help_en:
        copy = CACHE / "vaults" / "help-en"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(HELP_EN, copy, ignore=shutil.ignore_patterns(".vaultkit"))
        sections.append(run_one("help-en (obsidianmd/obsidian-help, en/)", copy, args, peer))
    for n in (int(x) for x in args.sizes.split(",") if x):
        sections.append(run_one(f"generated, seed {args.seed}", prepare(n, args.seed), args,
                                peer))
    if args.write:
        write_report(args.write, sections)


def byte_compile() -> None:
    """Measure vaultkit as installed: with its modules byte-compiled (pip does that on a
    normal install; an editable one, or PYTHONDONTWRITEBYTECODE, would have every process
    compile them again, ~40 ms)."""
    import compileall

    import vaultkit

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(str(Path(vaultkit.__file__).parent), quiet=1)


START, END = "<!-- results:start -->", "<!-- results:end -->"


def write_report(path: Path, sections: list[str]) -> None:
    """Put the tables between the result markers of ``path`` (the prose around them is
    kept), or write a new file holding only them."""
    block = (f"{START}\n_Measured {time.strftime('%Y-%m-%d')} by `benchmarks/run.py` on "
             f"{machine()}; peer: {PEER_PACKAGE}._\n\n" + "\n".join(sections) + f"\n{END}")
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in old and END in old:
        new = old[: old.index(START)] + block + old[old.index(END) + len(END):]
    else:
        new = old + ("\n" if old else "") + block + "\n"
    path.write_text(new, encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
