"""The text of `readiness check --staged`: one line per new problem, ``path:line`` first, so
a pre-commit log or an editor can jump to it."""

from __future__ import annotations

from readiness.report.escape import visible
from readiness.staged import StagedReport


def render(report: StagedReport, *, compact: bool = False) -> str:
    """Pass: one line. Fail: a count, then ``path:line: message [checks]`` per finding (with
    how to fix each check unless ``compact``), then what to do about one that is accepted."""
    files = f"{report.files} staged file{'s' if report.files != 1 else ''}"
    lines: list[str] = []
    if not report.findings:
        lines.append(f"readiness --staged: no new problems in {files} "
                     "(the repository-wide verdict: `readiness check`)")
    else:
        count = len(report.findings)
        lines.append(f"readiness --staged: {count} new problem{'s' if count != 1 else ''} "
                     f"in {files}:")
        for item in report.findings:
            lines.append(f"{visible(item.path)}:{item.line}: {visible(item.message)} "
                         f"[{', '.join(item.checks)}]")
        if not compact:
            lines.append("How to fix:")
            shown = sorted({c for item in report.findings for c in item.checks})
            lines += [f"  {name}: {report.remediation.get(name, '')}" for name in shown]
        lines.append("An accepted line: mark it `# readiness: ignore[CHECK] reason`. "
                     "The repository-wide verdict: `readiness check`.")
    lines += [f"note: {visible(note)}" for note in report.notes]
    return "\n".join(lines) + "\n"
