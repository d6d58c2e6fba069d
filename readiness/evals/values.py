"""Interpreting single values the tools write: verdicts, scores, labels, tags, times."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

_TRUE = frozenset({"true", "t", "1", "1.0", "yes", "y", "pass", "passed", "correct", "success"})
_FALSE = frozenset(
    {"false", "f", "0", "0.0", "no", "n", "fail", "failed", "incorrect", "wrong", "failure"}
)
_ERROR = frozenset({"error", "errored"})


def outcome_word(value: object) -> bool | None | str:
    """Read a bool-like value: True/False, 1/0, yes/no, pass/fail, correct/incorrect.

    Returns ``"error"`` for an explicit error marker and None for anything else.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value == 1:
            return True
        if value == 0:
            return False
        return None
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        if word in _ERROR:
            return "error"
    return None


def number(value: object) -> float | None:
    """A numeric value as float (NaN and infinities included), or None if it is not a number."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:  # an int beyond float range
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def finite(value: float | None) -> float | None:
    """The value if it is a finite number, else None."""
    return value if value is not None and math.isfinite(value) else None


def text_of(value: object) -> str | None:
    """Free text (an expected or actual output) as a string; structures as compact JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return str(value)


def label_of(value: object) -> str | None:
    """A category or id: scalars as trimmed text, empty as None, structures refused (None)."""
    if type(value) is str:  # the common case, first: this runs for every record
        return value.strip() or None
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    label = str(value).strip()
    return label or None


def tags_of(value: object) -> tuple[str, ...]:
    """Tags from a list or a ``"a, b; c"`` string, trimmed, de-duplicated, order kept."""
    items: list[object]
    if isinstance(value, list | tuple):
        items = list(value)
    elif isinstance(value, str):
        items = list(value.replace(";", ",").replace("|", ",").split(","))
    elif value is None:
        return ()
    else:
        items = [value]
    seen: dict[str, None] = {}
    for item in items:
        label = label_of(item)
        if label is not None:
            seen.setdefault(label, None)
    return tuple(seen)


def cell_tags(value: object) -> tuple[str, ...]:
    """``tags_of`` a field, where a string holding a JSON list (a CSV cell) is that list."""
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            return tags_of(json.loads(value))
        except ValueError:
            pass
    return tags_of(value)


def timestamp_of(value: object) -> datetime | None:
    """An ISO 8601 string or Unix seconds (or milliseconds) as an aware UTC datetime."""
    moment: datetime | None = None
    if isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
        if not math.isfinite(seconds):
            return None
        if seconds > 1e11:  # milliseconds, as JavaScript tools write them
            seconds /= 1000.0
        try:
            moment = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def as_dict(value: object) -> dict[str, Any]:
    """The value if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def lookup(obj: object, key: str) -> object:
    """``obj[key]``, or a dotted path (``"metadata.category"``) into nested objects."""
    if not isinstance(obj, dict):
        return None
    if key in obj:
        return obj[key]
    current: object = obj
    for part in key.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current
