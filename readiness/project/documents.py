"""Which files may be evidence: the one rule every document- and config-reading check uses.

A file in the repository counts as evidence of what the team did (a user guide, a support
plan, a pilot report, a rollout setting) only if people wrote it for that purpose. Left out:

- what ``readiness`` itself wrote: scorecards, reports and baselines in any format, recognised
  by their content (a committed ``readiness-baseline.json`` quotes every check's failure text,
  so it would otherwise "mention" a dead-letter queue or success criteria);
- pull-request, issue and merge-request templates (forms for contributors, not guides);
- instructions for coding agents and their skills (AGENTS.md, CLAUDE.md, .cursor/rules, ...);
- built HTML bundles, benchmark fixtures and vendored code, and test files.

Values copied unchanged from a ``readiness init`` starter (``name-of-owner``, its example
channel) are placeholders and never evidence either (`is_placeholder`).
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import TYPE_CHECKING

from readiness.project.regexwords import could_match, needed_words_of

if TYPE_CHECKING:
    from readiness.project import Project

_I = re.IGNORECASE
_TEMPLATES = re.compile(
    r"(^|/)\.github/(ISSUE_TEMPLATE|DISCUSSION_TEMPLATE|PULL_REQUEST_TEMPLATE)(/|\.md$)|"
    r"(^|/)(pull_request_template|issue_template|merge_request_template)s?(\.md$|/)|"
    r"(^|/)\.gitlab/(issue_templates|merge_request_templates)/", _I)
_AGENTS = re.compile(  # the file names as the tools spell them: docs/agents.md is about people
    r"(^|/)(AGENTS|AGENT|CLAUDE|GEMINI|CONVENTIONS|SKILL|copilot-instructions)\.md$|"
    r"(?i:(^|/)\.(cursor|claude|windsurf|clinerules|continue|roo|kiro|agents?|codex|gemini|"
    r"aider[^/]*|junie)/|(^|/)\.github/(instructions|prompts|chatmodes|agents)/|"
    r"(^|/)\.(cursorrules|windsurfrules|clinerules)$|\.(instructions|prompt|chatmode)\.md$|"
    r"\.mdc$|"
    # an agent skill's own files, in the folders the Agent Skills layout gives them beside
    # its SKILL.md (skyvern's cli/skills/skyvern/references/*.md)
    r"(^|/)skills/[^/]+/(references|scripts|assets)/)")
_BUILT = re.compile(r"(^|/)(dist|build|_build|site|_site|public|out|htmlcov|coverage|"
                    r"storybook-static|static/bundle|\.next|\.nuxt|\.docusaurus)/[^/]*"
                    r"(/[^/]*)*\.html?$", _I)
_BENCH = re.compile(r"(^|/)(bench|benchmarks?|fixtures?|__fixtures__|testdata|test[-_]data|"
                    r"golden|snapshots|__snapshots__)/", _I)
_VENDOR = re.compile(r"(^|/)(vendor|vendored|_vendor|third[-_]party|thirdparty|external|"
                     r"extern|bower_components|site-packages|node_modules)/", _I)
_TESTS = re.compile(r"(^|/)(tests?|testing|__tests__)/|(^|/)test_[^/]*$|_test\.py$|"
                    r"\.(test|spec)\.[jt]sx?$", _I)
_BY_PATH = ((_TEMPLATES, "a pull-request or issue template"),
            (_AGENTS, "instructions for a coding agent"),
            (_BUILT, "a built HTML bundle"), (_VENDOR, "vendored code"),
            (_BENCH, "a benchmark or test fixture"), (_TESTS, "a test file"))

# What readiness writes, by format: recognised by content, whatever the file is called. Each
# entry is a set of patterns that must all match.
_OUTPUTS = (
    # JSON scorecard or baseline (keys sorted or not): the gate, its horizon and the verdict
    (re.compile(r'"horizon_week"\s*:\s*-?\d+'), re.compile(r'"gate_week"\s*:\s*\d+'),
     re.compile(r'"verdict"\s*:\s*"[A-Z_]+"'), re.compile(r'"results"\s*:\s*\[')),
    # SARIF
    (re.compile(r'"driver"\s*:\s*\{\s*"name"\s*:\s*"readiness"'),),
    # JUnit
    (re.compile(r'<testsuites name="readiness" '),),
    # Markdown report: the line under the verdict heading
    (re.compile(r"^<sub>readiness [^<\n]{1,40} \u00b7 <code>", re.MULTILINE),),
    # HTML report
    (re.compile(r'<section class="verdict v-[A-Z_]+">'),),
    # terminal report saved as text
    (re.compile(r"^readiness \S{1,40} \u00b7 .*\n(Week \d+ of \d+|Week \d+ \(past|Week unknown|"
                r"Before the pilot).* \u00b7 gate: ", re.MULTILINE),),
)
_PLACEHOLDER = re.compile(r"^\s*(name-of-[\w-]+|<[^<>]{1,40}>|\[[^\]]{1,40}\]|your[- _][\w -]+|"
                          r"todo|tbd|tba|x+|example|changeme|@?example(\.com)?|"
                          r"[\w.+-]+@example\.(com|org|net))\s*$", _I)


# Every match of a _BY_PATH pattern holds one of these words: most paths hold none and are
# not searched (each pattern begins with ``(^|/)``, so it is tried at every position: 36,000
# paths of Home Assistant took 0.3 s).
_PATH_WORDS = needed_words_of(*(pattern for pattern, _why in _BY_PATH))


def for_coding_agent(rel: str) -> bool:
    """Is the file at ``rel`` instructions for a coding agent (CLAUDE.md, .cursor/rules,
    a skill): text for the tool that edits the code, not for the app's model?"""
    return _AGENTS.search(rel) is not None


