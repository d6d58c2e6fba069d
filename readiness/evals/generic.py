"""Generic CSV, JSONL and JSON results, read through a field mapping.

A mapping comes from ``fields:`` in readiness.yaml. Without one, a mapping is inferred only
when it is unambiguous: exactly one column with a conventional outcome name (``correct``,
``is_correct``, ``passed``, ``pass``, ``success``, ``outcome``), plus conventional ``id``,
``category``, ``tags`` and ``workflow`` columns when present. In a JSON document, a judge's
verdict kept as a score of 0 or 1 under ``metrics.<name>.score`` is such an outcome too.

Strictness: one malformed row (a wrong number of cells, an unreadable correctness value, a
missing score) stops the whole file with an InputError naming the row, because an accuracy
computed after silently dropping rows is worse than none. A NaN or infinite score is not a
malformed row: the example was evaluated and the scorer failed, so it counts as an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from readiness.errors import InputError
from readiness.evals.parse import (
    iter_csv,
    iter_json_lines,
    json_type,
)
from readiness.evals.record import (
    EvalRecord,
    FieldMapping,
    Outcome,
    field_origin,
    mapping_advice,
    name_field,
)
from readiness.evals.values import (
    cell_tags,
    finite,
    label_of,
    lookup,
    number,
    outcome_word,
    text_of,
    timestamp_of,
)

OUTCOME_NAMES = ("correct", "is_correct", "passed", "pass", "success", "outcome")
_ID_NAMES = ("id", "example_id", "sample_id", "test_id", "case_id")
_EXPECTED_NAMES = ("expected", "expected_output", "target", "reference", "ideal")
_ACTUAL_NAMES = ("actual", "actual_output", "output", "prediction", "response")
_TIME_NAMES = ("timestamp", "created_at", "evaluated_at")
_HOW = ("true/false, 1/0, yes/no, pass/fail or correct/incorrect")


class NoOutcomeColumn(InputError):
    """A generic table with no pass/fail column and no mapping: an input data set, most likely."""


def outcome_columns(columns: Iterable[str]) -> list[str]:
    """The columns whose names conventionally hold a pass/fail verdict."""
    return [c for c in columns if c.strip().lower() in OUTCOME_NAMES]


def infer_mapping(columns: Iterable[str], verdict: str | None = None) -> FieldMapping | None:
    """A mapping read off conventional column names, or None unless exactly one outcome
    column (or ``verdict`` names the field that holds the outcome)."""
    names = list(columns)
    verdicts = [verdict] if verdict is not None else outcome_columns(names)
    if len(verdicts) != 1:
        return None

    def named(*wanted: str) -> str | None:
        return next((c for c in names if c.strip().lower() in wanted), None)

    return FieldMapping(id=named(*_ID_NAMES), category=named("category"), correct=verdicts[0],
                        workflow=named("workflow"), tags=named("tags"))


def judge_verdict(rows: list[Any]) -> str | None:
    """The field of a JSON document's rows that holds a judge's verdict as a score: the
    rows' one ``metrics.<name>.score`` (cognee's LoCoMo results, ``metrics.llm_judge.score``)
    when every row's value there is 0 or 1 (or true/false). A score that takes other values
    needs a threshold to tell a pass, which is not guessed; a top-level ``score`` of 0 or 1
    may as well be an input's label."""
    first = rows[0] if rows else None
    metrics = first.get("metrics") if isinstance(first, dict) else None
    if not isinstance(metrics, dict):
        return None
    fields = [f"metrics.{name}.score" for name, value in metrics.items()
              if isinstance(value, dict) and "score" in value and "." not in name]
    if len(fields) != 1:
        return None
    for row in rows:
        value = lookup(row, fields[0])
        if not isinstance(value, bool | int | float) or value not in (0, 1):
            return None
    return fields[0]


def check_mapping(mapping: FieldMapping, display: str) -> None:
    """A mapping must say how to tell a pass: ``correct``, or ``score`` with ``threshold``."""
    if mapping.correct is None and mapping.score is None:
        raise InputError(f"field mapping names neither {field_origin('correct')!r} nor "
                         f"{field_origin('score')!r}: cannot tell which examples passed",
                         path=display)
    if mapping.correct is None and mapping.threshold is None:
        raise InputError(f"field mapping gives score {mapping.score!r} but no threshold: "
                         f"set {name_field('threshold')}", path=display)


