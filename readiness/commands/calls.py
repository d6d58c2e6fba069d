"""`readiness calls [PATH]`: the inventory of model calls and model objects the per-call
checks judge, so that people can read (and argue with) the scanner's judgement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from readiness.llmcalls.records import CallSite, CallSiteIndex, Construction, Protection

PROTECTIONS = ("timeout", "retry", "error_handling", "output_validation", "fallback")


def calls_text(path: Path, config_path: Path | None, fmt: str, jobs: int | None) -> str:
    from readiness.config import load_config
    from readiness.llmcalls import build_index
    from readiness.project import Project

    root = path.resolve()
    config = load_config(root, config_path=config_path)
    project = Project(root, exclude=config.get("exclude", []), use_git=True, jobs=jobs)
    index = build_index(project, jobs=jobs)
    return json_text(index) if fmt == "json" else terminal_text(index)


def to_data(index: CallSiteIndex) -> dict[str, Any]:
    """The inventory as plain data (the JSON form, documented in the README)."""
    return {
        "calls": [_call(c) for c in index.calls],
        "model_objects": [_built(b) for b in index.constructions],
        "files": {"python": index.files_total, "analysed": index.files_analysed,
                  "unparsable": list(index.unparsable)},
    }


def json_text(index: CallSiteIndex) -> str:
    return json.dumps(to_data(index), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _protection(found: Protection | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"path": found.path, "line": found.line, "how": found.how,
            "strength": found.strength}


def _call(call: CallSite) -> dict[str, Any]:
    return {
        "path": call.path, "line": call.line, "provider": call.provider, "api": call.api,
        "purpose": call.purpose, "production": call.production, "context": call.context,
        "function": call.function, "client": call.client,
        "protections": {name: _protection(getattr(call, name)) for name in PROTECTIONS},
    }


def _built(built: Construction) -> dict[str, Any]:
    return {"path": built.path, "line": built.line, "provider": built.provider,
            "label": built.label, "production": built.production, "context": built.context,
            "protections": {"timeout": _protection(built.timeout),
                            "retry": _protection(built.retry)}}


def terminal_text(index: CallSiteIndex) -> str:
    from readiness.report.terminal import clean

    lines: list[str] = []
    judged = [c for c in index.calls if c.production and c.purpose == "generation"]
    lines.append(f"{len(index.calls)} model calls in {index.files_analysed} of "
                 f"{index.files_total} Python files analysed; {len(judged)} production "
                 "generation calls are judged by the per-call checks")
    for call in index.calls:
        where = f"{call.path}:{call.line}"
        scope = "" if call.production else f" [{call.context}, not judged]"
        purpose = "" if call.purpose == "generation" else f" [{call.purpose}, not judged]"
        inside = f" in {call.function}()" if call.function else ""
        lines.append(f"\n{clean(where)}  {call.provider} {clean(call.api)}{clean(inside)}"
                     f"{scope}{purpose}")
        if call.client:
            lines.append(f"    client built at {clean(call.client)}")
        for name in PROTECTIONS:
            found: Protection | None = getattr(call, name)
            shown = clean(found.how) if found else "—"
            if found is not None and found.strength != "explicit":
                shown += f" ({found.strength})"
            lines.append(f"    {name.replace('_', ' '):<18} {shown}")
    if index.constructions:
        lines.append(f"\n{len(index.constructions)} model objects built:")
        for built in index.constructions:
            scope = "" if built.production else f" [{built.context}]"
            timeout = "timeout" if built.timeout else "no timeout"
            retry = ("no retry" if built.retry is None else
                     "retry" if built.retry.strength == "explicit" else "SDK default retry")
            lines.append(f"  {clean(built.path)}:{built.line}  {built.provider} "
                         f"{clean(built.label)}{scope}: {timeout}, {retry}")
    if index.unparsable:
        lines.append("\nnot parsed (syntax errors or Python 2): "
                     + ", ".join(clean(p) for p in index.unparsable))
    return "\n".join(lines) + "\n"
