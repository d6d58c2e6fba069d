"""The built-in check pack, one package per gap (and the timeline checks). Each package
lists its checks in a CHECKS tuple, in catalogue order."""

from __future__ import annotations

from readiness.checks import adoption, infrastructure, quality, timeline

CHECKS = (*timeline.CHECKS, *infrastructure.CHECKS, *quality.CHECKS, *adoption.CHECKS)
