"""Regenerate the SDK-written telemetry fixtures in tests/data/telemetry_sdk/, offline.

Every file is written by the real SDKs talking to a mock of the provider API on
127.0.0.1 (no network, no key): the OpenAI and Anthropic Python SDKs, the Anthropic
SDK's own OpenTelemetry tracing, OpenLLMetry's OpenAI instrumentation and the
OpenTelemetry SDK's exporters. The mock returns fixed usage, so the files are the
same on every run except for ids, timestamps and latencies.

Needs (only for generating; the test suite does not):

    pip install openai anthropic opentelemetry-sdk opentelemetry-exporter-otlp-proto-common \
        opentelemetry-instrumentation-openai

Run from the repository root:  python scripts/telemetry_fixtures.py
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "telemetry_sdk"
CREATED = 1767258000  # 2026-01-01 09:00 UTC, so prices are looked up for one fixed day

# What the mock answers, in order, per API: (HTTP status, body). Usage is fixed.
OPENAI_REPLIES: list[tuple[int, dict[str, Any]]] = [
    (200, {"prompt_tokens": 1500, "completion_tokens": 300, "cached": 1024, "audio_in": 0}),
    (200, {"prompt_tokens": 2200, "completion_tokens": 120, "cached": 0, "audio_in": 0}),
    (429, {"error": {"message": "Rate limit reached for gpt-4o in organization org-x on "
                                "tokens per min (TPM): Limit 30000, Used 30000.",
                     "type": "tokens", "param": None, "code": "rate_limit_exceeded"}}),
    (200, {"prompt_tokens": 1800, "completion_tokens": 450, "cached": 1536, "audio_in": 0}),
    (500, {"error": {"message": "The server had an error while processing your request.",
                     "type": "server_error", "param": None, "code": None}}),
]
ANTHROPIC_REPLIES: list[tuple[int, dict[str, Any]]] = [
    (200, {"input": 50, "write_5m": 2000, "write_1h": 0, "read": 0, "output": 400}),
    (200, {"input": 100, "write_5m": 0, "write_1h": 0, "read": 2000, "output": 300}),
    (529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    (200, {"input": 80, "write_5m": 0, "write_1h": 3000, "read": 0, "output": 250}),
    (200, {"input": 60, "write_5m": 500, "write_1h": 0, "read": 3000, "output": 200}),
    (429, {"type": "error", "error": {"type": "rate_limit_error",
                                      "message": "Number of request tokens has exceeded your "
                                                 "per-minute rate limit"}}),
]


def openai_body(model: str, n: int, usage: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-fixture{n:04d}", "object": "chat.completion", "created": CREATED + n,
        "model": model, "system_fingerprint": "fp_fixture", "service_tier": "default",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "content": "Vendor: ACME GmbH",
                                 "refusal": None, "annotations": []}}],
        "usage": {"prompt_tokens": usage["prompt_tokens"],
                  "completion_tokens": usage["completion_tokens"],
                  "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"],
                  "prompt_tokens_details": {"cached_tokens": usage["cached"],
                                            "audio_tokens": usage["audio_in"]},
                  "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                "accepted_prediction_tokens": 0,
                                                "rejected_prediction_tokens": 0}},
    }


def anthropic_body(model: str, n: int, usage: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"msg_fixture{n:04d}", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": "Invoice number: 4471"}],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": usage["input"],
                  "cache_creation_input_tokens": usage["write_5m"] + usage["write_1h"],
                  "cache_read_input_tokens": usage["read"],
                  "cache_creation": {"ephemeral_5m_input_tokens": usage["write_5m"],
                                     "ephemeral_1h_input_tokens": usage["write_1h"]},
                  "output_tokens": usage["output"], "service_tier": "standard"},
    }


class Mock:
    """A provider API on 127.0.0.1 that replays the replies above, in order."""

    def __init__(self) -> None:
        self.queues: dict[str, Iterator[tuple[int, dict[str, Any]]]] = {}
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("content-length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                status, body = mock.reply(self.path, request)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("request-id", f"req_fixture{time.monotonic_ns() % 10**8}")
                self.send_header("x-request-id", f"req_fixture{time.monotonic_ns() % 10**8}")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.count = 0

    def reset(self) -> None:
        self.queues = {"openai": iter(OPENAI_REPLIES), "anthropic": iter(ANTHROPIC_REPLIES)}

    def reply(self, path: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.count += 1
        time.sleep(0.01)
        api = "anthropic" if path.endswith("/messages") else "openai"
        status, data = next(self.queues[api])
        if status != 200:
            return status, data
        if api == "anthropic":
            return status, anthropic_body(request["model"], self.count, data)
        return status, openai_body(request["model"], self.count, data)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def call_log(call: Callable[[], Any], request: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """How an application wraps one SDK call in its log: timing, status, response or error."""
    started = time.perf_counter()
    entry: dict[str, Any] = {"ts": now_iso(), "request": request}
    try:
        response = call()
    except Exception as exc:  # the SDK's APIStatusError subclasses
        entry.update(status="error", error={
            "type": type(exc).__name__, "status_code": getattr(exc, "status_code", None),
            "message": str(getattr(exc, "message", exc)), "body": getattr(exc, "body", None)})
        response = None
    else:
        entry.update(status="ok", response=response.model_dump(mode="json"))
    entry["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return entry, response


def app_logs(mock: Mock) -> None:
    import anthropic
    import openai

    mock.reset()
    client = openai.OpenAI(base_url=mock.url + "/v1", api_key="sk-fixture", max_retries=0)
    lines = []
    for n in range(len(OPENAI_REPLIES)):
        request = {"model": "gpt-4o-2024-08-06", "messages": [
            {"role": "user", "content": f"Extract the vendor of invoice {n}"}]}
        entry, _ = call_log(lambda r=request: client.chat.completions.create(**r), request)
        entry["work_item"] = f"invoice-{n // 2}"
        lines.append(entry)
    write_jsonl(OUT / "app_log_openai.jsonl", lines)

    # Two levels down: {"event": ..., "call": {"request", "response" | "error"}, ...}.
    mock.reset()
    aclient = anthropic.Anthropic(base_url=mock.url, api_key="sk-ant-fixture", max_retries=0,
                                  open_telemetry=False)
    lines = []
    for n in range(len(ANTHROPIC_REPLIES)):
        request = {"model": "claude-sonnet-4-20250514", "max_tokens": 1024,
                   "messages": [{"role": "user", "content": f"Invoice {n}: number?"}]}
        entry, _ = call_log(lambda r=request: aclient.messages.create(**r), request)
        ts, latency = entry.pop("ts"), entry.pop("latency_ms")
        lines.append({"timestamp": ts, "level": "info", "event": "llm_call",
                      "session_id": f"doc-{n // 3}", "call": entry, "duration_ms": latency})
    write_jsonl(OUT / "app_log_anthropic.jsonl", lines)


def custom_log(mock: Mock) -> None:
    """A house format no detector knows: read only through a field mapping."""
    import openai

    mock.reset()
    client = openai.OpenAI(base_url=mock.url + "/v1", api_key="sk-fixture", max_retries=0)
    lines = []
    for n in range(len(OPENAI_REPLIES)):
        started = time.perf_counter()
        line: dict[str, Any] = {"at": now_iso(), "job": {"doc": f"invoice-{n // 2}"}}
        try:
            reply = client.chat.completions.create(
                model="gpt-4o-mini-2024-07-18",
                messages=[{"role": "user", "content": f"Vendor of invoice {n}?"}])
        except openai.APIStatusError as exc:
            line["llm"] = {"engine": "gpt-4o-mini-2024-07-18", "outcome": type(exc).__name__}
        else:
            assert reply.usage is not None
            details = reply.usage.prompt_tokens_details
            line["llm"] = {"engine": reply.model, "outcome": "ok",
                           "tok": {"in": reply.usage.prompt_tokens,
                                   "out": reply.usage.completion_tokens,
                                   "cached": details.cached_tokens if details else None}}
        line["ms"] = round((time.perf_counter() - started) * 1000, 1)
        lines.append(line)
    write_jsonl(OUT / "custom_log.jsonl", lines)


def traced(mock: Mock) -> None:
    """The Anthropic SDK's own spans and OpenLLMetry's OpenAI spans, exported by the OTel SDK
    as OTLP/JSON lines (the protobuf JSON mapping) and by the ConsoleSpanExporter."""
    import anthropic
    import openai
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    console = io.StringIO()
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "invoice-extractor"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=console)))

    mock.reset()
    aclient = anthropic.Anthropic(base_url=mock.url, api_key="sk-ant-fixture", max_retries=0,
                                  open_telemetry={"tracer_provider": provider})
    tracer = provider.get_tracer("invoice-extractor")
    for n in range(len(ANTHROPIC_REPLIES)):
        with (tracer.start_as_current_span(f"extract invoice-{n // 3}"),
              contextlib.suppress(anthropic.APIStatusError)):
            aclient.messages.create(model="claude-sonnet-4-20250514", max_tokens=1024,
                                    messages=[{"role": "user", "content": f"Invoice {n}"}])
    write_otlp(OUT / "anthropic_sdk.otlp.jsonl", memory, encode_spans, MessageToDict)
    (OUT / "anthropic_sdk.console.txt").write_text(console.getvalue())

    console.seek(0)
    console.truncate()
    memory.clear()
    mock.reset()
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    client = openai.OpenAI(base_url=mock.url + "/v1", api_key="sk-fixture", max_retries=0)
    for n in range(len(OPENAI_REPLIES)):
        with contextlib.suppress(openai.APIStatusError):
            client.chat.completions.create(
                model="gpt-4o-2024-08-06",
                messages=[{"role": "user", "content": f"Vendor of invoice {n}?"}])
    OpenAIInstrumentor().uninstrument()
    write_otlp(OUT / "openai_openllmetry.otlp.jsonl", memory, encode_spans, MessageToDict)
    (OUT / "openai_openllmetry.console.txt").write_text(console.getvalue())


def write_otlp(path: Path, memory: Any, encode: Any, to_dict: Any) -> None:
    """One ExportTraceServiceRequest per finished span, as a collector file exporter would."""
    lines = [to_dict(encode([span])) for span in memory.get_finished_spans()]
    write_jsonl(path, lines)


def write_jsonl(path: Path, lines: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    mock = Mock()
    try:
        app_logs(mock)
        custom_log(mock)
        traced(mock)
    finally:
        mock.server.shutdown()
    for path in sorted(OUT.iterdir()):
        print(path.relative_to(OUT.parent.parent.parent), path.stat().st_size)


if __name__ == "__main__":
    main()
