from __future__ import annotations

from pathlib import Path

from readiness.checks.infrastructure.telemetry import cost_projection, service_levels

from readiness.config import load_config
from readiness.model import Finding, Status
from readiness.project import Project
from tests.conftest import MakeProject
from tests.fixtures_usage import litellm_log

BASE = """\
version: 1
usage:
  telemetry: [logs/*.jsonl]
"""


def run(check: object, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))  # type: ignore[attr-defined,no-any-return]


def repo(make_project: MakeProject, extra: str, log: str | None = None) -> Path:
    return make_project({"readiness.yaml": BASE + extra,
                         "logs/litellm.jsonl": log if log is not None else litellm_log()})


def test_projection_within_budget_passes(make_project: MakeProject) -> None:
    root = repo(make_project, "  volume: {pilot: 50, soft_launch: 1500, full_launch: 10000}\n"
                              "  budget: {daily_usd: 400}\n")
    finding = run(cost_projection, root)
    assert finding.status is Status.PASS
    assert finding.message == ("full launch: $120.00/day expected (p50 $120.00, p95 $120.00) "
                               "within the $400.00/day budget")
    assert [str(e) for e in finding.evidence] == ["logs/litellm.jsonl"]


def test_projection_over_budget_fails(make_project: MakeProject) -> None:
    root = repo(make_project, "  volume: {full_launch: 10000}\n  budget: {daily_usd: 100}\n")
    finding = run(cost_projection, root)
    assert finding.status is Status.FAIL
    assert finding.message.endswith("exceeds the $100.00/day budget")


def test_projection_says_what_to_provide(make_project: MakeProject) -> None:
    none = run(cost_projection, make_project({"readiness.yaml": "version: 1\n",
                                              "app/llm.py": "import openai\n"}))
    assert none.status is Status.FAIL and none.message.startswith("no pilot telemetry configured")
    no_llm = run(cost_projection, make_project({"readiness.yaml": "version: 1\n"}))
    assert no_llm.status is Status.NOT_APPLICABLE
    assert no_llm.message.startswith("no LLM usage found")
    no_volume = run(cost_projection, repo(make_project, "  budget: {daily_usd: 100}\n"))
    assert no_volume.status is Status.FAIL
    assert no_volume.message == ("usage.volume is not set: the pilot cannot be projected to "
                                 "production")
    no_budget = run(cost_projection, repo(make_project, "  volume: {full_launch: 100}\n"))
    assert no_budget.status is Status.WARN and "no budget set" in no_budget.message


def test_unreadable_telemetry_is_a_located_failure(make_project: MakeProject) -> None:
    root = repo(make_project, "  volume: {full_launch: 100}\n", log='{"hello": "world"}\n')
    finding = run(cost_projection, root)
    assert finding.status is Status.FAIL
    assert finding.message.startswith("telemetry cannot be read: logs/litellm.jsonl")
    assert [e.path for e in finding.evidence] == ["logs/litellm.jsonl"]


def test_service_levels(make_project: MakeProject) -> None:
    assert run(service_levels, repo(make_project, "")).status is Status.NOT_APPLICABLE
    ok = run(service_levels, repo(make_project, "  slo: {error_rate: 0.05, p95_latency_ms: "
                                                "5000}\n"))
    assert ok.status is Status.PASS
    assert ok.message == ("error rate 0.0% (without 0 rate-limited calls) vs limit 5.0%; "
                          "p95 latency 4,000 ms vs limit 5,000 ms")
    slow = run(service_levels, repo(make_project, "  slo: {p95_latency_ms: 1000}\n"))
    assert slow.status is Status.FAIL
    assert slow.message == "p95 latency 4,000 ms vs limit 1,000 ms"


def test_rate_limits_are_capacity_not_errors(make_project: MakeProject) -> None:
    root = repo(make_project, "  slo: {error_rate: 0.01}\n", log=litellm_log(failures=5))
    finding = run(service_levels, root)
    assert finding.status is Status.PASS
    assert finding.message == "error rate 0.0% (without 5 rate-limited calls) vs limit 1.0%"


LOCUST = (Path(__file__).resolve().parents[1] / "data/telemetry/locust_stats.csv").read_text()


def test_measured_load_test_against_projected_peak(make_project: MakeProject) -> None:
    from readiness.checks.infrastructure.spend import load_testing

    def root(volume: int) -> Path:
        return make_project({"readiness.yaml": BASE + f"  load_tests: [loadtest/*.csv]\n"
                                                      f"  volume: {{full_launch: {volume}}}\n",
                             "logs/litellm.jsonl": litellm_log(),
                             "loadtest/run_stats.csv": LOCUST})

    covered = run(load_testing, root(10_000))
    assert covered.status is Status.PASS
    assert covered.message == ("the locust run measured 4.0 req/s, 1.0% failed against a "
                               "projected full-launch peak of 0.35 work items/s (peak factor 3):"
                               " covers the peak")
    assert [str(e) for e in covered.evidence] == ["loadtest/run_stats.csv"]
    short = run(load_testing, root(1_000_000))
    assert short.status is Status.FAIL and short.message.endswith("below the peak")
