"""Adoption: a named owner answers users' questions in a known channel during the first month."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple, cast

from readiness.config import Config
from readiness.model import Credit, Evidence, Finding, Gap, check, failed, passed, warned
from readiness.project import Project
from readiness.project.configfiles import config_index, scalar_text
from readiness.project.documents import is_placeholder, tool_output
from readiness.project.signals import query_name
from readiness.project.sourcetext import split_lines

from .audience import judged
from .docs import Section, is_document, outlines, parse, style_of
from .supportdocs import ESCALATION, PARAMS, Found, in_scope, invite, structured
from .words import joined, located

_I = re.IGNORECASE
OWNER, CHANNEL, HOURS = "owner", "channel", "hours"
_SUPPORT_FILE = re.compile(r"^(\.github/|docs/)?support\.(md|markdown|rst|txt|adoc)$", _I)
_CODEOWNERS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")

_KEY_VALUE = re.compile(r"^\s*(?:[-*+>]|\d+\.)?\s*\|?\s*(?P<key>[A-Za-z][A-Za-z /&()-]{1,40}?)"
                        r"\s*(?::|\||\s[-\u2013\u2014]\s)\s*(?P<value>\S.*?)\s*\|?\s*$")
_OWNER_KEY = re.compile(r"^(support |product |service )?(owner|owned by|lead|contact|point of "
                        r"contact|poc|maintainers?|responsible|escalation|escalate to|dri|"
                        r"who answers)$", _I)
_CHANNEL_KEY = re.compile(r"\b(channel|slack|teams|e-?mail|where to ask|ask|questions|help ?desk|"
                          r"tickets?|queue|contact)\b", _I)
_HOURS_KEY = re.compile(r"\b(hours|availability|available|when|response times?|coverage|"
                        r"rota|on[- ]call|rotation)\b", _I)
_CHANNEL = re.compile(r"(?<![\w&/#])#[a-z][a-z0-9_-]{1,79}\b|[\w.+-]+@[\w-]+\.[\w.-]*\w|"
                      r"https?://\S*(help|support|desk|jira|servicenow|zendesk|ticket|slack\.com|"
                      r"teams\.microsoft)[^\s)>\]]*", _I)
_DAY = r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
_HOURS = re.compile(rf"\b{_DAY}\s*(-|\u2013|to|through)\s*{_DAY}|\b\d{{1,2}}(:\d{{2}}|\s*[ap]m|h)"
                    r"\s*(-|\u2013|to)\s*\d{1,2}(:\d{2}|\s*[ap]m|h)|\b24/7\b|\b(business|office|"
                    r"working) hours\b|\brota\b|\bon[- ]call (rotation|schedule|rota)\b", _I)
_NAME = r"(@[\w./-]+|[A-Z][\w'-]+(?: [A-Z][\w'-]+)+)"
_OWNER_PHRASE = re.compile(rf"\bowned by\s+(?P<a>{_NAME})|(?P<b>{_NAME})\s+(owns|answers|is on "
                           rf"call|is responsible|leads support)\b|\b(contact|ask|ping|reach)\s+"
                           rf"(?P<c>{_NAME})")


class Fact(NamedTuple):
    value: str
    where: Evidence | None
    community: bool = False  # a community channel (chat invite, issue forms): no owner implied


def _short(text: str) -> str:
    text = text.replace("**", "").replace("`", "").strip()
    return text if len(text) <= 60 else text[:57] + "..."


def read_line(text: str) -> dict[str, str]:
    """Owner, channel and hours stated on one line of a support document."""
    found: dict[str, str] = {}
    plain = text.replace("**", "").replace("__", "")
    pair = _KEY_VALUE.match(plain)
    channel = _CHANNEL.search(plain)
    if pair:
        key, value = pair.group("key").strip(), pair.group("value")
        if _OWNER_KEY.match(key) and not (key.lower() == "contact" and channel):
            found[OWNER] = value
        elif _HOURS_KEY.search(key):
            found[HOURS] = value
        elif _CHANNEL_KEY.search(key):
            found[CHANNEL] = channel.group(0) if channel else value
    if CHANNEL not in found and channel:
        found[CHANNEL] = channel.group(0)
    if HOURS not in found and (hours := _HOURS.search(plain)):
        found[HOURS] = plain[hours.start():].strip().rstrip(".")
    if OWNER not in found and (who := _OWNER_PHRASE.search(plain)):
        found[OWNER] = who.group("a") or who.group("b") or who.group("c")
    return {k: _short(v) for k, v in found.items()}


# What the per-document answers depend on: bump the versions when that code changes.
_PARAMS = (_KEY_VALUE.pattern, _OWNER_KEY.pattern, _CHANNEL_KEY.pattern, _HOURS_KEY.pattern,
           _CHANNEL.pattern, _HOURS.pattern, _OWNER_PHRASE.pattern)


def _whole_file(style: str, text: str) -> dict[str, object]:
    """A SUPPORT.md: every section counts."""
    if tool_output(text):
        return {}
    sections = parse(style, text)
    return {"facts": structured(in_scope(sections, True), read_line),
            "invite": invite(sections)}


def _support_sections(sections: tuple[Section, ...]) -> dict[str, object]:
    """Any other document: its support sections, and a community invite anywhere."""
    return {"facts": structured(in_scope(sections, False), read_line),
            "invite": invite(sections)}


def _from_documents(project: Project, facts: dict[str, Fact]) -> None:
    """From SUPPORT.md (all of it), then from the support sections of other documents; an
    escalation contact stands in for a missing owner, a community invite for a channel."""
    files = [rel for rel in project.files if _SUPPORT_FILE.match(rel) and is_document(rel)]
    by_style: dict[str, list[str]] = {}
    for rel in files:
        by_style.setdefault(style_of(rel.lower()), []).append(rel)
    whole: dict[str, dict[str, object]] = {}
    for style, chosen in by_style.items():
        query = query_name("adoption.support.file/2", style, *_PARAMS, *PARAMS)
        whole.update(project.facts(chosen, query, functools.partial(_whole_file, style)))
    sections = outlines(project, "adoption.support.sections/2", _support_sections,
                        *_PARAMS, *PARAMS)
    ordered = [(rel, whole[rel]) for rel in sorted(whole)]
    ordered += [(rel, found) for rel, found in sections.items()
                if rel not in whole and not _LEGAL.search(rel)]
    invites: list[Fact] = []
    for rel, answer in ordered:
        first = cast(Found, answer.get("facts") or {})
        for key, (number, value) in first.items():
            if key == ESCALATION:
                key, value = OWNER + "?", f"{value} (escalation)"
            facts.setdefault(key, Fact(value, Evidence(rel, number, key.rstrip("?"))))
        link = answer.get("invite")
        if isinstance(link, list | tuple):
            invites.append(Fact(f"{link[1]} (community chat)", Evidence(rel, link[0], "channel"),
                                True))
    escalation = facts.pop(OWNER + "?", None)
    if OWNER not in facts and escalation:
        facts[OWNER] = escalation
    if CHANNEL not in facts:
        channel = invites[0] if invites else _issue_channel(project)
        if channel:
            facts[CHANNEL] = channel


# A privacy policy's or licence's "Contact" section is for legal requests, not users' questions.
_LEGAL = re.compile(r"(^|/)(legal/|(privacy|terms|tos|license|licence|security|"
                    r"code[-_]of[-_]conduct|cookies?|gdpr|dpa)[^/]*$)", _I)
_CONTACT_LINK = re.compile(r"^contact_links\.\d+\.url$")
_ISSUE_TEMPLATES = ".github/ISSUE_TEMPLATE/"


def _issue_channel(project: Project) -> Fact | None:
    """Issue forms and their contact links: a channel for questions, never an owner."""
    for entry in config_index(project).find(_CONTACT_LINK):
        if entry.path.startswith(_ISSUE_TEMPLATES):
            return Fact(f"{scalar_text(entry.value)} (issue-form contact link)",
                        entry.evidence("channel"), True)
    forms = [rel for rel in project.files if rel.startswith(_ISSUE_TEMPLATES)
             and rel.rsplit("/", 1)[-1] not in ("config.yml", "config.yaml")]
    if forms:
        return Fact("GitHub issue forms", Evidence(sorted(forms)[0], None, "channel"), True)
    return None


def _from_config(project: Project, config: Config, facts: dict[str, Fact]) -> str:
    """Facts from `adoption.support`; returns a problem to report, if any."""
    for key in (OWNER, CHANNEL, HOURS):
        value = config.get(f"adoption.support.{key}")
        where = config.evidence(f"adoption.support.{key}")
        if value and not is_placeholder(value):
            facts[key] = Fact(_short(str(value)), where._replace(note=key) if where else None)
    rota = config.get("adoption.support.rota")
    if not rota or HOURS in facts:
        return ""
    if project.exists(rota):
        facts[HOURS] = Fact(f"the rota in {rota}", Evidence(rota.rstrip("/"), None, "rota"))
        return ""
    return f"; adoption.support.rota points at {rota}, which does not exist"


def _code_owner(project: Project) -> Fact | None:
    files = [rel for rel in _CODEOWNERS if project.exists(rel)]
    found = project.facts(files, "adoption.codeowners/1", _first_owners)
    for rel in files:
        first = found.get(rel)
        if first:
            return Fact(first[1], Evidence(rel, first[0], "code owners"))
    return None


def _first_owners(text: str) -> tuple[int, str] | None:
    """The first CODEOWNERS line naming owners: its number and the owners."""
    for number, line in enumerate(split_lines(text), 1):
        owners = [w for w in line.split("#", 1)[0].split()[1:] if "@" in w]
        if owners:
            return number, " ".join(owners)
    return None


def _evidence(*facts: Fact | None) -> list[Evidence]:
    """Each fact's place; facts on one line (a YAML flow mapping) are one entry."""
    merged: dict[tuple[str, int | None], Evidence] = {}
    for fact in facts:
        if fact is None or fact.where is None:
            continue
        key = (fact.where.path, fact.where.line)
        seen = merged.get(key)
        merged[key] = seen._replace(note=f"{seen.note}, {fact.where.note}") if seen else fact.where
    return list(merged.values())


