"""Checks fed by the pilot's own telemetry: projected cost and measured service levels."""

from __future__ import annotations

from readiness.config import Config
from readiness.errors import InputError
from readiness.model import Evidence, Finding, Gap, check, failed, not_applicable, passed, warned
from readiness.project import Project, llmusage
from readiness.telemetry import usage

from .callsites import uses_llm

PROVIDE = ("no pilot telemetry configured: point usage.telemetry at the pilot's request logs "
           "(OTLP/JSON traces, provider responses, LiteLLM, Langfuse or LangSmith exports)")


def _report(project: Project, config: Config) -> usage.UsageReport | Finding:
    if not uses_llm(project) and not config.get("usage.telemetry"):
        return not_applicable(llmusage.NO_LLM)
    try:
        report = usage.for_project(project, config)
    except InputError as error:
        return failed(f"telemetry cannot be read: {error}",
                      *([Evidence(error.path, error.line)] if error.path else []))
    return failed(PROVIDE) if report is None else report


def _files(report: usage.UsageReport) -> list[Evidence]:
    return [Evidence(f) for f in report.files]


@check(code="INF015", gap=Gap.INFRASTRUCTURE,
       title="Does the pilot's usage, projected to production volume, fit the budget?",
       remediation="Configure usage.telemetry, usage.volume and usage.budget.daily_usd, then "
                   "cut cost per work item (caching, batching, a cheaper model) until the "
                   "projected full-launch cost fits the budget.")
def cost_projection(project: Project, config: Config) -> Finding:
    """What it checks:
    The pilot's telemetry is priced (config prices, else the cost the source reported, else
    the bundled genai-prices catalogue) and projected to the soft- and full-launch volumes
    in usage.volume: daily cost as a range from the p50 to the p95 cost per work item. The
    expected full-launch cost must fit usage.budget.daily_usd; the p95 basis above budget is
    a warning. A model with no known price is a finding, never priced at $0.

    Why it matters:
    A pilot that costs $10 a day becomes $10,000 a day at production volume; the time to
    find out is before launch, from the pilot's own logs.

    How to fix:
    Provide the telemetry and volumes; if the projection exceeds the budget, add prompt
    caching, batch the non-interactive work, or route a share of traffic to a cheaper model
    (usage.cheaper_model shows the effect), or raise the budget with whoever pays.
    """
    report = _report(project, config)
    if isinstance(report, Finding):
        return report
    evidence = _files(report)
    unpriced = report.summary.unpriced_models
    if report.projection is None:
        return failed("usage.volume is not set: the pilot cannot be projected to production",
                      *evidence)
    stages = {s.stage: s for s in report.projection.stages}
    target = stages.get("full_launch") or stages.get("soft_launch")
    if target is None or target.daily_usd is None:
        return failed("no cost per work item could be measured (no priced calls with a work "
                      "item id)", *evidence)
    cost = target.daily_usd
    label = target.stage.replace("_", " ")
    line = (f"{label}: ${cost.expected:,.2f}/day expected "
            f"(p50 ${cost.low:,.2f}, p95 ${cost.high:,.2f})")
    budget = report.projection.budget_daily_usd
    if unpriced:
        names = ", ".join(f"{m} ({n} calls)" for m, n in sorted(unpriced.items()))
        return warned(f"{line}; no known price for {names}: set usage.prices", *evidence)
    if budget is None:
        return warned(f"{line}; no budget set (usage.budget.daily_usd)", *evidence)
    if cost.expected > budget:
        return failed(f"{line} exceeds the ${budget:,.2f}/day budget", *evidence)
    if cost.high > budget:
        return warned(f"{line}: the p95 basis exceeds the ${budget:,.2f}/day budget",
                      *evidence)
    return passed(f"{line} within the ${budget:,.2f}/day budget", *evidence)


@check(code="INF016", gap=Gap.INFRASTRUCTURE,
       title="Are the pilot's error rate and latency within the agreed limits?",
       remediation="Bring the pilot's non-capacity error rate and p95 latency within "
                   "usage.slo (and each workflow's max_error_rate / p95_latency_ms) before "
                   "scaling up.")
def service_levels(project: Project, config: Config) -> Finding:
    """What it checks:
    When readiness.yaml sets limits (usage.slo.error_rate and p95_latency_ms, or a
    workflow's max_error_rate / p95_latency_ms; the strictest applies), the pilot's
    telemetry is compared with them: the error rate without 429 rate-limit responses
    (capacity, not bugs, reported separately) and the p95 latency of all calls.

    Why it matters:
    Nobody watches every result at production volume: the failure rate is known only from
    measurement, and a pilot already above its limits will be worse under load.

    How to fix:
    Find the dominant error types and slow models in the telemetry, add retries, timeouts
    and fallbacks, and re-measure.
    """
    flows = config.get("workflows", [])
    error_limits = [v for v in [config.get("usage.slo.error_rate"),
                                *(w.get("max_error_rate") for w in flows)] if v is not None]
    latency_limits = [v for v in [config.get("usage.slo.p95_latency_ms"),
                                  *(w.get("p95_latency_ms") for w in flows)] if v is not None]
    if not error_limits and not latency_limits:
        return not_applicable("no error-rate or latency limits in readiness.yaml (usage.slo)")
    report = _report(project, config)
    if isinstance(report, Finding):
        return report
    s = report.summary
    problems: list[str] = []
    fine: list[str] = []
    if error_limits:
        capacity = s.outcome_groups.get("capacity", 0)
        errors = s.calls - s.outcomes.get("ok", 0) - capacity
        rate = errors / s.calls if s.calls else 0.0
        limit = min(error_limits)
        text = (f"error rate {rate:.1%} (without {capacity} rate-limited calls) vs limit "
                f"{limit:.1%}")
        (problems if rate > limit else fine).append(text)
    if latency_limits:
        p95 = s.latency_ms.p95 if s.latency_ms else None
        limit = min(latency_limits)
        if p95 is None:
            problems.append("no latency in the telemetry (durations missing)")
        else:
            (problems if p95 > limit else fine).append(f"p95 latency {p95:,.0f} ms vs limit "
                                                       f"{limit:,.0f} ms")
    if problems:
        return failed("; ".join(problems + fine), *_files(report))
    return passed("; ".join(fine), *_files(report))


CHECKS = (cost_projection, service_levels)
