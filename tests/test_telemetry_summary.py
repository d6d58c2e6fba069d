"""The one-pass usage summary: counts, rates, percentiles, costs, determinism."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from readiness.telemetry.aggregate import Aggregator, summarise, summarise_files
from readiness.telemetry.pricing import Pricer, Rates
from readiness.telemetry.record import Malformed, RequestRecord, make_record
from readiness.telemetry.summary import DEFAULT_PEAK_FACTOR, UsageSummary

DATA = Path(__file__).parent / "data" / "telemetry"
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
PRICER = Pricer({"m-large": Rates(2.0, 8.0), "m-small": Rates(0.5, 1.0, 0.25)},
                use_catalog=False)



def approx(value: float, **options: Any) -> Any:
    """pytest.approx typed as Any, so comparisons with it type-check under --strict."""
    return pytest.approx(value, **options)

def _pilot() -> list[RequestRecord | Malformed]:
    def call(n: int, **fields: object) -> RequestRecord:
        return make_record(f"pilot.jsonl:{n}", start=T0 + timedelta(minutes=n), **fields)

    large = {"model": "m-large", "input_tokens": 1000, "output_tokens": 100}
    return [
        call(1, work_item="doc-a", request_id="req-1", duration_ms=100.0, retry_attempt=0,
             **large),
        call(2, work_item="doc-a", request_id="req-1", duration_ms=300.0, retry_attempt=1,
             **large),
        call(3, work_item="doc-b", request_id="req-2", duration_ms=200.0, **large),
        call(4, work_item="doc-b", request_id="req-3", duration_ms=50.0, model="m-large",
             outcome="rate_limit", http_status=429),
        call(5, work_item="doc-c", request_id="req-4", duration_ms=500.0, model="m-small",
             input_tokens=2000, cached_tokens=1000, output_tokens=200),
        call(6, work_item="doc-c", request_id="req-5", duration_ms=1000.0, model="m-small",
             outcome="timeout"),
        call(7, request_id="req-6", duration_ms=400.0, model="mystery", input_tokens=100,
             output_tokens=10),
        Malformed("pilot.jsonl:8", "invalid JSON"),
        Malformed("pilot.jsonl:9", "usage.prompt_tokens: negative value -1"),
    ]


def test_counts_rates_and_latency() -> None:
    summary = summarise(_pilot(), PRICER)
    assert summary.calls == 7
    assert summary.outcomes == {"ok": 5, "rate_limit": 1, "timeout": 1}
    assert summary.outcome_groups == {"ok": 5, "capacity": 1, "transient": 1}
    assert summary.error_rate == approx(2 / 7)
    assert summary.rate_limit_rate == approx(1 / 7)
    assert summary.timeout_rate == approx(1 / 7)
    latency = summary.latency_ms
    assert latency is not None and latency.exact
    # sorted: 50 100 200 300 400 500 1000; p95 at rank 5.7 = 500 + 0.7 * 500
    assert (latency.p50, latency.p95, latency.p99, latency.max) == (
        300.0, approx(850.0), approx(970.0), 1000.0)
    large = summary.models["m-large"]
    assert (large.calls, large.errors, large.input_tokens, large.output_tokens) == (
        4, 1, 3000, 300)
    assert large.latency_ms is not None and large.latency_ms.p50 == approx(150.0)
    assert large.rates == Rates(2.0, 8.0)
    assert summary.models["mystery"].rates is None


def test_tokens_and_costs() -> None:
    summary = summarise(_pilot(), PRICER)
    tokens = summary.tokens
    assert (tokens.calls_with_usage, tokens.input, tokens.output, tokens.cached) == (
        5, 5100, 510, 1000)
    cost = summary.cost
    # 3 x (1000*2 + 100*8)/1e6 = 0.0084, plus (1000*0.5 + 1000*0.25 + 200*1)/1e6 = 0.00095
    assert cost.total_usd == approx(0.00935)
    assert (cost.priced_calls, cost.unpriced_calls) == (6, 1)
    assert cost.by_source == {"config": 4, "not-billed": 2}
    assert cost.per_call_usd is not None and cost.per_call_usd.p50 == approx(0.0028)
    assert summary.unpriced_models == {"mystery": 1}
    assert summary.calls_without_usage == 0
    assert cost.pricing_catalog is None  # catalog switched off for this test


def test_work_items_and_retries() -> None:
    summary = summarise(_pilot(), PRICER)
    items = summary.work_items
    assert (items.count, items.sampled, items.calls_without_work_item) == (4, False, 1)
    assert items.calls is not None and (items.calls.mean, items.calls.p50) == (1.75, 2.0)
    # Fully priced items: a 0.0056, b 0.0028, c 0.00095 (the anonymous call is unpriced).
    assert items.fully_priced_items == 3
    assert items.cost_usd is not None
    assert (items.cost_usd.p50, items.cost_usd.mean) == (
        approx(0.0028), approx(0.00935 / 3))
    # Model time per item: a 400, b 250, c 1500, anonymous 400.
    assert items.latency_ms is not None and items.latency_ms.p50 == 400.0
    retries = summary.retries
    assert (retries.calls_with_request_id, retries.distinct_request_ids) == (7, 6)
    assert retries.amplification == approx(7 / 6)
    assert (retries.calls_with_attempt_info, retries.retried_calls) == (2, 1)


def test_malformed_and_traffic() -> None:
    summary = summarise(_pilot(), PRICER)
    assert summary.malformed == 2
    assert [m.location for m in summary.malformed_examples] == ["pilot.jsonl:8", "pilot.jsonl:9"]
    traffic = summary.traffic
    assert traffic.first_call == T0 + timedelta(minutes=1)
    assert traffic.last_call == T0 + timedelta(minutes=7)
    assert (traffic.peak_minute_calls, traffic.peak_hour_calls) == (1, 7)
    # Less than a day of data: the documented default peak factor applies.
    assert (traffic.peak_factor, traffic.peak_factor_measured) == (DEFAULT_PEAK_FACTOR, False)


def test_peak_factor_is_measured_from_the_busiest_hour() -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    records = [make_record(f"x:{h}-{i}", start=start + timedelta(hours=h, minutes=i))
               for h in range(48) for i in range(3)]
    records += [make_record(f"y:{i}", start=start + timedelta(hours=10, minutes=30))
                for i in range(36)]
    traffic = summarise(records, PRICER).traffic
    assert traffic.peak_hour_calls == 39 and traffic.peak_minute_calls == 36
    # 180 calls over 47 h + 2 min: 3.8271 an hour; busiest hour 39 -> factor 10.19.
    assert traffic.average_calls_per_hour == approx(180 / (47 + 2 / 60))
    assert traffic.peak_factor == approx(39 / (180 / (47 + 2 / 60)))
    assert traffic.peak_factor_measured


def test_work_items_are_sampled_beyond_capacity() -> None:
    aggregator = Aggregator(PRICER, sample_size=50)
    for i in range(1000):
        for attempt in range(2):
            aggregator.add(make_record(f"x:{i}", work_item=f"doc-{i}", request_id=f"r-{i}",
                                       model="m-large", input_tokens=10, output_tokens=1,
                                       retry_attempt=attempt))
    summary = aggregator.build()
    items = summary.work_items
    assert items.sampled and items.sample_size == 50
    assert items.calls is not None and items.calls.p50 == 2.0  # exact per sampled item
    assert items.count == approx(1000, rel=0.4)  # KMV estimate, ~14% std error
    assert summary.retries.amplification == 2.0 and summary.retries.sampled


def test_memory_structures_stay_bounded() -> None:
    aggregator = Aggregator(PRICER, sample_size=100, max_buckets=1000)
    start = datetime(2000, 1, 1, tzinfo=UTC)
    for i in range(20_000):
        aggregator.add(make_record(
            f"x:{i}", work_item=f"w{i}", request_id=f"r{i}", model=f"model-{i}",
            start=start + timedelta(hours=7 * i), duration_ms=float(i)))
    assert len(aggregator.items) == 100 and len(aggregator.request_ids) == 100
    assert len(aggregator.models) == 201  # 200 names, then "(other models)"
    # 20,000 calls 7 h apart overflow 1,000 buckets as minutes, hours and even days
    # (5,833 of them): the histogram coarsens, then stops growing.
    assert aggregator.traffic.resolution == 86400 and len(aggregator.traffic.buckets) <= 1000
    summary = aggregator.build()
    assert summary.models["(other models)"].calls == 20_000 - 200
    assert summary.traffic.peak_minute_calls is None  # minutes were coarsened away


def test_to_json_is_deterministic_sorted_and_rounded() -> None:
    first = summarise(_pilot(), PRICER).to_json()
    second = summarise(list(reversed(_pilot())), PRICER).to_json()
    data = json.loads(first)
    assert list(data) == sorted(data)
    assert data["cost"]["total_usd"] == 0.00935
    assert data["work_items"]["cost_usd"]["mean"] == 0.00311667  # 6 significant digits
    assert data["traffic"]["first_call"] == "2026-01-01T09:01:00+00:00"
    assert data["malformed_examples"][0] == {"location": "pilot.jsonl:8",
                                             "reason": "invalid JSON"}
    assert data["models"]["m-large"]["rates"] == {
        "input_per_mtok": 2.0, "output_per_mtok": 8.0, "cached_input_per_mtok": None,
        "cache_write_per_mtok": None}
    # Order of records changes only order-dependent fields (examples' order).
    reordered = json.loads(second)
    reordered["malformed_examples"].reverse()
    assert reordered == data
    assert summarise(_pilot(), PRICER).to_json() == first


def test_summarise_every_fixture_file() -> None:
    pytest.importorskip("genai_prices", reason="catalog pricing needs genai-prices")
    names = sorted(p.name for p in DATA.iterdir() if not p.name.startswith("not_telemetry"))
    summary, load_tests = summarise_files([DATA / n for n in names], Pricer())
    assert isinstance(summary, UsageSummary)
    assert [t.tool for t in load_tests] == ["k6", "k6", "locust"]
    assert len(summary.files) == len(names) - 3
    assert summary.malformed == 7  # six in openai_chat.jsonl, one in the Langfuse CSV
    assert summary.calls == 28
    assert summary.unpriced_models == {}
    assert summary.cost.total_usd > 0
    assert summary.to_json() == summarise_files([DATA / n for n in names], Pricer())[0].to_json()
