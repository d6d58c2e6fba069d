"""Where a cold run waits: each process's CPU over time, for one ``readiness check``.

Usage::

    python bench/timeline.py [--app NAME] [--bucket SECONDS] [--cache]

Runs ``readiness check`` (this tree's, cold: ``--no-cache`` unless ``--cache``, then with an
empty cache folder) on a corpus app and reads every process of its tree from ``/proc``
every 50 ms (Linux only): the scanning process, the fork server and each worker. Prints
each process's CPU seconds, then one line per bucket (0.25 s by default) with each busy
process's share of a core in it. A stretch where the workers are near 0 while the scanning
process is near 1 is one where the run waits on this process alone (the call-site
resolution, the last checks); both workers near 1 with this process low, one where it waits
on them. Sampling costs the run a little: the wall time shown is for reading, not for
comparing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import bench_corpus  # the corpus and its fetching
import bench_scan  # warm_page_cache

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = 0.05


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (their ``children`` lists in ``/proc``)."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as listed:
                for child in listed.read().split():
                    found += descendants(int(child))
    except OSError:  # gone meanwhile
        pass
    return found


def cpu_seconds(pid: int, tick: int) -> float | None:
    """User and system CPU of ``pid`` so far (None: it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / tick


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", default="homeassistant", help="the corpus app")
    parser.add_argument("--bucket", type=float, default=0.25, help="seconds per line")
    parser.add_argument("--cache", action="store_true",
                        help="cold with an empty cache folder (default: --no-cache)")
    args = parser.parse_args(argv)
    if not Path("/proc/self/stat").exists():
        print("timeline.py reads /proc: Linux only", file=sys.stderr)
        return 2
    apps = bench_corpus.corpus_paths()
    if args.app not in apps:
        parser.error(f"unknown app {args.app!r}")
    tick = os.sysconf("SC_CLK_TCK")
    bench_scan.warm_page_cache(apps[args.app])  # as bench_corpus.py does before each run
    with tempfile.TemporaryDirectory(prefix="readiness-timeline-") as work:
        env = dict(os.environ, READINESS_CACHE_DIR=str(Path(work) / "cache"))
        command = [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv.pop(1)); "
                   "from readiness.cli import main; main()",
                   str(bench_scan.installed_layout(ROOT, Path(work) / "code")), "check",
                   str(apps[args.app]), "--format", "json", "--output", os.devnull,
                   "--fail-on", "never", *([] if args.cache else ["--no-cache"])]
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env)
        samples: list[tuple[float, dict[int, float]]] = []
        while process.poll() is None:
            now = time.perf_counter() - start
            seen = {pid: cpu for pid in descendants(process.pid)
                    if (cpu := cpu_seconds(pid, tick)) is not None}
            samples.append((now, seen))
            time.sleep(SAMPLE)
        wall = time.perf_counter() - start
    used: defaultdict[int, Counter[int]] = defaultdict(Counter)  # bucket -> pid -> CPU
    last: dict[int, float] = {}
    for at, seen in samples:
        for pid, cpu in seen.items():
            if pid in last:
                used[int(at / args.bucket)][pid] += cpu - last[pid]
            last[pid] = cpu
    busy = [pid for pid in sorted(last) if last[pid] >= 0.2]
    names = {pid: "scan" if pid == process.pid else f"pid {pid}" for pid in busy}
    print(f"{args.app}: wall {wall:.2f} s (sampled); CPU s: " +
          ", ".join(f"{names[pid]} {last[pid]:.2f}" for pid in busy))
    print("   at " + " ".join(f"{names[pid]:>9}" for pid in busy))
    for bucket in sorted(used):
        print(f"{bucket * args.bucket:5.2f} " + " ".join(
            f"{min(used[bucket][pid] / args.bucket, 1.0):>9.2f}" for pid in busy))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
