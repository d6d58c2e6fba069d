"""Application logs that wrap the SDK's response: one JSON object per model call.

The most common pilot log is the application's own line around each SDK call::

    {"ts": "...", "request": {"model": ...}, "status": "ok",
     "response": <the ChatCompletion / Response / Message as a dict>, "latency_ms": 31.2}

or the same with an error object in place of the response. The provider object may
sit one or two levels down (``{"event": ..., "call": {"response": ...}}``), and
may have been logged as a JSON string (``response.model_dump_json()``).

* The **response** is read by :mod:`readiness.telemetry.providers`, so tokens, model,
  finish reason and cache counts mean exactly what they mean for raw responses.
* Its **siblings** (the object holding it, then the line's top level) give what the
  response lacks: latency (``latency_ms``, ``duration_ms``, ``elapsed_ms``, or the same
  in seconds as ``*_s``/``*_seconds``), the start (``start_time``/``started_at``; else an
  end time less the latency; else the log time ``ts``/``timestamp``/``time``), the status
  (``status``/``outcome``) and the work item (``work_item``, ``session_id``,
  ``document_id``... or the request's ``metadata``).
* An **error** object (``error``/``exception``: the SDK exception's type, status code,
  message and body, or just a message) makes the line a failed call, classified by
  its status code and type (``RateLimitError``, ``overloaded_error``...). So does a
  failure status with neither response nor error.
* A line with neither a response, an error nor a failure status is another kind of
  log event and is passed over, not counted as malformed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from readiness.telemetry import providers
from readiness.telemetry.record import Outcome, RequestRecord, classify_error, make_record
from readiness.telemetry.values import (
    MAX_DURATION_MS,
    MalformedRecord,
    duration_between,
    loads,
    opt_float,
    opt_int,
    opt_str,
    opt_time,
)

MAX_DEPTH = 2
_MAX_EMBEDDED_JSON = 4 * 1024 * 1024  # a response logged as a JSON string
_ERROR_KEYS = ("error", "exception", "err")
_REQUEST_KEYS = ("request", "params", "kwargs", "input")
_LATENCY_MS = ("latency_ms", "duration_ms", "elapsed_ms", "response_time_ms", "took_ms")
_LATENCY_S = ("latency_s", "duration_s", "elapsed_s", "latency_seconds", "duration_seconds",
              "elapsed_seconds")
_START = ("start_time", "started_at", "start", "request_start", "request_time")
_END = ("end_time", "ended_at", "end", "finished_at", "completed_at")
_LOG_TIME = ("ts", "timestamp", "time", "@timestamp", "logged_at")
_STATUS = ("status", "outcome")
_STATUS_CODE = ("status_code", "http_status")
_WORK_ITEM = ("work_item", "work_item_id", "item_id", "document_id", "doc_id", "session_id",
              "conversation_id", "thread_id", "job_id", "task_id", "trace_id", "correlation_id")
_OK_WORDS = frozenset({"ok", "success", "succeeded", "successful", "completed", "complete",
                       "done", "pass", "passed"})
_FAILED_WORDS = frozenset({"error", "failed", "failure", "fail", "errored", "exception",
                           "timeout", "timed_out", "cancelled", "canceled"})


def _embedded(value: object) -> object:
    """A JSON object logged as a string (``model_dump_json()``), parsed; else the value."""
    if isinstance(value, str) and value[:1] == "{" and len(value) <= _MAX_EMBEDDED_JSON:
        try:
            return loads(value)
        except MalformedRecord:
            return value
    return value


def _children(obj: Mapping[str, Any]) -> Iterator[tuple[str, object, Mapping[str, Any]]]:
    """(key, value, holder) for every value down to MAX_DEPTH levels, shallowest first."""
    level: list[Mapping[str, Any]] = [obj]
    for _ in range(MAX_DEPTH):
        deeper: list[Mapping[str, Any]] = []
        for holder in level:
            for key, raw in holder.items():
                value = _embedded(raw)
                yield key, value, holder
                if isinstance(value, Mapping):
                    deeper.append(value)
        level = deeper


def _is_response(value: object) -> bool:
    return (isinstance(value, Mapping) and providers.is_provider_object(value)
            and not isinstance(value.get("error"), Mapping))


def find_response(obj: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    """The provider response nested one or two levels down, with the object holding it."""
    for _, value, holder in _children(obj):
        if _is_response(value):
            assert isinstance(value, Mapping)
            return value, holder
    return None


def is_app_log(obj: Mapping[str, Any]) -> bool:
    """Whether a parsed line is an application log entry around a provider response."""
    return not _is_response(obj) and find_response(obj) is not None


def _find_error(obj: Mapping[str, Any]) -> tuple[object, Mapping[str, Any]] | None:
    for key, value, holder in _children(obj):
        if key.lower() in _ERROR_KEYS and value not in (None, "", {}):
            return value, holder
    return None


def _first(holders: list[Mapping[str, Any]], keys: tuple[str, ...]) -> tuple[str, object]:
    for holder in holders:
        for key in keys:
            if holder.get(key) not in (None, ""):
                return key, holder[key]
    return keys[0], None


def _latency(holders: list[Mapping[str, Any]]) -> float | None:
    name, value = _first(holders, _LATENCY_MS)
    if value is not None:
        return opt_float(value, name, maximum=MAX_DURATION_MS)
    name, value = _first(holders, _LATENCY_S)
    seconds = opt_float(value, name, maximum=MAX_DURATION_MS / 1000)
    return None if seconds is None else seconds * 1000.0


def _request(holders: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    for holder in holders:
        for key in _REQUEST_KEYS:
            value = _embedded(holder.get(key))
            if isinstance(value, Mapping):
                return value
    return {}


def _work_item(holders: list[Mapping[str, Any]], request: Mapping[str, Any]) -> str | None:
    name, value = _first(holders, _WORK_ITEM)
    found = opt_str(value, name)
    if found:
        return found
    metadata = request.get("metadata")
    if isinstance(metadata, Mapping):
        name, value = _first([metadata], _WORK_ITEM + ("user_id",))
        return opt_str(value, f"request.metadata.{name}")
    return None


def _status(holders: list[Mapping[str, Any]]) -> tuple[bool | None, int | None, str | None]:
    """(failed?, HTTP status, status text) from the siblings' status fields."""
    name, code_raw = _first(holders, _STATUS_CODE)
    code = opt_int(code_raw, name, maximum=999)
    name, raw = _first(holders, _STATUS)
    if isinstance(raw, int) and not isinstance(raw, bool):
        code = code or opt_int(raw, name, maximum=999)
        return code >= 400 if code else None, code, None
    if isinstance(raw, bool):
        return not raw, code, None
    text = opt_str(raw, name)
    failed = None
    if text:
        lowered = text.strip().lower()
        failed = True if lowered in _FAILED_WORDS else False if lowered in _OK_WORDS else None
    if failed is None and code is not None:
        failed = code >= 400
    return failed, code, text


