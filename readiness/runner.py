"""Run the selected checks, each isolated: a raise or a timeout becomes an error result."""

from __future__ import annotations

import collections
import contextlib
import functools
import queue
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
               timeout: float, progress: Callable[[Check], None] | None = None,
               lanes: int = 1) -> list[Ran]:
    """Run ``checks``, each in its own thread bounded by ``timeout``, at most ``lanes`` at
    a time; results come back in the order of ``checks``.

    A second lane pays when one check waits on worker processes (the call-site index on a
    cold scan) while another scans text: the GIL is free while a thread waits. The first
    lane takes checks from the front of the list and the others from the back, so that
    neighbours, which tend to share an analysis (the four call-site checks), do not wait on
    each other. Checks only read the project, and shared analyses are computed once under
    a lock per analysis. The time a check waits for a shared analysis that another check is
    computing (``Project.waited``) is not counted against its ``timeout``, up to as long
    again: it bounds the check's own work, and a hang still ends.
    """
    _prepare(checks, project, config)
    finished: queue.SimpleQueue[int] = queue.SimpleQueue()
    outcomes: dict[int, Ran] = {}
    running: dict[int, _Running] = {}
    lane_of: dict[int, int] = {}
    pending = collections.deque(enumerate(checks))
    while pending or running:
        busy = set(lane_of[i] for i in running)
        for lane in range(max(1, lanes)):
            if not pending:
                break
            if lane in busy:
                continue
            index, item = pending.popleft() if lane == 0 else pending.pop()
            if progress:
                progress(item)
            lane_of[index] = lane
            running[index] = _start(item, project, config, functools.partial(finished.put, index))
        deadline = min(_end(r, project, timeout) for r in running.values())
        try:
            index = finished.get(timeout=max(0.0, deadline - time.perf_counter()))
        except queue.Empty:
            now = time.perf_counter()
            for index in [i for i, r in running.items() if _end(r, project, timeout) <= now]:
                late = running.pop(index)
                outcomes[index] = Ran(late.check, None, f"timed out after {timeout:g} s",
                                      now - late.started)
            continue
        if index in running:
            outcomes[index] = running.pop(index).result()
    return [outcomes[i] for i in range(len(checks))]


def _prepare(checks: Sequence[Check], project: Project, config: Config) -> None:
    """Call the checks' ``prepare`` hooks (they start the per-file scans the checks will
    ask for, for the worker processes' idle moments), one after another in a thread of
    their own, started before the first check and not waited for: working out what to
    send can wait on the workers itself (the feedback searches' files are the sources,
    which leave out readiness's own reports), and the checks need not. A hook that fails
    or hangs only starts nothing early: its check runs as usual and reports its own
    problems, and a scan its hook sent late or not at all is made when the check asks."""
    hooks = [item.prepare for item in checks if item.prepare is not None]
    if not hooks:
        return

    def target() -> None:
        for hook in hooks:
            with contextlib.suppress(Exception):
                hook(project, config)

    threading.Thread(target=target, name="prepare-checks", daemon=True).start()


def _end(running: _Running, project: Project, timeout: float) -> float:
    """When the check times out, as its waits for shared analyses stand now."""
    waited = project.waited(running.thread) if running.thread is not None else 0.0
    return running.started + timeout + min(waited, timeout)


class _Running:
    """A check running in its daemon thread, and what it gave."""

    def __init__(self, check: Check, started: float) -> None:
        self.check = check
        self.started = started
        self.thread: threading.Thread | None = None  # once started
        self.box: list[Finding | BaseException] = []

    def result(self) -> Ran:
        seconds = time.perf_counter() - self.started
        outcome = self.box[0] if self.box else RuntimeError("the check returned nothing")
        if isinstance(outcome, BaseException):
            return Ran(self.check, None, one_line(f"{type(outcome).__name__}: {outcome}", 300),
                       seconds)
        if not isinstance(outcome, Finding):
            return Ran(self.check, None, f"returned {type(outcome).__name__}, not a Finding",
                       seconds)
        return Ran(self.check, outcome, None, seconds)


def _start(check: Check, project: Project, config: Config, done: Callable[[], None]
           ) -> _Running:
    running = _Running(check, time.perf_counter())

    def target() -> None:
        try:
            running.box.append(check.run(project, config))
        except BaseException as exc:  # noqa: BLE001 - isolating plugin failures is the point
            running.box.append(exc)
        finally:
            done()

    running.thread = threading.Thread(target=target, name=f"check-{check.name}", daemon=True)
    running.thread.start()
    return running
