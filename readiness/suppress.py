"""Inline suppressions: ``# readiness: ignore[check-name] reason`` on the line of a finding.

A suppression covers evidence on its own line; written as a comment on a line of its own,
it covers the line below instead (a comment above a long call). It needs a reason; one
without, or naming an unknown check, suppresses nothing and is reported. Suppressions are
found once per run by a plain text scan.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from readiness.model import Evidence, Finding, Status
from readiness.project.sourcetext import split_lines

if TYPE_CHECKING:
    from readiness.project import Project

MARKER = "readiness: ignore["
_PATTERN = re.compile(r"readiness:\s*ignore\[([^\]]*)\]\s*(.*)")


class Suppression(NamedTuple):
    path: str
    line: int
    checks: tuple[str, ...]
    reason: str
    standalone: bool  # a comment on a line of its own also covers the line below

    @property
    def lines(self) -> tuple[int, ...]:
        return (self.line, self.line + 1) if self.standalone else (self.line,)


def find(project: Project, cited: Collection[str] = ()) -> list[Suppression]:
    """Every suppression comment in the scanned text files. Translation files (UI strings
    by language, ``locales/de.json``) are read only when a finding cites them (``cited``):
    a comment there can matter only on a line a finding points at, and a big product keeps
    tens of thousands of them (Home Assistant: 27,000 of its 36,000 files)."""
    translation = project.translation
    files = [rel for rel in project.files if rel in cited or not translation(rel)]
    per_file = project.facts(files, "suppress/1", _scan)
    return [Suppression(rel, *found) for rel, rows in sorted(per_file.items()) for found in rows]


def _scan(text: str) -> tuple[tuple[int, tuple[str, ...], str, bool], ...]:
    """(line, checks, reason, standalone) of each suppression in one file's text."""
    if MARKER not in text:
        return ()
    found = []
    for number, line in enumerate(split_lines(text), 1):
        match = _PATTERN.search(line)
        if match:
            names = tuple(n.strip() for n in match.group(1).split(",") if n.strip())
            reason = match.group(2).strip().rstrip("*/->#").strip()
            standalone = line.lstrip().startswith(("#", "//", "--", "<!--", "/*"))
            found.append((number, names, reason, standalone))
    return tuple(found)


def problems(suppressions: Iterable[Suppression], known: frozenset[str]) -> list[str]:
    """Suppressions that suppress nothing: no reason, or an unknown check."""
    reported = []
    for s in suppressions:
        unknown = [n for n in s.checks if n not in known]
        if not s.checks:
            reported.append(f"{s.path}:{s.line}: suppression names no check; it is ignored")
        elif unknown:
            reported.append(f"{s.path}:{s.line}: suppression names unknown check "
                            f"'{unknown[0]}'; it is ignored")
        elif not s.reason:
            reported.append(f"{s.path}:{s.line}: suppression of {', '.join(s.checks)} has no "
                            "reason; it is ignored (write the reason after the brackets)")
    return reported


def apply(finding: Finding, check: str, suppressions: Iterable[Suppression]) -> Finding:
    """Drop suppressed evidence. A failing finding whose every item is suppressed keeps its
    status but carries ``suppression_reasons``, which scoring shows as waived, not as passed."""
    if finding.status not in (Status.FAIL, Status.WARN) or not finding.evidence:
        return finding
    valid = {(s.path, line): s.reason for s in suppressions
             if check in s.checks and s.reason for line in s.lines}
    if not valid:
        return finding
    kept: list[Evidence] = []
    reasons: list[str] = []
    for item in finding.evidence:
        reason = valid.get((item.path, item.line)) if item.line else None
        if reason is None:
            kept.append(item)
        elif reason not in reasons:
            reasons.append(reason)
    if not reasons:
        return finding
    dropped = len(finding.evidence) - len(kept)
    details = (*finding.details, ("suppressed_inline", dropped))
    if kept:
        return replace(finding, evidence=tuple(kept), details=details,
                       message=f"{finding.message} ({dropped} suppressed inline)")
    return replace(finding, evidence=(), details=(*details, ("suppression_reasons", reasons)),
                   message=f"suppressed inline: {'; '.join(reasons)} (was: {finding.message})")
