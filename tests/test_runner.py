from __future__ import annotations

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
