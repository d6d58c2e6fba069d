"""Turn check findings into results, gap scores and a verdict: pure functions, table-tested."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from readiness.model import (
    SCORED_GAPS,
    Credit,
    Finding,
    GateView,
    Result,
    Severity,
    Status,
    Timeline,
    Verdict,
    Waiver,
)

if TYPE_CHECKING:
    from readiness.config import Config
    from readiness.runner import Ran
    from readiness.timeline import Gate

FAILING = frozenset({Status.FAIL, Status.ERROR, Status.WARN})
MAX_ACTIONS = 5


class Judgement(NamedTuple):
    verdict: Verdict
    reasons: tuple[str, ...]


def to_result(ran: Ran, config: Config, timeline: Timeline, gate: Gate, view: GateView,
              waivers: Sequence[Waiver]) -> Result:
    """One check's result: its finding placed on the timeline, waived where a waiver holds."""
    check = ran.check
    severity = config.severity(check.name, check.severity) or Severity.MAJOR
    due_week = int(config.check_setting(check.name, "due_week", check.due_week) or 1)
    finding = ran.finding or Finding(Status.FAIL, "")
    observed = finding.status if ran.error is None else Status.ERROR
    message = finding.message if ran.error is None else f"check failed to run: {ran.error}"
    due = due_week <= view.horizon or (view.assessment == "launch" and check.name in gate.requires)
    week = timeline.week
    overdue = week - due_week if (week and observed in FAILING and due_week < week) else 0
    waiver = active_waiver(check.name, waivers, timeline.date)
    suppressed = ran.error is None and "suppression_reasons" in dict(finding.details)
    status = observed
    if (waiver is not None or suppressed) and observed in FAILING:
        status = Status.WAIVED
    elif not due and observed in FAILING:
        status = Status.UPCOMING
    return Result(
        code=check.code, name=check.name, gap=check.gap, severity=severity, due_week=due_week,
        title=check.title, status=status, message=message, remediation=check.remediation,
        evidence=finding.evidence if ran.error is None else (),
        credit=finding.credit if observed in (Status.PASS, Status.WARN) else None,
        observed=observed if status is not observed else None, due=due,
        overdue_weeks=overdue, waiver=waiver if status is Status.WAIVED else None,
        owner=config.get("checks.owners", {}).get(check.name) or config.get("owner"),
        details=finding.details,
    )


def active_waiver(name: str, waivers: Sequence[Waiver], today: datetime.date) -> Waiver | None:
    return next((w for w in waivers if w.check == name and w.expires >= today), None)


def waiver_notes(waivers: Sequence[Waiver], results: Sequence[Result],
                 today: datetime.date) -> list[str]:
    """Say which waivers expired (and so stopped waiving) and which are no longer needed."""
    notes = []
    by_name = {r.name: r for r in results}
    for waiver in waivers:
        result = by_name.get(waiver.check)
        if waiver.expires < today:
            notes.append(f"waiver for {waiver.check} expired on {waiver.expires} "
                         f"(owner {waiver.owner}); it no longer waives the check")
        elif result is not None and result.effective not in FAILING:
            notes.append(f"waiver for {waiver.check} is not needed: the check passes")
    return notes


def credit_value(result: Result) -> float | None:
    """A result's share of its weight in the gap score; None when it does not count."""
    status = result.effective
    if status is Status.NOT_APPLICABLE:
        return None
    strength = (result.credit or Credit.ENFORCED).value_fraction
    if status is Status.PASS:
        return strength
    if status is Status.WARN:
        return 0.5 * strength
    return 0.0


def gap_scores(results: Sequence[Result]) -> dict[str, int | None]:
    """Score each gap 0-100 by severity-weighted credit; overall is the weakest gap."""
    scores: dict[str, int | None] = {}
    for gap in SCORED_GAPS:
        total = earned = 0.0
        for result in results:
            value = credit_value(result) if result.gap is gap else None
            if value is not None:
                total += result.severity.weight
                earned += result.severity.weight * value
        scores[gap.value] = round(100 * earned / total) if total else None
    known = [s for s in scores.values() if s is not None]
    scores["overall"] = min(known) if known else None
    return scores


