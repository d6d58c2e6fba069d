"""Which files may be evidence (readiness/project/documents.py), and Markdown by structure."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st
from readiness.checks.adoption import support_plan, user_training
from readiness.checks.infrastructure.resilience import dead_letter_queue
from readiness.checks.timeline import pilot_success_criteria

from readiness.cli import main
from readiness.config import load_config
from readiness.model import Check, Finding, Status
from readiness.project import Project, documents
from readiness.project.documents import excluded, is_placeholder, tool_output
from readiness.project.markdown import sections
from tests import fixtures_adoption as fx
from tests.conftest import MakeProject


def run(check: Check, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))


def write_report(root: Path, fmt: str, target: str) -> None:
    (root / target).parent.mkdir(parents=True, exist_ok=True)
    result = CliRunner().invoke(main, ["check", str(root), "-f", fmt, "-o", str(root / target),
                                       "--fail-on", "never", "--no-cache"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


# --- readiness's own outputs are never evidence ------------------------------------------

def test_committed_baseline_is_not_a_dead_letter_queue(make_project: MakeProject) -> None:
    root = make_project(fx.CORE)
    assert run(dead_letter_queue, root).status is Status.FAIL
    write_report(root, "json", "readiness-baseline.json")
    text = (root / "readiness-baseline.json").read_text()
    assert "dead-letter" in text and tool_output(text)
    finding = run(dead_letter_queue, root)
    assert finding.status is Status.FAIL
    assert finding.evidence == ()


def test_committed_markdown_review_is_not_a_pilot_report(make_project: MakeProject) -> None:
    root = make_project(fx.CORE)
    write_report(root, "markdown", "docs/pilot-review.md")
    write_report(root, "html", "docs/pilot-review.html")
    assert "success criteria" in (root / "docs/pilot-review.md").read_text()
    assert run(pilot_success_criteria, root).status is Status.FAIL
    assert run(user_training, root).status is Status.FAIL


def test_a_pilot_report_people_wrote_still_counts(make_project: MakeProject) -> None:
    report = ("# Pilot report\n\n## Success criteria\n90% of invoices right.\n\n"
              "## Results\n93% right on 600 invoices.\n")
    root = make_project({**fx.CORE, "docs/pilot-report.md": report})
    finding = run(pilot_success_criteria, root)
    assert finding.status is Status.PASS
    assert [str(e) for e in finding.evidence] == ["docs/pilot-report.md:3",
                                                  "docs/pilot-report.md:6"]


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "markdown", "html", "terminal"])
def test_every_report_format_is_recognised_by_content(make_project: MakeProject,
                                                      fmt: str) -> None:
    root = make_project(fx.CORE)
    write_report(root, fmt, "out/anything-at-all")
    assert tool_output((root / "out/anything-at-all").read_text())


def test_documents_about_readiness_are_not_tool_output() -> None:
    assert not tool_output('# How we use readiness\n\nRun `readiness check` weekly.\n')
    assert not tool_output('{"verdict": "GO", "notes": []}')


# --- documents that are not guides, plans or rollout config -------------------------------

@pytest.mark.parametrize(("rel", "why"), [
    (".github/PULL_REQUEST_TEMPLATE.md", "template"),
    (".github/ISSUE_TEMPLATE/bug_report.md", "template"),
    ("docs/pull_request_template.md", "template"),
    ("AGENTS.md", "coding agent"), ("CLAUDE.md", "coding agent"),
    (".cursor/rules/python.mdc", "coding agent"), ("skills/review/SKILL.md", "coding agent"),
    (".github/copilot-instructions.md", "coding agent"),
    ("cli/skills/browser/references/parameters.md", "coding agent"),
    ("skills/review/assets/checklist.md", "coding agent"),
    ("frontend/dist/index.html", "built HTML"), ("site/guide/index.html", "built HTML"),
    ("bench/fixtures/support.md", "fixture"), ("benchmarks/data/guide.md", "fixture"),
    ("vendor/lib/README.md", "vendored"), ("third_party/x/SUPPORT.md", "vendored"),
    ("tests/data/guide.md", "test"),
])
def test_not_evidence_by_place(rel: str, why: str) -> None:
    assert why in (excluded(rel) or "")


_SEGMENTS = ["docs", "Tests", "test_x.py", "a_test.py", "x.spec.TSX", "bench", "Benchmarks",
             "fixtures", "__snapshots__", "golden", "testdata", "Test-Data", "vendor",
             "Third_Party", "External", "node_modules", "site-packages", "dist", "Site",
             "index.HTML", ".github", "ISSUE_TEMPLATE", "pull_request_templates", ".gitlab",
             "merge_request_templates", "AGENTS.md", "skill.md", "SKILL.md", ".cursor",
             ".Claude", "rules.mdc", "x.prompt.md", ".cursorrules", "instructions", "app",
             "guide.md", "main.py", "x.\u017fpec.ts", "TEMPLATE", "k", "skills",
             "references", "assets"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_SEGMENTS), min_size=1, max_size=5))
@example(["x.\u017fpec.ts"])  # the long s: "spec" in IGNORECASE
@example([".cursor", "rules.mdc"])
def test_the_path_words_gate_never_changes_the_answer(segments: list[str]) -> None:
    """``excluded`` skips the patterns for paths without any of its words: the answer is
    the patterns' own, whatever the path."""
    rel = "/".join(segments)
    searched = next((why for pattern, why in documents._BY_PATH if pattern.search(rel)), None)
    assert excluded(rel) == searched


