"""OTLP/JSON traces: the fixture is written by the OpenTelemetry SDK itself."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from readiness.telemetry.detect import Format, Layout, detect
from readiness.telemetry.otlp import attribute_value, normalise_id, records_from_otlp
from readiness.telemetry.reader import read_requests
from readiness.telemetry.record import Malformed, RequestRecord

T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z in ns


def _sdk_jsonl(tmp_path: Path) -> Path:
    """Spans made with the SDK tracer, encoded by the OTLP exporter's own encoder."""
    sdk_trace = pytest.importorskip(
        "opentelemetry.sdk.trace",
        reason="needs opentelemetry-sdk (test dependency) to write a real OTLP fixture")
    memory = pytest.importorskip(
        "opentelemetry.sdk.trace.export.in_memory_span_exporter",
        reason="needs opentelemetry-sdk")
    export = pytest.importorskip("opentelemetry.sdk.trace.export", reason="needs opentelemetry-sdk")
    encoder = pytest.importorskip(
        "opentelemetry.exporter.otlp.proto.common.trace_encoder",
        reason="needs opentelemetry-exporter-otlp-proto-common")
    json_format = pytest.importorskip("google.protobuf.json_format", reason="needs protobuf")
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

    exporter = memory.InMemorySpanExporter()
    provider = sdk_trace.TracerProvider(resource=Resource.create({"service.name": "invoices"}))
    provider.add_span_processor(export.SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("readiness-test")

    def call(parent: Any, start_s: float, end_s: float, attrs: dict[str, Any],
             error: str | None = None) -> None:
        span = tracer.start_span(f"chat {attrs.get('gen_ai.request.model')}",
                                 context=set_span_in_context(parent), kind=SpanKind.CLIENT,
                                 start_time=T0 + int(start_s * 1e9), attributes=attrs)
        if error:
            span.set_status(Status(StatusCode.ERROR, error))
        span.end(end_time=T0 + int(end_s * 1e9))

    # Trace 1: an agent span around two model calls and a tool call.
    root = tracer.start_span("invoke_agent extractor", start_time=T0,
                             attributes={"gen_ai.operation.name": "invoke_agent",
                                         "gen_ai.usage.input_tokens": 99999})
    call(root, 0.1, 1.6, {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.usage.input_tokens": 1500, "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.cache_read.input_tokens": 1024,
        "gen_ai.response.finish_reasons": ["stop"], "gen_ai.response.id": "chatcmpl-1"})
    tool = tracer.start_span("execute_tool lookup_vendor", context=set_span_in_context(root),
                             start_time=T0 + 1_700_000_000,
                             attributes={"gen_ai.operation.name": "execute_tool"})
    tool.end(end_time=T0 + 1_800_000_000)
    # Older semconv names (gen_ai.system, prompt/completion tokens) and a 429.
    call(root, 2.0, 2.25, {
        "gen_ai.operation.name": "chat", "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o", "gen_ai.usage.prompt_tokens": 0,
        "error.type": "openai.RateLimitError", "http.request.resend_count": 1},
        error="Error code: 429")
    root.end(end_time=T0 + 3_000_000_000)
    # Trace 2: a session attribute names the work item.
    root2 = tracer.start_span("workflow", start_time=T0 + 60_000_000_000)
    call(root2, 60.0, 62.5, {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4-20250514",
        "gen_ai.usage.input_tokens": 2100, "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.cache_read.input_tokens": 2000, "gen_ai.conversation.id": "conv-42"})
    root2.end(end_time=T0 + 63_000_000_000)

    request = encoder.encode_spans(exporter.get_finished_spans())
    text = json_format.MessageToJson(request, indent=None)
    path = tmp_path / "traces.otlp.jsonl"
    path.write_text(text.replace("\n", "") + "\n" + "{\"resourceSpans\": [\n", encoding="utf-8")
    return path


def test_sdk_written_otlp_jsonl_is_detected_and_read(tmp_path: Path) -> None:
    path = _sdk_jsonl(tmp_path)
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    span = first["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    # What MessageToJson really writes: camelCase keys, int64 as strings, base64 ids
    # and enum names (OTLP/JSON proper uses hex ids and integer enums).
    assert isinstance(span["startTimeUnixNano"], str)
    assert span["traceId"].endswith("==")

    assert detect(path) == (Format.OTLP, Layout.JSON_LINES)
    items = list(read_requests(path))
    records = [i for i in items if isinstance(i, RequestRecord)]
    malformed = [i for i in items if isinstance(i, Malformed)]
    assert [m.location for m in malformed] == [f"{path}:2"]  # the truncated second line
    assert len(records) == 3  # agent and tool spans are not model calls

    by_model = {r.model_requested: r for r in records if r.outcome == "ok"}
    first_call = by_model["gpt-4o"]
    assert first_call.model == "gpt-4o-2024-08-06"
    assert first_call.provider == "openai"
    assert (first_call.input_tokens, first_call.output_tokens, first_call.cached_tokens) == (
        1500, 300, 1024)
    assert first_call.duration_ms == pytest.approx(1500.0)
    assert first_call.start == datetime(2026, 1, 1, 0, 0, 0, 100000, tzinfo=UTC)
    assert first_call.finish_reason == "stop"
    assert first_call.request_id == "chatcmpl-1"
    assert first_call.work_item is not None and len(first_call.work_item) == 32  # hex trace id

    failed = next(r for r in records if r.outcome != "ok")
    assert failed.outcome == "rate_limit"
    assert failed.provider == "openai"  # from the older gen_ai.system
    assert failed.retry_attempt == 1
    assert failed.work_item == first_call.work_item

    claude = by_model["claude-sonnet-4-20250514"]
    assert claude.work_item == "conv-42"
    assert claude.input_tokens == 2100 and claude.cached_tokens == 2000


def _doc(spans: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceSpans": [{"resource": {"attributes": []},
                               "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}]}


def _attrs(**values: Any) -> list[dict[str, Any]]:
    out = []
    for key, value in values.items():
        key = key.replace("__", ".")
        wrapped: dict[str, Any]
        if isinstance(value, bool):
            wrapped = {"boolValue": value}
        elif isinstance(value, int):
            wrapped = {"intValue": str(value)}
        elif isinstance(value, float):
            wrapped = {"doubleValue": value}
        else:
            wrapped = {"stringValue": value}
        out.append({"key": key, "value": wrapped})
    return out


def test_openinference_and_openllmetry_aliases_and_hex_ids() -> None:
    spans: list[dict[str, Any]] = [
        {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
         "name": "ChatOpenAI", "kind": 3, "startTimeUnixNano": str(T0),
         "endTimeUnixNano": str(T0 + 2_000_000_000), "status": {"code": 1},
         "attributes": _attrs(openinference__span__kind="LLM", llm__model_name="gpt-4o-mini",
                              llm__provider="openai", llm__token_count__prompt=1000,
                              llm__token_count__completion=100,
                              llm__token_count__prompt_details__cache_read=512,
                              llm__cost__total=0.0001716, session__id="sess-1")},
        {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "aaa19b7ec3c1b174",
         "name": "retriever", "startTimeUnixNano": str(T0), "endTimeUnixNano": str(T0),
         "attributes": _attrs(openinference__span__kind="RETRIEVER")},
        {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
         "name": "openai.chat", "startTimeUnixNano": T0, "endTimeUnixNano": T0 + 10**9,
         "status": {"code": 2, "message": "Request timed out."},
         "attributes": _attrs(llm__request__type="chat", gen_ai__system="openai",
                              gen_ai__request__model="gpt-4o",
                              llm__usage__prompt_tokens=10, llm__usage__completion_tokens=0)},
    ]
    records = records_from_otlp(_doc(spans), "t.jsonl:1")
    assert len(records) == 2
    oi, ollm = records
    assert (oi.model, oi.provider, oi.input_tokens, oi.output_tokens, oi.cached_tokens) == (
        "gpt-4o-mini", "openai", 1000, 100, 512)
    assert oi.cost_usd == pytest.approx(0.0001716)
    assert oi.work_item == "sess-1" and oi.operation == "llm"
    assert ollm.operation == "chat" and ollm.outcome == "timeout"
    assert ollm.work_item == "0af7651916cd43dd8448eb211c80319c"
    assert ollm.input_tokens == 10


def test_nested_model_spans_count_once() -> None:
    parent = {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "1111111111111111",
              "startTimeUnixNano": str(T0), "endTimeUnixNano": str(T0 + 10**9),
              "attributes": _attrs(openinference__span__kind="LLM", llm__model_name="gpt-4o",
                                   llm__token_count__prompt=10)}
    child = {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "2222222222222222",
             "parentSpanId": "1111111111111111", "startTimeUnixNano": str(T0),
             "endTimeUnixNano": str(T0 + 10**9),
             "attributes": _attrs(gen_ai__operation__name="chat", gen_ai__request__model="gpt-4o",
                                  gen_ai__usage__input_tokens=10)}
    records = records_from_otlp(_doc([parent, child]), "x")
    assert [r.operation for r in records] == ["chat"]


def test_anthropic_style_token_counts_are_normalised() -> None:
    # Cached count larger than input: the instrumentation used Anthropic's convention.
    span = {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "2222222222222222",
            "startTimeUnixNano": str(T0), "endTimeUnixNano": str(T0 + 10**9),
            "attributes": _attrs(gen_ai__operation__name="chat",
                                 gen_ai__request__model="claude-sonnet-4-20250514",
                                 gen_ai__usage__input_tokens=50,
                                 gen_ai__usage__cache_read_input_tokens=2000,
                                 gen_ai__usage__cache_creation_input_tokens=100)}
    (record,) = records_from_otlp(_doc([span]), "x")
    assert (record.input_tokens, record.cached_tokens, record.cache_write_tokens) == (
        2150, 2000, 100)


@pytest.mark.parametrize(("raw", "expected"), [
    ("5B8EFFF798038103D269B633813FC60C", "5b8efff798038103d269b633813fc60c"),
    (base64.b64encode(bytes.fromhex("5b8efff798038103d269b633813fc60c")).decode(),
     "5b8efff798038103d269b633813fc60c"),
    ("", None),
])
def test_ids_accept_hex_and_base64(raw: str, expected: str | None) -> None:
    assert normalise_id(raw, "traceId") == expected


@pytest.mark.parametrize(("value", "expected"), [
    ({"stringValue": "a"}, "a"), ({"intValue": "12"}, "12"), ({"doubleValue": 1.5}, 1.5),
    ({"boolValue": True}, True),
    ({"arrayValue": {"values": [{"stringValue": "stop"}, {"stringValue": "length"}]}},
     ["stop", "length"]),
    ({"kvlistValue": {"values": []}}, None), ("not-a-value", None),
])
def test_attribute_values_unwrap(value: object, expected: object) -> None:
    assert attribute_value(value) == expected


@pytest.mark.parametrize(("line", "reason"), [
    ('{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz!", "spanId": "1", '
     '"attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}]}]}]}]}',
     "spanId: neither hex nor base64"),
    ('{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": [{"key": '
     '"gen_ai.operation.name", "value": {"stringValue": "chat"}}, {"key": '
     '"gen_ai.usage.input_tokens", "value": {"intValue": "-5"}}]}]}]}]}',
     "expected an integer"),
    ('{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "2000", '
     '"endTimeUnixNano": "1000", "attributes": [{"key": "gen_ai.operation.name", '
     '"value": {"stringValue": "chat"}}]}]}]}]}', "ends before it starts"),
    ('{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": [{"value": {}}]}]}]}]}',
     "attribute without a string key"),
    ('{"resourceSpans": "nope"}', "not an OTLP trace export"),
])
def test_malformed_spans_are_located(tmp_path: Path, line: str, reason: str) -> None:
    good = json.dumps(_doc([{"traceId": "0af7651916cd43dd8448eb211c80319c",
                             "spanId": "2222222222222222", "startTimeUnixNano": str(T0),
                             "endTimeUnixNano": str(T0 + 1),
                             "attributes": _attrs(gen_ai__operation__name="chat")}]))
    path = tmp_path / "t.jsonl"
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    items = list(read_requests(path))
    assert isinstance(items[0], RequestRecord)
    assert isinstance(items[1], Malformed)
    assert items[1].location == f"{path}:2"
    assert reason in items[1].reason
