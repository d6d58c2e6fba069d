"""Pricing: config override > source-reported > genai-prices; unknown models stay unpriced.

Expected catalog costs are computed by hand from the genai-prices bundled data
(checked against genai-prices 0.2.3; prices are per million tokens):

* gpt-4o: input $2.50, cached input $1.25, output $10
* gpt-4o-mini: input $0.15, cached input $0.075, output $0.60
* o3-mini: input $1.10, cached input $0.55, output $4.40
* claude-sonnet-4 (claude-sonnet-4-20250514): input $3, cache read $0.30,
  cache write $3.75, output $15
* claude-3-5-haiku: input $0.80, output $4
* gemini-2.5-pro: input $1.25 / output $10 up to 200k input tokens, $2.50 / $15 above
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from readiness.telemetry.pricing import (
    Pricer,
    PriceSource,
    Rates,
    Unpriced,
    catalog_version,
    parse_price_overrides,
)
from readiness.telemetry.reader import read_requests
from readiness.telemetry.record import RequestRecord, make_record

pytest.importorskip("genai_prices", reason="catalog pricing needs genai-prices")

DATA = Path(__file__).parent / "data" / "telemetry"
JAN = datetime(2026, 1, 15, 12, tzinfo=UTC)



def approx(value: float, **options: Any) -> Any:
    """pytest.approx typed as Any, so comparisons with it type-check under --strict."""
    return pytest.approx(value, **options)

def _costs(name: str, pricer: Pricer) -> list[tuple[float | None, PriceSource | None]]:
    return [(p.cost_usd, p.source) for p in
            (pricer.price(r) for r in read_requests(DATA / name) if isinstance(r, RequestRecord))]


def test_openai_chat_costs_from_the_catalog() -> None:
    costs = _costs("openai_chat.jsonl", Pricer())
    assert costs == [
        # (1500-1024)*2.50 + 1024*1.25 + 300*10 = 1190 + 1280 + 3000 = 5470 per 1M
        (approx(0.00547), PriceSource.CATALOG),
        # 800*2.50 + 200*10 = 4000 per 1M
        (approx(0.004), PriceSource.CATALOG),
        # gpt-4o-mini: (2000-1536)*0.15 + 1536*0.075 + 500*0.60 = 69.6 + 115.2 + 300
        (approx(0.0004848), PriceSource.CATALOG),
        (0.0, PriceSource.NOT_BILLED),  # the 429 error body: nothing billed
    ]


def test_responses_and_anthropic_costs() -> None:
    assert _costs("openai_responses.jsonl", Pricer()) == [
        (approx(0.0099), PriceSource.CATALOG),  # 1000*1.10 + 2000*4.40
        (0.0, PriceSource.NOT_BILLED),  # failed, no usage
        (approx(0.01815), PriceSource.CATALOG),  # 500*1.10 + 4000*4.40
    ]
    assert _costs("anthropic_messages.jsonl", Pricer()) == [
        (approx(0.01365), PriceSource.CATALOG),  # 50*3 + 2000*3.75 + 400*15
        (approx(0.0054), PriceSource.CATALOG),  # 100*3 + 2000*0.30 + 300*15
        (0.0, PriceSource.NOT_BILLED),
    ]


def test_batch_calls_are_half_price() -> None:
    openai = _costs("openai_batch_output.jsonl", Pricer())
    assert openai[0] == (approx(2.25e-6), PriceSource.CATALOG)  # (22*.15+2*.6)/2
    anthropic = _costs("anthropic_batch_results.jsonl", Pricer())
    assert anthropic[0] == (approx(7.64e-5), PriceSource.CATALOG)  # (11*.8+36*4)/2
    assert {cost for cost, _ in anthropic[1:]} == {0.0}


def test_precedence_config_then_reported_then_catalog() -> None:
    call = make_record("x:1", model="gpt-4o", provider="openai", input_tokens=1000,
                       output_tokens=100, cost_usd=1.0, start=JAN)
    configured = Pricer(parse_price_overrides(
        {"GPT-4o": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}}))
    assert configured.price(call) == (approx(0.0012), PriceSource.CONFIG, None)
    assert Pricer().price(call) == (1.0, PriceSource.REPORTED, None)
    # LiteLLM writes 0.0 when its price map lacks a model: not "free".
    assert Pricer().price(call._replace(cost_usd=0.0)) == (
        approx(0.0035), PriceSource.CATALOG, None)  # 1000*2.5 + 100*10
    # ...unless it was a gateway cache hit, which really costs nothing.
    assert Pricer().price(call._replace(cost_usd=0.0, cache_hit=True)) == (
        0.0, PriceSource.REPORTED, None)


def test_litellm_reported_costs_win_over_the_catalog() -> None:
    costs = _costs("litellm_payload.jsonl", Pricer())
    assert costs == [(0.00091, PriceSource.REPORTED), (0.0, PriceSource.REPORTED),
                     (approx(0.0035), PriceSource.CATALOG)]


def test_unknown_models_are_unpriced_never_zero() -> None:
    call = make_record("x:1", model="my-finetune", input_tokens=1000, output_tokens=100,
                       start=JAN)
    assert Pricer().price(call) == (None, None, Unpriced.UNKNOWN_MODEL)
    priced = Pricer({"my-finetune": Rates(3.0, 12.0)}).price(call)
    assert priced == (approx(0.0042), PriceSource.CONFIG, None)  # 1000*3 + 100*12
    assert Pricer().price(make_record("x:2", model="gpt-4o")) == (None, None, Unpriced.NO_USAGE)
    assert Pricer(use_catalog=False).price(call._replace(model="gpt-4o")) == (
        None, None, Unpriced.UNKNOWN_MODEL)


def test_provider_prefixed_and_dated_model_names() -> None:
    call = make_record("x", model="openai/gpt-4o", input_tokens=1000, output_tokens=100,
                       start=JAN)
    assert Pricer().price(call).cost_usd == approx(0.0035)
    assert Pricer().price(call._replace(model="gpt-4o-2024-08-06")).cost_usd == approx(
        0.0035)


def test_tiered_prices_use_the_full_calculation() -> None:
    pricer = Pricer()
    small = make_record("x", model="gemini-2.5-pro", provider="gcp.gemini", input_tokens=1000,
                        output_tokens=100, start=JAN)
    assert pricer.price(small).cost_usd == approx(0.00225)  # 1000*1.25 + 100*10
    large = small._replace(input_tokens=300_000)
    assert pricer.price(large).cost_usd == approx(0.7515)  # 300k*2.50 + 100*15
    assert pricer.rates_for("gemini-2.5-pro", "gcp.gemini", date(2026, 1, 15)) == Rates(
        1.25, 10.0, 0.125, None)  # the base tier, for what-ifs


@pytest.mark.parametrize(("rates", "args", "expected"), [
    (Rates(2.5, 10.0, 1.25), (1500, 300, 1024, 0), 0.00547),
    (Rates(3.0, 15.0, 0.3, 3.75), (2050, 400, 0, 2000), 0.01365),
    (Rates(1.0, 2.0), (1000, 0, 500, 0), 0.001),  # no cache rate: cached at input price
    (Rates(1.0, 2.0), (0, 0, 0, 0), 0.0),
])
def test_rates_cost(rates: Rates, args: tuple[int, int, int, int], expected: float) -> None:
    assert rates.cost(*args) == approx(expected)


def test_catalog_version_is_reported() -> None:
    version = catalog_version()
    assert version is not None and version[0].isdigit()
    assert Pricer().catalog_version == version
    assert Pricer(use_catalog=False).catalog_version is None


def test_genai_prices_is_imported_lazily() -> None:
    code = (
        "import sys\n"
        "from readiness.telemetry import aggregate, projection, reader\n"
        "from readiness.telemetry.pricing import Pricer, Rates\n"
        "from readiness.telemetry.record import make_record\n"
        "p = Pricer({'m': Rates(1, 2)})\n"
        "p.price(make_record('x', model='m', input_tokens=1, output_tokens=1))\n"
        "assert 'genai_prices' not in sys.modules, 'imported eagerly'\n"
        "p.price(make_record('x', model='gpt-4o', input_tokens=1, output_tokens=1))\n"
        "assert 'genai_prices' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)


def _direct(model: str, provider: str, **usage: int) -> float:
    """genai-prices itself, called directly."""
    from genai_prices import Usage, calc_price

    return float(calc_price(Usage(**usage), model, provider_id=provider,
                            genai_request_timestamp=JAN).total_price)


def test_every_token_class_is_priced_by_the_catalog() -> None:
    """1-hour cache writes (2x input), 5-minute writes (1.25x) and web searches, each at
    its own rate; a call with only the four base classes keeps the fast path's figure."""
    from readiness.telemetry.providers import record_from_provider

    message = {"type": "message", "model": "claude-sonnet-4-20250514", "usage": {
        "input_tokens": 80, "cache_creation_input_tokens": 3500, "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 3000},
        "server_tool_use": {"web_search_requests": 2}, "output_tokens": 250}}
    record = record_from_provider(message, "m:1")._replace(start=JAN)
    assert record.usage_details == (("cache_write_1h_tokens", 3000), ("web_searches", 2))
    priced = Pricer().price(record)
    assert priced.source is PriceSource.CATALOG
    expected = _direct("claude-sonnet-4-20250514", "anthropic", input_tokens=3580,
                       cache_write_tokens=3500, cache_write_1h_tokens=3000, output_tokens=250,
                       web_searches=2)
    assert priced.cost_usd == approx(expected, rel=1e-12)
    # By hand: 80 x $3 + 500 x $3.75 + 3000 x $6 + 250 x $15 per MTok, + 2 x $10 per 1000.
    assert expected == approx((240 + 1875 + 18000 + 3750) / 1e6 + 0.02, rel=1e-12)
    plain = record._replace(usage_details=())
    assert Pricer().price(plain).cost_usd == approx(
        _direct("claude-sonnet-4-20250514", "anthropic", input_tokens=3580,
                cache_write_tokens=3500, output_tokens=250), rel=1e-12)


