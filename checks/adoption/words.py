"""How the adoption checks word their findings and point at readiness.yaml."""

from __future__ import annotations

from collections.abc import Sequence

from readiness.config import Config
from readiness.model import Evidence


def located(config: Config, *keys: str) -> list[Evidence]:
    """Evidence at the readiness.yaml line of each key the project's file sets."""
    return [e for e in (config.evidence(k) for k in keys) if e is not None]


def percent(fraction: float) -> str:
    """0.15 -> '15%', 0.125 -> '12.5%'."""
    return f"{round(fraction * 100, 1):g}%"


def band(low: float, high: float) -> str:
    """(0.10, 0.20) -> '10-20%'."""
    return f"{percent(low)[:-1]}-{percent(high)}"


def joined(items: Sequence[str], last: str = "and") -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"
