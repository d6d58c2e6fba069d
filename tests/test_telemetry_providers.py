"""Raw provider responses and batch files, in the providers' documented shapes.

Fixtures follow the API references: OpenAI chat completion object and Responses
object (platform.openai.com/docs/api-reference), OpenAI Batch output lines
(``BatchRequestOutput`` in OpenAI's OpenAPI spec), Anthropic Messages and Message
Batches results (docs.anthropic.com/en/api/messages, .../retrieving-message-batch-results).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from readiness.telemetry.reader import read_requests
from readiness.telemetry.record import Malformed, RequestRecord

DATA = Path(__file__).parent / "data" / "telemetry"


def _read(name: str) -> tuple[list[RequestRecord], list[Malformed]]:
    items = list(read_requests(DATA / name))
    return ([i for i in items if isinstance(i, RequestRecord)],
            [i for i in items if isinstance(i, Malformed)])


def test_openai_chat_completions_tokens_and_malformed_lines() -> None:
    records, malformed = _read("openai_chat.jsonl")
    ok = [r for r in records if r.outcome == "ok"]
    # prompt_tokens already include cached tokens: 1500 + 800 + 2000.
    assert sum(r.input_tokens or 0 for r in ok) == 4300
    assert sum(r.output_tokens or 0 for r in ok) == 1000
    assert sum(r.cached_tokens or 0 for r in ok) == 2560
    first = ok[0]
    assert first.source == f"{DATA / 'openai_chat.jsonl'}:1"
    assert first.start == datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert (first.model, first.provider, first.finish_reason) == (
        "gpt-4o-2024-08-06", "openai", "stop")
    assert first.duration_ms is None  # raw responses carry no latency
    error = next(r for r in records if r.outcome != "ok")
    assert error.outcome == "rate_limit"
    # Blank line 3 is skipped; every bad line is reported where it is, with why.
    assert [(m.location.rsplit(":", 1)[1], m.reason) for m in malformed] == [
        ("6", "invalid JSON (Expecting ',' delimiter: line 1 column 65 (char 64))"),
        ("7", "non-finite number NaN is not valid JSON"),
        ("8", "usage.prompt_tokens: implausibly large value 1000000000000000000000000000000"),
        ("9", "usage.prompt_tokens: expected an integer, got 'lots'"),
        ("10", "expected a JSON object"),
        ("11", "not an OpenAI/Anthropic response or batch result"),
    ]


def test_openai_responses_api() -> None:
    records, malformed = _read("openai_responses.jsonl")
    assert not malformed
    done, failed, incomplete = records
    assert (done.input_tokens, done.output_tokens, done.reasoning_tokens) == (1000, 2000, 1500)
    assert done.work_item == "inv-002" and done.operation == "responses"
    assert failed.outcome == "server_error" and failed.input_tokens is None
    assert incomplete.outcome == "ok" and incomplete.finish_reason == "max_output_tokens"


def test_anthropic_messages_add_cache_tokens_back_to_input() -> None:
    records, _ = _read("anthropic_messages.jsonl")
    write, read, overloaded = records
    # input_tokens excludes cache reads/writes in Anthropic's usage: 50 + 2000 + 0.
    assert (write.input_tokens, write.cache_write_tokens, write.cached_tokens) == (2050, 2000, 0)
    assert (read.input_tokens, read.cached_tokens) == (2100, 2000)
    assert read.finish_reason == "max_tokens"
    assert overloaded.outcome == "overloaded"
    assert overloaded.request_id == "req_011CSHoEeqs5C35K2UUqR7Fy"


def test_openai_batch_output_file() -> None:
    records, _ = _read("openai_batch_output.jsonl")
    ok, bad, expired = records
    assert all(r.batch for r in records)
    assert (ok.request_id, ok.http_status, ok.input_tokens, ok.output_tokens) == (
        "request-2", 200, 22, 2)
    assert (bad.outcome, bad.http_status) == ("bad_request", 400)
    assert expired.outcome == "expired"


def test_anthropic_message_batch_results() -> None:
    records, _ = _read("anthropic_batch_results.jsonl")
    assert [r.outcome for r in records] == ["ok", "bad_request", "expired", "cancelled"]
    assert records[0].model == "claude-3-5-haiku-20241022"
    assert (records[0].input_tokens, records[0].output_tokens) == (11, 36)
    assert [r.request_id for r in records] == [
        "my-first-request", "my-second-request", "my-third-request", "my-fourth-request"]


@pytest.mark.parametrize(("line", "reason"), [
    ('{"custom_id": "a", "response": null, "error": null}',
     "batch output line has neither response nor error"),
    ('{"custom_id": "a", "result": {"type": "exploded"}}', "unknown batch result type"),
    ('{"custom_id": "a", "result": {"type": "succeeded"}}', "succeeded batch result without"),
    ('{"object": "chat.completion", "model": ["gpt-4o"]}', "model: expected a string, got list"),
    ('{"object": "chat.completion", "usage": {"prompt_tokens": true}}', "got a boolean"),
    ('{"object": "chat.completion", "usage": {"completion_tokens": 1.5}}',
     "expected an integer, got 1.5"),
    ('{"object": "chat.completion", "created": "yesterday"}', "created: expected a timestamp"),
    ('{"object": "chat.completion", "usage": [1]}', "usage: expected an object"),
    ('{"object": "chat.completion", "usage": {"prompt_tokens": 1e400}}', "overflows a float"),
    ('{"object": "chat.completion", "usage": {"prompt_tokens": -3}}', "negative value"),
    ("\xff\xfe garbage", "invalid JSON"),
])
def test_every_kind_of_malformed_line_is_reported(tmp_path: Path, line: str,
                                                  reason: str) -> None:
    good = (DATA / "openai_chat.jsonl").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "responses.jsonl"
    path.write_text(f"{good}\n{line}\n{good}\n", encoding="utf-8")
    items = list(read_requests(path))
    assert [type(i).__name__ for i in items] == ["RequestRecord", "Malformed", "RequestRecord"]
    bad = items[1]
    assert isinstance(bad, Malformed)
    assert bad.location == f"{path}:2"
    assert reason in bad.reason


def test_deeply_nested_json_is_malformed_not_a_crash(tmp_path: Path) -> None:
    good = (DATA / "openai_chat.jsonl").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "responses.jsonl"
    path.write_text(good + "\n" + "[" * 100_000 + "\n", encoding="utf-8")
    items = list(read_requests(path))
    assert isinstance(items[1], Malformed)
    assert items[1].reason in ("JSON nested too deeply", "expected a JSON object")


def test_invalid_utf8_line_is_malformed(tmp_path: Path) -> None:
    good = (DATA / "openai_chat.jsonl").read_bytes().splitlines()[0]
    path = tmp_path / "responses.jsonl"
    path.write_bytes(good + b"\n" + b'{"object": "chat.completion", "id": "\xff\xfe"}\n')
    items = list(read_requests(path))
    assert isinstance(items[1], Malformed)
    assert "invalid JSON" in items[1].reason or "UTF-8" in items[1].reason
