"""Who uses the output decides which adoption checks apply (checks/adoption/audience.py)."""

from __future__ import annotations

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
from readiness.checks.adoption.audience import Audience, audience

from readiness.config import load_config
from readiness.model import Check, Finding, Status
from readiness.project import Project
from tests import fixtures_adoption as fx
from tests.conftest import MakeProject


def run(check: Check, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))


def who(root: Path) -> Audience:
    return audience(Project(root), load_config(root)).audience


GATEWAY = '''\
"""LLM gateway: the billing and CRM services send their prompts here."""
from fastapi import FastAPI
from openai import OpenAI

app = FastAPI()
client = OpenAI(timeout=20)


@app.post("/v1/complete")
def complete(body: dict) -> dict:
    reply = client.chat.completions.create(model=body["model"], messages=body["messages"])
    return {"text": reply.choices[0].message.content}
'''
LEAD_SCORING = '''\
"""Nightly: score yesterday's leads, write the score to Salesforce, DM each owner."""
import os

from simple_salesforce import Salesforce
from slack_sdk import WebClient

from app.extract import extract

sf = Salesforce(instance_url=os.environ["SF_URL"], session_id=os.environ["SF_SESSION"])
slack = WebClient(token=os.environ["SLACK_TOKEN"])


def main() -> None:
    for lead in sf.query("SELECT Id, Description, OwnerId FROM Lead")["records"]:
        summary = extract(lead["Description"])
        sf.Lead.update(lead["Id"], {"AI_Summary__c": summary})
        slack.chat_postMessage(channel=lead["OwnerId"], text=f"New lead summary: {summary}")


if __name__ == "__main__":
    main()
'''
CRON = ".github/workflows/leads.yml"
CRON_TEXT = "on:\n  schedule:\n    - cron: '0 5 * * *'\n"
CLI_PYPROJECT = """\
[project]
name = "ask-invoices"
version = "0.1.0"

[project.scripts]
ask-invoices = "app.cli:main"
"""
CLI = '''\
import typer

from app.extract import extract

app = typer.Typer()


@app.command()
def ask(question: str) -> None:
    print(extract(question))
'''
NO_MODEL = {"app/main.py": "def add(a: int, b: int) -> int:\n    return a + b\n",
            "README.md": "# adder\n"}


# --- internal API called by other services ------------------------------------------------

@pytest.mark.parametrize(("check", "why"), [
    (user_training, "no person uses it directly, so there is no one to train"),
    (support_plan, "its callers are services, whose teams own their users' questions"),
    (soft_launch_rollout, "there are no users to roll out to by share: the services calling "
                          "it decide their own launch"),
])
def test_gateway_has_no_users_to_train_support_or_roll_out_to(
        make_project: MakeProject, check: Check, why: str) -> None:
    root = make_project({"gateway/app.py": GATEWAY})
    finding = run(check, root)
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.message == (
        "audience: other services calling an internal API (only an HTTP API: FastAPI route "
        f"/v1/complete): {why}; set adoption.audience if people use it")
    assert [str(e) for e in finding.evidence] == ["gateway/app.py:9"]


def test_gateway_integration_passes_when_its_callers_are_named(
        make_project: MakeProject) -> None:
    plan = "version: 1\nadoption:\n  integration: billing and CRM services\n"
    finding = run(workflow_integration, make_project({"gateway/app.py": GATEWAY,
                                                      "readiness.yaml": plan}))
    assert finding.status is Status.PASS
    assert finding.message == ("an internal API called by billing and CRM services: FastAPI "
                               "route /v1/complete (gateway/app.py:9)")
    assert [str(e) for e in finding.evidence] == ["gateway/app.py:9", "readiness.yaml:3"]


def test_gateway_metrics_involvement_and_incentives_still_apply(
        make_project: MakeProject) -> None:
    root = make_project({"gateway/app.py": GATEWAY})
    assert run(adoption_metrics, root).status is Status.FAIL


def test_an_api_with_user_training_planned_serves_people(make_project: MakeProject) -> None:
    plan = "version: 1\nadoption:\n  training: docs/guide.md\n"
    root = make_project({"gateway/app.py": GATEWAY, "readiness.yaml": plan})
    assert who(root) is Audience.INTERACTIVE


# --- batch job whose output people act on -------------------------------------------------

def test_batch_job_writing_to_crm_and_dm_is_integrated(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "jobs/leads.py": LEAD_SCORING, CRON: CRON_TEXT})
    assert who(root) is Audience.BATCH
    finding = run(workflow_integration, root)
    assert finding.status is Status.PASS
    assert finding.message == ("the batch job's output reaches people where they work: "
                               "Salesforce and Slack message")
    assert [str(e) for e in finding.evidence] == ["jobs/leads.py:4", "jobs/leads.py:17"]


