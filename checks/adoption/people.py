"""Adoption: users took part in design, and incentives do not punish careful review."""

from __future__ import annotations

import re

from readiness.config import Config
from readiness.evidence import from_config
from readiness.model import (
    Credit,
    Evidence,
    Finding,
    Gap,
    Status,
    check,
    failed,
    passed,
    warned,
)
from readiness.project import Project

from .audience import judged
from .docs import TEST_PATH, Section, outlines
from .words import joined, located

_I = re.IGNORECASE
_NOTES_FOLDER = re.compile(r"(^|/)(design[-_ ]?reviews?|user[-_ ]?research|usability|"
                           r"user[-_ ]?interviews?|interviews)/", _I)
_INVOLVEMENT = re.compile(r"\b(user|customer|stakeholder)s?\s+(interviews?|research|testing|"
                          r"tests|sessions?|feedback|workshops?)\b|\bdesign\s+reviews?\b|"
                          r"\busability\b|\bco-?design\b|\b(discovery|feedback)\s+sessions?\b|"
                          r"\bshadowing\b|\bcontextual inquiry\b", _I)
_INCENTIVE = re.compile(r"\bincentives?\b", _I)
_TARGETS = re.compile(r"\b(kpis?|quotas?|targets?|performance (goals|reviews?|metrics))\b", _I)
_ABOUT_REVIEW = re.compile(r"\b(review|careful|thorough|accuracy|quality)\w*", _I)
_ABOUT_PEOPLE = re.compile(r"\b(users?|staff|team|clerks?|agents?|reviewers?|people|employees|"
                           r"analysts?)\b", _I)
_MAX_EVIDENCE = 5
# A placeholder of a template language (Jinja, Django, Handlebars, Liquid): a page or an
# e-mail the app fills in, not notes people wrote. Linear on any line: a filter runs to the
# next brace at most, and no two parts can match the same spaces.
_RENDERED = re.compile(r"\{\{\s*[\w.]+\s*(?:\|[^{}\n]*)?\}\}|"
                       r"\{%-?\s*(?:if|for|block|extends|include)\b")


Notes = tuple[int | None, int | None, int | None]


def _notes(sections: tuple[Section, ...]) -> Notes:
    """One document's first section, first user-research section and first incentives
    section (an "Incentives" heading, or targets that talk about review and people). A
    template the app renders (``{{ user_email }}``, ``{% if %}``: khoj's feedback e-mail,
    headed "User Feedback:") holds no notes."""
    first = sections[0].line if sections else None
    if any(_RENDERED.search(text) for s in sections for _, text in s.body):
        return first, None, None
    research = next((s.line for s in sections
                     if s.heading and _INVOLVEMENT.search(s.heading)), None)
    incentive = next((s.line for s in sections if s.heading and _about_incentives(s)), None)
    return first, research, incentive


def _about_incentives(section: Section) -> bool:
    if _INCENTIVE.search(section.heading):
        return True
    body = " ".join(text for _, text in section.body)
    return bool(_TARGETS.search(section.heading) and _ABOUT_REVIEW.search(body)
                and _ABOUT_PEOPLE.search(body))


def _people_notes(project: Project) -> dict[str, Notes]:
    """Every document's notes, by path in path order; shared by the two checks."""
    patterns = (_INVOLVEMENT, _INCENTIVE, _TARGETS, _ABOUT_REVIEW, _ABOUT_PEOPLE, _RENDERED)
    return project.shared("adoption.people", lambda p: outlines(
        p, "adoption.people/1", _notes, *(x.pattern for x in patterns)))


def involvement_notes(project: Project) -> list[Evidence]:
    """Design-review and user-research notes: in a folder for them, or by their headings."""
    found = []
    for rel, (first, research, _) in _people_notes(project).items():
        if _NOTES_FOLDER.search(rel):
            found.append(Evidence(rel, first, "user research") if first else Evidence(rel, 1))
        elif research and not TEST_PATH.search(rel):
            found.append(Evidence(rel, research, "user research"))
    return found


def incentive_notes(project: Project) -> list[Evidence]:
    """Sections about incentives, or about targets that mention reviewing and people."""
    notes = _people_notes(project)
    return [Evidence(rel, line, "incentives") for rel, (_, _, line) in notes.items()
            if line and not TEST_PATH.search(rel)]


def _documents(count: int) -> str:
    return f"{count} document" + ("" if count == 1 else "s")


