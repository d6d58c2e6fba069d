"""`readiness evals FILE…`: accuracy by category with Wilson intervals, on its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def evals_text(files: tuple[Path, ...], fields: dict[str, Any], fmt: str) -> str:
    """Read ``files`` as one result set and render the per-category table or JSON."""
    from readiness.errors import ReadinessError
    from readiness.evals import EvalSource, read_eval_files, summarise
    from readiness.evals.evalset import mapping
    from readiness.evals.record import fields_from_flags

    if not files:
        raise ReadinessError("give one or more eval result files (see `readiness evals --help`)")
    field_map = mapping({"fields": {k: v for k, v in fields.items() if k != "threshold" and v},
                         "threshold": fields.get("threshold")})
    sources = [EvalSource(f, str(f), field_map) for f in files]
    with fields_from_flags():  # errors name --correct/--score, not readiness.yaml
        summary = summarise(read_eval_files(sources))
    if fmt == "json":
        data = summary.to_json()
        data["files"] = [str(f) for f in files]
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return _table(summary)


def _table(summary: Any) -> str:
    from readiness.evals.evalset import percent
    from readiness.report.terminal import clean

    def row(label: str, s: Any, mark: str = "") -> str:
        return (f"{clean(label)[:40]:<40} {s.n:>7} {s.passed:>7} {s.errors:>6} "
                f"{percent(s.accuracy):>8} {percent(s.wilson_low):>8}–{percent(s.wilson_high):<8}"
                f"{mark}")

    head = f"{'category':<40} {'n':>7} {'passed':>7} {'errors':>6} {'accuracy':>8} 95% CI"
    lines = [head, row("overall", summary.overall)]
    categories = sorted(summary.by_category.items())
    weakest = min(categories, key=lambda kv: (kv[1].accuracy or 0.0, kv[0]))[0] \
        if categories else None
    lines += [row(name, s, "  ◀ weakest" if name == weakest else "") for name, s in categories]
    if summary.uncategorised and categories:
        lines.append(f"({summary.uncategorised} examples without a category)")
    for name, flow in sorted(summary.by_workflow.items()):
        lines.append(row(f"workflow {name}", flow.overall))
    lines.append("files: " + ", ".join(clean(f) for f in summary.files))
    return "\n".join(lines) + "\n"
