"""Who uses the system's output: that decides which adoption checks apply.

- **interactive**: people in an interactive tool (a chat or web UI, a bot in Slack or Teams,
  an add-in or extension, a command people install and run in their terminal). Every
  adoption check applies.
- **service**: an internal API other services call (an LLM gateway, a machine-to-machine
  endpoint). Nobody is trained, supported or rolled out to: user-training, support-plan and
  soft-launch-rollout are not applicable; workflow-integration passes when the calling
  services are named.
- **batch**: a job whose output people act on (records written to a CRM, a chat message per
  item, a report). Training, support and the rollout apply; writing into the users' system
  of record or chat is its integration; adoption-metrics is not applicable (its adoption is
  whether people act on the output, which feedback-loop measures).
- **none**: no model at all. Every adoption check is not applicable.

Worked out from the code and config, said in each adoption finding's details (and a
scorecard note), and overridden by `adoption.audience` in readiness.yaml.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from readiness.checks.infrastructure import callsites
from readiness.checks.infrastructure.llmtraffic import generation_sites

from readiness.config import Config
from readiness.llmcalls.reach import command_files, reached
from readiness.model import Evidence, Finding, Status
from readiness.project import Project, llmusage
from readiness.project.documents import excluded

from .code import Site, batch_entry_point, code_facts, output_destinations
from .surface import Kind, surfaces


class Audience(enum.Enum):
    INTERACTIVE = "interactive"
    SERVICE = "service"
    BATCH = "batch"
    NONE = "none"


DESCRIPTION = {Audience.INTERACTIVE: "people in an interactive tool",
               Audience.SERVICE: "other services calling an internal API",
               Audience.BATCH: "people acting on a batch job's output",
               Audience.NONE: "no one: there is no model in it"}

# Libraries that hold a conversation with a person in the terminal (readline: line editing
# and history for input(), as open-interpreter's terminal interface uses it).
REPL_MODULES = {"prompt_toolkit": "prompt_toolkit", "questionary": "questionary",
                "textual": "Textual", "InquirerPy": "InquirerPy", "readline": "readline"}
# Their parts that read what a person types: not a completer, a key binding or a colour
# (gptme imports textual.color to name colours; its prompt is prompt_toolkit's).
_READS_INPUT = re.compile(r"prompt_toolkit($|\.(shortcuts|application)(\.|$))|textual\.app$|"
                          r"questionary\b|InquirerPy\b|readline$")
# Keys in readiness.yaml that only make sense when people use the output.
_PEOPLE_KEYS = ("training", "support", "rollout", "early_adopters", "adoption_measured")


@dataclass(frozen=True)
class Decided:
    audience: Audience
    why: str  # what it was worked out from
    where: Evidence | None

    def describe(self) -> str:
        return f"{DESCRIPTION[self.audience]} ({self.why})"


def audience(project: Project, config: Config) -> Decided:
    """The audience: from adoption.audience, else from the code and config."""
    chosen = config.get("adoption.audience")
    where = config.evidence("adoption.audience")
    if chosen:
        return Decided(Audience(chosen), "adoption.audience in readiness.yaml", where)
    interactive = config.get("adoption.interactive")
    if interactive is not None:
        where = config.evidence("adoption.interactive")
        return Decided(Audience.INTERACTIVE if interactive else Audience.BATCH,
                       f"adoption.interactive: {str(interactive).lower()}", where)
    return project.shared("adoption.audience", lambda p: _worked_out(p, config))


def _has_model(project: Project) -> bool:
    """An LLM SDK import settles it (the scan ``llm_usage`` starts with); the full search
    (Bedrock clients, gateway configs, which parses every config file) runs only without
    one."""
    return bool(llmusage.sdk_imports(project)) or callsites.uses_llm(project)


def _worked_out(project: Project, config: Config) -> Decided:
    if not _has_model(project):
        return Decided(Audience.NONE, "no LLM usage found", None)
    found = surfaces(project)
    people = next((s for s in found if s.kind in (Kind.IN_TOOL, Kind.UI)), None)
    if people:
        return Decided(Audience.INTERACTIVE, people.label, people.where)
    schedule = batch_entry_point(project, scheduled_only=True)
    command = command_line_tool(project)
    if command and not schedule:
        return Decided(Audience.INTERACTIVE, command.note, command)
    api = next((s for s in found if s.kind is Kind.API), None)
    planned = [k for k in _PEOPLE_KEYS if config.get(f"adoption.{k}") is not None]
    if api and planned:
        return Decided(Audience.INTERACTIVE, f"{api.label}, with adoption.{planned[0]} "
                       "planned for its users", api.where)
    if api:
        return Decided(Audience.SERVICE, f"only an HTTP API: {api.label}", api.where)
    entry = schedule or batch_entry_point(project)
    if entry:
        return Decided(Audience.BATCH, f"{entry.path} is a {entry.note}", entry)
    # A write into a system of record makes a job; a chat post alone may be an ops alert.
    landed = [e for e in output_destinations(project) if not e.note.endswith(" message")]
    if landed:
        return Decided(Audience.BATCH, f"it writes its output into {landed[0].note}", landed[0])
    return Decided(Audience.INTERACTIVE, "no UI, API, command or job found: judged as "
                   "interactive, the strict reading", None)


def command_line_tool(project: Project) -> Evidence | None:
    """An installed command (a console script in package metadata) or a terminal
    conversation library."""
    for rel in sorted(project.files, key=lambda f: (f.count("/"), f)):
        base = rel.rsplit("/", 1)[-1]
        if base not in _PACKAGING or rel.count("/") > 2 or excluded(rel):
            continue
        found = _first_script(project.lines(rel), _PACKAGING[base])
        if found:
            number, name = found
            return Evidence(rel, number, f"command-line tool ({name})")
    repl = conversations(project)
    return repl[0].at(f"terminal conversation ({REPL_MODULES[repl[0].name]})") if repl else None


def conversations(project: Project) -> list[Site]:
    """Imports of a library's part that reads what a person types in the terminal."""
    return [site for site in code_facts(project).importing(*REPL_MODULES)
            if _READS_INPUT.match(site.arg)]


