"""The benchmarks measure the checkout they are given, its checks included: a copy laid out
as pip installs it (``bench/bench_scan.py``'s ``installed_layout``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_scan  # noqa: E402 - the bench scripts are not a package


def test_a_checkout_s_copy_imports_its_own_checks_and_templates(tmp_path: Path) -> None:
    layout = bench_scan.installed_layout(ROOT, tmp_path / "code")
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import readiness.checks, "
             "readiness.templates, readiness.checks.infrastructure.secrets as s; "
             "print(readiness.checks.__file__); print(s.__file__); "
             "print(readiness.templates.__file__)")
    out = subprocess.run([sys.executable, "-c", probe, str(layout)], capture_output=True,
                         text=True, check=True).stdout.split()
    assert len(out) == 3
    assert all(Path(found).is_relative_to(layout / "readiness") for found in out), out
    assert (layout / "bench" / "bench_corpus.py").is_file()  # run from the copy
    # made again from scratch: a second copy replaces the first
    assert bench_scan.installed_layout(ROOT, tmp_path / "code") == layout
