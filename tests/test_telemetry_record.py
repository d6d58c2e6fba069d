"""Error classification and defensive value coercion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from readiness.telemetry import values
from readiness.telemetry.record import Outcome, OutcomeGroup, classify_error, make_record
from readiness.telemetry.values import MalformedRecord


@pytest.mark.parametrize(("status", "text", "expected"), [
    (429, None, Outcome.RATE_LIMIT),
    (None, "openai.RateLimitError", Outcome.RATE_LIMIT),
    (None, "rate_limit_exceeded", Outcome.RATE_LIMIT),
    (None, "insufficient_quota", Outcome.RATE_LIMIT),
    (529, None, Outcome.OVERLOADED),
    (None, "overloaded_error Overloaded", Outcome.OVERLOADED),
    (None, "openai.APITimeoutError('Request timed out.')", Outcome.TIMEOUT),
    (504, "Gateway Timeout", Outcome.TIMEOUT),
    (500, None, Outcome.SERVER_ERROR),
    (None, "api_error Internal server error", Outcome.SERVER_ERROR),
    (400, "anything", Outcome.BAD_REQUEST),
    (None, "invalid_request_error", Outcome.BAD_REQUEST),
    (None, "context_length_exceeded", Outcome.BAD_REQUEST),
    (401, None, Outcome.AUTH),
    (None, "authentication_error", Outcome.AUTH),
    (None, "content_filter", Outcome.CONTENT_FILTER),
    (None, "APIConnectionError: Connection error.", Outcome.CONNECTION),
    (None, "batch_expired", Outcome.EXPIRED),
    (None, "something odd", Outcome.ERROR),
    (None, None, Outcome.ERROR),
])
def test_classify_error(status: int | None, text: str | None, expected: Outcome) -> None:
    assert classify_error(status, text) is expected


def test_outcome_groups_separate_capacity_from_bugs() -> None:
    assert Outcome.RATE_LIMIT.group is OutcomeGroup.CAPACITY
    assert Outcome.OVERLOADED.group is OutcomeGroup.CAPACITY
    assert Outcome.TIMEOUT.group is OutcomeGroup.TRANSIENT
    assert Outcome.BAD_REQUEST.group is OutcomeGroup.CLIENT
    assert {o.group for o in Outcome} == set(OutcomeGroup)


def test_make_record_defaults() -> None:
    record = make_record("f:1", model_requested="gpt-4o")
    assert (record.outcome, record.batch, record.model_name, record.input_tokens) == (
        "ok", False, "gpt-4o", None)


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), (0, 0), (12, 12), (12.0, 12), ("123", 123), (" 7 ", 7),
])
def test_opt_int_accepts(value: object, expected: int | None) -> None:
    assert values.opt_int(value, "n") == expected


@pytest.mark.parametrize(("value", "message"), [
    (True, "boolean"), (1.5, "expected an integer"), ("1e3", "expected an integer"),
    ("9" * 40, "expected an integer"), (-1, "negative"), (10**9, "implausibly large"),
    ([1], "got list"), ({"a": 1}, "got dict"),
])
def test_opt_int_rejects(value: object, message: str) -> None:
    with pytest.raises(MalformedRecord, match=message):
        values.opt_int(value, "n")


@pytest.mark.parametrize(("value", "expected"), [
    (1767225600, datetime(2026, 1, 1, tzinfo=UTC)),
    (1767225600000, datetime(2026, 1, 1, tzinfo=UTC)),
    (1767225600000000000, datetime(2026, 1, 1, tzinfo=UTC)),
    ("1767225600000000000", datetime(2026, 1, 1, tzinfo=UTC)),
    ("2026-01-01T00:00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
    ("2026-01-01T01:00:00+01:00", datetime(2026, 1, 1, tzinfo=UTC)),
    ("2026-01-01 00:00:00", datetime(2026, 1, 1, tzinfo=UTC)),
    ("", None), (None, None),
])
def test_opt_time(value: object, expected: datetime | None) -> None:
    assert values.opt_time(value, "t") == expected


@pytest.mark.parametrize("value", ["soon", True, -5, 1e300, [2026]])
def test_opt_time_rejects(value: object) -> None:
    with pytest.raises(MalformedRecord):
        values.opt_time(value, "t")


@pytest.mark.parametrize(("text", "message"), [
    ('{"a": NaN}', "non-finite number NaN"),
    ('{"a": -Infinity}', "non-finite number -Infinity"),
    ('{"a": 1e999}', "overflows a float"),
    ('{"a": ' + "1" * 5000 + "}", "invalid JSON"),  # beyond Python's int digit limit
    ('{"a": 1', "invalid JSON"),
])
def test_strict_json(text: str, message: str) -> None:
    with pytest.raises(MalformedRecord, match=message):
        values.loads(text)


def test_strings_are_bounded_and_cleaned() -> None:
    assert values.opt_str("doc\x1b[31m-1", "id") == "doc[31m-1"
    assert values.opt_str(42, "id") == "42"
    with pytest.raises(MalformedRecord, match="longer than 256"):
        values.opt_str("x" * 300, "id")
    assert values.opt_bool("False", "b") is False
    with pytest.raises(MalformedRecord):
        values.opt_bool("maybe", "b")
