"""Spans printed by OpenTelemetry's ``ConsoleSpanExporter`` (``ReadableSpan.to_json()``).

Shape (opentelemetry-python ``opentelemetry/sdk/trace/__init__.py``): ``name``,
``context: {trace_id, span_id}`` as ``0x``-prefixed hex, ``kind`` (``SpanKind.CLIENT``),
``parent_id``, ``start_time``/``end_time`` as ISO 8601, ``status: {status_code: UNSET |
OK | ERROR, description}``, ``attributes`` as a plain object (same names as OTLP, so the
GenAI semconv readers in :mod:`readiness.telemetry.otlp` apply unchanged), ``events``,
``links`` and ``resource: {attributes}``. The exporter writes them one after another,
indented (see :mod:`readiness.telemetry.stream`), each when the span ends, so a child
span comes before its parent: a model span whose own child model span was already
counted (a framework span around an SDK span) is not counted again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from readiness.telemetry.otlp import is_model_call, normalise_id, span_record
from readiness.telemetry.record import RequestRecord
from readiness.telemetry.values import MalformedRecord, opt_map, opt_str

_MAX_REMEMBERED = 100_000  # parents of counted model spans, for de-duplication


def is_console_span(obj: Mapping[str, Any]) -> bool:
    """Whether a parsed JSON object is one span as ConsoleSpanExporter prints it."""
    context = obj.get("context")
    return (isinstance(context, Mapping) and "span_id" in context and "start_time" in obj
            and isinstance(obj.get("attributes"), Mapping))


def _hex(value: object, field: str) -> str | None:
    text = opt_str(value, field)
    return normalise_id(text[2:] if text and text.lower().startswith("0x") else text, field)


class ConsoleSpans:
    """Converts the spans of one file, in order (it remembers counted spans' parents)."""

    def __init__(self) -> None:
        self._counted_parents: OrderedDict[str, None] = OrderedDict()

    def __call__(self, obj: Mapping[str, Any], source: str) -> list[RequestRecord]:
        if not is_console_span(obj):
            raise MalformedRecord("not a ConsoleSpanExporter span")
        attrs = opt_map(obj.get("attributes"), "attributes") or {}
        if not is_model_call(attrs):
            return []
        context = opt_map(obj.get("context"), "context") or {}
        span_id = _hex(context.get("span_id"), "context.span_id")
        parent_id = _hex(obj.get("parent_id"), "parent_id")
        if span_id and span_id in self._counted_parents:
            return []  # wraps a model call already counted
        if parent_id:
            self._counted_parents[parent_id] = None
            if len(self._counted_parents) > _MAX_REMEMBERED:
                self._counted_parents.popitem(last=False)
        status = opt_map(obj.get("status"), "status") or {}
        resource = opt_map(obj.get("resource"), "resource") or {}
        span = {
            "traceId": _hex(context.get("trace_id"), "context.trace_id"),
            "startTimeUnixNano": obj.get("start_time"),
            "endTimeUnixNano": obj.get("end_time"),
            "status": {"code": 2 if status.get("status_code") == "ERROR" else 0,
                       "message": status.get("description")},
        }
        resource_attrs = opt_map(resource.get("attributes"), "resource.attributes") or {}
        return [span_record(span, span_id, attrs, resource_attrs, source)]
