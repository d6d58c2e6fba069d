"""Adoption: usage is measured, and by full launch soft-launch adoption meets its target."""

from __future__ import annotations

import re

from readiness.config import BASE, Config
from readiness.model import Credit, Evidence, Finding, Gap, check, failed, passed, warned
from readiness.project import Project
from readiness.project.signals import query_name
from readiness.project.sourcetext import case_blind_holds_any, gate_words, split_lines

from .audience import judged
from .code import code_facts
from .docs import TEST_PATH
from .usage import EXPECTED, Usage, read_export
from .words import located, percent

ANALYTICS = {
    "analytics": "Segment", "segment": "Segment", "posthog": "PostHog", "mixpanel": "Mixpanel",
    "amplitude": "Amplitude", "@segment/analytics-node": "Segment", "analytics-node": "Segment",
    "@segment/analytics-next": "Segment", "posthog-js": "PostHog", "posthog-node": "PostHog",
    "mixpanel-browser": "Mixpanel", "@amplitude/analytics-browser": "Amplitude",
    "@amplitude/analytics-node": "Amplitude", "amplitude-js": "Amplitude",
}
METRICS = {"opentelemetry": "OpenTelemetry", "prometheus_client": "Prometheus",
           "@opentelemetry/api": "OpenTelemetry"}
_EVENTS = ("track", "capture", "log_event", "logEvent")
_INSTRUMENTS = ("create_counter", "create_up_down_counter", "create_histogram", "create_gauge",
                "create_observable_gauge", "Counter", "Gauge", "Histogram", "Summary")
_USAGE_NAME = re.compile(r"users?|usage|active|sessions?|time[_.]?saved|adoption", re.IGNORECASE)
_TABLES = r"(usage_events?|usage_logs?|user_activity|user_events|activity_events)"
_TABLE = re.compile(rf"create\s+table\s+(if\s+not\s+exists\s+)?[`\"\[]?(\w+\.)?{_TABLES}\b|"
                    rf"__tablename__\s*=\s*['\"]{_TABLES}['\"]|Table\(\s*['\"]{_TABLES}['\"]",
                    re.IGNORECASE)
# Every _TABLE match holds one of these, in any case: files that cannot hold one are not
# searched (``case_blind_holds_any``: beyond ASCII, lowering is not enough)
_TABLE_WORDS = gate_words(("usage_event", "usage_log", "user_activity", "user_events",
                           "activity_events"))


def instrumentation(project: Project) -> list[Evidence]:
    """Where usage is recorded: analytics events, usage metrics, a usage-events table."""
    facts = code_facts(project)
    found: list[Evidence] = []
    for modules, calls, named in ((ANALYTICS, _EVENTS, False), (METRICS, _INSTRUMENTS, True)):
        sites = facts.importing(*modules)
        files = {s.path for s in sites}
        for call in facts.calls_in(files, *calls):
            if not named or _USAGE_NAME.search(call.arg):
                tool = next(modules[s.name] for s in sites if s.path == call.path)
                label = f"{tool} {call.name}" + (f" {call.arg}" if call.arg else "")
                found.append(call.at(label))
    tables = [rel for rel in project.with_suffix(".sql", ".py") if not TEST_PATH.search(rel)]
    query = query_name("adoption.usage_table/1", _TABLE.pattern, _TABLE_WORDS)
    found += [Evidence(rel, line, "usage table")
              for rel, line in project.facts(tables, query, _usage_table).items() if line]
    return sorted(found, key=lambda e: (e.path, e.line or 0))


def _usage_table(text: str) -> int:
    """The first line creating or mapping a usage-events table (0: none)."""
    if not case_blind_holds_any(text, _TABLE_WORDS):
        return 0
    return next((n for n, line in enumerate(split_lines(text), 1) if _TABLE.search(line)), 0)


def _target(config: Config) -> tuple[float, list[Evidence]]:
    """The adoption target; a threshold from a policy or the project's file is a floor."""
    threshold = float(config.get("thresholds.adoption_target", 0.6))
    own = config.get("adoption.adoption_target")
    if own is None:
        return threshold, located(config, "thresholds.adoption_target")
    if config.origin("thresholds.adoption_target") != BASE and threshold > float(own):
        return threshold, located(config, "thresholds.adoption_target")
    return float(own), located(config, "adoption.adoption_target")