def test_batch_job_output_people_act_on_needs_training_support_rollout(
        make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "jobs/leads.py": LEAD_SCORING, CRON: CRON_TEXT})
    for check in (user_training, support_plan, soft_launch_rollout):
        finding = run(check, root)
        assert finding.status is Status.FAIL, check.name
        assert dict(finding.details)["audience"] == "batch"
    assert run(adoption_metrics, root).status is Status.NOT_APPLICABLE


# --- people in an interactive tool --------------------------------------------------------

def test_installed_command_is_an_interactive_tool(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "pyproject.toml": CLI_PYPROJECT, "app/cli.py": CLI})
    assert who(root) is Audience.INTERACTIVE
    finding = run(workflow_integration, root)
    assert finding.status is Status.PASS
    assert finding.message == ("reachable from the terminal its users work in: command-line "
                               "tool (ask-invoices) at pyproject.toml:6")
    assert run(user_training, root).status is Status.FAIL  # applies


def test_scheduled_command_stays_a_batch_job(make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "pyproject.toml": CLI_PYPROJECT, "app/cli.py": CLI,
                         CRON: CRON_TEXT})
    assert who(root) is Audience.BATCH


def test_bot_and_ui_are_interactive(make_project: MakeProject) -> None:
    assert who(make_project(fx.SLACK_BOT)) is Audience.INTERACTIVE
    assert who(make_project(fx.STREAMLIT_ONLY)) is Audience.INTERACTIVE


# --- no model, and the override -----------------------------------------------------------

@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_no_model_means_no_adoption_check_applies(make_project: MakeProject,
                                                  check: Check) -> None:
    finding = run(check, make_project(NO_MODEL))
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.message.startswith("no AI feature for people to adopt: no LLM usage found")


def test_adoption_audience_overrides_what_the_code_shows(make_project: MakeProject) -> None:
    plan = "version: 1\nadoption:\n  audience: service\n"
    root = make_project({**fx.STREAMLIT_ONLY, "readiness.yaml": plan})
    finding = run(user_training, root)
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.message == ("audience: other services calling an internal API (adoption."
                               "audience in readiness.yaml): no person uses it directly, so "
                               "there is no one to train")
    assert [str(e) for e in finding.evidence] == ["readiness.yaml:3"]
    plan = "version: 1\nadoption:\n  audience: interactive\n"
    root = make_project({"gateway/app.py": GATEWAY, "readiness.yaml": plan})
    assert run(support_plan, root).status is Status.FAIL


def test_worker_writing_to_a_crm_without_a_schedule_is_a_batch_job(
        make_project: MakeProject) -> None:
    worker = LEAD_SCORING.replace('\n\nif __name__ == "__main__":\n    main()\n', "\n")
    root = make_project({**fx.CORE, "jobs/leads.py": worker})
    decided = audience(Project(root), load_config(root))
    assert decided.audience is Audience.BATCH
    assert decided.why == "it writes its output into Salesforce"
    assert str(decided.where) == "jobs/leads.py:4"


@pytest.mark.parametrize(("rel", "text", "at"), [
    ("setup.py", 'from setuptools import setup\n\nsetup(\n    name="ask",\n    entry_points={\n'
                 '        "console_scripts": [\n            "ask-invoices = app.cli:main",\n'
                 '        ]\n    },\n)\n', "setup.py:7"),
    ("ask-0.1.dist-info/entry_points.txt", "[console_scripts]\nask-invoices = app.cli:main\n",
     "ask-0.1.dist-info/entry_points.txt:2"),
    ("setup.cfg", "[options.entry_points]\nconsole_scripts =\n    ask-invoices = app.cli:main\n",
     "setup.cfg:3"),
])
def test_console_scripts_in_any_packaging_file(make_project: MakeProject, rel: str, text: str,
                                               at: str) -> None:
    root = make_project({**fx.CORE, rel: text, "app/cli.py": CLI})
    decided = audience(Project(root), load_config(root))
    assert decided.audience is Audience.INTERACTIVE
    assert (str(decided.where), decided.why) == (at, "command-line tool (ask-invoices)")


def test_api_serving_web_pages_is_used_by_people(make_project: MakeProject) -> None:
    pages = GATEWAY.replace("from fastapi import FastAPI\n", "from fastapi import FastAPI\n"
                            "from fastapi.staticfiles import StaticFiles\n")
    pages += '\napp.mount("/", StaticFiles(directory="web", html=True), name="web")\n'
    root = make_project({"gateway/app.py": pages})
    decided = audience(Project(root), load_config(root))
    assert decided.audience is Audience.INTERACTIVE
    assert decided.why == "web pages served by FastAPI (fastapi.staticfiles)"
    assert str(decided.where) == "gateway/app.py:3"
    # the same API without pages is a service
    assert who(make_project({"gateway/app.py": GATEWAY})) is Audience.SERVICE