@functools.lru_cache(maxsize=1 << 16)  # asked of every file by several checks in a run
def excluded(rel: str) -> str | None:
    """Why the file at ``rel`` is never evidence by its place (None: it may be)."""
    if not could_match(rel, _PATH_WORDS):
        return None
    return next((why for pattern, why in _BY_PATH if pattern.search(rel)), None)


def tool_output(text: str) -> bool:
    """Did readiness write this text (a scorecard, report or baseline in any format)?"""
    head = text[:200_000]
    return any(all(p.search(head) for p in patterns) for patterns in _OUTPUTS)


OUTPUT_REASON = "written by readiness (a scorecard, report or baseline), not evidence"


def tool_outputs(project: Project, files: list[str]) -> set[str]:
    """Those of ``files`` that readiness wrote (kept between runs like any per-file fact)."""
    found = project.facts(files, "documents.tool-output/1", tool_output)
    return {rel for rel, written in found.items() if written}


def may_be_evidence(project: Project, files: list[str]) -> list[str]:
    """Those of ``files`` that may be evidence: neither excluded by place nor tool output."""
    kept = [rel for rel in files if excluded(rel) is None]
    outputs = tool_outputs(project, kept)
    return [rel for rel in kept if rel not in outputs]


@functools.cache
def starter_values() -> frozenset[str]:
    """The example owners and channels `readiness init` starters write (adoption.support)."""
    import yaml

    found: set[str] = set()
    folder = resources.files("readiness.templates.starters")
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text("utf-8").replace("$", "")) or {}
            support = (data.get("adoption") or {}).get("support") or {}
            found.update(str(support[k]) for k in ("owner", "channel") if support.get(k))
    return frozenset(v.strip().lower() for v in found)


def is_placeholder(value: object) -> bool:
    """A value left as a starter wrote it, or one that only stands for a name (`<owner>`)."""
    text = str(value).strip()
    return not text or bool(_PLACEHOLDER.match(text)) or text.lower() in starter_values()
