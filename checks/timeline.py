"""Timeline checks: the pilot is written up, and the plan leaves time for every phase."""

from __future__ import annotations

import re

from readiness.config import Config
from readiness.model import Credit, Evidence, Finding, Gap, check, failed, passed, warned
from readiness.project import Project
from readiness.project.documents import may_be_evidence
from readiness.timeline import week_of

_CRITERIA = re.compile(r"(success|acceptance|exit)\s+(criteria|metrics)|criteria\s+for\s+success",
                       re.IGNORECASE)
_RESULT = re.compile(r"^\s*(#+\s*|\*\*)?.*\b(results?|outcomes?|findings|conclusions?)\b",
                     re.IGNORECASE)
_DOC_SUFFIXES = (".md", ".markdown", ".rst", ".txt", ".adoc")


def _scan_document(project: Project, rel: str) -> tuple[int | None, int | None]:
    """Lines where the document states success criteria and where it reports the result."""
    criteria = result = None
    for number, line in enumerate(project.lines(rel), 1):
        if criteria is None and _CRITERIA.search(line):
            criteria = number
        elif result is None and line.lstrip().startswith(("#", "**", "=")) and _RESULT.match(line):
            result = number
    return criteria, result


def _candidates(project: Project) -> list[str]:
    documents = may_be_evidence(project, list(project.with_suffix(*_DOC_SUFFIXES)))
    named = [f for f in documents if "pilot" in f.lower()]
    return named or [f for f in documents if f.startswith("docs/")]


@check(
    code="TML001",
    gap=Gap.TIMELINE,
    title="Are the pilot's success criteria and result written down?",
    remediation="Write a pilot report (e.g. docs/pilot-report.md) with the success criteria agreed "
                "up front and the measured result, and point timeline.pilot_result at it.",
)
def pilot_success_criteria(project: Project, config: Config) -> Finding:
    """What it checks:
    A document in the repository states the pilot's success criteria and its measured
    result: the file named by `timeline.pilot_result` (or `timeline.success_criteria`), or
    else a document whose name mentions the pilot, or a document under docs/.

    Why it matters:
    A pilot without written success criteria cannot fail, so it cannot justify production
    either. The launch review needs to see what was promised and what was measured.

    How to fix:
    Write down the criteria agreed before the pilot (accuracy, time saved, cost per item)
    under a "Success criteria" heading and the outcome under a "Results" heading, commit
    it, and set `timeline.pilot_result` in readiness.yaml.
    """
    configured = [config.get(k) for k in ("timeline.pilot_result", "timeline.success_criteria")]
    configured = [c for c in configured if c]
    for rel in configured:
        if not project.exists(rel):
            return failed(f"{rel} (set in readiness.yaml) does not exist",
                          *filter(None, [config.evidence("timeline.pilot_result")]))
    files = configured or _candidates(project)
    criteria_at = result_at = None
    for rel in files:
        criteria, result = _scan_document(project, rel)
        if criteria and not criteria_at:
            criteria_at = Evidence(rel, criteria, "success criteria")
        if result and not result_at:
            result_at = Evidence(rel, result, "result")
    if criteria_at and result_at:
        return passed("pilot success criteria and result are written down",
                      criteria_at, result_at, credit=Credit.DOCUMENTED)
    if criteria_at:
        return warned(f"success criteria are written down but no result is reported "
                      f"(no 'Results' heading in {criteria_at.path})", criteria_at)
    if configured:
        return failed(f"{configured[0]} states no success criteria "
                      "(no 'Success criteria' section)", Evidence(configured[0]))
    return failed("no document states the pilot's success criteria and result")


@check(
    code="TML002",
    gap=Gap.TIMELINE,
    title="Does the plan leave enough weeks for every phase?",
    remediation="Plan the soft launch for week 13 or later and the full launch for week 16 or "
                "later of the pilot timeline, and record the dates under timeline: in "
                "readiness.yaml.",
)
def timeline_realism(project: Project, config: Config) -> Finding:
    """What it checks:
    From `timeline.pilot_start`, the planned `timeline.soft_launch` falls in week 13 or
    later and `timeline.full_launch` in week 16 or later (the base profile's minimums),
    with at least the soft-launch weeks the full-launch gate needs in between.

    Why it matters:
    Going from pilot to production in 4-6 weeks skips quality testing on production data
    and training; the system then meets messy data and unprepared users at full volume.

    How to fix:
    Move the planned dates, or cut scope, so that infrastructure (weeks 3-6), quality
    testing (7-10) and training (11-12) each get their time before the soft launch.
    """
    start = config.date("timeline.pilot_start")
    if start is None:
        return warned("timeline.pilot_start is not set: the plan cannot be judged",
                      credit=Credit.CLAIMED)
    soft, full = config.date("timeline.soft_launch"), config.date("timeline.full_launch")
    if soft is None and full is None:
        return warned("no planned launch dates (timeline.soft_launch, timeline.full_launch)",
                      *filter(None, [config.evidence("timeline.pilot_start")]),
                      credit=Credit.CLAIMED)
    need_soft = int(config.get("timeline.min_weeks_to_soft_launch", 13))
    need_full = int(config.get("timeline.min_weeks_to_full_launch", 16))
    gap_weeks = int(config.get("gates.full-launch.min_soft_launch_weeks", 0))
    problems: list[str] = []
    evidence: list[Evidence] = []
    for key, day, need in (("soft_launch", soft, need_soft), ("full_launch", full, need_full)):
        if day is None:
            continue
        week = week_of(start, day)
        if week < need:
            problems.append(f"{key.replace('_', ' ')} {day} is in week {week}; "
                            f"the timeline needs week {need} or later")
            evidence += filter(None, [config.evidence(f"timeline.{key}")])
    if soft and full:
        weeks = (full - soft).days // 7
        if full < soft:
            problems.append(f"full launch {full} is before soft launch {soft}")
        elif weeks < gap_weeks:
            problems.append(f"only {weeks} weeks of soft launch before full launch; "
                            f"{gap_weeks} are needed")
    if problems:
        return failed("; ".join(problems), *evidence)
    missing = [k for k, d in (("soft_launch", soft), ("full_launch", full)) if d is None]
    plan = ", ".join(f"{k} week {week_of(start, d)}" for k, d in
                     (("soft launch", soft), ("full launch", full)) if d)
    where = [e for e in (config.evidence("timeline.soft_launch"),
                         config.evidence("timeline.full_launch")) if e]
    if missing:
        return warned(f"{plan}; timeline.{missing[0]} is not planned yet", *where)
    return passed(f"plan leaves enough time: {plan}", *where, credit=Credit.DOCUMENTED)


CHECKS = (pilot_success_criteria, timeline_realism)
