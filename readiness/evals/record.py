"""The normalised eval record every reader produces, and the field mapping for generic files."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import NamedTuple


class Outcome(enum.Enum):
    """What happened to one example: it passed, failed, or could not be evaluated."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"  # the model, a tool or the grader failed: counted as not passed


class EvalRecord(NamedTuple):
    """One evaluated example, whatever tool produced it.

    ``source`` is ``"path:line"`` for line-based files (CSV, JSONL) and ``"path#id"`` for
    documents (JSON, Inspect archives), so every number can be traced to its evidence.
    """

    source: str
    example_id: str
    workflow: str | None
    category: str | None
    tags: tuple[str, ...]
    outcome: Outcome
    score: float | None
    expected: str | None
    actual: str | None
    timestamp: datetime | None


class FieldMapping(NamedTuple):
    """Which fields of a generic CSV/JSONL/JSON file hold what (``fields:`` in readiness.yaml).

    ``correct`` names a bool-like field; otherwise ``score`` plus ``threshold`` decide a pass
    (score >= threshold). For tool formats, ``category``/``tags`` name a metadata key and
    ``score`` names the scorer or metric to judge by.
    """

    id: str | None = None
    category: str | None = None
    correct: str | None = None
    score: str | None = None
    threshold: float | None = None
    workflow: str | None = None
    tags: str | None = None


_LINE_SUFFIX = re.compile(r":\d+\Z")


def source_file(source: str) -> str:
    """The file part of a record's ``source`` (``"a/b.csv:12"`` and ``"a/b.json#x"`` → the path).

    A path that itself contains ``#`` is cut at that ``#``; display paths are repository
    paths, where that is rare enough not to complicate every record.
    """
    if "#" in source:
        return source.partition("#")[0]
    match = _LINE_SUFFIX.search(source)
    return source[: match.start()] if match else source


# Where the reader's field names came from: readiness.yaml's ``fields:`` (the default) or
# the flags of `readiness evals` (--correct, --score, ...). Errors tell the user which to fix.
_FROM_FLAGS: ContextVar[bool] = ContextVar("readiness_eval_fields_from_flags", default=False)


@contextmanager
def fields_from_flags() -> Iterator[None]:
    """Within this block, errors about fields name the `readiness evals` flags."""
    token = _FROM_FLAGS.set(True)
    try:
        yield
    finally:
        _FROM_FLAGS.reset(token)


def name_field(field: str, value: str = "...") -> str:
    """How the user sets ``field``: ``fields: {score: ...}`` or ``--score ...``."""
    if _FROM_FLAGS.get():
        return f"--{field} {value}"
    if field == "threshold":  # beside fields:, on the workflow's evals entry
        return f"threshold: {value} in readiness.yaml"
    return f"fields: {{{field}: {value}}} in readiness.yaml"


def field_origin(field: str) -> str:
    """Where a mapped field was named: ``fields.correct`` or ``--correct``."""
    return f"--{field}" if _FROM_FLAGS.get() else f"fields.{field}"


def mapping_advice() -> str:
    """How to say which fields hold what, in the user's terms."""
    if _FROM_FLAGS.get():
        return "name the fields with --id, --category and --correct (or --score with --threshold)"
    return "add a field mapping in readiness.yaml (fields: {id: ..., category: ..., correct: ...})"