def terminal_conversation(project: Project) -> Evidence | None:
    """Where an installed command talks with its user in the terminal: a terminal
    conversation library imported by a module the command runs (its own module or one it
    imports, directly or through others). A command that only starts a server, or a
    library imported by code no command runs, is none."""
    repl = conversations(project)
    commands = command_files(project) if repl else frozenset()
    if not commands:
        return None
    runs = reached(project, commands)
    site = next((s for s in repl if s.path in runs), None)
    if site is None:
        return None
    return site.at(f"terminal conversation ({REPL_MODULES[site.name]}) of an installed command")


def command_runs_the_model(project: Project) -> bool:
    """Does an installed command run the AI feature: does a module it runs (its own, or one
    it imports, directly or through others) make a production model call? Home
    Assistant's ``hass`` starts the server; its OpenAI integration is loaded by name later.
    True when there is nothing to tie it to (no such call in Python, no command module)."""
    models = {c.path for c in generation_sites(project)}
    commands = command_files(project) if models else frozenset()
    return not commands or not models.isdisjoint(reached(project, commands))


# Packaging files, and the section or key under which each declares console scripts.
_PACKAGING = {"pyproject.toml": re.compile(r"^\[(project\.scripts|tool\.poetry\.scripts)\]"),
              "setup.cfg": re.compile(r"^\s*console_scripts\s*="),
              "entry_points.txt": re.compile(r"^\[console_scripts\]"),
              "setup.py": re.compile(r"""["']console_scripts["']""")}
_SCRIPT = re.compile(r"""^\s*["']?([A-Za-z0-9][\w.-]*)["']?\s*=""")
_INLINE_SCRIPT = re.compile(r"""["']([A-Za-z0-9][\w.-]*)\s*=\s*[\w.]+:\w""")


def _first_script(lines: Sequence[str], section: re.Pattern[str]) -> tuple[int, str] | None:
    """The first command declared under ``section``: its line and name."""
    for index, line in enumerate(lines):
        if not section.search(line):
            continue
        inline = _INLINE_SCRIPT.search(line)
        if inline:
            return index + 1, inline.group(1)
        for number in range(index + 1, min(index + 6, len(lines))):
            text = lines[number]
            if text.strip().startswith("["):
                break
            match = _SCRIPT.match(text) or _INLINE_SCRIPT.search(text)
            if match:
                return number + 1, match.group(1)
    return None


# Checks that do not apply, per audience, and why.
_NOT_FOR = {
    Audience.SERVICE: {
        "user-training": "no person uses it directly, so there is no one to train",
        "support-plan": "its callers are services, whose teams own their users' questions",
        "soft-launch-rollout": "there are no users to roll out to by share: the services "
                               "calling it decide their own launch",
    },
    Audience.BATCH: {
        "adoption-metrics": "its adoption is whether people act on its output, which "
                            "feedback-loop measures",
    },
}


def not_applicable(project: Project, config: Config, check: str) -> Finding | None:
    """Not applicable, saying why, when the audience rules ``check`` out; else None."""
    decided = audience(project, config)
    where = (decided.where,) if decided.where else ()
    details = (("audience", decided.audience.value), ("audience_reason", decided.describe()))
    if decided.audience is Audience.NONE:
        return Finding(Status.NOT_APPLICABLE, f"no AI feature for people to adopt: "
                       f"{llmusage.NO_LLM}", (), details=details)
    why = _NOT_FOR.get(decided.audience, {}).get(check)
    if why is None:
        return None
    hint = "" if "readiness.yaml" in decided.why or "adoption." in decided.why else (
        "; set adoption.audience if people use it")
    return Finding(Status.NOT_APPLICABLE, f"audience: {decided.describe()}: {why}{hint}",
                   where, details=details)


def with_audience(finding: Finding, project: Project, config: Config) -> Finding:
    """The finding with the audience it was judged for in its details."""
    decided = audience(project, config)
    return dataclasses.replace(finding, details=(
        *finding.details, ("audience", decided.audience.value),
        ("audience_reason", decided.describe())))


def judged(project: Project, config: Config, check: str,
           judge: Callable[[Project, Config], Finding]) -> Finding:
    """``judge``'s finding for ``check`` when the audience has it apply (with the audience in
    its details), else not applicable with the reason."""
    skipped = not_applicable(project, config, check)
    return skipped or with_audience(judge(project, config), project, config)
