"""`readiness usage FILE…`: pilot telemetry summarised and projected, on its own."""

from __future__ import annotations

import json
from pathlib import Path

from readiness.errors import ReadinessError


def usage_text(files: tuple[Path, ...], config_path: Path | None, fmt: str,
               field_options: tuple[str, ...] = ()) -> str:
    from readiness.config import load_config
    from readiness.telemetry import usage
    from readiness.telemetry.mapped import parse_field_options

    if not files:
        raise ReadinessError("give one or more telemetry files (see `readiness usage --help`)")
    fields = parse_field_options(field_options) if field_options else None
    root = Path(".").resolve()
    config = load_config(root, config_path=config_path)
    mappings = {str(path): fields for path in files} if fields else None
    report = usage.build(list(files), usage.projection_usage(config), mappings)
    if fmt == "json":
        data = {"summary": report.summary.to_dict(),
                "projection": json.loads(report.projection.to_json())
                if report.projection else None,
                "load_tests": [t._asdict() for t in report.load_tests]}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return _terminal(report)


def _terminal(report: object) -> str:
    from readiness.report.terminal import clean
    from readiness.telemetry.usage import UsageReport, flat

    assert isinstance(report, UsageReport)
    lines = [f"{clean(k):<34} {clean(v)}" for k, v in flat(report).items()]
    s = report.summary
    if s.outcomes:
        lines.append("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(s.outcomes.items())))
    for model, m in sorted(s.models.items()):
        p95 = f", p95 {m.latency_ms.p95:,.0f} ms" if m.latency_ms and m.latency_ms.p95 else ""
        lines.append(f"model {clean(model)}: {m.calls} calls, {m.errors} errors, "
                     f"${m.cost_usd:,.4f}{p95}")
    if report.projection is not None:
        for stage in report.projection.stages:
            cost = stage.daily_usd
            span = (f"${cost.low:,.2f}–${cost.high:,.2f}/day (expected ${cost.expected:,.2f})"
                    if cost else "cost unknown")
            budget = {True: " ✓ within budget", False: " ✗ over budget", None: ""}[
                stage.within_budget]
            lines.append(f"{stage.stage.replace('_', ' '):<12} {stage.work_items_per_day:>9,.0f}"
                         f" items/day  {span}{budget}  peak {stage.peak_calls_per_minute:,.0f}"
                         " calls/min")
            for what in stage.what_ifs:
                if what.daily_usd is not None:
                    lines.append(f"    what if {what.name}: ${what.daily_usd.expected:,.2f}/day"
                                 f" ({clean(what.description)})")
        lines += [f"assumption: {a}" for a in report.projection.assumptions]
    for example in s.malformed_examples:
        lines.append(f"malformed: {clean(example.location)}: {clean(example.reason)}")
    return "\n".join(lines) + "\n"