def judge(results: Sequence[Result], timeline: Timeline, gate: Gate, view: GateView,
          config: Config, explicit_gate: bool) -> Judgement:
    """GO, CONDITIONAL_GO or NO_GO for the gate, with every reason spelled out."""
    label = gate.name.replace("-", " ")
    if not explicit_gate and not any(r.due and r.status is not Status.NOT_APPLICABLE
                                     for r in results):
        return Judgement(Verdict.NOTHING_DUE, nothing_due(results, timeline, view))
    considered = [r for r in results if r.due and r.status in FAILING and not r.in_baseline]
    blockers = [r for r in considered
                if r.severity is Severity.BLOCKER and r.status in (Status.FAIL, Status.ERROR)]
    reasons = [_describe(r) for r in blockers]
    week = timeline.week
    if explicit_gate and week is not None and week < gate.week:
        reasons.insert(0, compression_reason(config, label, week, gate.week))
    if gate.min_soft_launch_weeks and view.assessment == "launch":
        started = config.date("timeline.soft_launch")
        if started is not None:
            weeks = max(0, (timeline.date - started).days // 7)
            if weeks < gate.min_soft_launch_weeks:
                reasons.append(f"{label} needs {gate.min_soft_launch_weeks} weeks of soft launch;"
                               f" {weeks} so far (soft launch {started})")
    known = known_blockers(results)
    still_open = [f"{len(known)} known blocker(s) still open (in the baseline): "
                  f"{', '.join(r.name for r in known)}"] if known else []
    if reasons:
        return Judgement(Verdict.NO_GO, (*reasons, *still_open))
    rest = [r for r in considered if r not in blockers]
    if rest:
        return Judgement(Verdict.CONDITIONAL_GO, (*(_describe(r) for r in rest), *still_open))
    if known:  # a baseline hides them from the verdict, never from the banner
        return Judgement(Verdict.GO, (f"no new findings; {len(known)} known blocker"
                                      f"{'s' if len(known) != 1 else ''} still open: "
                                      f"{', '.join(r.name for r in known)}",))
    due = [r for r in results if r.due and r.status is not Status.NOT_APPLICABLE]
    what = f"due by week {view.horizon}" if week is not None else "for this gate"
    return Judgement(Verdict.GO, (f"all {len(due)} checks {what} pass or are waived",))


def known_blockers(results: Sequence[Result]) -> list[Result]:
    """Blockers due now that fail as they did in the baseline (shown, not counted)."""
    return [r for r in results if r.due and r.in_baseline and r.severity is Severity.BLOCKER
            and r.status in (Status.FAIL, Status.ERROR)]


def nothing_due(results: Sequence[Result], timeline: Timeline, view: GateView
                ) -> tuple[str, ...]:
    """Why there is no verdict yet (week 1, or before the pilot), what falls due next, and
    the blockers that already fail: a GO over nothing would tell the team nothing."""
    week = timeline.week or 0
    if week < 1:
        starts = timeline.pilot_start.isoformat() if timeline.pilot_start else "later"
        reasons = [f"the pilot has not started (week 1 begins {starts}): nothing is due yet"]
    else:
        reasons = [f"nothing is due yet in week {week}: no check falls due by week "
                   f"{view.horizon}"]
    later = [r for r in results if not r.due and r.due_week > view.horizon
             and r.effective is not Status.NOT_APPLICABLE]
    if later:
        first = min(r.due_week for r in later)
        names = [r.name for r in later if r.due_week == first]
        reasons.append(f"next due in week {first}: {', '.join(names)}")
    early = [r for r in results if r.severity is Severity.BLOCKER and not r.in_baseline
             and r.status is not Status.WAIVED and r.effective in (Status.FAIL, Status.ERROR)]
    if early:
        reasons.append(f"{len(early)} blocker(s) already fail, due later")
        reasons += [_describe(r) for r in early]
    return tuple(reasons)


def compression_reason(config: Config, label: str, week: int, gate_week: int) -> str:
    from readiness.timeline import phases

    skipped = [p.name for p in phases(config) if p.end >= week and p.start < gate_week]
    skips = f": the plan skips {', '.join(skipped)}" if skipped else ""
    return f"{label} at week {week} is earlier than week {gate_week}{skips}"


def _describe(result: Result) -> str:
    owner = f", owner {result.owner}" if result.owner else ""
    overdue = f", overdue {result.overdue_weeks} wk" if result.overdue_weeks else ""
    verb = {Status.FAIL: "fails", Status.ERROR: "errored", Status.WARN: "is only partly met"}
    return (f"{result.name} ({result.severity.value}, due week {result.due_week}{overdue}{owner})"
            f" {verb.get(result.status, 'fails')}: {result.message}")


def next_actions(results: Sequence[Result]) -> tuple[str, ...]:
    """The few things to do next: due before upcoming, blockers first, earliest due first."""
    todo = [r for r in results if (r.status in FAILING or r.status is Status.UPCOMING)
            and not r.in_baseline]
    rank = {Severity.BLOCKER: 0, Severity.MAJOR: 1, Severity.MINOR: 2}
    todo.sort(key=lambda r: (not r.due, rank[r.severity], r.due_week, r.code))
    actions = []
    for result in todo[:MAX_ACTIONS]:
        when = f"due week {result.due_week}"
        if result.overdue_weeks:
            when += f", overdue {result.overdue_weeks} wk"
        actions.append(f"{result.name} ({result.severity.value}, {when}): {result.remediation}")
    return tuple(actions)


def config_hints(config: Config, timeline: Timeline) -> tuple[str, ...]:
    """What to configure first, in the order that unlocks the most of the scorecard."""
    hints = []
    if not config.has_project_file:
        hints.append("no readiness.yaml: run `readiness init` to write a commented starter")
    if timeline.pilot_start is None:
        hints.append("set timeline.pilot_start so the week, the phase and what is due can be "
                     "computed (until then every check is judged as due)")
    if not config.get("timeline.soft_launch"):
        hints.append("set timeline.soft_launch and timeline.full_launch, the planned dates")
    if not config.get("workflows"):
        hints.append("list workflows with min_accuracy agreed with their users, and their evals")
    if not config.get("usage.volume"):
        hints.append("set usage.volume (work items per day) and usage.budget for cost checks")
    return tuple(hints)
