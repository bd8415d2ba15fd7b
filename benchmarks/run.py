"""Benchmark vaultkit against obsidiantools, as whole processes, in one run.

    python benchmarks/run.py                      # 1k and 10k notes, help-en when present
    python benchmarks/run.py --sizes 1000,10000,100000 --write docs/performance.md
    python benchmarks/run.py --no-peer            # vaultkit only
    python benchmarks/run.py --sizes "" --no-help-en --vault ~/notes --vault ~/work
                                                  # real vaults only (repeatable)

Every figure is the median wall time of whole processes (start-up included), measured on
vaults made by ``benchmarks/gen_vault.py`` (same seed, same vault every run), on
``../shared/vaults/help-en`` when it exists, and on each ``--vault PATH``. help-en and
``--vault`` vaults are copied into ``.benchmarks/vaults/`` (without ``.vaultkit/`` and
``.git/``) and the copy is measured: the script never writes into them. obsidiantools is
installed by this script in its own virtualenv (``.benchmarks/peer-venv``) and answers the
same questions on the same vault in the same run; the table shows vaultkit / obsidiantools
for each row. This is a script, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = ROOT / ".benchmarks"
HELP_EN = ROOT.parent / "shared" / "vaults" / "help-en"
PEER_VENV = CACHE / "peer-venv"
PEER_PACKAGE = "obsidiantools==0.11.0"

sys.path.insert(0, str(ROOT))
from benchmarks.gen_vault import generate  # noqa: E402
from vaultkit.scan import is_temp_name  # noqa: E402

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


class ProcessFailed(RuntimeError):
    """A measured process exited with a status it should not have."""

    def __init__(self, cmd: list[str], code: int, error: str) -> None:
        super().__init__(f"{' '.join(cmd)} exited {code}: {error or '(no stderr)'}")
        self.code = code
        self.error = error  # the last line it wrote to stderr


def timed(cmd: list[str], timeout: float = 1800, ok: Sequence[int] = (0, 1)
          ) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB: the process or the largest of the workers it waited
    for) and stdout of one process. Raises ProcessFailed, with the last line of its
    stderr, when it exits with a status not in ``ok``."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True,
                                errors="replace")
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
        if proc.returncode not in ok:
            err.seek(0)
            lines = err.read().decode("utf-8", "replace").splitlines()
            last = next((line.strip() for line in reversed(lines) if line.strip()), "")
            raise ProcessFailed(cmd, proc.returncode, last)
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


def copy_vault(source: Path, dest: Path) -> Path:
    """A fresh copy of ``source`` at ``dest`` without its ``.vaultkit/`` and ``.git/``, made
    writable by us. Symlinks are copied as symlinks (vaultkit's rules for them apply as in
    the original; nothing here writes through one). Files that cannot be copied (unreadable,
    sockets, pipes) are left out with a warning."""
    cache = CACHE.resolve()

    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {".vaultkit", ".git"}
        for name in names:
            path = Path(folder, name)
            try:
                mode = path.lstat().st_mode
            except OSError:
                continue  # copytree reports it
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                skip.add(name)
            elif stat.S_ISDIR(mode) and path.resolve() == cache:
                skip.add(name)  # a vault holding this project: not into its own copy
        return skip

    if dest.exists() or dest.is_symlink():
        _make_writable(dest)
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copytree(source, dest, symlinks=True, ignore=ignore)
    except shutil.Error as exc:
        print(f"  warning: {len(exc.args[0])} file(s) of {source} not copied, "
              f"first: {exc.args[0][0][2]}", file=sys.stderr)
    _make_writable(dest)
    return dest


def _make_writable(root: Path) -> None:
    """Owner read/write (and enter, for folders) on everything under ``root``: a copy of a
    read-only vault must take the edits and the ``.vaultkit/`` the benchmark makes."""
    os.chmod(root, os.stat(root).st_mode | stat.S_IRWXU)
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            mode = os.lstat(path).st_mode
            if not stat.S_ISLNK(mode):
                extra = stat.S_IRWXU if stat.S_ISDIR(mode) else stat.S_IRUSR | stat.S_IWUSR
                os.chmod(path, mode | extra)


def hub_note(vk: list[str], vault: Path) -> tuple[str, str]:
    """The most linked note (for backlinks) and its name as obsidiantools keys it; in a
    vault where no note is linked, the first note."""
    out = subprocess.run([*vk, "stats", "--json", "--vault", str(vault)], capture_output=True,
                         text=True, check=True).stdout
    linked = json.loads(out)["most_linked"]  # [] when no link resolves to a note
    path = linked[0]["path"] if linked else _plain_notes(vault)[0].relative_to(vault).as_posix()
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
    plain = _plain_notes(vault)
    victim = plain[len(plain) // 2]
    original = victim.read_bytes()  # bytes: any encoding and line ending comes back exact
    extra = vault / "bench-added-note.md"
    while extra.exists() or extra.is_symlink():
        extra = extra.with_name("_" + extra.name)
    try:
        for i in range(repeat):
            victim.write_bytes(original + f"\nEdit {i} [[{extra.stem}]]\n".encode())
            rows["edit1"].ours.append(timed([*vk, "index", *base])[0])
            extra.write_bytes(b"# Added\n[[Nowhere]]\n")
            rows["add1"].ours.append(timed([*vk, "index", *base])[0])
            extra.unlink()
            rows["remove1"].ours.append(timed([*vk, "index", *base])[0])
    finally:
        victim.write_bytes(original)
        extra.unlink(missing_ok=True)
        timed([*vk, "index", *base])
    hub, _ = hub_note(vk, vault)
    named = [*base, "--", hub]  # "--": a real vault's note may be named "-x"
    queries = {
        "q_backlinks": ["backlinks", "--json", *named],
        "q_links": ["links", "--json", *named],
        "q_unresolved": ["unresolved", "--json", *base],
        "q_orphans": ["orphans", "--json", *base],
        "q_tags": ["tags", "--json", *base],
        "q_isolated": ["orphans", "--isolated", "--json", *base],
    }
    for key, args in queries.items():
        if key == "q_unresolved":  # nothing cached since the cold index: this one run works
            rows["first_unresolved"].ours.append(timed([*vk, *args])[0])  # out "did you mean"
        for _ in range(repeat):
            rows[key].ours.append(timed([*vk, *args])[0])
    with watching(vk, vault):  # queries then read the index the watch keeps, no walk
        for key, args in queries.items():
            for _ in range(repeat):
                rows[key + "_w"].ours.append(timed([*vk, *args])[0])
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
    failed = ""
    try:
        wall, _, out = timed([str(python), "-c", PEER_SCRIPT, str(vault), hub],
                             timeout=timeout, ok=(0,))
        got = json.loads(out.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        failed = f"> {timeout:g} s"
    except ProcessFailed as exc:  # a third-party library on a vault it may not expect
        failed = f"peer failed: {exc.error or f'exit {exc.code}'}"
    except (ValueError, IndexError):
        failed = "peer failed: no JSON output"
    if failed:
        print(f"  obsidiantools: {failed}", file=sys.stderr)
        for row in rows.values():
            row.note = failed.split(":")[0]
        cell = failed.replace("|", "/")  # the error, once, in the first row's cell
        rows["cold"].note = cell if len(cell) <= 80 else cell[:79] + "…"
        return
    answered = sum(a[0] for a in got["answers"].values())
    base = wall - answered  # start, import and connect
    rows["cold"].peer.append(base)
    for key, name in (("q_backlinks", "backlinks"), ("q_unresolved", "nonexistent"),
                      ("first_unresolved", "nonexistent"), ("q_isolated", "isolated")):
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
    "first_unresolved": "unresolved links, first run after a cold index (one run: every "
                        "\"did you mean\" worked out); peer: nonexistent_notes",
    "q_orphans": "orphans",
    "q_tags": "tags",
    "q_isolated": "orphans --isolated; peer: isolated_notes",
}
QUERIES = [key for key in LABELS if key.startswith("q_")]
LABELS.update({key + "_w": LABELS[key].split(";")[0] + ", while `vaultkit watch` runs"
               for key in QUERIES})


def run_one(name: str, vault: Path, args: argparse.Namespace, peer: Path | None
            ) -> str | None:
    if not _plain_notes(vault):
        print(f"### {name}: skipped, no notes to benchmark in {vault}", flush=True)
        return None
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


def _plain_notes(vault: Path) -> list[Path]:
    """The notes, sorted, that the benchmark may name or edit: not under a hidden folder,
    regular files (not symlinks), with a UTF-8 name vaultkit indexes."""
    found = []
    for path in vault.rglob("*"):
        if (path.suffix.lower() != ".md" or _hidden(path, vault) or is_temp_name(path.name)
                or path.is_symlink() or not path.is_file()):
            continue
        try:
            path.relative_to(vault).as_posix().encode("utf-8")
        except UnicodeEncodeError:  # a name that is not UTF-8: vaultkit skips it
            continue
        found.append(path)
    return sorted(found)


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
    parser.add_argument("--vault", type=Path, action="append", default=[], metavar="PATH",
                        help="also benchmark this vault (a copy of it; repeatable)")
    parser.add_argument("--write", type=Path, help="write the report (markdown) to this file")
    args = parser.parse_args()
    # (label, how to get the vault to measure); copies are made only when their turn comes
    vaults: list[tuple[str, Callable[[], Path]]] = []
    if HELP_EN.is_dir() and not args.no_help_en:
        vaults.append(("help-en (obsidianmd/obsidian-help, en/)",
                       partial(copy_vault, HELP_EN, CACHE / "vaults" / "help-en")))
    copies: set[str] = set()
    for path in args.vault:
        if not path.is_dir():
            parser.exit(2, f"run.py: --vault {path}: not a directory\n")
        source = path.resolve()
        if source.is_relative_to(CACHE.resolve()):
            parser.exit(2, f"run.py: --vault {path}: inside {CACHE}/; pass the original\n")
        name = label = source.name or "root"
        i = 1
        while f"real-{label}" in copies:  # two vaults with the same folder name
            i += 1
            label = f"{name}-{i}"
        copies.add(f"real-{label}")
        vaults.append((f"{label} (--vault)",
                       partial(copy_vault, source, CACHE / "vaults" / f"real-{label}")))
    vaults += [(f"generated, seed {args.seed}", partial(prepare, n, args.seed))
               for n in (int(x) for x in args.sizes.split(",") if x)]
    byte_compile()
    peer = None if args.no_peer else ensure_peer()
    sections: list[str] = []
    failed: list[str] = []
    for label, make in vaults:
        try:
            section = run_one(label, make(), args, peer)
        except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
            print(f"### {label}: failed: {exc}", flush=True)
            failed.append(label)
            continue
        if section is not None:
            sections.append(section)
    if args.write:
        write_report(args.write, sections)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


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
