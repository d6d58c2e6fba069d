"""ConsoleSpanExporter output, pretty-printed values streamed, and bounded lines everywhere."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from readiness.telemetry import detect as detect_module
from readiness.telemetry.detect import Format, Layout, detect
from readiness.telemetry.reader import read_requests
from readiness.telemetry.record import Malformed, RequestRecord
from readiness.telemetry.stream import CHUNK, json_values
from readiness.telemetry.values import MalformedRecord

SDK = Path(__file__).parent / "data" / "telemetry_sdk"


def _span(span_id: str, parent: str | None, **attributes: Any) -> dict[str, Any]:
    """A span as ReadableSpan.to_json() prints it."""
    return {"name": "chat", "context": {"trace_id": "0x" + "a" * 32, "span_id": "0x" + span_id,
                                        "trace_state": "[]"},
            "kind": "SpanKind.CLIENT", "parent_id": parent and "0x" + parent,
            "start_time": "2026-03-01T10:00:00.000000Z",
            "end_time": "2026-03-01T10:00:01.500000Z",
            "status": {"status_code": "UNSET"}, "attributes": attributes, "events": [],
            "links": [], "resource": {"attributes": {"service.name": "x"}, "schema_url": ""}}


CALL = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 100,
        "gen_ai.usage.output_tokens": 10}


def _console(tmp_path: Path, spans: list[Any], name: str = "spans.txt") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(s, indent=4) + "\n" for s in spans))
    return path


def test_console_spans_one_after_another(tmp_path: Path) -> None:
    path = _console(tmp_path, [_span("1" * 16, "2" * 16, **CALL),
                               _span("2" * 16, None)])  # the app's own span: not a call
    assert detect(path) == (Format.OTEL_CONSOLE, Layout.JSON_STREAM)
    (record,) = list(read_requests(path))
    assert isinstance(record, RequestRecord)
    assert (record.duration_ms, record.input_tokens, record.work_item, record.source) == (
        1500.0, 100, "a" * 32, f"{path}:1")


def test_a_model_span_around_a_counted_one_is_not_counted_again(tmp_path: Path) -> None:
    """A framework span wrapping the SDK's span: children end, and are printed, first."""
    path = _console(tmp_path, [_span("1" * 16, "2" * 16, **CALL),
                               _span("2" * 16, None, **CALL),
                               _span("3" * 16, None, **CALL)])
    lines = json.dumps(_span("1" * 16, None, **CALL), indent=4).count("\n") + 1
    assert [r.source.rsplit(":", 1)[1] for r in read_requests(path)] == ["1", str(2 * lines + 1)]


def test_a_single_console_span_and_an_error_span(tmp_path: Path) -> None:
    span = _span("1" * 16, None, **{**CALL, "error.type": "RateLimitError"})
    span["status"] = {"status_code": "ERROR", "description": "Error code: 429"}
    (record,) = list(read_requests(_console(tmp_path, [span])))
    assert isinstance(record, RequestRecord) and record.outcome == "rate_limit"


def test_broken_and_truncated_values_are_located_and_skipped(tmp_path: Path) -> None:
    good = json.dumps(_span("1" * 16, None, **CALL), indent=4)
    broken = good.replace('"kind": "SpanKind.CLIENT",', '"kind": SpanKind.CLIENT,')
    path = tmp_path / "spans.txt"
    path.write_text(good + "\n" + broken + "\n" + good + "\n" + good[:200])
    lines = good.count("\n") + 1
    items = list(read_requests(path))
    assert [type(i).__name__ for i in items] == ["RequestRecord", "Malformed", "RequestRecord",
                                                 "Malformed"]
    bad, truncated = items[1], items[3]
    assert isinstance(bad, Malformed) and isinstance(truncated, Malformed)
    assert bad.location == f"{path}:{lines + 1}" and bad.reason.startswith("invalid JSON")
    assert truncated.location == f"{path}:{3 * lines + 1}"
    assert truncated.reason == "truncated JSON value at the end of the file"


