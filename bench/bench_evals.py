"""Throughput and memory of the eval readers on generated million-row files.

    python bench/bench_evals.py [ROWS]

Writes a generic JSONL and a CSV with ROWS rows (default 1,000,000) to a temporary folder,
then streams each through read_eval_file + summarise twice: once for wall time, once under
tracemalloc for the peak of memory allocated while reading (tracemalloc slows the loop
about sixfold, so the two are measured separately).
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from readiness.evals import read_eval_file, summarise

CATEGORIES = ("nda", "msa", "amendment", "sow")


def write_jsonl(path: Path, rows: int) -> None:
    """One JSON object per row: id, category, correct."""
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(rows):
            verdict = "true" if i % 5 else "false"
            handle.write(f'{{"id": {i}, "category": "{CATEGORIES[i % 4]}", '
                         f'"correct": {verdict}}}\n')


def write_csv(path: Path, rows: int) -> None:
    """The same rows as a CSV with a header."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("id,category,correct\n")
        for i in range(rows):
            handle.write(f"{i},{CATEGORIES[i % 4]},{'yes' if i % 5 else 'no'}\n")


def measure(path: Path) -> tuple[float, float, int]:
    """Seconds to read and summarise, seconds under tracemalloc, peak bytes allocated."""
    start = time.perf_counter()
    summary = summarise(read_eval_file(path, display=path.name))
    seconds = time.perf_counter() - start
    tracemalloc.start()
    start = time.perf_counter()
    traced = summarise(read_eval_file(path, display=path.name))
    traced_seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert summary.overall == traced.overall
    return seconds, traced_seconds, peak


def main(argv: list[str]) -> int:
    """Run the benchmark and print one line per format."""
    rows = int(argv[0]) if argv else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        for name, writer in (("big.jsonl", write_jsonl), ("big.csv", write_csv)):
            path = Path(folder) / name
            writer(path, rows)
            seconds, traced_seconds, peak = measure(path)
            size_mb = path.stat().st_size / 1e6
            print(f"{name}: {rows:,} rows, {size_mb:.0f} MB: {seconds:.1f} s "
                  f"({rows / seconds:,.0f} rows/s); tracemalloc peak {peak / 1024:.0f} KB "
                  f"({traced_seconds:.1f} s traced)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
