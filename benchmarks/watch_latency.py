#!/usr/bin/env python3
"""How long from a save to an updated index, with ``vaultkit watch`` running.

Usage::

    python benchmarks/gen_vault.py /tmp/v10k --notes 10000
    python benchmarks/watch_latency.py /tmp/v10k [--saves 30] [--debounce 0.25]

Starts ``vaultkit watch --json`` on the vault, then saves notes one at a time (alternating
a plain in-place save and an atomic write-temp-then-rename save, each adding a link to a
note that does not exist) and waits for the JSON line of that refresh. Prints, over all
saves, the wall time from the end of the save to the JSON line (the debounce included)
and the ``seconds`` the refresh itself took. Every note it touched is restored afterwards
(with the watcher stopped; the next command's refresh picks the restore up).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def notes_of(root: Path, count: int) -> list[Path]:
    out: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(Path(folder) / f for f in sorted(files) if f.endswith(".md"))
        if len(out) >= count * 50:
            break
    return out[:: max(1, len(out) // count)][:count]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vault", type=Path)
    ap.add_argument("--saves", type=int, default=30)
    ap.add_argument("--debounce", type=float, default=0.25)
    args = ap.parse_args()
    root = args.vault.resolve()
    cmd = [sys.executable, "-m", "vaultkit"]
    subprocess.run([*cmd, "index", "--vault", str(root)], check=True, capture_output=True)
    proc = subprocess.Popen([*cmd, "watch", "--json", "--vault", str(root),
                             "--debounce", str(args.debounce)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    assert proc.stdout is not None and proc.stderr is not None
    print(proc.stderr.readline().strip(), file=sys.stderr)
    targets = notes_of(root, args.saves)
    originals = {p: p.read_bytes() for p in targets}
    latency: list[float] = []
    refresh: list[float] = []
    try:
        for i, path in enumerate(targets):
            text = originals[path] + f"\nprobe [[Latency probe {i}]]\n".encode()
            if i % 2:
                tmp = path.with_name(path.name + ".tmp")
                tmp.write_bytes(text)
                os.replace(tmp, path)
            else:
                path.write_bytes(text)
            saved = time.perf_counter()
            rel = path.relative_to(root).as_posix()
            while rel not in (data := json.loads(proc.stdout.readline()))["modified"]:
                print(f"(skipped a refresh of {len(data['modified'])} other files)")
            latency.append(time.perf_counter() - saved)
            refresh.append(data["seconds"])
            assert data["broken"], data
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(10)
        for path, data in originals.items():
            path.write_bytes(data)
    ms = [x * 1000 for x in latency]
    rs = [x * 1000 for x in refresh]
    print(f"vault: {root} ({args.saves} saves, debounce {args.debounce}s; watch exit code {code})")
    print(f"save -> index updated: median {statistics.median(ms):.0f} ms, "
          f"p95 {percentile(ms, 0.95):.0f} ms, max {max(ms):.0f} ms")
    print(f"refresh itself:        median {statistics.median(rs):.1f} ms, "
          f"p95 {percentile(rs, 0.95):.1f} ms, max {max(rs):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
