"""Wilson intervals and the one-pass summary."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readiness.evals import EvalRecord, Outcome, Stats, summarise, wilson


@pytest.mark.parametrize(("passed", "n", "low", "high"), [
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion",
    # Table I, method 3 (Wilson score, no continuity correction).
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
    # and small cases by the symmetry wilson(k, n) = 1 - wilson(n - k, n)
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (5, 10, 0.2366, 0.7634),
])
def test_wilson_reference_values(passed: int, n: int, low: float, high: float) -> None:
    got = wilson(passed, n)
    assert (round(got[0], 4), round(got[1], 4)) == (low, high)


def test_wilson_edges_and_bad_input() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(0, 5)[0] == 0.0 and wilson(5, 5)[1] == 1.0
    narrow = wilson(9_000, 10_000)
    assert narrow[0] < 0.9 < narrow[1] and narrow[1] - narrow[0] < 0.012
    assert wilson(7, 10, z=1.0)[0] > wilson(7, 10)[0]
    for passed, n in [(-1, 5), (6, 5), (0, -1)]:
        with pytest.raises(ValueError):
            wilson(passed, n)


def test_wilson_matches_its_definition() -> None:
    # The bounds are the two p where (p_hat - p)^2 = z^2 p (1 - p) / n.
    z = 1.959963984540054
    for passed, n in [(3, 17), (40, 41), (123, 500)]:
        p_hat = passed / n
        for p in wilson(passed, n):
            assert math.isclose((p_hat - p) ** 2, z * z * p * (1 - p) / n, abs_tol=1e-12)


def _record(n: int, outcome: Outcome, category: str | None = None, workflow: str | None = None,
            tags: tuple[str, ...] = (), when: datetime | None = None,
            source: str = "evals/a.jsonl") -> EvalRecord:
    return EvalRecord(f"{source}:{n}", str(n), workflow, category, tags, outcome, None, None,
                      None, when)


def test_summary_counts_errors_as_not_passed() -> None:
    records = [_record(1, Outcome.PASS, "nda"), _record(2, Outcome.FAIL, "nda"),
               _record(3, Outcome.ERROR, "nda"), _record(4, Outcome.PASS, None)]
    summary = summarise(records)
    assert summary.overall == Stats.of(4, 2, 1)
    assert summary.by_category["nda"].to_json() == {
        "n": 3, "passed": 1, "errors": 1, "accuracy": 0.3333, "wilson_low": 0.0615,
        "wilson_high": 0.7923}
    assert summary.uncategorised == 1
    assert summary.by_workflow == {}


def test_summary_by_workflow_each_with_categories_and_tags_and_newest() -> None:
    base = datetime(2026, 3, 1, tzinfo=UTC)
    plus_two = timezone(timedelta(hours=2))
    records = [
        _record(1, Outcome.PASS, "nda", "legal", ("edge_case",), base),
        _record(2, Outcome.FAIL, "msa", "legal", ("edge_case", "scan"), base),
        _record(3, Outcome.PASS, "nda", "finance", (), datetime(2026, 3, 2, 1, tzinfo=plus_two)),
        _record(4, Outcome.PASS, "nda", None, (), None, "evals/b.csv"),
    ]
    summary = summarise(records)
    assert summary.newest == datetime(2026, 3, 1, 23, tzinfo=UTC)
    assert summary.tags == {"edge_case": 2, "scan": 1}
    assert summary.by_tag["edge_case"].passed == 1
    assert summary.files == ("evals/a.jsonl", "evals/b.csv")
    assert summary.to_json() == {
        "overall": {"n": 4, "passed": 3, "errors": 0, "accuracy": 0.75, "wilson_low": 0.3006,
                    "wilson_high": 0.9544},
        "by_category": {
            "msa": {"n": 1, "passed": 0, "errors": 0, "accuracy": 0.0, "wilson_low": 0.0,
                    "wilson_high": 0.7935},
            "nda": {"n": 3, "passed": 3, "errors": 0, "accuracy": 1.0, "wilson_low": 0.4385,
                    "wilson_high": 1.0},
        },
        "by_workflow": {
            "finance": {
                "overall": {"n": 1, "passed": 1, "errors": 0, "accuracy": 1.0,
                            "wilson_low": 0.2065, "wilson_high": 1.0},
                "by_category": {"nda": {"n": 1, "passed": 1, "errors": 0, "accuracy": 1.0,
                                        "wilson_low": 0.2065, "wilson_high": 1.0}},
            },
            "legal": {
                "overall": {"n": 2, "passed": 1, "errors": 0, "accuracy": 0.5,
                            "wilson_low": 0.0945, "wilson_high": 0.9055},
                "by_category": {
                    "msa": {"n": 1, "passed": 0, "errors": 0, "accuracy": 0.0, "wilson_low": 0.0,
                            "wilson_high": 0.7935},
                    "nda": {"n": 1, "passed": 1, "errors": 0, "accuracy": 1.0,
                            "wilson_low": 0.2065, "wilson_high": 1.0},
                },
            },
        },
    }


def test_to_json_is_deterministic_whatever_the_order() -> None:
    records = [_record(i, random.Random(i).choice(list(Outcome)), f"c{i % 7}", f"w{i % 3}",
                       (f"t{i % 5}",)) for i in range(500)]
    first = json.dumps(summarise(records).to_json())
    random.Random(42).shuffle(records)
    assert json.dumps(summarise(records).to_json()) == first
    assert list(json.loads(first)) == ["by_category", "by_workflow", "overall"]
    assert list(json.loads(first)["by_category"]) == sorted(json.loads(first)["by_category"])


def test_an_empty_summary_is_no_data_not_zero_accuracy() -> None:
    summary = summarise([])
    assert summary.to_json() == {
        "overall": {"n": 0, "passed": 0, "errors": 0, "accuracy": None, "wilson_low": 0.0,
                    "wilson_high": 1.0},
        "by_category": {}, "by_workflow": {},
    }
    assert summary.newest is None and summary.files == () and summary.tags == {}


def test_summarise_consumes_a_generator_once() -> None:
    records = (_record(i, Outcome.PASS if i % 4 else Outcome.FAIL, "c") for i in range(1000))
    summary = summarise(records)
    assert (summary.overall.n, summary.overall.passed) == (1000, 750)


@given(st.integers(min_value=1, max_value=100_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))))
def test_wilson_brackets_the_point_estimate(case: tuple[int, int]) -> None:
    passed, n = case
    low, high = wilson(passed, n)
    assert 0.0 <= low <= passed / n <= high <= 1.0
    mirror = wilson(n - passed, n)
    assert math.isclose(low, 1 - mirror[1], abs_tol=1e-12)
