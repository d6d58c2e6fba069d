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


def _sharing(compute_seconds: float, work_seconds: float = 0.05) -> tuple[object, object]:
    """Two checks needing one shared analysis that takes ``compute_seconds``: the first
    computes it, the second (in the other lane) waits for it, then works ``work_seconds``."""
    begun = threading.Event()

    def analysis(project: Project) -> str:
        begun.set()
        time.sleep(compute_seconds)
        return "index"

    @check(code="TST008", gap=Gap.INFRASTRUCTURE, title="Build?", remediation="-", due_week=6)
    def builds(project: Project, config: object) -> Finding:
        """Computes the shared analysis."""
        return passed(project.shared("test.index", analysis))

    @check(code="TST009", gap=Gap.INFRASTRUCTURE, title="Use?", remediation="-", due_week=6)
    def uses(project: Project, config: object) -> Finding:
        """Waits for the shared analysis the other check computes."""
        begun.wait(5)
        found = project.shared("test.index", analysis)
        time.sleep(work_seconds)
        return passed(f"used {found}")

    return builds, uses


def test_waiting_for_an_analysis_another_check_computes_does_not_count_against_the_timeout(
        tmp_path: Path) -> None:
    """The 35 corpus apps side by side, cold: ``adoption-metrics`` waited 11.9 s of its
    49.6 s for the call-site index that ``llm-timeouts`` was building. The builder's own
    time counts; the waiter's wait does not (it times out only on its own work)."""
    project, config = Project(tmp_path), load_config(tmp_path)
    builds, uses = _sharing(1.0, work_seconds=0.8)  # the user: 1.8 s in all, 0.8 s its own
    ran = run_checks([builds, uses], project, config, timeout=1.5,  # type: ignore[list-item]
                     lanes=2)
    assert [r.finding.message if r.finding else r.error for r in ran] == \
        ["index", "used index"]
    assert ran[1].seconds > 1.5  # past the timeout, by the wait


def test_a_check_waiting_for_a_hung_analysis_still_times_out(tmp_path: Path) -> None:
    """Waits are forgiven up to the timeout again: an analysis that never ends cannot hold
    the run for ever, through the checks waiting for it."""
    project, config = Project(tmp_path), load_config(tmp_path)
    builds, uses = _sharing(5)
    began = time.perf_counter()
    ran = run_checks([builds, uses], project, config, timeout=0.4,  # type: ignore[list-item]
                     lanes=2)
    assert [r.error for r in ran] == ["timed out after 0.4 s", "timed out after 0.4 s"]
    assert time.perf_counter() - began < 2.0  # the waiter got at most 0.4 s more


def test_a_project_counts_each_thread_s_waits_for_shared_analyses(tmp_path: Path) -> None:
    project = Project(tmp_path)
    begun, release = threading.Event(), threading.Event()

    def slow(project: Project) -> int:
        begun.set()
        release.wait(5)
        return 1

    builder = threading.Thread(target=project.shared, args=("k", slow))
    builder.start()
    begun.wait(5)
    waiter = threading.Thread(target=project.shared, args=("k", slow))
    waiter.start()
    time.sleep(0.2)
    assert project.waited(waiter) >= 0.15  # the wait going on is counted
    release.set()
    builder.join(5)
    waiter.join(5)
    assert project.waited(waiter) >= 0.2
    assert project.waited(builder) == 0.0  # computing is not waiting
    assert project.shared("k", slow) == 1 and project.waited(threading.current_thread()) == 0.0
    later = threading.Thread(target=project.shared, args=("k", slow))  # may get waiter's ident
    later.start()
    later.join(5)
    assert project.waited(later) == 0.0  # a new thread starts with no waits
