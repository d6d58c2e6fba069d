"""Price each call: config override, else the source's own cost, else genai-prices.

Precedence, and why:

1. **Config prices** (``usage.prices`` in readiness.yaml) win. They are the team's
   explicit statement of what a model costs them: a negotiated discount, a
   fine-tune, a self-hosted model. Nothing else can know that.
2. **Source-reported cost** (LiteLLM ``response_cost``/``spend``, Langfuse
   ``calculatedTotalCost``, LangSmith ``total_cost``, OpenInference ``llm.cost.total``)
   comes next: it was computed when the call happened, by tooling that saw the
   request (service tier, long-context tier, cache TTL) and that the team's own
   dashboards already trust. One exception: a reported cost of exactly 0 for a call
   that used tokens and was not a cache hit is how LiteLLM records a model missing
   from its price map, so it is treated as "not reported", never as free.
3. **genai-prices** (pydantic/genai-prices, bundled offline data; never updated
   over the network here) prices everything else from list prices. Its ``Usage``
   takes ``input_tokens`` as the total including cache reads/writes, exactly
   :class:`~readiness.telemetry.record.RequestRecord`'s meaning. Every token class
   the source reports is priced: cache reads and writes always, and the further
   classes in ``usage_details`` (Anthropic 1-hour cache writes, audio tokens, web
   searches) by the catalog's own calculation for that call.

A failed call that reports no usage is billed nothing (providers do not bill a
rejected request). A call that cannot be priced stays unpriced (``cost_usd`` None) and
is counted per model; it is never priced at $0. Batch-API calls are billed at 50%
of the standard rate (OpenAI Batch and Anthropic Message Batches both document
this), applied on top of config or catalog prices.

genai-prices is imported lazily (only when a call needs the catalog), and its
flat per-token rates are cached per (model, provider, day), so pricing a million
calls costs a dictionary lookup each; tiered or unusual prices fall back to
``calc_price`` per call.
"""

from __future__ import annotations

import enum
import importlib.metadata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from readiness.telemetry.record import Outcome, RequestRecord

if TYPE_CHECKING:
    from genai_prices.types import ModelPrice

BATCH_DISCOUNT = 0.5
_FLAT_KEYS = ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok")
# Price components that a text-token usage never touches (other modalities, tools,
# the 1-hour cache TTL we cannot see): they do not stop the fast path.
_IGNORABLE_KEYS = frozenset({
    "web_searches_kcount", "storage_searches_kcount", "cache_write_1h_mtok",
    "input_audio_mtok", "output_audio_mtok", "cache_audio_read_mtok", "audio_hours",
    "input_audio_hours", "input_image_mtok", "output_image_mtok", "cache_image_read_mtok",
    "input_video_mtok", "output_video_mtok", "input_document_kpages",
    "input_annotated_document_kpages",
})
# OpenTelemetry gen_ai.provider.name values (and gateway spellings) to genai-prices ids.
PROVIDER_IDS: Mapping[str, str] = {
    "openai": "openai", "azure": "azure", "azure.ai.openai": "azure",
    "az.ai.openai": "azure", "azure_openai": "azure", "anthropic": "anthropic",
    "aws.bedrock": "aws", "bedrock": "aws", "aws": "aws", "gcp.gemini": "google",
    "gcp.vertex_ai": "google", "gcp.gen_ai": "google", "google": "google",
    "gemini": "google", "vertex_ai": "google", "mistral_ai": "mistral",
    "mistral": "mistral", "groq": "groq", "cohere": "cohere", "deepseek": "deepseek",
    "x_ai": "x-ai", "xai": "x-ai", "perplexity": "perplexity", "together": "together",
    "together_ai": "together", "fireworks_ai": "fireworks", "openrouter": "openrouter",
}


class Rates(NamedTuple):
    """USD per million tokens. Missing cache rates mean "charged as input"."""

    input_per_mtok: float
    output_per_mtok: float
    cached_input_per_mtok: float | None = None
    cache_write_per_mtok: float | None = None

    def cost(self, input_tokens: int, output_tokens: int, cached: int = 0,
             cache_write: int = 0) -> float:
        """The cost of one call; ``cached`` and ``cache_write`` are within input."""
        uncached = max(input_tokens - cached - cache_write, 0)
        cached_rate = self.input_per_mtok if self.cached_input_per_mtok is None \
            else self.cached_input_per_mtok
        write_rate = self.input_per_mtok if self.cache_write_per_mtok is None \
            else self.cache_write_per_mtok
        return (uncached * self.input_per_mtok + cached * cached_rate
                + cache_write * write_rate + output_tokens * self.output_per_mtok) / 1e6


