"""Adoption: a user guide says what the system does, when to trust it and how to check it."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from readiness.checks.infrastructure.llmtraffic import generation_sites

from readiness.config import Config
from readiness.llmcalls.context import context_of
from readiness.model import Credit, Evidence, Finding, Gap, check, failed, passed, warned
from readiness.project import Project

from .audience import judged
from .docs import TEST_PATH, Section, outlines, under
from .words import joined, located

_I = re.IGNORECASE


@dataclass(frozen=True)
class Part:
    """One thing a user guide must cover, recognised by its heading or by what it says."""

    label: str
    heading: re.Pattern[str]
    content: tuple[re.Pattern[str], ...]
    needed: int  # distinct content patterns one section needs when no heading names the part
    intro_only: bool = False  # content counts only in the document's opening section


TRUST = Part(
    "when to trust it",
    re.compile(r"\btrust|\blimit(s|ations?)\b|\bknown (issues|problems|failures?|errors|"
               r"limitations|weaknesses|failure cases)\b|\bfailure (cases|modes)\b|\bconfidence\b"
               r"|\bcaveats?\b|\bwhen not to\b|\breliab(le|ility)\b|\b(can'?t|cannot|doesn'?t|"
               r"does not|won'?t)\b|\bwhere it (fails|struggles|goes wrong)\b|\bmistakes\b|"
               r"\baccuracy\b|\bpitfalls\b|\bwhat (can|could) go wrong\b|\bedge cases\b", _I),
    tuple(re.compile(p, _I) for p in (
        r"\b(do not|don'?t|never|not) (blindly )?(trust|rely)",
        r"\b(may|can|might|sometimes|occasionally) (be wrong|make mistakes|misread|miss|"
        r"hallucinate|confuse|get \w+ wrong)",
        r"\bhallucinat", r"\bconfidence\b", r"\bknown (issues?|limitations?|failures?|problems?)",
        r"\blimitations?\b", r"\b(unreliable|less reliable|not reliable)\b", r"\bstruggles?\b",
        r"\baccura(cy|te)\b")),
    needed=2,
)
CHECK = Part(
    "how to check its work",
    re.compile(r"\b(how to|before you)\b.*\b(check|verify|review|approve)|\b(check|checking|"
               r"verify|verifying|review|reviewing|validate|validating|proofread\w*|"
               r"double[- ]check\w*|spot[- ]check\w*)\b.{0,30}\b(work|outputs?|results?|"
               r"answers?|extractions?|fields?|drafts?|summar(y|ies)|suggestions?|its|the ai|"
               r"responses?)\b|\bverification\b|\breview (steps|process|checklist)\b|"
               r"\bhuman review\b|\bquality checks?\b|\bchecklist\b", _I),
    tuple(re.compile(p, _I) for p in (
        r"\b(verify|verified|verification)\b", r"\b(double|cross|spot)[- ]check",
        r"\bcompare\b", r"\bbefore (you )?(approv|accept|submit|send|sign|post)\w*",
        r"\b(source|original) (document|text|file|page|invoice|contract|email)",
        r"\b(review|check) (each|every|the|its|all)\b", r"\bhighlighted\b",
        r"\b(correct|fix|edit) (the|any|it|wrong)\b")),
    needed=2,
)
WHAT = Part(
    "what it does",
    re.compile(r"\bwhat\b.*\b(does|do|is|for)\b|\boverview\b|\bintroduction\b|\babout\b|"
               r"\bpurpose\b|\bcapabilit(y|ies)\b|\bhow it works\b|\bfeatures?\b", _I),
    (re.compile(r"\b(it|this (tool|assistant|service|system|app|bot|extension|add-in)|the "
                r"(tool|assistant|service|system|bot|extractor|model|ai))\s+(automatically\s+)?"
                r"(reads|extracts|drafts|summari[sz]es|answers|classifies|suggests|generates|"
                r"fills|routes|triages|searches|finds|writes|translates|tags|sorts|pulls|"
                r"proposes|flags|helps)\b", _I),),
    needed=1,
    intro_only=True,
)
PARTS = (WHAT, TRUST, CHECK)
_HEADING_ORDER = (TRUST, CHECK, WHAT)  # "What it can't do" is about trust, not about what
_NOT_GUIDES = re.compile(r"(^|/)(changelog|changes|history|license|licence|copying|contributing|"
                         r"code_of_conduct|security|authors|notice|support)[^/]*$", _I)


# What `_marks` answers depends on: bump the version when that code changes.
_QUERY = "adoption.training/2"
_PARAMS = (tuple((p.label, p.heading.pattern, tuple(c.pattern for c in p.content), p.needed,
                  p.intro_only) for p in PARTS), tuple(p.label for p in _HEADING_ORDER))
Row = tuple[int, str, str, bool, bool, tuple[tuple[int, int], ...]]


class Mark(NamedTuple):
    """A section that may count for a part of a guide, and what it says."""

    path: str
    line: int
    heading: str  # when it names a part
    part: str  # the part its heading names, or ""
    substantive: bool  # its heading names a part and there is text under it
    opening: bool  # the document's first section
    content: tuple[tuple[int, int], ...]  # by PARTS: content patterns found, first line

    def at(self, note: str = "") -> Evidence:
        return Evidence(self.path, self.line, note)


# A page the app renders (a Jinja or Django template extending a layout): its headings are
# the app's screens ("Token Usage Overview", "Request Size vs Context Limits" on
# local-deep-research's metrics page), not a guide people wrote. (A link to a support
# channel on such a page still counts for support-plan: it is shown to the users.)
_PAGE_TEMPLATE = re.compile(r"\{%-?\s*(?:extends|block)\b")


def _marks(sections: tuple[Section, ...]) -> tuple[Row, ...]:
    """The sections of one document that can count for a part, as plain rows (none for a
    page template the app renders)."""
    if any(_PAGE_TEMPLATE.search(text) for s in sections for _, text in s.body) or any(
            s.heading and _PAGE_TEMPLATE.search(s.heading) for s in sections):
        return ()
    rows: list[Row] = []
    for index, section in enumerate(sections):
        part = next((p.label for p in _HEADING_ORDER if section.heading
                     and p.heading.search(section.heading)), "")
        content = tuple(_content(section, p) for p in PARTS)
        if part or any(count >= p.needed for (count, _), p in zip(content, PARTS, strict=True)):
            rows.append((section.line, section.heading if part else "", part,
                         bool(part) and section.substantive, index == 0, content))
    return tuple(rows)


def _content(section: Section, part: Part) -> tuple[int, int]:
    """How many of the part's content patterns the section matches, and the first line."""
    lines = [n for n in (section.first_line(p) for p in part.content) if n]
    return len(lines), min(lines, default=0)


