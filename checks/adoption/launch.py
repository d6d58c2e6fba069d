"""Adoption: the system sits where users already work, and its first launch reaches a few."""

from __future__ import annotations

import functools
import re

from readiness.config import Config
from readiness.model import Credit, Evidence, Finding, Gap, check, failed, passed, warned
from readiness.project import Project
from readiness.project.signals import query_name
from readiness.project.sourcetext import split_lines

from . import rollouts
from .audience import (
    Audience,
    Decided,
    audience,
    command_line_tool,
    command_runs_the_model,
    judged,
    terminal_conversation,
)
from .code import code_facts, code_files, output_destinations
from .shares import Share, shares_in_files, shares_later
from .surface import Kind, Surface, surfaces
from .words import band, joined, located, percent

FLAG_SDKS = {
    "ldclient": "LaunchDarkly", "UnleashClient": "Unleash", "flagsmith": "Flagsmith",
    "growthbook": "GrowthBook", "openfeature": "OpenFeature", "statsig": "Statsig",
    "splitio": "Split", "configcatclient": "ConfigCat",
    "launchdarkly-node-server-sdk": "LaunchDarkly", "@launchdarkly/node-server-sdk": "LaunchDarkly",
    "launchdarkly-js-client-sdk": "LaunchDarkly", "launchdarkly-react-client-sdk": "LaunchDarkly",
    "unleash-client": "Unleash", "unleash-proxy-client": "Unleash", "flagsmith-nodejs": "Flagsmith",
    "@growthbook/growthbook": "GrowthBook", "@openfeature/server-sdk": "OpenFeature",
    "@openfeature/web-sdk": "OpenFeature", "statsig-node": "Statsig", "configcat-node": "ConfigCat",
}
_EVALUATIONS = ("variation", "is_enabled", "isEnabled", "is_feature_enabled", "get_boolean_value",
                "getBooleanValue", "is_on", "isOn", "check_gate", "get_treatment")


@check(
    code="ADO002",
    gap=Gap.ADOPTION,
    title="Is it reachable from the tool users already work in?",
    remediation="Put the system where users already work (a Slack or Teams bot, an add-in, "
                "a browser extension, or an API called by their existing system) and name "
                "that system in adoption.integration.",
)
def workflow_integration(project: Project, config: Config) -> Finding:
    """What it checks:
    How users reach the system, from the code and manifests: a Slack bot (`slack_bolt`,
    `slack_sdk`), a Teams bot (`botbuilder`, a Teams app manifest), a browser extension
    (`manifest.json` with `manifest_version`), an Office add-in (`<OfficeApp` XML), a Google
    Workspace add-on (`appsscript.json` with `addOns`), a Zendesk app or Salesforce project,
    an email handler (IMAP, Exchange, an inbound-mail webhook), or a program that receives a
    code host's events and so answers in its pull requests (a webhook reading
    `X-GitHub-Event`, `X-Gitlab-Event`/`X-Gitlab-Token` or Bitbucket's `X-Event-Key`, a
    GitHub Action reading `GITHUB_EVENT_PATH`, Bitbucket's `pullrequest:created` or Azure
    DevOps' `git.pullrequest.created` events; in Python, only in a module that is part of
    the program calling the model) pass with enforced credit.
    An HTTP API (FastAPI, Flask, Django, Express routes) passes, documented, when
    `adoption.integration` names the existing system that calls it. A stand-alone web UI
    alone (Streamlit, Gradio, Chainlit, a bare React app) warns, naming it; an installed
    command passes (its users work in the terminal), and does so before an API or a UI the
    project also has when the command holds a conversation in the terminal (the module it
    runs imports prompt_toolkit, questionary, Textual, InquirerPy or readline, itself or
    through the project modules it imports). For an internal API only services call,
    it passes when `adoption.integration` names them (else warns); for a batch job, when its
    output is written into a system of record (Salesforce, HubSpot, Zendesk, Jira, Sheets)
    or posted as a chat message (else warns). No model: not applicable.

    Why it matters:
    A separate system is one more tab people must remember to open. Tools outside the daily
    workflow are tried once in training and abandoned; integration is what turns a good
    pilot into daily use.

    How to fix:
    Meet users in the tool they already use: a bot in the team's chat, an add-in or
    extension in the application they work in, or an API their existing system calls.
    Say which in `adoption.integration`.
    """
    return judged(project, config, "workflow-integration", _workflow_integration)


