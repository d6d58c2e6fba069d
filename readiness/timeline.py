"""Where a project stands on the pilot-to-production timeline, and which gate it faces."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, NamedTuple

from readiness.model import GateView, Timeline

if TYPE_CHECKING:
    from readiness.config import Config

GATE_NAMES = ("soft-launch", "full-launch")


class Phase(NamedTuple):
    name: str
    start: int
    end: int


class Gate(NamedTuple):
    name: str
    week: int
    requires_due_by: int
    requires: tuple[str, ...]
    min_soft_launch_weeks: int


def week_of(pilot_start: datetime.date, day: datetime.date) -> int:
    """Week number of ``day``: week 1 is the seven days from ``pilot_start``; before it, 0."""
    days = (day - pilot_start).days
    return days // 7 + 1 if days >= 0 else 0


def phases(config: Config) -> tuple[Phase, ...]:
    return tuple(Phase(p["name"], p["start"], p["end"]) for p in config.get("timeline.phases"))


def phase_of(config: Config, week: int) -> str:
    if week < 1:
        return "before the pilot"
    for phase in phases(config):
        if phase.start <= week <= phase.end:
            return phase.name
    return phases(config)[-1].name


def gates(config: Config) -> tuple[Gate, ...]:
    found = []
    for name in GATE_NAMES:
        spec = config.get(f"gates.{name}", {})
        found.append(Gate(name, spec.get("week", 13), spec.get("requires_due_by", 12),
                          tuple(spec.get("requires", ())), spec.get("min_soft_launch_weeks", 0)))
    return tuple(sorted(found, key=lambda g: g.week))


def locate(config: Config, today: datetime.date) -> Timeline:
    start = config.date("timeline.pilot_start")
    week = week_of(start, today) if start else None
    return Timeline(
        pilot_start=start,
        date=today,
        week=week,
        phase=phase_of(config, week) if week is not None else None,
        total_weeks=int(config.get("timeline.weeks", 16)),
        soft_launch=config.date("timeline.soft_launch"),
        full_launch=config.date("timeline.full_launch"),
    )


def choose_gate(config: Config, timeline: Timeline, requested: str | None) -> tuple[Gate, GateView]:
    """The gate to judge and how: ``launch`` (may we launch now?) or ``on-track``.

    An explicit ``--gate`` asks for a launch decision now. Without it the next gate is
    judged on track: only what is due by the current week counts. With no pilot start the
    week is unknown, so the next gate is judged as a launch, the strict reading.
    """
    all_gates = gates(config)
    week = timeline.week
    if requested:
        gate = next(g for g in all_gates if g.name == requested)
    elif week is None:
        gate = all_gates[0]
    else:
        gate = next((g for g in all_gates if g.week >= week), all_gates[-1])
    launch = requested is not None or week is None or week >= gate.week
    horizon = gate.requires_due_by if launch else min(week or 0, gate.requires_due_by)
    return gate, GateView(gate.name, gate.week, "launch" if launch else "on-track", horizon)
