"""Infrastructure checks: the LLM call sites and the production plumbing around them."""

from __future__ import annotations

from readiness.checks.infrastructure import telemetry

CHECKS = (*telemetry.CHECKS,)