def _workflow_integration(project: Project, config: Config) -> Finding:
    decided = audience(project, config)
    if decided.audience is Audience.SERVICE:
        return _service(project, config, decided)
    if decided.audience is Audience.BATCH:
        return _batch(project, config, decided)
    found = surfaces(project)
    in_tool = _one_per_platform([s for s in found if s.kind is Kind.IN_TOOL])
    if in_tool:
        return passed(f"reachable from {joined([s.label for s in in_tool])}",
                      *(s.where._replace(note=s.label) for s in in_tool))
    terminal = terminal_conversation(project)
    if terminal:  # before a server or page it may also have: its users work in the terminal
        command = command_line_tool(project)
        return passed(f"reachable from the terminal its users work in: {terminal.note} at "
                      f"{terminal}", terminal, *([command] if command else []))
    named = config.get("adoption.integration")
    named_at = located(config, "adoption.integration")
    api = next((s for s in found if s.kind is Kind.API), None)
    ui = [s for s in found if s.kind is Kind.UI]
    if api and named:
        return passed(f"reachable through an HTTP API used by {named}: {api.label} "
                      f"({api.where})", api.where, *named_at, credit=Credit.DOCUMENTED)
    if api:
        return warned(f"an HTTP API exists ({api.label} at {api.where}), but "
                      "adoption.integration does not name the system users reach it from",
                      api.where, *(s.where for s in ui), credit=Credit.ENFORCED)
    if ui:
        also = f"; adoption.integration names {named}, but no API for it was found" if named else ""
        return warned(f"only a stand-alone web UI ({joined([s.label for s in ui])} at "
                      f"{ui[0].where}): users must leave the tools they work in to use it{also}",
                      *(s.where for s in ui), *named_at, credit=Credit.ENFORCED)
    command = command_line_tool(project)
    if command and command_runs_the_model(project):
        return passed(f"reachable from the terminal its users work in: {command.note} at "
                      f"{command}", command)
    # a command that only starts the program (a server) is not where its users work
    aside = (f"; the installed command ({command.note} at {command}) does not run the "
             "model calls") if command else ""
    if named:
        return warned(f"adoption.integration names {named}, but no bot, add-in, extension, "
                      f"mail handler or API was found in code{aside}", *named_at,
                      credit=Credit.CLAIMED)
    return failed("not reachable from any tool users already work in: no chat bot, add-in, "
                  f"browser extension, email handler, or API named in adoption.integration"
                  f"{aside}", *([command] if command else []))


def _service(project: Project, config: Config, decided: Decided) -> Finding:
    """An internal API: integrated when the services that call it are known."""
    named = config.get("adoption.integration")
    api = next((s for s in surfaces(project) if s.kind is Kind.API), None)
    at = [api.where] if api else []
    shown = f"{api.label} ({api.where})" if api else "an internal API"
    if named:
        return passed(f"an internal API called by {named}: {shown}", *at,
                      *located(config, "adoption.integration"), credit=Credit.DOCUMENTED)
    if decided.where is not None and "readiness.yaml" in decided.why:
        return passed(f"an internal API other services call (adoption.audience: service): "
                      f"{shown}", *at, decided.where, credit=Credit.DOCUMENTED)
    return warned(f"{shown} is an internal API, but no calling service is named: name the "
                  "services that call it in adoption.integration", *at, credit=Credit.ENFORCED)


def _batch(project: Project, config: Config, decided: Decided) -> Finding:
    """A batch job: integrated when its output lands where people work."""
    landed = output_destinations(project)
    named = config.get("adoption.integration")
    if landed:
        return passed(f"the batch job's output reaches people where they work: "
                      f"{joined([e.note for e in landed])}", *landed)
    if named:
        return passed(f"the batch job's output lands in {named} (adoption.integration)",
                      *located(config, "adoption.integration"), credit=Credit.DOCUMENTED)
    at = [decided.where] if decided.where else []
    return warned("the batch job's output does not reach people where they work: no write to a "
                  "system of record (CRM, ticketing, sheets) or chat message found; name where "
                  "its output lands in adoption.integration", *at, credit=Credit.ENFORCED)


def _one_per_platform(found: list[Surface]) -> list[Surface]:
    seen: dict[str, Surface] = {}
    for surface in found:
        seen.setdefault(surface.label.split(" (")[0], surface)
    return list(seen.values())


def flag_use(project: Project, flag: str | None) -> tuple[Evidence | None, str]:
    """Where code evaluates the rollout flag, and the flag SDK it uses (if any)."""
    facts = code_facts(project)
    sdks = [s for s in facts.imports if s.name in FLAG_SDKS]
    sdk = FLAG_SDKS[sdks[0].name] if sdks else ""
    sdk_files = {s.path for s in sdks}
    if flag:
        env = re.sub(r"\W", "_", flag).upper()
        pattern = re.compile(rf"""['"]{re.escape(flag)}['"]|\b{re.escape(env)}\b""")
        ordered = sorted(code_files(project), key=lambda f: (f not in sdk_files, f))
        lines = project.facts(ordered, query_name("adoption.flag/1", pattern.pattern),
                              functools.partial(_first_match, pattern=pattern))
        for rel in ordered:
            if lines.get(rel):
                return Evidence(rel, lines[rel], f"flag {flag}"), sdk
    calls = facts.calls_in(sdk_files, *_EVALUATIONS)
    if calls:
        return calls[0].at("flag evaluation"), sdk
    return (sdks[0].at(f"{sdk} SDK"), sdk) if sdks else (None, sdk)


def _first_match(text: str, pattern: re.Pattern[str]) -> int:
    """The first line where ``pattern`` matches (0: none)."""
    if not pattern.search(text):  # a match on a line is a match in the text
        return 0
    return next((n for n, line in enumerate(split_lines(text), 1) if pattern.search(line)), 0)


