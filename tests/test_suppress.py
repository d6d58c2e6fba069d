from __future__ import annotations

import datetime

from readiness.model import Evidence, Finding, Gap, Severity, Status, check, failed
from readiness.project import Project
from readiness.scan import ScanOptions, scan
from readiness.suppress import apply, find
from tests.conftest import MakeProject

APP = """\
import os
KEY = "sk-live-1"  # readiness: ignore[demo-keys] test fixture key, revoked
TOKEN = "sk-live-2"
# readiness: ignore[demo-keys]
OTHER = "sk-live-3"
# readiness: ignore[no-such-check] typo
"""


@check(code="DEM001", gap=Gap.INFRASTRUCTURE, title="No demo keys?", remediation="Remove them.",
       due_week=3, severity=Severity.BLOCKER)
def demo_keys(project: Project, config: object) -> Finding:
    """Reports every line holding a fake key."""
    hits = [Evidence(rel, n) for rel in project.files for n, line in
            enumerate(project.lines(rel), 1) if "sk-live" in line]
    return failed(f"{len(hits)} keys", *hits) if hits else Finding(Status.PASS, "none")


def test_find_and_apply(make_project: MakeProject) -> None:
    project = Project(make_project({"app.py": APP}))
    found = find(project)
    assert [(s.line, s.checks, s.reason) for s in found] == [
        (2, ("demo-keys",), "test fixture key, revoked"), (4, ("demo-keys",), ""),
        (6, ("no-such-check",), "typo")]
    finding = demo_keys.run(project, None)  # type: ignore[arg-type]
    applied = apply(finding, "demo-keys", found)
    assert [str(e) for e in applied.evidence] == ["app.py:3", "app.py:5"]
    assert applied.message == "3 keys (1 suppressed inline)"


def test_scan_reports_bad_suppressions_and_waives_fully_suppressed(make_project: MakeProject
                                                                    ) -> None:
    root = make_project({"app.py": APP})
    card = scan(ScanOptions(root=root, date=datetime.date(2026, 11, 24), only=("demo-keys",),
                            extra_checks=(demo_keys,)))
    (result,) = card.results
    assert result.status is Status.FAIL
    assert "app.py:4: suppression of demo-keys has no reason; it is ignored (write the reason " \
           "after the brackets)" in card.notes
    assert "app.py:6: suppression names unknown check 'no-such-check'; it is ignored" in card.notes
    fixed = make_project({"app.py": 'KEY = "sk-live-1"  # readiness: ignore[demo-keys] revoked\n'})
    card = scan(ScanOptions(root=fixed, date=datetime.date(2026, 11, 24), only=("demo-keys",),
                            extra_checks=(demo_keys,)))
    (result,) = card.results
    assert (result.status, result.observed) == (Status.WAIVED, Status.FAIL)
    assert result.message == "suppressed inline: revoked (was: 1 keys)"


def test_translation_files_are_read_for_suppressions_only_where_a_finding_points(
        make_project: MakeProject) -> None:
    locale = ('greeting: "Hallo"\n'
              'api_key: "sk-live-9"  # readiness: ignore[demo-keys] a revoked key in a sample\n'
              '# readiness: ignore[no-such-check] nothing points here\n')
    quiet = make_project({"locales/de.yml": locale.replace("sk-live-9", "none")})
    card = scan(ScanOptions(root=quiet, date=datetime.date(2026, 11, 24), only=("demo-keys",),
                            extra_checks=(demo_keys,)))
    assert not [n for n in card.notes if "suppression" in n]  # not read: nothing cites it
    cited = make_project({"locales/de.yml": locale, "config.yml": "# readiness: ignore[x]\n"})
    card = scan(ScanOptions(root=cited, date=datetime.date(2026, 11, 24), only=("demo-keys",),
                            extra_checks=(demo_keys,)))
    (result,) = card.results
    assert (result.status, result.observed) == (Status.WAIVED, Status.FAIL)  # read: cited
    assert "locales/de.yml:3: suppression names unknown check 'no-such-check'; it is ignored" \
        in card.notes
    assert "config.yml:1: suppression names unknown check 'x'; it is ignored" in card.notes
    project = Project(cited)
    assert [s.path for s in find(project)] == ["config.yml"]
    assert [s.path for s in find(project, {"locales/de.yml"})] == ["config.yml",
                                                                   "locales/de.yml",
                                                                   "locales/de.yml"]
