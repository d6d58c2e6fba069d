"""Quality checks: the eval set and its results, their freshness against prompt changes,
and the feedback loop from users back into the eval set."""

from __future__ import annotations

from readiness.checks.quality import evals, feedback, freshness

CHECKS = (*evals.CHECKS, *freshness.CHECKS, *feedback.CHECKS)
