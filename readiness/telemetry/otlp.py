"""OpenTelemetry traces as OTLP/JSON, with the GenAI semantic conventions.

Shape (opentelemetry-proto ``ExportTraceServiceRequest``; the JSON file
serialisation in opentelemetry-specification ``experimental/serialization/json.md`` is
one such object per line): ``resourceSpans[].scopeSpans[].spans[]`` (pre-1.0
exporters: ``instrumentationLibrarySpans``), each span with ``traceId``, ``spanId``,
``parentSpanId``, ``startTimeUnixNano``/``endTimeUnixNano`` (uint64, so JSON strings),
``attributes: [{key, value: {stringValue|intValue|doubleValue|boolValue|arrayValue}}]``
with ``intValue`` a string, and ``status: {code, message}``.

OTLP/JSON differs from the generic protobuf JSON mapping in two ways, and exporters
in the wild produce both, so both are accepted: ids are hex in OTLP/JSON but base64
from ``json_format.MessageToJson``; enums (span kind, status code) are integers in
OTLP/JSON but names (``STATUS_CODE_ERROR``) from ``MessageToJson``.

Attribute names (GenAI semconv, opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans,
plus the older names still emitted by instrumentations pinned to semconv <= 1.36):
``gen_ai.operation.name``, ``gen_ai.provider.name`` (older ``gen_ai.system``),
``gen_ai.request.model``, ``gen_ai.response.model``, ``gen_ai.usage.input_tokens``
(older ``gen_ai.usage.prompt_tokens``), ``gen_ai.usage.output_tokens`` (older
``completion_tokens``), ``gen_ai.usage.cache_read.input_tokens`` (older
``cache_read_input_tokens``), ``gen_ai.usage.cache_write.input_tokens`` (the Anthropic
SDK's own tracing; OpenLLMetry writes ``cache_creation.input_tokens``), the Anthropic
SDK's ``anthropic.usage.cache_creation.ephemeral_5m/1h_input_tokens``,
``gen_ai.response.finish_reasons``, ``gen_ai.response.id``,
``gen_ai.conversation.id``, ``error.type``. OpenInference (Arize-ai/openinference
spec/semantic_conventions.md): ``openinference.span.kind`` LLM/EMBEDDING,
``llm.model_name``, ``llm.provider``/``llm.system``, ``llm.token_count.prompt``,
``llm.token_count.completion``, ``llm.token_count.prompt_details.cache_read``,
``llm.cost.total``, ``session.id``. OpenLLMetry (traceloop/openllmetry
opentelemetry-semantic-conventions-ai): ``llm.request.type``, ``llm.usage.*``,
``traceloop.span.kind``, ``traceloop.association.properties.session_id``.

Token counts follow the semconv reading that ``input_tokens`` includes cached tokens;
when a span reports more cached than input tokens, the instrumentation evidently
used the Anthropic convention and the cache counts are added back.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from typing import Any

from readiness.telemetry.record import Outcome, RequestRecord, classify_error, usage_details
from readiness.telemetry.values import (
    MalformedRecord,
    duration_between,
    opt_cost,
    opt_int,
    opt_list,
    opt_map,
    opt_str,
    opt_time,
)

# Operations that are a call to a model (semconv gen_ai.operation.name well-known
# values); agent and tool spans aggregate or wrap model calls and are not counted.
MODEL_OPERATIONS = frozenset({
    "chat", "text_completion", "generate_content", "embeddings", "completion",
    "embedding", "responses",
})
NON_MODEL_OPERATIONS = frozenset({"execute_tool", "invoke_agent", "create_agent"})

# Each logical field, with its attribute names in order of preference (newest first).
ALIASES: Mapping[str, tuple[str, ...]] = {
    "operation": ("gen_ai.operation.name", "llm.request.type"),
    "provider": ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system",
                 "llm.vendor"),
    "model_requested": ("gen_ai.request.model", "llm.request.model"),
    "model": ("gen_ai.response.model", "llm.response.model", "llm.model_name"),
    "input_tokens": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens",
                     "llm.usage.prompt_tokens", "llm.token_count.prompt"),
    "output_tokens": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
                      "llm.usage.completion_tokens", "llm.token_count.completion"),
    "cached_tokens": ("gen_ai.usage.cache_read.input_tokens",
                      "gen_ai.usage.cache_read_input_tokens",
                      "llm.usage.cache_read_input_tokens",
                      "llm.token_count.prompt_details.cache_read"),
    "cache_write_tokens": ("gen_ai.usage.cache_write.input_tokens",
                           "gen_ai.usage.cache_creation.input_tokens",
                           "gen_ai.usage.cache_creation_input_tokens",
                           "llm.usage.cache_creation_input_tokens",
                           "llm.token_count.prompt_details.cache_write"),
    "cache_write_1h_tokens": ("anthropic.usage.cache_creation.ephemeral_1h_input_tokens",),
    "cache_write_5m_tokens": ("anthropic.usage.cache_creation.ephemeral_5m_input_tokens",),
    "input_audio_tokens": ("llm.token_count.prompt_details.audio",),
    "output_audio_tokens": ("llm.token_count.completion_details.audio",),
    "reasoning_tokens": ("gen_ai.usage.reasoning.output_tokens",
                         "gen_ai.usage.reasoning_tokens",
                         "llm.token_count.completion_details.reasoning"),
    "cost": ("gen_ai.usage.cost", "llm.cost.total"),
    "finish_reason": ("gen_ai.response.finish_reasons", "llm.response.finish_reason"),
    "response_id": ("gen_ai.response.id",),
    "session": ("gen_ai.conversation.id", "session.id",
                "traceloop.association.properties.session_id", "langfuse.session.id"),
    "error_type": ("error.type", "exception.type"),
    "http_status": ("http.response.status_code", "http.status_code"),
    "retry": ("http.request.resend_count",),
}

_STATUS_ERROR = (2, "2", "STATUS_CODE_ERROR")
_HEX_ID = re.compile(r"[0-9a-fA-F]{16}(?:[0-9a-fA-F]{16})?")


def is_otlp_document(obj: Mapping[str, Any]) -> bool:
    """Whether a parsed JSON object is an OTLP trace export."""
    return isinstance(obj.get("resourceSpans"), list)


def attribute_value(value: object) -> Any:
    """Unwrap an OTLP ``AnyValue`` into a plain Python value (None if unknown)."""
    if not isinstance(value, Mapping):
        return None
    for key in ("stringValue", "boolValue", "intValue", "doubleValue"):
        if key in value:
            return value[key]
    if "arrayValue" in value:
        items = value["arrayValue"].get("values") if isinstance(
            value["arrayValue"], Mapping) else None
        return [attribute_value(v) for v in items] if isinstance(items, list) else []
    return None


def attributes(raw: object, field: str) -> dict[str, Any]:
    """``[{key, value}]`` into a dict; malformed entries make the span malformed."""
    entries = opt_list(raw, field) or []
    result: dict[str, Any] = {}
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("key"), str):
            raise MalformedRecord(f"{field}: attribute without a string key")
        result[entry["key"]] = attribute_value(entry.get("value"))
    return result


def normalise_id(raw: object, field: str) -> str | None:
    """A trace or span id as lowercase hex, from hex or base64 encodings."""
    text = opt_str(raw, field)
    if not text:
        return None
    if _HEX_ID.fullmatch(text):
        return text.lower()
    try:
        return base64.b64decode(text, validate=True).hex()
    except (binascii.Error, ValueError):
        raise MalformedRecord(f"{field}: neither hex nor base64") from None


def _first(attrs: Mapping[str, Any], field: str) -> tuple[str, Any]:
    for name in ALIASES[field]:
        if name in attrs and attrs[name] is not None:
            return name, attrs[name]
    return ALIASES[field][0], None


def is_model_call(attrs: Mapping[str, Any]) -> bool:
    """Whether a span's attributes describe a call to a model."""
    operation = _first(attrs, "operation")[1]
    if isinstance(operation, str):
        lowered = operation.lower()
        if lowered in NON_MODEL_OPERATIONS:
            return False
        if lowered in MODEL_OPERATIONS:
            return True
    kind = attrs.get("openinference.span.kind")
    if isinstance(kind, str):
        return kind.upper() in ("LLM", "EMBEDDING")
    if attrs.get("traceloop.span.kind") in ("workflow", "task", "agent", "tool"):
        return False
    return any(_first(attrs, f)[1] is not None
               for f in ("model_requested", "input_tokens", "output_tokens"))


