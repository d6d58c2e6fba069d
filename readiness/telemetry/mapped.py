"""Logs no detector recognises, read through a field mapping.

A mapping names, for each record field, the path to it in one log line: a key, or a
dotted path into nested objects (``llm.tok.in``; a number steps into an array,
``choices.0.finish_reason``; a key that itself contains dots is tried whole first).
It comes from ``usage.telemetry: [{path: ..., fields: {...}}]`` in readiness.yaml or
``readiness usage --field KEY=PATH``, like the eval readers' ``fields:``.

Meanings: ``input_tokens`` is all input tokens, cached ones included (when the mapped
cache counts exceed it, the log evidently counts as Anthropic does and they are added
back); ``latency_ms`` / ``latency_s`` the call's duration; ``start`` its time; ``status``
ok/success/true/2xx for a served call and anything else a failure classified by its
text or HTTP code (``error``, when present and not empty, is a failure too); ``item``
the work item (document, session) the call served; ``cost_usd`` a cost the log already
computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from readiness.errors import InputError
from readiness.telemetry.record import Outcome, RequestRecord, classify_error, make_record
from readiness.telemetry.values import (
    MAX_DURATION_MS,
    MalformedRecord,
    opt_cost,
    opt_float,
    opt_int,
    opt_str,
    opt_time,
)

FIELDS: Mapping[str, str] = {
    "model": "the model name",
    "provider": "openai, anthropic, ... (helps pricing)",
    "input_tokens": "all input tokens, cached included",
    "output_tokens": "all output tokens",
    "cached_tokens": "input tokens read from a prompt cache",
    "cache_write_tokens": "input tokens written to a prompt cache",
    "reasoning_tokens": "output tokens spent on reasoning",
    "latency_ms": "call duration in milliseconds",
    "latency_s": "call duration in seconds",
    "start": "when the call started (ISO 8601 or epoch)",
    "status": "ok/success/true/2xx, else a failure",
    "error": "an error type or message (a failure when present)",
    "item": "the work item: document, session, conversation id",
    "request_id": "the call's id",
    "cost_usd": "the cost the log already computed",
}
_OK = frozenset({"ok", "success", "succeeded", "successful", "completed", "complete", "done",
                 "true", "pass", "passed"})
_USAGE_FIELDS = ("model", "input_tokens", "output_tokens", "latency_ms", "latency_s",
                 "status", "error", "cost_usd")

HOW_TO_MAP = ("to read another log format, map its fields: readiness usage --field KEY=PATH "
              "(e.g. --field input_tokens=usage.in), or usage.telemetry: [{path: ..., "
              "fields: {model: ..., input_tokens: ..., ...}}] in readiness.yaml")


def check_fields(fields: Mapping[str, str], where: str) -> dict[str, str]:
    """A mapping's keys must be known and it must map something a summary can use."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise InputError(f"unknown telemetry field {unknown[0]!r}; expected one of "
                         + ", ".join(FIELDS), path=where)
    empty = sorted(k for k, v in fields.items() if not isinstance(v, str) or not v.strip())
    if empty:
        raise InputError(f"telemetry field {empty[0]!r} maps to no path", path=where)
    if not set(fields) & set(_USAGE_FIELDS):
        raise InputError("a telemetry field mapping needs at least one of "
                         + ", ".join(_USAGE_FIELDS), path=where)
    return {k: v.strip() for k, v in fields.items()}


def parse_field_options(options: Sequence[str]) -> dict[str, str]:
    """``--field KEY=PATH`` options as a mapping (InputError naming the bad option)."""
    fields: dict[str, str] = {}
    for option in options:
        key, sep, path = option.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--field {option!r}: expected KEY=PATH, e.g. "
                             "--field input_tokens=usage.prompt_tokens")
        if key.strip() in fields:
            raise InputError(f"--field {key.strip()!r} given twice")
        fields[key.strip()] = path
    return check_fields(fields, "--field")


def lookup(obj: object, path: str) -> object:
    """The value at ``path`` in ``obj`` (see the module docstring), or None."""
    if isinstance(obj, Mapping) and path in obj:
        return obj[path]
    current: object = obj
    for part in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def has_any(obj: object, fields: Mapping[str, str]) -> bool:
    """Whether a line has a value at any mapped path."""
    return any(lookup(obj, path) is not None for path in fields.values())


def _outcome(status: object, error: object) -> tuple[Outcome, int | None]:
    code = None
    failed = False
    text: str | None = None
    if isinstance(status, bool):
        failed = not status
    elif isinstance(status, int):
        code = opt_int(status, "status", maximum=999)
        failed = status >= 400
    elif isinstance(status, str) and status.strip():
        text = status.strip()
        if text.isdigit():
            code = opt_int(text, "status", maximum=999)
            failed = int(text) >= 400
        else:
            failed = text.lower() not in _OK
    elif status is not None:
        raise MalformedRecord(f"status: expected a string, number or boolean, got "
                              f"{type(status).__name__}")
    if error not in (None, "", False, {}, []):
        failed = True
        error_text = error if isinstance(error, str) else str(error)
        text = " ".join(t for t in (text, error_text[:2000]) if t)
    if not failed:
        return Outcome.OK, code
    return classify_error(code, text), code


def record_from_mapped(obj: Mapping[str, Any], fields: Mapping[str, str],
                       source: str) -> list[RequestRecord]:
    """One record from one line through the mapping; a line with no mapped value is malformed."""
    if not has_any(obj, fields):
        raise MalformedRecord("none of the mapped fields is present ("
                              + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")")

    def get(key: str) -> object:
        path = fields.get(key)
        return None if path is None else lookup(obj, path)

    def count(key: str) -> int | None:
        return opt_int(get(key), fields.get(key, key))

    input_tokens, cached, written = count("input_tokens"), count("cached_tokens"), \
        count("cache_write_tokens")
    if input_tokens is not None and (cached or 0) + (written or 0) > input_tokens:
        input_tokens += (cached or 0) + (written or 0)
    latency = opt_float(get("latency_ms"), fields.get("latency_ms", ""), maximum=MAX_DURATION_MS)
    if latency is None:
        seconds = opt_float(get("latency_s"), fields.get("latency_s", ""),
                            maximum=MAX_DURATION_MS / 1000)
        latency = None if seconds is None else seconds * 1000.0
    outcome, code = _outcome(get("status"), get("error"))
    return [make_record(
        source,
        request_id=opt_str(get("request_id"), fields.get("request_id", "")),
        work_item=opt_str(get("item"), fields.get("item", "")),
        start=opt_time(get("start"), fields.get("start", "")),
        duration_ms=latency,
        provider=opt_str(get("provider"), fields.get("provider", "")),
        model=opt_str(get("model"), fields.get("model", "")),
        input_tokens=input_tokens,
        output_tokens=count("output_tokens"),
        cached_tokens=cached,
        cache_write_tokens=written,
        reasoning_tokens=count("reasoning_tokens"),
        cost_usd=opt_cost(get("cost_usd"), fields.get("cost_usd", "")),
        outcome=outcome.value,
        http_status=code,
    )]
