from __future__ import annotations

from pathlib import Path

from readiness.checks.infrastructure.spend import budget_limits, load_testing, load_tests

from readiness.config import load_config
from readiness.model import Credit, Finding, Status
from readiness.project import Project
from tests import fixtures_infra as fx
from tests.conftest import MakeProject
from tests.warm import cold_then_warm


def run(check: object, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))  # type: ignore[attr-defined,no-any-return]


def where(finding: Finding) -> list[str]:
    return [str(e) for e in finding.evidence]


BUDGET = "version: 1\nusage:\n  budget:\n    daily_usd: 400\n"

# ---- budget-limits ------------------------------------------------------------------------


def test_cost_alert_rule_enforces_the_declared_budget(make_project: MakeProject) -> None:
    finding = run(budget_limits, make_project(fx.HARDENED))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == ("spend is capped or alerted on: Prometheus cost alert "
                               "(ops/alerts.yml:11); budget $400/day declared in readiness.yaml")
    assert where(finding) == ["ops/alerts.yml:11", "readiness.yaml:9"]


def test_litellm_proxy_max_budget_passes(make_project: MakeProject) -> None:
    finding = run(budget_limits, make_project(fx.LITELLM_GATEWAY))
    assert finding.status is Status.PASS
    assert finding.message == ("spend is capped or alerted on: litellm max_budget "
                               "(litellm/config.yaml:20)")


def test_cloud_budget_resource_passes(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "infra/budget.tf": (
        'resource "google_billing_budget" "llm" {\n  billing_account = var.billing\n'
        '  display_name    = "LLM spend"\n  amount {\n    specified_amount {\n'
        '      currency_code = "USD"\n      units         = "3000"\n    }\n  }\n'
        '  threshold_rules {\n    threshold_percent = 0.8\n  }\n}\n')})
    finding = run(budget_limits, root)
    assert finding.status is Status.PASS
    assert finding.message == ("spend is capped or alerted on: Google Cloud Billing cost alert "
                               "(infra/budget.tf:1)")


def test_litellm_budget_manager_in_code_passes(make_project: MakeProject) -> None:
    root = make_project({"app/llm.py": (
        "import litellm\nfrom litellm import BudgetManager\n\n"
        "budgets = BudgetManager(project_name='claims')\nlitellm.max_budget = 50\n")})
    finding = run(budget_limits, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/llm.py:4", "app/llm.py:5"]


def test_budget_with_documented_alert_is_documented(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "docs/cost.md": "# Cost alert\n",
                         "readiness.yaml": BUDGET + "    alert: docs/cost.md\n"})
    finding = run(budget_limits, root)
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert finding.message == ("a budget of $400/day is declared and its alert is documented "
                               "in docs/cost.md")
    assert where(finding) == ["readiness.yaml:4", "readiness.yaml:5"]


def test_budget_nobody_enforces_is_a_claim(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "readiness.yaml": BUDGET + "    monthly_usd: 12000\n"})
    finding = run(budget_limits, root)
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == ("a budget of $400/day and $12,000/month is declared in "
                               "readiness.yaml but nothing enforces or alerts on it")
    assert where(finding) == ["readiness.yaml:4", "readiness.yaml:5"]


def test_budget_with_claimed_alert_warns(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "readiness.yaml": (
        BUDGET + "    alert: \"finance checks the invoice monthly\"\n")})
    finding = run(budget_limits, root)
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == ("a budget of $400/day is declared in readiness.yaml but its "
                               "alert is only claimed (finance checks the invoice monthly)")


def test_no_budget_fails_and_no_llm_is_not_applicable(make_project: MakeProject) -> None:
    finding = run(budget_limits, make_project(fx.BARE_PILOT))
    assert finding.status is Status.FAIL
    assert finding.message == "no spend budget is declared, enforced or alerted on"
    assert run(budget_limits, make_project(fx.NO_LLM)).status is Status.NOT_APPLICABLE


# ---- load-testing -------------------------------------------------------------------------


def test_locust_sized_above_the_projected_peak_passes(make_project: MakeProject) -> None:
    finding = run(load_testing, make_project(fx.HARDENED))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == ("the locust load test drives 50.0 req/s "
                               "(loadtest/locustfile.py:1), at or above the projected "
                               "full-launch peak of 11.6 req/s (100,000 items/day x peak "
                               "factor 10)")
    assert where(finding) == ["loadtest/locustfile.py:1", "loadtest/locust.conf:3",
                              "readiness.yaml:7"]


def test_locust_below_the_projected_peak_warns(make_project: MakeProject) -> None:
    files = {**fx.HARDENED, "loadtest/locust.conf": "headless = true\nusers = 5\n"}
    finding = run(load_testing, make_project(files))
    assert (finding.status, finding.credit) == (Status.WARN, Credit.ENFORCED)
    assert finding.message == ("the locust load test drives 5.0 req/s (loadtest/locustfile.py:1) "
                               "but the projected full-launch peak is 11.6 req/s (100,000 "
                               "items/day x peak factor 10)")
    assert where(finding) == ["loadtest/locustfile.py:1", "loadtest/locust.conf:2",
                              "readiness.yaml:7"]


K6 = '''\
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  scenarios: {
    peak: {
      executor: 'constant-arrival-rate',
      rate: 300,
      timeUnit: '1m',
      duration: '10m',
      preAllocatedVUs: 50,
    },
  },
};

export default function () {
  http.post('https://staging.example.com/summarise', JSON.stringify({ text: 'claim' }));
}
'''