def _compare(share: float, source: str, where: list[Evidence], config: Config,
             measured: list[Evidence]) -> Finding:
    target, target_at = _target(config)
    if share < target:
        return failed(f"soft-launch adoption {percent(share)}{source} is below the "
                      f"{percent(target)} target", *where, *target_at)
    message = f"soft-launch adoption {percent(share)}{source} meets the {percent(target)} target"
    if source or measured:
        return passed(message, *where, *measured[:3], credit=Credit.DOCUMENTED)
    return warned(message + ", but nothing in code measures usage, so the number is a claim",
                  *where, credit=Credit.CLAIMED)


def _from_export(project: Project, config: Config, rel: str, measured: list[Evidence]) -> Finding:
    where = located(config, "adoption.adoption_measured")
    if not project.exists(rel):
        return failed(f"{rel} (adoption.adoption_measured) does not exist", *where)
    usage = read_export(project, rel)
    if not isinstance(usage, Usage):
        return warned(f"the usage export {rel} cannot give the active share: {usage}; "
                      f"expected {EXPECTED}", Evidence(rel), *where, credit=Credit.CLAIMED)
    source = f" ({usage.active} of {usage.total} users in {rel}, by {usage.column})"
    return _compare(usage.active / usage.total, source, [Evidence(rel, None, "usage export"),
                                                         *where], config, measured)


@check(
    code="ADO007",
    gap=Gap.ADOPTION,
    title="Is usage measured, and does soft-launch adoption meet its target?",
    remediation="Record usage events per user (Segment, PostHog, Mixpanel, Amplitude or a "
                "usage metric), and before full launch set adoption.adoption_measured to the "
                "share of soft-launch users active weekly.",
)
def adoption_metrics(project: Project, config: Config) -> Finding:
    """What it checks:
    Before full launch: that usage is instrumented in code: analytics events (Segment
    `analytics.track`, `posthog.capture`, Mixpanel, Amplitude), OpenTelemetry or Prometheus
    instruments whose names mention users, usage, active, sessions or time saved, or a
    `usage_events` table. At the full-launch gate (`--gate full-launch`, or from week 16),
    `adoption.adoption_measured` must be recorded and the measured share of soft-launch
    users active weekly must meet `adoption.adoption_target` (else
    `thresholds.adoption_target`, default 60%; a policy's threshold is a floor).
    `adoption_measured` is a number, or a path to a usage export with one row per soft-
    launch user and an active flag or weekly count (CSV, TSV, JSON, JSON Lines), from which
    the share is computed; an event log cannot give the share of all users and is reported
    as unusable. A number that meets the target with nothing in code measuring usage is a
    claim and warns. Not applicable to a batch job (whether people act on its output is what
    feedback-loop measures) or where there is no model.

    Why it matters:
    A launch nobody uses is a failure that dashboards of latency and cost do not show.
    Without usage numbers from the soft launch, the decision to go to everyone is a guess.

    How to fix:
    Emit a usage event per user action (and per result accepted or corrected), build the
    weekly-active share of soft-launch users from it, and record it, or a per-user export,
    as `adoption.adoption_measured` before the full-launch review.
    """
    return judged(project, config, "adoption-metrics", _adoption_metrics)


def _adoption_metrics(project: Project, config: Config) -> Finding:
    measured = instrumentation(project)
    value = config.get("adoption.adoption_measured")
    if config.launch_gate == "full-launch":
        if isinstance(value, str):
            return _from_export(project, config, value, measured)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _compare(float(value), "", located(config, "adoption.adoption_measured"),
                            config, measured)
        return failed("the full-launch gate needs the soft-launch adoption measured: record "
                      "adoption.adoption_measured (a share, or a per-user usage export)",
                      *measured[:5])
    if measured:
        names = ", ".join(dict.fromkeys(e.note for e in measured[:3]))
        later = (" (the recorded adoption_measured is judged at the full-launch gate)"
                 if value is not None else "")
        return passed(f"usage is measured: {names}{later}", *measured[:5])
    return failed("usage is not measured: no analytics events, usage metrics or usage-events "
                  "table found in code")


CHECKS = (adoption_metrics,)
