"""eval-freshness: eval results newer than the last change to prompts or model settings."""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from typing import NamedTuple

from readiness.checks.infrastructure import callsites
from readiness.checks.infrastructure.llmtraffic import generation_sites

from readiness.config import Config
from readiness.evals import evalset
from readiness.model import (
    Evidence,
    Finding,
    Gap,
    check,
    failed,
    not_applicable,
    passed,
    warned,
)
from readiness.project import Project
from readiness.prompts.files import candidates, eval_files, in_prompt_dir
from readiness.prompts.history import Change, last_prompt_change, shallow_commits
from readiness.prompts.lines import Role, has_system_prompt

# ---- when each eval file was produced --------------------------------------------------------


class Produced(NamedTuple):
    """When an eval file's results were produced, as far as can be told."""

    path: str
    when: datetime.datetime | None
    source: str  # "timestamp" (in the file), "commit" (its last commit), "" (unknown)
    commit: str | None = None
    at_most: bool = False  # its last commit is a shallow clone's cut-off: this old or older

    def evidence(self) -> Evidence:
        note = {"timestamp": "run timestamp in the file", "commit": "last commit"}.get(
            self.source, "no run timestamp and not committed")
        return Evidence(self.path, None, f"{note} {_day(self.when)}" if self.when else note)


def produced(project: Project, rel: str, stamp: datetime.datetime | None,
             boundary: frozenset[str]) -> Produced:
    """The newest run timestamp in the file, else the date of its last commit."""
    change = project.git.last_change(rel) if project.git else None
    commit = change.commit if change else None
    if stamp is not None:
        return Produced(rel, stamp, "timestamp", commit)
    if change is not None:
        return Produced(rel, change.date, "commit", commit, change.commit in boundary)
    return Produced(rel, None, "")


# ---- judging freshness -----------------------------------------------------------------------


def _day(moment: datetime.datetime | None) -> str:
    return moment.astimezone(datetime.UTC).date().isoformat() if moment else "unknown"


def _days(first: datetime.datetime, second: datetime.datetime) -> tuple[str, str]:
    """Two moments as dates, with times where the dates alone would look equal."""
    a, b = _day(first), _day(second)
    if a != b:
        return a, b
    form = "%Y-%m-%d %H:%M UTC"
    return (first.astimezone(datetime.UTC).strftime(form),
            second.astimezone(datetime.UTC).strftime(form))


_RUN_BEFORE_COMMIT = datetime.timedelta(days=1)


def _together(item: Produced, change: Change) -> bool:
    """Committed with the change, and (if it says when it ran) run at most a day before:
    edit, run the evals, commit both. An old run re-committed alongside does not count."""
    return (item.commit == change.commit and not change.at_most and item.when is not None
            and (item.source != "timestamp" or item.when >= change.date - _RUN_BEFORE_COMMIT))


def _compare(item: Produced, change: Change) -> str:
    """"fresh", "stale" or "unknown" for one eval file against the last change."""
    if item.when is None:
        return "unknown"
    if _together(item, change):
        return "fresh"
    if change.at_most:
        return "fresh" if not item.at_most and item.when >= change.date else "unknown"
    if item.when < change.date:
        return "stale"
    return "unknown" if item.at_most else "fresh"


