"""One streaming pass over request records into a :class:`UsageSummary`.

Memory is bounded whatever the file size: counters and sums are O(1), latency and
cost distributions use :class:`QuantileSketch` (O(1) after 2,048 values), work items
and request ids use :class:`KeyedSample` (at most 10,000 keys each), models are
capped at 200 names, and the traffic histogram (:mod:`readiness.telemetry.traffic`)
at 100,000 buckets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from readiness.telemetry.detect import detect
from readiness.telemetry.pricing import Pricer, PriceSource, Unpriced
from readiness.telemetry.reader import read_load_test, read_requests
from readiness.telemetry.record import LoadTestResult, Malformed, Outcome, RequestRecord
from readiness.telemetry.sketch import KeyedSample, QuantileSketch, quantile_of_sorted
from readiness.telemetry.summary import (
    CostStats,
    ModelUsage,
    Percentiles,
    RetryStats,
    TokenTotals,
    UsageSummary,
    WorkItemStats,
)
from readiness.telemetry.traffic import MAX_BUCKETS, TrafficHistogram

MAX_MODELS = 200
OTHER_MODELS = "(other models)"
UNKNOWN_MODEL = "(unknown model)"
MAX_EXAMPLES = 10


def percentiles(sketch: QuantileSketch) -> Percentiles | None:
    """A sketch's p50/p95/p99, or None when it is empty."""
    if not sketch.count:
        return None
    return Percentiles(sketch.count, sketch.quantile(0.5), sketch.quantile(0.95),
                       sketch.quantile(0.99), sketch.mean, sketch.maximum, sketch.exact)


def _exact_percentiles(values: Sequence[float]) -> Percentiles | None:
    if not values:
        return None
    ordered = sorted(values)
    return Percentiles(len(ordered), quantile_of_sorted(ordered, 0.5),
                       quantile_of_sorted(ordered, 0.95), quantile_of_sorted(ordered, 0.99),
                       sum(ordered) / len(ordered), ordered[-1], True)


class _Model:
    __slots__ = ("calls", "errors", "tokens", "cost", "priced", "unpriced", "latency",
                 "provider")

    def __init__(self) -> None:
        self.calls = self.errors = self.priced = self.unpriced = 0
        self.tokens = [0, 0, 0, 0, 0]  # input, output, cached, cache_write, reasoning
        self.cost = 0.0
        self.latency = QuantileSketch()
        self.provider: str | None = None


class _Item:
    __slots__ = ("calls", "cost", "unpriced", "duration", "untimed")

    def __init__(self) -> None:
        self.calls = self.unpriced = self.untimed = 0
        self.cost = self.duration = 0.0