class PriceSource(enum.Enum):
    """Where a call's cost came from."""

    CONFIG = "config"
    REPORTED = "reported"
    CATALOG = "genai-prices"
    NOT_BILLED = "not-billed"


class Unpriced(enum.Enum):
    """Why a call has no cost."""

    UNKNOWN_MODEL = "unknown-model"
    NO_USAGE = "no-usage"


class Priced(NamedTuple):
    """The cost of one call, or why there is none."""

    cost_usd: float | None
    source: PriceSource | None
    unpriced: Unpriced | None = None


def catalog_version() -> str | None:
    """The installed genai-prices version (None when it is not installed)."""
    try:
        return importlib.metadata.version("genai-prices")
    except importlib.metadata.PackageNotFoundError:
        return None


def parse_price_overrides(config: Mapping[str, Mapping[str, Any]]) -> dict[str, Rates]:
    """``{model: {input_per_mtok, output_per_mtok, cached_input_per_mtok?}}`` to Rates.

    The config layer has already validated the shape against the JSON Schema.
    """
    return {
        model.lower(): Rates(
            float(entry["input_per_mtok"]), float(entry["output_per_mtok"]),
            None if entry.get("cached_input_per_mtok") is None
            else float(entry["cached_input_per_mtok"]),
            None if entry.get("cache_write_per_mtok") is None
            else float(entry["cache_write_per_mtok"]))
        for model, entry in config.items()
    }


def catalog_usage(record: RequestRecord) -> Any:
    """The record's usage as a genai-prices ``Usage``: every token class it reports."""
    from genai_prices import Usage

    return Usage(input_tokens=record.input_tokens or 0, output_tokens=record.output_tokens or 0,
                 cache_read_tokens=record.cached_tokens or 0,
                 cache_write_tokens=record.cache_write_tokens or 0,
                 **dict(record.usage_details))


def _decimal(value: object) -> float | None:
    return float(value) if isinstance(value, Decimal) else None


class _Tiered(NamedTuple):
    """A catalog entry whose price needs the full calculation for each call."""

    model_ref: str
    provider_id: str | None


_CatalogEntry = Rates | _Tiered | None


