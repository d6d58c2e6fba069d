"""`readiness check --staged`: judge only what the staged change introduces.

A pre-commit hook that fails every commit of a project with open blockers gets uninstalled.
This judges the commit about to be made, not the repository: on the lines the index adds
against HEAD, read from the staged content (not the work tree's),

- a new production model call without a timeout, retries or error handling (the call-site
  index of ``readiness.llmcalls``, judged as the per-call checks judge it);
- a new committed key (the shapes of the ``hardcoded-secrets`` check);
- a prompt or model-setting change with no eval results staged beside it, when the project
  keeps eval results (``eval-freshness``: evals must be re-run after such a change).

The repository-wide verdict stays with ``readiness check`` (CI, the launch review).
Disabled checks, waived ones and lines marked ``# readiness: ignore[check] reason`` are not
reported.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from readiness.config import Config, load_config
from readiness.errors import ReadinessError
from readiness.git.log import Hunk
from readiness.git.run import GitUnavailable
from readiness.git.staged import StagedChange, open_git, staged_change, write_index
from readiness.llmcalls import CallSite, Protection, build_index
from readiness.project import Project

TIMEOUTS, RETRIES, ERRORS = "llm-timeouts", "llm-retries", "llm-error-handling"
SECRETS, FRESHNESS = "hardcoded-secrets", "eval-freshness"
JUDGED = (TIMEOUTS, RETRIES, ERRORS, SECRETS, FRESHNESS)
_PER_CALL: tuple[tuple[str, str, Callable[[CallSite], Protection | None]], ...] = (
    (TIMEOUTS, "no timeout", lambda c: c.timeout),
    (RETRIES, "no retries", lambda c: c.retry),
    (ERRORS, "no error handling", lambda c: c.error_handling),
)


class NewFinding(NamedTuple):
    """One problem the staged change introduces, at a line it adds."""

    path: str  # relative to the work tree top
    line: int
    checks: tuple[str, ...]
    message: str


class StagedReport(NamedTuple):
    top: Path
    files: int  # staged files added or modified
    findings: tuple[NewFinding, ...]
    notes: tuple[str, ...]
    remediation: Mapping[str, str]  # check name -> how to fix


def judge(start: Path, *, config_path: Path | None = None, policy_path: Path | None = None,
          overrides: Mapping[str, Any] | None = None, cache_dir: Path | None = None,
          jobs: int | None = None, only: tuple[str, ...] = (), skip: tuple[str, ...] = (),
          today: datetime.date | None = None) -> StagedReport:
    """The problems the staged change of the work tree around ``start`` introduces."""
    try:
        git, top = open_git(start)
        change = staged_change(git, top)
    except GitUnavailable as exc:
        raise ReadinessError(f"--staged needs a git work tree: {exc}") from None
    config = load_config(top, config_path=config_path, policy_path=policy_path,
                         overrides=overrides or None)
    active, off = _active(config, only, skip, today or datetime.date.today())
    notes = [f"not judged (disabled or waived in readiness.yaml): {', '.join(off)}"] if off else []
    found: list[NewFinding] = []
    if change.added and active:
        with _index_copy(cache_dir, top) as folder:
            try:
                write_index(git, folder)
            except GitUnavailable as exc:
                raise ReadinessError(f"--staged: cannot read the staged files: {exc}") from None
            project = Project(folder, exclude=config.get("exclude", []), use_git=False,
                              cache_dir=cache_dir, jobs=jobs)
            try:
                found = _findings(project, config, change, active)
                project.save_facts()
            finally:
                project.close()
    return StagedReport(top, len(change.added), tuple(sorted(found)), tuple(notes),
                        _remedies())


def _active(config: Config, only: tuple[str, ...], skip: tuple[str, ...],
            today: datetime.date) -> tuple[frozenset[str], tuple[str, ...]]:
    """The checks to judge, and those readiness.yaml turns off (disabled, waived)."""
    from readiness.registry import builtin_checks

    codes = {c.code: c.name for c in builtin_checks()}
    named = {codes.get(i.upper(), i) for i in only}
    skipped = {codes.get(i.upper(), i) for i in skip}
    wanted = [n for n in JUDGED if (not only or n in named) and n not in skipped]
    off = set(config.disabled()) | {w.check for w in config.waivers() if w.expires >= today}
    return frozenset(n for n in wanted if n not in off), tuple(n for n in wanted if n in off)


def _remedies() -> dict[str, str]:
    from readiness.registry import builtin_checks

    return {c.name: c.remediation for c in builtin_checks() if c.name in JUDGED}


@contextlib.contextmanager
def _index_copy(cache_dir: Path | None, top: Path) -> Iterator[Path]:
    """An empty folder for the staged files: a fixed one per repository in the cache folder
    (so the per-file facts found last time are found again), else a temporary one."""
    if cache_dir is None:
        with tempfile.TemporaryDirectory(prefix="readiness-staged-") as temp:
            yield Path(temp)
        return
    digest = hashlib.sha256(str(top).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    folder = cache_dir / "staged" / digest
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.mkdir(parents=True)
    except OSError:
        with tempfile.TemporaryDirectory(prefix="readiness-staged-") as temp:
            yield Path(temp)
        return
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _findings(project: Project, config: Config, change: StagedChange,
              active: frozenset[str]) -> list[NewFinding]:
    from readiness import suppress

    found: list[NewFinding] = []
    if active & {TIMEOUTS, RETRIES, ERRORS}:
        found += _calls(project, change, active)
    if SECRETS in active:
        found += _secrets(project, change)
    if FRESHNESS in active:
        found += _prompts(project, config, change)
    allowed: dict[tuple[str, int], set[str]] = {}
    for s in suppress.find(project, {item.path for item in found}):
        if s.reason:
            for line in s.lines:
                allowed.setdefault((s.path, line), set()).update(s.checks)
    kept = []
    for item in found:
        left = tuple(c for c in item.checks if c not in allowed.get((item.path, item.line), ()))
        if left:
            kept.append(item._replace(checks=left) if left == item.checks else
                        item._replace(checks=left, message=_call_message(item, left)))
    return kept


def _call_message(item: NewFinding, left: tuple[str, ...]) -> str:
    """A call finding's message with only the protections still reported."""
    head, _, _ = item.message.partition(": no ")
    wanted = [what for name, what, _ in _PER_CALL if name in left]
    return f"{head}: {', '.join(wanted)}" if wanted else item.message


