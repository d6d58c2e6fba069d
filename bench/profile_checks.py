"""Time each built-in check on one repository, in this process, one after another.

Usage::

    python bench/profile_checks.py PATH CACHE_DIR [PROFILE_OUT]

Builds the project on CACHE_DIR (empty: a cold run; filled by an earlier run: warm) with one
process, runs every built-in check in turn and prints the slowest twenty with their seconds.
With PROFILE_OUT, the checks run under cProfile and the statistics are written there (read
them with ``python -m pstats``). Where ``bench_corpus.py`` says how fast, this says where.
"""

from __future__ import annotations

import cProfile
import datetime
import sys
import time
from pathlib import Path


def main() -> None:
    root, cache = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    out = sys.argv[3] if len(sys.argv) > 3 else None
    from readiness import registry
    from readiness.config import load_config
    from readiness.process import prepare_for_scan
    from readiness.project import Project
    from readiness.timeline import choose_gate, locate

    prepare_for_scan()  # the collector's thresholds of `readiness check` (without them the
    # call-site index of the 35 corpus apps side by side took 19.2 s here, not 11.4 s)

    start = time.perf_counter()
    config = load_config(root, config_path=None, policy_path=None, overrides=None)
    project = Project(root, exclude=config.get("exclude", []), cache_dir=cache, jobs=1)
    print(f"project {time.perf_counter() - start:.2f}s")
    timeline = locate(config, datetime.date(2026, 11, 24))
    choose_gate(config, timeline, None)
    profile = cProfile.Profile() if out else None
    times = []
    for check in registry.builtin_checks():
        began = time.perf_counter()
        if profile:
            profile.enable()
        try:
            check.run(project, config)
        except Exception as exc:  # noqa: BLE001 - a failing check is reported, not fatal
            print("error", check.name, exc)
        if profile:
            profile.disable()
        times.append((time.perf_counter() - began, check.name))
    project.save_facts()
    project.close()
    for seconds, name in sorted(times, reverse=True)[:20]:
        print(f"{seconds:7.2f}s {name}")
    print(f"checks total {sum(t for t, _ in times):.2f}s; all {time.perf_counter() - start:.2f}s")
    if profile and out:
        profile.dump_stats(out)


if __name__ == "__main__":
    main()
