"""user-training, workflow-integration and the batch-job rule shared by four adoption checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from readiness.checks.adoption import (
    CHECKS,
    adoption_metrics,
    soft_launch_rollout,
    support_plan,
    user_training,
    workflow_integration,
)
from readiness.checks.adoption.code import code_facts
from readiness.checks.adoption.surface import surfaces

from readiness.config import load_config
from readiness.model import Check, Credit, Finding, Status
from readiness.project import Project
from tests import fixtures_adoption as fx
from tests.conftest import MakeProject
from tests.warm import cold_then_warm

TRAINING_AT_GUIDE = "version: 1\nadoption:\n  training: docs/user-guide.md\n"


def run(check: Check, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))


def where(finding: Finding) -> list[str]:
    return [str(e) for e in finding.evidence]


def test_adoption_checks_are_listed_in_catalogue_order() -> None:
    assert [(c.code, c.name) for c in CHECKS] == [
        ("ADO001", "user-training"), ("ADO002", "workflow-integration"),
        ("ADO003", "support-plan"), ("ADO004", "user-involvement"), ("ADO005", "incentives"),
        ("ADO006", "soft-launch-rollout"), ("ADO007", "adoption-metrics")]
    assert all(c.due_week is None and c.severity is None for c in CHECKS)  # from base.yaml


# --- user-training -----------------------------------------------------------------------

def test_complete_configured_guide_passes_with_each_part(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "docs/user-guide.md": fx.GUIDE_COMPLETE,
                         "readiness.yaml": TRAINING_AT_GUIDE})
    finding = run(user_training, root)
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert finding.message == ("user guide docs/user-guide.md (adoption.training) says what it "
                               "does, when to trust it and how to check its work")
    assert where(finding) == ["docs/user-guide.md:5", "docs/user-guide.md:8",
                              "docs/user-guide.md:12"]
    assert [e.note for e in finding.evidence] == ["what it does", "when to trust it",
                                                 "how to check its work"]


def test_guide_without_when_to_trust_it_warns_naming_it(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "docs/user-guide.md": fx.GUIDE_NO_TRUST})
    finding = run(user_training, root)
    assert finding.status is Status.WARN
    assert finding.message == "user guide docs/user-guide.md does not say when to trust it"
    assert where(finding) == ["docs/user-guide.md:3", "docs/user-guide.md:6"]


def test_placeholder_section_does_not_count(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "docs/user-guide.md": fx.GUIDE_PLACEHOLDER,
                         "readiness.yaml": TRAINING_AT_GUIDE})
    finding = run(user_training, root)
    assert finding.status is Status.WARN
    assert finding.message == ("user guide docs/user-guide.md (adoption.training) does not say "
                               "when to trust it; its 'When to trust it' section "
                               "(docs/user-guide.md:6) is empty")
    assert where(finding) == ["docs/user-guide.md:3", "docs/user-guide.md:9",
                              "docs/user-guide.md:6"]


def test_readme_is_judged_by_what_it_says_not_by_headings(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "README.md": fx.README_CONTENT_ONLY})
    finding = run(user_training, root)
    assert finding.status is Status.PASS
    assert finding.message == ("user guide README.md says what it does, when to trust it and "
                               "how to check its work")
    assert where(finding) == ["README.md:3", "README.md:9", "README.md:10"]


def test_guide_split_over_a_folder_is_one_guide(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, **fx.GUIDE_FOLDER, "docs/pilot-report.md": "# Pilot\n"})
    finding = run(user_training, root)
    assert finding.status is Status.PASS
    assert finding.message.startswith("user guide docs/guide/ says what it does")
    assert where(finding) == ["docs/guide/index.md:3", "docs/guide/limits.md:1",
                              "docs/guide/review.md:1"]


def test_file_name_alone_does_not_make_a_guide(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "docs/user-guide.md": "# User guide\n\nComing soon.\n",
                         "README.md": fx.README_DEVELOPER})
    finding = run(user_training, root)
    assert finding.status is Status.FAIL
    # the developer README says what it does: cited as a partial guide, not "no user guide"
    assert finding.message == ("user guide README.md says what it does, but not when to trust "
                               "it or how to check its work")
    assert where(finding) == ["README.md:3"]


def test_configured_developer_readme_covers_only_what_it_does(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "docs/user-guide.md": fx.README_DEVELOPER,
                         "readiness.yaml": TRAINING_AT_GUIDE})
    finding = run(user_training, root)
    assert finding.status is Status.WARN
    assert finding.message == ("user guide docs/user-guide.md (adoption.training) does not say "
                               "when to trust it or how to check its work")
    assert where(finding) == ["docs/user-guide.md:3"]


def test_configured_guide_that_covers_nothing_fails(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "docs/user-guide.md": "# Release notes\n\nv1.2: faster.\n",
                         "readiness.yaml": TRAINING_AT_GUIDE})
    finding = run(user_training, root)
    assert finding.status is Status.FAIL
    assert finding.message == ("user guide docs/user-guide.md (adoption.training) does not say "
                               "what it does, when to trust it or how to check its work")
    assert finding.evidence == ()


def test_configured_guide_that_is_missing_fails_at_the_config_line(
        make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "readiness.yaml": TRAINING_AT_GUIDE})
    finding = run(user_training, root)
    assert finding.status is Status.FAIL
    assert finding.message == ("docs/user-guide.md (adoption.training in readiness.yaml) does "
                               "not exist")
    assert where(finding) == ["readiness.yaml:3"]


def test_headings_in_code_blocks_are_not_headings(make_project: MakeProject) -> None:
    guide = ("# Guide\n\n```\n## When to trust it\nnever, it is an example of a heading\n```\n"
             "## What it does\nIt drafts replies to supplier emails for the AP team.\n")
    root = make_project({**fx.CORE, "docs/user-guide.md": guide,
                         "readiness.yaml": TRAINING_AT_GUIDE})
    finding = run(user_training, root)
    assert finding.status is Status.WARN
    assert finding.message.endswith("does not say when to trust it or how to check its work")
    assert where(finding) == ["docs/user-guide.md:7"]


def test_rst_and_html_wiki_exports_are_read(make_project: MakeProject) -> None:
    rst = ("Invoice assistant\n=================\n\nWhen to trust it\n----------------\n"
           "It may misread handwritten totals; their confidence is low.\n")
    html = ("<html><body>\n<h2>How to check its work</h2>\n<p>Compare each field with the "
            "invoice before you approve.</p>\n</body></html>\n")
    root = make_project({**fx.CORE, "wiki/limits.rst": rst, "wiki/review.html": html})
    finding = run(user_training, root)
    assert finding.status is Status.WARN
    assert finding.message == "user guide wiki/ does not say what it does"
    assert where(finding) == ["wiki/limits.rst:4", "wiki/review.html:2"]



def test_a_page_the_app_renders_is_no_user_guide(make_project: MakeProject) -> None:
    # local-deep-research's metrics page: "Token Usage Overview", "Request Size vs Context
    # Limits" are screens, not a guide's "what it does" and "limitations"
    page = ('{% extends "base.html" %}\n{% block content %}\n<h2>Token Usage Overview</h2>\n'
            '<p>Tokens used by each research run, what it does and what it costs.</p>\n'
            '<h2>Request Size vs Context Limits</h2>\n<p>Limitations: requests above the '
            'context limit are truncated; do not trust answers built on them.</p>\n'
            '{% endblock %}\n')
    root = make_project({**fx.CORE, "app/templates/pages/metrics.html": page})
    finding = run(user_training, root)
    assert finding.status is Status.FAIL
    assert finding.message.startswith("no user guide found")
    # the same text as a document people wrote is a (partial) guide
    guide = page.replace('{% extends "base.html" %}\n{% block content %}\n', "").replace(
        "{% endblock %}\n", "")
    assert run(user_training, make_project({**fx.CORE, "docs/guide.html": guide})
               ).status is not Status.FAIL


# --- workflow-integration ----------------------------------------------------------------

@pytest.mark.parametrize(("files", "message", "evidence"), [
    (fx.SLACK_BOT, "reachable from Slack (slack_bolt)", "bot/app.py:4"),
    (fx.TEAMS_BOT, "reachable from Microsoft Teams (botbuilder)", "bot/teams.py:3"),
    (fx.BROWSER_EXTENSION, "reachable from browser extension", "extension/manifest.json:2"),
    # a React app, but one that runs inside JupyterLab or VS Code, where people work
    (fx.JUPYTERLAB_EXTENSION, "reachable from JupyterLab extension",
     "labextension/package.json:5"),
    (fx.VSCODE_EXTENSION, "reachable from VS Code extension", "vscode/package.json:4"),
    (fx.OFFICE_ADDIN, "reachable from Office add-in", "addin/manifest.xml:2"),
    (fx.WORKSPACE_ADDON, "reachable from Google Workspace add-on", "addon/appsscript.json:3"),
    (fx.ZENDESK_APP, "reachable from Zendesk app", "zendesk/manifest.json:3"),
    (fx.EMAIL_HANDLER, "reachable from email (imaplib)", "mail/poll.py:2"),
])
def test_in_tool_integrations_pass_with_code_evidence(
        make_project: MakeProject, files: dict[str, str], message: str, evidence: str) -> None:
    finding = run(workflow_integration, make_project(files))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == message
    assert where(finding) == [evidence]


def test_inbound_mail_webhook_and_salesforce_project_pass(make_project: MakeProject) -> None:
    webhook = fx.FASTAPI.replace('"/extract"', '"/webhooks/inbound-email"')
    sfdx = '{\n  "packageDirectories": [{"path": "force-app", "default": true}]\n}\n'
    root = make_project({**fx.CORE, "app/api.py": webhook, "sfdx-project.json": sfdx})
    finding = run(workflow_integration, root)
    assert finding.status is Status.PASS
    assert finding.message == ("reachable from email (inbound-mail webhook "
                               "/webhooks/inbound-email) and Salesforce (sfdx project)")
    assert where(finding) == ["app/api.py:9", "sfdx-project.json:2"]


def test_api_named_by_adoption_integration_passes_documented(make_project: MakeProject) -> None:
    finding = run(workflow_integration, make_project(fx.FASTAPI_ERP))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert finding.message == ("an internal API called by SAP ERP invoice screen (calls POST "
                               "/extract): FastAPI route /extract (app/api.py:9)")
    assert where(finding) == ["app/api.py:9", "readiness.yaml:3"]
    assert dict(finding.details)["audience"] == "service"


def test_api_nobody_is_named_to_call_warns(make_project: MakeProject) -> None:
    finding = run(workflow_integration, make_project({**fx.CORE, "app/api.py": fx.FASTAPI}))
    assert finding.status is Status.WARN
    assert finding.message == ("FastAPI route /extract (app/api.py:9) is an internal API, but no "
                               "calling service is named: name the services that call it in "
                               "adoption.integration")
    assert where(finding) == ["app/api.py:9"]


def test_standalone_streamlit_page_warns_naming_it(make_project: MakeProject) -> None:
    finding = run(workflow_integration, make_project(fx.STREAMLIT_ONLY))
    assert finding.status is Status.WARN
    assert finding.message == ("only a stand-alone web UI (Streamlit at ui.py:3): users must "
                               "leave the tools they work in to use it")
    assert where(finding) == ["ui.py:3"]


def test_bare_react_app_warns(make_project: MakeProject) -> None:
    package = '{\n  "name": "invoice-ui",\n  "dependencies": {\n    "react": "^18.3.0"\n  }\n}\n'
    finding = run(workflow_integration, make_project({**fx.CORE, "web/package.json": package}))
    assert finding.status is Status.WARN
    assert finding.message.startswith("only a stand-alone web UI (React app at web/package.json:4)")
    # a web app that only mentions JupyterLab (a keyword, a "jupyterlab" setting with no
    # extension in it) is no extension
    package = package.replace('"name": "invoice-ui",', '"name": "invoice-ui",\n  '
                              '"keywords": ["jupyterlab"],\n  "jupyterlab": {"theme": "dark"},')
    finding = run(workflow_integration, make_project({**fx.CORE, "web/package.json": package}))
    assert finding.status is Status.WARN
    assert finding.message.startswith("only a stand-alone web UI (React app at web/package.json:6)")


def test_integration_named_in_config_only_is_a_claim(make_project: MakeProject) -> None:
    root = make_project({**fx.NOTHING, "readiness.yaml":
                         "version: 1\nadoption:\n  integration: the ERP's invoice screen\n"})
    finding = run(workflow_integration, root)
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == ("adoption.integration names the ERP's invoice screen, but no bot, "
                               "add-in, extension, mail handler or API was found in code")
    assert where(finding) == ["readiness.yaml:3"]


def test_nothing_is_not_reachable(make_project: MakeProject) -> None:
    finding = run(workflow_integration, make_project(fx.NOTHING))
    assert finding.status is Status.FAIL
    assert finding.message == ("not reachable from any tool users already work in: no chat bot, "
                               "add-in, browser extension, email handler, or API named in "
                               "adoption.integration")


def test_slack_sdk_posting_alerts_is_not_a_way_in(make_project: MakeProject) -> None:
    alerts = ("from slack_sdk import WebClient\n\n"
              "def alert(text: str) -> None:\n"
              "    WebClient().chat_postMessage(channel='#ops-alerts', text=text)\n")
    assert run(workflow_integration, make_project({**fx.NOTHING, "app/alerts.py": alerts})
               ).status is Status.FAIL
    socket = ("from slack_sdk.socket_mode import SocketModeClient\n\n"
              "from app.extract import extract\n")
    finding = run(workflow_integration, make_project({**fx.NOTHING, "bot/socket.py": socket}))
    assert finding.message == "reachable from Slack (slack_sdk)"
    assert where(finding) == ["bot/socket.py:1"]
    # embedchain's Slack bot: Slack posts its events to a Flask route, which answers the
    # URL check and replies through WebClient
    events = ("from flask import Flask, request\nfrom slack_sdk import WebClient\n\n"
              "from app.extract import extract\n\napp = Flask(__name__)\nclient = WebClient()"
              "\n\n\n@app.route('/', methods=['POST'])\ndef chat():\n"
              "    if request.json.get('challenge'):\n"
              "        return str(request.json.get('challenge'))\n"
              "    event = request.json['event']\n"
              "    client.chat_postMessage(channel=event['channel'], text=extract(event['text']))"
              "\n    return ''\n")
    finding = run(workflow_integration, make_project({**fx.NOTHING, "bot/slack.py": events}))
    assert finding.message == "reachable from Slack (slack_sdk)"
    assert where(finding) == ["bot/slack.py:2"]


def test_slack_sdk_in_tests_only_does_not_count(make_project: MakeProject) -> None:
    files = {**fx.NOTHING, "tests/test_bot.py": "from slack_bolt import App\n"}
    assert run(workflow_integration, make_project(files)).status is Status.FAIL


# --- batch jobs --------------------------------------------------------------------------

BATCH_METRICS = ("audience: people acting on a batch job's output ({why}): its adoption is "
                 "whether people act on its output, which feedback-loop measures")


def test_declared_batch_job_needs_training_rollout_but_not_usage_metrics(
        make_project: MakeProject) -> None:
    root = make_project(fx.BATCH_JOB)
    training = run(user_training, root)
    assert training.status is Status.FAIL
    assert training.message.startswith("no user guide found")
    assert run(soft_launch_rollout, root).status is Status.FAIL
    metrics = run(adoption_metrics, root)
    assert metrics.status is Status.NOT_APPLICABLE
    assert metrics.message == BATCH_METRICS.format(why="adoption.interactive: false")
    assert where(metrics) == ["readiness.yaml:3"]


def test_scheduled_job_without_any_ui_is_a_batch_job(make_project: MakeProject) -> None:
    root = make_project(fx.SCHEDULED_JOB)
    metrics = run(adoption_metrics, root)
    assert metrics.status is Status.NOT_APPLICABLE
    assert metrics.message == BATCH_METRICS.format(
        why=".github/workflows/nightly.yml is a scheduled job") + (
        "; set adoption.audience if people use it")
    assert where(metrics) == [".github/workflows/nightly.yml:4"]
    integration = run(workflow_integration, root)
    assert integration.status is Status.WARN
    assert integration.message.startswith("the batch job's output does not reach people where "
                                          "they work: no write to a system of record")
    assert dict(integration.details)["audience"] == "batch"


def test_command_line_job_is_recognised_by_its_main_block(make_project: MakeProject) -> None:
    files = {**fx.CORE, "jobs/nightly.py": fx.NIGHTLY}
    finding = run(adoption_metrics, make_project(files))
    assert finding.status is Status.NOT_APPLICABLE
    assert where(finding) == ["jobs/nightly.py:14"]


def test_batch_job_still_needs_a_support_plan(make_project: MakeProject) -> None:
    finding = run(support_plan, make_project(fx.BATCH_JOB))
    assert finding.status is Status.PASS
    assert finding.message == ("support owner Sam Okafor answers questions in #data-jobs "
                               "(Mon-Fri 8-16, first 30 days)")
    assert where(finding) == ["readiness.yaml:5", "readiness.yaml:6", "readiness.yaml:7"]
    undeclared = run(support_plan, make_project(fx.SCHEDULED_JOB))
    assert undeclared.status is Status.FAIL


def test_interactive_true_overrides_a_scheduled_job(make_project: MakeProject) -> None:
    files = {**fx.SCHEDULED_JOB, "readiness.yaml": "version: 1\nadoption:\n  interactive: true\n"}
    finding = run(workflow_integration, make_project(files))
    assert finding.status is Status.FAIL


def test_bot_with_a_main_block_is_not_a_batch_job(make_project: MakeProject) -> None:
    assert run(user_training, make_project(fx.SLACK_BOT)).status is Status.FAIL


# --- warm runs ----------------------------------------------------------------------------

def training(root: Path) -> Callable[[Project], Finding]:
    return lambda project: user_training.run(project, load_config(root))


def test_user_training_warm_run_reads_no_document(make_project: MakeProject,
                                                  tmp_path: Path) -> None:
    wiki = "Using the assistant\n===================\n\nIt may misread rotated scans.\n"
    root = make_project({**fx.CORE, **fx.GUIDE_FOLDER, "README.md": fx.README_DEVELOPER,
                         "docs/pilot-report.md": "# Pilot\n", "wiki/Home.rst": wiki})
    result = cold_then_warm(root, tmp_path / "cache", training(root))
    assert result.cold == result.warm == run(user_training, root)
    assert result.warm.message.startswith("user guide docs/guide/ says what it does")
    assert where(result.warm) == ["docs/guide/index.md:3", "docs/guide/limits.md:1",
                                  "docs/guide/review.md:1"]
    assert result.read == []


def test_configured_guide_with_an_empty_section_warm(make_project: MakeProject,
                                                     tmp_path: Path) -> None:
    root = make_project({**fx.CORE, "docs/user-guide.md": fx.GUIDE_PLACEHOLDER,
                         "readiness.yaml": TRAINING_AT_GUIDE})
    result = cold_then_warm(root, tmp_path / "cache", training(root))
    assert result.cold == result.warm
    assert result.warm.message.endswith("its 'When to trust it' section (docs/user-guide.md:6) "
                                        "is empty")
    assert result.read == []


def test_surfaces_warm_run_reads_no_file(make_project: MakeProject, tmp_path: Path) -> None:
    express = ("const express = require('express');\nconst app = express();\n"
               "app.post('/extract', (req, res) => res.json({}));\n")
    package = '{\n  "name": "invoice-ui",\n  "dependencies": {\n    "react": "^18.3.0"\n  }\n}\n'
    sfdx = '{\n  "packageDirectories": [{"path": "force-app", "default": true}]\n}\n'
    files = {**fx.SLACK_BOT, **fx.BROWSER_EXTENSION, **fx.OFFICE_ADDIN, **fx.WORKSPACE_ADDON,
             **fx.ZENDESK_APP, **fx.STREAMLIT_ONLY, "server/index.js": express,
             "web/package.json": package, "sfdx-project.json": sfdx}
    result = cold_then_warm(make_project(files), tmp_path / "cache", surfaces)
    assert result.cold == result.warm
    assert [(s.label, str(s.where)) for s in result.warm] == [
        ("Office add-in", "addin/manifest.xml:2"),
        ("Google Workspace add-on", "addon/appsscript.json:3"),
        ("Slack (slack_bolt)", "bot/app.py:4"),
        ("browser extension", "extension/manifest.json:2"),
        ("Salesforce (sfdx project)", "sfdx-project.json:2"),
        ("Zendesk app", "zendesk/manifest.json:3"),
        ("Express route /extract", "server/index.js:3"),
        ("Streamlit", "ui.py:3"), ("React app", "web/package.json:4")]
    assert result.read == []


def test_scheduled_job_is_recognised_warm(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project(fx.SCHEDULED_JOB)
    result = cold_then_warm(root, tmp_path / "cache", training(root))
    assert result.cold == result.warm
    assert result.warm.status is Status.FAIL
    assert dict(result.warm.details)["audience"] == "batch"
    assert result.read == []


def test_python_that_does_not_parse_is_noted_on_warm_runs(make_project: MakeProject,
                                                          tmp_path: Path) -> None:
    root = make_project({**fx.SLACK_BOT, "app/broken.py": "import streamlit\ndef (:\n"})
    result = cold_then_warm(root, tmp_path / "cache", lambda p: (code_facts(p), p.skipped))
    assert result.cold == result.warm
    assert [(s.path, s.reason) for s in result.warm[1]] == [
        ("app/broken.py", "Python that does not parse")]
    assert [s.name for s in result.warm[0].imports] == ["os", "slack_bolt", "app"]
    assert result.read == []


def test_the_imported_words_are_those_of_import_lines_up_to_a_comment() -> None:
    """The words after ``import`` or ``from`` on a line that starts with one (after any
    whitespace), up to a ``#``; one in the middle of a line does not count."""
    from readiness.checks.adoption.code import _imported_words

    text = ("import os\r\nfrom a.b import (c,  # d\n  e)\n\tfrom  f import g\n"
            "x = 1 from h\n\u2003import i\nimport j#k\nimport")
    assert _imported_words(text) == {"os", "a", "b", "import", "c", "f", "g", "i", "j"}
    assert _imported_words("") == set() and _imported_words("from\nimport") == set()


