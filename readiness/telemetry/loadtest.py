"""Load-test results: Locust ``*_stats.csv`` and k6 summary JSON.

Shapes:

* Locust ``StatsCSV.requests_csv_columns`` (locustio/locust locust/stats.py): "Type",
  "Name", "Request Count", "Failure Count", "Median Response Time", "Average Response
  Time", "Min Response Time", "Max Response Time", "Average Content Size",
  "Requests/s", "Failures/s", then one column per reported percentile ("50%", "95%",
  "99%"...; "N/A" when there were no requests). The last row is the total, named
  "Aggregated". Times are milliseconds.
* k6 ``--summary-export`` (legacy): ``metrics.<name>`` holds the values directly:
  ``http_reqs: {count, rate}``, ``http_req_duration: {avg, med, "p(90)", "p(95)"...}``,
  ``http_req_failed: {value, passes, fails}`` where ``value`` is the failed share.
* k6 ``handleSummary(data)`` / end-of-test JSON: ``metrics.<name>: {type, contains,
  values: {...}}`` with ``http_req_failed.values.rate`` and ``state.testRunDurationMs``.
  Durations are milliseconds in both.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from readiness.errors import InputError
from readiness.telemetry import values as v
from readiness.telemetry.record import LoadTestResult
from readiness.telemetry.values import MalformedRecord

LOCUST_REQUIRED = ("Name", "Request Count", "Failure Count", "Requests/s")
# Any single run with more requests than this is not a real file.
_MAX_REQUESTS = 10**12
_MAX_MS = 24 * 3600 * 1000.0


def is_locust_header(header: list[str]) -> bool:
    """Whether a CSV header is Locust's requests-stats header."""
    return all(column in header for column in LOCUST_REQUIRED)


def is_k6_summary(obj: Mapping[str, Any]) -> bool:
    """Whether a JSON object is a k6 summary (either shape)."""
    metrics = obj.get("metrics")
    return isinstance(metrics, Mapping) and ("http_reqs" in metrics
                                             or "http_req_duration" in metrics)


def _ms(value: object, field: str) -> float | None:
    if value is None or value in ("", "N/A"):
        return None
    return v.opt_float(value, field, maximum=_MAX_MS)


def read_locust(path: Path) -> LoadTestResult:
    """The Aggregated row of a Locust stats CSV."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            found: dict[str, str] | None = None
            for row in csv.DictReader(handle):  # streamed: keep only the total row
                if row.get("Name") == "Aggregated":
                    found = row
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"not a readable Locust stats CSV ({exc})", path=str(path)) from None
    if found is None:
        raise InputError("Locust stats CSV has no 'Aggregated' row; expected the "
                         "*_stats.csv that `locust --csv` writes", path=str(path))
    row = found
    try:
        requests = v.opt_int(row.get("Request Count"), "Request Count",
                             maximum=_MAX_REQUESTS) or 0
        failures = v.opt_int(row.get("Failure Count"), "Failure Count",
                             maximum=_MAX_REQUESTS)
        rps = v.opt_float(row.get("Requests/s"), "Requests/s", maximum=1e9)
        p50 = _ms(row.get("50%", row.get("Median Response Time")), "50%")
        p95 = _ms(row.get("95%"), "95%")
        p99 = _ms(row.get("99%"), "99%")
    except MalformedRecord as exc:
        raise InputError(f"Aggregated row: {exc}", path=str(path)) from None
    duration = requests / rps if rps else None
    return LoadTestResult(
        source=f"{path}#Aggregated", tool="locust", requests=requests, failures=failures,
        failure_rate=(failures / requests) if requests and failures is not None else None,
        throughput_rps=rps, p50_ms=p50, p95_ms=p95, p99_ms=p99, duration_s=duration)


def _metric_values(metrics: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    metric = metrics.get(name)
    if not isinstance(metric, Mapping):
        return {}
    nested = metric.get("values")  # handleSummary shape
    return nested if isinstance(nested, Mapping) else metric


def k6_result(obj: Mapping[str, Any], source: str) -> LoadTestResult:
    """A k6 summary (export or handleSummary shape) as a LoadTestResult."""
    metrics = obj.get("metrics")
    if not isinstance(metrics, Mapping):
        raise MalformedRecord("k6 summary without metrics")
    reqs = _metric_values(metrics, "http_reqs")
    duration = _metric_values(metrics, "http_req_duration")
    failed = _metric_values(metrics, "http_req_failed")
    requests = v.opt_int(reqs.get("count"), "http_reqs.count", maximum=_MAX_REQUESTS) or 0
    rate = v.opt_float(reqs.get("rate"), "http_reqs.rate", maximum=1e9)
    failure_rate = failed.get("rate", failed.get("value"))
    failure_share = v.opt_float(failure_rate, "http_req_failed.rate", maximum=1.0)
    failures = round(failure_share * requests) if failure_share is not None else None
    run_ms = v.opt_float(
        v.dig(obj, "state", "testRunDurationMs"), "state.testRunDurationMs", maximum=1e12)
    duration_s = run_ms / 1000.0 if run_ms is not None else (
        requests / rate if rate else None)
    return LoadTestResult(
        source=source, tool="k6", requests=requests, failures=failures,
        failure_rate=failure_share, throughput_rps=rate,
        p50_ms=_ms(duration.get("med", duration.get("p(50)")), "http_req_duration.med"),
        p95_ms=_ms(duration.get("p(95)"), "http_req_duration.p(95)"),
        p99_ms=_ms(duration.get("p(99)"), "http_req_duration.p(99)"),
        duration_s=duration_s)