def test_flask_rendering_templates_is_used_by_people(make_project: MakeProject) -> None:
    # local-deep-research: Flask routes that render its pages (from flask import
    # render_template) beside its JSON API; it was judged a service with no one to train
    pages = ("from flask import Flask, jsonify, render_template\n\n"
             "from gateway.app import complete\n\napp = Flask(__name__)\n\n\n"
             "@app.route('/')\ndef index():\n    return render_template('pages/index.html')"
             "\n\n\n@app.post('/api/complete')\ndef api():\n    return jsonify(complete({}))\n")
    root = make_project({"gateway/app.py": GATEWAY, "gateway/web.py": pages})
    decided = audience(Project(root), load_config(root))
    assert decided.audience is Audience.INTERACTIVE
    assert decided.why == "web pages served by Flask (flask.render_template)"
    assert str(decided.where) == "gateway/web.py:1"
    # jsonify alone: still a service
    api = pages.replace(", render_template", "").replace(
        "return render_template('pages/index.html')", "return jsonify({})")
    assert who(make_project({"gateway/app.py": GATEWAY, "gateway/web.py": api})
               ) is Audience.SERVICE


# --- a command that converses in the terminal, beside a server or a page ------------------
# aider, gptme and open-interpreter: an installed command whose module holds the
# conversation (prompt_toolkit, questionary, readline) through the modules it imports, and a
# web UI or API besides. Their users work in the terminal.

CHAT_PYPROJECT = CLI_PYPROJECT.replace('"app.cli:main"', '"app.main:main"')
CHAT_MAIN = '''\
import argparse

from app.io import InputOutput
from app.extract import extract


def main() -> None:
    argparse.ArgumentParser().parse_args()
    io = InputOutput()
    while True:
        print(extract(io.get_input()))
'''
CHAT_IO = '''\
from prompt_toolkit.completion import PathCompleter
from prompt_toolkit.shortcuts import PromptSession


class InputOutput:
    def __init__(self) -> None:
        self.session = PromptSession(completer=PathCompleter())

    def get_input(self) -> str:
        return self.session.prompt("> ")
'''
SERVER = '''\
from fastapi import FastAPI

from app.extract import extract

app = FastAPI()


@app.post("/extract")
def run(body: dict) -> dict:
    return {"fields": extract(body["text"])}
'''
SERVE_MAIN = '''\
import uvicorn


def main() -> None:
    uvicorn.run("app.server:app", host="0.0.0.0", port=8000)
'''


def test_a_command_that_converses_in_the_terminal_passes_before_its_ui_and_api(
        make_project: MakeProject) -> None:
    root = make_project({**fx.CORE, "pyproject.toml": CHAT_PYPROJECT, "app/main.py": CHAT_MAIN,
                         "app/io.py": CHAT_IO, "app/server.py": SERVER,
                         "app/gui.py": fx.STREAMLIT_ONLY["ui.py"]})
    finding = run(workflow_integration, root)
    assert finding.status is Status.PASS
    assert finding.message == ("reachable from the terminal its users work in: terminal "
                               "conversation (prompt_toolkit) of an installed command at "
                               "app/io.py:2")
    assert [str(e) for e in finding.evidence] == ["app/io.py:2", "pyproject.toml:6"]


def test_a_command_that_starts_a_server_is_judged_by_its_api(make_project: MakeProject) -> None:
    """The REPL a developer script holds is not what the installed command runs; nor is
    a completer or a colour a conversation."""
    root = make_project({
        **fx.CORE, "pyproject.toml": CHAT_PYPROJECT, "app/main.py": SERVE_MAIN,
        "app/server.py": SERVER,
        "app/theme.py": "from textual.color import Color\n\nACCENT = Color.parse('teal')\n",
        "tools/repl.py": "from prompt_toolkit import prompt\n\nfrom app.extract import "
                         "extract\n\nprint(extract(prompt('> ')))\n",
    })
    finding = run(workflow_integration, root)
    assert finding.status is Status.WARN
    assert finding.message.startswith("an HTTP API exists (FastAPI route /extract at "
                                      "app/server.py:8)")
    # aiohttp imported first, as the HTTP client of the FastAPI app (open-webui's routers)
    root = make_project({
        **fx.CORE, "pyproject.toml": CHAT_PYPROJECT, "app/main.py": SERVE_MAIN,
        "app/server.py": "import aiohttp\n" + SERVER.replace("\n\n\n@", "\n\n@"),
    })
    assert run(workflow_integration, root).message.startswith(
        "an HTTP API exists (FastAPI route /extract at app/server.py:8)")
    # the same server whose command imports the module holding a completer only
    root = make_project({
        **fx.CORE, "pyproject.toml": CHAT_PYPROJECT, "app/server.py": SERVER,
        "app/main.py": SERVE_MAIN + "\nfrom app.paths import COMPLETER\n",
        "app/paths.py": "from prompt_toolkit.completion import PathCompleter\n\n"
                        "COMPLETER = PathCompleter()\n",
    })
    assert run(workflow_integration, root).status is Status.WARN


