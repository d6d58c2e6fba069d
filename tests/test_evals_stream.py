"""A million-row JSONL streams through read_eval_file + summarise in flat memory.

Measured in a child process by its peak resident memory against a 1,000-row run of the same
code, because tracemalloc slows this loop about sixfold; bench/bench_evals.py reports the
tracemalloc peak (about 160 KB for a million rows).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

resource = pytest.importorskip("resource")  # peak RSS is read the POSIX way

CHILD = """
import resource, sys
from pathlib import Path
from readiness.evals import read_eval_file, summarise
s = summarise(read_eval_file(Path(sys.argv[1]), display="big.jsonl"))
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(s.overall.n, s.overall.passed, s.overall.errors, len(s.by_category), peak_kb)
"""
CATEGORIES = ("nda", "msa", "amendment", "sow")


def _write(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(rows):
            verdict = "error" if i % 100 == 0 else ("true" if i % 5 else "false")
            if verdict == "error":
                verdict = '"error"'
            handle.write(f'{{"id": {i}, "category": "{CATEGORIES[i % 4]}", '
                         f'"correct": {verdict}}}\n')


def _run(path: Path) -> tuple[int, int, int, int, int]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                          text=True, check=True, timeout=120)
    n, passed, errors, categories, peak_kb = (int(x) for x in done.stdout.split())
    return n, passed, errors, categories, peak_kb


def test_a_million_rows_stream_in_flat_memory(tmp_path: Path) -> None:
    small, big = tmp_path / "small.jsonl", tmp_path / "big.jsonl"
    _write(small, 1_000)
    _write(big, 1_000_000)
    *_, baseline_kb = _run(small)
    n, passed, errors, categories, peak_kb = _run(big)
    # every 100th row errors; of the rest, every 5th (i % 5 == 0) fails
    assert (n, passed, errors, categories) == (1_000_000, 800_000, 10_000, 4)
    # 1000x the rows, (almost) the same memory: holding the records would take ~300 MB
    assert peak_kb - baseline_kb < 16 * 1024, (baseline_kb, peak_kb)
