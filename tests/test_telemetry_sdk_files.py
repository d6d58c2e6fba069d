"""Every telemetry shape written by the real SDKs, read exactly, cost checked against genai-prices.

The files in tests/data/telemetry_sdk/ were written by the OpenAI and Anthropic Python
SDKs, the Anthropic SDK's own OpenTelemetry tracing, OpenLLMetry's OpenAI
instrumentation and the OpenTelemetry SDK's exporters, talking to a mock of the provider
API on 127.0.0.1 (scripts/telemetry_fixtures.py regenerates them). The mock's replies
are fixed, so each file's calls, errors and tokens are known: they are the tables below.
The expected cost is computed here by calling genai-prices directly on those tables,
never by the code under test.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from readiness.telemetry.aggregate import summarise_files
from readiness.telemetry.detect import Format, Layout, detect
from readiness.telemetry.pricing import Pricer
from readiness.telemetry.reader import read_requests
from readiness.telemetry.record import Malformed, RequestRecord

DATA = Path(__file__).parent / "data" / "telemetry_sdk"

# The mock's successful replies (scripts/telemetry_fixtures.py OPENAI_REPLIES), as
# genai-prices Usage: input_tokens includes cached ones, as OpenAI counts.
OPENAI_OK = [
    {"input_tokens": 1500, "output_tokens": 300, "cache_read_tokens": 1024},
    {"input_tokens": 2200, "output_tokens": 120, "cache_read_tokens": 0},
    {"input_tokens": 1800, "output_tokens": 450, "cache_read_tokens": 1536},
]
OPENAI_ERRORS = {"rate_limit": 1, "server_error": 1}  # a 429 and a 500
# ANTHROPIC_REPLIES: Anthropic's input_tokens excludes cache reads and writes, so the
# total is their sum; 1-hour cache writes are a part of the cache writes.
ANTHROPIC_OK = [
    {"input_tokens": 50 + 2000, "cache_write_tokens": 2000, "output_tokens": 400},
    {"input_tokens": 100 + 2000, "cache_read_tokens": 2000, "output_tokens": 300},
    {"input_tokens": 80 + 3000, "cache_write_tokens": 3000, "cache_write_1h_tokens": 3000,
     "output_tokens": 250},
    {"input_tokens": 60 + 500 + 3000, "cache_write_tokens": 500, "cache_read_tokens": 3000,
     "output_tokens": 200},
]
ANTHROPIC_ERRORS = {"overloaded": 1, "rate_limit": 1}  # a 529 and a 429

SONNET = ("claude-sonnet-4-20250514", "anthropic")
GPT4O = ("gpt-4o-2024-08-06", "openai")
MINI = ("gpt-4o-mini-2024-07-18", "openai")

# file, format, layout, (model, provider), successful calls' usage, errors by outcome
FILES: list[tuple[str, Format, Layout, tuple[str, str], list[dict[str, int]],
                  dict[str, int]]] = [
    ("app_log_openai.jsonl", Format.APP_LOG, Layout.JSON_LINES, GPT4O, OPENAI_OK,
     OPENAI_ERRORS),
    ("app_log_anthropic.jsonl", Format.APP_LOG, Layout.JSON_LINES, SONNET, ANTHROPIC_OK,
     ANTHROPIC_ERRORS),
    ("anthropic_sdk.otlp.jsonl", Format.OTLP, Layout.JSON_LINES, SONNET, ANTHROPIC_OK,
     ANTHROPIC_ERRORS),
    ("anthropic_sdk.console.txt", Format.OTEL_CONSOLE, Layout.JSON_STREAM, SONNET,
     ANTHROPIC_OK, ANTHROPIC_ERRORS),
    ("openai_openllmetry.otlp.jsonl", Format.OTLP, Layout.JSON_LINES, GPT4O, OPENAI_OK,
     OPENAI_ERRORS),
    ("openai_openllmetry.console.txt", Format.OTEL_CONSOLE, Layout.JSON_STREAM, GPT4O,
     OPENAI_OK, OPENAI_ERRORS),
]
CUSTOM_FIELDS = {"model": "llm.engine", "input_tokens": "llm.tok.in",
                 "output_tokens": "llm.tok.out", "cached_tokens": "llm.tok.cached",
                 "latency_ms": "ms", "status": "llm.outcome", "item": "job.doc", "start": "at"}


def catalog_cost(model: tuple[str, str], calls: list[dict[str, int]]) -> float:
    """The cost of the calls by genai-prices itself, at today's prices (as the Pricer)."""
    genai_prices = pytest.importorskip("genai_prices")
    total = Decimal(0)
    for usage in calls:
        total += genai_prices.calc_price(genai_prices.Usage(**usage), model[0],
                                         provider_id=model[1]).total_price
    return float(total)


