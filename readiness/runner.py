"""Run the selected checks, each isolated: a raise or a timeout becomes an error result."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from readiness.errors import one_line
from readiness.model import Check, Finding

if TYPE_CHECKING:
    from readiness.config import Config
    from readiness.project import Project


class Ran(NamedTuple):
    """One check's run: its finding, or why it could not give one."""

    check: Check
    finding: Finding | None
    error: str | None
    seconds: float


def select(checks: Sequence[Check], only: Sequence[str] = (), skip: Sequence[str] = (),
           disabled: frozenset[str] = frozenset()) -> list[Check]:
    """Checks to run: ``only`` (names or codes) if given, minus ``skip`` and disabled ones."""
    def named(check: Check, idents: Sequence[str]) -> bool:
        return check.name in idents or check.code in {i.upper() for i in idents}

    chosen = [c for c in checks if not only or named(c, only)]
    return [c for c in chosen if not named(c, skip) and c.name not in disabled]


def run_checks(checks: Sequence[Check], project: Project, config: Config, *,
               timeout: float, progress: Callable[[Check], None] | None = None) -> list[Ran]:
    """Run ``checks`` one after another, each in its own thread bounded by ``timeout``."""
    outcomes = []
    for item in checks:
        if progress:
            progress(item)
        outcomes.append(run_one(item, project, config, timeout))
    return outcomes


def run_one(check: Check, project: Project, config: Config, timeout: float) -> Ran:
    """Run one check in a daemon thread so that a runaway check cannot hold the run hostage."""
    box: list[Finding | BaseException] = []

    def target() -> None:
        try:
            box.append(check.run(project, config))
        except BaseException as exc:  # noqa: BLE001 - isolating plugin failures is the point
            box.append(exc)

    started = time.perf_counter()
    worker = threading.Thread(target=target, name=f"check-{check.name}", daemon=True)
    worker.start()
    worker.join(timeout)
    seconds = time.perf_counter() - started
    if worker.is_alive():
        return Ran(check, None, f"timed out after {timeout:g} s", seconds)
    outcome = box[0] if box else RuntimeError("the check returned nothing")
    if isinstance(outcome, BaseException):
        return Ran(check, None, one_line(f"{type(outcome).__name__}: {outcome}", 300), seconds)
    if not isinstance(outcome, Finding):
        return Ran(check, None, f"returned {type(outcome).__name__}, not a Finding", seconds)
    return Ran(check, outcome, None, seconds)
