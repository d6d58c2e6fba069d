"""LiteLLM, Langfuse and LangSmith exports (shapes cited in readiness/telemetry/gateways.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from readiness.telemetry.detect import Format, Layout, detect
from readiness.telemetry.reader import read_requests
from readiness.telemetry.record import Malformed, RequestRecord

DATA = Path(__file__).parent / "data" / "telemetry"


def _records(path: Path) -> list[RequestRecord]:
    return [i for i in read_requests(path) if isinstance(i, RequestRecord)]


def test_litellm_standard_logging_payload() -> None:
    path = DATA / "litellm_payload.jsonl"
    assert detect(path) == (Format.LITELLM, Layout.JSON_LINES)
    ok, limited, wrapped = _records(path)
    assert (ok.request_id, ok.work_item, ok.provider, ok.model) == (
        "chatcmpl-a1b2", "doc-17", "openai", "gpt-4o-mini")
    assert ok.duration_ms == pytest.approx(1500.0)
    assert ok.start == datetime(2026, 1, 1, 9, 0, 0, 250000, tzinfo=UTC)
    assert (ok.input_tokens, ok.output_tokens, ok.cost_usd) == (400, 80, 0.00091)
    assert (limited.outcome, limited.http_status) == ("rate_limit", 429)
    assert wrapped.work_item == "doc-18" and wrapped.cost_usd == 0.0
    assert wrapped.cached_tokens == 0


def test_litellm_spend_logs_document() -> None:
    path = DATA / "litellm_spend_logs.json"
    assert detect(path) == (Format.LITELLM, Layout.JSON_DOCUMENT)
    (row,) = _records(path)
    assert row.source == f"{path}#0"
    assert (row.work_item, row.cost_usd, row.cache_hit) == ("sess-9", 0.00375, False)
    assert row.duration_ms == pytest.approx(2500.0)


def test_langfuse_observations_jsonl() -> None:
    path = DATA / "langfuse_observations.jsonl"
    assert detect(path) == (Format.LANGFUSE, Layout.JSON_LINES)
    generation, limited, claude = _records(path)  # the SPAN observation is skipped
    # usageDetails.input (976) excludes input_cached_tokens (1024): total input 2000.
    assert (generation.input_tokens, generation.cached_tokens, generation.output_tokens) == (
        2000, 1024, 250)
    assert generation.cost_usd == 0.00622 and generation.work_item == "trace-a"
    assert limited.outcome == "rate_limit"
    assert (claude.input_tokens, claude.cached_tokens, claude.provider) == (2050, 2000, None)


def test_langfuse_csv_export_with_json_cells() -> None:
    path = DATA / "langfuse_observations.csv"
    assert detect(path) == (Format.LANGFUSE, Layout.CSV)
    items = list(read_requests(path))
    records = [i for i in items if isinstance(i, RequestRecord)]
    assert [r.source for r in records] == [f"{path}:2", f"{path}:4"]
    assert (records[0].input_tokens, records[0].cached_tokens) == (2000, 1024)
    assert records[1].outcome == "rate_limit"
    (bad,) = [i for i in items if isinstance(i, Malformed)]
    assert bad == Malformed(f"{path}:5", "endTime: expected a timestamp, got 'yesterday'")


def test_langfuse_api_page_document(tmp_path: Path) -> None:
    lines = (DATA / "langfuse_observations.jsonl").read_text(encoding="utf-8").splitlines()
    page = {"data": [json.loads(line) for line in lines], "meta": {"page": 1, "totalItems": 4}}
    path = tmp_path / "observations.json"
    path.write_text(json.dumps(page, indent=2), encoding="utf-8")
    assert detect(path) == (Format.LANGFUSE, Layout.JSON_DOCUMENT)
    assert len(_records(path)) == 3


def test_langsmith_runs() -> None:
    path = DATA / "langsmith_runs.json"
    assert detect(path) == (Format.LANGSMITH, Layout.JSON_DOCUMENT)
    llm, timed_out = _records(path)  # the chain run is not a model call
    assert (llm.model, llm.provider, llm.work_item) == ("gpt-4o-mini", "openai", "thread-7")
    assert (llm.input_tokens, llm.cached_tokens, llm.output_tokens) == (1000, 512, 100)
    assert llm.cost_usd == pytest.approx(0.0001716)
    assert llm.duration_ms == pytest.approx(1200.0)
    assert llm.finish_reason == "stop"
    assert timed_out.outcome == "timeout"
    assert timed_out.work_item == "7a1b0c2d-0000-4000-8000-000000000009"


def test_langsmith_jsonl_with_a_wrong_type(tmp_path: Path) -> None:
    runs = json.loads((DATA / "langsmith_runs.json").read_text(encoding="utf-8"))
    runs[2]["prompt_tokens"] = {"n": 1}
    path = tmp_path / "runs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in runs) + "\n", encoding="utf-8")
    assert detect(path) == (Format.LANGSMITH, Layout.JSON_LINES)
    items = list(read_requests(path))
    assert isinstance(items[-1], Malformed)
    assert items[-1].location == f"{path}:3"
    assert items[-1].reason == "prompt_tokens: expected an integer, got dict"
