"""support-plan, user-involvement and incentives: the people side of adoption."""

from __future__ import annotations

from pathlib import Path

from readiness.checks.adoption import incentives, support_plan, user_involvement
from readiness.checks.adoption.support import read_line

from readiness.config import load_config
from readiness.model import Check, Credit, Finding, Status
from readiness.project import Project
from tests import fixtures_adoption as fx
from tests.conftest import MakeProject
from tests.warm import cold_then_warm

DESIGN_NOTE = "docs/design-reviews/2026-09-15-ap-clerks.md"


def run(check: Check, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))


def where(finding: Finding) -> list[str]:
    return [str(e) for e in finding.evidence]


def config(body: str) -> dict[str, str]:
    return {"readiness.yaml": "version: 1\n" + body}


# --- support-plan ------------------------------------------------------------------------

def test_support_md_with_owner_channel_and_hours_passes(make_project: MakeProject) -> None:
    finding = run(support_plan, make_project({**fx.CORE, "SUPPORT.md": fx.SUPPORT_MD}))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert finding.message == ("support owner Priya Natarajan answers questions in "
                               "#invoice-ai-help (Mon-Fri 9:00-17:00 CET for the first 30 days)")
    assert where(finding) == ["SUPPORT.md:3", "SUPPORT.md:4", "SUPPORT.md:5"]


def test_config_support_passes_at_its_lines(make_project: MakeProject) -> None:
    body = ("adoption:\n  support:\n    owner: Priya Natarajan\n    channel: '#invoice-ai-help'\n"
            "    hours: Mon-Fri 9-17, first 30 days\n")
    finding = run(support_plan, make_project({**fx.CORE, **config(body)}))
    assert finding.status is Status.PASS
    assert where(finding) == ["readiness.yaml:4", "readiness.yaml:5", "readiness.yaml:6"]
    assert [e.note for e in finding.evidence] == ["owner", "channel", "hours"]


def test_owner_alone_warns_naming_what_is_missing(make_project: MakeProject) -> None:
    files = {**fx.CORE, **config("adoption:\n  support:\n    owner: Priya Natarajan\n")}
    finding = run(support_plan, make_project(files))
    assert finding.status is Status.WARN
    assert finding.message == ("support owner Priya Natarajan is named, but the plan has no "
                               "channel for questions and no hours or rota for the first month")
    assert where(finding) == ["readiness.yaml:4"]


def test_owner_and_channel_without_hours_warns(make_project: MakeProject) -> None:
    support = "# Support\n\n| Owner | Priya Natarajan |\n|---|---|\n| Slack | #invoice-ai-help |\n"
    finding = run(support_plan, make_project({**fx.CORE, "docs/SUPPORT.md": support}))
    assert finding.status is Status.WARN
    assert finding.message == ("support owner Priya Natarajan is named, but the plan has no hours "
                               "or rota for the first month")
    assert where(finding) == ["docs/SUPPORT.md:3", "docs/SUPPORT.md:5"]


def test_rota_file_counts_as_hours(make_project: MakeProject) -> None:
    body = ("adoption:\n  support:\n    owner: Priya Natarajan\n    channel: '#invoice-ai-help'\n"
            "    rota: docs/support-rota.md\n")
    files = {**fx.CORE, **config(body), "docs/support-rota.md": "# Rota\n\n| week | who |\n"}
    finding = run(support_plan, make_project(files))
    assert finding.status is Status.PASS
    assert finding.message == ("support owner Priya Natarajan answers questions in "
                               "#invoice-ai-help (the rota in docs/support-rota.md)")
    assert where(finding) == ["readiness.yaml:4", "readiness.yaml:5", "docs/support-rota.md"]


def test_missing_rota_file_is_named(make_project: MakeProject) -> None:
    body = "adoption:\n  support:\n    owner: Priya Natarajan\n    rota: docs/rota.md\n"
    finding = run(support_plan, make_project({**fx.CORE, **config(body)}))
    assert finding.status is Status.WARN
    assert finding.message.endswith("; adoption.support.rota points at docs/rota.md, which does "
                                    "not exist")


def test_codeowners_names_the_owner_when_config_gives_channel_and_hours(
        make_project: MakeProject) -> None:
    body = "adoption:\n  support:\n    channel: '#invoice-ai-help'\n    hours: business hours\n"
    files = {**fx.CORE, **config(body), ".github/CODEOWNERS": "# owners\n* @acme/ap-automation\n"}
    finding = run(support_plan, make_project(files))
    assert finding.status is Status.PASS
    assert finding.message == ("support owner @acme/ap-automation answers questions in "
                               "#invoice-ai-help (business hours)")
    assert where(finding) == [".github/CODEOWNERS:2", "readiness.yaml:4", "readiness.yaml:5"]


def test_codeowners_alone_is_not_a_support_plan(make_project: MakeProject) -> None:
    files = {**fx.CORE, "CODEOWNERS": "* @acme/ap-automation\n"}
    finding = run(support_plan, make_project(files))
    assert finding.status is Status.FAIL
    assert finding.message == ("no support plan: no owner, channel or hours for users' questions "
                               "in SUPPORT.md or adoption.support (CODEOWNERS names code "
                               "reviewers, @acme/ap-automation, not who answers users)")
    assert where(finding) == ["CODEOWNERS:1"]