def _judge(facts: dict[str, Fact], problem: str, reviewers: Fact | None) -> Finding:
    owner, channel, hours = (facts.get(k) for k in (OWNER, CHANNEL, HOURS))
    if owner and channel and hours:
        return passed(f"support owner {owner.value} answers questions in {channel.value} "
                      f"({hours.value})", *_evidence(owner, channel, hours),
                      credit=Credit.DOCUMENTED)
    if owner:
        missing = [text for fact, text in ((channel, "no channel for questions"),
                                           (hours, "no hours or rota for the first month"))
                   if fact is None]
        return warned(f"support owner {owner.value} is named, but the plan has "
                      f"{joined(missing)}{problem}", *_evidence(owner, channel, hours))
    if channel:
        also = f" and hours {hours.value}" if hours else ""
        return warned(f"a channel for questions, {channel.value}{also}, but no named owner "
                      f"answers there: name who does (an 'Owner' heading with the name, or "
                      f"adoption.support.owner){problem}", *_evidence(channel, hours))
    if hours:
        return failed(f"no named support owner: hours {hours.value} found, but no one is "
                      f"responsible for answering users{problem}", *_evidence(hours))
    message = ("no support plan: no owner, channel or hours for users' questions in "
               f"SUPPORT.md or adoption.support{problem}")
    if reviewers:
        message += f" (CODEOWNERS names code reviewers, {reviewers.value}, not who answers users)"
    return failed(message, *_evidence(reviewers))


