"""Scorecards built directly from the model, for the renderer tests and the golden files.

``go``, ``conditional`` and ``no_go`` are realistic launch reviews; ``hostile`` puts markup,
escape sequences and control characters in every string a scanned repository can influence.
"""

from __future__ import annotations

import datetime
from typing import Any

from readiness.model import (
    Credit,
    Evidence,
    Gap,
    GateView,
    Result,
    Scorecard,
    Severity,
    Status,
    Timeline,
    Verdict,
    Waiver,
)

PILOT_START = datetime.date(2026, 9, 1)
DLQ_WAIVER = Waiver(
    check="dead-letter-queue",
    reason="Batch reruns cover failures until the queue lands in January",
    owner="Sam Okafor",
    expires=datetime.date(2027, 1, 15),
)
SOFT_LAUNCH = GateView(name="soft launch", week=13, assessment="launch", horizon=13)
FULL_LAUNCH = GateView(name="full launch", week=16, assessment="launch", horizon=16)


def result(code: str, name: str, gap: Gap, status: Status, message: str, *,
           severity: Severity = Severity.MAJOR, due_week: int = 6, title: str = "",
           remediation: str = "", evidence: tuple[Evidence, ...] = (),
           credit: Credit | None = None, **extra: Any) -> Result:
    """A Result with the boring fields filled in; ``extra`` sets the optional ones."""
    if credit is None and status is Status.PASS:
        credit = Credit.ENFORCED
    return Result(
        code=code, name=name, gap=gap, severity=severity, due_week=due_week,
        title=title or f"Is {name.replace('-', ' ')} in place?",
        status=status, message=message,
        remediation=remediation or f"See `readiness explain {name}`.",
        evidence=evidence, credit=credit, **extra,
    )


def _ev(*specs: str) -> tuple[Evidence, ...]:
    out = []
    for spec in specs:
        path, _, line = spec.partition(":")
        out.append(Evidence(path, int(line) if line else None))
    return tuple(out)


EVALS = {
    "workflows": [
        {"name": "vendor-contracts", "n": 612, "passed": 558, "errors": 3, "accuracy": 0.912,
         "wilson_low": 0.890, "wilson_high": 0.931, "min_accuracy": 0.95,
         "rule": "lower_bound",
         "by_category": [
             {"category": "standard", "n": 410, "passed": 396, "errors": 1,
              "accuracy": 0.966, "wilson_low": 0.943, "wilson_high": 0.980},
             {"category": "edge_case_vendor_aliases", "n": 161, "passed": 137, "errors": 2,
              "accuracy": 0.851, "wilson_low": 0.787, "wilson_high": 0.898},
             {"category": "edge_case_upside_down", "n": 41, "passed": 25, "errors": 0,
              "accuracy": 0.610, "wilson_low": 0.456, "wilson_high": 0.745},
         ]},
        {"name": "client-agreements", "n": 540, "passed": 469, "errors": 0, "accuracy": 0.869,
         "wilson_low": 0.838, "wilson_high": 0.895, "min_accuracy": 0.80,
         "rule": "lower_bound",
         "by_category": [
             {"category": "msa", "n": 300, "passed": 270, "errors": 0, "accuracy": 0.9,
              "wilson_low": 0.862, "wilson_high": 0.929},
             {"category": "edge_case_missing_clause", "n": 240, "passed": 199, "errors": 0,
              "accuracy": 0.829, "wilson_low": 0.776, "wilson_high": 0.872},
         ]},
    ]
}
USAGE = {
    "requests_per_day": 412,
    "documents_per_day": 10,
    "cost_usd_per_day": 0.08,
    "p95_latency_ms": 6120,
    "error_rate": 0.013,
    "projected_full_launch_usd_per_day": 76.0,
    "budget_usd_per_day": 400,
}