def test_channel_without_owner_warns_saying_so(make_project: MakeProject) -> None:
    readme = "# Invoice assistant\n\n## Getting help\nAsk in #invoice-ai-help on Slack.\n"
    finding = run(support_plan, make_project({**fx.CORE, "README.md": readme}))
    assert finding.status is Status.WARN
    assert finding.message == ("a channel for questions, #invoice-ai-help, but no named owner "
                               "answers there: name who does (an 'Owner' heading with the name, "
                               "or adoption.support.owner)")
    assert where(finding) == ["README.md:4"]


def test_nothing_has_no_support_plan(make_project: MakeProject) -> None:
    finding = run(support_plan, make_project(fx.NOTHING))
    assert finding.status is Status.FAIL
    assert finding.evidence == ()


def test_support_lines_are_read_by_content() -> None:
    assert read_line("Questions go to ap-automation@example.com") == {
        "channel": "ap-automation@example.com"}
    assert read_line("Priya Natarajan answers in #invoice-ai-help, Mon-Fri 9am-5pm.") == {
        "owner": "Priya Natarajan", "channel": "#invoice-ai-help", "hours": "Mon-Fri 9am-5pm"}
    assert read_line("- Contact: Priya Natarajan") == {"owner": "Priya Natarajan"}
    assert read_line("Released on 2026-11-24, see #42 and the # heading") == {}


# --- user-involvement --------------------------------------------------------------------

def test_design_review_notes_pass_documented(make_project: MakeProject) -> None:
    files = {**fx.CORE, DESIGN_NOTE: fx.DESIGN_REVIEW,
             **config("adoption:\n  early_adopters: [ap-team-berlin]\n")}
    finding = run(user_involvement, make_project(files))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert finding.message == ("users took part in design: design reviews or user research "
                               "written up in 1 document; early adopters: ap-team-berlin")
    assert where(finding) == [f"{DESIGN_NOTE}:1", "readiness.yaml:3"]


def test_user_interview_heading_anywhere_counts(make_project: MakeProject) -> None:
    notes = "# Discovery\n\nWeek 2 of the pilot.\n\n## User interviews\nSix AP clerks, 30 min.\n"
    finding = run(user_involvement, make_project({**fx.CORE, "docs/discovery.md": notes}))
    assert finding.status is Status.PASS
    assert where(finding) == ["docs/discovery.md:5"]


# khoj/interface/email/feedback.html: the e-mail the app sends its team when a user rates an
# answer, headed "User Feedback:". A template the app fills in holds no notes.
FEEDBACK_MAIL = """<!DOCTYPE html>
<html>
<head><title>Feedback Form</title></head>
<body>
<h1>User Feedback:</h1>
<h3>User Query</h3>
<p>{{uquery}}</p>
<h3>Sentiment</h3>
<p>{{ sentiment }}</p>
</body>
</html>
"""


def test_a_rendered_template_headed_user_feedback_is_no_research_note(
        make_project: MakeProject) -> None:
    finding = run(user_involvement, make_project({
        **fx.CORE, "app/interface/email/feedback.html": FEEDBACK_MAIL}))
    assert finding.status is Status.FAIL
    written = FEEDBACK_MAIL.replace("{{uquery}}", "Six AP clerks tried the pilot").replace(
        "{{ sentiment }}", "Mostly positive")
    finding = run(user_involvement, make_project({**fx.CORE, "docs/feedback.html": written}))
    assert finding.status is Status.PASS
    assert where(finding) == ["docs/feedback.html:5"]


def test_evidence_folder_in_config_is_verified(make_project: MakeProject) -> None:
    files = {**fx.CORE, DESIGN_NOTE: fx.DESIGN_REVIEW,
             **config("evidence:\n  user-involvement: docs/design-reviews/\n")}
    finding = run(user_involvement, make_project(files))
    assert finding.status is Status.PASS
    assert where(finding) == ["docs/design-reviews", "readiness.yaml:3", f"{DESIGN_NOTE}:1"]


def test_evidence_path_that_does_not_exist_fails(make_project: MakeProject) -> None:
    files = {**fx.CORE, **config("evidence:\n  user-involvement: docs/design-reviews/\n")}
    finding = run(user_involvement, make_project(files))
    assert finding.status is Status.FAIL
    assert finding.message == ("evidence path docs/design-reviews/ in readiness.yaml does not "
                               "exist")
    assert where(finding) == ["readiness.yaml:3"]


def test_early_adopters_named_alone_are_a_claim(make_project: MakeProject) -> None:
    files = {**fx.CORE, **config("adoption:\n  early_adopters: [ap-team-berlin, Dana]\n")}
    finding = run(user_involvement, make_project(files))
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == ("early adopters are named in readiness.yaml (ap-team-berlin, "
                               "Dana), but no design-review or user-research notes show they "
                               "took part in design")
    assert where(finding) == ["readiness.yaml:3"]