@pytest.mark.parametrize("rel", ["docs/user-guide.md", "SUPPORT.md", "README.md",
                                 "docs/agents.md", "docs/build/guide.md", "docs/index.html",
                                 "docs/skills/references.md", "docs/references/skills.md"])
def test_documents_people_write_may_be_evidence(rel: str) -> None:
    assert excluded(rel) is None


def test_agent_instructions_and_templates_are_not_user_guides(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "AGENTS.md": fx.GUIDE_COMPLETE,
                         ".github/PULL_REQUEST_TEMPLATE.md": fx.GUIDE_COMPLETE,
                         "vendor/tool/docs/guide.md": fx.GUIDE_COMPLETE})
    finding = run(user_training, root)
    assert finding.status is Status.FAIL
    root = make_project({**fx.CORE, "docs/guide.md": fx.GUIDE_COMPLETE})
    assert run(user_training, root).status is Status.PASS


def test_support_plan_in_a_benchmark_fixture_is_not_a_support_plan(
        make_project: MakeProject) -> None:
    plan = "# Support\n\nOwner: Dana Ruiz\nChannel: #invoice-ai\nHours: Mon-Fri 9-17\n"
    root = make_project({**fx.CORE, "bench/fixtures/SUPPORT.md": plan,
                         "CLAUDE.md": plan})
    assert run(support_plan, root).status is Status.FAIL
    root = make_project({**fx.CORE, "SUPPORT.md": plan})
    assert run(support_plan, root).status is Status.PASS


@pytest.mark.parametrize(("value", "placeholder"), [
    ("name-of-owner", True), ("<owner>", True), ("#assistant-help", True), ("TBD", True),
    ("Dana Ruiz", False), ("#invoice-ai", False), ("@acme/ap-team", False),
])
def test_starter_placeholders(value: str, placeholder: bool) -> None:
    assert is_placeholder(value) is placeholder


# --- Markdown by structure ---------------------------------------------------------------

def test_markdown_sections_lists_tables_and_bold() -> None:
    text = ("---\ntitle: Support\n---\nIntro line here.\n\n# Support\n\n## Owner\n\n"
            "**Dana Ruiz** answers questions.\n\n```\n# not a heading\n```\n\n"
            "Rota\n----\n\n| Week | Hours | On call |\n|---|---|---|\n| 1 | 9-17 | Sam Lee |\n\n"
            "- Escalate to **Priya Nair**\n  - then the AP lead\n")
    found = sections(text)
    assert [(s.line, s.level, s.heading) for s in found] == [
        (1, 0, ""), (6, 1, "Support"), (8, 2, "Owner"), (16, 2, "Rota")]
    assert found[0].body == ((4, "Intro line here."), (5, ""))
    assert found[2].strong == ((10, "Dana Ruiz"),)
    assert (13, "# not a heading") in found[2].body
    assert found[3].rows == ((19, ("Week", "Hours", "On call")), (21, ("1", "9-17", "Sam Lee")))
    assert found[3].items == ((23, "Escalate to Priya Nair"), (24, "then the AP lead"))
    assert found[3].strong == ((23, "Priya Nair"),)


def test_rollout_share_in_a_benchmark_fixture_is_not_rollout_config(
        make_project: MakeProject) -> None:
    from readiness.checks.adoption import soft_launch_rollout

    export = fx.UNLEASH_STRATEGY["flags/unleash-export.json"]
    fixture = run(soft_launch_rollout, make_project({**fx.SLACK_BOT,
                                                     "bench/fixtures/unleash.json": export}))
    assert fixture.status is Status.FAIL
    assert fixture.message.startswith("no rollout control")
    real = run(soft_launch_rollout, make_project(fx.UNLEASH_STRATEGY))
    assert [str(e) for e in real.evidence] == ["flags/unleash-export.json:6"]
