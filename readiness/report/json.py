"""The JSON scorecard (the contract other tools read) and reading it back for `report`."""

from __future__ import annotations

import datetime
import json
from typing import Any

from readiness.errors import InputError
from readiness.model import (
    Credit,
    Evidence,
    Gap,
    GateView,
    Result,
    Scorecard,
    Severity,
    Status,
    Timeline,
    Verdict,
    Waiver,
)

SCHEMA_VERSION = 1


def to_data(sc: Scorecard) -> dict[str, Any]:
    """The scorecard as plain JSON data, in the documented shape."""
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "readiness", "version": sc.tool_version},
        "project": {"name": sc.project_name, "root": sc.root, "commit": sc.commit,
                    "dirty": sc.dirty},
        "date": sc.timeline.date.isoformat(),
        "timeline": {
            "pilot_start": _iso(sc.timeline.pilot_start),
            "week": sc.timeline.week,
            "phase": sc.timeline.phase,
            "total_weeks": sc.timeline.total_weeks,
            "soft_launch": _iso(sc.timeline.soft_launch),
            "full_launch": _iso(sc.timeline.full_launch),
        },
        "gate": sc.gate.name,
        "gate_week": sc.gate.week,
        "assessment": sc.gate.assessment,
        "horizon_week": sc.gate.horizon,
        "verdict": sc.verdict.value,
        "reasons": list(sc.reasons),
        "scores": dict(sc.scores),
        "results": [_result(r) for r in sc.results],
        "next_actions": list(sc.next_actions),
        "hints": list(sc.hints),
        "notes": list(sc.notes),
        "waivers": [_waiver(w) for w in sc.waivers],
        "settings": [{"key": k, "value": v, "source": s} for k, v, s in sc.settings],
    }
    for key, value in sorted(sc.extras.items()):
        data.setdefault(key, value)
    return data


def render(sc: Scorecard) -> str:
    """Byte-identical for identical input: sorted keys, fixed indentation, trailing newline."""
    return json.dumps(to_data(sc), indent=2, sort_keys=True, ensure_ascii=False,
                      allow_nan=False, default=str) + "\n"


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _waiver(w: Waiver) -> dict[str, Any]:
    return {"check": w.check, "reason": w.reason, "owner": w.owner,
            "expires": w.expires.isoformat()}


def _result(r: Result) -> dict[str, Any]:
    return {
        "code": r.code, "name": r.name, "gap": r.gap.value, "severity": r.severity.value,
        "due_week": r.due_week, "status": r.status.value, "title": r.title,
        "message": r.message, "remediation": r.remediation,
        "evidence": [{"path": e.path, "line": e.line, "note": e.note} for e in r.evidence],
        "credit": r.credit.value if r.credit else None,
        "observed": r.observed.value if r.observed else None,
        "due": r.due, "overdue_weeks": r.overdue_weeks,
        "waiver": _waiver(r.waiver) if r.waiver else None,
        "owner": r.owner,
        "details": {k: v for k, v in r.details},
        "in_baseline": r.in_baseline,
    }


def load(text: str, display: str) -> Scorecard:
    """Read a saved JSON scorecard back; anything else is a one-line InputError."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, 5,000-digit numbers
        line = getattr(exc, "lineno", None)
        raise InputError(f"not JSON: {getattr(exc, 'msg', exc)}", path=display, line=line) \
            from None
    if not isinstance(data, dict) or data.get("tool", {}).get("name") != "readiness":
        raise InputError("not a readiness scorecard (expected the output of "
                         "`readiness check --format json`)", path=display)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise InputError(f"scorecard schema_version {data.get('schema_version')!r} is not "
                         f"{SCHEMA_VERSION}", path=display)
    try:
        return _scorecard(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"malformed scorecard: {type(exc).__name__} {exc}", path=display) \
            from None


def _scorecard(data: dict[str, Any]) -> Scorecard:
    known = {"schema_version", "tool", "project", "date", "timeline", "gate", "gate_week",
             "assessment", "horizon_week", "verdict", "reasons", "scores", "results",
             "next_actions", "hints", "notes", "waivers", "settings"}
    tl = data["timeline"]
    return Scorecard(
        tool_version=str(data["tool"]["version"]),
        project_name=str(data["project"]["name"]),
        root=str(data["project"]["root"]),
        commit=data["project"]["commit"],
        dirty=data["project"]["dirty"],
        timeline=Timeline(
            pilot_start=_day(tl["pilot_start"]), date=_day(data["date"]) or datetime.date.min,
            week=_week(tl["week"], "timeline.week"), phase=tl["phase"],
            total_weeks=_week(tl["total_weeks"], "timeline.total_weeks"),
            soft_launch=_day(tl.get("soft_launch")), full_launch=_day(tl.get("full_launch"))),
        gate=GateView(str(data["gate"]), _week(data["gate_week"], "gate_week"),
                      str(data["assessment"]), _week(data["horizon_week"], "horizon_week")),
        verdict=Verdict(data["verdict"]),
        reasons=tuple(str(r) for r in data["reasons"]),
        scores={str(k): (None if v is None else _number(v, 0, 100, "scores"))
                for k, v in data["scores"].items()},
        results=tuple(_load_result(r) for r in data["results"]),
        next_actions=tuple(str(a) for a in data.get("next_actions", [])),
        hints=tuple(str(h) for h in data.get("hints", [])),
        notes=tuple(str(n) for n in data.get("notes", [])),
        waivers=tuple(_load_waiver(w) for w in data.get("waivers", [])),
        settings=tuple((s["key"], s["value"], s["source"]) for s in data.get("settings", [])),
        extras={k: v for k, v in data.items() if k not in known},
    )


MAX_WEEK = 520  # ten years: a saved scorecard claiming more is not one this tool wrote


def _number(value: Any, low: int, high: int, name: str) -> int:
    """An integer field within its range: a hand-edited scorecard with a score of 10**9 or
    a 5,000-digit week would otherwise render gigabytes."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} is not a number: {str(value)[:40]!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} {str(value)[:40]} is outside {low}..{high}")
    return int(value)


def _week(value: Any, name: str) -> int:
    return _number(value, -MAX_WEEK, MAX_WEEK, name)


def _day(value: Any) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _load_waiver(w: dict[str, Any]) -> Waiver:
    expires = _day(w["expires"]) or datetime.date.min
    return Waiver(str(w["check"]), str(w["reason"]), str(w["owner"]), expires)


def _load_result(r: dict[str, Any]) -> Result:
    return Result(
        code=str(r["code"]), name=str(r["name"]), gap=Gap(r["gap"]),
        severity=Severity(r["severity"]), due_week=_week(r["due_week"], "due_week"),
        title=str(r["title"]),
        status=Status(r["status"]), message=str(r["message"]),
        remediation=str(r["remediation"]),
        evidence=tuple(Evidence(str(e["path"]), e.get("line"), str(e.get("note", "")))
                       for e in r["evidence"]),
        credit=Credit(r["credit"]) if r.get("credit") else None,
        observed=Status(r["observed"]) if r.get("observed") else None,
        due=bool(r.get("due", True)),
        overdue_weeks=_week(r.get("overdue_weeks", 0), "overdue_weeks"),
        waiver=_load_waiver(r["waiver"]) if r.get("waiver") else None,
        owner=r.get("owner"),
        details=tuple(sorted((r.get("details") or {}).items())),
        in_baseline=bool(r.get("in_baseline", False)),
    )
