"""Time each per-file query of a whole cold scan, in one process.

Usage::

    python bench/profile_queries.py PATH [--top N]

Runs ``readiness check``'s scan on PATH with no cache and one process, and prints the
seconds spent computing each per-file query (``Project.facts``: its compute function over
the files it asks about, the first reading of a file included), the number of files it
computed, and the seconds spent reading files. Where ``profile_checks.py`` says which check
is slow, this says which pass over the files is.
"""

from __future__ import annotations

import argparse
import atexit
import collections
import datetime
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_scan  # this checkout as installed, its checks included (see there)

    work = Path(tempfile.mkdtemp(prefix="readiness-profile-"))
    atexit.register(shutil.rmtree, work, True)
    sys.path.insert(0, str(bench_scan.installed_layout(ROOT, work / "code")))
    from readiness.process import prepare_for_scan
    from readiness.project import snapshot
    from readiness.scan import ScanOptions, scan

    prepare_for_scan()  # as `readiness check` does

    seconds: collections.Counter[str] = collections.Counter()
    files: collections.Counter[str] = collections.Counter()
    reading = [0.0]
    compute, read = snapshot.Project._compute, snapshot.Project._read_text

    def timed_compute(self: Any, rel: str, query: str, *rest: Any) -> None:
        began = time.perf_counter()
        compute(self, rel, query, *rest)
        seconds[query[:72]] += time.perf_counter() - began
        files[query[:72]] += 1

    def timed_read(self: Any, rel: str) -> str | None:
        began = time.perf_counter()
        try:
            return read(self, rel)
        finally:
            reading[0] += time.perf_counter() - began

    snapshot.Project._compute = timed_compute  # type: ignore[method-assign]
    snapshot.Project._read_text = timed_read  # type: ignore[method-assign]
    began = time.perf_counter()
    scan(ScanOptions(args.path, cache_dir=None, jobs=1, date=datetime.date(2026, 11, 24)))
    total = time.perf_counter() - began
    print(f"scan {total:.2f} s; per-file queries {sum(seconds.values()):.2f} s "
          f"(files read: {reading[0]:.2f} s, in and out of queries)")
    print(f"{'seconds':>8} {'files':>7}  query")
    for query, spent in seconds.most_common(args.top):
        print(f"{spent:>8.2f} {files[query]:>7}  {query}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