def _error_outcome(error: object, status: int | None) -> tuple[Outcome, int | None]:
    """Classify an error object: an SDK exception's fields, a provider error body, or text."""
    if not isinstance(error, Mapping):
        return classify_error(status, opt_str(error, "error", limit=100_000)), status
    name, code_raw = _first([error], _STATUS_CODE + ("status", "code"))
    code = status
    if isinstance(code_raw, int) and not isinstance(code_raw, bool):
        code = opt_int(code_raw, f"error.{name}", maximum=999) or status
    parts: list[str] = []
    pending: list[object] = [error]
    while pending and len(parts) < 12:  # the exception, its body, the body's inner error
        current = pending.pop(0)
        if not isinstance(current, Mapping):
            continue
        parts += [v for k in ("type", "name", "code") if isinstance(v := current.get(k), str)]
        pending += [_embedded(current.get(k)) for k in ("body", "error", "response")]
    if not parts and isinstance(error.get("message"), str):
        parts.append(error["message"][:2000])
    return classify_error(code, " ".join(parts) or None), code


def records_from_app_log(obj: Mapping[str, Any], source: str) -> list[RequestRecord]:
    """The model call one application log line records (none for other log events)."""
    found = find_response(obj)
    error = _find_error(obj) if found is None else None
    holder = found[1] if found else error[1] if error else obj
    holders = [holder] if holder is obj else [holder, obj]
    failed, code, status_text = _status(holders)
    if found is None and error is None and not failed:
        return []
    request = _request(holders)
    if found is not None:
        record = providers.record_from_provider(found[0], source)
        if failed and record.outcome == Outcome.OK.value:
            record = record._replace(outcome=classify_error(code, status_text).value,
                                     http_status=code)
    else:
        outcome, code = (_error_outcome(error[0], code) if error
                         else (classify_error(code, status_text), code))
        record = make_record(source, outcome=outcome.value, http_status=code)
    latency = _latency(holders)
    start = opt_time(_first(holders, _START)[1], "start_time")
    end = opt_time(_first(holders, _END)[1], "end_time")
    if latency is None:
        latency = duration_between(start, end, "call duration")
    if start is None and end is not None and latency is not None:
        start = end - timedelta(milliseconds=latency)
    if start is None:
        name, logged = _first(holders, _LOG_TIME)
        start = opt_time(logged, name)
    return [record._replace(
        duration_ms=latency if latency is not None else record.duration_ms,
        start=start or record.start,
        work_item=_work_item(holders, request) or record.work_item,
        model_requested=record.model_requested or opt_str(request.get("model"),
                                                           "request.model"),
    )]
