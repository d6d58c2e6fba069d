"""support-plan read by structure: owner headings, rota tables, escalation lists, channels."""

from __future__ import annotations

from pathlib import Path

from readiness.checks.adoption import support_plan

from readiness.config import load_config
from readiness.model import Check, Finding, Status
from readiness.project import Project
from tests import fixtures_adoption as fx
from tests.conftest import MakeProject


def run(check: Check, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))


def where(finding: Finding) -> list[str]:
    return [str(e) for e in finding.evidence]


PLAN = """\
# Invoice assistant: support during the soft launch

## Owner

**Dana Ruiz**, AP automation lead, answers for the assistant.

## Where to ask

Post in #invoice-ai-help; urgent problems to ap-automation@acme.example.

## First month

| Week | Hours | On call |
|------|-------|---------|
| 1 | 08:00-18:00 | Sam Lee |
| 2 | 08:00-18:00 | Priya Natarajan |
| 3-4 | 09:00-17:00 | Sam Lee |

## Escalation

1. Dana Ruiz
2. Head of AP operations
"""
ROTA_ONLY = """\
# Support

## Rota

| Date | On call |
|------|---------|
| 2026-11-02 | Sam Lee |
| 2026-11-09 | Priya Natarajan |

## Escalation

- **Dana Ruiz** (AP automation lead)
- Head of AP operations
"""


def test_owner_heading_with_bold_name_table_rota_and_channel_pass(
        make_project: MakeProject) -> None:
    finding = run(support_plan, make_project({**fx.CORE, "docs/SUPPORT.md": PLAN}))
    assert finding.status is Status.PASS
    assert finding.message == ("support owner Dana Ruiz answers questions in #invoice-ai-help "
                               "(a first-month rota of 3 rows)")
    assert where(finding) == ["docs/SUPPORT.md:5", "docs/SUPPORT.md:9", "docs/SUPPORT.md:13"]


def test_support_section_of_a_handbook_with_sub_sections(make_project: MakeProject) -> None:
    handbook = ("# Team handbook\n\n## Deploys\n\nOwner: Release Bot\n\n" +
                PLAN.replace("# Invoice", "## Invoice").replace("\n## ", "\n### "))
    finding = run(support_plan, make_project({**fx.CORE, "docs/handbook.md": handbook}))
    assert finding.status is Status.PASS
    assert finding.message.startswith("support owner Dana Ruiz answers questions in "
                                      "#invoice-ai-help")


def test_rota_table_and_escalation_list_name_the_owner(make_project: MakeProject) -> None:
    finding = run(support_plan, make_project({**fx.CORE, "SUPPORT.md": ROTA_ONLY}))
    assert finding.status is Status.WARN
    assert finding.message == ("support owner Sam Lee is named, but the plan has no channel for "
                               "questions")
    assert where(finding) == ["SUPPORT.md:7", "SUPPORT.md:5"]


def test_escalation_list_stands_in_for_a_missing_owner(make_project: MakeProject) -> None:
    text = "# Support\n\nAsk in #invoice-ai-help.\n\n## Escalation\n\n- **Dana Ruiz**\n- AP lead\n"
    finding = run(support_plan, make_project({**fx.CORE, "SUPPORT.md": text}))
    assert finding.status is Status.WARN
    assert finding.message.startswith("support owner Dana Ruiz (escalation) is named")
    assert where(finding) == ["SUPPORT.md:7", "SUPPORT.md:3"]


def test_rota_of_placeholders_names_no_owner(make_project: MakeProject) -> None:
    text = ("# Support\n\n## Owner\n\n**name-of-owner**\n\n## Rota\n\n| Week | On call |\n"
            "|---|---|\n| 1 | <name> |\n")
    finding = run(support_plan, make_project({**fx.CORE, "SUPPORT.md": text}))
    assert finding.status is Status.FAIL
    assert "Owner" not in finding.message and "name-of-owner" not in finding.message


def test_community_chat_invite_is_a_channel_without_owner(make_project: MakeProject) -> None:
    readme = ("# invoice-ai\n\n[![Discord](https://img.shields.io/discord/1)]"
              "(https://discord.gg/AbC123)\n\nExtracts invoice fields.\n")
    files = {**fx.CORE, "README.md": readme, "CODEOWNERS": "* @acme/ap-automation\n"}
    finding = run(support_plan, make_project(files))
    assert finding.status is Status.WARN
    assert finding.message == ("a channel for questions, https://discord.gg/AbC123 (community "
                               "chat), but no named owner answers there: name who does (an "
                               "'Owner' heading with the name, or adoption.support.owner)")
    assert where(finding) == ["README.md:3"]


def test_issue_forms_and_contact_links_are_channels(make_project: MakeProject) -> None:
    links = ("blank_issues_enabled: false\ncontact_links:\n  - name: Questions\n"
             "    url: https://github.com/acme/invoice-ai/discussions\n"
             "    about: Ask how to use it\n")
    form = "name: Bug\ndescription: Something went wrong\nbody: []\n"
    files = {**fx.CORE, ".github/ISSUE_TEMPLATE/config.yml": links,
             ".github/ISSUE_TEMPLATE/bug.yml": form}
    finding = run(support_plan, make_project(files))
    assert finding.status is Status.WARN
    assert finding.message.startswith("a channel for questions, https://github.com/acme/"
                                      "invoice-ai/discussions (issue-form contact link), but "
                                      "no named owner answers there")
    assert where(finding) == [".github/ISSUE_TEMPLATE/config.yml:4"]
    only_forms = run(support_plan, make_project({**fx.CORE,
                                                 ".github/ISSUE_TEMPLATE/bug.yml": form}))
    assert only_forms.status is Status.WARN
    assert only_forms.message.startswith("a channel for questions, GitHub issue forms, but no "
                                         "named owner")


def test_untouched_starter_owner_is_not_a_support_owner(make_project: MakeProject) -> None:
    plan = ("version: 1\nadoption:\n  support: {owner: name-of-owner, channel: "
            "\"#assistant-help\", hours: \"business hours, first 30 days\"}\n")
    finding = run(support_plan, make_project({**fx.CORE, "readiness.yaml": plan}))
    assert finding.status is Status.FAIL
    assert "name-of-owner" not in finding.message
    assert "#assistant-help" not in finding.message
    real = plan.replace("name-of-owner", "Dana Ruiz").replace("#assistant-help", "#ap-ai")
    assert run(support_plan, make_project({**fx.CORE, "readiness.yaml": real})).status \
        is Status.PASS


def test_privacy_policy_contact_is_not_a_support_channel(make_project: MakeProject) -> None:
    privacy = "# Privacy policy\n\n## Contact\n\nWrite to privacy@acme.example.\n"
    finding = run(support_plan, make_project({**fx.CORE, "docs/legal/privacy.md": privacy,
                                              "PRIVACY.md": privacy}))
    assert finding.status is Status.FAIL
    assert finding.message.startswith("no support plan")
    help_page = privacy.replace("# Privacy policy", "# Help")
    assert run(support_plan, make_project({**fx.CORE, "docs/help.md": help_page})).status \
        is Status.WARN
