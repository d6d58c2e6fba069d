"""DeepEval test runs, lm-evaluation-harness results and samples, OpenAI evals logs.

Where each shape comes from (the tests read files these tools wrote, except OpenAI evals):

- DeepEval 4.3.1: ``deepeval/test_run/test_run.py`` (``TestRun``: ``testCases``,
  ``conversationalTestCases``, ``testPassed``, ``testFailed``), ``deepeval/test_run/api.py``
  (``LLMApiTestCase``: ``name``, ``actualOutput``, ``expectedOutput``, ``success``,
  ``metricsData``, ``metadata``, ``tags``) and ``deepeval/tracing/api.py`` (``MetricData``:
  ``success``, ``score``, ``threshold``, ``error``, ``flaky``). ``evaluate()`` writes
  ``test_run_<YYYYMMDD_HHMMSS>.json`` (a ``TestRun``) into ``DEEPEVAL_RESULTS_FOLDER`` and
  ``.deepeval/.latest_test_run.json`` as ``{"testRunData": TestRun}``.
- lm-evaluation-harness 0.4.13: ``lm_eval/result_schema.py`` (``EvalResults``: ``results``
  ``{task: {"<metric>,<filter>": value}}``, ``n-samples``, ``group_subtasks``, ``date``;
  ``SampleResult``: ``doc_id``, ``doc``, ``target``, ``filtered_resps``, ``filter``,
  ``metrics`` and one key per metric) and ``lm_eval/loggers/evaluation_tracker.py``
  (``results_<date>.json`` and ``samples_<task>_<date>.jsonl``, one line per doc and filter).
- OpenAI evals: ``evals/record.py`` (``LocalRecorder``): a JSONL log whose first line is
  ``{"spec": RunSpec}``, then events ``{run_id, event_id, sample_id, type, data, created_by,
  created_at}`` where ``type == "match"`` has ``data.correct`` (bool), ``expected`` and
  ``picked`` (``None`` when nothing matched; ``sampled`` is what the model said), and a
  ``{"final_report": ...}`` line, which is written before the last events are flushed.
  The fixture is a real ``oaieval`` log from evals 3.0.1.post1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from readiness.errors import InputError
from readiness.evals.parse import (
    iter_json_lines,
)
from readiness.evals.record import EvalRecord, FieldMapping, Outcome, name_field
from readiness.evals.values import (
    as_dict,
    finite,
    label_of,
    lookup,
    number,
    tags_of,
    text_of,
    timestamp_of,
)

# lm-eval metrics that are 0/1 per document, in order of preference.
BINARY_METRICS = ("acc", "exact_match", "acc_norm", "em", "pass@1", "mc1")
_SAMPLES_NAME = re.compile(r"samples_(?P<task>.+)_(?P<date>\d{4}-\d\d-\d\dT[\d.\-]+)\.jsonl\Z")
_DEEPEVAL_NAME = re.compile(r"test_run_(\d{8}_\d{6})\.json\Z")


# ---- DeepEval -------------------------------------------------------------------------

def deepeval_run(doc: object) -> dict[str, Any] | None:
    """The ``TestRun`` inside a DeepEval file, or None if the document is not one."""
    if isinstance(doc, dict) and isinstance(doc.get("testRunData"), dict):
        doc = doc["testRunData"]
    if isinstance(doc, dict) and isinstance(doc.get("testCases"), list) and (
            "testPassed" in doc or "conversationalTestCases" in doc or "metricsScores" in doc):
        return doc
    return None


def read_deepeval(doc: object, display: str, mapping: FieldMapping | None,
                  workflow: str | None) -> Iterator[EvalRecord]:
    """Records from a DeepEval test run, one per (conversational) test case."""
    run = deepeval_run(doc)
    if run is None:
        raise InputError("not a DeepEval test run: expected testCases", path=display)
    mapping = mapping or FieldMapping()
    found = _DEEPEVAL_NAME.match(display.rsplit("/", 1)[-1])
    when = _local_stamp(found.group(1), "%Y%m%d_%H%M%S") if found else None
    cases = list(run.get("testCases") or []) + list(run.get("conversationalTestCases") or [])
    for index, case in enumerate(cases):
        if not isinstance(case, dict):
            raise InputError(f"test case {index} is not an object", path=display)
        example = label_of(case.get("name")) or f"case-{index}"
        metrics = [m for m in case.get("metricsData") or []
                   if isinstance(m, dict) and not m.get("flaky")]
        outcome = _deepeval_outcome(case, metrics)
        scores = [finite(number(m.get("score"))) for m in metrics]
        yield EvalRecord(
            source=f"{display}#{example}",
            example_id=example,
            workflow=workflow,
            category=label_of(lookup(case.get("metadata"), mapping.category or "category")),
            tags=tags_of(case.get("tags")) + tags_of(lookup(case.get("metadata"),
                                                            mapping.tags or "tags")),
            outcome=outcome,
            score=scores[0] if len(scores) == 1 else None,
            expected=text_of(case.get("expectedOutput") or case.get("expectedOutcome")),
            actual=text_of(case.get("actualOutput")),
            timestamp=when,
        )


def _deepeval_outcome(case: dict[str, Any], metrics: list[dict[str, Any]]) -> Outcome:
    if any(m.get("error") for m in metrics):
        return Outcome.ERROR  # a metric could not be computed, so the case was not judged
    success = case.get("success")
    if isinstance(success, bool):
        return Outcome.PASS if success else Outcome.FAIL
    verdicts = [m.get("success") for m in metrics]
    if verdicts and all(isinstance(v, bool) for v in verdicts):
        return Outcome.PASS if all(verdicts) else Outcome.FAIL
    return Outcome.ERROR


def _local_stamp(text: str, *layouts: str) -> datetime | None:
    """A file-name time stamp (the writer's local time, read as UTC: off by at most a day)."""
    for layout in layouts:
        try:
            return timestamp_of(datetime.strptime(text, layout).isoformat())
        except ValueError:
            continue
    return None


# ---- lm-evaluation-harness ------------------------------------------------------------

def is_lm_eval_results(doc: object) -> bool:
    """Does a JSON document look like an lm-eval ``results_<date>.json``?"""
    return (isinstance(doc, dict) and isinstance(doc.get("results"), dict)
            and all(isinstance(v, dict) for v in doc["results"].values())
            and any(key in doc for key in ("versions", "n-shot", "configs", "n-samples")))


def is_lm_eval_sample(obj: dict[str, Any]) -> bool:
    """Does one JSONL object look like an lm-eval ``SampleResult``?"""
    return "doc_id" in obj and ("filtered_resps" in obj or "resps" in obj)


def read_lm_eval_results(doc: object, display: str, mapping: FieldMapping | None,
                         workflow: str | None) -> Iterator[EvalRecord]:
    """Records rebuilt from an aggregate results file, one task per category.

    Only 0/1 metrics can be rebuilt (``acc`` of 0.75 over 4 documents is 3 passes); which
    documents passed is unknown, so records carry no ids of real documents. Prefer the
    ``samples_*.jsonl`` files (``--log_samples``) when they exist.
    """
    if not is_lm_eval_results(doc):
        raise InputError("not an lm-evaluation-harness results file", path=display)
    assert isinstance(doc, dict)
    groups = as_dict(doc.get("group_subtasks"))
    when = timestamp_of(doc.get("date"))
    wanted = mapping.score if mapping else None
    for task, metrics in sorted(doc["results"].items()):
        if groups.get(task):
            continue  # a group's numbers are its subtasks', already counted
        key = _pick_metric(metrics.keys(), wanted)
        if key is None:
            raise InputError(f"task {task!r} has no pass/fail metric ({', '.join(BINARY_METRICS)}"
                             f"); name one with {name_field('score', repr('metric,filter'))}",
                             path=display)
        n = lookup(doc, f"n-samples.{task}.effective")
        n = n if isinstance(n, int) else metrics.get("sample_len", metrics.get("samples"))
        value = number(metrics[key])
        if not isinstance(n, int) or isinstance(n, bool) or n < 0 or value is None:
            raise InputError(f"task {task!r}: cannot tell how many documents were scored",
                             path=display)
        passed = round(value * n) if finite(value) is not None else -1
        if not 0 <= passed <= n or abs(value * n - passed) > 1e-6 * max(n, 1):
            raise InputError(f"task {task!r}: {key} = {value:g} over {n} documents is not a "
                             "pass/fail count", path=display)
        for index in range(n):
            yield EvalRecord(f"{display}#{task}", f"{task}#{index}", workflow, task, (),
                             Outcome.PASS if index < passed else Outcome.FAIL, None, None,
                             None, when)


def _pick_metric(keys: Any, wanted: str | None) -> str | None:
    names = [k for k in keys if isinstance(k, str) and "," in k and "_stderr" not in k]
    if wanted:
        return next((k for k in names if k == wanted or k.split(",", 1)[0] == wanted), None)
    for metric in BINARY_METRICS:
        for key in names:
            if key.split(",", 1)[0] == metric:
                return key
    return None


def read_lm_eval_samples(path: Path, display: str, mapping: FieldMapping | None,
                         workflow: str | None) -> Iterator[EvalRecord]:
    """Records from a ``samples_<task>_<date>.jsonl`` log, one per document.

    A file holds one line per document *and filter*; only the filter named in
    ``fields: {score: 'metric,filter'}`` (by default the first one in the file) is read.
    """
    mapping = mapping or FieldMapping()
    named = _SAMPLES_NAME.match(display.rsplit("/", 1)[-1])
    task = named.group("task") if named else None
    when = _local_stamp(named.group("date"), "%Y-%m-%dT%H-%M-%S.%f",
                                                 "%Y-%m-%dT%H-%M-%S") if named else None
    metric, _, chosen_filter = (mapping.score or "").partition(",")
    for line, row in iter_json_lines(path, display):
        if not is_lm_eval_sample(row):
            raise InputError("expected an lm-eval sample (doc_id, filtered_resps, ...)",
                             path=display, line=line)
        row_filter = label_of(row.get("filter")) or ""
        chosen_filter = chosen_filter or row_filter
        if row_filter != chosen_filter:
            continue
        metric = metric or _sample_metric(row, display, line)
        value = number(row.get(metric))
        if metric not in row or value is None:
            raise InputError(f"no numeric {metric!r} metric on this sample", path=display,
                             line=line)
        outcome = _threshold_outcome(value, mapping.threshold, display, line)
        doc = row.get("doc")
        doc_id = label_of(row.get("doc_id")) or str(line)
        resps = row.get("filtered_resps")
        yield EvalRecord(
            source=f"{display}:{line}",
            example_id=f"{task}#{doc_id}" if task else doc_id,
            workflow=workflow,
            category=label_of(lookup(doc, mapping.category or "category")) or task,
            tags=tags_of(lookup(doc, mapping.tags or "tags")),
            outcome=outcome,
            score=finite(value),
            expected=text_of(row.get("target")),
            actual=text_of(resps[0] if isinstance(resps, list) and len(resps) == 1 else resps),
            timestamp=when,
        )


def _sample_metric(row: dict[str, Any], display: str, line: int) -> str:
    listed = [m for m in row.get("metrics") or [] if isinstance(m, str)]
    for metric in BINARY_METRICS:
        if metric in row and (not listed or metric in listed):
            return metric
    if listed:
        return listed[0]
    raise InputError("cannot tell which metric decides pass/fail; name it with "
                     f"{name_field('score', repr('metric,filter'))}", path=display, line=line)


def _threshold_outcome(value: float, threshold: float | None, display: str,
                       line: int | None) -> Outcome:
    if finite(value) is None:
        return Outcome.ERROR  # NaN or infinite: the metric itself failed
    if threshold is None:
        if value not in (0.0, 1.0):
            raise InputError(f"score {value:g} is not 0 or 1; set a pass threshold with "
                             f"{name_field('threshold')}", path=display, line=line)
        threshold = 1.0
    return Outcome.PASS if value >= threshold else Outcome.FAIL


# ---- OpenAI evals ---------------------------------------------------------------------

def is_openai_evals_line(obj: dict[str, Any]) -> bool:
    """Is this the first line of an OpenAI evals record log (the spec, or an event)?"""
    spec = obj.get("spec")
    if isinstance(spec, dict) and ("run_id" in spec or "eval_name" in spec):
        return True
    return {"run_id", "event_id", "type", "data"} <= obj.keys()


def read_openai_evals(path: Path, display: str, mapping: FieldMapping | None,
                      workflow: str | None) -> Iterator[EvalRecord]:
    """Records from an ``oaieval`` JSONL log: each ``match`` event is one example."""
    mapping = mapping or FieldMapping()
    for line, event in iter_json_lines(path, display):
        if "spec" in event or "final_report" in event:
            continue
        kind = event.get("type")
        if kind not in ("match", "error"):
            continue  # sampling, metrics and other events carry no verdict
        data = as_dict(event.get("data"))
        if kind == "error":
            outcome = Outcome.ERROR
        elif isinstance(data.get("correct"), bool):
            outcome = Outcome.PASS if data["correct"] else Outcome.FAIL
        else:
            raise InputError("match event without a boolean data.correct", path=display,
                             line=line)
        yield EvalRecord(
            source=f"{display}:{line}",
            example_id=label_of(event.get("sample_id")) or f"line-{line}",
            workflow=workflow,
            category=label_of(lookup(data, mapping.category or "category")),
            tags=tags_of(lookup(data, mapping.tags or "tags")),
            outcome=outcome,
            score=None,
            expected=text_of(data.get("expected")),
            actual=text_of(data["sampled"] if data.get("sampled") is not None
                           else data.get("picked")),
            timestamp=timestamp_of(event.get("created_at")),
        )
