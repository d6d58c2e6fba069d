"""Benchmark the whole ``readiness check`` on the real-code corpus (published LLM apps).

Usage::

    python bench/bench_corpus.py [--app NAME] [--largest-only]
    python bench/bench_corpus.py --each

Fetches the corpus first when it is missing (``scripts/corpus.py fetch``). Two targets: the
largest app (by Python files; homeassistant, ~6,700 files) and all apps together (a copy of
every app side by side, made of hard links). For each, each measurement in a fresh process
(as in ``bench_scan.py``), as a ratio to a floor measured in the same run:

* floor: read and ``ast.parse`` every ``.py`` file once, in one process;
* cold:  ``readiness check`` (every built-in check, JSON) with an empty cache folder and the
  default worker processes;
* cold, ``--no-cache``: the same, reading and writing no cache;
* warm:  ``readiness check`` again with the cache of the cold run, nothing changed (the
  kept results of the whole run are reused: ``readiness.runcache``);
* warm, checks re-run: the same with the kept run results removed, so every check runs
  again on the kept per-file facts;
* one file changed: warm, after one Python file that holds a model call was rewritten.

``--each`` measures instead every app alone, a floor and a cold ``--no-cache`` run each,
and lists them slowest first: where an app is slow for its size.

Times start before ``readiness.cli`` is imported (interpreter start-up excluded); the tool's
bytecode is compiled once before the measurements, as an installed package's is. Peak
memory is the largest resident set of the main process and, separately, of a worker. CPU
is shown in all, then for the main process and for the workers together: a cold run is
bound by whichever keeps busy longer (two workers share their CPU seconds over two cores).
The measured code is this checkout, copied as pip installs it (``checks/`` inside
``readiness/``: ``bench_scan.installed_layout``) and run from there, workers included; run
it with an interpreter that has the tool's dependencies.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import bench_scan  # the measurements, shared with the generated-repository benchmark

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS_SCRIPT = ROOT / "scripts" / "corpus.py"
EXPECT = ROOT / "tests" / "corpus" / "expect"
DATE = "2026-11-24"


# --- measurements: bench_scan's, each run in its own process ------------------------------

def run_child(code: Path, env: dict[str, str], *args: str) -> dict[str, float]:
    """A measurement in a fresh process, the app's files read into the page cache first
    (``bench_scan.warm_page_cache``: the floor and every run meet the same disk), run by
    this script's copy in ``code``, the measured checkout laid out as installed
    (``bench_scan.installed_layout``: its checks are measured too)."""
    bench_scan.warm_page_cache(Path(args[1]))
    return bench_scan.run_child(*args, script=str(code / "bench" / Path(__file__).name))


# --- the corpus -----------------------------------------------------------------------

def corpus_paths() -> dict[str, Path]:
    """Every app's folder, fetching the corpus first if any app is missing."""
    spec = importlib.util.spec_from_file_location("corpus_script", CORPUS_SCRIPT)
    assert spec and spec.loader
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    apps, root = corpus.load_manifest(), corpus.corpus_root()
    if not all(corpus.is_fetched(app, root) for app in apps):
        print("fetching the corpus (python scripts/corpus.py fetch)...", flush=True)
        subprocess.run([sys.executable, str(CORPUS_SCRIPT), "fetch"], check=True)
    return {app.name: corpus.app_folder(app, root) for app in apps}


def py_count(root: Path) -> int:
    return sum(1 for _ in root.rglob("*.py"))


def link_copy(sources: dict[str, Path], dest: Path) -> None:
    """``dest/<name>/`` for every app: hard links, so copying 200 MB takes a second."""
    for name, source in sources.items():
        shutil.copytree(source, dest / name, copy_function=os.link)


