"""Finding eval results in a repository that has no ``evals:`` in readiness.yaml.

Where teams keep results: ``evals/``-like folders (any file there whose content is a result
format, including generic tables with a ``correct``/``passed``-like column), folders named
for evals among other things (``eval_framework/``: the same, but their other data files are
passed over without a word), Inspect's
``logs/`` folders, files named like tool outputs anywhere (``*.eval``, lm-eval's
``results_*.json`` and ``samples_*.jsonl``, DeepEval's ``test_run_*.json`` and
``.deepeval/.latest_test_run.json``, promptfoo outputs named ``*result*``/``*output*``).
Only files with outcomes count: promptfoo configs and input data sets are left out
silently; a file that should be a result but cannot be read is reported with the reason.

When a tool keeps a history of runs, the newest run of each task is used and the older
ones are reported as skipped, so the same examples are not counted several times.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import NamedTuple

from readiness.errors import InputError
from readiness.evals.detect import EvalFormat, open_eval_file
from readiness.evals.generic import NoOutcomeColumn
from readiness.project.snapshot import Project, Skipped
from readiness.project.sourcetext import is_translation

EVAL_FOLDERS = frozenset({"evals", "eval", "evaluation", "evaluations", "eval_results",
                          "eval-results", "evaluation_results"})
# A folder named for evals with more to its name (cognee's ``eval_framework/``, ``evals_v2/``):
# results found there count, but the code's other data files are no results to report.
_EVAL_PREFIX = re.compile(r"(?:evals?|evaluations?)[_-]")
LOG_FOLDERS = frozenset({"logs"})
_SUFFIXES = frozenset({".json", ".jsonl", ".csv", ".tsv", ".eval"})
_TOOL_NAMES = re.compile(
    r"(\.eval|^samples_.+\.jsonl|^results_.+\.json|^test_run_\d{8}_\d{6}\.json"
    r"|^\.latest_test_run\.json|^\.latest_run_full\.json)\Z")
_LIKELY_OUTPUT = re.compile(r"(result|output|promptfoo)", re.IGNORECASE)
_GENERIC = frozenset({EvalFormat.GENERIC_CSV, EvalFormat.GENERIC_JSONL,
                      EvalFormat.GENERIC_JSON})
# Run histories: (pattern over the file name, the group naming the task or None).
_INSPECT_LOG = re.compile(
    r"^(?P<stamp>\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(?:[+-]\d\d-\d\d)?)_(?P<task>.+)_[A-Za-z0-9]+"
    r"\.(?:eval|json)\Z")
_LM_SAMPLES = re.compile(r"^samples_(?P<task>.+)_(?P<stamp>\d{4}-\d\d-\d\dT[\d.\-]+)\.jsonl\Z")
_LM_RESULTS = re.compile(r"^results_(?P<stamp>\d{4}-\d\d-\d\dT[\d.\-]+)\.json\Z")
_DEEPEVAL_RUN = re.compile(r"^test_run_(?P<stamp>\d{8}_\d{6})\.json\Z")


class Discovery(NamedTuple):
    """Result files found, and candidates that were not used, with the reason."""

    found: list[str]
    skipped: list[Skipped]


def discover_eval_files(project: Project) -> Discovery:
    """Eval result files in the project, newest run per task, with what was skipped and why."""
    found: list[str] = []
    skipped: list[Skipped] = []
    for rel in project.files:
        strength = _candidate(rel)
        if strength is None:
            continue
        try:
            fmt, records = open_eval_file(project.root / rel, display=rel)
            try:
                next(records)  # the first record proves the file has outcomes
            finally:
                records.close()
        except NoOutcomeColumn:
            continue  # an input data set: not a result, not a problem
        except (InputError, StopIteration) as exc:
            if strength == "strong":  # where only results are kept: say why it is not one
                reason = exc.message if isinstance(exc, InputError) else "no results"
                skipped.append(Skipped(rel, reason))
            continue
        if fmt in _GENERIC and strength == "weak":
            continue  # a table that merely has a "success" column outside eval folders
        found.append(rel)
    kept, older = _newest_runs(found)
    return Discovery(sorted(kept), sorted(skipped + older))


def _candidate(rel: str) -> str | None:
    """"strong" where a result is expected, "named" in a folder named for evals among other
    things (generic tables count, other files are passed over silently), "weak" where one
    may be, else None."""
    name = rel.rpartition("/")[2]
    dot = name.rfind(".")
    if dot <= 0 or name[dot:].lower() not in _SUFFIXES or is_translation(rel):
        return None  # most files: decided without building a path
    path = PurePosixPath(rel)
    suffix = path.suffix.lower()
    folders = {part.lower() for part in path.parts[:-1]}
    if folders & EVAL_FOLDERS or _TOOL_NAMES.search(path.name):
        return "strong"
    if any(_EVAL_PREFIX.match(folder) for folder in folders):
        return "named"
    if folders & LOG_FOLDERS and suffix in (".eval", ".json"):
        return "weak"
    if _LIKELY_OUTPUT.search(path.name):
        return "weak"
    return None


def _newest_runs(paths: Iterable[str]) -> tuple[list[str], list[Skipped]]:
    """Keep the newest file of each run history; the rest become skipped with a reason."""
    series: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    kept: list[str] = []
    deepeval_runs = any(_DEEPEVAL_RUN.match(PurePosixPath(p).name) for p in paths)
    latest_named = {str(PurePosixPath(p).parent) for p in paths
                    if PurePosixPath(p).name == ".latest_test_run.json"}
    skipped: list[Skipped] = []
    folders_with_samples = {str(PurePosixPath(p).parent) for p in paths
                            if _LM_SAMPLES.match(PurePosixPath(p).name)}
    for rel in paths:
        path = PurePosixPath(rel)
        folder, name = str(path.parent), path.name
        if name in (".latest_test_run.json", ".latest_run_full.json") and deepeval_runs:
            skipped.append(Skipped(rel, "DeepEval's copy of its latest run; the "
                                        "test_run_*.json files are used"))
            continue
        if name == ".latest_run_full.json" and folder in latest_named:
            skipped.append(Skipped(rel, "same run as .latest_test_run.json"))
            continue
        if _LM_RESULTS.match(name) and folder in folders_with_samples:
            skipped.append(Skipped(rel, "aggregate lm-eval results; the per-sample logs in "
                                        "the same folder are used"))
            continue
        for kind, pattern in (("inspect", _INSPECT_LOG), ("lm-samples", _LM_SAMPLES),
                              ("lm-results", _LM_RESULTS), ("deepeval", _DEEPEVAL_RUN)):
            match = pattern.match(name)
            if match:
                task = match.groupdict().get("task") or ""
                series[(kind, folder, task)].append((match.group("stamp"), rel))
                break
        else:
            kept.append(rel)
    for (_, _, task), runs in series.items():
        runs.sort()
        newest = runs[-1][1]
        kept.append(newest)
        label = f"task {task!r}" if task else "this tool"
        for _, rel in runs[:-1]:
            skipped.append(Skipped(rel, f"older run of {label}; the newest "
                                        f"({PurePosixPath(newest).name}) is used"))
    return kept, skipped
