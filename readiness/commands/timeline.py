"""`readiness timeline`: the weeks, the phases, where the project stands and what is due."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any


def timeline_text(root: Path, config_path: Path | None, policy_path: Path | None,
                  day: datetime.date | None, overrides: dict[str, Any]) -> str:
    from readiness.config import load_config
    from readiness.scan import assemble
    from readiness.timeline import gates, locate, phases

    config = load_config(root, config_path=config_path, policy_path=policy_path,
                         overrides=overrides or None)
    registry = assemble(config, allow_local=False)
    tl = locate(config, day or datetime.date.today())
    total = tl.total_weeks
    due: dict[int, list[str]] = {}
    for item in registry.checks:
        week = int(config.check_setting(item.name, "due_week", item.due_week) or 0)
        due.setdefault(week, []).append(item.name)
    lines = [f"{config.project_name}: " + (
        f"week {tl.week} of {total} ({tl.phase}), {tl.date}" if tl.week is not None
        else "pilot_start not set: set timeline.pilot_start in readiness.yaml")]
    start = tl.pilot_start
    for phase in phases(config):
        end = min(phase.end, total)
        marker = "▶" if tl.week is not None and phase.start <= tl.week <= phase.end else " "
        dates = ""
        if start:
            first = start + datetime.timedelta(weeks=phase.start - 1)
            dates = f"  from {first}"
        span = f"weeks {phase.start}-{end}" if end > phase.start else f"week {phase.start}+"
        lines.append(f"{marker} {span:<12} {phase.name}{dates}")
        for week in range(phase.start, end + 1):
            for name in sorted(due.get(week, [])):
                lines.append(f"      w{week:<3} {name}")
    for gate in gates(config):
        plus = f" + {', '.join(gate.requires)}" if gate.requires else ""
        lines.append(f"  gate {gate.name}: week {gate.week} (needs checks due by week "
                     f"{gate.requires_due_by}{plus})")
    if tl.week is not None:
        upcoming = sorted(w for w in due if w >= tl.week)
        if upcoming:
            nxt = upcoming[0]
            lines.append(f"Next due: week {nxt}: {', '.join(sorted(due[nxt]))}")
    return "\n".join(lines) + "\n"
