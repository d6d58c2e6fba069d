"""Bounded-memory statistics so a summary's memory stays flat as files grow.

* :class:`QuantileSketch` keeps values exactly up to ``exact_limit`` and then folds
  them into logarithmic buckets (the DDSketch scheme, Masson et al., VLDB 2019).
  Error bound: once folded, every reported quantile is within ``relative_accuracy``
  (1%) *relative* error of a value at the requested rank; there is no random
  error, and the result is deterministic. Memory: at most
  ``log(max/min) / log(gamma)`` buckets, about 2,100 for values spanning 1e-6..1e12.
* :class:`KeyedSample` keeps per-key aggregates for a uniform random sample of
  distinct keys (bottom-k by a stable hash: the ``capacity`` keys with the smallest
  hashes). Every record of a sampled key is aggregated exactly, because a key's
  hash never changes and the admission threshold only falls. Statistics over the
  sample (p50/p95 cost per work item, calls per work item) carry sampling error only
  once there are more keys than ``capacity``: for a quantile q the rank error has a
  standard deviation of sqrt(q(1-q)/k), 0.22 percentage points at p95 for
  k = 10,000. The number of distinct keys is then the KMV estimate (k-1)/h_k, with a
  relative standard error of about 1/sqrt(k-2), i.e. 1% for k = 10,000.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_HASH_SPACE = float(2**64)


def quantile_of_sorted(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, R type 7)."""
    if not values:
        raise ValueError("no values")
    position = q * (len(values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(values) - 1)
    fraction = position - lower
    return values[lower] + (values[upper] - values[lower]) * fraction


class QuantileSketch:
    """Quantiles of non-negative values: exact while small, 1%-accurate after."""

    __slots__ = ("_exact", "_exact_limit", "_buckets", "_zeros", "_count", "_gamma_log",
                 "_gamma", "_max", "_min", "_total")

    def __init__(self, exact_limit: int = 2048, relative_accuracy: float = 0.01) -> None:
        self._exact: list[float] | None = []
        self._exact_limit = exact_limit
        self._gamma = (1 + relative_accuracy) / (1 - relative_accuracy)
        self._gamma_log = math.log(self._gamma)
        self._buckets: dict[int, int] = {}
        self._zeros = 0
        self._count = 0
        self._total = 0.0
        self._max = -math.inf
        self._min = math.inf

    @property
    def count(self) -> int:
        """How many values were added."""
        return self._count

    @property
    def exact(self) -> bool:
        """Whether quantiles are still computed from every value."""
        return self._exact is not None

    @property
    def mean(self) -> float | None:
        """The exact mean (sums are cheap to keep exactly)."""
        return self._total / self._count if self._count else None

    @property
    def maximum(self) -> float | None:
        """The exact maximum."""
        return self._max if self._count else None

    def add(self, value: float) -> None:
        """Add one non-negative value."""
        self._count += 1
        self._total += value
        self._max = max(self._max, value)
        self._min = min(self._min, value)
        if self._exact is not None:
            self._exact.append(value)
            if len(self._exact) > self._exact_limit:
                values, self._exact = self._exact, None
                for item in values:
                    self._bucket(item)
            return
        self._bucket(value)

    def _bucket(self, value: float) -> None:
        if value <= 0.0:
            self._zeros += 1
            return
        index = math.ceil(math.log(value) / self._gamma_log)
        self._buckets[index] = self._buckets.get(index, 0) + 1

    def quantile(self, q: float) -> float | None:
        """The q-quantile (0 <= q <= 1), or None when empty."""
        if not self._count:
            return None
        if self._exact is not None:
            return quantile_of_sorted(sorted(self._exact), q)
        rank = q * (self._count - 1)
        if rank < self._zeros:
            return 0.0
        seen = self._zeros
        for index in sorted(self._buckets):
            seen += self._buckets[index]
            if seen > rank:
                # The bucket's representative value is within the relative accuracy
                # of every value in the bucket; clamp to the exact extremes.
                estimate = 2 * self._gamma ** index / (self._gamma + 1)
                return min(max(estimate, self._min), self._max)
        return self._max


class KeyedSample(Generic[T]):
    """Exact per-key state for a bounded, uniform sample of distinct keys."""

    __slots__ = ("_capacity", "_factory", "_state", "_heap", "_overflowed")

    def __init__(self, factory: Callable[[], T], capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._factory = factory
        self._state: dict[str, T] = {}
        self._heap: list[tuple[int, str]] = []  # (-hash, key): the largest hash on top
        self._overflowed = False

    @staticmethod
    def key_hash(key: str) -> int:
        """A stable 64-bit hash (Python's hash() is salted per process)."""
        return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "replace"),
                                              digest_size=8).digest(), "big")

    def get(self, key: str) -> T | None:
        """The state for ``key`` if it is (or is now admitted) in the sample."""
        state = self._state.get(key)
        if state is not None:
            return state
        hashed = self.key_hash(key)
        if len(self._state) >= self._capacity:
            self._overflowed = True
            if hashed >= -self._heap[0][0]:
                return None  # outside the sample, now and forever
            _, evicted = heapq.heappop(self._heap)
            del self._state[evicted]
        state = self._factory()
        self._state[key] = state
        heapq.heappush(self._heap, (-hashed, key))
        return state

    @property
    def sampled(self) -> bool:
        """Whether keys were dropped (statistics are then sample estimates)."""
        return self._overflowed

    def values(self) -> Iterator[T]:
        """The sampled states, in a deterministic (key) order."""
        for key in sorted(self._state):
            yield self._state[key]

    def __len__(self) -> int:
        return len(self._state)

    def distinct_estimate(self) -> float:
        """Distinct keys seen: exact if never overflowed, else the KMV estimate."""
        if not self._overflowed:
            return float(len(self._state))
        threshold = (-self._heap[0][0] + 1) / _HASH_SPACE
        return (self._capacity - 1) / threshold
