"""Compare this tree with another checkout on one corpus app, in interleaved pairs.

Usage::

    git worktree add /tmp/base HEAD~3        # the version to compare with
    python bench/bench_pairs.py /tmp/base [--app NAME] [--pairs N] [--cache]

A change worth a few per cent cannot be seen in one run of ``bench_corpus.py`` on a host
whose speed drifts by more than that between runs. Here each pair runs both versions back
to back, the order alternating, each side a parse-only floor and a cold ``readiness check``
(``--no-cache`` unless ``--cache``) in fresh processes, so that both sides of a pair meet
the same host. Printed: each run, then each side's means (seconds, ratio to its floor, the
scanning process's CPU and the workers'), and the paired differences of the cold time
(mean, how many pairs the tree was faster, their spread): the figure to trust is the paired
one, and only when its mean is well outside its spread divided by the square root of the
number of pairs. Each side runs its own ``bench/bench_corpus.py`` from a copy of its
checkout laid out as pip installs it (``bench_scan.installed_layout``: its workers import its
own ``readiness`` and its own checks; before, both sides ran this tree's checks, which a
checkout's folder cannot provide), with the bytecode compiled once beforehand into a shared
prefix.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

import bench_corpus  # the corpus and its fetching
import bench_scan  # the measurements: a child run, the bytecode, the page cache

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def child(tree: Path, env: dict[str, str], *args: str) -> dict[str, float]:
    """``tree``'s ``bench_corpus.py --child ARGS`` in a fresh process (``bench_scan.run_child``),
    the app's files read into the page cache first, as ``bench_corpus.py`` does. ``tree`` is
    a checkout's copy in its installed layout (``bench_scan.installed_layout``)."""
    bench_scan.warm_page_cache(Path(args[1]))
    return bench_scan.run_child(*args, script=str(tree / "bench" / "bench_corpus.py"), env=env)


def summary(rows: list[dict[str, float | str]]) -> list[str]:
    """Each side's means and the paired differences of the cold time (this tree - base)."""
    lines = []
    for side in ("base", "tree"):
        mine = [row for row in rows if row["side"] == side]
        means = {key: statistics.mean(float(row[key]) for row in mine)
                 for key in ("floor", "cold", "ratio", "cpu_main", "cpu_workers")}
        lines.append(f"{side}: {len(mine)} runs, floor {means['floor']:.2f} s, cold "
                     f"{means['cold']:.2f} s, {means['ratio']:.2f} x, CPU main "
                     f"{means['cpu_main']:.2f} s, workers {means['cpu_workers']:.2f} s")
    pairs: dict[float | str, dict[str, float]] = {}
    for row in rows:
        pairs.setdefault(row["pair"], {})[str(row["side"])] = float(row["cold"])
    differences = [pair["tree"] - pair["base"] for pair in pairs.values() if len(pair) == 2]
    if differences:
        spread = statistics.stdev(differences) if len(differences) > 1 else 0.0
        lines.append(f"paired (tree - base): {statistics.mean(differences):+.2f} s, tree "
                     f"faster in {sum(d < 0 for d in differences)} of {len(differences)}, "
                     f"spread {spread:.2f} s")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path, help="the other checkout (its root folder)")
    parser.add_argument("--app", default="homeassistant", help="the corpus app")
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--cache", action="store_true",
                        help="cold with an empty cache folder (default: --no-cache)")
    args = parser.parse_args(argv)
    base = args.base.resolve()
    if not (base / "bench" / "bench_corpus.py").is_file():
        parser.error(f"{base} is not a checkout of readiness (no bench/bench_corpus.py)")
    apps = bench_corpus.corpus_paths()
    if args.app not in apps:
        parser.error(f"unknown app {args.app!r}")
    app = apps[args.app]
    work = Path(tempfile.mkdtemp(prefix="readiness-bench-pairs-"))
    try:
        # each checkout as installed, copied now: a checkout's own folder would take its
        # checks from the installed package, and an edit meanwhile would be measured
        trees = {side: bench_scan.installed_layout(tree, work / side)
                 for side, tree in (("base", base), ("tree", ROOT))}
        env = bench_scan.bytecode_env(work / "pyc", tuple(trees.values()))
        rows: list[dict[str, float | str]] = []
        for pair in range(args.pairs):
            for side in ("base", "tree") if pair % 2 == 0 else ("tree", "base"):
                floor = child(trees[side], env, "floor", str(app))
                cache = work / f"cache-{pair}-{side}"
                cold = child(trees[side], env, "check", str(app), str(cache),
                             "0" if args.cache else "1")
                shutil.rmtree(cache, ignore_errors=True)
                row: dict[str, float | str] = {
                    "pair": pair, "side": side, "floor": floor["seconds"],
                    "cold": cold["seconds"], "ratio": cold["seconds"] / floor["seconds"],
                    "cpu_main": cold["cpu_main"], "cpu_workers": cold["cpu_workers"]}
                rows.append(row)
                print(f"pair {pair} {side:4s}: floor {floor['seconds']:.2f} s, cold "
                      f"{cold['seconds']:.2f} s ({row['ratio']:.2f} x), CPU main "
                      f"{cold['cpu_main']:.2f} s, workers {cold['cpu_workers']:.2f} s",
                      flush=True)
        print("\n".join(summary(rows)))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