def test_code_facts_parse_files_that_import_what_the_checks_ask_about(
        make_project: MakeProject) -> None:
    """Only files that import an asked-about module, import a web framework and route or
    serve pages with it, or have an entry point are parsed; the facts of those are complete.
    A call is read only where its module is imported: a file that only calls ``is_on`` or
    uses aiohttp as an HTTP client adds nothing."""
    root = make_project({
        "app/ui.py": "import os, streamlit as st\nst.title('x')\n",
        "app/flags.py": "import ldclient\ndef gate(client, user):\n"
                        "    return client.is_on(\n        'new-ui')\n",
        "app/light.py": "def gate(client):\n    return client.is_on('new-ui')\n",
        "app/main.py": "def run():\n    pass\n\nif __name__ == '__main__':\n    run()\n",
        # defines is_on and mentions streamlit only in a comment and a string: nothing to add
        "app/lamp.py": "# not streamlit\nclass Light:\n    def is_on(self):\n"
                       "        return 'streamlit' != 'flask'\n",
        "app/notes.py": "from app.streamlit_notes import track_record\n",
        # an import inside a function counts; a module named after a "#" does not
        "app/late.py": "def serve():\n    from flask import Flask\n    app = Flask('x')\n\n"
                       "    @app.route('/late')\n    def late():\n        return ''\n",
        "app/said.py": "import os  # streamlit\nprint('import flask')\n",
        # aiohttp as a client, a decorator that is not a route: not parsed
        "app/client.py": "import aiohttp\n\n@callback\nasync def fetch(url):\n"
                         "    async with aiohttp.ClientSession() as s:\n"
                         "        return await s.get(url)\n",
        # a route decorator laid out over lines, under another decorator
        "app/api.py": "from fastapi import APIRouter\nrouter = APIRouter()\n\n@traced\n"
                      "@router\\\n    .post(\n    '/ask')\nasync def ask():\n    ...\n",
        # a page-serving part of a framework, no route in the file
        "app/pages.py": "from fastapi.templating import Jinja2Templates\n",
    })
    facts = code_facts(Project(root))
    assert [(s.path, s.line, s.name) for s in facts.imports] == [
        ("app/api.py", 1, "fastapi"), ("app/flags.py", 1, "ldclient"),
        ("app/late.py", 2, "flask"), ("app/pages.py", 1, "fastapi"),
        ("app/ui.py", 1, "os"), ("app/ui.py", 1, "streamlit")]
    assert [(s.path, s.line, s.name, s.arg) for s in facts.calls] == [
        ("app/flags.py", 3, "is_on", "new-ui")]
    assert [(s.path, s.line, s.name, s.arg) for s in facts.routes] == [
        ("app/api.py", 5, "FastAPI", "/ask"), ("app/late.py", 5, "Flask", "/late")]
    assert [(s.path, s.line) for s in facts.mains] == [("app/main.py", 4)]