class Aggregator:
    """Accumulates records; ``build()`` gives the summary. One per run."""

    def __init__(self, pricer: Pricer | None = None, *, sample_size: int = 10_000,
                 max_buckets: int = MAX_BUCKETS) -> None:
        self.pricer = pricer or Pricer()
        self.files: list[str] = []
        self.calls = 0
        self.outcomes: Counter[str] = Counter()
        self.latency = QuantileSketch()
        self.call_cost = QuantileSketch()
        self.models: dict[str, _Model] = {}
        # calls_with_usage, input, output, cached, cache_write, reasoning
        self.tokens = [0, 0, 0, 0, 0, 0]
        self.cost_total = 0.0
        self.cost_sources: Counter[str] = Counter()
        self.unpriced = 0
        self.unpriced_models: Counter[str] = Counter()
        self.no_usage = 0
        self.items: KeyedSample[_Item] = KeyedSample(_Item, sample_size)
        self.anonymous_items = 0
        self.request_ids: KeyedSample[list[int]] = KeyedSample(lambda: [0], sample_size)
        self.calls_with_request_id = self.attempt_info = self.retried = 0
        self.traffic = TrafficHistogram(max_buckets)
        self.malformed = 0
        self.examples: list[Malformed] = []

    def add_file(self, path: Path) -> None:
        """Record that a file was read (for the summary's provenance)."""
        self.files.append(str(path))

    def add(self, item: RequestRecord | Malformed) -> None:
        """Account for one record or malformed entry."""
        if isinstance(item, Malformed):
            self.malformed += 1
            if len(self.examples) < MAX_EXAMPLES:
                self.examples.append(item)
            return
        self._add_record(item)

    def _model(self, record: RequestRecord) -> _Model:
        name = record.model_name or UNKNOWN_MODEL
        model = self.models.get(name)
        if model is None:
            if len(self.models) >= MAX_MODELS:
                name = OTHER_MODELS
                model = self.models.get(name)
            if model is None:
                model = self.models[name] = _Model()
        if model.provider is None:
            model.provider = record.provider
        return model

    def _add_record(self, record: RequestRecord) -> None:
        self.calls += 1
        self.outcomes[record.outcome] += 1
        failed = record.outcome != Outcome.OK.value
        model = self._model(record)
        model.calls += 1
        model.errors += failed
        if record.duration_ms is not None:
            self.latency.add(record.duration_ms)
            model.latency.add(record.duration_ms)
        counts = (record.input_tokens, record.output_tokens, record.cached_tokens,
                  record.cache_write_tokens, record.reasoning_tokens)
        if record.input_tokens is not None or record.output_tokens is not None:
            self.tokens[0] += 1
            for index, value in enumerate(counts):
                self.tokens[index + 1] += value or 0
                model.tokens[index] += value or 0

        priced = self.pricer.price(record)
        if priced.cost_usd is not None and priced.source is not None:
            self.cost_total += priced.cost_usd
            self.cost_sources[priced.source.value] += 1
            model.cost += priced.cost_usd
            model.priced += 1
            if priced.source is not PriceSource.NOT_BILLED:
                self.call_cost.add(priced.cost_usd)
        else:
            self.unpriced += 1
            model.unpriced += 1
            if priced.unpriced is Unpriced.NO_USAGE:
                self.no_usage += 1
            else:
                self.unpriced_models[record.model_name or UNKNOWN_MODEL] += 1

        if record.work_item is None:
            self.anonymous_items += 1
            key = f"\x00{self.anonymous_items}"  # its own work item
        else:
            key = record.work_item
        item = self.items.get(key)
        if item is not None:
            item.calls += 1
            if priced.cost_usd is None:
                item.unpriced += 1
            else:
                item.cost += priced.cost_usd
            if record.duration_ms is None:
                item.untimed += 1
            else:
                item.duration += record.duration_ms

        if record.request_id is not None:
            self.calls_with_request_id += 1
            counter = self.request_ids.get(record.request_id)
            if counter is not None:
                counter[0] += 1
        if record.retry_attempt is not None:
            self.attempt_info += 1
            self.retried += record.retry_attempt > 0

        if record.start is not None:
            self.traffic.add(record.start,
                             (record.input_tokens or 0) + (record.output_tokens or 0))

    def build(self) -> UsageSummary:
        """The summary of everything added so far."""
        groups: Counter[str] = Counter()
        for outcome, count in self.outcomes.items():
            try:
                groups[Outcome(outcome).group.value] += count
            except ValueError:
                groups["other"] += count

        def share(count: int) -> float | None:
            return count / self.calls if self.calls else None

        capacity = self.outcomes[Outcome.RATE_LIMIT.value] + self.outcomes[
            Outcome.OVERLOADED.value]
        version = self.pricer.catalog_version
        return UsageSummary(
            files=tuple(self.files),
            calls=self.calls,
            outcomes=dict(self.outcomes),
            outcome_groups=dict(groups),
            error_rate=share(self.calls - self.outcomes[Outcome.OK.value]),
            rate_limit_rate=share(capacity),
            timeout_rate=share(self.outcomes[Outcome.TIMEOUT.value]),
            latency_ms=percentiles(self.latency),
            models={name: self._model_usage(name, model) for name, model in self.models.items()},
            tokens=TokenTotals(*self.tokens),
            cost=CostStats(self.cost_total, sum(self.cost_sources.values()), self.unpriced,
                           dict(self.cost_sources), percentiles(self.call_cost),
                           f"genai-prices {version}" if version else None),
            work_items=self._work_items(),
            retries=self._retries(),
            traffic=self.traffic.stats(),
            unpriced_models=dict(self.unpriced_models),
            calls_without_usage=self.no_usage,
            malformed=self.malformed,
            malformed_examples=tuple(self.examples),
        )

    def _model_usage(self, name: str, model: _Model) -> ModelUsage:
        rates = None
        if name not in (UNKNOWN_MODEL, OTHER_MODELS):
            rates = self.pricer.rates_for(name, model.provider)
        input_tokens, output_tokens, cached, cache_write, reasoning = model.tokens
        return ModelUsage(model.calls, model.errors, input_tokens, output_tokens, cached,
                          cache_write, reasoning, model.cost, model.priced, model.unpriced,
                          percentiles(model.latency), rates)

    def _work_items(self) -> WorkItemStats:
        items = list(self.items.values())
        priced = [i.cost for i in items if not i.unpriced]
        timed = [i.duration for i in items if not i.untimed]
        return WorkItemStats(
            count=round(self.items.distinct_estimate()), sampled=self.items.sampled,
            sample_size=len(items), calls_without_work_item=self.anonymous_items,
            calls=_exact_percentiles([float(i.calls) for i in items]),
            latency_ms=_exact_percentiles(timed), cost_usd=_exact_percentiles(priced),
            fully_priced_items=len(priced))

    def _retries(self) -> RetryStats:
        counts = [c[0] for c in self.request_ids.values()]
        return RetryStats(
            calls_with_request_id=self.calls_with_request_id,
            distinct_request_ids=round(self.request_ids.distinct_estimate()),
            amplification=sum(counts) / len(counts) if counts else None,
            calls_with_attempt_info=self.attempt_info, retried_calls=self.retried,
            sampled=self.request_ids.sampled)


def summarise(items: Iterable[RequestRecord | Malformed],
              pricer: Pricer | None = None) -> UsageSummary:
    """Summarise an iterable of records in one pass."""
    aggregator = Aggregator(pricer)
    for item in items:
        aggregator.add(item)
    return aggregator.build()


def summarise_files(paths: Sequence[Path], pricer: Pricer | None = None,
                    fields: Mapping[str, Mapping[str, str]] | None = None,
                    ) -> tuple[UsageSummary, list[LoadTestResult]]:
    """Read every file (request telemetry or load tests) into one summary.

    ``fields`` maps a path (as given) to the field mapping it is read through.
    Raises InputError for the first file that is not telemetry.
    """
    aggregator = Aggregator(pricer)
    load_tests: list[LoadTestResult] = []
    for path in paths:
        mapping = (fields or {}).get(str(path))
        if mapping:
            aggregator.add_file(path)
            for item in read_requests(path, fields=mapping):
                aggregator.add(item)
            continue
        detection = detect(path)
        if detection.format.is_load_test:
            load_tests.append(read_load_test(path, detection))
            continue
        aggregator.add_file(path)
        for item in read_requests(path, detection):
            aggregator.add(item)
    return aggregator.build(), load_tests
