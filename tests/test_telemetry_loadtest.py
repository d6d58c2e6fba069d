"""Locust stats CSV and both k6 summary shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from readiness.errors import InputError
from readiness.telemetry.detect import Format, detect
from readiness.telemetry.reader import read_load_test, read_requests
from readiness.telemetry.record import LoadTestResult

DATA = Path(__file__).parent / "data" / "telemetry"


def test_locust_aggregated_row() -> None:
    path = DATA / "locust_stats.csv"
    assert detect(path).format is Format.LOCUST
    assert read_load_test(path) == LoadTestResult(
        source=f"{path}#Aggregated", tool="locust", requests=1200, failures=12,
        failure_rate=0.01, throughput_rps=4.0, p50_ms=2100.0, p95_ms=4200.0, p99_ms=6100.0,
        duration_s=300.0)


def test_k6_summary_export_shape() -> None:
    path = DATA / "k6_summary_export.json"
    assert read_load_test(path) == LoadTestResult(
        source=str(path), tool="k6", requests=3000, failures=30, failure_rate=0.01,
        throughput_rps=25.0, p50_ms=1500.0, p95_ms=4100.5, p99_ms=None, duration_s=120.0)


def test_k6_handle_summary_shape() -> None:
    path = DATA / "k6_handle_summary.json"
    result = read_load_test(path)
    assert (result.requests, result.failures, result.failure_rate) == (2400, 12, 0.005)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (800.0, 2000.0, 3500.0)
    assert result.duration_s == pytest.approx(120.0005)


def test_locust_without_aggregated_row(tmp_path: Path) -> None:
    lines = (DATA / "locust_stats.csv").read_text(encoding="utf-8").splitlines()[:2]
    path = tmp_path / "run_stats.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="no 'Aggregated' row"):
        read_load_test(path)


def test_locust_with_na_percentiles(tmp_path: Path) -> None:
    header = (DATA / "locust_stats.csv").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "run_stats.csv"
    path.write_text(header + '\n"","Aggregated",0,0,0,0,0,0,0,0,0,' + ",".join(["N/A"] * 11)
                    + "\n", encoding="utf-8")
    result = read_load_test(path)
    assert (result.requests, result.failure_rate, result.p95_ms) == (0, None, None)


def test_load_tests_are_not_request_telemetry_and_vice_versa() -> None:
    with pytest.raises(InputError, match="load-test result, not request telemetry"):
        read_requests(DATA / "k6_summary_export.json")
    with pytest.raises(InputError, match="not a load-test result"):
        read_load_test(DATA / "openai_chat.jsonl")


def test_k6_with_wrong_types(tmp_path: Path) -> None:
    path = tmp_path / "k6.json"
    path.write_text('{"metrics": {"http_reqs": {"count": "many", "rate": 1}}}', encoding="utf-8")
    with pytest.raises(InputError, match="http_reqs.count: expected an integer"):
        read_load_test(path)