def _no_go_results() -> tuple[Result, ...]:
    INF, QUA, ADO, TIM = Gap.INFRASTRUCTURE, Gap.QUALITY, Gap.ADOPTION, Gap.TIMELINE
    B, M, m = Severity.BLOCKER, Severity.MAJOR, Severity.MINOR
    calls = [f"src/extract.py:{n}" for n in (95, 131, 160)]
    calls += [f"src/summarise.py:{n}" for n in (22, 48)] + ["src/classify.py:12"]
    return (
        result("TIM001", "pilot-success-criteria", TIM, Status.PASS,
               "pilot report with success criteria and outcome", due_week=2, severity=B,
               evidence=_ev("docs/pilot-report.md"), credit=Credit.DOCUMENTED),
        result("TIM002", "timeline-realism", TIM, Status.PASS,
               "13 weeks to soft launch, 16 to full launch", due_week=2, severity=B,
               evidence=_ev("readiness.yaml:5")),
        result("INF001", "llm-timeouts", INF, Status.FAIL, "3 of 11 LLM calls have no timeout",
               severity=B, overdue_weeks=6, owner="Ana Lima",
               remediation="Pass timeout= to the client or to each call.",
               evidence=_ev("src/extract.py:41", "src/extract.py:88", "src/summarise.py:17")),
        result("INF002", "llm-retries", INF, Status.PASS, "SDK max_retries=3 + tenacity",
               severity=B, evidence=_ev("src/client.py:9")),
        result("INF003", "llm-error-handling", INF, Status.WARN,
               "6 of 11 call sites catch only a bare Exception", owner="Ana Lima",
               overdue_weeks=6, evidence=_ev(*calls)),
        result("INF008", "alerting", INF, Status.FAIL, "no alert rule on cost spikes",
               overdue_weeks=6, evidence=_ev("ops/alerts.yaml")),
        result("INF009", "dead-letter-queue", INF, Status.WAIVED,
               "failed requests are logged but not stored for replay", observed=Status.FAIL,
               waiver=DLQ_WAIVER),
        result("INF010", "graceful-degradation", INF, Status.ERROR,
               "check crashed: UnicodeDecodeError reading src/fallback.py", severity=B,
               evidence=_ev("src/fallback.py")),
        result("INF013", "load-testing", INF, Status.NOT_APPLICABLE,
               "batch pipeline only: no synchronous user traffic to load-test"),
        result("INF014", "hardcoded-secrets", INF, Status.PASS, "no API keys in 212 files",
               due_week=3, severity=B),
        result("QUA001", "accuracy-thresholds", QUA, Status.PASS,
               "2 workflows have agreed minimums", due_week=7, severity=B,
               evidence=_ev("readiness.yaml:12", "readiness.yaml:20")),
        result("QUA004", "accuracy-meets-threshold", QUA, Status.FAIL,
               "vendor-contracts 91.2% (95% CI 89.0–93.1) < 95% agreed", severity=B,
               due_week=10, overdue_weeks=2, owner="Dana Whitfield",
               evidence=_ev("evals/results/vendor-contracts.json")),
        result("QUA005", "accuracy-by-category", QUA, Status.FAIL,
               "weakest category: edge_case_upside_down 61.0% (n=41)", due_week=10,
               overdue_weeks=2, evidence=_ev("evals/results/vendor-contracts.json")),
        result("QUA006", "eval-freshness", QUA, Status.FAIL,
               "prompts changed 2026-11-10 (a1b2c3d), evals from 2026-11-02", due_week=10,
               overdue_weeks=2, evidence=_ev("prompts/extract.txt", "evals/results")),
        result("ADO001", "user-training", ADO, Status.PASS, "user guide covers trust and checks",
               due_week=12, credit=Credit.DOCUMENTED, evidence=_ev("docs/user-guide.md")),
        result("ADO002", "workflow-integration", ADO, Status.PASS,
               "Slack bot and the ERP invoice screen", due_week=12, credit=Credit.CLAIMED),
        result("ADO005", "incentives", ADO, Status.FAIL, "no incentives review found",
               severity=m, due_week=12),
        result("ADO006", "soft-launch-rollout", ADO, Status.PASS,
               "flag invoice-ai-enabled at 15% (band 10–20%)", due_week=13, severity=B,
               evidence=_ev("config/flags.yaml:7")),
        result("ADO007", "adoption-metrics", ADO, Status.UPCOMING,
               "weekly active share not measured yet", due_week=16, due=False,
               observed=Status.WARN, severity=M),
    )


