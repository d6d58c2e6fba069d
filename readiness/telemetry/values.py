"""Defensive coercion of untrusted JSON values into record fields.

Telemetry files are exported by other tools and sometimes hand-edited, truncated or
hostile. Every field goes through one of these helpers; a value of the wrong type or
an implausible size raises :class:`MalformedRecord`, which the readers turn into a
counted, located "malformed" entry instead of a crash or a silently wrong number.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

# No single model call consumes 100M tokens (the largest context windows are ~2M);
# a bigger count is a corrupt or hostile value, and letting it through would swamp
# every total and projection.
MAX_TOKENS = 100_000_000
# A single call costing more than this is corrupt data, not a real bill.
MAX_COST_USD = 10_000.0
# Longest plausible call (batch jobs may take up to 24 hours) plus slack.
MAX_DURATION_MS = 2 * 24 * 3600 * 1000.0
MAX_ID_LENGTH = 256


class MalformedRecord(ValueError):
    """A record whose content cannot be trusted; the message says why."""


def _reject_constant(name: str) -> float:
    raise MalformedRecord(f"non-finite number {name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedRecord(f"number {text[:20]} overflows a float")
    return value


# Built once: json.loads() with hooks would construct a decoder for every line.
DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def loads(text: str | bytes) -> Any:
    """Parse one JSON value strictly: no NaN/Infinity, no overflowing floats.

    Python's json accepts ``NaN`` and ``Infinity`` and turns ``1e400`` into ``inf``;
    all of these would poison sums and percentiles, so they are rejected here.
    """
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return DECODER.decode(text)
    except MalformedRecord:
        raise
    except RecursionError:
        raise MalformedRecord("JSON nested too deeply") from None
    except UnicodeDecodeError:
        raise MalformedRecord("not UTF-8 text") from None
    except ValueError as exc:  # JSONDecodeError, and ints beyond the digit limit
        raise MalformedRecord(f"invalid JSON ({_short(str(exc))})") from None


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(value: object) -> str:
    return type(value).__name__ if value is not None else "null"


def opt_int(value: object, field: str, *, maximum: int = MAX_TOKENS) -> int | None:
    """A non-negative integer count: JSON int, integral float, or decimal string.

    OTLP/JSON encodes int64 as a string (``"intValue": "123"``), hence strings.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise MalformedRecord(f"{field}: expected an integer, got a boolean")
    number: int
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise MalformedRecord(f"{field}: expected an integer, got {value!r}")
        number = int(value)
    elif isinstance(value, str):
        stripped = value.strip()
        if not stripped.isdigit() or len(stripped) > 18:
            raise MalformedRecord(f"{field}: expected an integer, got {_short(value, 30)!r}")
        number = int(stripped)
    else:
        raise MalformedRecord(f"{field}: expected an integer, got {_describe(value)}")
    if number < 0:
        raise MalformedRecord(f"{field}: negative value {number}")
    if number > maximum:
        raise MalformedRecord(f"{field}: implausibly large value {number}")
    return number


def opt_float(value: object, field: str, *, maximum: float) -> float | None:
    """A finite, non-negative number no larger than ``maximum``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise MalformedRecord(f"{field}: expected a number, got a boolean")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise MalformedRecord(
                f"{field}: expected a number, got {_short(value, 30)!r}") from None
    else:
        raise MalformedRecord(f"{field}: expected a number, got {_describe(value)}")
    if not math.isfinite(number):
        raise MalformedRecord(f"{field}: non-finite value")
    if number < 0:
        raise MalformedRecord(f"{field}: negative value {number}")
    if number > maximum:
        raise MalformedRecord(f"{field}: implausibly large value {number}")
    return number


def opt_cost(value: object, field: str = "cost") -> float | None:
    """A cost in USD as a source reported it."""
    return opt_float(value, field, maximum=MAX_COST_USD)


def opt_str(value: object, field: str, *, limit: int = MAX_ID_LENGTH) -> str | None:
    """A short string (ids, model names); numbers are accepted and stringified."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise MalformedRecord(f"{field}: expected a string, got a boolean")
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise MalformedRecord(f"{field}: expected a string, got {_describe(value)}")
    if len(value) > limit:
        raise MalformedRecord(f"{field}: string longer than {limit} characters")
    if value.isprintable():
        return value or None
    # Ids end up in reports; control characters have no business in them.
    cleaned = "".join(ch for ch in value if ch.isprintable())
    return cleaned or None


def opt_bool(value: object, field: str) -> bool | None:
    """A boolean, also from the strings "true"/"false" that CSV exports produce."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", ""):
        lowered = value.strip().lower()
        return None if not lowered else lowered == "true"
    raise MalformedRecord(f"{field}: expected a boolean, got {_describe(value)}")


def opt_map(value: object, field: str) -> Mapping[str, Any] | None:
    """An object (or null)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise MalformedRecord(f"{field}: expected an object, got {_describe(value)}")
    return value


def opt_list(value: object, field: str) -> Sequence[Any] | None:
    """An array (or null)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise MalformedRecord(f"{field}: expected an array, got {_describe(value)}")
    return value


def opt_time(value: object, field: str) -> datetime | None:
    """A timestamp: ISO 8601 text or a Unix epoch number (s, ms, µs or ns).

    The epoch unit is inferred from magnitude; every result is timezone-aware UTC
    (naive ISO text is taken as UTC, as LangSmith and LiteLLM write it).
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MalformedRecord(f"{field}: expected a timestamp, got a boolean")
    if isinstance(value, int | float):
        return _from_epoch(float(value), field)
    if isinstance(value, str):
        text = value.strip()
        if text.replace(".", "", 1).isdigit():
            return _from_epoch(float(text), field)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            raise MalformedRecord(
                f"{field}: expected a timestamp, got {_short(text, 40)!r}") from None
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    raise MalformedRecord(f"{field}: expected a timestamp, got {_describe(value)}")


def _from_epoch(number: float, field: str) -> datetime:
    if not math.isfinite(number) or number < 0:
        raise MalformedRecord(f"{field}: invalid epoch timestamp")
    for divisor in (1.0, 1e3, 1e6, 1e9):
        seconds = number / divisor
        if seconds < 1e11:  # before the year 5138: seconds; otherwise a finer unit
            break
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedRecord(f"{field}: timestamp out of range") from None


def duration_between(start: datetime | None, end: datetime | None, field: str) -> float | None:
    """Milliseconds from start to end, or None when either is missing."""
    if start is None or end is None:
        return None
    millis = (end - start).total_seconds() * 1000.0
    if millis < 0:
        raise MalformedRecord(f"{field}: ends before it starts")
    if millis > MAX_DURATION_MS:
        raise MalformedRecord(f"{field}: implausibly long ({millis / 3_600_000:.0f} h)")
    return millis


def dig(obj: object, *path: str) -> Any:
    """``obj[p0][p1]...`` or None when any step is missing or not an object."""
    current: Any = obj
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def sum_present(*values: int | None) -> int | None:
    """The sum of the values that are present, None when none are."""
    present = [v for v in values if v is not None]
    return sum(present) if present else None