def test_code_facts_gate_stays_linear_on_lines_of_at_signs() -> None:
    """A decorator's extent is bounded: a file of nothing but ``@`` lines (or one decorator
    never followed by a ``def``) is judged in time linear in its size."""
    from readiness.checks.adoption.code import _interesting, _worth_parsing

    interesting = _interesting()
    for text in ("import aiohttp\n" + "@x\n" * 200_000,
                 "import aiohttp\n@x(\n" + "    y,\n" * 200_000):
        began = time.perf_counter()
        assert _worth_parsing(text, interesting) is False
        assert time.perf_counter() - began < 5


# --- partial guides are cited with what they lack ----------------------------------------

def test_guide_covering_what_and_trust_warns_naming_how_to_check(
        make_project: MakeProject) -> None:
    guide = ("# Using the invoice assistant\n\nThe assistant reads each PDF invoice and "
             "proposes the vendor, date and total.\n\n## Known limitations\n"
             "It may misread handwritten totals and rotated scans.\n")
    finding = run(user_training, make_project({**fx.CORE, "docs/usage.md": guide}))
    assert finding.status is Status.WARN
    assert finding.message == "user guide docs/usage.md does not say how to check its work"
    assert where(finding) == ["docs/usage.md:3", "docs/usage.md:5"]


