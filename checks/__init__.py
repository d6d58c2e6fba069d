"""The built-in check pack, by gap. Each module lists its checks in a CHECKS tuple."""

from __future__ import annotations

from readiness.checks import adoption, feedback, freshness, infrastructure, quality, timeline

CHECKS = (*timeline.CHECKS, *infrastructure.CHECKS, *quality.CHECKS, *freshness.CHECKS,
          *feedback.CHECKS, *adoption.CHECKS)