def _adopters(config: Config) -> tuple[list[str], list[Evidence]]:
    names = [str(n) for n in config.get("adoption.early_adopters") or []]
    return names, located(config, "adoption.early_adopters") if names else []


@check(
    code="ADO004",
    gap=Gap.ADOPTION,
    title="Did users take part in the design?",
    remediation="Hold design reviews or user interviews with the people who will use it, "
                "commit the notes (e.g. docs/design-reviews/) and point "
                "evidence.user-involvement at them.",
)
def user_involvement(project: Project, config: Config) -> Finding:
    """What it checks:
    Written evidence that future users shaped the system: `evidence.user-involvement` in
    readiness.yaml (a path that must exist, or a URL with an owner), design-review or
    user-research notes in the repository (documents in a design-reviews/ or
    user-research/ folder, or with headings such as "User interview", "Design review",
    "Usability test"), and the early adopters named in `adoption.early_adopters`. Notes
    pass as documented evidence; names or a statement alone are a claim and warn; nothing
    fails.

    Why it matters:
    Systems designed without their users solve the wrong problem or fit the wrong step of
    the work. Users who took part become its advocates, and the soft launch has people who
    want it to work.

    How to fix:
    Run design reviews with a handful of future users (show the real screens, the real
    errors), write down what changed because of them, commit the notes and name the early
    adopters in `adoption.early_adopters`.
    """
    return judged(project, config, "user-involvement", _user_involvement)


def _user_involvement(project: Project, config: Config) -> Finding:
    configured = from_config(project, config, "user-involvement")
    if configured and configured.status is Status.FAIL:
        return configured
    notes = involvement_notes(project)
    names, named_at = _adopters(config)
    also = f"; early adopters: {', '.join(names)}" if names else ""
    if notes:
        shown = notes[:_MAX_EVIDENCE]
        pointed = configured.evidence if configured and configured.status is Status.PASS else ()
        return passed(f"users took part in design: design reviews or user research written up "
                      f"in {_documents(len(notes))}{also}", *pointed, *shown, *named_at,
                      credit=Credit.DOCUMENTED)
    if configured and configured.status is Status.PASS:
        return passed(configured.message + also, *configured.evidence, *named_at,
                      credit=Credit.DOCUMENTED)
    if configured:
        return Finding(configured.status, configured.message + also,
                       (*configured.evidence, *named_at), configured.credit)
    if names:
        return warned(f"early adopters are named in readiness.yaml ({', '.join(names)}), but no "
                      "design-review or user-research notes show they took part in design",
                      *named_at, credit=Credit.CLAIMED)
    return failed("no sign that users took part in design: no design-review or user-research "
                  "notes, no early adopters named")


@check(
    code="ADO005",
    gap=Gap.ADOPTION,
    title="Were incentives reviewed so that careful review is not punished?",
    remediation="Review with the users' managers how their work is measured (volume targets, "
                "handling time) so that checking the system's output is not penalised, and "
                "commit the outcome as evidence.incentives.",
)
def incentives(project: Project, config: Config) -> Finding:
    """What it checks:
    Written evidence that someone looked at how users are measured and rewarded once the
    system is live: `evidence.incentives` in readiness.yaml (a path that must exist, or a
    URL with an owner), or a document with an "Incentives" section, or a section on KPIs,
    quotas or targets that talks about review and the people doing it. A statement in
    readiness.yaml alone is a claim and warns; nothing fails.

    Why it matters:
    If people are measured on items per hour, checking the system's output costs them, so
    they stop checking, and its mistakes go straight through. If the system makes their
    targets harder, they quietly stop using it.

    How to fix:
    With the users' managers, go through the targets the work is measured by, adjust those
    that punish careful review (credit reviewed items, count corrections as work), and
    commit the outcome, e.g. docs/adoption/incentives-review.md.
    """
    return judged(project, config, "incentives", _incentives)


def _incentives(project: Project, config: Config) -> Finding:
    configured = from_config(project, config, "incentives")
    if configured and configured.status is Status.FAIL:
        return configured
    notes = incentive_notes(project)
    if notes:
        pointed = configured.evidence if configured and configured.status is Status.PASS else ()
        where = joined([str(n) for n in notes[:2]]) + (" and more" if len(notes) > 2 else "")
        return passed(f"incentives review written up ({where})", *pointed,
                      *notes[:_MAX_EVIDENCE], credit=Credit.DOCUMENTED)
    if configured:
        return configured
    return failed("no sign that incentives were reviewed: no incentives section in the "
                  "documents and no evidence.incentives in readiness.yaml")


CHECKS = (user_involvement, incentives)