def test_anthropic_sdk_span_cache_write_attributes() -> None:
    """The Anthropic SDK's own spans: gen_ai.usage.input_tokens is the total, writes are
    gen_ai.usage.cache_write.input_tokens, split by TTL under anthropic.usage.*."""
    from readiness.telemetry.otlp import span_record

    attrs = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
             "gen_ai.response.model": "claude-sonnet-4-20250514",
             "gen_ai.usage.input_tokens": 2050, "gen_ai.usage.output_tokens": 400,
             "gen_ai.usage.cache_write.input_tokens": 2000,
             "gen_ai.usage.cache_read.input_tokens": 0,
             "anthropic.usage.cache_creation.ephemeral_5m_input_tokens": 2000,
             "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": 0}
    record = span_record({}, "s", attrs, {}, "f:1")._replace(start=JAN)
    assert (record.input_tokens, record.cache_write_tokens, record.usage_details) == (
        2050, 2000, ())
    assert Pricer().price(record).cost_usd == approx(
        _direct("claude-sonnet-4-20250514", "anthropic", input_tokens=2050,
                cache_write_tokens=2000, output_tokens=400), rel=1e-12)
    # Only the TTL split reported: the writes are its sum.
    split_only = {k: v for k, v in attrs.items() if k != "gen_ai.usage.cache_write.input_tokens"}
    split_only["anthropic.usage.cache_creation.ephemeral_1h_input_tokens"] = 50
    split_only["gen_ai.usage.input_tokens"] = 2100
    record = span_record({}, "s", split_only, {}, "f:1")
    assert (record.cache_write_tokens, record.usage_details) == (
        2050, (("cache_write_1h_tokens", 50),))


