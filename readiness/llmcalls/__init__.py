"""The LLM call-site index: where a project calls a model, and what protects each call.

Shared by the infrastructure checks (timeouts, retries, error handling, output validation,
graceful degradation). Static only: the scanned code is parsed, never imported or run.
"""

from __future__ import annotations

from readiness.llmcalls.index import build_index
from readiness.llmcalls.reach import ANALYZER_VERSION
from readiness.llmcalls.records import CallSite, CallSiteIndex, Construction, Protection

__all__ = ["ANALYZER_VERSION", "CallSite", "CallSiteIndex", "Construction", "Protection",
           "build_index"]
