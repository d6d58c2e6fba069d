"""Scale the pilot's measured usage to production volume: cost, peaks, limits.

Pure functions of a :class:`UsageSummary`, the ``usage`` config and an optional load
test. The assumptions, each stated in the result's ``assumptions``:

* Cost per day = work items per day x cost per work item, given as a range: low =
  p50 x volume (a typical day if the median item is typical), expected = mean x
  volume (the best estimate of the bill), high = p95 x volume (a pessimistic bound,
  as if every item cost as much as the 95th-percentile one). A month is 30 days.
* Calls per day = work items per day x mean calls per work item; tokens per day the
  same with mean tokens per call.
* Peak per minute = the daily average per minute x the peak factor: the pilot's
  busiest hour over its average hour when it spans >= 1 day with >= 100 timed calls
  (hours, not minutes, because a small pilot's busiest *minute* is Poisson noise
  that production volume smooths out), else 3.0 (office-hours traffic).
* One load-test request stands for one work item.
* What-ifs: prompt caching prices a share of input tokens at the cached rate (only
  ever more caching than measured); batching halves the cost of the batched share
  (OpenAI and Anthropic batch APIs, results within 24 h); routing moves a share of
  calls, with the pilot's token mix, to a cheaper model at its list price.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from readiness.telemetry.pricing import BATCH_DISCOUNT, Pricer, Rates
from readiness.telemetry.record import LoadTestResult
from readiness.telemetry.summary import UsageSummary, jsonable

DAYS_PER_MONTH = 30.0
DEFAULT_CACHE_SHARE = 0.5
STAGES = ("pilot", "soft_launch", "full_launch")


class RateLimit(NamedTuple):
    """A provider quota for one model: requests and tokens per minute."""

    rpm: float | None
    tpm: float | None


class Route(NamedTuple):
    """Send ``share`` of calls to ``model`` priced at ``rates``."""

    model: str
    share: float
    rates: Rates | None


@dataclasses.dataclass(frozen=True)
class ProjectionInputs:
    """What the projection needs from config, already typed."""

    volume: Mapping[str, float]  # stage -> work items per day
    budget_daily_usd: float | None = None
    rate_limits: Mapping[str, RateLimit] = dataclasses.field(default_factory=dict)
    cache_share: float = DEFAULT_CACHE_SHARE
    batch_share: float = 1.0
    route: Route | None = None


@dataclasses.dataclass(frozen=True)
class CostRange:
    """USD over a period: p50-based, mean-based and p95-based."""

    low: float
    expected: float
    high: float

    def scaled(self, factor: float) -> CostRange:
        """The range multiplied by ``factor``."""
        return CostRange(self.low * factor, self.expected * factor, self.high * factor)


@dataclasses.dataclass(frozen=True)
class LimitCheck:
    """Projected peak load on one rate-limit key against its quota."""

    limit: str
    models: tuple[str, ...]
    peak_rpm: float
    rpm_limit: float | None
    peak_tpm: float
    tpm_limit: float | None
    within: bool | None  # None when the quota sets neither limit


@dataclasses.dataclass(frozen=True)
class WhatIf:
    """An alternative: the daily cost it would give and what it saves."""

    name: str
    description: str
    daily_usd: CostRange | None
    saving_share: float | None  # 0.3 = 30% cheaper


@dataclasses.dataclass(frozen=True)
class StageProjection:
    """One volume stage (pilot, soft launch, full launch)."""

    stage: str
    work_items_per_day: float
    calls_per_day: float
    tokens_per_day: float
    daily_usd: CostRange | None
    monthly_usd: CostRange | None
    within_budget: bool | None  # expected daily cost <= budget
    within_budget_at_p95: bool | None
    peak_calls_per_minute: float
    peak_tokens_per_minute: float
    peak_work_items_per_second: float
    limits: tuple[LimitCheck, ...]
    load_test_headroom: float | None  # measured throughput / needed peak
    what_ifs: tuple[WhatIf, ...]


@dataclasses.dataclass(frozen=True)
class Projection:
    """The pilot scaled to each configured stage."""

    stages: tuple[StageProjection, ...]
    peak_factor: float
    peak_factor_measured: bool
    measured_pilot_work_items_per_day: float | None
    budget_daily_usd: float | None
    load_test: LoadTestResult | None
    assumptions: tuple[str, ...]

    def to_json(self) -> str:
        """Deterministic JSON (sorted keys, floats to 6 significant digits)."""
        return json.dumps(jsonable(self), sort_keys=True, indent=2, allow_nan=False)


def inputs_from_config(usage: Mapping[str, Any], pricer: Pricer) -> ProjectionInputs:
    """Typed inputs from the validated ``usage`` config section.

    ``what_if: {cache_share, batch_share, route: {model, share}}`` is optional; the
    route target is priced with ``pricer`` (config price, else genai-prices).
    """
    volume = {k: float(v) for k, v in (usage.get("volume") or {}).items() if v is not None}
    budget = (usage.get("budget") or {}).get("daily_usd")
    limits = {model: RateLimit(q.get("rpm"), q.get("tpm"))
              for model, q in (usage.get("rate_limits") or {}).items()}
    what_if = usage.get("what_if") or {}
    route = None
    if isinstance(what_if.get("route"), Mapping):
        target = str(what_if["route"]["model"])
        route = Route(target, float(what_if["route"].get("share", 1.0)),
                      pricer.rates_for(target))
    return ProjectionInputs(
        volume=volume, budget_daily_usd=None if budget is None else float(budget),
        rate_limits=limits,
        cache_share=float(what_if.get("cache_share", DEFAULT_CACHE_SHARE)),
        batch_share=float(what_if.get("batch_share", 1.0)), route=route)


def _limit_key(model: str, keys: Sequence[str]) -> str | None:
    """The most specific configured limit naming this model (or its family)."""
    bare = model.split("/")[-1].lower()
    matches = [k for k in keys if bare == k.lower() or bare.startswith(k.lower() + "-")]
    return max(matches, key=len) if matches else None


def _cost_per_item(summary: UsageSummary) -> CostRange | None:
    cost = summary.work_items.cost_usd
    if cost is None or cost.p50 is None or cost.p95 is None or cost.mean is None:
        return None
    return CostRange(cost.p50, cost.mean, cost.p95)


def _caching_saving(summary: UsageSummary, share: float) -> float | None:
    """Share of the priced pilot cost saved if ``share`` of input were cache reads."""
    if summary.cost.total_usd <= 0:
        return None
    saved = 0.0
    for usage in summary.models.values():
        rates = usage.rates
        if rates is None or rates.cached_input_per_mtok is None:
            continue
        target = min(share * usage.input_tokens, usage.input_tokens - usage.cache_write_tokens)
        extra = max(target - usage.cached_tokens, 0.0)
        saved += extra * (rates.input_per_mtok - rates.cached_input_per_mtok) / 1e6
    return min(saved / summary.cost.total_usd, 1.0)


def _routing_multiplier(summary: UsageSummary, route: Route) -> float | None:
    """Cost multiplier when ``route.share`` of each priceable model's calls moves.

    Models without known rates keep their cost (their tokens cannot be compared).
    """
    if route.rates is None or summary.cost.total_usd <= 0:
        return None
    saved = sum(u.cost_usd - route.rates.cost(u.input_tokens, u.output_tokens,
                                              u.cached_tokens, u.cache_write_tokens)
                for u in summary.models.values() if u.rates is not None)
    return 1 - route.share * saved / summary.cost.total_usd


def _what_ifs(summary: UsageSummary, inputs: ProjectionInputs,
              daily: CostRange | None) -> tuple[WhatIf, ...]:
    def build(name: str, description: str, multiplier: float | None) -> WhatIf:
        if multiplier is None or daily is None:
            return WhatIf(name, description, None, None)
        return WhatIf(name, description, daily.scaled(multiplier), 1 - multiplier)

    saving = _caching_saving(summary, inputs.cache_share)
    results = [
        build("prompt-caching",
              f"{inputs.cache_share:.0%} of input tokens read from the prompt cache at "
              "the cached-input price", None if saving is None else 1 - saving),
        build("batching", f"{inputs.batch_share:.0%} of calls sent through a batch API "
              f"at {BATCH_DISCOUNT:.0%} of the price (results within 24 h)",
              1 - inputs.batch_share * BATCH_DISCOUNT),
    ]
    if inputs.route is not None:
        results.append(build(
            "model-routing", f"{inputs.route.share:.0%} of calls routed to "
            f"{inputs.route.model} at its list price", _routing_multiplier(summary, inputs.route)))
    return tuple(results)


def _stage(summary: UsageSummary, inputs: ProjectionInputs, stage: str, items: float,
           load_test: LoadTestResult | None) -> StageProjection:
    calls_per_item = summary.work_items.calls.mean if summary.work_items.calls else None
    calls = items * (calls_per_item or 1.0)
    tokens_per_call = ((summary.tokens.input + summary.tokens.output)
                       / summary.tokens.calls_with_usage) if summary.tokens.calls_with_usage else 0
    tokens = calls * tokens_per_call
    factor = summary.traffic.peak_factor
    peak_rpm, peak_tpm = calls / 1440 * factor, tokens / 1440 * factor
    per_item = _cost_per_item(summary)
    daily = per_item.scaled(items) if per_item else None
    budget = inputs.budget_daily_usd
    limits: dict[str, list[str]] = {}
    for model in sorted(summary.models):
        key = _limit_key(model, list(inputs.rate_limits))
        if key is not None:
            limits.setdefault(key, []).append(model)
    checks = []
    for key in sorted(limits):
        models = limits[key]
        share = sum(summary.models[m].calls for m in models) / max(summary.calls, 1)
        used = sum(summary.models[m].input_tokens + summary.models[m].output_tokens
                   for m in models)
        token_share = used / max(summary.tokens.input + summary.tokens.output, 1)
        quota = inputs.rate_limits[key]
        rpm, tpm = peak_rpm * share, peak_tpm * token_share
        verdicts = [need <= limit for need, limit in ((rpm, quota.rpm), (tpm, quota.tpm))
                    if limit is not None]
        checks.append(LimitCheck(key, tuple(models), rpm, quota.rpm, tpm, quota.tpm,
                                 all(verdicts) if verdicts else None))
    peak_items_per_second = items / 86400 * factor
    headroom = None
    if load_test is not None and load_test.throughput_rps is not None and items > 0:
        headroom = load_test.throughput_rps / peak_items_per_second
    return StageProjection(
        stage=stage, work_items_per_day=items, calls_per_day=calls, tokens_per_day=tokens,
        daily_usd=daily, monthly_usd=daily.scaled(DAYS_PER_MONTH) if daily else None,
        within_budget=None if daily is None or budget is None else daily.expected <= budget,
        within_budget_at_p95=None if daily is None or budget is None else daily.high <= budget,
        peak_calls_per_minute=peak_rpm, peak_tokens_per_minute=peak_tpm,
        peak_work_items_per_second=peak_items_per_second, limits=tuple(checks),
        load_test_headroom=headroom, what_ifs=_what_ifs(summary, inputs, daily))


def project(summary: UsageSummary, inputs: ProjectionInputs,
            load_test: LoadTestResult | None = None) -> Projection:
    """Project the pilot to every stage in ``inputs.volume`` (pilot → full launch)."""
    order = [s for s in STAGES if s in inputs.volume] + sorted(
        s for s in inputs.volume if s not in STAGES)
    stages = tuple(_stage(summary, inputs, s, inputs.volume[s], load_test) for s in order)
    measured = None
    span = summary.traffic.span_days
    if span and span >= 1.0:
        measured = summary.work_items.count / span
    traffic = summary.traffic
    assumptions = [
        "daily cost = work items/day x cost per work item (low p50, expected mean, high p95)",
        f"a month is {DAYS_PER_MONTH:.0f} days",
        (f"peak factor {traffic.peak_factor:.2f} = busiest hour / average hour of the pilot"
         if traffic.peak_factor_measured else
         f"peak factor {traffic.peak_factor:.2f} assumed (pilot spans < 1 day or < 100 "
         "timed calls)"),
        "one load-test request stands for one work item",
    ]
    if summary.cost.unpriced_calls:
        assumptions.append(f"{summary.cost.unpriced_calls} unpriced calls are left out of "
                           "cost per work item (items with an unpriced call are excluded)")
    if summary.work_items.sampled:
        assumptions.append("per-work-item figures come from a uniform sample of "
                           f"{summary.work_items.sample_size} work items")
    return Projection(stages, traffic.peak_factor, traffic.peak_factor_measured, measured,
                      inputs.budget_daily_usd, load_test, tuple(assumptions))