class _Judge:
    """Turns one row (through a key accessor) into an EvalRecord under one mapping."""

    def __init__(self, mapping: FieldMapping, display: str, workflow: str | None,
                 columns: Iterable[str]) -> None:
        check_mapping(mapping, display)
        self.mapping = mapping
        self.display = display
        self.workflow = workflow
        names = list(columns)

        def conventional(options: tuple[str, ...]) -> str | None:
            return next((c for c in names if c.strip().lower() in options), None)

        self.expected = conventional(_EXPECTED_NAMES)
        self.actual = conventional(_ACTUAL_NAMES)
        self.time = conventional(_TIME_NAMES)

    def record(self, get: Callable[[str], object], source: str, row: int,
               line: int | None) -> EvalRecord:
        """The record for one row, or InputError naming the row if it cannot be judged."""
        m = self.mapping
        score = number(get(m.score)) if m.score else None
        if m.correct is not None:
            outcome = self._verdict(get(m.correct), row, line)
        else:
            raw = get(m.score or "")
            if raw is None or raw == "":
                self._fail(f"row {row}: no value in score field {m.score!r}", line)
            if score is None:
                self._fail(f"row {row}: score {str(raw)[:40]!r} is not a number", line)
            assert score is not None and m.threshold is not None
            if finite(score) is None:
                outcome = Outcome.ERROR  # NaN/inf: evaluated, but the scorer failed
            else:
                outcome = Outcome.PASS if score >= m.threshold else Outcome.FAIL
        return EvalRecord(
            source=source,
            example_id=(label_of(get(m.id)) if m.id else None) or f"row-{row}",
            workflow=(label_of(get(m.workflow)) if m.workflow else None) or self.workflow,
            category=label_of(get(m.category)) if m.category else None,
            tags=cell_tags(get(m.tags)) if m.tags else (),
            outcome=outcome,
            score=finite(score),
            expected=text_of(get(self.expected)) if self.expected else None,
            actual=text_of(get(self.actual)) if self.actual else None,
            timestamp=timestamp_of(get(self.time)) if self.time else None,
        )

    def _verdict(self, value: object, row: int, line: int | None) -> Outcome:
        if value is None or (isinstance(value, str) and not value.strip()):
            self._fail(f"row {row}: no value in correctness field {self.mapping.correct!r}",
                       line)
        word = outcome_word(value)
        if word == "error":
            return Outcome.ERROR
        if isinstance(word, bool):
            return Outcome.PASS if word else Outcome.FAIL
        shown = str(value)[:40] if not isinstance(value, dict | list) else json_type(value)
        self._fail(f"row {row}: {self.mapping.correct!r} value {shown!r} is not {_HOW}", line)
        raise AssertionError  # unreachable: _fail raises

    def _fail(self, message: str, line: int | None) -> None:
        raise InputError(message, path=self.display, line=line)


def _mapping_for(columns: list[str], mapping: FieldMapping | None, display: str,
                 line: int | None) -> FieldMapping:
    if mapping is not None:
        return mapping
    inferred = infer_mapping(columns)
    if inferred is None:
        verdicts = outcome_columns(columns)
        advice = mapping_advice()
        if verdicts:
            raise InputError(f"generic results with several outcome columns "
                             f"({', '.join(verdicts)}): {advice}", path=display, line=line)
        raise NoOutcomeColumn(f"generic data without a pass/fail column: {advice}",
                              path=display, line=line)
    return inferred


def read_csv(path: Path, display: str, mapping: FieldMapping | None,
             workflow: str | None) -> Iterator[EvalRecord]:
    """Records from a CSV/TSV file with a header row, streamed row by row."""
    rows = iter_csv(path, display)
    header_line, header = next(rows, (0, []))
    if not header:
        raise InputError("empty CSV: expected a header row", path=display)
    mapping = _mapping_for(header, mapping, display, header_line)
    for field, column in mapping._asdict().items():
        if field == "threshold" or column is None:
            continue
        count = header.count(column)
        if count != 1:
            problem = "is not in the header" if count == 0 else "appears more than once"
            raise InputError(f"column {column!r} ({field_origin(field)}) {problem}; columns: "
                             f"{', '.join(header)[:300]}", path=display, line=header_line)
    judge = _Judge(mapping, display, workflow, header)
    index = {name: i for i, name in enumerate(header)}
    row = 0
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        row += 1
        if len(cells) != len(header):
            raise InputError(f"row {row} has {len(cells)} cells but the header has "
                             f"{len(header)}", path=display, line=line)

        def get(key: str, cells: list[str] = cells) -> object:
            at = index.get(key)
            return cells[at] if at is not None else None

        yield judge.record(get, f"{display}:{line}", row, line)


def read_jsonl(path: Path, display: str, mapping: FieldMapping | None,
               workflow: str | None) -> Iterator[EvalRecord]:
    """Records from a JSONL file of flat or nested objects (dotted field names reach in)."""
    judge: _Judge | None = None
    for row, (line, obj) in enumerate(iter_json_lines(path, display), start=1):
        if judge is None:
            judge = _Judge(_mapping_for(list(obj), mapping, display, line), display,
                           workflow, list(obj))
        yield judge.record(_getter(obj), f"{display}:{line}", row, line)


def _getter(obj: dict[str, Any]) -> Callable[[str], object]:
    def get(key: str) -> object:
        return lookup(obj, key)

    return get


def json_rows(doc: object) -> list[Any] | None:
    """The list of row objects in a generic JSON document: the document itself, or the
    one array of objects it holds (``{"results": [...]}``)."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list) and v
                 and all(isinstance(item, dict) for item in v[:100])]
        if len(lists) == 1:
            return lists[0]
    return None


def read_json(doc: object, display: str, mapping: FieldMapping | None,
              workflow: str | None) -> Iterator[EvalRecord]:
    """Records from a generic JSON document (an array of objects)."""
    rows = json_rows(doc)
    if rows is None:
        raise InputError("generic JSON results must be an array of objects (or an object "
                         "holding exactly one such array)", path=display)
    judge: _Judge | None = None
    for number_, obj in enumerate(rows, start=1):
        if not isinstance(obj, dict):
            raise InputError(f"item {number_} is {json_type(obj)}, expected an object",
                             path=display)
        if judge is None:
            columns = list(obj)
            if mapping is None and not outcome_columns(columns):
                mapping = infer_mapping(columns, judge_verdict(rows))
            judge = _Judge(_mapping_for(columns, mapping, display, None), display,
                           workflow, columns)
        ident = f"{display}#{number_ - 1}"
        yield judge.record(_getter(obj), ident, number_, None)