def no_go() -> Scorecard:
    """Week 12, judged for soft launch: two blockers fail and one check errored."""
    return Scorecard(
        tool_version="0.4.0",
        project_name="invoice-extractor",
        root="/home/ci/invoice-extractor",
        commit="3f2c1a9e5b7d4c3a2f1e0d9c8b7a6f5e4d3c2b1a",
        dirty=False,
        timeline=Timeline(pilot_start=PILOT_START, date=datetime.date(2026, 11, 17), week=12,
                          phase="training & change management", total_weeks=16,
                          soft_launch=datetime.date(2026, 11, 24),
                          full_launch=datetime.date(2026, 12, 15)),
        gate=SOFT_LAUNCH,
        verdict=Verdict.NO_GO,
        reasons=(
            "2 blocking checks due by week 13 are failing: llm-timeouts, "
            "accuracy-meets-threshold",
            "1 blocking check could not run: graceful-degradation",
        ),
        scores={"infrastructure": 78, "quality": 52, "adoption": 65, "overall": 52},
        results=_no_go_results(),
        next_actions=(
            "Set a timeout on the 3 calls above (w6, overdue): readiness explain llm-timeouts",
            "Raise vendor-contracts accuracy to 95% (lower bound): readiness explain "
            "accuracy-meets-threshold",
            "Re-run the evals after the 2026-11-10 prompt change: readiness explain "
            "eval-freshness",
        ),
        notes=("1 file could not be decoded as UTF-8: src/fallback.py",),
        hints=("Cost: pilot $0.08/day -> full launch $76/day; budget $400/day",),
        waivers=(DLQ_WAIVER,),
        settings=(
            ("gate", "soft launch", "--gate"),
            ("workflows.vendor-contracts.min_accuracy", 0.95, "policy: org-policy.yaml"),
            ("eval.min_examples", 500, "built-in base profile"),
        ),
        extras={"evals": EVALS, "usage": USAGE},
    )


def conditional() -> Scorecard:
    """Week 13, soft launch: every blocker passes; two non-blocking gaps have owners."""
    INF, QUA, ADO, TIM = Gap.INFRASTRUCTURE, Gap.QUALITY, Gap.ADOPTION, Gap.TIMELINE
    B, m = Severity.BLOCKER, Severity.MINOR
    return Scorecard(
        tool_version="0.4.0", project_name="support-triage", root="/srv/support-triage",
        commit="9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c", dirty=True,
        timeline=Timeline(pilot_start=PILOT_START, date=datetime.date(2026, 11, 24), week=13,
                          phase="soft launch", total_weeks=16),
        gate=SOFT_LAUNCH,
        verdict=Verdict.CONDITIONAL_GO,
        reasons=("no blocking check fails",
                 "2 non-blocking checks need an owner's follow-up: alerting, user-involvement"),
        scores={"infrastructure": 88, "quality": 91, "adoption": 74, "overall": 74},
        results=(
            result("TIM002", "timeline-realism", TIM, Status.PASS, "13 / 16 weeks planned",
                   due_week=2, severity=B),
            result("INF001", "llm-timeouts", INF, Status.PASS, "all 7 LLM calls set a timeout",
                   severity=B, evidence=_ev("src/llm.py:14")),
            result("INF008", "alerting", INF, Status.FAIL, "no alert rule on latency",
                   owner="sre-oncall", overdue_weeks=7, evidence=_ev("ops/alerts.yaml:1")),
            result("INF009", "dead-letter-queue", INF, Status.WAIVED, "no replay store",
                   observed=Status.FAIL, waiver=DLQ_WAIVER),
            result("QUA004", "accuracy-meets-threshold", QUA, Status.PASS,
                   "triage 93.4% (95% CI 91.0–95.2) >= 90%", severity=B, due_week=10),
            result("ADO004", "user-involvement", ADO, Status.WARN,
                   "design reviews held, no early adopters named", owner="Priya Natarajan",
                   due_week=12, overdue_weeks=1, severity=m,
                   evidence=_ev("docs/design-reviews/2026-10-02.md")),
            result("ADO006", "soft-launch-rollout", ADO, Status.PASS, "flag at 12%", severity=B,
                   due_week=13, evidence=_ev("config/flags.yaml:3")),
            result("ADO007", "adoption-metrics", ADO, Status.UPCOMING,
                   "soft-launch adoption not measured yet", due_week=16, due=False),
        ),
        next_actions=("Add a latency alert rule: readiness explain alerting",),
        waivers=(DLQ_WAIVER,),
        extras={"usage": {"requests_per_day": 1800, "cost_usd_per_day": 3.1}},
    )


