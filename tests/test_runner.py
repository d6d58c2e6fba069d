from __future__ import annotations

import threading
import time
from pathlib import Path

from readiness.config import load_config
from readiness.model import Finding, Gap, Status, check, passed
from readiness.project import Project
from readiness.runner import run_checks, select


@check(code="TST001", gap=Gap.INFRASTRUCTURE, title="Fine?", remediation="Nothing.", due_week=6)
def fine(project: Project, config: object) -> Finding:
    """A check that passes."""
    return passed("fine")


@check(code="TST002", gap=Gap.INFRASTRUCTURE, title="Crash?", remediation="Fix it.", due_week=6)
def crashes(project: Project, config: object) -> Finding:
    """A check that raises."""
    raise KeyError("boom")


@check(code="TST003", gap=Gap.INFRASTRUCTURE, title="Hang?", remediation="Fix it.", due_week=6)
def hangs(project: Project, config: object) -> Finding:
    """A check that runs too long."""
    time.sleep(5)
    return passed("late")


@check(code="TST004", gap=Gap.INFRASTRUCTURE, title="Wrong?", remediation="Fix.", due_week=6)
def returns_junk(project: Project, config: object) -> Finding:
    """A check that returns the wrong type."""
    return "yes"  # type: ignore[return-value]


def test_each_check_is_isolated(tmp_path: Path) -> None:
    project, config = Project(tmp_path), load_config(tmp_path)
    ran = run_checks([crashes, hangs, returns_junk, fine], project, config, timeout=0.3)
    assert [r.error for r in ran] == ["KeyError: 'boom'", "timed out after 0.3 s",
                                      "returned str, not a Finding", None]
    assert ran[3].finding is not None and ran[3].finding.status is Status.PASS


def test_select_by_name_code_skip_and_disable() -> None:
    checks = [fine, crashes, hangs]
    assert select(checks, only=("fine", "tst002")) == [fine, crashes]
    assert select(checks, skip=("TST003",)) == [fine, crashes]
    assert select(checks, disabled=frozenset({"fine"})) == [crashes, hangs]


def _handshake() -> tuple[object, object]:
    """Two checks: the first waits (up to 2 s) for the second to have started."""
    import threading

    started = threading.Event()

    @check(code="TST005", gap=Gap.INFRASTRUCTURE, title="Wait?", remediation="-", due_week=6)
    def waits(project: Project, config: object) -> Finding:
        """Waits for its neighbour."""
        return passed("met") if started.wait(2) else passed("alone")

    @check(code="TST006", gap=Gap.INFRASTRUCTURE, title="Go?", remediation="-", due_week=6)
    def signals(project: Project, config: object) -> Finding:
        """Starts."""
        started.set()
        return passed("started")

    return waits, signals


def test_two_lanes_run_checks_side_by_side_and_keep_their_order(tmp_path: Path) -> None:
    project, config = Project(tmp_path), load_config(tmp_path)
    waits, signals = _handshake()
    ran = run_checks([waits, signals, fine], project, config, timeout=5,  # type: ignore[list-item]
                     lanes=2)
    assert [r.finding.message if r.finding else r.error for r in ran] == \
        ["met", "started", "fine"]


def test_one_lane_runs_checks_one_after_another(tmp_path: Path) -> None:
    project, config = Project(tmp_path), load_config(tmp_path)
    waits, signals = _handshake()
    ran = run_checks([waits, signals], project, config, timeout=5,  # type: ignore[list-item]
                     lanes=1)
    assert [r.finding.message if r.finding else r.error for r in ran] == ["alone", "started"]


def test_a_hanging_check_times_out_without_holding_up_the_other_lane(tmp_path: Path) -> None:
    project, config = Project(tmp_path), load_config(tmp_path)
    ran = run_checks([hangs, fine, crashes], project, config, timeout=0.3, lanes=2)
    assert [r.error for r in ran] == ["timed out after 0.3 s", None, "KeyError: 'boom'"]


def test_checks_are_prepared_beside_them_and_a_failing_hook_is_ignored(tmp_path: Path
                                                                      ) -> None:
    """``prepare`` hooks (which start the per-file scans a check will ask for) are called,
    one after another, in a thread started before the first check and not waited for;
    one that raises or hangs starts nothing early, and its check still runs, at once."""
    project, config = Project(tmp_path), load_config(tmp_path)
    order: list[str] = []

    called = threading.Event()

    def ready(project: Project, config: object) -> None:
        order.append("prepared")
        called.set()

    def broken(project: Project, config: object) -> None:
        raise OSError("no")

    def stuck(project: Project, config: object) -> None:
        time.sleep(5)

    @check(code="TST007", gap=Gap.INFRASTRUCTURE, title="Ready?", remediation="-",
           due_week=6, prepare=ready)
    def prepared(project: Project, config: object) -> Finding:
        """Runs after its hook."""
        order.append("ran")
        return passed("ok")

    @check(code="TST008", gap=Gap.INFRASTRUCTURE, title="Broken?", remediation="-",
           due_week=6, prepare=broken)
    def unprepared(project: Project, config: object) -> Finding:
        """Its hook raised."""
        return passed("still")

    ran = run_checks([fine, prepared, unprepared], project, config, timeout=5, lanes=2)
    assert called.wait(5) and sorted(order) == ["prepared", "ran"]
    assert [r.finding.message if r.finding else r.error for r in ran] == ["fine", "ok", "still"]

    @check(code="TST009", gap=Gap.INFRASTRUCTURE, title="Stuck?", remediation="-",
           due_week=6, prepare=stuck)
    def waited(project: Project, config: object) -> Finding:
        """Its hook hangs."""
        return passed("ran anyway")

    began = time.perf_counter()
    ran = run_checks([waited, fine], project, config, timeout=0.3)
    assert time.perf_counter() - began < 1  # its hook is not waited for
    assert [r.finding.message if r.finding else r.error for r in ran] == ["ran anyway", "fine"]
