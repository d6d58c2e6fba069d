from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from readiness.config import load_config
from readiness.timeline import choose_gate, locate, week_of

D = datetime.date


@pytest.mark.parametrize(("day", "week"), [
    (D(2026, 9, 1), 1), (D(2026, 9, 7), 1), (D(2026, 9, 8), 2), (D(2026, 11, 24), 13),
    (D(2026, 8, 31), 0),
])
def test_week_of(day: datetime.date, week: int) -> None:
    assert week_of(D(2026, 9, 1), day) == week


def config_with_start(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "readiness.yaml").write_text("version: 1\ntimeline: {pilot_start: 2026-09-01}\n")
    return load_config(tmp_path)


@pytest.mark.parametrize(("day", "requested", "gate", "assessment", "horizon", "phase"), [
    (D(2026, 9, 1), None, "soft-launch", "on-track", 1, "pilot validation"),
    (D(2026, 10, 6), None, "soft-launch", "on-track", 6, "infrastructure & integration"),
    (D(2026, 11, 17), None, "soft-launch", "on-track", 12, "training & change management"),
    (D(2026, 11, 24), None, "soft-launch", "launch", 12, "soft launch"),
    (D(2026, 12, 1), None, "full-launch", "on-track", 14, "soft launch"),
    (D(2026, 12, 15), None, "full-launch", "launch", 16, "full launch"),
    (D(2027, 3, 1), None, "full-launch", "launch", 16, "full launch"),
    (D(2026, 10, 6), "full-launch", "full-launch", "launch", 16, "infrastructure & integration"),
])
def test_gate_and_horizon_at_several_dates(tmp_path: Path, day: datetime.date,
                                           requested: str | None, gate: str, assessment: str,
                                           horizon: int, phase: str) -> None:
    config = config_with_start(tmp_path)
    timeline = locate(config, day)
    chosen, view = choose_gate(config, timeline, requested)
    assert (chosen.name, view.assessment, view.horizon, timeline.phase) == (
        gate, assessment, horizon, phase)


def test_unknown_week_is_judged_as_a_launch(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    timeline = locate(config, D(2026, 11, 24))
    assert timeline.week is None and timeline.phase is None
    gate, view = choose_gate(config, timeline, None)
    assert (gate.name, view.assessment, view.horizon) == ("soft-launch", "launch", 12)