def go() -> Scorecard:
    """Week 16, full launch: everything due passes."""
    INF, QUA, ADO = Gap.INFRASTRUCTURE, Gap.QUALITY, Gap.ADOPTION
    B = Severity.BLOCKER
    return Scorecard(
        tool_version="0.4.0", project_name="contract-qa", root="/srv/contract-qa",
        commit=None, dirty=None,
        timeline=Timeline(pilot_start=PILOT_START, date=datetime.date(2026, 12, 15), week=16,
                          phase="full launch", total_weeks=16),
        gate=FULL_LAUNCH,
        verdict=Verdict.GO,
        reasons=("every check due by week 16 passes",),
        scores={"infrastructure": 100, "quality": 95, "adoption": 90, "overall": 90},
        results=(
            result("INF001", "llm-timeouts", INF, Status.PASS, "all 4 LLM calls set a timeout",
                   severity=B, evidence=_ev("app/llm.py:20")),
            result("INF013", "load-testing", INF, Status.NOT_APPLICABLE,
                   "internal tool with 40 users"),
            result("QUA004", "accuracy-meets-threshold", QUA, Status.PASS,
                   "qa 97.0% (95% CI 95.3–98.1) >= 95%", severity=B, due_week=10,
                   evidence=_ev("evals/qa.json")),
            result("ADO007", "adoption-metrics", ADO, Status.PASS, "68% weekly active >= 60%",
                   due_week=13, credit=Credit.DOCUMENTED),
        ),
        extras={"evals": {"workflows": [
            {"name": "qa", "n": 800, "passed": 776, "errors": 0, "accuracy": 0.97,
             "wilson_low": 0.953, "wilson_high": 0.981, "min_accuracy": 0.95,
             "rule": "point_estimate", "by_category": []}]}},
    )


# --- the hostile repository -----------------------------------------------------------------

RICH = "[bold red]x[/]"
ANSI = "\x1b[31mred\x1b[0m"
OSC8 = "\x1b]8;;http://evil\x07click\x1b]8;;\x07"
SCRIPT = "<script>alert(1)</script>"
# Payloads with an effect a browser test can observe if they ever run.
PWN = ("<script>document.title='pwned'</script>"
       "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
       "<svg onload=\"document.body.setAttribute('data-pwned','2')\"></svg>")
QUOTES = "\"'&"
CONTROLS = "\x00\x07\x08\x0b\x0c\x7f\x9b\u202e\u2028"
MARKDOWN = ("| a | b | `tick` ``x`` ](javascript:alert(1)) [x](javascript:alert(2)) "
            "![i](http://evil/i.png)")
HTML_BITS = ("<img src=x onerror=alert(3)> </details> <!-- --> ]]> $x^2$ @everyone ~~s~~ "
             "*e* _u_ \\")
EVERYTHING = " ".join([RICH, ANSI, OSC8, SCRIPT, QUOTES, CONTROLS, MARKDOWN, HTML_BITS, PWN])
LONG_PATH = ("deep/" * 1000)[: 5000 - len("x.py")] + "x.py"
HOSTILE_PATHS = (
    Evidence(f"src/{SCRIPT}|`x`.py", 3),
    Evidence("src/\x1b[31mred\x1b[0m.py", 7, note=OSC8),
    Evidence(LONG_PATH, 1),
    Evidence("docs/ünï code #1?%20&.md"),
    Evidence("# heading\n- item [x](javascript:alert(1))"),
)