@check(
    code="QUA006",
    gap=Gap.QUALITY,
    title="Are the eval results newer than the last change to prompts or model settings?",
    remediation="Re-run the evals after every change to prompts or model settings and commit "
                "the results (or run them in CI on every such change).",
)
def eval_freshness(project: Project, config: Config) -> Finding:
    """What it checks:
    Git history gives the newest commit that changed prompts (files under prompts/,
    `*.prompt`, `*prompt*.txt/md/yaml`, Jinja templates the LLM code names; in code, system
    messages, `ChatPromptTemplate`, `SystemMessage(`, `*_PROMPT = \"\"\"...\"\"\"`) or model
    settings (`model=`, `temperature=`, `top_p=`, `max_tokens=`, model-name literals such
    as `gpt-4o` or `claude-…`, `model:` keys in promptfooconfig.yaml or app settings). Each
    eval result file (`workflows[].evals[].path` in readiness.yaml, else discovered ones) is
    dated by its own run timestamp (promptfoo, Inspect), else by its last commit, and must
    be newer than that change, or committed together with it. Edits elsewhere in the same
    module, tests, docs and READMEs do not count as prompt changes. History is read from
    commits: uncommitted edits are not seen.

    Why it matters:
    An accuracy figure describes the prompt and model it was measured on. After a prompt
    tweak or a model upgrade it describes a system that no longer exists, and the launch
    decision rests on a number nobody has measured.

    How to fix:
    Re-run the evals after each prompt or model change and commit the results, or run the
    evals in CI on every change to prompts/ and the model settings. In a shallow CI clone,
    fetch the full history (`fetch-depth: 0`).
    """
    files = eval_files(project, config)
    stamps = evalset.newest(evalset.for_project(project, config))
    if not files:
        return _no_evals(project, config)
    history = last_prompt_change(project, config)
    if history.problem is not None:
        return _without_history(project, config, files, stamps, history.problem)
    change = history.change
    boundary = shallow_commits(project)
    items = [produced(project, rel, stamps.get(rel), boundary) for rel in files]
    if change is None:
        return _no_change_found(items)
    return _judge(items, change, project)


def _no_evals(project: Project, config: Config) -> Finding:
    found = candidates(project, config)
    usage = callsites.llm_usage(project)
    if not usage and not _prompts_shown(project, found):
        return not_applicable("no prompts or LLM code found, and no eval results")
    history = last_prompt_change(project, config)
    if history.change is not None:
        change = history.change
        return failed(f"no eval results found, so none can be shown to be newer than the last "
                      f"change to {change.label} ({_day(change.date)}, {change.where()})",
                      _change_evidence(project, change))
    # a file of a prompts folder first: the app's own prompts rather than a document about
    # writing them (skyvern's skills/…/references/prompt-writing.md beside forge/prompts/)
    prompts = sorted((p for p, r in found.items() if r.kind == "prompt"),
                     key=lambda p: not in_prompt_dir(p))
    where = Evidence(prompts[0]) if prompts else _first_call(project) or usage[0].evidence()
    return failed("no eval results found, so fresh evals cannot be shown for the prompts and "
                  "model settings in use", where)


def _first_call(project: Project) -> Evidence | None:
    """The first production generation call: where a prompt and the model settings that
    no eval covers are sent (an SDK's import line says nothing of either)."""
    sites = generation_sites(project)
    return Evidence(sites[0].path, sites[0].line, "a model call that no eval result covers") \
        if sites else None


def _prompts_shown(project: Project, found: dict[str, Role]) -> bool:
    """Is any candidate a prompt or config file, or code with a system message?"""
    if any(role.kind != "code" for role in found.values()):
        return True
    code = [rel for rel, role in found.items() if role.kind == "code"]
    return any(project.facts(code, "freshness.system_prompt/1", has_system_prompt).values())


def _change_evidence(project: Project, change: Change) -> Evidence:
    path, line = change.files[0]
    last = project.git.last_change(path) if project.git else None
    current = last is not None and last.commit == change.commit and not change.at_most
    return Evidence(path, line if current and line else None,
                    f"{change.label} changed {_day(change.date)} in {change.commit[:7]}")


def _no_change_found(items: Sequence[Produced]) -> Finding:
    dated = [i for i in items if i.when is not None]
    if not dated:
        return warned(f"{items[0].path} carries no run timestamp and is not committed: when "
                      "the evals ran is unknown", *(i.evidence() for i in items))
    oldest = min(dated, key=lambda i: (i.when, i.path))
    return passed(f"no change to prompts or model settings found in the git history; evals "
                  f"from {_day(oldest.when)} ({oldest.path})", *(i.evidence() for i in items))


