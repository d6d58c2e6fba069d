"""Application log lines that wrap a provider response or error (readiness.telemetry.applog).

The SDK-written files are in test_telemetry_sdk_files.py; these are the variations real
applications write around them: a response logged as a JSON string, seconds instead of
milliseconds, end times, failure statuses without an error object, other log events.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from readiness.errors import InputError
from readiness.telemetry.detect import Format, detect
from readiness.telemetry.reader import read_requests
from readiness.telemetry.record import Malformed, RequestRecord

CHAT = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1767258000,
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
                                                                      "content": "ok"}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120,
                  "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0}}}
MESSAGE = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
           "content": [], "stop_reason": "end_turn",
           "usage": {"input_tokens": 10, "output_tokens": 5}}


def _write(tmp_path: Path, lines: list[Any]) -> Path:
    path = tmp_path / "app.log.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _records(path: Path) -> list[RequestRecord | Malformed]:
    return list(read_requests(path))


def test_response_logged_as_a_json_string_and_seconds(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        {"time": "2026-03-01T10:00:05Z", "latency_s": 1.5, "doc_id": "d-7",
         "params": {"model": "gpt-4o"}, "response": json.dumps(CHAT)},
    ])
    assert detect(path).format is Format.APP_LOG
    (record,) = _records(path)
    assert isinstance(record, RequestRecord)
    assert (record.duration_ms, record.work_item, record.model_requested, record.model) == (
        1500.0, "d-7", "gpt-4o", "gpt-4o-2024-08-06")
    assert record.start == datetime(2026, 3, 1, 10, 0, 5, tzinfo=UTC)
    assert (record.input_tokens, record.output_tokens) == (100, 20)


def test_end_time_less_latency_gives_the_start(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"end_time": "2026-03-01T10:00:02Z", "elapsed_ms": 2000,
                              "result": {"response": MESSAGE}}])
    (record,) = _records(path)
    assert isinstance(record, RequestRecord)
    assert record.start == datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)
    assert record.duration_ms == 2000.0 and record.provider == "anthropic"


def test_start_and_end_without_latency(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"started_at": "2026-03-01T10:00:00Z",
                              "ended_at": "2026-03-01T10:00:00.250Z", "response": MESSAGE}])
    (record,) = _records(path)
    assert isinstance(record, RequestRecord) and record.duration_ms == 250.0


def test_errors_are_failed_calls_with_their_type(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        {"ts": 1767258000, "response": CHAT, "status": "ok"},
        {"ts": 1767258001, "error": "Request timed out.", "latency_ms": 600000.0},
        {"ts": 1767258002, "status": "failed", "latency_ms": 3.0},
        {"ts": 1767258003, "exception": {"type": "APIConnectionError",
                                         "message": "Connection error."}},
        {"ts": 1767258004, "error": {"type": "BadRequestError", "status_code": 400,
                                     "body": {"message": "context_length_exceeded"}}},
        {"ts": 1767258005, "status": 429},
    ])
    records = _records(path)
    assert [(r.outcome, r.http_status) for r in records if isinstance(r, RequestRecord)] == [
        ("ok", None), ("timeout", None), ("error", None), ("connection", None),
        ("bad_request", 400), ("rate_limit", 429)]


def test_failure_status_beside_a_response_fails_the_call(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"response": CHAT, "status": "error", "status_code": 502}])
    (record,) = _records(path)
    assert isinstance(record, RequestRecord)
    assert (record.outcome, record.http_status, record.input_tokens) == ("server_error", 502, 100)


def test_other_log_events_are_passed_over_not_malformed(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        {"event": "startup", "level": "info", "status": "ok"},
        {"event": "llm_call", "response": CHAT, "work_item": "w1"},
        {"event": "cache", "detail": {"hits": 3}},
    ])
    records = _records(path)
    assert [(r.source.rsplit(":", 1)[1], r.work_item) for r in records
            if isinstance(r, RequestRecord)] == [("2", "w1")]
    assert not [r for r in records if isinstance(r, Malformed)]


def test_work_item_from_the_request_metadata(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"request": {"model": "claude-sonnet-4-5",
                                          "metadata": {"user_id": "u-42"}},
                              "response": MESSAGE}])
    (record,) = _records(path)
    assert isinstance(record, RequestRecord) and record.work_item == "u-42"


def test_a_bad_sibling_makes_the_line_malformed_not_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"response": CHAT, "latency_ms": -5},
                             {"response": CHAT, "latency_ms": 5}])
    first, second = _records(path)
    assert isinstance(first, Malformed) and first.reason == "latency_ms: negative value -5.0"
    assert first.location.endswith(":1")
    assert isinstance(second, RequestRecord) and second.duration_ms == 5.0


@pytest.mark.parametrize("line", [
    CHAT,  # a raw response is the provider format, not an application log
    {"custom_id": "r1", "response": {"status_code": 200, "body": CHAT}},  # a batch line
])
def test_provider_shapes_keep_their_own_format(tmp_path: Path, line: dict[str, Any]) -> None:
    assert detect(_write(tmp_path, [line])).format is Format.PROVIDER


def test_three_levels_down_is_not_recognised_and_the_error_says_how_to_map(
        tmp_path: Path) -> None:
    path = _write(tmp_path, [{"a": {"b": {"response": CHAT}}}])
    with pytest.raises(InputError) as caught:
        detect(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: JSON but not telemetry; expected telemetry:")
    assert "readiness usage --field KEY=PATH" in message and "usage.telemetry" in message
    assert "\n" not in message


def test_error_lines_alone_do_not_make_a_file_telemetry(tmp_path: Path) -> None:
    """An error object is too common in logs to recognise a file by; a response is needed."""
    path = _write(tmp_path, [{"level": "error", "error": {"type": "ValueError"}}])
    with pytest.raises(InputError, match="JSON but not telemetry"):
        detect(path)
