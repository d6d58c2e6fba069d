"""Small, realistic repositories for the adoption checks (dicts of files for make_project).

Line numbers in the tests depend on these texts: change one, update its tests.
"""

from __future__ import annotations

EXTRACT = '''\
"""Extract invoice fields with the model."""
from openai import OpenAI

client = OpenAI(timeout=30.0, max_retries=3)


def extract(text: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}]
    )
    return response.choices[0].message.content or ""
'''
CORE = {"app/__init__.py": "", "app/extract.py": EXTRACT, "requirements.txt": "openai>=1.40\n"}

# --- user guides --------------------------------------------------------------------------

GUIDE_COMPLETE = """\
# Invoice assistant: user guide

Start from the invoice list in the ERP: the assistant's suggestions appear in the side panel.

## What it does
It extracts the vendor, invoice date and total from PDF invoices and proposes them for approval.

## When to trust it
Totals and dates on typed invoices are right 97% of the time. Do not trust it on handwritten
or rotated scans: it may misread them, and it marks those fields with low confidence.

## How to check its work
Compare each highlighted field with the invoice before you approve. If a field is wrong,
correct it and press "Flag" so the team can improve it.
"""
GUIDE_NO_TRUST = """\
# Invoice assistant: user guide

## What it does
It extracts the vendor, invoice date and total from PDF invoices and proposes them for approval.

## How to check its work
Compare each highlighted field with the invoice before you approve. If a field is wrong,
correct it and press "Flag" so the team can improve it.
"""
GUIDE_PLACEHOLDER = """\
# Invoice assistant: user guide

## What it does
It extracts the vendor, invoice date and total from PDF invoices and proposes them for approval.

## When to trust it
TBD

## How to check its work
Compare each highlighted field with the invoice before you approve.
"""
# No heading names the parts: the intro and a "Tips" section say it in so many words.
README_CONTENT_ONLY = """\
# Invoice assistant

This tool reads supplier invoices and fills in the vendor, date and total for you.

## Install
Ask IT for the add-in.

## Tips
It may misread handwritten totals, and its confidence score is low on rotated scans.
Double-check every total against the original invoice before you approve it.
"""
README_DEVELOPER = """\
# invoice-extractor

## Overview
A FastAPI service that extracts invoice fields with GPT-4o.

## Development
Run `make test`.
"""
GUIDE_FOLDER = {
    "docs/guide/index.md": "# Invoice assistant\n\n## What it does\n"
                           "It fills in the vendor, date and total from each PDF invoice.\n",
    "docs/guide/limits.md": "# Known limitations\n\n"
                            "Handwritten totals are often misread; do not rely on them.\n",
    "docs/guide/review.md": "# Reviewing its suggestions\n\n"
                            "Compare each field with the invoice before you approve it.\n",
}

# --- ways in ------------------------------------------------------------------------------

SLACK_BOT = {**CORE, "bot/app.py": '''\
"""Slack bot: answers invoice questions in #ap-team."""
import os

from slack_bolt import App

from app.extract import extract

app = App(token=os.environ["SLACK_BOT_TOKEN"])


@app.event("app_mention")
def on_mention(event, say):
    say(extract(event["text"]), thread_ts=event["ts"])


if __name__ == "__main__":
    app.start(port=3000)
'''}
TEAMS_BOT = {**CORE, "bot/teams.py": '''\
"""Microsoft Teams bot for the AP team."""

from botbuilder.core import ActivityHandler, TurnContext

from app.extract import extract


class InvoiceBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(extract(turn_context.activity.text))
'''}
# Jupyter AI ships its JupyterLab extension's package.json (React inside JupyterLab)
JUPYTERLAB_EXTENSION = {**CORE, "labextension/package.json": """\
{
  "name": "@acme/invoice-assistant",
  "keywords": ["jupyterlab", "jupyterlab-extension"],
  "dependencies": {"@jupyterlab/application": "^4.2.0", "react": "^18.2.0"},
  "jupyterlab": {
    "extension": true,
    "outputDir": "invoice_assistant/labextension"
  }
}
"""}
VSCODE_EXTENSION = {**CORE, "vscode/package.json": """\
{
  "name": "invoice-assistant",
  "engines": {
    "vscode": "^1.90.0"
  },
  "dependencies": {"react": "^18.2.0"}
}
"""}
BROWSER_EXTENSION = {**CORE, "extension/manifest.json": """\
{
  "manifest_version": 3,
  "name": "Invoice helper",
  "version": "0.3.0",
  "permissions": ["activeTab"],
  "content_scripts": [{"matches": ["https://erp.example.com/*"], "js": ["content.js"]}]
}
""", "extension/content.js": "chrome.runtime.sendMessage({kind: 'extract'});\n"}
OFFICE_ADDIN = {**CORE, "addin/manifest.xml": """\
<?xml version="1.0" encoding="UTF-8"?>
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1" xsi:type="MailApp">
  <DisplayName DefaultValue="Invoice helper"/>
</OfficeApp>
"""}
WORKSPACE_ADDON = {**CORE, "addon/appsscript.json": """\
{
  "timeZone": "Europe/Berlin",
  "addOns": {"common": {"name": "Invoice helper"}, "gmail": {}}
}
"""}
ZENDESK_APP = {**CORE, "zendesk/manifest.json": """\
{
  "name": "Reply drafter",
  "location": {"support": {"ticket_sidebar": "assets/iframe.html"}},
  "frameworkVersion": "2.0"
}
"""}
EMAIL_HANDLER = {**CORE, "mail/poll.py": '''\
"""Read invoices sent to ap-invoices@example.com and reply with the extracted fields."""
import imaplib

from app.extract import extract
'''}
STREAMLIT_ONLY = {**CORE, "ui.py": '''\
"""A page to try the extractor."""

import streamlit as st

from app.extract import extract

text = st.text_area("Invoice text")
if st.button("Extract"):
    st.json(extract(text))
'''}
FASTAPI = '''\
"""HTTP API called by the ERP's invoice screen."""
from fastapi import FastAPI

from app.extract import extract

api = FastAPI()


@api.post("/extract")
def extract_endpoint(payload: dict) -> dict:
    return {"fields": extract(payload["text"])}
'''
FASTAPI_ERP = {**CORE, "app/api.py": FASTAPI, "readiness.yaml": """\
version: 1
adoption:
  integration: "SAP ERP invoice screen (calls POST /extract)"
"""}