def test_readme_preferred_over_other_docs_as_the_partial_guide(
        make_project: MakeProject) -> None:
    features = "# Changelog of features\n\n## Features\nBatch export added in 2.1.\n"
    root = make_project({**fx.CORE, "README.md": fx.README_DEVELOPER,
                         "docs/release-features.md": features})
    finding = run(user_training, root)
    assert finding.status is Status.FAIL
    assert finding.message.startswith("user guide README.md says what it does, but not")


def test_nothing_at_all_is_no_user_guide(make_project: MakeProject) -> None:
    finding = run(user_training, make_project(fx.CORE))
    assert finding.status is Status.FAIL
    assert finding.message == ("no user guide found: no document says what the system does, "
                               "when to trust it or how to check its work")


def test_an_eval_harness_readme_is_not_a_user_guide(make_project: MakeProject) -> None:
    """gptme ships gptme/eval/dspy/README.md, notes for who runs its prompt optimisation:
    not a guide for the system's users. The same text at the top level is one."""
    root = make_project({**fx.CORE, "app/eval/dspy/README.md": fx.README_DEVELOPER,
                         "benchmarks/README.md": fx.README_DEVELOPER})
    finding = run(user_training, root)
    assert finding.status is Status.FAIL
    assert finding.message.startswith("no user guide found")
    root = make_project({**fx.CORE, "app/dspy/README.md": fx.README_DEVELOPER})
    assert run(user_training, root).message.startswith("user guide app/dspy/README.md says")


