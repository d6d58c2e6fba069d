"""promptfoo results: ``promptfoo eval -o results.json`` / ``.jsonl`` / ``.csv``.

Shapes are those of promptfoo 0.121 (``dist/src/index.d.ts`` of the npm package):
``OutputFile {evalId, results: EvaluateSummaryV3 | EvaluateSummaryV2, config, ...}`` where a
summary is ``{version, timestamp, results: EvaluateResult[], stats, prompts | table}``, and
``EvaluateResult`` carries ``testIdx``, ``promptIdx``, ``testCase`` (with ``metadata``),
``vars``, ``success``, ``score``, ``error`` and ``failureReason`` (``ResultFailureReason``:
0 none, 1 assertion failed, 2 error). The JSONL output is one ``EvaluateResult`` per line.
The CSV output (``buildCsvHeaders`` in the package's ``util`` module) is
``[Description], <vars...>, then per prompt: "[provider] label", Status, Score,
Named Scores, [Metric: ...], Grader Reason, Comment`` with Status ``PASS``/``FAIL``/``ERROR``.
The tests read real files produced by promptfoo 0.121.20 (tests/data/evals/promptfoo).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from readiness.errors import InputError
from readiness.evals.parse import (
    iter_csv,
    iter_json_lines,
)
from readiness.evals.record import EvalRecord, FieldMapping, Outcome
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

_FAILURE_ASSERT = 1
_FAILURE_ERROR = 2
_STATUS = {"PASS": Outcome.PASS, "FAIL": Outcome.FAIL, "ERROR": Outcome.ERROR}


def summary_rows(doc: object) -> tuple[list[Any], object] | None:
    """The result rows and timestamp of a promptfoo JSON output, or None if it is not one."""
    if not isinstance(doc, dict):
        return None
    summary = doc.get("results")
    if isinstance(summary, dict) and isinstance(summary.get("results"), list):
        return summary["results"], summary.get("timestamp")
    # An EvaluateSummary saved on its own (the Node API's return value).
    if isinstance(summary, list) and isinstance(doc.get("stats"), dict) and "version" in doc:
        return summary, doc.get("timestamp")
    return None


def is_result_row(obj: dict[str, Any]) -> bool:
    """Does one JSON object look like a promptfoo ``EvaluateResult``?"""
    return "success" in obj and (
        {"testIdx", "promptIdx"} <= obj.keys() or {"gradingResult", "vars"} <= obj.keys()
    )


def is_csv_header(header: list[str]) -> bool:
    """Does a CSV header row look like promptfoo's table export?"""
    return "Status" in header and "Grader Reason" in header


def read_json(doc: object, display: str, mapping: FieldMapping | None,
              workflow: str | None) -> Iterator[EvalRecord]:
    """Records from a parsed promptfoo JSON output (V2 or V3 summary)."""
    found = summary_rows(doc)
    if found is None:
        raise InputError("not a promptfoo output: expected results.results[]", path=display)
    rows, stamp = found
    when = timestamp_of(stamp)
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError(f"results.results[{index}] is not an object", path=display)
        example = _example_id(row, index)
        yield _record(row, f"{display}#{example}", example, display, None, mapping, workflow,
                      when)


def read_jsonl(path: Path, display: str, mapping: FieldMapping | None,
               workflow: str | None) -> Iterator[EvalRecord]:
    """Records from a promptfoo JSONL output, one ``EvaluateResult`` per line."""
    for line, row in iter_json_lines(path, display):
        if not is_result_row(row):
            raise InputError("expected a promptfoo result object (success, testIdx, ...)",
                             path=display, line=line)
        yield _record(row, f"{display}:{line}", _example_id(row, line - 1), display, line,
                      mapping, workflow, None)


def _example_id(row: dict[str, Any], fallback: int) -> str:
    test = row.get("testIdx")
    test_idx = test if isinstance(test, int) and not isinstance(test, bool) else fallback
    prompt = row.get("promptIdx")
    if isinstance(prompt, int) and not isinstance(prompt, bool) and prompt > 0:
        return f"test-{test_idx}:prompt-{prompt}"
    return f"test-{test_idx}"


