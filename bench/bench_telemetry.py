"""Benchmark: read and summarise 100k, 300k and 1M request records.

Writes synthetic but real-shaped telemetry to a temporary directory, in two formats:
JSON Lines of OpenAI chat completions (one response per line) and OTLP/JSON lines as
the Collector file exporter writes them (one ExportTraceServiceRequest of 50 spans
per line). Each file is then read and summarised, with catalog pricing, in a fresh
subprocess that reports wall time, peak RSS and the RSS before reading (the
interpreter and imports), so the difference shows what reading costs in memory.

Usage::

    python bench/bench_telemetry.py                  # 100k, 300k, 1M
    python bench/bench_telemetry.py --sizes 10000    # a quick run
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
SPAN_DAYS = 14
SPANS_PER_LINE = 50
MODELS = (("gpt-4o-2024-08-06", "gpt-4o"), ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"))


def _calls(count: int, seed: int = 7) -> Iterator[tuple[int, int, str, str, int, int, int, float]]:
    """(index, start seconds, model, requested, input, cached, output, duration_ms)."""
    rng = random.Random(seed)
    for index in range(count):
        start = T0 + int(index * SPAN_DAYS * 86400 / count)
        model, requested = MODELS[index % 5 == 0]
        prompt = rng.randint(200, 6000)
        cached = (prompt // 1024) * 1024 if rng.random() < 0.4 else 0
        yield (index, start, model, requested, prompt, cached, rng.randint(20, 800),
               rng.lognormvariate(7.0, 0.6))


def write_openai(path: Path, count: int) -> None:
    """One OpenAI chat.completion object per line."""
    with path.open("w", encoding="utf-8") as handle:
        for index, start, model, _, prompt, cached, output, _ in _calls(count):
            handle.write(json.dumps({
                "id": f"chatcmpl-{index:012d}", "object": "chat.completion", "created": start,
                "model": model, "metadata": {"document_id": f"doc-{index // 3}"},
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": output,
                          "total_tokens": prompt + output,
                          "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                          "completion_tokens_details": {"reasoning_tokens": 0}},
                "service_tier": "default", "system_fingerprint": "fp_50cad350e4",
            }, separators=(",", ":")) + "\n")


def _attr(key: str, value: object) -> dict[str, object]:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, list):
        return {"key": key, "value": {"arrayValue": {"values": [
            {"stringValue": v} for v in value]}}}
    return {"key": key, "value": {"stringValue": value}}


def write_otlp(path: Path, count: int) -> None:
    """OTLP/JSON export requests, SPANS_PER_LINE model-call spans per line."""
    resource_attrs = [_attr("service.name", "invoice-extractor")]
    batch: list[dict[str, object]] = []
    with path.open("w", encoding="utf-8") as handle:
        def flush() -> None:
            doc = {"resourceSpans": [{"resource": {"attributes": resource_attrs},
                                      "scopeSpans": [{"scope": {"name": "openai"},
                                                      "spans": batch}]}]}
            handle.write(json.dumps(doc, separators=(",", ":")) + "\n")
            batch.clear()

        for index, start, model, requested, prompt, cached, output, duration in _calls(count):
            start_ns = start * 1_000_000_000
            batch.append({
                "traceId": f"{index // 3:032x}", "spanId": f"{index + 1:016x}",
                "name": f"chat {requested}", "kind": 3,
                "startTimeUnixNano": str(start_ns),
                "endTimeUnixNano": str(start_ns + int(duration * 1e6)),
                "attributes": [
                    _attr("gen_ai.operation.name", "chat"),
                    _attr("gen_ai.provider.name", "openai"),
                    _attr("gen_ai.request.model", requested),
                    _attr("gen_ai.response.model", model),
                    _attr("gen_ai.response.id", f"chatcmpl-{index:012d}"),
                    _attr("gen_ai.usage.input_tokens", prompt),
                    _attr("gen_ai.usage.cache_read.input_tokens", cached),
                    _attr("gen_ai.usage.output_tokens", output),
                    _attr("gen_ai.response.finish_reasons", ["stop"]),
                ],
                "status": {"code": 1},
            })
            if len(batch) == SPANS_PER_LINE:
                flush()
        if batch:
            flush()


def _rss_mib() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: Path) -> None:
    """Run in a fresh process: read + summarise ``path``, print one JSON line."""
    from readiness.telemetry.aggregate import summarise_files
    from readiness.telemetry.pricing import Pricer

    pricer = Pricer()
    baseline = _rss_mib()
    started = time.perf_counter()
    summary, _ = summarise_files([path], pricer)
    elapsed = time.perf_counter() - started
    print(json.dumps({
        "calls": summary.calls, "malformed": summary.malformed, "seconds": round(elapsed, 2),
        "baseline_rss_mib": round(baseline, 1), "peak_rss_mib": round(_rss_mib(), 1),
        "work_items": summary.work_items.count, "sampled": summary.work_items.sampled,
        "cost_usd": round(summary.cost.total_usd, 2),
        "latency_p95_ms": summary.latency_ms.p95 if summary.latency_ms else None,
    }))


def main(argv: list[str] | None = None) -> int:
    """Write the files, measure each in a fresh subprocess, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        measure(args.measure)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-telemetry-") as tmp:
        for kind, writer in (("openai-jsonl", write_openai), ("otlp-jsonl", write_otlp)):
            for size in sizes:
                path = Path(tmp) / f"{kind}-{size}.jsonl"
                writer(path, size)
                megabytes = path.stat().st_size / 2**20
                output = subprocess.run(
                    [sys.executable, __file__, "--measure", str(path)], check=True,
                    capture_output=True, text=True).stdout
                result = json.loads(output.strip().splitlines()[-1])
                rows.append((kind, size, megabytes, result))
                path.unlink()
                print(f"{kind:13} {size:>9,} records {megabytes:7.1f} MiB  "
                      f"{result['seconds']:7.2f} s  {size / result['seconds']:>9,.0f} rec/s  "
                      f"RSS {result['baseline_rss_mib']:6.1f} -> {result['peak_rss_mib']:6.1f} MiB"
                      f"  (+{result['peak_rss_mib'] - result['baseline_rss_mib']:.1f})",
                      flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
