from __future__ import annotations

from readiness.config import load_config
from readiness.evidence import from_config
from readiness.model import Credit, Status
from readiness.project import Project
from tests.conftest import MakeProject

CONFIG = """\
version: 1
evidence:
  alerting: {url: "https://grafana.example.com/d/llm", owner: sre-oncall}
  monitoring: https://grafana.example.com/d/other
  incentives: docs/incentives.md
  user-involvement: docs/missing-notes.md
  dead-letter-queue: "Failed batches are re-run by hand"
"""


def judge(make_project: MakeProject, name: str):  # type: ignore[no-untyped-def]
    root = make_project({"readiness.yaml": CONFIG, "docs/incentives.md": "# Review\n"})
    return from_config(Project(root), load_config(root), name)


def test_path_that_exists_is_documented(make_project: MakeProject) -> None:
    finding = judge(make_project, "incentives")
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert [str(e) for e in finding.evidence] == ["docs/incentives.md", "readiness.yaml:5"]


def test_missing_path_fails_at_the_config_line(make_project: MakeProject) -> None:
    finding = judge(make_project, "user-involvement")
    assert finding.status is Status.FAIL
    assert finding.message == "evidence path docs/missing-notes.md in readiness.yaml does not exist"
    assert [str(e) for e in finding.evidence] == ["readiness.yaml:6"]


def test_url_needs_an_owner(make_project: MakeProject) -> None:
    owned = judge(make_project, "alerting")
    assert (owned.status, owned.credit) == (Status.PASS, Credit.DOCUMENTED)
    bare = judge(make_project, "monitoring")
    assert (bare.status, bare.credit) == (Status.WARN, Credit.CLAIMED)


def test_statement_is_a_claim_not_a_pass(make_project: MakeProject) -> None:
    finding = judge(make_project, "dead-letter-queue")
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == ("claimed in readiness.yaml, without evidence: Failed batches are "
                               "re-run by hand")
    assert judge(make_project, "rate-limiting") is None
