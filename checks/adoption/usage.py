"""Reading a per-user usage export: how many soft-launch users were active.

Supported, because the share can be computed honestly from it: one row per soft-launch user
(CSV, TSV, a JSON list or `{"users": [...]}`, JSON Lines) with a user column and either an
active flag (`active`, `is_active`, `active_weekly`, ...) or a weekly activity count
(`sessions_last_7_days`, `weekly_uses`, ...). An event log is not enough: users who never
used the system are missing from it, so it cannot give the share of all soft-launch users.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from readiness.project import Project
from readiness.project.sourcetext import split_lines

USER_COLUMNS = ("user_id", "user", "userid", "username", "user_name", "email", "user_email",
                "employee_id", "login")
_ACTIVE_FLAG = re.compile(r"^(is_)?(weekly_)?active(_weekly|_this_week|_last_7_?days|_7d)?$")
_COUNT = r"(sessions?|events?|uses|requests?|actions?|queries|documents|items|runs|count)"
_WEEK = r"(weekly|week|7d|7_?days|last_7_?days|this_week)"
_WEEKLY_COUNT = re.compile(rf"^({_WEEK}_{_COUNT}|{_COUNT}_{_WEEK})$")
_TRUE = frozenset({"true", "yes", "y", "1", "x", "active"})
_FALSE = frozenset({"false", "no", "n", "0", "", "inactive"})
EXPECTED = ("one row per soft-launch user with a user column and an active flag or a weekly "
            "activity count")


class Usage(NamedTuple):
    active: int
    total: int
    column: str


def read_export(project: Project, rel: str) -> Usage | str:
    """The active share in ``rel``, or why it cannot be computed from it."""
    text = project.text(rel)
    if text is None:
        return "it is not a readable text file"
    rows = _rows(rel.lower(), text)
    if isinstance(rows, str):
        return rows
    if not rows:
        return "it has no rows"
    columns = list(rows[0])
    user = next((c for c in USER_COLUMNS if c in columns), None)
    activity = next((c for c in columns if _ACTIVE_FLAG.match(c) or _WEEKLY_COUNT.match(c)),
                    None)
    if user is None or activity is None:
        missing = "user column" if user is None else "active flag or weekly count column"
        return f"it has no {missing} (columns: {', '.join(columns[:8])})"
    users = {str(row.get(user, "")).strip() for row in rows}
    if len(users) != len(rows):
        return f"it has {len(rows)} rows for {len(users)} users"
    return _count(rows, activity)


def _rows(lower: str, text: str) -> list[dict[str, Any]] | str:
    try:
        if lower.endswith((".csv", ".tsv")):
            delimiter = "\t" if lower.endswith(".tsv") else ","
            raw: Any = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
        elif lower.endswith((".jsonl", ".ndjson")):
            raw = [json.loads(line) for line in split_lines(text) if line.strip()]
        elif lower.endswith(".json"):
            raw = json.loads(text)
            raw = raw.get("users") if isinstance(raw, dict) else raw
        else:
            return "its format is not supported (CSV, TSV, JSON or JSON Lines)"
    except (ValueError, csv.Error, RecursionError) as exc:
        return f"it cannot be parsed ({type(exc).__name__})"
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        return "it is not a list of per-user records"
    return [{str(k).strip().lower(): v for k, v in r.items()} for r in raw]


def _count(rows: Sequence[Mapping[str, Any]], column: str) -> Usage | str:
    active = 0
    for index, row in enumerate(rows, 1):
        value = _active(row.get(column))
        if value is None:
            return f"row {index} has {column} = {row.get(column)!r}, which is not a flag or count"
        active += value
    return Usage(active, len(rows), column)


def _active(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value > 0
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    try:
        return float(text) > 0
    except ValueError:
        return None