def _configured_share(config: Config) -> list[Share]:
    value = config.get("adoption.rollout.percent")
    if value is None:
        return []
    where = located(config, "adoption.rollout.percent")
    return [Share(float(value) / 100, where[0] if where else Evidence("readiness.yaml"), False)]


def _describe(flag: str | None, sdk: str, use: Evidence | None, shares: list[Share]) -> str:
    """'flag x (LaunchDarkly, app/flags.py:9)', or the setting when there is no flag."""
    if not (flag or sdk or use):
        return f"the rollout setting at {shares[0].where}" if shares else "nothing"
    name = f"flag {flag}" if flag else "a feature flag"
    details = [d for d in (sdk, str(use) if use else "") if d]
    return f"{name} ({', '.join(details)})" if details else name


def _shares_later(project: Project, config: Config) -> None:
    """A ``prepare`` hook: the scan of the code for rollout shares, started for the worker
    processes' idle moments."""
    shares_later(project, _config_file(config))


@check(
    code="ADO006",
    gap=Gap.ADOPTION,
    title="Does a rollout control limit the first launch to 10-20% of users?",
    remediation="Put the launch behind a feature flag and set it to reach 10-20% of users "
                "first; record the flag and share under adoption.rollout in readiness.yaml.",
    prepare=_shares_later,
)
def soft_launch_rollout(project: Project, config: Config) -> Finding:
    """What it checks:
    A rollout control and the share of users it lets in. Controls: a feature-flag SDK in
    code (LaunchDarkly `ldclient`, Unleash `UnleashClient`, Flagsmith, GrowthBook,
    OpenFeature, Statsig, Split, ConfigCat) or the flag named in `adoption.rollout.flag`
    used in code. Shares: `adoption.rollout.percent`, and rollout percentages in settings,
    flag strategy files and code (`rollout: 15`, `ROLLOUT_PERCENT=15`, Unleash
    `"rollout": "15"`, Flagsmith `percentage_allocation`, GrowthBook `coverage`). Every share
    must be inside `thresholds.soft_launch_band` (default 10-20%): one outside fails. A
    control with no share warns; a share set only in readiness.yaml, with nothing in code
    using the flag, is a claim and warns. It applies to people in an interactive tool and
    to batch jobs whose output people act on; not to an internal API only services call.

    Why it matters:
    Launching to everyone at once turns every remaining defect into an incident for the
    whole organisation at once, with no one left to compare against. A 10-20% soft launch
    finds the problems production data and real habits bring while they are still small.

    How to fix:
    Gate the new path behind a feature flag, target 10-20% of users (a team, a region, a
    percentage rollout), and set `adoption.rollout: {flag, percent}` in readiness.yaml.
    """
    return judged(project, config, "soft-launch-rollout", _soft_launch_rollout)


def _soft_launch_rollout(project: Project, config: Config) -> Finding:
    flag = config.get("adoption.rollout.flag")
    use, sdk = flag_use(project, flag)
    if use is None:  # a flag PostHog or the project's own interface evaluates per user
        use = rollouts.evaluation(project)
    shares = _configured_share(config) + shares_in_files(project, _config_file(config))
    shares += [s for s in rollouts.settings_shares(project, _config_file(config))
               if s.where not in {t.where for t in shares}]
    low, high = (float(x) for x in config.get("thresholds.soft_launch_band", [0.10, 0.20]))
    use_at = [use] if use else []
    if not shares and not use and not flag:
        return failed("no rollout control: no feature-flag SDK or flag in code and no rollout "
                      "share (adoption.rollout, a rollout percentage in settings)")
    outside = [s for s in shares if not low <= s.fraction <= high]
    if outside:
        return failed(f"rollout at {percent(outside[0].fraction)} is outside the "
                      f"{band(low, high)} soft-launch band", *use_at, *(s.where for s in outside))
    described = _describe(flag, sdk, use, shares)
    if not shares:
        if not use:
            return warned(f"adoption.rollout names {described}, but it is not used in code and "
                          "no rollout share is set", *located(config, "adoption.rollout.flag"),
                          credit=Credit.CLAIMED)
        return warned(f"{described} found, but no rollout share: set adoption.rollout.percent "
                      "to the share of users in the soft launch", use, credit=Credit.ENFORCED)
    share = shares[0]
    where = [*use_at, *(s.where for s in shares)]
    if not use and not any(s.where.path != _config_file(config) for s in shares):
        planned = f"flag {flag}" if flag else "a rollout"
        return warned(f"adoption.rollout plans {planned} at {percent(share.fraction)}, but "
                      "nothing in code applies it (no feature-flag SDK, no use of the flag)",
                      *where, credit=Credit.CLAIMED)
    enforced = use is not None or any(s.in_code for s in shares)
    return passed(f"soft launch limited to {percent(share.fraction)} of users by {described}, "
                  f"inside the {band(low, high)} band", *where,
                  credit=Credit.ENFORCED if enforced else Credit.DOCUMENTED)


def _config_file(config: Config) -> str | None:
    return config.document.display if config.document else None


CHECKS = (workflow_integration, soft_launch_rollout)