class Pricer:
    """Prices records; one per run (it caches catalog lookups)."""

    def __init__(self, overrides: Mapping[str, Rates] | None = None, *,
                 use_catalog: bool = True, today: date | None = None) -> None:
        self._overrides = {k.lower(): v for k, v in (overrides or {}).items()}
        self._use_catalog = use_catalog and catalog_version() is not None
        self._today = today or datetime.now(UTC).date()
        self._catalog: dict[tuple[str, str | None, date], _CatalogEntry] = {}
        self._prices: dict[tuple[str, str | None, date], ModelPrice | None] = {}

    @property
    def catalog_version(self) -> str | None:
        """The genai-prices version in use, or None when the catalog is off."""
        return catalog_version() if self._use_catalog else None

    def override_for(self, model: str | None) -> Rates | None:
        """The config price for a model (also matched without a ``provider/`` prefix)."""
        if not model:
            return None
        lowered = model.lower()
        return self._overrides.get(lowered) or self._overrides.get(lowered.split("/")[-1])

    def rates_for(self, model: str, provider: str | None = None,
                  when: date | None = None) -> Rates | None:
        """Per-token rates for a model (config, else catalog base tier), or None."""
        override = self.override_for(model)
        if override is not None:
            return override
        entry = self._catalog_entry(model, provider, when or self._today)
        if isinstance(entry, _Tiered):
            return self._base_tier_rates(entry, when or self._today)
        return entry

    def price(self, record: RequestRecord) -> Priced:
        """The cost of one call, following the module's precedence."""
        model = record.model_name
        has_usage = bool(record.input_tokens or record.output_tokens)
        multiplier = BATCH_DISCOUNT if record.batch else 1.0
        override = self.override_for(model)
        if override is not None and has_usage:
            return Priced(self._cost(override, record) * multiplier, PriceSource.CONFIG)
        reported = record.cost_usd
        if reported is not None and (reported > 0 or not has_usage or record.cache_hit):
            return Priced(reported, PriceSource.REPORTED)
        if not has_usage:
            if record.outcome != Outcome.OK.value or record.cache_hit:
                return Priced(0.0, PriceSource.NOT_BILLED)
            return Priced(None, None, Unpriced.NO_USAGE)
        if model and self._use_catalog:
            when = record.start.date() if record.start else self._today
            entry = self._catalog_entry(model, record.provider, when)
            if isinstance(entry, Rates) and not record.usage_details:
                return Priced(self._cost(entry, record) * multiplier, PriceSource.CATALOG)
            if isinstance(entry, Rates):  # further token classes: the catalog's own sum
                cost = self._detailed_cost(model, record, when)
                if cost is not None:
                    return Priced(cost * multiplier, PriceSource.CATALOG)
            if isinstance(entry, _Tiered):
                cost = self._calc_price(entry, record, when)
                if cost is not None:
                    return Priced(cost * multiplier, PriceSource.CATALOG)
        return Priced(None, None, Unpriced.UNKNOWN_MODEL)

    @staticmethod
    def _cost(rates: Rates, record: RequestRecord) -> float:
        return rates.cost(record.input_tokens or 0, record.output_tokens or 0,
                          record.cached_tokens or 0, record.cache_write_tokens or 0)

    @staticmethod
    def _reference(model: str, provider: str | None) -> tuple[str, str | None]:
        lowered = (provider or "").lower()
        # Unmapped names are tried as genai-prices ids as they are ("cerebras").
        provider_id = PROVIDER_IDS.get(lowered, lowered or None)
        model_ref = model
        if "/" in model:  # "openai/gpt-4o" as gateways write it
            prefix, rest = model.split("/", 1)
            if prefix.lower() in PROVIDER_IDS:
                provider_id, model_ref = PROVIDER_IDS[prefix.lower()], rest
        return model_ref, provider_id

    def _catalog_entry(self, model: str, provider: str | None, when: date) -> _CatalogEntry:
        model_ref, provider_id = self._reference(model, provider)
        key = (model_ref.lower(), provider_id, when)
        if key not in self._catalog:
            self._catalog[key] = self._lookup(model_ref, provider_id, when)
        return self._catalog[key]

    @staticmethod
    def _model_price(model_ref: str, provider_id: str | None, when: date) -> ModelPrice | None:
        from genai_prices import Usage, calc_price  # lazy: ~0.3 s import, only if needed

        moment = datetime(when.year, when.month, when.day, 12, tzinfo=UTC)
        for candidate in (provider_id, None) if provider_id else (None,):
            try:
                return calc_price(Usage(input_tokens=0, output_tokens=0), model_ref,
                                  provider_id=candidate,
                                  genai_request_timestamp=moment).model_price
            except (LookupError, ValueError):
                continue
        return None

    def _lookup(self, model_ref: str, provider_id: str | None, when: date) -> _CatalogEntry:
        price = self._model_price(model_ref, provider_id, when)
        if price is None:
            return None
        fields = {k: v for k, v in vars(price).items() if v is not None and not k.startswith("_")}
        flat = {k: _decimal(fields.get(k)) for k in _FLAT_KEYS}
        unusual = set(fields) - set(_FLAT_KEYS) - _IGNORABLE_KEYS
        tiered = any(k in fields and flat[k] is None for k in _FLAT_KEYS)
        if unusual or tiered or flat["input_mtok"] is None or flat["output_mtok"] is None:
            return _Tiered(model_ref, provider_id)
        return Rates(flat["input_mtok"] or 0.0, flat["output_mtok"] or 0.0,
                     flat["cache_read_mtok"], flat["cache_write_mtok"])

    def _detailed_cost(self, model: str, record: RequestRecord, when: date) -> float | None:
        """A flat-priced call with further token classes, summed by the catalog itself."""
        model_ref, provider_id = self._reference(model, record.provider)
        key = (model_ref.lower(), provider_id, when)
        if key not in self._prices:
            self._prices[key] = self._model_price(model_ref, provider_id, when)
        price = self._prices[key]
        if price is None:
            return None
        return float(price.calc_price(catalog_usage(record))["total_price"])

    @staticmethod
    def _calc_price(entry: _Tiered, record: RequestRecord, when: date) -> float | None:
        from genai_prices import calc_price

        usage = catalog_usage(record)
        moment = record.start or datetime(when.year, when.month, when.day, 12, tzinfo=UTC)
        try:
            return float(calc_price(usage, entry.model_ref, provider_id=entry.provider_id,
                                    genai_request_timestamp=moment).total_price)
        except (LookupError, ValueError):
            return None

    def _base_tier_rates(self, entry: _Tiered, when: date) -> Rates | None:
        price = self._model_price(entry.model_ref, entry.provider_id, when)
        if price is None:
            return None

        def base(key: str) -> float | None:
            value = getattr(price, key, None)
            value = getattr(value, "base", value)
            return _decimal(value)

        input_rate, output_rate = base("input_mtok"), base("output_mtok")
        if input_rate is None or output_rate is None:
            return None
        return Rates(input_rate, output_rate, base("cache_read_mtok"), base("cache_write_mtok"))
