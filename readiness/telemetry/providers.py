"""Raw provider responses, one JSON object per line, and batch result files.

Shapes, from the providers' own API references:

* OpenAI Chat Completions (``"object": "chat.completion"``): ``usage.prompt_tokens``
  (cached included), ``usage.prompt_tokens_details.cached_tokens``,
  ``usage.completion_tokens_details.reasoning_tokens``, ``choices[].finish_reason``,
  ``created`` in Unix seconds (platform.openai.com/docs/api-reference/chat/object).
* OpenAI Responses (``"object": "response"``): ``status`` (completed, failed,
  in_progress, incomplete), ``error.code``, ``incomplete_details.reason``,
  ``usage.input_tokens``, ``usage.input_tokens_details.cached_tokens``,
  ``usage.output_tokens_details.reasoning_tokens``, ``created_at``
  (platform.openai.com/docs/api-reference/responses/object).
* Anthropic Messages (``"type": "message"``): ``usage.input_tokens`` *excluding*
  ``cache_read_input_tokens`` and ``cache_creation_input_tokens`` (split by TTL in
  ``usage.cache_creation.ephemeral_5m/1h_input_tokens``), ``stop_reason``
  (docs.anthropic.com/en/api/messages). Errors: ``{"type": "error", "error": {"type":
  "rate_limit_error" | "overloaded_error" | ..., "message": ...}}``.
* OpenAI Batch output/error file line (``BatchRequestOutput`` in OpenAI's OpenAPI
  spec): ``id``, ``custom_id``, ``response: {status_code, request_id, body}`` and
  ``error: {code, message}``, either may be null.
* Anthropic Message Batches results line (``MessageBatchIndividualResponse``,
  docs.anthropic.com/en/api/retrieving-message-batch-results): ``custom_id`` and
  ``result.type`` one of succeeded (with ``message``), errored (with ``error``),
  canceled, expired.

Raw responses carry no latency, so ``duration_ms`` is None for them; latency
percentiles then come only from sources that time calls (traces, gateways).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from readiness.telemetry.record import (
    Outcome,
    RequestRecord,
    classify_error,
    make_record,
    usage_details,
)
from readiness.telemetry.values import (
    MalformedRecord,
    dig,
    opt_int,
    opt_list,
    opt_map,
    opt_str,
    opt_time,
    sum_present,
)

# Keys people put in request ``metadata`` to tie a call to its document or session.
_WORK_ITEM_KEYS = ("work_item", "work_item_id", "session_id", "conversation_id",
                   "thread_id", "trace_id", "document_id")


def is_provider_object(obj: Mapping[str, Any]) -> bool:
    """Whether a parsed JSON object has one of the shapes this module reads."""
    kind = obj.get("object")
    if kind in ("chat.completion", "response", "text_completion"):
        return True
    if obj.get("type") == "message" and isinstance(obj.get("usage"), Mapping):
        return True
    if obj.get("type") == "error" and isinstance(obj.get("error"), Mapping):
        return True
    if "custom_id" in obj and ("response" in obj or "result" in obj):
        return True
    # A bare OpenAI error body: {"error": {"message": ..., "type": ..., "code": ...}}
    error = obj.get("error")
    return set(obj) <= {"error"} and isinstance(error, Mapping) and "message" in error


def record_from_provider(obj: Mapping[str, Any], source: str) -> RequestRecord:
    """Normalise one provider object; raises MalformedRecord for unknown shapes."""
    if "custom_id" in obj:
        if isinstance(obj.get("result"), Mapping):
            return _anthropic_batch(obj, source)
        return _openai_batch(obj, source)
    return _response_body(obj, source, http_status=None)


def _response_body(obj: Mapping[str, Any], source: str, *,
                   http_status: int | None) -> RequestRecord:
    kind = obj.get("object")
    if kind in ("chat.completion", "text_completion"):
        return _openai_chat(obj, source, http_status)
    if kind == "response":
        return _openai_responses(obj, source, http_status)
    if obj.get("type") == "message":
        return _anthropic_message(obj, source, http_status)
    if isinstance(obj.get("error"), Mapping):
        return _error_body(obj, source, http_status)
    raise MalformedRecord("not a recognised provider response object")


def _work_item(obj: Mapping[str, Any]) -> str | None:
    conversation = obj.get("conversation")
    if isinstance(conversation, Mapping):
        found = opt_str(conversation.get("id"), "conversation.id")
        if found:
            return found
    metadata = obj.get("metadata")
    if isinstance(metadata, Mapping):
        for key in _WORK_ITEM_KEYS:
            found = opt_str(metadata.get(key), f"metadata.{key}")
            if found:
                return found
    return None


def _openai_chat(obj: Mapping[str, Any], source: str, http_status: int | None) -> RequestRecord:
    usage = opt_map(obj.get("usage"), "usage") or {}
    choices = opt_list(obj.get("choices"), "choices") or []
    finish = None
    if choices and isinstance(choices[0], Mapping):
        finish = opt_str(choices[0].get("finish_reason"), "choices[0].finish_reason")
    return make_record(
        source,
        request_id=opt_str(obj.get("id"), "id"),
        work_item=_work_item(obj),
        start=opt_time(obj.get("created"), "created"),
        operation="chat" if obj.get("object") == "chat.completion" else "text_completion",
        provider="openai",
        model=opt_str(obj.get("model"), "model"),
        input_tokens=opt_int(usage.get("prompt_tokens"), "usage.prompt_tokens"),
        output_tokens=opt_int(usage.get("completion_tokens"), "usage.completion_tokens"),
        cached_tokens=opt_int(dig(usage, "prompt_tokens_details", "cached_tokens"),
                              "usage.prompt_tokens_details.cached_tokens"),
        reasoning_tokens=opt_int(dig(usage, "completion_tokens_details", "reasoning_tokens"),
                                 "usage.completion_tokens_details.reasoning_tokens"),
        cache_write_tokens=opt_int(dig(usage, "prompt_tokens_details", "cache_write_tokens"),
                                   "usage.prompt_tokens_details.cache_write_tokens"),
        usage_details=usage_details(
            input_audio_tokens=opt_int(dig(usage, "prompt_tokens_details", "audio_tokens"),
                                       "usage.prompt_tokens_details.audio_tokens"),
            output_audio_tokens=opt_int(dig(usage, "completion_tokens_details", "audio_tokens"),
                                        "usage.completion_tokens_details.audio_tokens")),
        http_status=http_status,
        finish_reason=finish,
    )


def _openai_responses(obj: Mapping[str, Any], source: str,
                      http_status: int | None) -> RequestRecord:
    usage = opt_map(obj.get("usage"), "usage") or {}
    status = opt_str(obj.get("status"), "status")
    outcome = Outcome.OK
    if status == "failed":
        error = opt_map(obj.get("error"), "error") or {}
        outcome = classify_error(http_status, _error_text(error))
    elif status == "cancelled":
        outcome = Outcome.CANCELLED
    finish = opt_str(dig(obj, "incomplete_details", "reason"), "incomplete_details.reason")
    return make_record(
        source,
        request_id=opt_str(obj.get("id"), "id"),
        work_item=_work_item(obj),
        start=opt_time(obj.get("created_at"), "created_at"),
        operation="responses",
        provider="openai",
        model=opt_str(obj.get("model"), "model"),
        input_tokens=opt_int(usage.get("input_tokens"), "usage.input_tokens"),
        output_tokens=opt_int(usage.get("output_tokens"), "usage.output_tokens"),
        cached_tokens=opt_int(dig(usage, "input_tokens_details", "cached_tokens"),
                              "usage.input_tokens_details.cached_tokens"),
        reasoning_tokens=opt_int(dig(usage, "output_tokens_details", "reasoning_tokens"),
                                 "usage.output_tokens_details.reasoning_tokens"),
        outcome=outcome.value,
        http_status=http_status,
        finish_reason=finish or status,
    )


def _anthropic_message(obj: Mapping[str, Any], source: str,
                       http_status: int | None) -> RequestRecord:
    usage = opt_map(obj.get("usage"), "usage") or {}
    uncached = opt_int(usage.get("input_tokens"), "usage.input_tokens")
    cache_read = opt_int(usage.get("cache_read_input_tokens"), "usage.cache_read_input_tokens")
    cache_write = opt_int(usage.get("cache_creation_input_tokens"),
                          "usage.cache_creation_input_tokens")
    return make_record(
        source,
        request_id=opt_str(obj.get("id"), "id"),
        work_item=_work_item(obj),
        operation="chat",
        provider="anthropic",
        model=opt_str(obj.get("model"), "model"),
        # Anthropic's input_tokens counts only tokens after the last cache breakpoint.
        input_tokens=sum_present(uncached, cache_read, cache_write),
        output_tokens=opt_int(usage.get("output_tokens"), "usage.output_tokens"),
        cached_tokens=cache_read,
        cache_write_tokens=cache_write,
        usage_details=usage_details(
            # usage.cache_creation splits the writes by TTL; 1-hour writes cost more.
            cache_write_1h_tokens=opt_int(dig(usage, "cache_creation", "ephemeral_1h_input_tokens"),
                                          "usage.cache_creation.ephemeral_1h_input_tokens"),
            web_searches=opt_int(dig(usage, "server_tool_use", "web_search_requests"),
                                 "usage.server_tool_use.web_search_requests")),
        http_status=http_status,
        finish_reason=opt_str(obj.get("stop_reason"), "stop_reason"),
    )


def _error_text(error: Mapping[str, Any]) -> str:
    parts = [error.get(key) for key in ("type", "code", "message")]
    return " ".join(p for p in parts if isinstance(p, str))


def _error_body(obj: Mapping[str, Any], source: str, http_status: int | None) -> RequestRecord:
    # OpenAI: {"error": {...}}; Anthropic: {"type": "error", "error": {...}}.
    error = opt_map(obj.get("error"), "error") or {}
    anthropic = obj.get("type") == "error"
    return make_record(
        source,
        request_id=opt_str(obj.get("request_id"), "request_id"),
        provider="anthropic" if anthropic else None,
        outcome=classify_error(http_status, _error_text(error)).value,
        http_status=http_status,
    )


def _openai_batch(obj: Mapping[str, Any], source: str) -> RequestRecord:
    custom_id = opt_str(obj.get("custom_id"), "custom_id")
    response = opt_map(obj.get("response"), "response")
    error = opt_map(obj.get("error"), "error")
    if response is not None:
        status = opt_int(response.get("status_code"), "response.status_code", maximum=999)
        body = opt_map(response.get("body"), "response.body") or {}
        record = _response_body(body, source, http_status=status)
        outcome = record.outcome
        if status is not None and status >= 400 and outcome == Outcome.OK.value:
            outcome = classify_error(status, None).value
        return record._replace(
            request_id=custom_id, work_item=record.work_item or custom_id,
            provider=record.provider or "openai", outcome=outcome, batch=True)
    if error is not None:
        return make_record(source, request_id=custom_id, work_item=custom_id, provider="openai",
                      outcome=classify_error(None, _error_text(error)).value, batch=True)
    raise MalformedRecord("batch output line has neither response nor error")


def _anthropic_batch(obj: Mapping[str, Any], source: str) -> RequestRecord:
    custom_id = opt_str(obj.get("custom_id"), "custom_id")
    result = opt_map(obj.get("result"), "result") or {}
    kind = opt_str(result.get("type"), "result.type")
    if kind == "succeeded":
        message = opt_map(result.get("message"), "result.message")
        if message is None:
            raise MalformedRecord("succeeded batch result without a message")
        record = _anthropic_message(message, source, http_status=None)
        return record._replace(request_id=custom_id, work_item=record.work_item or custom_id,
                               batch=True)
    if kind == "errored":
        # The error is the API error body: {"type": "error", "error": {"type": ...}}.
        error = opt_map(result.get("error"), "result.error") or {}
        inner = error.get("error")
        outcome = classify_error(None, _error_text(inner if isinstance(inner, Mapping)
                                                   else error))
    elif kind == "canceled":
        outcome = Outcome.CANCELLED
    elif kind == "expired":
        outcome = Outcome.EXPIRED
    else:
        raise MalformedRecord(f"unknown batch result type {kind!r}")
    return make_record(source, request_id=custom_id, work_item=custom_id, provider="anthropic",
                  outcome=outcome.value, batch=True)
