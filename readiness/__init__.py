"""readiness: a go/no-go scorecard for taking an LLM application from pilot to production."""

from __future__ import annotations

__version__ = "0.1.0"