def guide_marks(project: Project) -> dict[str, list[Mark]]:
    """Every document's marks, by path in path order."""
    found = outlines(project, _QUERY, _marks, *_PARAMS)
    return {rel: [Mark(rel, *row) for row in rows] for rel, rows in found.items()}


@dataclass(frozen=True)
class Coverage:
    name: str  # the guide: a file, or a folder ending in "/"
    files: int
    found: dict[str, Evidence]
    empty: dict[str, Mark]  # parts whose heading is there with nothing under it

    @property
    def missing(self) -> list[str]:
        return [p.label for p in PARTS if p.label not in self.found]


def cover(name: str, files: Sequence[str], marks: Mapping[str, Sequence[Mark]]) -> Coverage:
    """Which parts ``files`` cover: by a heading with content, else by what they say."""
    chosen = [m for rel in files for m in marks.get(rel, ())]
    found: dict[str, Evidence] = {}
    empty: dict[str, Mark] = {}
    for mark in chosen:
        if not mark.part or mark.part in found:
            continue
        if mark.substantive:
            found[mark.part] = mark.at(mark.part)
        else:
            empty.setdefault(mark.part, mark)
    for index, part in enumerate(PARTS):
        for mark in chosen:
            if part.label in found:
                break
            if part.intro_only and not mark.opening:
                continue
            count, first = mark.content[index]
            if count >= part.needed:
                found[part.label] = Evidence(mark.path, first, part.label)
    return Coverage(name, len(files), found, {k: v for k, v in empty.items() if k not in found})


def _verdict(guide: Coverage, origin: str) -> Finding:
    evidence = [guide.found[p.label] for p in PARTS if p.label in guide.found]
    if not guide.missing:
        return passed(f"user guide {guide.name}{origin} says what it does, when to trust it "
                      "and how to check its work", *evidence, credit=Credit.DOCUMENTED)
    message = f"user guide {guide.name}{origin} does not say {joined(guide.missing, 'or')}"
    for label in guide.missing:
        if label in guide.empty:
            section = guide.empty[label]
            message += f"; its '{section.heading}' section ({section.at()}) is empty"
            evidence.append(section.at("empty section"))
    if len(guide.missing) == len(PARTS):
        return failed(message, *evidence)
    return warned(message, *evidence)


def _configured(project: Project, config: Config, path: str) -> Finding:
    where = located(config, "adoption.training")
    if not project.exists(path):
        return failed(f"{path} (adoption.training in readiness.yaml) does not exist", *where)
    marks = guide_marks(project)
    files = under(marks, path)
    if not files:
        return warned(f"{path} (adoption.training) is not a text document, so what it covers "
                      "cannot be judged", Evidence(path), *where)
    name = path.rstrip("/") + ("/" if files != [path] else "")
    return _verdict(cover(name, files, marks), " (adoption.training)")