# --- rollout ------------------------------------------------------------------------------

FLAGS = '''\
"""Feature flags: the soft launch reaches a share of AP clerks."""
import os

import ldclient
from ldclient import Context
from ldclient.config import Config

FLAG = "invoice-ai-enabled"
ldclient.set_config(Config(os.environ["LD_SDK_KEY"]))


def ai_enabled(user_id: str) -> bool:
    context = Context.builder(user_id).kind("user").build()
    return ldclient.get().variation(FLAG, context, False)
'''


def rollout(percent: int) -> dict[str, str]:
    """LaunchDarkly in code and adoption.rollout at ``percent`` in readiness.yaml."""
    return {**SLACK_BOT, "app/flags.py": FLAGS, "readiness.yaml": f"""\
version: 1
adoption:
  rollout:
    flag: invoice-ai-enabled
    percent: {percent}
    provider: launchdarkly
"""}


ROLLOUT_15 = rollout(15)
ROLLOUT_50 = rollout(50)
UNLEASH_STRATEGY = {**SLACK_BOT, "flags/unleash-export.json": """\
{
  "features": [
    {
      "name": "invoice-ai-enabled",
      "strategies": [
        {"name": "flexibleRollout", "parameters": {"rollout": "50", "stickiness": "userId"}}
      ]
    }
  ]
}
"""}

# --- batch jobs and empty projects --------------------------------------------------------

NIGHTLY = '''\
"""Nightly: extract every invoice that arrived today and write the fields to the warehouse."""
import argparse

from app.extract import extract


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("day")
    args = parser.parse_args()
    print(extract(args.day))


if __name__ == "__main__":
    main()
'''
BATCH_JOB = {**CORE, "jobs/nightly.py": NIGHTLY, "readiness.yaml": """\
version: 1
adoption:
  interactive: false
  support:
    owner: Sam Okafor
    channel: "#data-jobs"
    hours: "Mon-Fri 8-16, first 30 days"
"""}
SCHEDULED_JOB = {**CORE, "jobs/nightly.py": NIGHTLY, ".github/workflows/nightly.yml": """\
name: nightly extraction
on:
  schedule:
    - cron: "0 2 * * *"
jobs:
  run:
    runs-on: ubuntu-latest
    steps:
      - run: python -m jobs.nightly today
"""}
NOTHING = {**CORE, "README.md": "# invoice-extractor\n\nInternal prototype.\n"}

# --- support, involvement, incentives, usage -----------------------------------------------

SUPPORT_MD = """\
# Getting help with the invoice assistant

**Owner:** Priya Natarajan
**Channel:** #invoice-ai-help on Slack
**Hours:** Mon-Fri 9:00-17:00 CET for the first 30 days

Something urgent? Write to ap-automation@example.com.
"""
DESIGN_REVIEW = """\
# Design review with AP clerks, 15 September 2026

Present: four AP clerks from Berlin, Priya Natarajan (owner).

- The clerks asked for the suggestions next to the ERP fields, not in a separate tab.
- Low-confidence fields must be highlighted.
"""
INCENTIVES_REVIEW = """\
# Incentives review, October 2026

With the AP team leads we went through how clerks are measured.
Invoices per hour stays a target, but reviewed-and-corrected invoices count as done work.
"""
TARGETS_DOC = """\
# AP operations, 2027

## Targets for AP clerks
Careful review of AI suggestions counts: corrected invoices count as two for each clerk.
"""
LATENCY_TARGETS = """\
# Service levels

## Latency targets
The extraction API answers in under 8 seconds at p95.
"""
POSTHOG_USAGE = '''\
"""Usage events for the soft-launch dashboard."""
import posthog


def record_extraction(user_id: str, accepted: bool) -> None:
    posthog.capture(user_id, "invoice_extracted", {"accepted": accepted})
'''
PROMETHEUS_USAGE = '''\
from prometheus_client import Counter

REQUESTS = Counter("llm_requests_total", "Model calls")
ACTIVE_USERS = Counter("assistant_active_users_total", "Users who ran an extraction")
'''
USAGE_EXPORT = """\
user_id,team,active_weekly
u01,berlin,yes
u02,berlin,no
u03,hamburg,yes
u04,hamburg,no
u05,munich,no
"""
EVENT_LOG = """\
user_id,timestamp,event
u01,2026-12-01T09:00:00,invoice_extracted
u01,2026-12-01T09:05:00,invoice_extracted
u02,2026-12-02T10:00:00,invoice_extracted
"""
