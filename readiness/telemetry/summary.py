"""The pilot's usage summary: what one streaming pass over the telemetry found.

Definitions used throughout:

* Percentiles interpolate linearly between closest ranks (numpy's default) while a
  series has at most 2,048 values; beyond that they come from a 1%-relative-error
  sketch (see :mod:`readiness.telemetry.sketch`).
* Latency is per call, over every call with a duration (failures included, since
  users wait for those too). Work-item latency is the *sum* of its calls' durations,
  i.e. model time per item, not wall-clock time.
* A work item is a trace, session or document id; a call without one counts as its
  own work item. Per-work-item statistics come from a uniform sample of at most
  10,000 items (exact below that) so memory stays flat.
* Error rates are shares of all calls. ``rate_limit_rate`` counts 429s and
  "overloaded" separately from client bugs (4xx) and transient failures.
* Retry amplification is calls per distinct request id, over calls that carry one.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from readiness.telemetry.pricing import Rates
from readiness.telemetry.record import Malformed

# When the pilot's timestamps span less than a day (or too few calls to judge),
# peak traffic is assumed to be this multiple of the 24-hour average: office-hours
# traffic squeezed into ~8 of 24 hours.
DEFAULT_PEAK_FACTOR = 3.0
MAX_PEAK_FACTOR = 24.0  # the busiest hour cannot exceed a whole day's traffic


@dataclasses.dataclass(frozen=True)
class Percentiles:
    """Distribution of one measure."""

    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    mean: float | None
    max: float | None
    exact: bool  # False once the 1%-relative-error sketch took over


@dataclasses.dataclass(frozen=True)
class ModelUsage:
    """Everything known about one model's calls."""

    calls: int
    errors: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    cost_usd: float  # priced calls only
    priced_calls: int
    unpriced_calls: int
    latency_ms: Percentiles | None
    rates: Rates | None  # USD per million tokens, for what-ifs


@dataclasses.dataclass(frozen=True)
class TokenTotals:
    """Token sums over calls that reported usage (input includes cached)."""

    calls_with_usage: int
    input: int
    output: int
    cached: int
    cache_write: int
    reasoning: int


@dataclasses.dataclass(frozen=True)
class CostStats:
    """Cost of the pilot as priced; unpriced calls are excluded, never zeroed."""

    total_usd: float
    priced_calls: int
    unpriced_calls: int
    by_source: Mapping[str, int]  # config / reported / genai-prices / not-billed
    per_call_usd: Percentiles | None
    pricing_catalog: str | None  # "genai-prices <version>" or None


@dataclasses.dataclass(frozen=True)
class WorkItemStats:
    """Per work item (trace / session / document)."""

    count: int  # exact, or the KMV estimate when ``sampled``
    sampled: bool
    sample_size: int
    calls_without_work_item: int
    calls: Percentiles | None
    latency_ms: Percentiles | None  # sum of call durations, items fully timed
    cost_usd: Percentiles | None  # items whose calls were all priced
    fully_priced_items: int


@dataclasses.dataclass(frozen=True)
class RetryStats:
    """How many calls each logical request took."""

    calls_with_request_id: int
    distinct_request_ids: int  # exact, or estimated when ``sampled``
    amplification: float | None  # calls per distinct request id
    calls_with_attempt_info: int
    retried_calls: int  # retry_attempt > 0
    sampled: bool


@dataclasses.dataclass(frozen=True)
class TrafficStats:
    """When calls happened: the pilot's span and its peaks."""

    first_call: datetime | None
    last_call: datetime | None
    span_days: float | None
    timed_calls: int
    peak_minute_calls: int | None  # None when timestamps were too spread to keep
    peak_hour_calls: int | None
    average_calls_per_hour: float | None
    peak_factor: float  # busiest hour / average hour, or DEFAULT_PEAK_FACTOR
    peak_factor_measured: bool
    peak_hour_tokens: int | None


@dataclasses.dataclass(frozen=True)
class UsageSummary:
    """The whole pilot, ready for checks, projection and rendering."""

    files: tuple[str, ...]
    calls: int
    outcomes: Mapping[str, int]
    outcome_groups: Mapping[str, int]
    error_rate: float | None
    rate_limit_rate: float | None
    timeout_rate: float | None
    latency_ms: Percentiles | None
    models: Mapping[str, ModelUsage]
    tokens: TokenTotals
    cost: CostStats
    work_items: WorkItemStats
    retries: RetryStats
    traffic: TrafficStats
    unpriced_models: Mapping[str, int]
    calls_without_usage: int
    malformed: int
    malformed_examples: tuple[Malformed, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: sorted keys, floats to 6 significant digits."""
        result = jsonable(self)
        assert isinstance(result, dict)
        return result

    def to_json(self) -> str:
        """Deterministic JSON: the same telemetry always gives the same bytes."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, ensure_ascii=False,
                          allow_nan=False)


def round_float(value: float) -> float:
    """Six significant digits: enough for a cost of $0.0000375, stable across runs."""
    if not math.isfinite(value):
        raise ValueError("non-finite value in summary")
    rounded = float(f"{value:.6g}")
    return 0.0 if rounded == 0 else rounded  # no "-0.0"


def jsonable(value: object) -> Any:
    """Dataclasses, named tuples, mappings and datetimes to JSON-ready values."""
    if isinstance(value, float):
        return round_float(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: jsonable(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    raise TypeError(f"cannot serialise {type(value).__name__}")
