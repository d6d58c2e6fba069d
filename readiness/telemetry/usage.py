"""Pilot telemetry for a run: the configured files summarised and projected, once.

The telemetry package reads and computes; this module only finds the files named by
``usage.telemetry`` / ``usage.load_tests``, maps config to projection inputs, and flattens
the figures for the scorecard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from readiness.config import Config
    from readiness.project import Project
    from readiness.telemetry.projection import Projection
    from readiness.telemetry.record import LoadTestResult
    from readiness.telemetry.summary import UsageSummary


class UsageReport(NamedTuple):
    summary: UsageSummary
    projection: Projection | None  # None without usage.volume
    load_tests: list[LoadTestResult]
    files: list[str]


class _Shown(type(Path())):  # type: ignore[misc]
    """A path opened by its absolute location but shown relative to the scanned root,
    so that reports name ``logs/x.jsonl:12``, never the scanning machine's folders."""

    _display = ""

    def __str__(self) -> str:
        return self._display or super().__str__()

    def __fspath__(self) -> str:
        return str(super().__str__())


def shown(root: Path, rel: str) -> Path:
    path = _Shown(root / rel)
    path._display = rel
    return path


def configured_files(project: Project, config: Config) -> dict[str, dict[str, str] | None]:
    """Telemetry and load-test files named in config (globs), in a stable order, each with
    the field mapping it is read through (``{path: ..., fields: {...}}`` entries), or None."""
    found: dict[str, dict[str, str] | None] = {}
    for entry in [*config.get("usage.telemetry", []), *config.get("usage.load_tests", [])]:
        pattern = entry["path"] if isinstance(entry, Mapping) else entry
        fields = dict(entry.get("fields") or {}) if isinstance(entry, Mapping) else None
        for rel in project.glob(pattern) or ([pattern] if project.exists(pattern) else []):
            if rel not in found:
                found[rel] = fields or None
    return found


def projection_usage(config: Config) -> dict[str, Any]:
    """The ``usage`` section shaped for the projection (cheaper_model as a routing what-if)."""
    usage = dict(config.get("usage", {}))
    cheaper = usage.get("cheaper_model")
    if cheaper:
        usage["what_if"] = {"route": {"model": cheaper["name"], "share": cheaper["share"]}}
    return usage


def build(paths: Sequence[Path], usage: Mapping[str, Any],
          fields: Mapping[str, Mapping[str, str]] | None = None) -> UsageReport:
    """Summarise ``paths`` and project them with the ``usage`` config (InputError on bad files).

    ``fields`` maps a path (as shown) to the field mapping it is read through.
    """
    from readiness.telemetry.aggregate import summarise_files
    from readiness.telemetry.mapped import check_fields
    from readiness.telemetry.pricing import Pricer, parse_price_overrides
    from readiness.telemetry.projection import inputs_from_config, project

    pricer = Pricer(parse_price_overrides(usage.get("prices") or {}))
    checked = {path: check_fields(mapping, path) for path, mapping in (fields or {}).items()}
    summary, load_tests = summarise_files(list(paths), pricer, checked)
    projection = None
    if usage.get("volume"):
        inputs = inputs_from_config(usage, pricer)
        projection = project(summary, inputs, load_tests[0] if load_tests else None)
    return UsageReport(summary, projection, load_tests, [str(p) for p in paths])


def for_project(project: Project, config: Config) -> UsageReport | None:
    """The run's usage report (computed once and shared), or None without telemetry files."""
    files = configured_files(project, config)
    if not files:
        _nothing_matched(config)
        return None
    mappings = {rel: fields for rel, fields in files.items() if fields}
    return project.shared("usage", lambda p: build([shown(p.root, f) for f in files],
                                                   projection_usage(config), mappings))


def flat(report: UsageReport) -> dict[str, Any]:
    """The headline figures as a flat mapping for the scorecard and its reports."""
    s = report.summary
    out: dict[str, Any] = {
        "files": ", ".join(report.files),
        "calls": s.calls,
        "error_rate": s.error_rate,
        "rate_limit_rate": s.rate_limit_rate,
        "timeout_rate": s.timeout_rate,
        "latency_p95_ms": s.latency_ms.p95 if s.latency_ms else None,
        "cost_total_usd": s.cost.total_usd,
        "cost_per_work_item_p50_usd": s.work_items.cost_usd.p50 if s.work_items.cost_usd else None,
        "cost_per_work_item_p95_usd": s.work_items.cost_usd.p95 if s.work_items.cost_usd else None,
        "unpriced_models": ", ".join(f"{m} ({n} calls)" for m, n in sorted(
            s.unpriced_models.items())) or None,
        "pricing": s.cost.pricing_catalog,
        "malformed_lines": s.malformed,
    }
    if report.projection is not None:
        for stage in report.projection.stages:
            if stage.daily_usd is not None:
                out[f"{stage.stage}_daily_usd_p50"] = round(stage.daily_usd.low, 2)
                out[f"{stage.stage}_daily_usd_p95"] = round(stage.daily_usd.high, 2)
            out[f"{stage.stage}_peak_calls_per_minute"] = round(stage.peak_calls_per_minute, 1)
        out["budget_daily_usd"] = report.projection.budget_daily_usd
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in out.items()
            if v is not None}


def _nothing_matched(config: Config) -> None:
    """A configured usage.telemetry pattern that matches no file is an error naming its
    readiness.yaml line, not "no telemetry configured" (a typo would otherwise hide)."""
    from readiness.errors import InputError

    patterns = [e.get("path") if isinstance(e, Mapping) else e
                for e in config.get("usage.telemetry", [])]
    if patterns:
        where = config.evidence("usage.telemetry.0")
        more = f" (nor do the other {len(patterns) - 1})" if len(patterns) > 1 else ""
        raise InputError(f"usage.telemetry {patterns[0]!r} matches no file in the "
                         f"repository{more}", path=where.path if where else None,
                         line=where.line if where else None)