def spans(doc: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Every (span, resource attributes) pair in an export request."""
    for resource_spans in opt_list(doc.get("resourceSpans"), "resourceSpans") or []:
        if not isinstance(resource_spans, Mapping):
            raise MalformedRecord("resourceSpans: expected objects")
        resource = opt_map(resource_spans.get("resource"), "resource") or {}
        resource_attrs = attributes(resource.get("attributes"), "resource.attributes")
        scopes = resource_spans.get("scopeSpans", resource_spans.get("instrumentationLibrarySpans"))
        for scope in opt_list(scopes, "scopeSpans") or []:
            if not isinstance(scope, Mapping):
                raise MalformedRecord("scopeSpans: expected objects")
            for span in opt_list(scope.get("spans"), "spans") or []:
                if not isinstance(span, Mapping):
                    raise MalformedRecord("spans: expected objects")
                yield span, resource_attrs


def records_from_otlp(doc: Mapping[str, Any], source: str) -> list[RequestRecord]:
    """The model-call records in one export request.

    When a model span has a child model span in the same request (a framework span
    around an SDK span), only the innermost is kept, so one call is counted once.
    Duplicates split across export batches cannot be detected this way.
    """
    candidates: list[tuple[str | None, str | None, RequestRecord]] = []
    for span, resource_attrs in spans(doc):
        attrs = attributes(span.get("attributes"), "span.attributes")
        if not is_model_call(attrs):
            continue
        span_id = normalise_id(span.get("spanId"), "spanId")
        parent_id = normalise_id(span.get("parentSpanId"), "parentSpanId")
        candidates.append((span_id, parent_id,
                           span_record(span, span_id, attrs, resource_attrs, source)))
    parents = {parent for _, parent, _ in candidates if parent}
    return [record for span_id, _, record in candidates if span_id not in parents]


def span_record(span: Mapping[str, Any], span_id: str | None, attrs: Mapping[str, Any],
                resource_attrs: Mapping[str, Any], source: str) -> RequestRecord:
    """One model-call span as a record (``span`` in OTLP/JSON field names)."""
    start = opt_time(span.get("startTimeUnixNano"), "startTimeUnixNano")
    end = opt_time(span.get("endTimeUnixNano"), "endTimeUnixNano")
    trace_id = normalise_id(span.get("traceId"), "traceId")
    session = opt_str(_first(attrs, "session")[1], "session") or opt_str(
        _first(resource_attrs, "session")[1], "session")

    def count(field: str) -> int | None:
        name, value = _first(attrs, field)
        return opt_int(value, name)

    input_tokens = count("input_tokens")
    cached = count("cached_tokens")
    cache_write = count("cache_write_tokens")
    write_1h = count("cache_write_1h_tokens")
    if cache_write is None and (write_1h is not None or count("cache_write_5m_tokens")):
        cache_write = (write_1h or 0) + (count("cache_write_5m_tokens") or 0)
    if input_tokens is not None and (cached or 0) + (cache_write or 0) > input_tokens:
        input_tokens += (cached or 0) + (cache_write or 0)

    status = opt_map(span.get("status"), "status") or {}
    http_name, http_raw = _first(attrs, "http_status")
    http_status = opt_int(http_raw, http_name, maximum=999)
    error_type = _first(attrs, "error_type")[1]
    outcome = Outcome.OK
    if status.get("code") in _STATUS_ERROR or error_type is not None:
        text = " ".join(str(t) for t in (error_type, status.get("message")) if t)
        outcome = classify_error(http_status, text)

    finish = _first(attrs, "finish_reason")[1]
    if isinstance(finish, list):
        finish = finish[0] if finish else None
    retry_name, retry_raw = _first(attrs, "retry")
    cost_name, cost_raw = _first(attrs, "cost")
    operation = _first(attrs, "operation")[1]
    if operation is None and isinstance(attrs.get("openinference.span.kind"), str):
        operation = attrs["openinference.span.kind"].lower()
    return RequestRecord(
        source=source,
        request_id=opt_str(_first(attrs, "response_id")[1], "gen_ai.response.id") or span_id,
        work_item=session or trace_id,
        start=start,
        duration_ms=duration_between(start, end, "span duration"),
        operation=opt_str(operation, "operation"),
        provider=opt_str(_first(attrs, "provider")[1], "provider"),
        model_requested=opt_str(_first(attrs, "model_requested")[1], "model_requested"),
        model=opt_str(_first(attrs, "model")[1], "model"),
        input_tokens=input_tokens,
        output_tokens=count("output_tokens"),
        cached_tokens=cached,
        reasoning_tokens=count("reasoning_tokens"),
        cost_usd=opt_cost(cost_raw, cost_name),
        outcome=outcome.value,
        http_status=http_status,
        finish_reason=opt_str(finish, "finish_reason"),
        retry_attempt=opt_int(retry_raw, retry_name, maximum=1000),
        cache_hit=None,
        cache_write_tokens=cache_write,
        usage_details=usage_details(cache_write_1h_tokens=write_1h,
                                    input_audio_tokens=count("input_audio_tokens"),
                                    output_audio_tokens=count("output_audio_tokens")),
    )