def _summary(path: Path, fields: dict[str, str] | None = None) -> Any:
    pytest.importorskip("genai_prices")
    return summarise_files([path], Pricer(), {str(path): fields} if fields else None)[0]


def _check(summary: Any, model: tuple[str, str], ok: list[dict[str, int]],
           errors: dict[str, int]) -> None:
    assert summary.calls == len(ok) + sum(errors.values())
    assert summary.malformed == 0
    assert summary.outcomes == {"ok": len(ok), **errors}
    assert summary.tokens.input == sum(c["input_tokens"] for c in ok)
    assert summary.tokens.output == sum(c["output_tokens"] for c in ok)
    assert summary.tokens.cached == sum(c.get("cache_read_tokens", 0) for c in ok)
    assert summary.tokens.cache_write == sum(c.get("cache_write_tokens", 0) for c in ok)
    assert summary.unpriced_models == {}
    assert summary.cost.total_usd == pytest.approx(catalog_cost(model, ok), rel=1e-9)
    assert list(summary.models) == [model[0]]


@pytest.mark.parametrize(("name", "fmt", "layout", "model", "ok", "errors"), FILES,
                         ids=[f[0] for f in FILES])
def test_sdk_written_file_exact(name: str, fmt: Format, layout: Layout,
                                model: tuple[str, str], ok: list[dict[str, int]],
                                errors: dict[str, int]) -> None:
    assert detect(DATA / name) == (fmt, layout)
    _check(_summary(DATA / name), model, ok, errors)


def test_custom_log_through_a_field_mapping_exact() -> None:
    _check(_summary(DATA / "custom_log.jsonl", CUSTOM_FIELDS), MINI, OPENAI_OK,
           OPENAI_ERRORS)


def test_anthropic_cache_writes_cost_more_than_input() -> None:
    """The Anthropic SDK's spans: 5-minute writes at 1.25x input, 1-hour writes at 2x;
    priced as plain input, the same trace would cost 23% less."""
    summary = _summary(DATA / "anthropic_sdk.otlp.jsonl")
    as_plain_input = [{"input_tokens": c["input_tokens"], "output_tokens": c["output_tokens"],
                       "cache_read_tokens": c.get("cache_read_tokens", 0)}
                      for c in ANTHROPIC_OK]
    underpriced = catalog_cost(SONNET, as_plain_input)
    assert summary.cost.total_usd > underpriced * 1.25
    records = [r for r in read_requests(DATA / "anthropic_sdk.otlp.jsonl")
               if isinstance(r, RequestRecord) and r.outcome == "ok"]
    assert [(r.cache_write_tokens, dict(r.usage_details)) for r in records] == [
        (2000, {}), (0, {}), (3000, {"cache_write_1h_tokens": 3000}), (500, {})]


def test_app_log_siblings_give_latency_time_status_and_work_item() -> None:
    items = list(read_requests(DATA / "app_log_anthropic.jsonl"))
    assert not [i for i in items if isinstance(i, Malformed)]
    records = [i for i in items if isinstance(i, RequestRecord)]
    assert all(r.duration_ms and r.duration_ms > 0 for r in records)  # duration_ms sibling
    assert all(r.start and r.start.year >= 2026 for r in records)  # "timestamp" sibling
    assert [r.work_item for r in records] == ["doc-0"] * 3 + ["doc-1"] * 3  # session_id
    overloaded = records[2]
    assert (overloaded.outcome, overloaded.http_status, overloaded.model_requested) == (
        "overloaded", 529, "claude-sonnet-4-20250514")
    assert overloaded.source.endswith("app_log_anthropic.jsonl:3")
    openai = [i for i in read_requests(DATA / "app_log_openai.jsonl")
              if isinstance(i, RequestRecord)]
    assert [r.work_item for r in openai] == ["invoice-0", "invoice-0", "invoice-1",
                                             "invoice-1", "invoice-2"]
    assert [(r.outcome, r.http_status) for r in openai if r.outcome != "ok"] == [
        ("rate_limit", 429), ("server_error", 500)]
    assert openai[0].request_id == "chatcmpl-fixture0001"
