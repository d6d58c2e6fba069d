"""Baselines: judge only what is new or worse than a saved scorecard.

A team adopting readiness on an existing project saves a scorecard once and passes it with
``--baseline``; a failure already there (same check, no worse status, no new evidence in any
file) is shown but not counted against the verdict. Lines move, so evidence is compared by
path and count, not by line number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from readiness.model import Result, Scorecard, Status

_RANK = {Status.PASS: 0, Status.NOT_APPLICABLE: 0, Status.UPCOMING: 0, Status.WAIVED: 0,
         Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 2}


def is_known(current: Result, before: Result) -> bool:
    """True when ``current`` is no worse than ``before``."""
    if _RANK[current.effective] > _RANK[before.effective]:
        return False
    now = Counter(e.path for e in current.evidence)
    then = Counter(e.path for e in before.evidence)
    return all(count <= then[path] for path, count in now.items())


def mark(results: Sequence[Result], baseline: Scorecard) -> tuple[tuple[Result, ...], list[str]]:
    """Flag results already present in ``baseline``; return them and a note."""
    before = {r.name: r for r in baseline.results}
    marked = []
    known = new = 0
    for result in results:
        failing = _RANK[result.effective] > 0 and result.status is not Status.WAIVED
        previous = before.get(result.name)
        if failing and previous is not None and is_known(result, previous):
            marked.append(replace(result, in_baseline=True))
            known += 1
        else:
            marked.append(result)
            new += failing
    note = (f"baseline of {baseline.timeline.date}: {known} known finding(s) shown but not "
            f"counted, {new} new or worse")
    return tuple(marked), [note]
