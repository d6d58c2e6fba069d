from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from readiness.config import load_config
from readiness.errors import ConfigError
from readiness.model import (
    Credit,
    Finding,
    Gap,
    Result,
    Severity,
    Status,
    Verdict,
    Waiver,
    check,
)
from readiness.runner import Ran
from readiness.scoring import gap_scores, judge, next_actions, to_result, waiver_notes
from readiness.timeline import choose_gate, locate

D = datetime.date
S, V = Status, Severity


def res(name: str, status: Status, severity: Severity = V.MAJOR, gap: Gap = Gap.INFRASTRUCTURE,
        due: bool = True, credit: Credit | None = None, due_week: int = 6) -> Result:
    return Result(code="X" + str(abs(hash(name)) % 1000).zfill(3) + "", name=name, gap=gap,
                  severity=severity, due_week=due_week, title="t", status=status, message="m",
                  remediation="do it", credit=credit, due=due)


@pytest.mark.parametrize(("results", "expected"), [
    ([res("a", S.PASS), res("b", S.PASS)], 100),
    ([res("a", S.PASS, credit=Credit.DOCUMENTED)], 50),
    ([res("a", S.PASS, credit=Credit.CLAIMED)], 0),
    ([res("a", S.WARN, credit=Credit.ENFORCED)], 50),
    ([res("a", S.PASS, V.BLOCKER), res("b", S.FAIL, V.MINOR)], 75),
    ([res("a", S.PASS), res("b", S.NOT_APPLICABLE)], 100),
    ([res("a", S.ERROR, V.BLOCKER), res("b", S.PASS, V.BLOCKER)], 50),
])
def test_infrastructure_score(results: list[Result], expected: int) -> None:
    assert gap_scores(results)["infrastructure"] == expected


def test_overall_is_the_weakest_gap() -> None:
    scores = gap_scores([res("a", S.PASS), res("b", S.FAIL, gap=Gap.QUALITY),
                         res("c", S.PASS, gap=Gap.ADOPTION), res("t", S.FAIL, gap=Gap.TIMELINE)])
    assert scores == {"infrastructure": 100, "quality": 0, "adoption": 100, "overall": 0}
    assert gap_scores([])["overall"] is None


TODAY = D(2026, 11, 24)


def judged(results: list[Result], tmp_path: Path, day: datetime.date = TODAY,
           gate: str | None = None, extra: str = "") -> tuple[Verdict, tuple[str, ...]]:
    (tmp_path / "readiness.yaml").write_text(
        "version: 1\ntimeline: {pilot_start: 2026-09-01}\n" + extra)
    config = load_config(tmp_path)
    timeline = locate(config, day)
    chosen, view = choose_gate(config, timeline, gate)
    return judge(results, timeline, chosen, view, config, gate is not None)


@pytest.mark.parametrize(("results", "verdict"), [
    ([res("a", S.PASS, V.BLOCKER), res("b", S.NOT_APPLICABLE)], Verdict.GO),
    ([res("a", S.FAIL, V.BLOCKER)], Verdict.NO_GO),
    ([res("a", S.ERROR, V.BLOCKER)], Verdict.NO_GO),
    ([res("a", S.WARN, V.BLOCKER)], Verdict.CONDITIONAL_GO),
    ([res("a", S.FAIL, V.MAJOR)], Verdict.CONDITIONAL_GO),
    ([res("a", S.UPCOMING, V.BLOCKER, due=False), res("b", S.PASS)], Verdict.GO),
    ([res("a", S.UPCOMING, V.BLOCKER, due=False)], Verdict.NOTHING_DUE),
    ([res("a", S.WAIVED, V.BLOCKER)], Verdict.GO),
])
def test_verdicts(tmp_path: Path, results: list[Result], verdict: Verdict) -> None:
    assert judged(results, tmp_path)[0] is verdict


