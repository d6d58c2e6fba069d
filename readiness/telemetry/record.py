"""The normalised records every telemetry reader produces.

One :class:`RequestRecord` per model call, whatever the source format. The readers
differ in how providers count tokens, so the record fixes one meaning:

* ``input_tokens`` is **all** input tokens the call consumed, cached ones included.
  OpenAI already counts that way (``prompt_tokens`` / Responses ``input_tokens``
  include ``cached_tokens``). Anthropic does not: its ``usage.input_tokens`` excludes
  ``cache_read_input_tokens`` and ``cache_creation_input_tokens``, so the Anthropic
  reader adds both back. Langfuse ``usageDetails.input`` likewise excludes the
  ``input_*`` cache keys and the Langfuse reader adds them back.
* ``cached_tokens`` is the part of ``input_tokens`` read from a prompt cache and
  ``cache_write_tokens`` the part written to one (Anthropic ``cache_creation``);
  both are subsets of ``input_tokens``, never additions to it.
* ``output_tokens`` is all output tokens, reasoning included; ``reasoning_tokens`` is
  the subset spent on hidden reasoning (OpenAI ``reasoning_tokens``).
* ``usage_details`` holds every further priced class the source reports, under
  genai-prices ``Usage`` names and with the same meaning: ``cache_write_1h_tokens``
  (the part of ``cache_write_tokens`` written with Anthropic's 1-hour TTL),
  ``input_audio_tokens`` / ``output_audio_tokens`` (parts of input / output),
  ``web_searches`` (server-side searches, priced per thousand).

This matches what genai-prices expects (its README: "input_tokens is the total number
of input tokens ... cache tokens are partitions of the total"), so pricing needs no
further conversion.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Any, NamedTuple


class Outcome(enum.Enum):
    """How one model call ended. ``RequestRecord.outcome`` holds the value."""

    OK = "ok"
    RATE_LIMIT = "rate_limit"
    OVERLOADED = "overloaded"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    SERVER_ERROR = "server_error"
    BAD_REQUEST = "bad_request"
    AUTH = "auth"
    CONTENT_FILTER = "content_filter"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ERROR = "error"

    @property
    def group(self) -> OutcomeGroup:
        """The operational meaning: capacity, transient, client bug or other."""
        return _GROUPS[self]


class OutcomeGroup(enum.Enum):
    """Why an error matters: capacity errors need quota, bugs need code fixes."""

    OK = "ok"
    CAPACITY = "capacity"  # 429 / overloaded: quota or provider capacity, not a bug
    TRANSIENT = "transient"  # timeouts, 5xx, dropped connections: retry territory
    CLIENT = "client"  # 4xx: the request itself is wrong, retries will not help
    OTHER = "other"


_GROUPS = {
    Outcome.OK: OutcomeGroup.OK,
    Outcome.RATE_LIMIT: OutcomeGroup.CAPACITY,
    Outcome.OVERLOADED: OutcomeGroup.CAPACITY,
    Outcome.TIMEOUT: OutcomeGroup.TRANSIENT,
    Outcome.CONNECTION: OutcomeGroup.TRANSIENT,
    Outcome.SERVER_ERROR: OutcomeGroup.TRANSIENT,
    Outcome.BAD_REQUEST: OutcomeGroup.CLIENT,
    Outcome.AUTH: OutcomeGroup.CLIENT,
    Outcome.CONTENT_FILTER: OutcomeGroup.CLIENT,
    Outcome.CANCELLED: OutcomeGroup.OTHER,
    Outcome.EXPIRED: OutcomeGroup.OTHER,
    Outcome.ERROR: OutcomeGroup.OTHER,
}


class RequestRecord(NamedTuple):
    """One model call, normalised. See the module docstring for token semantics."""

    source: str  # "path:line" or "path#row"
    request_id: str | None
    work_item: str | None  # trace / session / document id
    start: datetime | None  # timezone-aware UTC
    duration_ms: float | None
    operation: str | None
    provider: str | None
    model_requested: str | None
    model: str | None
    input_tokens: int | None
    output_tokens: int | None
    cached_tokens: int | None
    reasoning_tokens: int | None
    cost_usd: float | None  # as reported by the source, never computed here
    outcome: str  # an Outcome value
    http_status: int | None
    finish_reason: str | None
    retry_attempt: int | None
    cache_hit: bool | None  # a gateway response cache hit (no provider call made)
    cache_write_tokens: int | None = None  # subset of input_tokens written to a cache
    batch: bool = False  # served by a batch API (billed at 50% by OpenAI and Anthropic)
    # Further priced classes as (genai-prices Usage key, count); see the module docstring.
    usage_details: tuple[tuple[str, int], ...] = ()

    @property
    def model_name(self) -> str | None:
        """The model that served the call, else the one requested."""
        return self.model or self.model_requested


# The genai-prices Usage keys a reader may put in ``usage_details``.
USAGE_DETAILS = frozenset({"cache_write_1h_tokens", "input_audio_tokens", "output_audio_tokens",
                           "cache_audio_read_tokens", "web_searches"})


def usage_details(**counts: int | None) -> tuple[tuple[str, int], ...]:
    """The non-zero counts, as ``RequestRecord.usage_details`` holds them."""
    assert set(counts) <= USAGE_DETAILS, set(counts) - USAGE_DETAILS
    return tuple(sorted((key, value) for key, value in counts.items() if value))


def make_record(source: str, **fields: Any) -> RequestRecord:
    """A record with every field unknown except those given (outcome defaults to ok)."""
    base: dict[str, Any] = dict.fromkeys(RequestRecord._fields)
    base.update(source=source, outcome=Outcome.OK.value, batch=False, usage_details=())
    base.update(fields)
    return RequestRecord(**base)


class Malformed(NamedTuple):
    """A line or row that could not be read; the rest of the file still is."""

    location: str
    reason: str


class LoadTestResult(NamedTuple):
    """The aggregate of one load-test run (Locust or k6)."""

    source: str
    tool: str  # "locust" or "k6"
    requests: int
    failures: int | None
    failure_rate: float | None
    throughput_rps: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    duration_s: float | None


# Order matters: the first matching pattern wins, so the specific ones come first
# (an "APITimeoutError" is a timeout, not a generic API error).
_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], Outcome], ...] = tuple(
    (re.compile(pattern), outcome)
    for pattern, outcome in (
        (r"rate.?limit|too.?many.?requests|ratelimit|throttl|quota", Outcome.RATE_LIMIT),
        (r"overload|capacity|unavailable", Outcome.OVERLOADED),
        (r"time.?out|timed.?out|deadline", Outcome.TIMEOUT),
        (r"content.?(filter|policy)|safety", Outcome.CONTENT_FILTER),
        (r"auth|permission|forbidden|api.?key", Outcome.AUTH),
        (r"connect|network|socket|reset by peer", Outcome.CONNECTION),
        (r"cancel", Outcome.CANCELLED),
        (r"expire", Outcome.EXPIRED),
        (r"invalid|bad.?request|not.?found|too.?large|unprocessable|validation|context.?length",
         Outcome.BAD_REQUEST),
        (r"server|internal|api.?error|upstream|bad.?gateway", Outcome.SERVER_ERROR),
    )
)


def classify_error(http_status: int | None = None, text: str | None = None) -> Outcome:
    """Map an HTTP status and/or an error type or message to an :class:`Outcome`.

    The status decides when it is specific (429, 408/504, 5xx, 4xx); otherwise the
    error text (``RateLimitError``, ``rate_limit_exceeded``, ``overloaded_error``...)
    decides; an error with neither is :attr:`Outcome.ERROR`.
    """
    if http_status is not None:
        if http_status == 429:
            return Outcome.RATE_LIMIT
        if http_status == 529:  # Anthropic "overloaded_error"
            return Outcome.OVERLOADED
        if http_status in (408, 504):
            return Outcome.TIMEOUT
        if http_status in (401, 403):
            return Outcome.AUTH
        if 500 <= http_status <= 599:
            return Outcome.SERVER_ERROR
        if 400 <= http_status <= 499:
            return Outcome.BAD_REQUEST
    if text:
        lowered = text.lower()
        for pattern, outcome in _TEXT_PATTERNS:
            if pattern.search(lowered):
                return outcome
    return Outcome.ERROR
