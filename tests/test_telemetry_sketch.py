"""Bounded-memory statistics and their documented error bounds."""

from __future__ import annotations

import math
import random

import pytest

from readiness.telemetry.sketch import KeyedSample, QuantileSketch, quantile_of_sorted


@pytest.mark.parametrize(("values", "q", "expected"), [
    ([1.0], 0.95, 1.0),
    ([1.0, 2.0], 0.5, 1.5),
    ([float(v) for v in range(1, 11)], 0.5, 5.5),
    ([float(v) for v in range(1, 11)], 0.95, 9.55),
    ([float(v) for v in range(1, 11)], 0.99, 9.91),
    ([float(v) for v in range(1, 101)], 0.95, 95.05),
])
def test_exact_quantiles_interpolate_linearly(values: list[float], q: float,
                                              expected: float) -> None:
    assert quantile_of_sorted(values, q) == pytest.approx(expected)
    sketch = QuantileSketch()
    for value in reversed(values):
        sketch.add(value)
    assert sketch.exact
    assert sketch.quantile(q) == pytest.approx(expected)


def test_empty_sketch() -> None:
    sketch = QuantileSketch()
    assert (sketch.quantile(0.5), sketch.mean, sketch.maximum, sketch.count) == (
        None, None, None, 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_folded_sketch_is_within_one_percent_of_the_value_at_rank(seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.lognormvariate(7, 1.2) for _ in range(50_000)] + [0.0] * 50
    sketch = QuantileSketch(exact_limit=1000)
    for value in values:
        sketch.add(value)
    assert not sketch.exact
    ordered = sorted(values)
    for q in (0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0):
        truth = ordered[math.floor(q * (len(ordered) - 1))]
        estimate = sketch.quantile(q)
        assert estimate is not None
        assert abs(estimate - truth) <= 0.01 * truth + 1e-9, (q, estimate, truth)
    assert sketch.mean == pytest.approx(sum(values) / len(values))
    assert sketch.maximum == max(values)


def test_sketch_memory_is_bounded_by_the_value_range() -> None:
    sketch = QuantileSketch(exact_limit=10)
    for exponent in range(-6, 12):
        for step in range(2000):
            sketch.add(10.0 ** exponent * (1 + step / 2000))
    assert sketch.count == 36_000
    # log(1e12 / 1e-6) / log(1.01/0.99) ~ 2,072 buckets at most, whatever the count.
    assert len(sketch._buckets) <= 2100


def test_keyed_sample_keeps_exact_state_for_a_bounded_uniform_sample() -> None:
    sample: KeyedSample[list[int]] = KeyedSample(lambda: [0], capacity=100)
    keys = [f"doc-{i}" for i in range(10_000)]
    for _ in range(3):  # every key recurs; sampled keys must count all three
        for key in keys:
            state = sample.get(key)
            if state is not None:
                state[0] += 1
    assert len(sample) == 100 and sample.sampled
    states = list(sample.values())
    assert {s[0] for s in states} == {3}
    smallest = sorted(keys, key=KeyedSample.key_hash)[:100]
    assert sorted(sample._state) == sorted(smallest)
    # KMV estimate: relative standard error ~ 1/sqrt(98) = 10%.
    assert sample.distinct_estimate() == pytest.approx(10_000, rel=0.3)


def test_keyed_sample_is_exact_below_capacity() -> None:
    sample: KeyedSample[list[int]] = KeyedSample(lambda: [0], capacity=100)
    for key in ("a", "b", "a"):
        state = sample.get(key)
        assert state is not None
        state[0] += 1
    assert not sample.sampled
    assert sample.distinct_estimate() == 2.0
    assert [s[0] for s in sample.values()] == [2, 1]


def test_key_hash_is_stable_across_processes() -> None:
    # blake2b, not the salted built-in hash(): the same file samples the same items.
    assert KeyedSample.key_hash("doc-1") == int.from_bytes(
        __import__("hashlib").blake2b(b"doc-1", digest_size=8).digest(), "big")