def test_statement_about_involvement_is_a_claim(make_project: MakeProject) -> None:
    files = {**fx.CORE, **config("evidence:\n  user-involvement: We talked to the AP team\n")}
    finding = run(user_involvement, make_project(files))
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert where(finding) == ["readiness.yaml:3"]


def test_no_involvement_fails(make_project: MakeProject) -> None:
    finding = run(user_involvement, make_project(fx.NOTHING))
    assert finding.status is Status.FAIL
    assert finding.message == ("no sign that users took part in design: no design-review or "
                               "user-research notes, no early adopters named")


# --- incentives --------------------------------------------------------------------------

def test_incentives_review_document_passes(make_project: MakeProject) -> None:
    files = {**fx.CORE, "docs/adoption/incentives-review.md": fx.INCENTIVES_REVIEW}
    finding = run(incentives, make_project(files))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert finding.message == "incentives review written up (docs/adoption/incentives-review.md:1)"
    assert where(finding) == ["docs/adoption/incentives-review.md:1"]


def test_targets_section_about_careful_review_counts(make_project: MakeProject) -> None:
    files = {**fx.CORE, "docs/ops.md": fx.TARGETS_DOC, "docs/slo.md": fx.LATENCY_TARGETS}
    finding = run(incentives, make_project(files))
    assert finding.status is Status.PASS
    assert where(finding) == ["docs/ops.md:3"]


def test_latency_targets_are_not_incentives(make_project: MakeProject) -> None:
    finding = run(incentives, make_project({**fx.CORE, "docs/slo.md": fx.LATENCY_TARGETS}))
    assert finding.status is Status.FAIL
    assert finding.message == ("no sign that incentives were reviewed: no incentives section in "
                               "the documents and no evidence.incentives in readiness.yaml")


def test_incentives_evidence_in_config(make_project: MakeProject) -> None:
    files = {**fx.CORE, "docs/adoption/review.md": "# Notes\n\nDone with the leads.\n",
             **config("evidence:\n  incentives: docs/adoption/review.md\n")}
    finding = run(incentives, make_project(files))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert finding.message == ("documented in docs/adoption/review.md (pointed at by "
                               "readiness.yaml)")
    assert where(finding) == ["docs/adoption/review.md", "readiness.yaml:3"]
    claim = run(incentives, make_project(
        {**fx.CORE, **config("evidence:\n  incentives: Managers agreed in October\n")}))
    assert (claim.status, claim.credit) == (Status.WARN, Credit.CLAIMED)


# --- warm runs ----------------------------------------------------------------------------

def test_support_plan_warm_run_reads_no_document(make_project: MakeProject,
                                                 tmp_path: Path) -> None:
    support = "# Support\n\n| Owner | Priya Natarajan |\n|---|---|\n"
    readme = ("# Invoice assistant\n\n## Getting help\nAsk in #invoice-ai-help on Slack.\n"
              "Mon-Fri 9-17 for the first month.\n")
    files = {**fx.CORE, "docs/SUPPORT.md": support, "README.md": readme,
             ".github/CODEOWNERS": "* @acme/ap-automation\n"}
    root = make_project(files)
    result = cold_then_warm(root, tmp_path / "cache",
                            lambda p: support_plan.run(p, load_config(root)))
    assert result.cold == result.warm
    assert result.warm.status is Status.PASS
    assert where(result.warm) == ["docs/SUPPORT.md:3", "README.md:4", "README.md:5"]
    assert result.read == []


def test_codeowners_warm_run_reads_nothing(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({**fx.CORE, "CODEOWNERS": "# owners\n* @acme/ap-automation\n"})
    result = cold_then_warm(root, tmp_path / "cache",
                            lambda p: support_plan.run(p, load_config(root)))
    assert result.cold == result.warm
    assert where(result.warm) == ["CODEOWNERS:2"]
    assert result.read == []


def test_involvement_and_incentives_warm_run_reads_no_document(make_project: MakeProject,
                                                               tmp_path: Path) -> None:
    interview = "# Pilot notes\n\n## User interviews\nThree clerks walked us through a day.\n"
    files = {**fx.CORE, DESIGN_NOTE: fx.DESIGN_REVIEW, "docs/pilot.md": interview,
             "docs/ops.md": fx.TARGETS_DOC, "docs/sla.md": fx.LATENCY_TARGETS,
             "docs/adoption/incentives.md": fx.INCENTIVES_REVIEW}
    root = make_project(files)

    def analyse(project: Project) -> tuple[Finding, Finding]:
        config = load_config(root)
        return user_involvement.run(project, config), incentives.run(project, config)

    result = cold_then_warm(root, tmp_path / "cache", analyse)
    assert result.cold == result.warm
    involved, incentive = result.warm
    assert where(involved) == [DESIGN_NOTE + ":1", "docs/pilot.md:3"]
    assert where(incentive) == ["docs/adoption/incentives.md:1", "docs/ops.md:3"]
    assert result.read == []
