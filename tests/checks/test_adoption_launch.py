"""soft-launch-rollout and adoption-metrics, and the adoption checks on examples/pilot-app."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from readiness.checks.adoption import CHECKS, adoption_metrics, soft_launch_rollout

from readiness.config import load_config
from readiness.model import Check, Credit, Finding, Status
from readiness.project import Project
from tests import fixtures_adoption as fx
from tests.conftest import MakeProject
from tests.warm import cold_then_warm

PILOT_APP = Path(__file__).resolve().parents[2] / "examples" / "pilot-app"
BAND_FAIL = "rollout at 50% is outside the 10-20% soft-launch band"


def run(check: Check, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))


def run_full(check: Check, root: Path) -> Finding:
    """Run as at the full-launch gate, where measured adoption is judged."""
    config = dataclasses.replace(load_config(root), launch_gate="full-launch")
    return check.run(Project(root), config)


def where(finding: Finding) -> list[str]:
    return [str(e) for e in finding.evidence]


def config(body: str) -> dict[str, str]:
    return {"readiness.yaml": "version: 1\n" + body}


# --- soft-launch-rollout -----------------------------------------------------------------

def test_launchdarkly_flag_at_15_percent_passes(make_project: MakeProject) -> None:
    finding = run(soft_launch_rollout, make_project(fx.ROLLOUT_15))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == ("soft launch limited to 15% of users by flag invoice-ai-enabled "
                               "(LaunchDarkly, app/flags.py:8), inside the 10-20% band")
    assert where(finding) == ["app/flags.py:8", "readiness.yaml:5"]


def test_flag_at_50_percent_is_outside_the_band(make_project: MakeProject) -> None:
    finding = run(soft_launch_rollout, make_project(fx.ROLLOUT_50))
    assert finding.status is Status.FAIL
    assert finding.message == BAND_FAIL
    assert where(finding) == ["app/flags.py:8", "readiness.yaml:5"]


def test_unleash_strategy_file_share_is_judged(make_project: MakeProject) -> None:
    finding = run(soft_launch_rollout, make_project(fx.UNLEASH_STRATEGY))
    assert finding.status is Status.FAIL
    assert finding.message == BAND_FAIL
    assert where(finding) == ["flags/unleash-export.json:6"]
    at_15 = {**fx.UNLEASH_STRATEGY, "flags/unleash-export.json":
             fx.UNLEASH_STRATEGY["flags/unleash-export.json"].replace('"50"', '"15"')}
    finding = run(soft_launch_rollout, make_project(at_15))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert finding.message == ("soft launch limited to 15% of users by the rollout setting at "
                               "flags/unleash-export.json:6, inside the 10-20% band")


def test_strategy_file_with_other_letters_and_cases_is_judged_the_same(
        make_project: MakeProject) -> None:
    """Non-ASCII text takes the case-blind searches; ASCII text the lowered one."""
    export = fx.UNLEASH_STRATEGY["flags/unleash-export.json"]
    for changed in (export.replace("invoice-ai-enabled", "facture-ia-activée"),
                    export.replace('"strategies"', '"STRATEGIES"')):
        finding = run(soft_launch_rollout, make_project(
            {**fx.UNLEASH_STRATEGY, "flags/unleash-export.json": changed}))
        assert (finding.status, finding.message) == (Status.FAIL, BAND_FAIL)
        assert where(finding) == ["flags/unleash-export.json:6"]


def test_flag_sdk_without_a_share_warns(make_project: MakeProject) -> None:
    finding = run(soft_launch_rollout, make_project({**fx.SLACK_BOT, "app/flags.py": fx.FLAGS}))
    assert (finding.status, finding.credit) == (Status.WARN, Credit.ENFORCED)
    assert finding.message == ("a feature flag (LaunchDarkly, app/flags.py:14) found, but no "
                               "rollout share: set adoption.rollout.percent to the share of "
                               "users in the soft launch")
    assert where(finding) == ["app/flags.py:14"]


def test_share_in_config_with_nothing_in_code_is_a_claim(make_project: MakeProject) -> None:
    body = "adoption:\n  rollout: {flag: invoice-ai-enabled, percent: 15}\n"
    finding = run(soft_launch_rollout, make_project({**fx.SLACK_BOT, **config(body)}))
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == ("adoption.rollout plans flag invoice-ai-enabled at 15%, but "
                               "nothing in code applies it (no feature-flag SDK, no use of the "
                               "flag)")
    assert where(finding) == ["readiness.yaml:3"]


def test_flag_named_in_config_without_share_or_use_is_a_claim(make_project: MakeProject) -> None:
    body = "adoption:\n  rollout:\n    flag: invoice-ai-enabled\n"
    finding = run(soft_launch_rollout, make_project({**fx.SLACK_BOT, **config(body)}))
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == ("adoption.rollout names flag invoice-ai-enabled, but it is not "
                               "used in code and no rollout share is set")
    assert where(finding) == ["readiness.yaml:4"]


def test_in_house_percentage_rollout_in_code_and_env(make_project: MakeProject) -> None:
    gate = ('"""Soft launch: a stable share of users gets the assistant."""\nimport os\nimport '
            'zlib\n\nROLLOUT_PERCENT = int(os.environ.get("ROLLOUT_PERCENT", "15"))\n\n\n'
            'def enabled(user_id: str) -> bool:\n'
            '    return zlib.crc32(user_id.encode()) % 100 < ROLLOUT_PERCENT\n')
    files = {**fx.SLACK_BOT, "app/rollout.py": gate, ".env.example": "OPENAI_API_KEY=\n"
             "ROLLOUT_PERCENT=15\n"}
    finding = run(soft_launch_rollout, make_project(files))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert where(finding) == ["app/rollout.py:9", ".env.example:2", "app/rollout.py:5"]


def test_a_rounded_percentage_is_no_rollout_share(make_project: MakeProject) -> None:
    # local-deep-research's metrics: usage per search strategy as a percentage, rounded
    # (round(percentage, 1) was read as a setting "percentage" of 1 %)
    metrics = ('"""Usage of each search strategy."""\n\n\n'
               'def strategy_usage(counts: dict, total: int) -> list:\n'
               '    strategies = []\n'
               '    for name, count in counts.items():\n'
               '        percentage = count / total * 100 if total else 0\n'
               '        strategies.append({"strategy": name, "percentage": round(percentage, 1)})'
               '\n    return strategies\n')
    finding = run(soft_launch_rollout, make_project({**fx.SLACK_BOT, "app/metrics.py": metrics}))
    assert finding.status is Status.FAIL
    assert finding.message.startswith("no rollout control")


def test_band_comes_from_thresholds(make_project: MakeProject) -> None:
    files = {**fx.ROLLOUT_15, "readiness.yaml": fx.ROLLOUT_15["readiness.yaml"]
             + "thresholds:\n  soft_launch_band: [0.05, 0.10]\n"}
    finding = run(soft_launch_rollout, make_project(files))
    assert finding.status is Status.FAIL
    assert finding.message == "rollout at 15% is outside the 5-10% soft-launch band"


def test_fraction_settings_and_docstrings(make_project: MakeProject) -> None:
    notes = '"""Old plan: rollout: 50 (rejected)."""\n'
    values = "assistant:\n  image: registry/assistant:1.4\n  rollout_fraction: 0.12\n"
    files = {**fx.SLACK_BOT, "app/flags.py": fx.FLAGS, "app/notes.py": notes,
             "deploy/values.yaml": values}
    finding = run(soft_launch_rollout, make_project(files))
    assert finding.status is Status.PASS
    assert finding.message.startswith("soft launch limited to 12% of users by a feature flag")
    assert where(finding) == ["app/flags.py:14", "deploy/values.yaml:3"]


def test_no_rollout_control_fails(make_project: MakeProject) -> None:
    finding = run(soft_launch_rollout, make_project(fx.SLACK_BOT))
    assert finding.status is Status.FAIL
    assert finding.message == ("no rollout control: no feature-flag SDK or flag in code and no "
                               "rollout share (adoption.rollout, a rollout percentage in settings)")


# --- adoption-metrics --------------------------------------------------------------------

def test_posthog_events_measure_usage(make_project: MakeProject) -> None:
    finding = run(adoption_metrics, make_project({**fx.CORE, "app/usage.py": fx.POSTHOG_USAGE}))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == "usage is measured: PostHog capture invoice_extracted"
    assert where(finding) == ["app/usage.py:6"]


def test_prometheus_counter_must_be_about_usage(make_project: MakeProject) -> None:
    finding = run(adoption_metrics, make_project({**fx.CORE, "app/metrics.py":
                                                  fx.PROMETHEUS_USAGE}))
    assert finding.status is Status.PASS
    assert finding.message == "usage is measured: Prometheus Counter assistant_active_users_total"
    assert where(finding) == ["app/metrics.py:4"]
    requests_only = fx.PROMETHEUS_USAGE.rsplit("\n", 2)[0] + "\n"
    finding = run(adoption_metrics, make_project({**fx.CORE, "app/metrics.py": requests_only}))
    assert finding.status is Status.FAIL
    assert finding.message == ("usage is not measured: no analytics events, usage metrics or "
                               "usage-events table found in code")


def test_usage_events_table_and_segment_in_typescript(make_project: MakeProject) -> None:
    sql = ("-- usage for the soft launch\nCREATE TABLE IF NOT EXISTS usage_events (\n"
           "  id serial\n);\n")
    track = ("import { Analytics } from '@segment/analytics-node'\n"
             "const analytics = new Analytics({ writeKey: process.env.SEGMENT_KEY! })\n"
             "export const extracted = (userId: string) =>\n"
             "  analytics.track({ userId, event: 'Invoice Extracted' })\n")
    files = {**fx.CORE, "migrations/001_usage.sql": sql, "web/src/track.ts": track}
    finding = run(adoption_metrics, make_project(files))
    assert finding.status is Status.PASS
    assert finding.message == "usage is measured: usage table, Segment track"
    assert where(finding) == ["migrations/001_usage.sql:2", "web/src/track.ts:4"]


def test_measured_adoption_below_target_fails(make_project: MakeProject) -> None:
    files = {**fx.CORE, "app/usage.py": fx.POSTHOG_USAGE,
             **config("adoption:\n  adoption_measured: 0.42\n")}
    finding = run_full(adoption_metrics, make_project(files))
    assert finding.status is Status.FAIL
    assert finding.message == "soft-launch adoption 42% is below the 60% target"
    assert where(finding) == ["readiness.yaml:3"]


def test_measured_adoption_meeting_target_passes_when_usage_is_measured(
        make_project: MakeProject) -> None:
    files = {**fx.CORE, "app/usage.py": fx.POSTHOG_USAGE,
             **config("adoption:\n  adoption_target: 0.65\n  adoption_measured: 0.72\n")}
    finding = run_full(adoption_metrics, make_project(files))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert finding.message == "soft-launch adoption 72% meets the 65% target"
    assert where(finding) == ["readiness.yaml:4", "app/usage.py:6"]


def test_measured_number_without_instrumentation_is_a_claim(make_project: MakeProject) -> None:
    files = {**fx.CORE, **config("adoption:\n  adoption_measured: 0.72\n")}
    finding = run_full(adoption_metrics, make_project(files))
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == ("soft-launch adoption 72% meets the 60% target, but nothing in "
                               "code measures usage, so the number is a claim")


def test_policy_threshold_is_a_floor_under_the_projects_target(
        make_project: MakeProject, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nthresholds:\n  adoption_target: 0.7\n", encoding="utf-8")
    root = make_project({**fx.CORE, "app/usage.py": fx.POSTHOG_USAGE, **config(
        "adoption:\n  adoption_target: 0.5\n  adoption_measured: 0.6\n")})
    finding = adoption_metrics.run(Project(root), dataclasses.replace(
        load_config(root, policy_path=policy), launch_gate="full-launch"))
    assert finding.status is Status.FAIL
    assert finding.message == "soft-launch adoption 60% is below the 70% target"


def test_usage_export_gives_the_active_share(make_project: MakeProject) -> None:
    files = {**fx.CORE, "usage/soft-launch.csv": fx.USAGE_EXPORT,
             **config("adoption:\n  adoption_measured: usage/soft-launch.csv\n")}
    finding = run_full(adoption_metrics, make_project(files))
    assert finding.status is Status.FAIL
    assert finding.message == ("soft-launch adoption 40% (2 of 5 users in usage/soft-launch.csv, "
                               "by active_weekly) is below the 60% target")
    assert where(finding) == ["usage/soft-launch.csv", "readiness.yaml:3"]


def test_json_export_with_weekly_counts_passes(make_project: MakeProject) -> None:
    users = [{"user": f"u{i}", "sessions_last_7_days": n} for i, n in enumerate([3, 0, 5, 1, 2])]
    files = {**fx.CORE, "usage/week-3.json": json.dumps({"users": users}),
             **config("adoption:\n  adoption_measured: usage/week-3.json\n")}
    finding = run_full(adoption_metrics, make_project(files))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert finding.message == ("soft-launch adoption 80% (4 of 5 users in usage/week-3.json, "
                               "by sessions_last_7_days) meets the 60% target")


def test_event_log_cannot_give_the_share(make_project: MakeProject) -> None:
    files = {**fx.CORE, "usage/events.csv": fx.EVENT_LOG,
             **config("adoption:\n  adoption_measured: usage/events.csv\n")}
    finding = run_full(adoption_metrics, make_project(files))
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == (
        "the usage export usage/events.csv cannot give the active share: it has no active flag "
        "or weekly count column (columns: user_id, timestamp, event); expected one row per "
        "soft-launch user with a user column and an active flag or a weekly activity count")
    assert where(finding) == ["usage/events.csv", "readiness.yaml:3"]


@pytest.mark.parametrize(("export", "why"), [
    ("user_id,active\nu1,yes\nu1,no\n", "it has 2 rows for 1 users"),
    ("user_id,active\nu1,maybe\n", "row 1 has active = 'maybe', which is not a flag or count"),
    ("user_id,active\n", "it has no rows"),
])
def test_unusable_exports_say_why(make_project: MakeProject, export: str, why: str) -> None:
    files = {**fx.CORE, "usage/x.csv": export,
             **config("adoption:\n  adoption_measured: usage/x.csv\n")}
    finding = run_full(adoption_metrics, make_project(files))
    assert finding.status is Status.WARN
    assert f"cannot give the active share: {why};" in finding.message


def test_missing_export_fails(make_project: MakeProject) -> None:
    files = {**fx.CORE, **config("adoption:\n  adoption_measured: usage/soft-launch.csv\n")}
    finding = run_full(adoption_metrics, make_project(files))
    assert finding.status is Status.FAIL
    assert finding.message == "usage/soft-launch.csv (adoption.adoption_measured) does not exist"
    assert where(finding) == ["readiness.yaml:3"]


# --- the example pilot -------------------------------------------------------------------

def config_line(key: str) -> str:
    """readiness.yaml:N where the example sets ``key`` (others edit the example's config)."""
    lines = (PILOT_APP / "readiness.yaml").read_text(encoding="utf-8").splitlines()
    return f"readiness.yaml:{next(n for n, t in enumerate(lines, 1) if t.startswith(key))}"


def test_pilot_app_adoption_results() -> None:
    project, cfg = Project(PILOT_APP), load_config(PILOT_APP)
    results = {c.name: c.run(project, cfg) for c in CHECKS}
    assert results["support-plan"].evidence[0].note == "owner, channel, hours"
    summary = {name: (f.status, f.message, where(f)) for name, f in results.items()}
    assert summary == {
        "user-training": (Status.WARN, "user guide docs/user-guide.md (adoption.training) does "
                          "not say when to trust it",
                          ["docs/user-guide.md:3", "docs/user-guide.md:6"]),
        "workflow-integration": (Status.PASS, "reachable through an HTTP API used by the ERP's "
                                 "invoice screen (REST API): FastAPI route /extract "
                                 "(app/api.py:11)",
                                 ["app/api.py:11", config_line("  integration:")]),
        "support-plan": (Status.PASS, "support owner Priya Natarajan answers questions in "
                         "#invoice-ai-help (Mon-Fri 9-17, first 30 days)",
                         [config_line("  support:")]),
        "user-involvement": (Status.FAIL, "no sign that users took part in design: no "
                             "design-review or user-research notes, no early adopters named", []),
        "incentives": (Status.FAIL, "no sign that incentives were reviewed: no incentives "
                       "section in the documents and no evidence.incentives in readiness.yaml",
                       []),
        "soft-launch-rollout": (Status.WARN, "adoption.rollout plans flag invoice-ai-enabled at "
                                "15%, but nothing in code applies it (no feature-flag SDK, no "
                                "use of the flag)", [config_line("  rollout:")]),
        "adoption-metrics": (Status.FAIL, "usage is not measured: no analytics events, usage "
                             "metrics or usage-events table found in code", []),
    }



def test_measured_adoption_is_judged_only_at_the_full_launch_gate(
        make_project: MakeProject) -> None:
    low = make_project({**fx.CORE, "app/usage.py": fx.POSTHOG_USAGE,
                        **config("adoption:\n  adoption_measured: 0.42\n")})
    before = run(adoption_metrics, low)  # soft launch: the instrumentation is what counts
    assert before.status is Status.PASS
    assert before.message == ("usage is measured: PostHog capture invoice_extracted (the "
                              "recorded adoption_measured is judged at the full-launch gate)")
    assert run_full(adoption_metrics, low).status is Status.FAIL
    unmeasured = run_full(adoption_metrics, make_project(
        {**fx.CORE, "app/usage.py": fx.POSTHOG_USAGE}))
    assert unmeasured.status is Status.FAIL
    assert unmeasured.message.startswith("the full-launch gate needs the soft-launch adoption "
                                         "measured")
    assert where(unmeasured) == ["app/usage.py:6"]


# --- warm runs ----------------------------------------------------------------------------

def test_soft_launch_rollout_warm_run_reads_no_file(make_project: MakeProject,
                                                    tmp_path: Path) -> None:
    unleash = fx.UNLEASH_STRATEGY["flags/unleash-export.json"].replace('"50"', '"15"')
    files = {**fx.ROLLOUT_15, "flags/unleash-export.json": unleash,
             ".env.example": "OPENAI_API_KEY=\nROLLOUT_PERCENT=15\n",
             "app/broken.py": "ROLLOUT_PERCENT = 15\ndef (:\n"}
    root = make_project(files)

    def analyse(project: Project) -> tuple[Finding, list[tuple[str, str]]]:
        finding = soft_launch_rollout.run(project, load_config(root))
        return finding, [(s.path, s.reason) for s in project.skipped]

    result = cold_then_warm(root, tmp_path / "cache", analyse)
    assert result.cold == result.warm
    finding, skipped = result.warm
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert where(finding) == ["app/flags.py:8", "readiness.yaml:5", ".env.example:2",
                              "flags/unleash-export.json:6"]
    assert skipped == [("app/broken.py", "Python that does not parse")]
    assert result.read == []


def test_adoption_metrics_warm_run_reads_no_file(make_project: MakeProject,
                                                 tmp_path: Path) -> None:
    table = "CREATE TABLE IF NOT EXISTS usage_events (\n  user_id TEXT,\n  at TIMESTAMP\n);\n"
    files = {**fx.CORE, "app/usage.py": fx.POSTHOG_USAGE, "app/metrics.py": fx.PROMETHEUS_USAGE,
             "db/schema.sql": "-- usage\n" + table}
    root = make_project(files)
    result = cold_then_warm(root, tmp_path / "cache",
                            lambda p: adoption_metrics.run(p, load_config(root)))
    assert result.cold == result.warm
    assert result.warm.status is Status.PASS
    assert where(result.warm) == ["app/metrics.py:4", "app/usage.py:6", "db/schema.sql:2"]
    assert result.read == []


# --- rollout controls read from what the code does (issue 20) ------------------------------

def test_posthog_feature_flag_evaluated_per_user_is_a_rollout_control(make_project: MakeProject
                                                                      ) -> None:
    gate = ('from posthog import Posthog\n\nposthog = Posthog("phc_key", host="https://eu.i.'
            'posthog.com")\n\n\ndef assistant_enabled(user_id: str) -> bool:\n'
            '    return posthog.feature_enabled("ai-assistant", user_id)\n')
    files = {**fx.SLACK_BOT, "app/flags.py": gate}
    finding = run(soft_launch_rollout, make_project(files))
    assert (finding.status, finding.credit) == (Status.WARN, Credit.ENFORCED)
    assert where(finding) == ["app/flags.py:7"]


def test_a_project_flag_interface_and_a_rollout_section_with_hash_bucketing_pass(
        make_project: MakeProject) -> None:
    flags = ('import hashlib\n\nfrom app.settings import settings\n\n\n'
             'class Flags:\n    def is_enabled(self, name: str, user_id: str) -> bool:\n'
             '        digest = hashlib.sha256(f"{name}:{user_id}".encode()).hexdigest()\n'
             '        return int(digest, 16) % 100 < settings.rollout.percent\n\n\n'
             'flags = Flags()\n')
    route = ('from app.flags import flags\n\n\ndef handle(user_id: str, text: str) -> str:\n'
             '    if not flags.is_enabled("assistant-v2", user_id):\n'
             '        return "legacy"\n    return "assistant"\n')
    settings = "app:\n  name: helpdesk\nrollout:\n  percent: 15\n  salt: v2\n"
    files = {**fx.SLACK_BOT, "app/flags.py": flags, "app/routes.py": route,
             "config/settings.yaml": settings}
    finding = run(soft_launch_rollout, make_project(files))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message.startswith("soft launch limited to 15% of users")
    assert where(finding) == ["app/flags.py:9", "config/settings.yaml:4"]


def test_posthog_imported_for_analytics_is_not_a_rollout(make_project: MakeProject) -> None:
    usage = ('from posthog import Posthog\n\nposthog = Posthog("phc_key")\n\n\n'
             'def track(user_id: str) -> None:\n'
             '    posthog.capture(user_id, "answer_shown")\n')
    files = {**fx.SLACK_BOT, "app/usage.py": usage,
             "app/log.py": "import logging\n\nlogging.getLogger().isEnabledFor(10)\n"}
    finding = run(soft_launch_rollout, make_project(files))
    assert finding.status is Status.FAIL


def test_a_built_bundle_is_not_the_teams_code(make_project: MakeProject) -> None:
    # Open WebUI ships its built front end: chunks of libraries with their source maps. An
    # analytics call inside a bundled library is not the team measuring usage; the same
    # call in the team's own source is.
    track = ("import { Analytics } from '@segment/analytics-node'\n"
             "const analytics = new Analytics({ writeKey: process.env.SEGMENT_KEY! })\n"
             "export const extracted = (userId: string) =>\n"
             "  analytics.track({ userId, event: 'Invoice Extracted' })\n")
    bundle = {"web/build/_app/immutable/chunks/index.B2x9.js": track,
              "web/build/_app/immutable/chunks/index.B2x9.js.map": '{"version":3}\n',
              "web/static/vendor/segment.min.js": track}
    finding = run(adoption_metrics, make_project({**fx.CORE, **bundle}))
    assert finding.status is Status.FAIL, finding.message
    finding = run(adoption_metrics, make_project({**fx.CORE, **bundle,
                                                  "web/src/track.ts": track}))
    assert finding.status is Status.PASS
    assert where(finding) == ["web/src/track.ts:4"]


def test_crawling_strategies_are_no_flag_file(make_project: MakeProject) -> None:
    # crawl4ai's adaptive crawler: a module about crawling strategies reports a crawl's
    # 'coverage' metric; neither makes it a flag service's file, so 0.0 is no rollout at 0 %.
    # A Flagsmith module with the same key is one.
    crawler = ('"""Adaptive crawling."""\n\n\nclass CrawlStrategy:\n'
               '    """Abstract base class for crawling strategies"""\n\n'
               '    def report(self, metrics):\n'
               '        return {"coverage": metrics.get("coverage", 0.0), "pages": 0}\n')
    finding = run(soft_launch_rollout, make_project({**fx.SLACK_BOT, "app/crawler.py": crawler}))
    assert finding.message.startswith("no rollout control")
    flagsmith = crawler.replace("Adaptive crawling.", "Flagsmith segment overrides.").replace(
        '"coverage": metrics.get("coverage", 0.0)', '"coverage": 0.15')
    finding = run(soft_launch_rollout, make_project({**fx.SLACK_BOT, "app/flags.py": flagsmith}))
    assert "15%" in finding.message
    assert where(finding)[0] == "app/flags.py:8"
