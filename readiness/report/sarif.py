"""SARIF 2.1.0 for code scanning: one rule per check, one result per piece of evidence.

GitHub code scanning rejects a result without a location, so a finding with no file of its
own is placed on the project's ``readiness.yaml``, where its waiver or evidence would be
declared. Waived findings are reported with an external suppression, so that they show as
dismissed instead of disappearing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from readiness.model import Evidence, Result, Scorecard, Severity, Status
from readiness.report.escape import md_text, one_line, visible_lines

SCHEMA_URI = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
              "sarif-schema-2.1.0.json")
CONFIG_FILE = "readiness.yaml"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "readinessFinding/v1"
REPORTED = frozenset({Status.FAIL, Status.WARN, Status.ERROR})
_DEFAULT_LEVEL = {Severity.BLOCKER: "error", Severity.MAJOR: "warning", Severity.MINOR: "note"}
# GitHub shows this property as the alert's severity.
_PROBLEM_SEVERITY = {Severity.BLOCKER: "error", Severity.MAJOR: "warning",
                     Severity.MINOR: "recommendation"}


def render(sc: Scorecard) -> str:
    """Render ``sc`` as a SARIF 2.1.0 log (JSON text, two-space indented)."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for r in sc.results:
        if r.code not in index:
            index[r.code] = len(rules)
            rules.append(_rule(r))
    results = [item for r in sc.results for item in _results(r, index[r.code])]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "readiness", "version": one_line(sc.tool_version),
                            "semanticVersion": one_line(sc.tool_version), "rules": rules}},
    }
    if sc.root.startswith("/"):
        run["originalUriBaseIds"] = {SRCROOT: {"uri": "file://" + uri(sc.root.rstrip("/") + "/")}}
    run["results"] = results
    run["properties"] = _run_properties(sc)
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    text = json.dumps(log, indent=2, ensure_ascii=False)
    # The same JSON, but a viewer that pastes a string into HTML cannot be handed markup.
    # These characters only occur inside strings, where the escapes mean the same.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def message(text: str) -> str:
    """Plain-text SARIF message: visible controls, and ``\\``, ``[`` and ``]`` escaped.

    SARIF reads ``[text](target)`` in a plain-text message as an embedded link (§3.11.6),
    so literal brackets from the repository must be escaped or a viewer may make a link.
    """
    text = visible_lines(text)
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def uri(path: str) -> str:
    """A relative path as a URI reference: every byte outside ``A-Za-z0-9_.-~/`` escaped.

    The colon is escaped too, so ``c:x`` cannot be read as a URI with a scheme.
    """
    try:
        raw = path.encode("utf-8", "surrogateescape")  # undecodable file-name bytes
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "surrogatepass")
    return quote(raw, safe="/")


def _level(r: Result) -> str:
    status = r.effective
    if status is Status.WARN:
        return "note"
    if status is Status.FAIL and r.severity is Severity.BLOCKER:
        return "error"
    return "warning"


def _rule(r: Result) -> dict[str, Any]:
    return {
        "id": one_line(r.code),
        "name": one_line(r.name),
        "shortDescription": {"text": message(one_line(r.title))},
        "fullDescription": {"text": message(f"{r.title} {r.remediation}")},
        "defaultConfiguration": {"level": _DEFAULT_LEVEL[r.severity]},
        "help": {"text": message(r.remediation), "markdown": md_text(r.remediation, None)},
        "properties": {
            "gap": r.gap.value,
            "severity": r.severity.value,
            "due_week": r.due_week,
            "tags": ["readiness", r.gap.value],
            "problem.severity": _PROBLEM_SEVERITY[r.severity],
        },
    }


def _results(r: Result, rule_index: int) -> list[dict[str, Any]]:
    waived = r.status is Status.WAIVED
    if r.status not in REPORTED and not (waived and r.effective in REPORTED | {Status.WAIVED}):
        return []
    located = [e for e in r.evidence if e.path.strip()]
    if not located:
        return [_result(r, rule_index, None, 0)]
    seen: dict[str, int] = {}
    out = []
    for ev in located:
        ordinal = seen.get(ev.path, 0)  # the nth finding of this check in this file
        seen[ev.path] = ordinal + 1
        out.append(_result(r, rule_index, ev, ordinal))
    return out


def _result(r: Result, rule_index: int, ev: Evidence | None, ordinal: int) -> dict[str, Any]:
    text = r.message + (f" ({ev.note})" if ev is not None and ev.note else "")
    if ev is None and r.evidence:  # evidence without a path still says something
        text += " (" + "; ".join(e.note for e in r.evidence if e.note) + ")"
    path = ev.path if ev is not None else CONFIG_FILE
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri(path), "uriBaseId": SRCROOT}}
    if ev is not None and ev.line is not None and ev.line >= 1:
        physical["region"] = {"startLine": ev.line}
    # Stable across runs: the check, the file and which of its findings in that file this
    # is; not the line, which moves whenever code above it changes.
    key = f"{r.code}\0{path}\0{ordinal}".encode("utf-8", "surrogatepass")
    out: dict[str, Any] = {
        "ruleId": one_line(r.code),
        "ruleIndex": rule_index,
        "level": _level(r),
        "message": {"text": message(text)},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: hashlib.sha256(key).hexdigest()[:32]},
        "properties": {"status": r.status.value, "due_week": r.due_week,
                       "overdue_weeks": r.overdue_weeks},
    }
    if r.status is Status.WAIVED and r.waiver is not None:
        w = r.waiver
        out["suppressions"] = [{
            "kind": "external",
            "status": "accepted",
            "justification": message(f"{w.reason} (owner: {w.owner}, expires "
                                     f"{w.expires.isoformat()})"),
        }]
    elif r.status is Status.WAIVED:
        out["suppressions"] = [{"kind": "external", "status": "accepted"}]
    return out


def _run_properties(sc: Scorecard) -> dict[str, Any]:
    return {
        "project": one_line(sc.project_name),
        "commit": one_line(sc.commit) if sc.commit else None,
        "dirty": sc.dirty,
        "date": sc.timeline.date.isoformat(),
        "week": sc.timeline.week,
        "phase": one_line(sc.timeline.phase) if sc.timeline.phase else None,
        "gate": one_line(sc.gate.name),
        "verdict": sc.verdict.value,
        "reasons": [one_line(r) for r in sc.reasons],
        "scores": {k: sc.scores[k] for k in sorted(sc.scores)},
        "waivers": [{"check": one_line(w.check), "owner": one_line(w.owner),
                     "expires": w.expires.isoformat(), "reason": one_line(w.reason)}
                    for w in sc.waivers],
    }
