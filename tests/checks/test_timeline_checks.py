from __future__ import annotations

from pathlib import Path

from readiness.checks.timeline import pilot_success_criteria, timeline_realism

from readiness.config import load_config
from readiness.model import Credit, Finding, Status
from readiness.project import Project
from tests.conftest import MakeProject

REPORT = """\
# Invoice extraction pilot

## Success criteria
- 95% field accuracy on 50 invoices

## Results
- 96% on 50 invoices, 4 minutes saved per invoice
"""


def run(check: object, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))  # type: ignore[attr-defined,no-any-return]


def test_pilot_report_configured_passes_with_both_lines(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": "version: 1\ntimeline: {pilot_result: docs/pilot.md}\n",
                         "docs/pilot.md": REPORT})
    finding = run(pilot_success_criteria, root)
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert [str(e) for e in finding.evidence] == ["docs/pilot.md:3", "docs/pilot.md:6"]


def test_pilot_report_found_without_config(make_project: MakeProject) -> None:
    root = make_project({"docs/pilot-report.md": REPORT, "README.md": "# App\n"})
    finding = run(pilot_success_criteria, root)
    assert finding.status is Status.PASS
    assert [str(e) for e in finding.evidence] == ["docs/pilot-report.md:3",
                                                  "docs/pilot-report.md:6"]


def test_configured_report_missing_fires(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": "version: 1\ntimeline:\n  pilot_result: docs/p.md\n"})
    finding = run(pilot_success_criteria, root)
    assert finding.status is Status.FAIL
    assert finding.message == "docs/p.md (set in readiness.yaml) does not exist"
    assert [str(e) for e in finding.evidence] == ["readiness.yaml:3"]


def test_criteria_without_result_warns(make_project: MakeProject) -> None:
    root = make_project({"docs/pilot.md": "# Pilot\n\n## Success criteria\n- 95% accuracy\n"})
    finding = run(pilot_success_criteria, root)
    assert finding.status is Status.WARN
    assert [str(e) for e in finding.evidence] == ["docs/pilot.md:3"]


def test_no_pilot_document_fires(make_project: MakeProject) -> None:
    root = make_project({"README.md": "# App\n\n## Results\nGreat.\n", "app.py": "x = 1\n"})
    finding = run(pilot_success_criteria, root)
    assert finding.status is Status.FAIL
    assert finding.message == "no document states the pilot's success criteria and result"


def test_document_that_only_mentions_results_does_not_pass(make_project: MakeProject) -> None:
    root = make_project({"docs/pilot-notes.md": "# Pilot notes\n\n## Results\nIt went well.\n"})
    assert run(pilot_success_criteria, root).status is Status.FAIL


def timeline(make_project: MakeProject, body: str) -> Finding:
    return run(timeline_realism, make_project({"readiness.yaml": "version: 1\ntimeline:\n" + body}))


def test_realistic_plan_passes(make_project: MakeProject) -> None:
    finding = timeline(make_project, "  pilot_start: 2026-09-01\n  soft_launch: 2026-11-24\n"
                                     "  full_launch: 2026-12-15\n")
    assert finding.status is Status.PASS
    assert finding.message == "plan leaves enough time: soft launch week 13, full launch week 16"
    assert [str(e) for e in finding.evidence] == ["readiness.yaml:4", "readiness.yaml:5"]


def test_compressed_plan_fires_with_the_dates(make_project: MakeProject) -> None:
    finding = timeline(make_project, "  pilot_start: 2026-09-01\n  soft_launch: 2026-10-06\n"
                                     "  full_launch: 2026-10-20\n")
    assert finding.status is Status.FAIL
    assert finding.message == ("soft launch 2026-10-06 is in week 6; the timeline needs week 13 "
                               "or later; full launch 2026-10-20 is in week 8; the timeline needs "
                               "week 16 or later; only 2 weeks of soft launch before full launch; "
                               "3 are needed")
    assert [str(e) for e in finding.evidence] == ["readiness.yaml:4", "readiness.yaml:5"]


def test_too_short_soft_launch_fires(make_project: MakeProject) -> None:
    finding = timeline(make_project, "  pilot_start: 2026-09-01\n  soft_launch: 2026-12-01\n"
                                     "  full_launch: 2026-12-15\n")
    assert finding.status is Status.FAIL
    assert finding.message == "only 2 weeks of soft launch before full launch; 3 are needed"


def test_no_dates_warns_as_a_claim(make_project: MakeProject) -> None:
    finding = timeline(make_project, "  pilot_start: 2026-09-01\n")
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    none = run(timeline_realism, make_project({}))
    assert none.status is Status.WARN
    assert none.message == "timeline.pilot_start is not set: the plan cannot be judged"
