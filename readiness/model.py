"""The records that flow through a run: check definitions, findings, results, scorecards.

Everything here is standard library only, so that plugin authors and the CLI can import it
without paying for rich, jsonschema or git.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from readiness.config import Config
    from readiness.project import Project


class Gap(enum.Enum):
    """The area of launch readiness a check belongs to."""

    TIMELINE = "timeline"
    INFRASTRUCTURE = "infrastructure"
    QUALITY = "quality"
    ADOPTION = "adoption"


SCORED_GAPS = (Gap.INFRASTRUCTURE, Gap.QUALITY, Gap.ADOPTION)


class Severity(enum.Enum):
    """How much a failing check weighs: a blocker stops a launch."""

    BLOCKER = "blocker"
    MAJOR = "major"
    MINOR = "minor"

    @property
    def weight(self) -> int:
        return {"blocker": 3, "major": 2, "minor": 1}[self.value]


class Status(enum.Enum):
    """The status of one check in a scorecard.

    Checks return only PASS, FAIL, WARN and NOT_APPLICABLE; the runner adds ERROR and
    scoring adds UPCOMING and WAIVED.
    """

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    NOT_APPLICABLE = "not-applicable"
    UPCOMING = "upcoming"
    WAIVED = "waived"
    ERROR = "error"


CHECK_STATUSES = frozenset({Status.PASS, Status.FAIL, Status.WARN, Status.NOT_APPLICABLE})


class Credit(enum.Enum):
    """How strong the evidence behind a passing check is (the ML Test Score rule)."""

    ENFORCED = "enforced"  # code, a CI job, an alert rule: full credit
    DOCUMENTED = "documented"  # a committed document or a config entry pointing at one: half
    CLAIMED = "claimed"  # a bare statement in config: none

    @property
    def value_fraction(self) -> float:
        return {"enforced": 1.0, "documented": 0.5, "claimed": 0.0}[self.value]


class Verdict(enum.Enum):
    GO = "GO"
    CONDITIONAL_GO = "CONDITIONAL_GO"
    NO_GO = "NO_GO"
    NOTHING_DUE = "NOTHING_DUE"  # week 1 or before the pilot: no check is due yet


class Evidence(NamedTuple):
    """Where a finding comes from: a path relative to the scanned root, and a line if known."""

    path: str
    line: int | None = None
    note: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Finding:
    """What a check returns: its status, a one-line message, evidence and strength."""

    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()
    credit: Credit = Credit.ENFORCED
    details: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.status not in CHECK_STATUSES:
            raise ValueError(f"a check may not return status {self.status.value!r}")


def passed(message: str, *evidence: Evidence, credit: Credit = Credit.ENFORCED) -> Finding:
    return Finding(Status.PASS, message, tuple(evidence), credit)


def failed(message: str, *evidence: Evidence) -> Finding:
    return Finding(Status.FAIL, message, tuple(evidence))


def warned(message: str, *evidence: Evidence, credit: Credit = Credit.DOCUMENTED) -> Finding:
    return Finding(Status.WARN, message, tuple(evidence), credit)


def not_applicable(why: str) -> Finding:
    return Finding(Status.NOT_APPLICABLE, why)


CheckFunction = Callable[["Project", "Config"], Finding]

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]*[0-9]{3}$")
DOC_HEADINGS = ("What it checks", "Why it matters", "How to fix")


@dataclass(frozen=True)
class Check:
    """A check's metadata and the function that runs it.

    ``due_week`` and ``severity`` are the check's own defaults; for built-in checks they
    come from the base profile instead, and every layer of config may override them.
    """

    code: str
    name: str
    gap: Gap
    title: str
    remediation: str
    function: CheckFunction
    due_week: int | None = None
    severity: Severity | None = None
    rationale: str = ""
    source: str = "built-in"
    # Called before any check runs, to start the per-file scans the check will ask for
    # (``Project.facts_later``); it decides nothing and returns nothing.
    prepare: Callable[[Project, Config], None] | None = None

    def __post_init__(self) -> None:
        problems = []
        if not _CODE.match(self.code):
            problems.append(f"code {self.code!r} must look like ABC001")
        if not _NAME.match(self.name):
            problems.append(f"name {self.name!r} must be kebab-case")
        if not self.title.strip():
            problems.append("title is empty")
        if not self.remediation.strip():
            problems.append("remediation is empty")
        if self.due_week is not None and not 1 <= self.due_week <= 52:
            problems.append(f"due week {self.due_week} is outside 1..52")
        if problems:
            raise ValueError(f"check {self.name!r}: " + "; ".join(problems))

    def run(self, project: Project, config: Config) -> Finding:
        return self.function(project, config)


def check(
    *,
    code: str,
    gap: Gap,
    title: str,
    remediation: str,
    name: str | None = None,
    due_week: int | None = None,
    severity: Severity | None = None,
    prepare: Callable[[Project, Config], None] | None = None,
) -> Callable[[CheckFunction], Check]:
    """Declare a check: the decorated function becomes a validated :class:`Check` record.

    The name defaults to the kebab-case of the function name; the docstring is the
    rationale shown by ``readiness explain``. Nothing is registered anywhere: the module
    lists its checks in a ``CHECKS`` tuple.
    """

    def wrap(function: CheckFunction) -> Check:
        return Check(
            code=code,
            name=name or function.__name__.replace("_", "-"),
            gap=gap,
            title=title,
            remediation=remediation,
            function=function,
            due_week=due_week,
            severity=severity,
            rationale=_dedent(function.__doc__ or ""),
            prepare=prepare,
        )

    return wrap


def _dedent(text: str) -> str:
    import inspect

    return inspect.cleandoc(text)


@dataclass(frozen=True)
class Waiver:
    check: str
    reason: str
    owner: str
    expires: datetime.date


@dataclass(frozen=True)
class Result:
    """One check's outcome in a scorecard, after the runner and scoring have had their say."""

    code: str
    name: str
    gap: Gap
    severity: Severity
    due_week: int
    title: str
    status: Status
    message: str
    remediation: str
    evidence: tuple[Evidence, ...] = ()
    credit: Credit | None = None
    observed: Status | None = None  # the check's own status when scoring replaced it
    due: bool = True  # due by the horizon the verdict judges
    overdue_weeks: int = 0
    waiver: Waiver | None = None
    owner: str | None = None
    details: tuple[tuple[str, Any], ...] = ()
    in_baseline: bool = False  # already failing in the --baseline scorecard: not counted

    @property
    def effective(self) -> Status:
        """The status the check itself observed (before upcoming/waived relabelling)."""
        return self.observed or self.status


