"""Declarative checks written in YAML: a file must exist, a pattern must (not) appear, a config
key must be set. They run no code from the repository, so they need no consent flag.

    checks:
      - code: ACME001
        name: runbook-exists
        gap: infrastructure
        due_week: 6
        severity: major
        title: Is there an on-call runbook?
        remediation: Write docs/runbook.md with the on-call steps for the LLM service.
        rule: {file_exists: "docs/runbook*.md"}
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness import inputs, yamlsource
from readiness.errors import ConfigError
from readiness.model import (
    Check,
    Credit,
    Evidence,
    Finding,
    Gap,
    Severity,
    Status,
)

if TYPE_CHECKING:
    import regex

    from readiness.config import Config
    from readiness.project import Project

MAX_EVIDENCE = 20
_TEXT = {"type": "string", "minLength": 1}
_FILES = {"type": "object", "additionalProperties": False, "required": ["pattern"],
          "properties": {"pattern": _TEXT, "files": _TEXT}}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["checks"],
    "properties": {"checks": {"type": "array", "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "name", "gap", "due_week", "severity", "title", "remediation",
                     "rule"],
        "properties": {
            "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*[0-9]{3}$"},
            "name": {"type": "string", "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"},
            "gap": {"enum": [g.value for g in Gap]},
            "due_week": {"type": "integer", "minimum": 1, "maximum": 52},
            "severity": {"enum": [s.value for s in Severity]},
            "title": _TEXT,
            "remediation": _TEXT,
            "rationale": {"type": "string"},
            "credit": {"enum": [c.value for c in Credit]},
            "rule": {"type": "object", "minProperties": 1, "maxProperties": 1,
                     "additionalProperties": False, "properties": {
                         "file_exists": _TEXT,
                         "pattern_present": _FILES,
                         "pattern_absent": _FILES,
                         "config_set": _TEXT}},
        },
    }}},
}


def load_file(path: Path, display: str, within: Path | None = None) -> tuple[Check, ...]:
    """Parse one YAML check file into checks; errors name the file, line and column. A file
    of the repository (``within``) is not read through a link that leads out of it."""
    import jsonschema

    try:
        text = inputs.read_bytes(path, inputs.MAX_CONFIG_BYTES, within=within
                                 ).decode("utf-8-sig")
    except inputs.Refused as exc:
        raise ConfigError(f"cannot read YAML checks: {exc}", path=display) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read YAML checks: not UTF-8 text (byte {exc.start})",
                          path=display) from None
    doc = yamlsource.load(text, display)
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc.data),
                    key=lambda e: doc.where(tuple(e.absolute_path)) or (0, 0))
    if errors:
        from readiness.config import explain_error

        raise explain_error(doc, errors[0])
    checks = []
    for index, spec in enumerate(doc.data["checks"]):
        function = _rule(spec["rule"], spec.get("credit"), doc, ("checks", index, "rule"))
        checks.append(Check(
            code=spec["code"], name=spec["name"], gap=Gap(spec["gap"]), title=spec["title"],
            remediation=spec["remediation"], function=function, due_week=spec["due_week"],
            severity=Severity(spec["severity"]), rationale=spec.get("rationale", ""),
            source=f"yaml {display}",
        ))
    return tuple(checks)


def _rule(rule: dict[str, Any], credit: str | None, doc: yamlsource.Document,
          where: tuple[str | int, ...]) -> Callable[[Project, Config], Finding]:
    kind, arg = next(iter(rule.items()))
    strength = Credit(credit) if credit else None
    if kind == "file_exists":
        glob = str(arg)

        def file_exists(project: Project, config: Config) -> Finding:
            found = project.glob(glob)
            if found:
                return Finding(Status.PASS, f"found {found[0]}", (Evidence(found[0]),),
                               strength or Credit.DOCUMENTED)
            return Finding(Status.FAIL, f"no file matches {glob}")

        return file_exists
    if kind == "config_set":
        key = str(arg)

        def config_set(project: Project, config: Config) -> Finding:
            value = config.get(key)
            if value not in (None, "", [], {}):
                return Finding(Status.PASS, f"{key} is set", (), strength or Credit.DOCUMENTED)
            return Finding(Status.FAIL, f"{key} is not set in readiness.yaml")

        return config_set
    import regex  # patterns come from the repository: matched with a deadline (see _matches)

    try:
        pattern = regex.compile(arg["pattern"])
    except (regex.error, TypeError, ValueError, OverflowError) as exc:
        raise doc.error(where + (kind, "pattern"), f"invalid regular expression: {exc}") from None
    files = arg.get("files", "**/*")
    present = kind == "pattern_present"

    def pattern_rule(project: Project, config: Config) -> Finding:
        if not project.glob(files):
            return Finding(Status.NOT_APPLICABLE, f"no file matches {files}")
        hits = _matches(project, pattern, files,
                        float(config.get("thresholds.check_timeout_seconds", 60)))
        if present and hits:
            return Finding(Status.PASS, f"/{pattern.pattern}/ found in {hits[0]}",
                           tuple(hits[:MAX_EVIDENCE]), strength or Credit.ENFORCED)
        if present:
            return Finding(Status.FAIL, f"/{pattern.pattern}/ not found in {files}")
        if hits:
            return Finding(Status.FAIL, f"/{pattern.pattern}/ found {len(hits)} time(s)",
                           tuple(hits[:MAX_EVIDENCE]))
        return Finding(Status.PASS, f"/{pattern.pattern}/ absent from {files}", (),
                       strength or Credit.ENFORCED)

    return pattern_rule


def _matches(project: Project, pattern: regex.Pattern[str], files: str, seconds: float
             ) -> list[Evidence]:
    """Lines of ``files`` where ``pattern`` matches. A pattern from the repository may
    backtrack for ever: every search gets what is left of ``seconds`` (and lets the other
    checks run meanwhile); past it, TimeoutError makes the check an error."""
    deadline = time.monotonic() + seconds
    hits = []
    for rel in project.glob(files):
        for number, line in enumerate(project.lines(rel), 1):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"/{pattern.pattern}/ took longer than {seconds:g} s")
            try:
                found = pattern.search(line, concurrent=True, timeout=left)
            except TimeoutError:
                raise TimeoutError(f"/{pattern.pattern}/ took longer than {seconds:g} s "
                                   f"on {rel}:{number}") from None
            if found:
                hits.append(Evidence(rel, number))
    return hits