def _record(row: dict[str, Any], source: str, example: str, display: str, line: int | None,
            mapping: FieldMapping | None, workflow: str | None,
            when: datetime | None) -> EvalRecord:
    test_case = as_dict(row.get("testCase"))
    places = (row.get("metadata"), test_case.get("metadata"), row.get("vars"),
              test_case.get("vars"))
    category_key = mapping.category if mapping and mapping.category else "category"
    tags_key = mapping.tags if mapping and mapping.tags else "tags"
    response = as_dict(row.get("response"))
    return EvalRecord(
        source=source,
        example_id=example,
        workflow=workflow,
        category=_first(places, category_key, label_of),
        tags=_first(places, tags_key, tags_of) or (),
        outcome=_outcome(row, display, line),
        score=finite(number(row.get("score"))),
        expected=_expected(test_case),
        actual=text_of(response.get("output")),
        timestamp=when,
    )


def _first(places: tuple[object, ...], key: str, convert: Any) -> Any:
    for place in places:
        value = convert(lookup(place, key))
        if value:
            return value
    return None


def _outcome(row: dict[str, Any], display: str, line: int | None) -> Outcome:
    reason = row.get("failureReason")
    if reason == _FAILURE_ERROR:
        return Outcome.ERROR
    success = row.get("success")
    if not isinstance(success, bool):
        where = "" if line is not None else f"results.results[{row.get('testIdx', '?')}]: "
        raise InputError(f"{where}promptfoo result without a boolean 'success'",
                         path=display, line=line)
    if reason is None:  # outputs older than failureReason: a provider error has no grading
        response = row.get("response")
        provider_error = isinstance(response, dict) and response.get("error")
        if not success and (provider_error or (row.get("error") and not row.get("gradingResult"))):
            return Outcome.ERROR
    return Outcome.PASS if success else Outcome.FAIL


def _expected(test_case: dict[str, Any]) -> str | None:
    asserts = test_case.get("assert")
    if isinstance(asserts, list) and asserts and isinstance(asserts[0], dict):
        value = asserts[0].get("value")
        if isinstance(value, str | int | float):
            return text_of(value)
    return None


def read_csv(path: Path, display: str, mapping: FieldMapping | None,
             workflow: str | None) -> Iterator[EvalRecord]:
    """Records from promptfoo's CSV table: one per test row and prompt/provider column."""
    rows = iter_csv(path, display)
    header_line, header = next(rows, (0, []))
    if not is_csv_header(header):
        raise InputError("not a promptfoo CSV: expected Status and Grader Reason columns",
                         path=display, line=header_line or None)
    statuses = [i for i, name in enumerate(header) if name == "Status"]
    if statuses[0] < 1 or statuses[-1] + 1 >= len(header):
        raise InputError("promptfoo CSV header without an output column before each Status "
                         "and a Score after it", path=display, line=header_line)
    first_var = 1 if header[0] == "Description" else 0
    var_names = header[first_var: statuses[0] - 1]
    category_key = mapping.category if mapping and mapping.category else "category"
    tags_key = mapping.tags if mapping and mapping.tags else "tags"
    index = -1
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        index += 1
        if len(cells) != len(header):
            raise InputError(
                f"row {index + 1} has {len(cells)} cells but the header has {len(header)}",
                path=display, line=line,
            )
        variables = dict(zip(var_names, cells[first_var: statuses[0] - 1], strict=True))
        for prompt_no, col in enumerate(statuses):
            status = cells[col].strip().upper()
            if not status:
                continue  # this prompt was not run for this test
            if status not in _STATUS:
                raise InputError(f"row {index + 1}: Status {cells[col]!r} is not "
                                 "PASS, FAIL or ERROR", path=display, line=line)
            example = f"test-{index}:prompt-{prompt_no}" if prompt_no else f"test-{index}"
            yield EvalRecord(
                source=f"{display}:{line}",
                example_id=example,
                workflow=workflow,
                category=label_of(variables.get(category_key)),
                tags=tags_of(variables.get(tags_key)),
                outcome=_STATUS[status],
                score=finite(number(cells[col + 1])) if cells[col + 1].strip() else None,
                expected=None,
                actual=cells[col - 1],
                timestamp=None,
            )
