"""The normalised eval record every reader produces, and the field mapping for generic files."""

from __future__ import annotations

import enum
import re
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