def _units(paths: Sequence[str]) -> dict[str, list[str]]:
    """Candidate guides: every document, and every folder of documents taken together."""
    # an eval harness's notes (gptme's gptme/eval/dspy/README.md) are for who runs the
    # evals, not for the system's users: eval folders as the call-site index knows them
    files = [f for f in sorted(paths) if not _NOT_GUIDES.search(f)
             and not TEST_PATH.search(f) and context_of(f, 0, []) != "eval"]
    units = {f: [f] for f in files}
    folders: dict[str, list[str]] = {}
    for rel in files:
        if "/" in rel:
            folders.setdefault(rel.rsplit("/", 1)[0] + "/", []).append(rel)
    units.update({k: v for k, v in folders.items() if len(v) > 1})
    return units


_GUIDE_NAME = re.compile(r"(guide|usage|user|manual|handbook|getting[-_ ]?started|help|faq|"
                         r"tutorial|how[-_ ]?to)[^/]*$", _I)
_README = re.compile(r"^readme\.[^/]+$", _I)


def _discovered(project: Project) -> Finding:
    marks = guide_marks(project)
    others = _other_components(project)
    every = [cover(name, files, marks) for name, files in _units(
        [rel for rel in marks if posixpath.dirname(rel) not in others]).items()]
    guides = [g for g in every if TRUST.label in g.found or CHECK.label in g.found]
    if guides:
        best = min(guides, key=lambda g: (len(g.missing), g.files, g.name))
        return _verdict(best, "")
    partial = [g for g in every if g.found]
    if partial:
        # Says what it does and nothing about trust or checking: cite it with what it lacks.
        best = min(partial, key=lambda g: (not _README.match(g.name), not _GUIDE_NAME.search(
            g.name.rstrip("/")), g.name.rstrip("/").count("/"), g.files, g.name))
        evidence = list(best.found.values())
        return failed(f"user guide {best.name} says what it does, but not "
                      f"{joined(best.missing, 'or')}", *evidence)
    return failed("no user guide found: no document says what the system does, when to trust "
                  "it or how to check its work")


def _other_components(project: Project) -> set[str]:
    """Folders of Python code none of whose modules, down the folder, makes a production
    model call, in a project where some module does: a document there is about that
    component, not a guide to the AI system (Home Assistant's
    homeassistant/components/zwave_js/README.md, beside the OpenAI integration)."""
    models = [c.path for c in generation_sites(project)]
    if not models:
        return set()
    code = {posixpath.dirname(rel) for rel in project.files if rel.endswith(".py")}
    return {folder for folder in code if folder and not _DOC_FOLDER.search(folder) and not any(
        path.startswith(folder + "/") for path in models)}


# Folders of documents, whatever code they hold (a Sphinx conf.py, a site generator's hooks).
_DOC_FOLDER = re.compile(r"(^|/)(docs?|documentation|guides?|manuals?|handbook|help|wiki|"
                         r"website|site)(/|$)", _I)


@check(
    code="ADO001",
    gap=Gap.ADOPTION,
    title="Does a user guide say what it does, when to trust it and how to check its work?",
    remediation="Write a user guide with three sections: what the system does, when to trust "
                "it (limits, known failure cases), and how to check its work; point "
                "adoption.training at it.",
)
def user_training(project: Project, config: Config) -> Finding:
    """What it checks:
    A guide for the people who will use the system covers three things: what it does, when
    to trust it (its limits, confidence, known failure cases) and how to check its work
    (what to compare, what to review before approving). The guide is the file or folder
    named by `adoption.training`, or else the document (or folder of documents, a README
    section, a wiki export) that covers the most of the three. Each part is recognised by a
    heading with content under it ("When to trust it", "Known limitations", "How to check
    its work") or by what a section says ("may misread", "confidence", "compare with the
    source document"), never by the file name. A document found without configuration must
    cover at least when to trust it or how to check it to count as a full or partial user
    guide; one that only says what the system does (a README) is cited with the parts it
    lacks and fails. Placeholder guides, agent instructions, templates, the tool's own
    reports, an eval harness's notes and the documents of a code component with no model
    call in it (a monorepo's integration README) never count. It applies to people in an
    interactive tool and to people acting on a batch job's output; not to an internal API
    only other services call.

    Why it matters:
    Users who are not told where the system fails either trust it blindly, and wrong
    answers reach customers, or distrust it entirely and redo the work by hand. Both
    undo the pilot's gains at production scale.

    How to fix:
    Write a short guide in the users' own terms with the three sections, using the known
    failure cases from quality testing (the upside-down scan, the vendor named seven ways),
    commit it and set `adoption.training` in readiness.yaml.
    """
    return judged(project, config, "user-training", _user_training)


def _user_training(project: Project, config: Config) -> Finding:
    path = config.get("adoption.training")
    return _configured(project, config, path) if path else _discovered(project)


CHECKS = (user_training,)