def hostile() -> Scorecard:
    """A repository whose every string tries to inject into one output format or another."""
    INF, QUA = Gap.INFRASTRUCTURE, Gap.QUALITY
    waiver = Waiver(check=f"dead-letter-queue{RICH}", reason="# " + EVERYTHING + "\nline 2",
                    owner=f"@org/admins {SCRIPT}", expires=datetime.date(2027, 1, 15))
    return Scorecard(
        tool_version="0.4.0", project_name=f"# {EVERYTHING}\nsecond line",
        root="/tmp/" + SCRIPT, commit="deadbeef" + ANSI, dirty=True,
        timeline=Timeline(pilot_start=PILOT_START, date=datetime.date(2026, 11, 17), week=12,
                          phase=f"phase {SCRIPT}", total_weeks=16),
        gate=GateView(name=f"soft {RICH} launch", week=13, assessment="launch", horizon=13),
        verdict=Verdict.NO_GO,
        reasons=(f"reason {EVERYTHING}", "- not a list item\n## not a heading"),
        scores={"infrastructure": 40, "quality": 10, "adoption": None, "overall": 10},
        results=(
            result("INF001", "llm-timeouts", INF, Status.FAIL, f"msg {EVERYTHING}",
                   severity=Severity.BLOCKER, owner=f"{ANSI}owner{SCRIPT}",
                   title=f"title {EVERYTHING}", remediation=f"fix {EVERYTHING}\n# step 2",
                   evidence=HOSTILE_PATHS, overdue_weeks=6),
            result("INF010", "graceful-degradation", INF, Status.ERROR, f"crash {EVERYTHING}",
                   severity=Severity.BLOCKER, evidence=(Evidence(LONG_PATH, 99),)),
            result("INF009", "dead-letter-queue", INF, Status.WAIVED, f"waived {EVERYTHING}",
                   observed=Status.FAIL, waiver=waiver, evidence=HOSTILE_PATHS[:2]),
            result("YML001", f"x{SCRIPT}|y", INF, Status.WARN, MARKDOWN,
                   evidence=(Evidence(f"cfg/{QUOTES}{CONTROLS}.yaml", 2),)),
            result("QUA005", "accuracy-by-category", QUA, Status.NOT_APPLICABLE,
                   f"n/a {HTML_BITS}", due_week=10),
            result("QUA006", "eval-freshness", QUA, Status.UPCOMING, f"later {OSC8}",
                   due_week=47, due=False),
        ),
        next_actions=(f"1. {EVERYTHING}", f"- {SCRIPT}"),
        notes=(f"note {EVERYTHING}",),
        hints=(CONTROLS,),
        waivers=(waiver,),
        settings=((f"key{SCRIPT}", {"nested": MARKDOWN}, f"src {ANSI}"),),
        extras={
            "evals": {"workflows": [
                {"name": f"wf {SCRIPT}", "n": 10, "passed": 5, "errors": 1, "accuracy": 0.5,
                 "wilson_low": 0.2, "wilson_high": 0.8, "min_accuracy": None,
                 "rule": "point_estimate",
                 "by_category": [
                     {"category": f"cat {EVERYTHING}", "n": 10, "passed": 5, "errors": 1,
                      "accuracy": 0.5, "wilson_low": 0.2, "wilson_high": 0.8},
                     {"category": MARKDOWN, "n": 1, "passed": 1, "errors": 0,
                      "accuracy": 1.0, "wilson_low": 0.2, "wilson_high": 1.0}]}]},
            "usage": {f"key {SCRIPT}": f"value {EVERYTHING}", RICH: ANSI},
        },
    )


SCORECARDS = {"go": go, "conditional": conditional, "no_go": no_go, "hostile": hostile}