# Home Assistant's layout: integrations side by side, loaded by name at run time; the mail
# reader and the OpenAI agent are never imported together, and the installed command only
# starts the server.
HA_LIKE = {
    "pyproject.toml": '[project]\nname = "hub"\n\n[project.scripts]\nhub = "hub.__main__:main"\n',
    "hub/__init__.py": "",
    "hub/__main__.py": "from hub.core import Hub\n\n\ndef main() -> None:\n    Hub().run()\n",
    "hub/core.py": "import importlib\n\n\nclass Hub:\n    def run(self) -> None:\n"
                   "        for name in ('imap', 'openai_agent'):\n"
                   "            importlib.import_module(f'hub.components.{name}')\n",
    "hub/components/__init__.py": "",
    "hub/components/imap/__init__.py": "import aioimaplib\n\n\nasync def unread(host):\n"
                                       "    client = aioimaplib.IMAP4_SSL(host)\n"
                                       "    return await client.search('UNSEEN')\n",
    "hub/components/openai_agent/__init__.py": fx.EXTRACT,
}


def test_a_mail_reader_and_a_command_apart_from_the_model_are_not_ways_in(
        make_project: MakeProject) -> None:
    finding = run(workflow_integration, make_project(HA_LIKE))
    assert finding.status is Status.FAIL
    assert finding.message == (
        "not reachable from any tool users already work in: no chat bot, add-in, browser "
        "extension, email handler, or API named in adoption.integration; the installed "
        "command (command-line tool (hub) at pyproject.toml:5) does not run the model calls")
    # the same mail reader handing messages to the agent is a way in
    mail = "hub/components/imap/__init__.py"
    wired = {**HA_LIKE, mail: HA_LIKE[mail] + "\nfrom hub.components.openai_agent import extract\n"}
    assert run(workflow_integration, make_project(wired)).message == (
        "reachable from email (aioimaplib)")


def test_a_components_readme_is_not_the_ai_systems_guide(make_project: MakeProject) -> None:
    """Home Assistant cited homeassistant/components/zwave_js/README.md, beside its OpenAI
    integration, as the user guide. A folder of code with no model call down it holds
    documents about that component; a documentation folder with a Sphinx conf.py does not
    count as code, and a README beside the model call still counts."""
    component = "# Z-Wave JS\n\n## Overview\nThis integration talks to a Z-Wave JS server.\n"
    root = make_project({**HA_LIKE, "hub/components/zwave/__init__.py": "import zwave_js\n",
                         "hub/components/zwave/README.md": component})
    assert run(user_training, root).message.startswith("no user guide found")
    root = make_project({**HA_LIKE, "docs/conf.py": "project = 'hub'\n",
                         "docs/index.md": fx.README_DEVELOPER})
    assert run(user_training, root).message.startswith("user guide docs/index.md says")
    root = make_project({**HA_LIKE, "hub/components/openai_agent/README.md": component})
    assert run(user_training, root).message.startswith(
        "user guide hub/components/openai_agent/README.md says")
