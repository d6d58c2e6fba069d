"""Accuracy with honest uncertainty: counts per category and workflow, Wilson intervals.

``summarise`` makes one streaming pass and keeps only counters, so a million records cost
the same memory as ten. Errors count as not passed (and separately in ``errors``): an
example the system could not answer is not a correct answer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from readiness.evals.record import EvalRecord, Outcome, source_file

Z_95 = 1.959963984540054  # two-sided 95%: the normal quantile at 0.975


def wilson(passed: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for ``passed`` successes out of ``n`` trials.

    Unlike the normal approximation it stays inside [0, 1] and is sensible at 0% and 100%
    and for small n. With no trials nothing is known, so the interval is (0.0, 1.0).
    """
    if n < 0 or not 0 <= passed <= n:
        raise ValueError(f"need 0 <= passed <= n, got passed={passed}, n={n}")
    if n == 0:
        return 0.0, 1.0
    p = passed / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    low = 0.0 if passed == 0 else max(0.0, centre - half)
    high = 1.0 if passed == n else min(1.0, centre + half)
    return low, high


class Stats(NamedTuple):
    """Counts and accuracy for one slice of the results (overall, a category, a workflow)."""

    n: int
    passed: int
    errors: int
    accuracy: float | None  # None when n == 0: no data is not 0% accuracy
    wilson_low: float
    wilson_high: float

    @classmethod
    def of(cls, n: int, passed: int, errors: int) -> Stats:
        """Stats from raw counts."""
        low, high = wilson(passed, n)
        return cls(n, passed, errors, passed / n if n else None, low, high)

    def to_json(self) -> dict[str, Any]:
        """The JSON form: counts, and floats rounded to 4 places."""
        return {
            "n": self.n,
            "passed": self.passed,
            "errors": self.errors,
            "accuracy": None if self.accuracy is None else round(self.accuracy, 4),
            "wilson_low": round(self.wilson_low, 4),
            "wilson_high": round(self.wilson_high, 4),
        }


class WorkflowSummary(NamedTuple):
    """One workflow's results: overall and per category."""

    overall: Stats
    by_category: dict[str, Stats]


@dataclass(frozen=True)
class EvalSummary:
    """Everything the quality checks need from a set of eval records."""

    overall: Stats
    by_category: dict[str, Stats]
    by_workflow: dict[str, WorkflowSummary]
    by_tag: dict[str, Stats]
    newest: datetime | None
    files: tuple[str, ...]

    @property
    def tags(self) -> dict[str, int]:
        """How many examples carry each tag."""
        return {tag: stats.n for tag, stats in self.by_tag.items()}

    @property
    def uncategorised(self) -> int:
        """Examples without a category (counted in ``overall`` only)."""
        return self.overall.n - sum(s.n for s in self.by_category.values())

    def to_json(self) -> dict[str, Any]:
        """``overall``, ``by_category`` and ``by_workflow``, keys sorted, deterministic."""
        return {
            "by_category": {k: v.to_json() for k, v in sorted(self.by_category.items())},
            "by_workflow": {
                name: {
                    "by_category": {k: v.to_json() for k, v in sorted(wf.by_category.items())},
                    "overall": wf.overall.to_json(),
                }
                for name, wf in sorted(self.by_workflow.items())
            },
            "overall": self.overall.to_json(),
        }


class _Tally:
    __slots__ = ("n", "passed", "errors")

    def __init__(self) -> None:
        self.n = 0
        self.passed = 0
        self.errors = 0

    def add(self, outcome: Outcome) -> None:
        self.n += 1
        if outcome is Outcome.PASS:
            self.passed += 1
        elif outcome is Outcome.ERROR:
            self.errors += 1

    def stats(self) -> Stats:
        return Stats.of(self.n, self.passed, self.errors)


def _freeze(tallies: dict[str, _Tally]) -> dict[str, Stats]:
    return {key: tallies[key].stats() for key in sorted(tallies)}


def _same_file(source: str, path: str) -> bool:
    """Is ``source`` ``path#...`` or ``path:<line>`` (what ``source_file`` would say)?"""
    if not source.startswith(path):
        return False
    rest = source[len(path):]
    return rest.startswith("#") or (rest[:1] == ":" and rest[1:].isdigit())


def summarise(records: Iterable[EvalRecord]) -> EvalSummary:
    """Count records in one pass: overall, by category, by workflow, by tag."""
    overall = _Tally()
    categories: dict[str, _Tally] = {}
    workflows: dict[str, tuple[_Tally, dict[str, _Tally]]] = {}
    tags: dict[str, _Tally] = {}
    files: set[str] = set()
    newest: datetime | None = None
    last_file = None  # records of one file come in a row: skip re-parsing each source
    for record in records:
        outcome = record.outcome
        overall.add(outcome)
        if record.category is not None:
            categories.setdefault(record.category, _Tally()).add(outcome)
        if record.workflow is not None:
            wf_total, wf_categories = workflows.setdefault(record.workflow, (_Tally(), {}))
            wf_total.add(outcome)
            if record.category is not None:
                wf_categories.setdefault(record.category, _Tally()).add(outcome)
        for tag in record.tags:
            tags.setdefault(tag, _Tally()).add(outcome)
        if record.timestamp is not None and (newest is None or record.timestamp > newest):
            newest = record.timestamp
        if last_file is None or not _same_file(record.source, last_file):
            last_file = source_file(record.source)
            files.add(last_file)
    return EvalSummary(
        overall=overall.stats(),
        by_category=_freeze(categories),
        by_workflow={name: WorkflowSummary(total.stats(), _freeze(cats))
                     for name, (total, cats) in sorted(workflows.items())},
        by_tag=_freeze(tags),
        newest=newest,
        files=tuple(sorted(files)),
    )
