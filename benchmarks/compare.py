"""Compare two vaultkit installs on one vault, interleaved: is a change faster?

    python benchmarks/compare.py OLD_VAULTKIT NEW_VAULTKIT VAULT [--rounds 5] [--no-cold]

OLD_VAULTKIT and NEW_VAULTKIT are ``vaultkit`` executables (e.g. two virtualenvs, one with
the previous commit installed: ``pip install git+file://$PWD@REV`` or from a worktree).
Each gets its own copy of VAULT under ``.benchmarks/compare/`` (the two may keep indexes of
different schema versions), and the rounds alternate old, new, old, new... so a shared
machine's drift hits both alike. Every figure is the median wall time of a whole process;
the last column is new / old. Like ``run.py``, a script, not a test.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".benchmarks" / "compare"


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode not in (0, 1):
        last = (done.stderr.strip().splitlines() or [""])[-1]
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {last}")
    return time.perf_counter() - start


def hub(vk: str, vault: Path) -> str:
    import json

    out = subprocess.run([vk, "stats", "--json", "--vault", str(vault)], capture_output=True,
                         text=True, check=True).stdout
    linked = json.loads(out)["most_linked"]
    if linked:
        return str(linked[0]["path"])
    return next(p for p in sorted(vault.rglob("*.md"))
                if not any(s.startswith(".") for s in p.relative_to(vault).parts)
                ).relative_to(vault).as_posix()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("vault", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold builds")
    args = parser.parse_args()
    if not args.vault.is_dir():
        parser.exit(2, f"compare.py: {args.vault}: not a directory\n")
    for vk in (args.old, args.new):
        if shutil.which(vk) is None:
            parser.exit(2, f"compare.py: {vk}: not an executable\n")
    copies = {}
    for name in ("old", "new"):
        copy = copies[name] = WORK / name
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(args.vault, copy, symlinks=True,
                        ignore=shutil.ignore_patterns(".vaultkit", ".git"))
    exe = {"old": args.old, "new": args.new}
    for name in ("old", "new"):  # an index to start from, and the note to edit
        timed([exe[name], "index", "--vault", str(copies[name])])
    target = hub(args.new, copies["new"])
    notes = sorted(p.relative_to(copies["new"]) for p in copies["new"].rglob("*.md")
                   if not any(s.startswith(".") for s in p.relative_to(copies["new"]).parts))
    victim = notes[len(notes) // 2]
    rows = (["cold"] if not args.no_cold else []) + [
        "nochange", "edit1", "links", "backlinks", "orphans", "unresolved", "tags", "stats"]
    times: dict[tuple[str, str], list[float]] = {}
    originals = {name: (copies[name] / victim).read_bytes() for name in copies}
    try:
        for r in range(args.rounds):
            for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
                vk, vault = exe[name], copies[name]
                base = ["--vault", str(vault)]

                def add(row: str, seconds: float, name: str = name) -> None:
                    times.setdefault((name, row), []).append(seconds)

                if not args.no_cold:
                    shutil.rmtree(vault / ".vaultkit")
                    add("cold", timed([vk, "index", *base]))
                add("nochange", timed([vk, "index", *base]))
                (vault / victim).write_bytes(originals[name] + f"\nedit {r}\n".encode())
                add("edit1", timed([vk, "index", *base]))
                add("links", timed([vk, "links", "--json", *base, "--", target]))
                add("backlinks", timed([vk, "backlinks", "--json", *base, "--", target]))
                add("orphans", timed([vk, "orphans", "--json", *base]))
                add("unresolved", timed([vk, "unresolved", "--json", *base]))
                add("tags", timed([vk, "tags", "--json", *base]))
                add("stats", timed([vk, "stats", "--json", *base]))
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    finally:
        for name, data in originals.items():
            (copies[name] / victim).write_bytes(data)
    print(f"{args.vault} ({len(notes):,} notes), {args.rounds} rounds, medians\n")
    print(f"| {'what':<10} | {'old':>9} | {'new':>9} | new/old |")
    print("|---|---:|---:|---:|")
    for row in rows:
        old = statistics.median(times[("old", row)])
        new = statistics.median(times[("new", row)])
        print(f"| {row:<10} | {old * 1000:7.0f} ms | {new * 1000:7.0f} ms | {new / old:.2f} |")


if __name__ == "__main__":
    main()
