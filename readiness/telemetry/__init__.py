"""Pilot telemetry: read request logs and traces, summarise them, project to production.

The public entry points:

* :func:`~readiness.telemetry.detect.detect` recognises a file's format;
* :func:`~readiness.telemetry.reader.read_requests` streams its model calls as
  :class:`~readiness.telemetry.record.RequestRecord` (or ``Malformed`` entries);
* :func:`~readiness.telemetry.reader.read_load_test` reads a Locust or k6 result;
* :func:`~readiness.telemetry.aggregate.summarise_files` does both for a list of
  files and returns a :class:`~readiness.telemetry.summary.UsageSummary`;
* :func:`~readiness.telemetry.projection.project` scales the summary to production.

Nothing here imports a heavy library at import time; genai-prices is loaded only
when a call needs catalog pricing.
"""

from __future__ import annotations