def test_the_api_is_shown_by_a_route_that_reaches_the_model(make_project: MakeProject) -> None:
    """autogenstudio's first route is /version; the one that runs the model is its websocket
    /runs/{run_id}. With no handler seen reaching the model, the first route stands."""
    health = ("from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
              "@router.get('/version')\ndef version() -> dict:\n    return {'version': '1'}\n")
    root = make_project({**fx.CORE, "app/aaa_health.py": health, "app/server.py": SERVER})
    finding = run(workflow_integration, root)
    assert finding.status is Status.WARN
    assert "FastAPI route /extract (app/server.py:8)" in finding.message
    assert [str(e) for e in finding.evidence][:1] == ["app/server.py:8"]
    unrelated = SERVER.replace('return {"fields": extract(body["text"])}',
                               'return {"fields": body["text"].split()}')
    root = make_project({**fx.CORE, "app/aaa_health.py": health, "app/server.py": unrelated})
    finding = run(workflow_integration, root)
    assert "FastAPI route /version (app/aaa_health.py:6)" in finding.message


# pr-agent: its GitHub App reads the X-GitHub-Event header of each webhook call
# (servers/github_app.py:52), its Action the event it runs on (github_action_runner.py:35),
# and each answers in the pull request.
REVIEW_BOT = '''\
from fastapi import APIRouter, BackgroundTasks, Request

from app.extract import extract

router = APIRouter()


@router.post("/api/v1/github_webhooks")
async def webhook(background: BackgroundTasks, request: Request) -> dict:
    body = await request.json()
    event = request.headers.get("X-GitHub-Event", None)
    if event == "pull_request":
        background.add_task(extract, body["pull_request"]["body"])
    return {}
'''
CI_SCRIPT = '''\
import json
import os

with open(os.environ["GITHUB_EVENT_PATH"]) as f:
    event = json.load(f)
print(event["pull_request"]["number"])
'''


def test_a_program_that_receives_a_code_hosts_events_is_reached_from_it(
        make_project: MakeProject) -> None:
    finding = run(workflow_integration, make_project({**fx.CORE, "app/github_app.py": REVIEW_BOT}))
    assert finding.status is Status.PASS
    assert finding.message == "reachable from GitHub (X-GitHub-Event)"
    assert [str(e) for e in finding.evidence] == ["app/github_app.py:11"]
    action = CI_SCRIPT.replace("import os\n", "import os\n\nfrom app.extract import extract\n"
                               ).replace('print(event["pull_request"]["number"])',
                                         'print(extract(event["pull_request"]["body"]))')
    finding = run(workflow_integration, make_project({**fx.CORE, "app/action.py": action}))
    assert finding.message == "reachable from GitHub (GITHUB_EVENT_PATH)"


def test_code_host_events_apart_from_the_model_do_not_count(make_project: MakeProject) -> None:
    """A CI script that reads the pull request's event and never runs the model, and a
    webhook of another program in the same repository, are not where users reach it."""
    other = REVIEW_BOT.replace("from app.extract import extract\n", "").replace(
        "extract, ", "print, ")
    finding = run(workflow_integration, make_project({
        **fx.CORE, "scripts/label_pr.py": CI_SCRIPT, "tools/hooks.py": other}))
    assert finding.status is Status.WARN
    assert finding.message.startswith("FastAPI route /api/v1/github_webhooks (tools/hooks.py:7)"
                                      " is an internal API")


AGENTS_SDK = '''\
from agents import Agent

TRIAGE = Agent(name="triage", instructions="Route the ticket to the right team.")
'''


def test_the_openai_agents_sdk_import_is_a_model(make_project: MakeProject) -> None:
    """The audience asks the same SDK imports as the LLM-usage scan: the OpenAI Agents
    SDK (``agents``) is a model framework unless the project has a module of that name."""
    assert who(make_project({"app/triage.py": AGENTS_SDK})) is not Audience.NONE
    own = make_project({"app/triage.py": AGENTS_SDK,
                        "agents/__init__.py": "class Agent:\n    pass\n"})
    assert who(own) is Audience.NONE