def test_an_oversized_value_is_skipped_in_chunks(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect_module, "MAX_LINE_BYTES", 10_000)
    big = _span("1" * 16, None, **{**CALL, "gen_ai.input.messages": "x" * 300_000})
    path = _console(tmp_path, [_span("2" * 16, None, **CALL), big,
                               _span("3" * 16, None, **CALL)])
    items = list(read_requests(path))
    assert [type(i).__name__ for i in items] == ["RequestRecord", "Malformed", "RequestRecord"]
    assert items[1].reason == "value longer than 10,000 characters; skipped"  # type: ignore[union-attr]


class _Recording(io.BytesIO):
    """A file that remembers the largest single read asked of it."""

    largest = 0

    def read(self, size: int | None = -1) -> bytes:
        self.largest = max(self.largest, size if size is not None and size >= 0 else 1 << 62)
        return super().read(size)

    def readline(self, size: int | None = -1) -> bytes:
        self.largest = max(self.largest, size if size is not None and size >= 0 else 1 << 62)
        return super().readline(size)


def test_streams_never_hold_more_than_the_limit() -> None:
    handle = _Recording(b"{\n" + b'"a": "' + b"x" * 5_000_000 + b'"\n}\n{"b": 1}\n')
    values = list(json_values(handle, 100_000))
    assert isinstance(values[0][1], MalformedRecord) and values[1] == (4, {"b": 1})
    assert handle.largest <= max(CHUNK, 2 * 100_000)
    lines = _Recording(b'{"a": "' + b"x" * 5_000_000 + b'"}\n{"b": 1}\n')
    assert list(detect_module.bounded_lines(lines, 100_000)) == [None, b'{"b": 1}\n']
    assert lines.largest <= 1024 * 1024


def test_an_over_long_jsonl_line_is_malformed_and_reading_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    line = (SDK / "app_log_openai.jsonl").read_text().splitlines()[0]
    monkeypatch.setattr(detect_module, "MAX_LINE_BYTES", 4096)
    path = tmp_path / "app.jsonl"
    path.write_text(line + "\n" + '{"pad": "' + "x" * 100_000 + '"}\n' + line + "\n")
    items = list(read_requests(path))
    assert [type(i).__name__ for i in items] == ["RequestRecord", "Malformed", "RequestRecord"]
    assert items[1] == Malformed(f"{path}:2", "line longer than 4,096 bytes; skipped")


def test_an_over_long_csv_line_is_malformed_and_reading_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect_module, "MAX_LINE_BYTES", 4096)
    path = tmp_path / "calls.csv"
    path.write_text("model,in\ngpt-4o,5\ngpt-4o," + "9" * 10_000 + "\ngpt-4o,7\n")
    items = list(read_requests(path, fields={"model": "model", "input_tokens": "in"}))
    assert [getattr(i, "input_tokens", None) for i in items] == [5, None, 7]
    assert items[1] == Malformed(f"{path}:3", "line longer than 4,096 bytes; skipped")


def test_concatenated_pretty_printed_responses_are_streamed(tmp_path: Path) -> None:
    lines = [json.loads(raw)["response"] for raw in
             (SDK / "app_log_openai.jsonl").read_text().splitlines() if '"response"' in raw]
    path = tmp_path / "responses.json"
    path.write_text("".join(json.dumps(r, indent=2) + "\n" for r in lines))
    assert detect(path) == (Format.PROVIDER, Layout.JSON_STREAM)
    assert len([r for r in read_requests(path) if isinstance(r, RequestRecord)]) == 3


@pytest.mark.parametrize(("data", "reason"), [
    (b'{\n"a": [1,', "truncated JSON value at the end of the file"),
    (b'\xff\xfe{\n"a": 1\n}\n', "invalid JSON (Expecting value: line 1 column 1 (char 0))"),
    (b'{\n"a": NaN\n}\n', "non-finite number NaN is not valid JSON"),
    (b'{\n"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"\n}\n", "JSON nested too deeply"),
])
def test_hostile_streams_are_reported_not_raised(data: bytes, reason: str) -> None:
    values = list(json_values(io.BytesIO(data + b'{"ok": 1}\n'), 1_000_000))
    assert [str(v) if isinstance(v, MalformedRecord) else v for _, v in values][0] == reason
    if not reason.startswith("truncated"):
        assert values[-1][1] == {"ok": 1}