def change_one_file(root: Path, rel: str) -> None:
    """Rewrite one file (a new inode: the corpus behind the hard link stays as it was)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    path.unlink()
    path.write_text(text + "\n# changed by bench_corpus.py\n", encoding="utf-8")


def first_generation_file(name: str) -> str:
    import yaml

    data = yaml.safe_load((EXPECT / f"{name}.yaml").read_text(encoding="utf-8"))
    return str(data["generation_calls"]["sites"][0]["at"]).rpartition(":")[0]


def bench(label: str, root: Path, changed: str, work: Path, code: Path, env: dict[str, str]
          ) -> list[tuple[str, dict[str, float]]]:
    print(f"\n{label}: {py_count(root)} Python files", flush=True)
    cache = work / f"cache-{label.replace(' ', '-')}"
    def check(cache_dir: Path, no_cache: str) -> dict[str, float]:
        return run_child(code, env, "check", str(root), str(cache_dir), no_cache)

    floor = run_child(code, env, "floor", str(root))
    rows = [("floor: read + ast.parse all", floor)]
    rows.append(("cold check (empty cache)", check(cache, "0")))
    rows.append(("cold check --no-cache", check(work / "unused", "1")))
    rows.append(("warm check (nothing changed)", check(cache, "0")))
    for kept in cache.glob("runs-*"):
        shutil.rmtree(kept)
    rows.append(("warm check, checks re-run", check(cache, "0")))
    change_one_file(root, changed)
    rows.append(("warm check, one file changed", check(cache, "0")))
    # CPU: this process, then the worker processes (the bound of a cold run is whichever
    # is busier for longer: both are shown)
    print(f"{'measurement':<30} {'seconds':>8} {'x floor':>8} {'peak MB':>8} {'worker MB':>9}"
          f" {'CPU s':>7} {'main':>6} {'workers':>7}")
    for name, row in rows:
        worker = f"{row['worker_peak_mb']:>9.1f}" if "worker_peak_mb" in row else f"{'':>9}"
        cpu = (f"{row['cpu_main'] + row['cpu_workers']:>7.1f} {row['cpu_main']:>6.1f} "
               f"{row['cpu_workers']:>7.1f}" if "cpu_main" in row else f"{'':>22}")
        print(f"{name:<30} {row['seconds']:>8.2f} {row['seconds'] / floor['seconds']:>8.2f} "
              f"{row['peak_mb']:>8.1f} {worker} {cpu}", flush=True)
    return rows


def each(apps: dict[str, Path], work: Path, code: Path, env: dict[str, str]) -> None:
    """One floor and one cold ``--no-cache`` run of every app, slowest first: where an app
    is slow for its size (khoj's minified bundles, read as its code, showed this way)."""
    rows = []
    for name, root in sorted(apps.items()):
        floor = run_child(code, env, "floor", str(root))
        cold = run_child(code, env, "check", str(root), str(work / "unused"), "1")
        rows.append((cold["seconds"], name, py_count(root), floor["seconds"], cold))
        print(f"  measured {name}", flush=True)
    print(f"{'app':<22} {'py files':>8} {'floor s':>8} {'cold s':>7} {'x floor':>8} "
          f"{'main CPU':>9} {'workers':>8}")
    for seconds, name, files, floor, cold in sorted(rows, reverse=True):
        print(f"{name:<22} {files:>8} {floor:>8.2f} {seconds:>7.2f} {seconds / floor:>8.1f} "
              f"{cold['cpu_main']:>9.2f} {cold['cpu_workers']:>8.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", help="the single app to measure (default: the largest)")
    parser.add_argument("--largest-only", action="store_true",
                        help="skip the all-apps-together target")
    parser.add_argument("--each", action="store_true",
                        help="instead: one floor and one cold --no-cache run of every app")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, root, *rest = args.child
        if kind == "floor":
            print(json.dumps(bench_scan.measure_floor(Path(root))))
        else:
            extra = ("--date", DATE, *(["--no-cache"] if rest[1] == "1" else []))
            print(json.dumps(bench_scan.measure_check(Path(root), Path(rest[0]), *extra)))
        return 0

    apps = corpus_paths()
    name = args.app or max(apps, key=lambda n: py_count(apps[n]))
    if name not in apps:
        parser.error(f"unknown app {name!r}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; readiness from "
          f"{ROOT}")
    work = Path(tempfile.mkdtemp(prefix="readiness-bench-corpus-"))
    try:
        code = bench_scan.installed_layout(ROOT, work / "code")
        env = bench_scan.bytecode_env(work / "pycache", (code,))
        if args.each:
            each(apps, work, code, env)
            return 0
        link_copy({name: apps[name]}, work / "one")
        bench(name, work / "one" / name, first_generation_file(name), work, code, env)
        if not args.largest_only:
            link_copy(apps, work / "all")
            bench(f"all {len(apps)} apps", work / "all",
                  f"{name}/{first_generation_file(name)}", work, code, env)
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