@check(
    code="ADO003",
    gap=Gap.ADOPTION,
    title="Does a named owner answer users in a known channel during the first month?",
    remediation="Name a support owner, a channel for questions and the hours (or a rota) for "
                "the first month under adoption.support in readiness.yaml or in SUPPORT.md.",
)
def support_plan(project: Project, config: Config) -> Finding:
    """What it checks:
    Three facts: a named owner, a channel where users ask questions (a Slack channel, an
    email address, a helpdesk queue) and the hours or a rota that cover the first month.
    They are read from `adoption.support` in readiness.yaml (`owner`, `channel`, `hours`,
    `rota`: a file), then from SUPPORT.md (at the root, in .github/ or docs/) and from the
    "Support", "Getting help" or "Contact" sections (and their sub-sections) of other
    documents, by structure: the bold name under an "Owner" heading, a first-month table
    with a who and a when column, the list under an "Escalation" heading (its first name
    stands in for a missing owner), `Owner: ...` lines, `#channels`, email addresses, "Mon-Fri
    9-17". A community chat invite (Discord, Slack, Gitter, Matrix, GitHub Discussions),
    issue forms and their `contact_links` are channels. Placeholders (`name-of-owner`, the
    starters' example channels) never count. CODEOWNERS names an owner when a channel or
    hours are planned elsewhere; on its own it names code reviewers, not who answers users.
    All three pass (documented); an owner with a part missing warns, naming it; a channel
    without a named owner warns, saying so; no owner and no channel fails. It applies to
    batch jobs (people act on their output), not to an internal API only services call.

    Why it matters:
    In the first month users hit every rough edge at once. When nobody answers, they stop
    using the system within days and the soft launch measures frustration, not the product.

    How to fix:
    Agree who answers, where and when for the first 30 days, and write it down: set
    `adoption.support: {owner, channel, hours}` (or `rota: docs/support-rota.md`) in
    readiness.yaml, or commit a SUPPORT.md with `Owner:`, `Channel:` and `Hours:` lines.
    """
    return judged(project, config, "support-plan", _support_plan)


def _support_plan(project: Project, config: Config) -> Finding:
    facts: dict[str, Fact] = {}
    problem = _from_config(project, config, facts)
    _from_documents(project, facts)
    reviewers = _code_owner(project)
    planned = HOURS in facts or (CHANNEL in facts and not facts[CHANNEL].community)
    if reviewers and OWNER not in facts and planned:
        facts[OWNER] = reviewers
    if not facts and problem:
        return failed(problem.lstrip("; "), *located(config, "adoption.support.rota"))
    return _judge(facts, problem, reviewers)


CHECKS = (support_plan,)