def test_k6_arrival_rate_per_minute_below_peak_warns(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "load/summarise.js": K6,
                         "readiness.yaml": "version: 1\nusage:\n  volume: {full_launch: 100000}\n"})
    finding = run(load_testing, root)
    assert finding.status is Status.WARN
    assert finding.message == ("the k6 load test drives 5.0 req/s (load/summarise.js:1) but the "
                               "projected full-launch peak is 11.6 req/s (100,000 items/day x "
                               "peak factor 10)")
    assert where(finding) == ["load/summarise.js:1", "load/summarise.js:8", "readiness.yaml:3"]
    assert [t.tool for t in load_tests(Project(root))] == ["k6"]  # one script, two imports


def test_load_test_without_volume_passes_and_says_so(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "load/summarise.js": K6})
    finding = run(load_testing, root)
    assert finding.status is Status.PASS
    assert finding.message == ("a k6 load test exists (load/summarise.js:1), driving 5.0 req/s; "
                               "usage.volume.full_launch is not configured, so it is not sized "
                               "against production volume")


def test_artillery_vegeta_and_jmeter_are_found(make_project: MakeProject) -> None:
    root = make_project({
        "artillery.yml": "config:\n  target: https://staging.example.com\n  phases:\n"
                         "    - duration: 60\n      arrivalRate: 5\n      rampTo: 40\n"
                         "scenarios:\n  - flow:\n      - post: {url: /summarise}\n",
        "Makefile": "load:\n\techo 'POST https://staging/summarise' | vegeta attack "
                    "-rate=20/s -duration=60s | vegeta report\n",
        "load/plan.jmx": '<jmeterTestPlan>\n  <ThreadGroup testclass="ThreadGroup">\n'
                         '    <stringProp name="ThreadGroup.num_threads">25</stringProp>\n'
                         '  </ThreadGroup>\n</jmeterTestPlan>\n',
    })
    tests = {t.tool: (t.rate, str(t.sized_at)) for t in load_tests(Project(root))}
    assert tests == {"artillery": (40.0, "artillery.yml:6"), "vegeta": (20.0, "Makefile:2"),
                     "JMeter": (25.0, "load/plan.jmx:3")}


def test_locust_without_users_cannot_be_sized(make_project: MakeProject) -> None:
    files = {**fx.HARDENED}
    del files["loadtest/locust.conf"]
    finding = run(load_testing, make_project(files))
    assert finding.status is Status.PASS
    assert finding.message == ("a locust load test exists (loadtest/locustfile.py:1) but sets no "
                               "users or rate, so it cannot be compared with the projected "
                               "full-launch peak of 11.6 req/s (100,000 items/day x peak "
                               "factor 10)")


def test_locust_users_from_the_command_line_in_ci(make_project: MakeProject) -> None:
    files = {**fx.HARDENED, ".github/workflows/load.yml": (
        "on: workflow_dispatch\njobs:\n  load:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: locust -f loadtest/locustfile.py --headless -u 8 -r 2 -t 5m\n")}
    del files["loadtest/locust.conf"]
    finding = run(load_testing, make_project(files))
    assert finding.status is Status.WARN
    assert where(finding)[:2] == ["loadtest/locustfile.py:1", ".github/workflows/load.yml:6"]


def test_no_load_test_fails_naming_the_volume(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "readiness.yaml": (
        "version: 1\nusage:\n  volume: {full_launch: 10000}\n")})
    finding = run(load_testing, root)
    assert finding.status is Status.FAIL
    assert finding.message == ("no load test found (locust, k6, artillery, vegeta, JMeter) for "
                               "the projected 10,000 items/day")
    no_llm = run(load_testing, make_project(fx.NO_LLM))
    assert no_llm.status is Status.NOT_APPLICABLE
    assert no_llm.message.startswith("no LLM usage found")


def test_committed_results_without_a_script_are_documented(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "loadtest/run_stats.csv": "Type,Name\n",
                         "readiness.yaml": "version: 1\nusage:\n  load_tests: "
                                           "[loadtest/*_stats.csv]\n"})
    finding = run(load_testing, root)
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert where(finding) == ["loadtest/run_stats.csv"]


def test_budget_alert_pointing_nowhere_says_so(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "readiness.yaml": BUDGET + "    alert: docs/cost.md\n"})
    finding = run(budget_limits, root)
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == ("a budget of $400/day is declared in readiness.yaml but "
                               "usage.budget.alert points at docs/cost.md, which does not exist")
    assert where(finding) == ["readiness.yaml:4", "readiness.yaml:5"]


def test_warm_run_reads_no_unchanged_file(make_project: MakeProject, tmp_path: Path) -> None:
    """Load-test sizes, budgets in config and alert rules are kept between runs."""
    files = {**fx.HARDENED, "load/summarise.js": K6,
             ".github/workflows/load.yml": "jobs:\n  load:\n    steps:\n"
                                           "      - run: locust --headless -u 8 -r 2\n",
             "load/plan.jmx": '<ThreadGroup.num_threads">25</stringProp>\n',
             "infra/budget.tf": 'resource "aws_budgets_budget" "llm" {\n'
                                '  limit_amount = "400"\n}\n'}
    del files["loadtest/locust.conf"]
    root = make_project(files)
    config = load_config(root)

    def analyse(project: Project) -> tuple[object, ...]:
        return (load_tests(project), load_testing.run(project, config),
                budget_limits.run(project, config))

    result = cold_then_warm(root, tmp_path / "cache", analyse)
    assert result.cold == result.warm
    tests, _, budget = result.warm
    assert [(t.tool, t.rate, str(t.sized_at)) for t in tests] == [
        ("locust", 8.0, ".github/workflows/load.yml:4"), ("k6", 5.0, "load/summarise.js:8"),
        ("JMeter", 25.0, "load/plan.jmx:1")]
    assert where(budget)[:2] == ["infra/budget.tf:1", "ops/alerts.yml:11"]
    assert result.read == []