def test_reasons_name_the_blocker_owner_and_due_week(tmp_path: Path) -> None:
    blocker = Result(code="INF001", name="llm-timeouts", gap=Gap.INFRASTRUCTURE,
                     severity=V.BLOCKER, due_week=6, title="t", status=S.FAIL,
                     message="3 of 11 LLM calls have no timeout", remediation="r",
                     overdue_weeks=7, owner="platform-team")
    verdict, reasons = judged([blocker], tmp_path)
    assert verdict is Verdict.NO_GO
    assert reasons == ("llm-timeouts (blocker, due week 6, overdue 7 wk, owner platform-team) "
                       "fails: 3 of 11 LLM calls have no timeout",)


def test_asking_for_a_gate_too_early_is_no_go(tmp_path: Path) -> None:
    verdict, reasons = judged([res("a", S.PASS)], tmp_path, day=D(2026, 10, 27),
                              gate="full-launch")
    assert verdict is Verdict.NO_GO
    assert reasons[0] == ("full launch at week 9 is earlier than week 16: the plan skips quality "
                          "testing on production data, training & change management, soft launch")


def test_full_launch_needs_three_weeks_of_soft_launch(tmp_path: Path) -> None:
    verdict, _ = judged([res("a", S.PASS)], tmp_path, day=D(2026, 12, 15), gate="full-launch")
    assert verdict is Verdict.GO  # no soft-launch date recorded: the week alone decides
    (tmp_path / "readiness.yaml").write_text(
        "version: 1\ntimeline: {pilot_start: 2026-09-01, soft_launch: 2026-12-08}\n")
    config = load_config(tmp_path)
    timeline = locate(config, D(2026, 12, 15))
    gate, view = choose_gate(config, timeline, "full-launch")
    verdict, reasons = judge([res("a", S.PASS)], timeline, gate, view, config, True)
    assert verdict is Verdict.NO_GO
    assert reasons == ("full launch needs 3 weeks of soft launch; 1 so far "
                       "(soft launch 2026-12-08)",)


@check(code="TST010", gap=Gap.INFRASTRUCTURE, title="t?", remediation="r.")
def llm_timeouts(project: object, config: object) -> Finding:
    """Stand-in for the real check's metadata."""
    raise NotImplementedError


def placed(tmp_path: Path, day: datetime.date, finding: Finding | None, waivers: list[Waiver],
           error: str | None = None) -> Result:
    (tmp_path / "readiness.yaml").write_text(
        "version: 1\nowner: core\ntimeline: {pilot_start: 2026-09-01}\n")
    config = load_config(tmp_path)
    timeline = locate(config, day)
    gate, view = choose_gate(config, timeline, None)
    return to_result(Ran(llm_timeouts, finding, error, 0.0), config, timeline, gate, view,
                     waivers)


def test_due_upcoming_overdue_and_waived(tmp_path: Path) -> None:
    fail = Finding(S.FAIL, "no timeout")
    early = placed(tmp_path, D(2026, 9, 15), fail, [])  # week 3: due week 6 is upcoming
    assert (early.status, early.observed, early.due) == (S.UPCOMING, S.FAIL, False)
    late = placed(tmp_path, D(2026, 11, 3), fail, [])  # week 10
    assert (late.status, late.overdue_weeks, late.severity, late.owner) == (
        S.FAIL, 4, V.BLOCKER, "core")
    waiver = Waiver("llm-timeouts", "vendor fix pending", "Sam", D(2026, 12, 1))
    waived = placed(tmp_path, D(2026, 11, 3), fail, [waiver])
    assert waived.status is S.WAIVED and waived.waiver == waiver
    expired = placed(tmp_path, D(2026, 12, 2), fail, [waiver])
    assert expired.status is S.FAIL and expired.waiver is None
    assert waiver_notes([waiver], [expired], D(2026, 12, 2)) == [
        "waiver for llm-timeouts expired on 2026-12-01 (owner Sam); it no longer waives the check"]
    errored = placed(tmp_path, D(2026, 11, 3), None, [], error="KeyError: 'x'")
    assert (errored.status, errored.message) == (S.ERROR, "check failed to run: KeyError: 'x'")


