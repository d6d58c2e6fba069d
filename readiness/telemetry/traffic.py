"""When calls happened: a bounded per-minute histogram and the peak factor.

The histogram counts calls and tokens per minute; if it grows past ``max_buckets``
(timestamps spread over more than ~70 days, or hostile ones) it coarsens to hours,
then days, and if even days overflow it stops adding buckets. Memory is therefore
bounded whatever the input.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from readiness.telemetry.summary import DEFAULT_PEAK_FACTOR, MAX_PEAK_FACTOR, TrafficStats

MAX_BUCKETS = 100_000
_RESOLUTIONS = (60, 3600, 86400)  # seconds per bucket, finest first
_MIN_CALLS_FOR_PEAK = 100


class TrafficHistogram:
    """Calls and tokens per time bucket, with the pilot's first and last call."""

    def __init__(self, max_buckets: int = MAX_BUCKETS) -> None:
        self.max_buckets = max_buckets
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.timed = 0
        self.resolution = _RESOLUTIONS[0]
        self.buckets: dict[int, list[int]] = {}  # bucket -> [calls, tokens]

    def add(self, start: datetime, tokens: int) -> None:
        """Count one call that started at ``start`` and used ``tokens``."""
        self.timed += 1
        self.first = start if self.first is None or start < self.first else self.first
        self.last = start if self.last is None or start > self.last else self.last
        key = int(start.timestamp()) // self.resolution
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.max_buckets:
                self._coarsen()
                key = int(start.timestamp()) // self.resolution
                bucket = self.buckets.get(key)
            if bucket is None:
                if len(self.buckets) >= self.max_buckets:
                    return  # days over centuries: hostile input, stop tracking new ones
                bucket = self.buckets[key] = [0, 0]
        bucket[0] += 1
        bucket[1] += tokens

    def _coarsen(self) -> None:
        # Spread-out (or hostile) timestamps: trade resolution for bounded memory.
        position = _RESOLUTIONS.index(self.resolution)
        if position + 1 >= len(_RESOLUTIONS):
            return
        factor = _RESOLUTIONS[position + 1] // self.resolution
        self.resolution = _RESOLUTIONS[position + 1]
        coarse: dict[int, list[int]] = {}
        for key, (calls, tokens) in self.buckets.items():
            target = coarse.setdefault(key // factor, [0, 0])
            target[0] += calls
            target[1] += tokens
        self.buckets = coarse

    def stats(self) -> TrafficStats:
        """Span, peaks and the peak factor (see :mod:`readiness.telemetry.projection`)."""
        span_days = None
        if self.first is not None and self.last is not None:
            span_days = (self.last - self.first).total_seconds() / 86400
        hours: Counter[int] = Counter()
        hour_tokens: Counter[int] = Counter()
        if self.resolution <= 3600:
            per_hour = 3600 // self.resolution
            for key, (calls, tokens) in self.buckets.items():
                hours[key // per_hour] += calls
                hour_tokens[key // per_hour] += tokens
        peak_hour = max(hours.values()) if hours else None
        average = None
        factor, measured = DEFAULT_PEAK_FACTOR, False
        if span_days is not None and peak_hour is not None:
            average = self.timed / max(span_days * 24, 1.0)
            if span_days >= 1.0 and self.timed >= _MIN_CALLS_FOR_PEAK:
                factor = min(max(peak_hour / average, 1.0), MAX_PEAK_FACTOR)
                measured = True
        return TrafficStats(
            first_call=self.first.astimezone(UTC) if self.first else None,
            last_call=self.last.astimezone(UTC) if self.last else None,
            span_days=span_days, timed_calls=self.timed,
            peak_minute_calls=max((b[0] for b in self.buckets.values()), default=None)
            if self.resolution == 60 else None,
            peak_hour_calls=peak_hour, average_calls_per_hour=average,
            peak_factor=factor, peak_factor_measured=measured,
            peak_hour_tokens=max(hour_tokens.values()) if hour_tokens else None)
