"""Eval results: read what promptfoo, Inspect, DeepEval, lm-eval, OpenAI evals or a generic
table recorded, normalise it to ``EvalRecord``s and summarise accuracy by category."""

from __future__ import annotations

from readiness.evals.detect import (
    EvalFormat,
    EvalSource,
    detect_format,
    open_eval_file,
    read_eval_file,
    read_eval_files,
)
from readiness.evals.discover import Discovery, discover_eval_files
from readiness.evals.record import EvalRecord, FieldMapping, Outcome
from readiness.evals.stats import EvalSummary, Stats, WorkflowSummary, summarise, wilson

__all__ = [
    "Discovery",
    "EvalFormat",
    "EvalRecord",
    "EvalSource",
    "EvalSummary",
    "FieldMapping",
    "Outcome",
    "Stats",
    "WorkflowSummary",
    "detect_format",
    "discover_eval_files",
    "open_eval_file",
    "read_eval_file",
    "read_eval_files",
    "summarise",
    "wilson",
]