def _judge(items: Sequence[Produced], change: Change, project: Project) -> Finding:
    verdicts = {i.path: _compare(i, change) for i in items}
    at = _change_evidence(project, change)
    stale = sorted((i for i in items if verdicts[i.path] == "stale"),
                   key=lambda i: (i.when, i.path))
    if stale:
        when = _days(change.date, stale[0].when or change.date)[0]
        listed = ", ".join(f"{_days(change.date, i.when or change.date)[1]}"
                           f"{' or earlier' if i.at_most else ''} ({i.path})" for i in stale[:3])
        more = f" and {len(stale) - 3} more" if len(stale) > 3 else ""
        return failed(f"{change.label} changed {when} ({change.where()}), evals from "
                      f"{listed}{more}", at, *(i.evidence() for i in stale))
    unknown = [i for i in items if verdicts[i.path] == "unknown"]
    if unknown:
        return _unknown(unknown, change, at)
    oldest = min(items, key=lambda i: (i.when or change.date, i.path))
    files = oldest.path + (f" and {len(items) - 1} more" if len(items) > 1 else "")
    ago = f"{_day(change.date)}{' or earlier' if change.at_most else ''}, {change.where()}"
    if _together(oldest, change):
        return passed(f"evals ({files}) were committed together with the last change to "
                      f"{change.label} ({ago})", *(i.evidence() for i in items), at)
    when = _days(oldest.when or change.date, change.date)[0]
    return passed(f"evals from {when} ({files}) are newer than the last change to "
                  f"{change.label} ({ago})", *(i.evidence() for i in items), at)


def _unknown(unknown: Sequence[Produced], change: Change, at: Evidence) -> Finding:
    item = unknown[0]
    if item.when is None:
        return warned(f"{item.path} carries no run timestamp and is not committed: it cannot "
                      f"be compared with the last change to {change.label} "
                      f"({_day(change.date)}, {change.where()})", item.evidence(), at)
    return warned(f"the git history is shallow (a --depth clone): {change.label} last changed "
                  f"at or before {_day(change.date)} and the evals are from {_day(item.when)}"
                  f"{' or earlier' if item.at_most else ''} ({item.path}); fetch the full "
                  "history to tell which came first", item.evidence(), at)


def _without_history(project: Project, config: Config, files: Sequence[str],
                     stamps: dict[str, datetime.datetime], problem: str) -> Finding:
    """No git history: a run timestamp can still be compared with file times."""
    items = [produced(project, rel, stamps.get(rel), frozenset()) for rel in files]
    undated = [i for i in items if i.source != "timestamp"]
    if undated:
        return warned(f"{problem} and {undated[0].path} carries no run timestamp: the history "
                      "needed to judge eval freshness is unavailable", undated[0].evidence())
    sources = list(candidates(project, config))
    if not sources:
        return _no_change_found(items)
    newest = max(sources, key=lambda rel: (_mtime(project, rel), rel))
    changed = _mtime(project, newest)
    oldest = min(items, key=lambda i: (i.when, i.path))
    assert oldest.when is not None
    if oldest.when >= changed:
        return passed(f"evals from {_day(oldest.when)} ({oldest.path}) are newer than every "
                      f"prompt and model-settings file ({problem}: file times used)",
                      *(i.evidence() for i in items))
    run, modified = _days(oldest.when, changed)
    return warned(f"{problem}: {newest} was modified {modified}, after the evals ran "
                  f"({run}, {oldest.path}), but file times cannot say whether prompts or model "
                  "settings changed", Evidence(newest), oldest.evidence())


def _mtime(project: Project, rel: str) -> datetime.datetime:
    try:
        seconds = os.lstat(project.root / rel).st_mtime
    except OSError:
        seconds = 0.0
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


CHECKS = (eval_freshness,)
