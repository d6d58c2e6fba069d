"""`readiness list` and `readiness explain`: the checks, read from the registry that runs."""

from __future__ import annotations

import json
from pathlib import Path

from readiness.errors import ReadinessError


def _registry(root: Path, config_path: Path | None, allow_local: bool):  # type: ignore[no-untyped-def]
    from readiness.config import load_config
    from readiness.scan import assemble

    config = load_config(root, config_path=config_path)
    return config, assemble(config, allow_local=allow_local)


def list_text(root: Path, fmt: str, config_path: Path | None, allow_local: bool) -> str:
    config, registry = _registry(root, config_path, allow_local)
    rows = []
    for item in registry.checks:
        severity = config.severity(item.name, item.severity)
        rows.append({
            "code": item.code, "name": item.name, "gap": item.gap.value,
            "due_week": config.check_setting(item.name, "due_week", item.due_week),
            "severity": severity.value if severity else None,
            "title": item.title, "source": item.source,
        })
    if fmt == "json":
        return json.dumps(rows, indent=2, sort_keys=True) + "\n"
    lines = [f"{'code':<8} {'name':<26} {'gap':<15} {'due':<4} {'severity':<8} title"]
    for row in rows:
        lines.append(f"{row['code']:<8} {row['name']:<26} {row['gap']:<15} "
                     f"w{row['due_week']!s:<3} {row['severity']!s:<8} {row['title']}")
    return "\n".join(lines) + f"\n\n{len(rows)} checks. `readiness explain NAME` for details.\n"


def explain_text(ident: str, root: Path, config_path: Path | None) -> str:
    config, registry = _registry(root, config_path, False)
    item = registry.find(ident)
    if item is None:
        close = [c.name for c in registry.checks if ident.lower() in c.name]
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `readiness list`"
        raise ReadinessError(f"no check named {ident!r}{hint}")
    severity = config.severity(item.name, item.severity)
    due = config.check_setting(item.name, "due_week", item.due_week)
    head = (f"{item.code} {item.name}: {item.title}\n"
            f"gap: {item.gap.value} · due by week {due} · severity: "
            f"{severity.value if severity else '?'} · source: {item.source}\n")
    body = item.rationale.strip() or "(no rationale written)"
    return f"{head}\n{body}\n\nRemediation: {item.remediation}\n"