def test_unneeded_waiver_is_noted(tmp_path: Path) -> None:
    waiver = Waiver("llm-timeouts", "vendor fix pending", "Sam", D(2026, 12, 1))
    ok = placed(tmp_path, D(2026, 11, 3), Finding(S.PASS, "all set"), [waiver])
    assert ok.status is S.PASS
    assert waiver_notes([waiver], [ok], D(2026, 11, 3)) == [
        "waiver for llm-timeouts is not needed: the check passes"]


def test_next_actions_put_due_blockers_first() -> None:
    actions = next_actions([
        res("minor-due", S.FAIL, V.MINOR, due_week=2),
        res("blocker-upcoming", S.UPCOMING, V.BLOCKER, due=False, due_week=10),
        res("blocker-due", S.FAIL, V.BLOCKER, due_week=6),
        res("passing", S.PASS, V.BLOCKER),
    ])
    assert [a.split(" ")[0] for a in actions] == ["blocker-due", "minor-due", "blocker-upcoming"]



def test_before_the_pilot_starts_nothing_is_due_and_failing_blockers_are_named(
        tmp_path: Path) -> None:
    failing = Result(code="INF001", name="llm-timeouts", gap=Gap.INFRASTRUCTURE,
                     severity=V.BLOCKER, due_week=6, title="t", status=S.UPCOMING,
                     message="1 of 1 LLM calls have no timeout", remediation="r",
                     observed=S.FAIL, due=False)
    second = res("pilot-success-criteria", S.UPCOMING, due=False, due_week=2)
    verdict, reasons = judged([failing, second], tmp_path, day=D(2026, 8, 1))  # a month early
    assert verdict is Verdict.NOTHING_DUE
    assert reasons == (
        "the pilot has not started (week 1 begins 2026-09-01): nothing is due yet",
        "next due in week 2: pilot-success-criteria",
        "1 blocker(s) already fail, due later",
        "llm-timeouts (blocker, due week 6) fails: 1 of 1 LLM calls have no timeout")
    # nothing failing before the start: still nothing due, not GO
    passing = res("a", S.PASS, V.BLOCKER, due=False)
    assert judged([passing], tmp_path, day=D(2026, 8, 1))[0] is Verdict.NOTHING_DUE


def test_week_one_is_not_a_go_over_nothing(tmp_path: Path) -> None:
    later = [res("pilot-success-criteria", S.UPCOMING, due=False, due_week=2),
             res("timeline-realism", S.UPCOMING, V.BLOCKER, due=False, due_week=2),
             res("llm-timeouts", S.UPCOMING, V.BLOCKER, due=False, due_week=6),
             res("user-training", S.NOT_APPLICABLE, due=False, due_week=1)]
    verdict, reasons = judged(later, tmp_path, day=D(2026, 9, 3))
    assert verdict is Verdict.NOTHING_DUE
    assert reasons == ("nothing is due yet in week 1: no check falls due by week 1",
                       "next due in week 2: pilot-success-criteria, timeline-realism")
    # in week 2 the first checks are due and judged as usual
    due = [res("pilot-success-criteria", S.PASS, due_week=2)]
    assert judged(due, tmp_path, day=D(2026, 9, 8))[0] is Verdict.GO
    # asking for a launch decision judges the gate, nothing-due or not
    assert judged(later, tmp_path, day=D(2026, 9, 3), gate="soft-launch")[0] is not \
        Verdict.NOTHING_DUE


def test_soft_launch_before_pilot_start_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "readiness.yaml").write_text(
        "version: 1\ntimeline:\n  pilot_start: 2026-09-01\n  soft_launch: 2026-08-01\n")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert str(raised.value) == (
        "readiness.yaml:4:16: timeline.soft_launch (2026-08-01) is before "
        "timeline.pilot_start (2026-09-01); the soft launch comes after the pilot")
    (tmp_path / "readiness.yaml").write_text(
        "version: 1\ntimeline:\n  pilot_start: 2026-09-01\n  soft_launch: 2026-12-01\n")
    assert load_config(tmp_path).date("timeline.soft_launch") == D(2026, 12, 1)