@dataclass(frozen=True)
class Timeline:
    pilot_start: datetime.date | None
    date: datetime.date
    week: int | None
    phase: str | None
    total_weeks: int
    soft_launch: datetime.date | None = None  # the planned dates, from timeline.*
    full_launch: datetime.date | None = None


@dataclass(frozen=True)
class GateView:
    name: str
    week: int
    assessment: str  # "launch": can we launch now; "on-track": is what is due by now done
    horizon: int  # checks due by this week are judged

    @property
    def label(self) -> str:
        """The gate as people say it: "soft launch"."""
        return self.name.replace("-", " ")

    @property
    def question(self) -> str:
        """What the verdict answers: launching now, or being on track for the gate."""
        return f"on track for {self.label}" if self.assessment == "on-track" else \
            f"for {self.label}"


@dataclass(frozen=True)
class Scorecard:
    tool_version: str
    project_name: str
    root: str
    commit: str | None
    dirty: bool | None
    timeline: Timeline
    gate: GateView
    verdict: Verdict
    reasons: tuple[str, ...]
    scores: dict[str, int | None]
    results: tuple[Result, ...]
    next_actions: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    settings: tuple[tuple[str, Any, str], ...] = ()
    extras: dict[str, Any] = field(default_factory=dict)

    def results_by_gap(self, gap: Gap) -> Sequence[Result]:
        return [r for r in self.results if r.gap is gap]
