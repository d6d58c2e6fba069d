"""Where users reach the system: tools they already use, an HTTP API, or a stand-alone UI.

Who uses the output (and so which adoption checks apply) is decided in `audience`, from these
surfaces and the project's commands and jobs.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from readiness.checks.infrastructure.llmtraffic import generation_sites, project_traffic

from readiness.llmcalls.reach import run_together
from readiness.model import Evidence
from readiness.project import Project
from readiness.project.signals import Hit, gate_words, query_name, search
from readiness.project.sourcetext import split_lines

from .code import Site, code_facts


class Kind(enum.Enum):
    IN_TOOL = "in-tool"  # a bot, add-in, extension or mail handler inside an existing tool
    API = "api"  # an HTTP API another system may call
    UI = "ui"  # a stand-alone web page users must go to


@dataclass(frozen=True)
class Surface:
    kind: Kind
    label: str
    where: Evidence


# Python modules and npm packages that put the system inside a tool people already use.
IN_TOOL_MODULES = {
    "slack_bolt": "Slack", "slack_sdk": "Slack", "@slack/bolt": "Slack",
    "botbuilder": "Microsoft Teams",
    "botbuilder-core": "Microsoft Teams",
    "@microsoft/teams-js": "Microsoft Teams", "@microsoft/teams-ai": "Microsoft Teams",
    "imaplib": "email", "imapclient": "email", "aioimaplib": "email", "exchangelib": "email",
}
UI_MODULES = {"streamlit": "Streamlit", "gradio": "Gradio", "chainlit": "Chainlit",
              "panel": "Panel", "dash": "Dash", "nicegui": "NiceGUI"}
# Modules with which an HTTP app serves web pages to people, not only data to programs.
WEB_PAGES = {"fastapi.staticfiles": "FastAPI", "starlette.staticfiles": "Starlette",
             "fastapi.templating": "FastAPI", "starlette.templating": "Starlette",
             "flask.templating": "Flask", "django.shortcuts": "Django",
             "django.template.response": "Django", "django.views.generic": "Django",
             # the page-rendering functions, as Flask and Quart apps import them
             "flask.render_template": "Flask", "quart.render_template": "Quart"}
UI_PACKAGES = {"react": "React", "next": "Next.js", "vue": "Vue", "nuxt": "Nuxt",
               "svelte": "Svelte", "@angular/core": "Angular"}
# slack_sdk's WebClient only posts (alerts, reports); these parts receive users' messages.
_SLACK_INBOUND = ("slack_sdk.socket_mode", "slack_sdk.signature")
_MAIL_ROUTE = re.compile(r"(inbound|incoming)[-_/]?e?-?mail|e?-?mail[-_/]?(inbound|incoming|"
                         r"webhook)|/(mailgun|postmark|sendgrid)\b", re.IGNORECASE)


def surfaces(project: Project) -> tuple[Surface, ...]:
    """Every way in that the repository shows, in-tool first."""
    return project.shared("adoption.surfaces", _find)


def _find(project: Project) -> tuple[Surface, ...]:
    imports = code_facts(project).imports
    hits = [h for h in search(project, _CODE_HOST_EVENT, anchors=_CODE_HOST_ANCHORS)
            if h.kind]
    # one question for both: a file's answer does not depend on the others asked with it,
    # and each question reads every module's imports
    apart = _apart_from_the_model(
        project, [s.path for s in imports if s.name in IN_TOOL_MODULES] +
        [h.path for h in hits])
    found = _modules(project, imports, apart) + _mail_routes(project) + _manifests(project)
    found += _code_host_events(hits, apart)
    found += _api_routes(project)
    order = {Kind.IN_TOOL: 0, Kind.API: 1, Kind.UI: 2}
    return tuple(sorted(found, key=lambda s: (order[s.kind], s.where.path, s.where.line or 0)))


def _modules(project: Project, imports: Sequence[Site], apart: AbstractSet[str]
             ) -> list[Surface]:
    """The in-tool and UI modules imported; an in-tool one only where its module is not
    ``apart`` from the model (``_apart_from_the_model``)."""
    found = []
    seen: set[tuple[str, str]] = set()
    for site in imports:
        name = IN_TOOL_MODULES.get(site.name)
        kind = Kind.IN_TOOL
        if site.name == "slack_sdk" and not site.arg.startswith(_SLACK_INBOUND) and \
                not _slack_events(project, site.path):
            continue
        if name and site.path in apart:
            continue
        if name is None and site.name in UI_MODULES:
            name, kind = UI_MODULES[site.name], Kind.UI
        if name is None and site.arg in WEB_PAGES:
            name, kind = f"web pages served by {WEB_PAGES[site.arg]}", Kind.UI
        if name and (name, site.name) not in seen:
            seen.add((name, site.name))
            shown = site.arg if site.arg in WEB_PAGES else site.name
            label = name if name.lower() == site.name else f"{name} ({shown})"
            found.append(Surface(kind, label, site.at(site.arg)))
    return found


# The Events API's fields a program that Slack posts to reads: the URL check when the app
# is set up ("challenge", "url_verification") and the envelope of each event
# ("event_callback"). embedchain's Slack bot answers them in a Flask route and replies
# with slack_sdk's WebClient.
_SLACK_EVENTS = re.compile(r"""["'](?:challenge|url_verification|event_callback)["']""")


def _slack_events(project: Project, rel: str) -> bool:
    """Does the file read the Slack Events API's payload (Slack posts to it)?"""
    text = project.text(rel)
    return text is not None and _SLACK_EVENTS.search(text) is not None


def _apart_from_the_model(project: Project, files: list[str]) -> set[str]:
    """Those Python ``files`` (bots, mail readers) that are not part of the program that
    calls the model: no module imports one of them together with a module of a production
    generation call, directly or through others (nor does one import the other). Home
    Assistant's IMAP integration reads mail into sensors beside its OpenAI integration;
    neither is imported with the other. Without such a call in Python, none is apart."""
    python = sorted({rel for rel in files if rel.endswith(".py")})
    models = {c.path for c in generation_sites(project)} if python else set()
    if not models:
        return set()
    return set(python) - run_together(project, python, models)


# The events a code host sends to the program that answers in its pull requests and issues:
# a webhook's event or token header (GitHub, GitLab, Gitea, Bitbucket's X-Event-Key), the
# event a GitHub Action runs on, or a pull-request event's name in the payload (Bitbucket
# Cloud's "pullrequest:created", Azure DevOps' "git.pullrequest.created"). A program that
# reads them works where its users review code.
_CODE_HOST_EVENT = re.compile(
    r"""["'](?:(?P<GitHub>(?i:x-github-event)|GITHUB_EVENT_(?:PATH|NAME))|"""
    r"""(?P<GitLab>(?i:x-gitlab-(?:event|token)))|"""
    r"""(?P<Bitbucket>(?i:x-event-key)|pullrequest:[a-z_]+)|"""
    r"""(?P<Azure_DevOps>git\.pullrequest\.[a-z]+)|(?P<Gitea>(?i:x-gitea-event)))["']""")
_CODE_HOST_ANCHORS = gate_words(("-Event", "-event", "GITHUB_EVENT_", "-Key", "-key", "-Token",
                                 "-token", "pullrequest:", "git.pullrequest."))


def _code_host_events(hits: Sequence[Hit], apart: AbstractSet[str]) -> list[Surface]:
    """A code host whose events the program receives (pr-agent's GitHub App reads
    ``X-GitHub-Event``, its Action ``GITHUB_EVENT_PATH``), one per host, from the search's
    ``hits``; in Python, only where the module is not ``apart`` from the model."""
    found: dict[str, Surface] = {}
    for hit in hits:
        if hit.path not in apart and hit.kind not in found:
            literal = hit.text.strip("\"'")
            host = hit.kind.replace("_", " ")
            found[hit.kind] = Surface(Kind.IN_TOOL, f"{host} ({literal})",
                                      hit.evidence(f"{host} events"))
    return list(found.values())


def _mail_routes(project: Project) -> list[Surface]:
    return [Surface(Kind.IN_TOOL, f"email (inbound-mail webhook {r.arg})", r.at(r.name))
            for r in code_facts(project).routes if _MAIL_ROUTE.search(r.arg)]


def _api_routes(project: Project) -> list[Surface]:
    """The API, shown by a route whose handler reaches a model call when one is seen (a
    few calls down: autogenstudio's websocket ``/runs/{run_id}``, not its ``/version``),
    else by the first route."""
    routes = [r for r in code_facts(project).routes if not _MAIL_ROUTE.search(r.arg)]
    if not routes:
        return []
    flows = project_traffic(project) if generation_sites(project) else None
    serving = [r for r in routes if flows is not None and r.path.endswith(".py")
               and flows.decorated_reaches(r.path, r.line)]
    return [Surface(Kind.API, f"{r.name} route {r.arg}", r.at(r.name))
            for r in (serving or routes)[:1]]


Found = tuple[str, int] | None  # what a manifest makes the system (a label), and the line


def _manifests(project: Project) -> list[Surface]:
    """Manifests of apps inside other tools, and package.json files declaring a web UI."""
    chosen: dict[str, list[str]] = {}
    for rel in project.files:
        base = rel.rsplit("/", 1)[-1]
        kind = base if base in _NAMED else ".xml" if base.lower().endswith(".xml") else None
        if kind:
            chosen.setdefault(kind, []).append(rel)
    found = []
    for kind, files in chosen.items():
        query = query_name("adoption.manifest/2", kind, sorted(UI_PACKAGES.items()))
        for rel, answer in project.facts(files, query, _READERS[kind]).items():
            if answer:
                label, line = answer
                web = kind == "package.json" and label not in _TOOL_EXTENSIONS.values()
                found.append(Surface(Kind.UI if web else Kind.IN_TOOL, label,
                                     Evidence(rel, line)))
    return found


def _extension_or_app(text: str) -> Found:
    """manifest.json: a browser extension, a Zendesk app or a Microsoft Teams app."""
    data = json_object(text)
    if data is None:
        return None
    if "manifest_version" in data:
        return "browser extension", first_line(text, '"manifest_version"')
    if "location" in data and "frameworkVersion" in data:
        return "Zendesk app", first_line(text, '"location"')
    if "teams" in str(data.get("$schema", "")).lower() or "bots" in data:
        key = '"bots"' if "bots" in data else '"$schema"'
        return "Microsoft Teams app", first_line(text, key)
    return None


def _workspace_add_on(text: str) -> Found:
    if "addOns" in (json_object(text) or {}):
        return "Google Workspace add-on", first_line(text, '"addOns"')
    return None


def _salesforce(text: str) -> Found:
    if json_object(text) is not None:
        return "Salesforce (sfdx project)", first_line(text, "packageDirectories")
    return None


def _office_add_in(text: str) -> Found:
    return ("Office add-in", first_line(text, "<OfficeApp")) if "<OfficeApp" in text else None


# package.json of an extension that runs inside the tool people work in: JupyterLab reads
# its "jupyterlab" section (the extension's entry, its built assets), VS Code its
# "engines.vscode" range.
_TOOL_EXTENSIONS = {"jupyterlab": "JupyterLab extension", "vscode": "VS Code extension"}


def _web_ui(text: str) -> Found:
    """package.json: an extension of JupyterLab or VS Code, else the first UI framework it
    declares."""
    data = json_object(text) or {}
    lab = data.get("jupyterlab")
    if isinstance(lab, dict) and lab.keys() & {"extension", "discovery", "outputDir",
                                                 "schemaDir", "sharedPackages"}:
        return _TOOL_EXTENSIONS["jupyterlab"], first_line(text, '"jupyterlab":')
    engines = data.get("engines")
    if isinstance(engines, dict) and "vscode" in engines:
        return _TOOL_EXTENSIONS["vscode"], first_line(text, '"vscode"')
    declared = {**_mapping(data.get("devDependencies")), **_mapping(data.get("dependencies"))}
    for package, label in UI_PACKAGES.items():
        if package in declared:
            return f"{label} app", first_line(text, f'"{package}"')
    return None


_NAMED: dict[str, Callable[[str], Found]] = {
    "manifest.json": _extension_or_app, "appsscript.json": _workspace_add_on,
    "sfdx-project.json": _salesforce, "package.json": _web_ui}
_READERS = {**_NAMED, ".xml": _office_add_in}


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def first_line(text: str, needle: str) -> int:
    """The first line of ``text`` containing ``needle`` (1 when it is not found)."""
    return next((n for n, line in enumerate(split_lines(text), 1) if needle in line), 1)


def json_object(text: str) -> dict[str, Any] | None:
    """A JSON text's top-level object, or None if it is not one."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
