"""JUnit XML for CI: one ``<testsuite>`` per gap, one ``<testcase>`` per check.

A failing check is a ``<failure>``, a check that could not run an ``<error>``, and a check
that was not judged (not applicable, not yet due, waived) is ``<skipped>`` with the reason.
A warning passes, with the warning in ``<system-out>``, so CI shows it without failing on
it; the verdict and ``--fail-on`` decide the exit code, not this file.
"""

from __future__ import annotations

from collections.abc import Sequence

from readiness.model import Gap, Result, Scorecard, Status, Waiver
from readiness.report.escape import one_line
from readiness.report.escape import xml_attr as attr
from readiness.report.escape import xml_text as text

SKIPPED = frozenset({Status.NOT_APPLICABLE, Status.UPCOMING, Status.WAIVED})
MESSAGE_LIMIT = 500  # attribute values are shown on one line by most CI viewers
EVIDENCE_LISTED = 50


def render(sc: Scorecard) -> str:
    """Render ``sc`` as a JUnit XML document."""
    suites = [(gap, sc.results_by_gap(gap)) for gap in Gap]
    suites = [(gap, results) for gap, results in suites if results]
    totals = _counts(sc.results)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuites name="readiness" {_count_attrs(totals)}>']
    for i, (gap, results) in enumerate(suites):
        names = {r.name for r in results}
        # Every output lists the waivers in force: each in the suite of the check it waives,
        # one naming no check in the scorecard in the first suite.
        waivers = [w for w in sc.waivers if w.check in names
                   or (i == 0 and w.check not in {r.name for r in sc.results})]
        lines += _suite(sc, gap, results, waivers)
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"


def _counts(results: Sequence[Result]) -> tuple[int, int, int, int]:
    failures = sum(r.status is Status.FAIL for r in results)
    errors = sum(r.status is Status.ERROR for r in results)
    skipped = sum(r.status in SKIPPED for r in results)
    return len(results), failures, errors, skipped


def _count_attrs(counts: tuple[int, int, int, int]) -> str:
    tests, failures, errors, skipped = counts
    return f'tests="{tests}" failures="{failures}" errors="{errors}" skipped="{skipped}"'


def _suite(sc: Scorecard, gap: Gap, results: Sequence[Result],
           waivers: Sequence[Waiver]) -> list[str]:
    score = sc.scores.get(gap.value)
    properties = [("verdict", sc.verdict.value), ("gate", sc.gate.name),
                  ("week", "" if sc.timeline.week is None else str(sc.timeline.week)),
                  ("date", sc.timeline.date.isoformat())]
    if score is not None:
        properties.append(("score", str(score)))
    properties += [("waiver", f"{w.check} until {w.expires.isoformat()} ({w.owner}): "
                              f"{w.reason}") for w in waivers]
    lines = [f'  <testsuite name="readiness.{gap.value}" {_count_attrs(_counts(results))}>',
             "    <properties>"]
    lines += [f'      <property name="{name}" value="{attr(value)}"/>'
              for name, value in properties]
    lines.append("    </properties>")
    for r in results:
        lines += _case(gap, r)
    lines.append("  </testsuite>")
    return lines


def _case(gap: Gap, r: Result) -> list[str]:
    head = (f'    <testcase classname="readiness.{gap.value}" '
            f'name="{attr(f"{r.code} {r.name}")}"')
    body = _details(r)
    if r.status in (Status.FAIL, Status.ERROR):
        tag = "failure" if r.status is Status.FAIL else "error"
        message = attr(f"{r.severity.value}: {r.message}", MESSAGE_LIMIT)
        return [f"{head}>",
                f'      <{tag} message="{message}" type="{r.severity.value}">{text(body)}'
                f"</{tag}>",
                "    </testcase>"]
    if r.status in SKIPPED:
        return [f"{head}>", f'      <skipped message="{attr(_skip_reason(r), MESSAGE_LIMIT)}"/>',
                "    </testcase>"]
    if r.status is Status.WARN:
        return [f"{head}>", f"      <system-out>warning: {text(body)}</system-out>",
                "    </testcase>"]
    return [f"{head}/>"]


def _skip_reason(r: Result) -> str:
    if r.status is Status.WAIVED and r.waiver is not None:
        w = r.waiver
        return f"waived until {w.expires.isoformat()} by {w.owner}: {w.reason}"
    if r.status is Status.UPCOMING:
        return f"upcoming: due by week {r.due_week}: {r.message}"
    return f"{r.status.value}: {r.message}"


def _details(r: Result) -> str:
    """The message, the evidence one per line, and the remediation."""
    lines = [r.message]
    lines += [f"  {ev}" + (f"  {ev.note}" if ev.note else "")
              for ev in r.evidence[:EVIDENCE_LISTED]]
    if len(r.evidence) > EVIDENCE_LISTED:
        lines.append(f"  and {len(r.evidence) - EVIDENCE_LISTED} more")
    lines.append(f"How to fix: {r.remediation}")
    # Each line on its own: a line break inside a message or path must not forge a line.
    return "\n".join(one_line(line) for line in lines)
