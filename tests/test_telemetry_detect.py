"""Format detection from content, and the one-line error for non-telemetry files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readiness.errors import InputError
from readiness.telemetry.detect import Format, Layout, classify_object, detect
from readiness.telemetry.reader import read_requests
from readiness.telemetry.record import Malformed, RequestRecord

DATA = Path(__file__).parent / "data" / "telemetry"


@pytest.mark.parametrize(("name", "expected"), [
    ("openai_chat.jsonl", (Format.PROVIDER, Layout.JSON_LINES)),
    ("openai_responses.jsonl", (Format.PROVIDER, Layout.JSON_LINES)),
    ("anthropic_messages.jsonl", (Format.PROVIDER, Layout.JSON_LINES)),
    ("openai_batch_output.jsonl", (Format.PROVIDER, Layout.JSON_LINES)),
    ("anthropic_batch_results.jsonl", (Format.PROVIDER, Layout.JSON_LINES)),
    ("litellm_payload.jsonl", (Format.LITELLM, Layout.JSON_LINES)),
    ("litellm_spend_logs.json", (Format.LITELLM, Layout.JSON_DOCUMENT)),
    ("langfuse_observations.jsonl", (Format.LANGFUSE, Layout.JSON_LINES)),
    ("langfuse_observations.csv", (Format.LANGFUSE, Layout.CSV)),
    ("langsmith_runs.json", (Format.LANGSMITH, Layout.JSON_DOCUMENT)),
    ("locust_stats.csv", (Format.LOCUST, Layout.CSV)),
    ("k6_summary_export.json", (Format.K6, Layout.JSON_DOCUMENT)),
    ("k6_handle_summary.json", (Format.K6, Layout.JSON_DOCUMENT)),
])
def test_every_fixture_is_recognised_by_content(tmp_path: Path, name: str,
                                                expected: tuple[Format, Layout]) -> None:
    renamed = tmp_path / "export.txt"  # the name carries no hint
    renamed.write_bytes((DATA / name).read_bytes())
    assert detect(renamed) == expected


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty file"),
    (b"\n\n   \n", "empty file"),
    (b"\x00\x01\x02binary", "binary file"),
    (b'{"name": "invoice-ui", "version": "1.0.0"}\n', "JSON but not telemetry"),
    (b'[1, 2, 3]\n', "JSON but not telemetry"),
    (b'{\n  "name": "x",\n  "dependencies": {}\n}\n', "JSON but not telemetry"),
    (b'{\n  "name": "x",\n', "not telemetry: invalid JSON"),
    (b"name,email\nDana,dana@example.com\n", "not telemetry"),
    (b"# README\nhello\n", "not telemetry"),
])
def test_non_telemetry_raises_one_line_input_error(tmp_path: Path, content: bytes,
                                                   message: str) -> None:
    path = tmp_path / "thing.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        detect(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: ")
    assert message in text
    assert "expected telemetry" in text
    assert "\n" not in text


def test_non_telemetry_fixture_files() -> None:
    for name in ("not_telemetry.json", "not_telemetry.csv"):
        with pytest.raises(InputError, match="expected telemetry: OTLP/JSON traces"):
            read_requests(DATA / name)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read telemetry file"):
        detect(tmp_path / "nope.jsonl")


def test_truncated_first_line_does_not_hide_the_format(tmp_path: Path) -> None:
    good = (DATA / "anthropic_messages.jsonl").read_text(encoding="utf-8")
    path = tmp_path / "messages.jsonl"
    path.write_text('{"id": "msg_trunc", "type": "mess\n' + good, encoding="utf-8")
    assert detect(path) == (Format.PROVIDER, Layout.JSON_LINES)
    items = list(read_requests(path))
    assert isinstance(items[0], Malformed) and items[0].location == f"{path}:1"
    assert sum(isinstance(i, RequestRecord) for i in items) == 3


def test_pretty_printed_single_document(tmp_path: Path) -> None:
    line = (DATA / "openai_chat.jsonl").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "one.json"
    path.write_text(json.dumps(json.loads(line), indent=2), encoding="utf-8")
    assert detect(path) == (Format.PROVIDER, Layout.JSON_DOCUMENT)
    (record,) = list(read_requests(path))
    assert isinstance(record, RequestRecord) and record.input_tokens == 1500


def test_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / "anthropic_messages.jsonl").read_bytes())
    assert detect(path).format is Format.PROVIDER
    assert all(isinstance(i, RequestRecord) for i in read_requests(path))


def test_priority_order_prefers_otlp_then_providers() -> None:
    assert classify_object({"resourceSpans": [], "object": "chat.completion"}) is Format.OTLP
    assert classify_object({"object": "chat.completion", "call_type": "x",
                            "response_cost": 1}) is Format.PROVIDER
    assert classify_object({"call_type": "x", "spend": 0, "run_type": "llm",
                            "start_time": 1}) is Format.LITELLM
    assert classify_object({"metrics": {"http_reqs": {}}}) is Format.K6
    assert classify_object({"metrics": {"cpu": {}}}) is None