def _calls(project: Project, change: StagedChange, active: frozenset[str]) -> list[NewFinding]:
    index = build_index(project, jobs=project.jobs)
    found = []
    for call in index.calls:
        if not (call.production and call.purpose == "generation"
                and call.line in change.added.get(call.path, ())):
            continue
        missing = [(name, what) for name, what, pick in _PER_CALL
                   if name in active and pick(call) is None]
        if missing:
            where = f" in {call.function}()" if call.function else ""
            found.append(NewFinding(
                call.path, call.line, tuple(name for name, _ in missing),
                f"new {call.provider} {call.api} call{where}: "
                f"{', '.join(what for _, what in missing)}"))
    return found


def _secrets(project: Project, change: StagedChange) -> list[NewFinding]:
    from readiness.checks.infrastructure.secrets import find_secrets

    return [NewFinding(s.path, s.line, (SECRETS,), f"{s.kind} ({s.shown}) committed")
            for s in find_secrets(project) if s.line in change.added.get(s.path, ())]


def _prompts(project: Project, config: Config, change: StagedChange) -> list[NewFinding]:
    """Prompt or model-setting lines changed with no eval result file staged, when the
    project keeps eval results (so eval-freshness will want them re-run)."""
    from readiness.prompts.files import candidates, eval_files
    from readiness.prompts.lines import PROMPTS, line_kinds, overlaps, regions

    evals = eval_files(project, config)
    if not evals or any(rel in change.added for rel in evals):
        return []
    found = []
    roles = candidates(project, config)
    for rel, lines in sorted(change.added.items()):
        role = roles.get(rel)
        if role is None or not lines:
            continue
        text = project.text(rel)
        if text is None:
            continue
        hunks = _hunks(text, lines)
        # the first added line that shows a prompt or a model setting (else the first one
        # inside a prompt region of the staged file): where the reviewer should look
        added = [(h.start + i, body) for h in hunks for i, body in enumerate(h.lines)]
        hit: tuple[int, set[str]] | None = None
        if role.kind == "prompt":
            shown = [n for n, body in added if body.strip()] or [added[0][0]]
            hit = (shown[0], {PROMPTS})
        else:
            hit = next(((n, kinds) for n, body in added
                        if (kinds := line_kinds([body], role))), None)
            if hit is None:
                spans = regions(text, role, hunks)
                hit = next(((n, kinds) for n, _ in added
                            if (kinds := {k for first, last, k in spans
                                          if overlaps(Hunk(n, 1, ()), (first, last, k))})),
                           None)
        if hit is not None:
            label = " and ".join(sorted(hit[1], reverse=True))
            found.append(NewFinding(rel, hit[0], (FRESHNESS,),
                                    f"{label} changed, but no eval results are staged with it "
                                    f"(the project's evals: {evals[0]}"
                                    f"{f' and {len(evals) - 1} more' if len(evals) > 1 else ''})"))
    return found


def _hunks(text: str, lines: frozenset[int]) -> list[Hunk]:
    """The added lines of one file as hunks of consecutive lines, with their text."""
    rows = text.split("\n")
    hunks: list[Hunk] = []
    for number in sorted(lines):
        body = rows[number - 1] if number <= len(rows) else ""
        last = hunks[-1] if hunks else None
        if last is not None and last.start + last.size == number:
            hunks[-1] = Hunk(last.start, last.size + 1, (*last.lines, body))
        else:
            hunks.append(Hunk(number, 1, (body,)))
    return hunks