def test_litellm_anthropic_cache_writes_priced_when_no_cost_reported() -> None:
    from readiness.telemetry.gateways import record_from_litellm

    payload = {"id": "x", "call_type": "acompletion", "model": "claude-sonnet-4-20250514",
               "custom_llm_provider": "anthropic", "startTime": 1768478400.0,
               "endTime": 1768478401.0, "status": "success", "response_cost": 0.0,
               "prompt_tokens": 2050, "completion_tokens": 400,
               "response": {"usage": {"prompt_tokens": 2050, "completion_tokens": 400,
                                      "cache_creation_input_tokens": 2000,
                                      "cache_read_input_tokens": 0}}}
    record = record_from_litellm(payload, "l:1")
    assert (record.input_tokens, record.cache_write_tokens) == (2050, 2000)
    assert Pricer().price(record).cost_usd == approx(
        _direct("claude-sonnet-4-20250514", "anthropic", input_tokens=2050,
                cache_write_tokens=2000, output_tokens=400), rel=1e-12)


def test_config_prices_still_win_over_further_token_classes() -> None:
    record = make_record("c:1", model="house-model", input_tokens=1000, output_tokens=100,
                         cache_write_tokens=500,
                         usage_details=(("cache_write_1h_tokens", 500),))
    rates = {"house-model": Rates(1.0, 2.0, 0.1, 1.5)}
    priced = Pricer(rates).price(record)
    assert priced.source is PriceSource.CONFIG
    assert priced.cost_usd == approx((500 * 1.0 + 500 * 1.5 + 100 * 2.0) / 1e6)
