"""Eval results per workflow for one run: read once, shared by the quality checks.

The evals package reads and counts; this module resolves which files belong to which
workflow (``workflows[].evals`` in readiness.yaml, else the files teams usually keep), and
applies each workflow's threshold rule.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from readiness.errors import InputError

if TYPE_CHECKING:
    from readiness.config import Config
    from readiness.evals import EvalRecord, EvalSummary, FieldMapping, Stats
    from readiness.evals.gold import GoldGroup
    from readiness.evals.goldfind import GoldFile
    from readiness.project import Project

DISCOVERED = "(discovered)"


class WorkflowEvals(NamedTuple):
    """One workflow's eval results (or why there are none)."""

    name: str
    spec: Mapping[str, Any]  # the workflow's config entry ({} for discovered files)
    files: tuple[str, ...]
    summary: EvalSummary | None
    error: InputError | None = None
    newest: Mapping[str, datetime.datetime] = {}  # per file: its newest run timestamp
    labelled: tuple[str, ...] = ()  # configured files that are gold sets (no outcome column)
    unmatched: tuple[str, ...] = ()  # dotted config keys of eval paths that match no file

    @property
    def configured(self) -> bool:
        return self.name != DISCOVERED


def z_for(confidence: float) -> float:
    return statistics.NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def mapping(entry: Mapping[str, Any]) -> FieldMapping | None:
    from readiness.evals import FieldMapping

    fields = dict(entry.get("fields") or {})
    if not fields and entry.get("threshold") is None:
        return None
    return FieldMapping(threshold=entry.get("threshold"), **fields)


def _read(project: Project, name: str, spec: Mapping[str, Any],
          entries: list[Mapping[str, Any]], key: str = "") -> WorkflowEvals:
    from readiness.evals import EvalSource, read_eval_file, summarise
    from readiness.evals.generic import NoOutcomeColumn
    from readiness.telemetry.usage import shown

    sources = []
    unmatched: list[str] = []
    for index, entry in enumerate(entries):
        matched = project.glob(entry["path"]) or ([entry["path"]] if project.exists(
            entry["path"]) else [])
        if not matched and key:
            unmatched.append(f"{key}.{index}.path")
        for rel in matched:
            sources.append(EvalSource(shown(project.root, rel), rel, mapping(entry),
                                      None if name == DISCOVERED else name))
    if not sources:
        return WorkflowEvals(name, spec, (), None, unmatched=tuple(unmatched))
    newest: dict[str, datetime.datetime] = {}
    labelled: list[str] = []

    def records() -> Iterator[EvalRecord]:
        # one pass: the summary and each file's newest run timestamp (for eval-freshness)
        for source in sources:
            started = False
            try:
                for record in read_eval_file(source.path, display=source.display,
                                             mapping=source.mapping, workflow=source.workflow):
                    started = True
                    stamp = record.timestamp
                    if stamp is not None and (source.display not in newest
                                              or stamp > newest[source.display]):
                        newest[source.display] = stamp
                    yield record
            except NoOutcomeColumn:
                if started:
                    raise
                labelled.append(source.display)  # a gold set: counted as one, not as results

    try:
        summary = summarise(records())
    except InputError as error:
        return WorkflowEvals(name, spec, tuple(s.display for s in sources), None, error,
                             newest, unmatched=tuple(unmatched))
    files = tuple(s.display for s in sources if s.display not in labelled)
    return WorkflowEvals(name, spec, files, summary if files else None, None, newest,
                         tuple(labelled), tuple(unmatched))


def _collect(project: Project, config: Config) -> tuple[WorkflowEvals, ...]:
    flows = config.get("workflows", [])
    found = [_read(project, w["name"], w, list(w.get("evals", [])), f"workflows.{i}.evals")
             for i, w in enumerate(flows)]
    if not any(w.files or w.labelled or w.unmatched for w in found):
        from readiness.evals import discover_eval_files

        discovered = discover_eval_files(project).found
        if discovered:
            found.append(_read(project, DISCOVERED, {}, [{"path": f} for f in discovered]))
    return tuple(found)


def for_project(project: Project, config: Config) -> tuple[WorkflowEvals, ...]:
    """Every configured workflow, plus discovered results when none names a file."""
    return project.shared("evals", lambda p: _collect(p, config))


class Gold(NamedTuple):
    """The gold sets of the project (labelled inputs without outcomes), split by workflow."""

    files: tuple[GoldFile, ...]
    groups: tuple[GoldGroup, ...]


def gold(project: Project, flows: tuple[WorkflowEvals, ...]) -> Gold:
    """Gold sets found in the project (the run's eval result files left out), once a run."""
    def compute(p: Project) -> Gold:
        from readiness.evals.gold import group
        from readiness.evals.goldfind import find_gold

        assigned = {rel: flow.name for flow in flows for rel in flow.labelled}
        found = find_gold(p, frozenset(files(flows)), assigned)
        return Gold(found, tuple(group([(f.path, row._replace(workflow=row.workflow or
                                                              assigned.get(f.path)))
                                        for f in found for row in f.rows])))

    return project.shared("evals.gold", compute)


def files(flows: tuple[WorkflowEvals, ...]) -> list[str]:
    """Every eval file of the run, sorted."""
    return sorted({rel for flow in flows for rel in flow.files})


def newest(flows: tuple[WorkflowEvals, ...]) -> dict[str, datetime.datetime]:
    """Each file's newest run timestamp, for the files that carry one."""
    return {rel: stamp for flow in flows for rel, stamp in flow.newest.items()}


def rule(config: Config, spec: Mapping[str, Any]) -> str:
    return str(spec.get("rule") or config.threshold("accuracy_rule") or "lower_bound")


def interval(stats: Stats, confidence: float) -> tuple[float, float]:
    """The Wilson score interval at the configured confidence (0.95 by default)."""
    from readiness.evals import wilson

    return wilson(stats.passed, stats.n, z_for(confidence))


def measured(stats: Stats, how: str, confidence: float) -> float | None:
    """The figure compared with a threshold: the interval's lower bound or the estimate."""
    if stats.n == 0:
        return None
    return interval(stats, confidence)[0] if how == "lower_bound" else stats.accuracy


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def describe(stats: Stats, confidence: float) -> str:
    errors = f", {stats.errors} errors" if stats.errors else ""
    low, high = interval(stats, confidence)
    return (f"{percent(stats.accuracy)} ({confidence:.0%} CI {percent(low)}–{percent(high)}, "
            f"n={stats.n}{errors})")


def report_data(config: Config, flows: tuple[WorkflowEvals, ...]) -> dict[str, Any]:
    """The ``evals`` block of the scorecard: per workflow, overall and by category."""
    rows = []
    for flow in flows:
        if flow.summary is None:
            continue
        s = flow.summary.overall
        rows.append({
            "name": flow.name, **s.to_json(), "min_accuracy": flow.spec.get("min_accuracy"),
            "rule": rule(config, flow.spec), "files": list(flow.files),
            "by_category": [{"category": k, **v.to_json()}
                            for k, v in sorted(flow.summary.by_category.items())],
        })
    return {"workflows": rows}

