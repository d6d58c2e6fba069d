"""LLM gateway and tracing-platform exports: LiteLLM, Langfuse, LangSmith.

Shapes:

* LiteLLM ``StandardLoggingPayload`` (BerriAI/litellm docs/my-website/docs/proxy/
  logging_spec.md): ``id``, ``trace_id`` ("trace multiple LLM calls belonging to same
  overall request"), ``call_type``, ``response_cost``, ``status`` success/failure,
  ``prompt_tokens``, ``completion_tokens``, ``startTime``/``endTime`` (float epoch
  seconds), ``model``, ``model_group``, ``cache_hit``, ``error_str``,
  ``error_information: {error_code: "429", error_class: "RateLimitError",
  llm_provider}``. Also accepted wrapped in ``{"standard_logging_object": ...}``.
* LiteLLM spend logs (``LiteLLM_SpendLogs`` table, litellm-js/spend-logs/src/_types.ts):
  ``request_id``, ``call_type``, ``spend``, ``prompt_tokens``, ``completion_tokens``,
  ``startTime``/``endTime`` (timestamps), ``model``, ``cache_hit`` ("True"/"False"),
  ``session_id`` and ``status`` in newer versions.
* Langfuse observations (langfuse/langfuse fern/apis/server/definition/commons.yml
  ``Observation``/``ObservationsView`` and observations-v2.yml): ``id``, ``traceId``,
  ``type`` (only ``GENERATION`` is a model call), ``startTime``/``endTime``,
  ``model``/``providedModelName``, legacy ``usage: {input, output, total}`` or
  ``usageDetails`` (``input`` *excluding* ``input_*``/``cache_*`` keys, which are
  added back), ``calculatedTotalCost``/``totalCost``/``costDetails.total``, ``level``
  (ERROR is a failure), ``statusMessage``, ``latency`` in seconds. CSV exports have
  the same column names with nested objects as JSON text.
* LangSmith runs (langchain-ai/langsmith-sdk python/langsmith/schemas.py ``Run``):
  ``id``, ``trace_id``, ``run_type`` (only ``llm`` is a model call), ``start_time``,
  ``end_time``, ``status``, ``error``, ``prompt_tokens``, ``completion_tokens``,
  ``prompt_token_details`` (``cache_read``, ``cache_creation``),
  ``completion_token_details`` (``reasoning``), ``total_cost``,
  ``extra.metadata.ls_model_name``/``ls_provider`` and the thread keys
  ``session_id``/``thread_id``/``conversation_id`` LangSmith groups threads by.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from readiness.telemetry import values as v
from readiness.telemetry.record import Outcome, RequestRecord, classify_error, usage_details
from readiness.telemetry.values import MalformedRecord, dig


def is_litellm(obj: Mapping[str, Any]) -> bool:
    """A LiteLLM standard logging payload or spend-log row."""
    inner = obj.get("standard_logging_object")
    if isinstance(inner, Mapping):
        obj = inner
    return "call_type" in obj and ("response_cost" in obj or "spend" in obj)


def is_langfuse(obj: Mapping[str, Any]) -> bool:
    """A Langfuse observation (any type)."""
    return isinstance(obj.get("type"), str) and "traceId" in obj and "startTime" in obj


def is_langsmith(obj: Mapping[str, Any]) -> bool:
    """A LangSmith run (any run type)."""
    return isinstance(obj.get("run_type"), str) and "start_time" in obj


def _provider_from_model(model: str | None) -> str | None:
    if model and "/" in model:
        return model.split("/", 1)[0] or None
    return None


def record_from_litellm(obj: Mapping[str, Any], source: str) -> RequestRecord:
    """Normalise a LiteLLM payload or spend-log row."""
    inner = obj.get("standard_logging_object")
    if isinstance(inner, Mapping):
        obj = inner
    start = v.opt_time(obj.get("startTime"), "startTime")
    end = v.opt_time(obj.get("endTime"), "endTime")
    model = v.opt_str(obj.get("model"), "model")
    error_info = v.opt_map(obj.get("error_information"), "error_information") or {}
    status = v.opt_str(obj.get("status"), "status")
    code_text = v.opt_str(error_info.get("error_code"), "error_information.error_code")
    http_status = int(code_text) if code_text and code_text.isdigit() and len(code_text) == 3 \
        else None
    outcome = Outcome.OK
    if status == "failure":
        text = " ".join(str(t) for t in (error_info.get("error_class"), obj.get("error_str"))
                        if isinstance(t, str))
        outcome = classify_error(http_status, text)
    usage = dig(obj, "response", "usage")
    cached = v.opt_int(dig(usage, "prompt_tokens_details", "cached_tokens"),
                       "response.usage.prompt_tokens_details.cached_tokens")
    # Anthropic through LiteLLM: cache writes (and reads) beside the OpenAI-shaped usage.
    written = v.opt_int(dig(usage, "cache_creation_input_tokens"),
                        "response.usage.cache_creation_input_tokens")
    if cached is None:
        cached = v.opt_int(dig(usage, "cache_read_input_tokens"),
                           "response.usage.cache_read_input_tokens")
    input_tokens = v.opt_int(obj.get("prompt_tokens"), "prompt_tokens")
    if input_tokens is not None and (cached or 0) + (written or 0) > input_tokens:
        input_tokens += (cached or 0) + (written or 0)
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    work_item = (v.opt_str(obj.get("session_id"), "session_id")
                 or v.opt_str(obj.get("trace_id"), "trace_id")
                 or v.opt_str(dig(metadata, "spend_logs_metadata", "session_id"),
                              "metadata.spend_logs_metadata.session_id"))
    provider = (v.opt_str(obj.get("custom_llm_provider"), "custom_llm_provider")
                or v.opt_str(error_info.get("llm_provider"), "error_information.llm_provider")
                or _provider_from_model(model))
    cost = v.opt_cost(obj.get("response_cost", obj.get("spend")), "response_cost")
    return RequestRecord(
        source=source,
        request_id=v.opt_str(obj.get("id", obj.get("request_id")), "id"),
        work_item=work_item,
        start=start,
        duration_ms=v.duration_between(start, end, "startTime..endTime"),
        operation=v.opt_str(obj.get("call_type"), "call_type"),
        provider=provider,
        model_requested=v.opt_str(obj.get("model_group"), "model_group"),
        model=model,
        input_tokens=input_tokens,
        output_tokens=v.opt_int(obj.get("completion_tokens"), "completion_tokens"),
        cached_tokens=cached,
        reasoning_tokens=v.opt_int(
            dig(usage, "completion_tokens_details", "reasoning_tokens"),
            "response.usage.completion_tokens_details.reasoning_tokens"),
        cache_write_tokens=written,
        usage_details=usage_details(
            input_audio_tokens=v.opt_int(dig(usage, "prompt_tokens_details", "audio_tokens"),
                                         "response.usage.prompt_tokens_details.audio_tokens"),
            output_audio_tokens=v.opt_int(
                dig(usage, "completion_tokens_details", "audio_tokens"),
                "response.usage.completion_tokens_details.audio_tokens")),
        cost_usd=cost,
        outcome=outcome.value,
        http_status=http_status,
        finish_reason=None,
        retry_attempt=None,
        cache_hit=v.opt_bool(obj.get("cache_hit"), "cache_hit"),
    )


def _partition_usage(details: Mapping[str, Any], field: str) -> tuple[
        int | None, int | None, int | None, int | None, int | None]:
    """Langfuse usageDetails into (input, output, cached, cache_write, reasoning).

    Langfuse keeps ``input``/``output`` as the remainder after the detailed keys
    (``input_cached_tokens``, ``cache_read_input_tokens``, ``output_reasoning_tokens``
    ...), so the totals are the sums of every key on each side.
    """
    counts = {key: v.opt_int(value, f"{field}.{key}") for key, value in details.items()
              if key != "total" and not isinstance(value, Mapping)}
    input_keys = [k for k in counts if k == "input" or k.startswith("input_")
                  or (k.startswith("cache_") and "input" in k) or k.startswith("prompt")]
    output_keys = [k for k in counts if k == "output" or k.startswith("output_")
                   or k.startswith("completion")]
    total_in = v.sum_present(*(counts[k] for k in input_keys))
    total_out = v.sum_present(*(counts[k] for k in output_keys))
    cached = v.sum_present(*(counts[k] for k in input_keys
                             if "cache" in k and ("read" in k or "cached" in k)))
    written = v.sum_present(*(counts[k] for k in input_keys
                              if "cache" in k and ("creation" in k or "write" in k)))
    reasoning = v.sum_present(*(counts[k] for k in output_keys if "reasoning" in k))
    return total_in, total_out, cached, written, reasoning


def record_from_langfuse(obj: Mapping[str, Any], source: str) -> RequestRecord | None:
    """Normalise a Langfuse GENERATION observation; other types give None."""
    if str(obj.get("type")).upper() != "GENERATION":
        return None
    start = v.opt_time(obj.get("startTime"), "startTime")
    end = v.opt_time(obj.get("endTime"), "endTime")
    duration = v.duration_between(start, end, "startTime..endTime")
    if duration is None and obj.get("latency") is not None:
        seconds = v.opt_float(obj.get("latency"), "latency", maximum=v.MAX_DURATION_MS / 1000)
        duration = seconds * 1000.0 if seconds is not None else None
    details = v.opt_map(obj.get("usageDetails"), "usageDetails")
    if details:
        input_tokens, output_tokens, cached, written, reasoning = _partition_usage(
            details, "usageDetails")
    else:
        usage = v.opt_map(obj.get("usage"), "usage") or {}
        input_tokens = v.opt_int(usage.get("input", obj.get("promptTokens")), "usage.input")
        output_tokens = v.opt_int(usage.get("output", obj.get("completionTokens")),
                                  "usage.output")
        cached = written = reasoning = None
    cost = obj.get("calculatedTotalCost", obj.get("totalCost"))
    if cost is None:
        cost = dig(obj, "costDetails", "total")
    level = v.opt_str(obj.get("level"), "level")
    message = v.opt_str(obj.get("statusMessage"), "statusMessage", limit=10_000)
    outcome = classify_error(None, message) if level == "ERROR" else Outcome.OK
    model = v.opt_str(obj.get("model") or obj.get("providedModelName"), "model")
    return RequestRecord(
        source=source,
        request_id=v.opt_str(obj.get("id"), "id"),
        work_item=v.opt_str(obj.get("sessionId"), "sessionId")
        or v.opt_str(obj.get("traceId"), "traceId"),
        start=start,
        duration_ms=duration,
        operation="generation",
        provider=_provider_from_model(model),
        model_requested=None,
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=cached,
        reasoning_tokens=reasoning,
        cost_usd=v.opt_cost(cost, "calculatedTotalCost"),
        outcome=outcome.value,
        http_status=None,
        finish_reason=None,
        retry_attempt=None,
        cache_hit=None,
        cache_write_tokens=written,
    )


# CSV cells that hold JSON objects in Langfuse exports.
LANGFUSE_JSON_COLUMNS = ("usageDetails", "costDetails", "usage", "modelParameters",
                         "metadata")


def langfuse_row(row: Mapping[str, str]) -> dict[str, Any]:
    """A Langfuse CSV row into the JSON shape ``record_from_langfuse`` reads."""
    result: dict[str, Any] = {}
    for key, cell in row.items():
        if key is None:
            raise MalformedRecord("row has more cells than the header")
        if cell is None or cell == "":
            result[key] = None
        elif key in LANGFUSE_JSON_COLUMNS and cell.lstrip().startswith("{"):
            result[key] = v.loads(cell)
        else:
            result[key] = cell
    return result


_THREAD_KEYS = ("session_id", "thread_id", "conversation_id")


def record_from_langsmith(obj: Mapping[str, Any], source: str) -> RequestRecord | None:
    """Normalise a LangSmith run of type llm; other run types give None."""
    if obj.get("run_type") != "llm":
        return None
    start = v.opt_time(obj.get("start_time"), "start_time")
    end = v.opt_time(obj.get("end_time"), "end_time")
    metadata = dig(obj, "extra", "metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    thread = next((v.opt_str(metadata.get(k), f"metadata.{k}") for k in _THREAD_KEYS
                   if metadata.get(k)), None)
    status = v.opt_str(obj.get("status"), "status")
    error = v.opt_str(obj.get("error"), "error", limit=100_000)
    outcome = Outcome.OK
    if status == "error" or error:
        outcome = classify_error(None, error)
    prompt_details = v.opt_map(obj.get("prompt_token_details"), "prompt_token_details") or {}
    completion_details = v.opt_map(obj.get("completion_token_details"),
                                   "completion_token_details") or {}
    model = (v.opt_str(metadata.get("ls_model_name"), "ls_model_name")
             or v.opt_str(dig(obj, "extra", "invocation_params", "model"), "model"))
    finish = dig(obj, "outputs", "generations")
    finish_reason = None
    if isinstance(finish, list) and finish and isinstance(finish[0], list) and finish[0]:
        finish_reason = v.opt_str(dig(finish[0][0], "generation_info", "finish_reason"),
                                  "finish_reason")
    return RequestRecord(
        source=source,
        request_id=v.opt_str(obj.get("id"), "id"),
        work_item=thread or v.opt_str(obj.get("trace_id"), "trace_id"),
        start=start,
        duration_ms=v.duration_between(start, end, "start_time..end_time"),
        operation="llm",
        provider=v.opt_str(metadata.get("ls_provider"), "ls_provider"),
        model_requested=None,
        model=model,
        # LangChain's usage_metadata input_tokens (LangSmith prompt_tokens) include
        # cache reads and writes; input_token_details break them out.
        input_tokens=v.opt_int(obj.get("prompt_tokens"), "prompt_tokens"),
        output_tokens=v.opt_int(obj.get("completion_tokens"), "completion_tokens"),
        cached_tokens=v.opt_int(prompt_details.get("cache_read"),
                                "prompt_token_details.cache_read"),
        reasoning_tokens=v.opt_int(completion_details.get("reasoning"),
                                   "completion_token_details.reasoning"),
        cost_usd=v.opt_cost(obj.get("total_cost"), "total_cost"),
        outcome=outcome.value,
        http_status=None,
        finish_reason=finish_reason,
        retry_attempt=None,
        cache_hit=None,
        cache_write_tokens=v.opt_int(prompt_details.get("cache_creation"),
                                     "prompt_token_details.cache_creation"),
    )
