"""No GO on nothing: week 1 and a pilot that has not started say what falls due next."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from readiness.cli import main
from tests import fixtures_adoption as fx
from tests.conftest import MakeProject

PLAN = "version: 1\ntimeline:\n  pilot_start: 2026-09-01\n"


@pytest.mark.parametrize("day", ["2026-08-01", "2026-09-03"])  # before the pilot, week 1
@pytest.mark.parametrize("fmt", ["terminal", "markdown", "html", "json"])
def test_nothing_due_is_not_a_go_banner(make_project: MakeProject, day: str, fmt: str) -> None:
    root = make_project({**fx.CORE, "readiness.yaml": PLAN})
    result = CliRunner().invoke(main, ["check", str(root), "--date", day, "-f", fmt,
                                       "--no-cache"], catch_exceptions=False)
    assert result.exit_code == 0
    out = result.output
    assert "nothing is due yet" in out
    assert "next due in week 2: pilot-success-criteria, timeline-realism" in out
    if fmt == "json":
        assert json.loads(out)["verdict"] == "NOTHING_DUE"
    else:
        assert "NOTHING DUE YET" in out
        assert "GO for" not in out and "GO:" not in out


def test_soft_launch_before_pilot_start_exits_2_naming_the_line(
        make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "readiness.yaml": PLAN + "  soft_launch: 2026-06-01\n"})
    result = CliRunner().invoke(main, ["check", str(root), "--no-cache"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "readiness: error: readiness.yaml:4:16: timeline.soft_launch (2026-06-01) is before "
        "timeline.pilot_start (2026-09-01); the soft launch comes after the pilot"]
