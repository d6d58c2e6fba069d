"""Projection to production volume: pure functions, table-tested.

The pilot (built from records priced by config, so every number is hand-checkable):
three work items cost 0.0056, 0.0028 and 0.00095 USD, so per item p50 = 0.0028,
mean = 0.00935 / 3 = 0.0031167 and p95 = 0.0028 + 0.9 x 0.0028 = 0.00532; 1.75 calls
per item; 1122 tokens per call; under a day of data, so the peak factor is 3.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from readiness.telemetry.aggregate import summarise
from readiness.telemetry.pricing import Pricer, Rates
from readiness.telemetry.projection import (
    CostRange,
    ProjectionInputs,
    RateLimit,
    Route,
    inputs_from_config,
    project,
)
from readiness.telemetry.record import LoadTestResult, RequestRecord, make_record
from readiness.telemetry.summary import UsageSummary

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
SMALL = Rates(0.5, 1.0, 0.25)
PRICER = Pricer({"m-large": Rates(2.0, 8.0), "m-small": SMALL}, use_catalog=False)
LOAD_TEST = LoadTestResult("run_stats.csv#Aggregated", "locust", 1200, 12, 0.01, 4.0,
                           2100.0, 4200.0, 6100.0, 300.0)



def approx(value: float, **options: Any) -> Any:
    """pytest.approx typed as Any, so comparisons with it type-check under --strict."""
    return pytest.approx(value, **options)

def _summary() -> UsageSummary:
    large = {"model": "m-large", "input_tokens": 1000, "output_tokens": 100}
    records: list[RequestRecord] = [
        make_record("p:1", work_item="a", start=T0, **large),
        make_record("p:2", work_item="a", start=T0, **large),
        make_record("p:3", work_item="b", start=T0, **large),
        make_record("p:4", work_item="b", start=T0, model="m-large", outcome="rate_limit"),
        make_record("p:5", work_item="c", start=T0 + timedelta(minutes=5), model="m-small",
                    input_tokens=2000, cached_tokens=1000, output_tokens=200),
        make_record("p:6", work_item="c", start=T0, model="m-small", outcome="timeout"),
        make_record("p:7", start=T0, model="mystery", input_tokens=100, output_tokens=10),
    ]
    return summarise(records, PRICER)


INPUTS = ProjectionInputs(
    volume={"full_launch": 10_000, "pilot": 10, "soft_launch": 1500},
    budget_daily_usd=30.0,
    rate_limits={"m-large": RateLimit(rpm=20, tpm=100_000)},
    cache_share=0.8, batch_share=1.0, route=Route("m-small", 0.5, SMALL))


@pytest.mark.parametrize(("stage", "items", "daily", "within", "within_p95"), [
    ("pilot", 10, (0.028, 0.0311667, 0.0532), True, True),
    ("soft_launch", 1500, (4.2, 4.675, 7.98), True, True),
    ("full_launch", 10_000, (28.0, 31.1667, 53.2), False, False),
])
def test_cost_ranges_per_stage(stage: str, items: int, daily: tuple[float, float, float],
                               within: bool, within_p95: bool) -> None:
    projection = project(_summary(), INPUTS, LOAD_TEST)
    assert [s.stage for s in projection.stages] == ["pilot", "soft_launch", "full_launch"]
    result = next(s for s in projection.stages if s.stage == stage)
    assert result.work_items_per_day == items
    assert result.daily_usd == CostRange(*(approx(v, rel=1e-5) for v in daily))
    assert result.monthly_usd == CostRange(*(approx(v * 30, rel=1e-5) for v in daily))
    assert (result.within_budget, result.within_budget_at_p95) == (within, within_p95)


@pytest.mark.parametrize(("stage", "calls", "peak_rpm", "peak_tpm", "limit_ok", "headroom"), [
    # calls = items x 1.75; peak = calls / 1440 x 3; tokens = calls x 1122
    ("soft_launch", 2625.0, 5.46875, 6136.0, True, 76.8),
    ("full_launch", 17_500.0, 36.458333, 40906.25, False, 11.52),
])
def test_peaks_limits_and_load_test(stage: str, calls: float, peak_rpm: float,
                                    peak_tpm: float, limit_ok: bool, headroom: float) -> None:
    result = next(s for s in project(_summary(), INPUTS, LOAD_TEST).stages
                  if s.stage == stage)
    assert result.calls_per_day == approx(calls)
    assert result.peak_calls_per_minute == approx(peak_rpm)
    assert result.peak_tokens_per_minute == approx(peak_tpm, rel=1e-4)
    (limit,) = result.limits
    # m-large makes 4 of 7 calls and 3300 of 5610 tokens.
    assert limit.limit == "m-large" and limit.models == ("m-large",)
    assert limit.peak_rpm == approx(peak_rpm * 4 / 7)
    assert limit.peak_tpm == approx(peak_tpm * 3300 / 5610, rel=1e-4)
    assert limit.within is limit_ok
    # Needed: items / 86400 x 3 work items per second; Locust measured 4.0 rps.
    assert result.load_test_headroom == approx(headroom)


@pytest.mark.parametrize(("name", "multiplier"), [
    # m-small: caching 1600 instead of 1000 of 2000 input tokens saves
    # 600 x (0.5 - 0.25) / 1e6 = 0.00015 of 0.00935 (m-large has no cached price).
    ("prompt-caching", 1 - 0.00015 / 0.00935),
    ("batching", 0.5),
    # half of m-large's calls at m-small prices: m-large 0.0084 -> 0.0018 saves 0.0066
    ("model-routing", 1 - 0.5 * 0.0066 / 0.00935),
])
def test_what_ifs(name: str, multiplier: float) -> None:
    stage = project(_summary(), INPUTS).stages[-1]
    what_if = next(w for w in stage.what_ifs if w.name == name)
    assert stage.daily_usd is not None and what_if.daily_usd is not None
    assert what_if.daily_usd.expected == approx(stage.daily_usd.expected * multiplier)
    assert what_if.saving_share == approx(1 - multiplier)


def test_unknown_route_target_and_no_costs() -> None:
    inputs = ProjectionInputs(volume={"full_launch": 100.0},
                              route=Route("nobody-knows", 0.3, None))
    stage = project(_summary(), inputs).stages[0]
    routing = next(w for w in stage.what_ifs if w.name == "model-routing")
    assert (routing.daily_usd, routing.saving_share) == (None, None)
    unpriced = summarise([make_record("x", work_item="a", model="mystery", input_tokens=5,
                                      output_tokens=1, start=T0)], PRICER)
    stage = project(unpriced, inputs).stages[0]
    assert (stage.daily_usd, stage.monthly_usd, stage.within_budget) == (None, None, None)
    assert all(w.daily_usd is None for w in stage.what_ifs)


def test_assumptions_are_stated_and_json_is_deterministic() -> None:
    projection = project(_summary(), INPUTS, LOAD_TEST)
    assert projection.peak_factor == 3.0 and not projection.peak_factor_measured
    assert any("peak factor 3.00 assumed" in a for a in projection.assumptions)
    assert any("1 unpriced calls" in a for a in projection.assumptions)
    assert projection.measured_pilot_work_items_per_day is None  # less than a day
    text = projection.to_json()
    assert text == project(_summary(), INPUTS, LOAD_TEST).to_json()
    data = json.loads(text)
    assert data["stages"][2]["daily_usd"] == {"expected": 31.1667, "high": 53.2, "low": 28.0}


def test_inputs_from_config() -> None:
    usage = {
        "telemetry": ["logs/traces.otlp.jsonl"],
        "volume": {"pilot": 10, "soft_launch": 1500, "full_launch": 10000},
        "budget": {"daily_usd": 400, "alert": "docs/runbooks/cost-alert.md"},
        "rate_limits": {"gpt-4o": {"rpm": 10000, "tpm": 2000000}},
        "what_if": {"cache_share": 0.6, "route": {"model": "m-small", "share": 0.25}},
    }
    inputs = inputs_from_config(usage, PRICER)
    assert inputs == ProjectionInputs(
        volume={"pilot": 10.0, "soft_launch": 1500.0, "full_launch": 10000.0},
        budget_daily_usd=400.0, rate_limits={"gpt-4o": RateLimit(10000, 2000000)},
        cache_share=0.6, batch_share=1.0, route=Route("m-small", 0.25, SMALL))
    assert inputs_from_config({"volume": {"pilot": 5}}, PRICER).route is None


@pytest.mark.parametrize(("model", "keys", "expected"), [
    ("gpt-4o-2024-08-06", ["gpt-4o", "gpt-4o-mini"], "gpt-4o"),
    ("gpt-4o-mini-2024-07-18", ["gpt-4o", "gpt-4o-mini"], "gpt-4o-mini"),
    ("openai/gpt-4o", ["gpt-4o"], "gpt-4o"),
    ("gpt-4.1", ["gpt-4"], None),
])
def test_rate_limit_keys_match_model_families(model: str, keys: list[str],
                                              expected: str | None) -> None:
    from readiness.telemetry.projection import _limit_key

    assert _limit_key(model, keys) == expected
