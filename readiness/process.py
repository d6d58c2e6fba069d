"""How a process that scans manages its memory: set once, at its start, in the command's
process and in each worker process (``readiness.project.workers``).

A scan is one short-lived process allocating millions of small, acyclic records (syntax
trees, per-file facts, terms). Python's cyclic garbage collector, left at its defaults,
traverses the same live objects again and again as they pile up: on skyvern 1.0.56
(1,490 files, 25 MB of Python) it was half of a single-process cold scan (81.6 s ->
40.7 s with the collector off; 42.2 s with these thresholds), and a worker process at the
defaults spent 5-15 s of CPU more than with them.
"""

from __future__ import annotations

import gc

# Collect the youngest generation after this many allocations (700 by default): few
# collections, each of a few hundred thousand objects at most, as mypy does. At 100,000
# the scanning process made 26 collections of Home Assistant's decoded answers while they
# were still in use (0.24-0.29 s); at 300,000, 19 (0.08 s), with the same peak there and
# on skyvern.
GC_THRESHOLDS = (300_000, 50, 100)
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def prepare_for_scan() -> None:
    """Collect cycles rarely and allocate from one C heap."""
    gc.set_threshold(*GC_THRESHOLDS)
    one_malloc_arena()


def one_malloc_arena() -> None:
    """Let every thread of the scan allocate from one C heap (glibc: one malloc arena).
    The checks run in threads that take turns on the GIL, so an arena per thread buys no
    speed, and each arena keeps memory that the other threads freed (Home Assistant, cold:
    peak 170-182 MiB -> 162 MiB). Where there is no glibc there is nothing to set."""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 1)
    except (OSError, AttributeError, TypeError):  # macOS, Windows, another C library
        pass
