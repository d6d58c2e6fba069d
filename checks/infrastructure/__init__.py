"""Infrastructure checks: the LLM call sites and the production plumbing around them."""

from __future__ import annotations

from readiness.checks.infrastructure import (
    callsites,
    observability,
    resilience,
    secrets,
    spend,
    telemetry,
)

CHECKS = (*callsites.CHECKS, *observability.CHECKS, *resilience.CHECKS, *spend.CHECKS,
          *secrets.CHECKS, *telemetry.CHECKS)
