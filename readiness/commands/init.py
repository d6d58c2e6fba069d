"""`readiness init`: write a commented starter readiness.yaml from templates/starters."""

from __future__ import annotations

import datetime
import string
from importlib import resources
from pathlib import Path

from readiness.errors import ReadinessError
from readiness.report import write_atomic

STARTERS = ("extraction", "assistant", "triage")


def starter_text(template: str, project: str, pilot_start: datetime.date) -> str:
    """The starter's text with the project name and dates filled in."""
    if template not in STARTERS:
        raise ReadinessError(f"unknown starter {template!r}; choose one of {', '.join(STARTERS)}")
    raw = resources.files("readiness.templates.starters").joinpath(f"{template}.yaml")
    soft = pilot_start + datetime.timedelta(weeks=12)
    full = pilot_start + datetime.timedelta(weeks=15)
    return string.Template(raw.read_text("utf-8")).safe_substitute(
        project=_yaml_string(project), pilot_start=pilot_start.isoformat(),
        soft_launch=soft.isoformat(), full_launch=full.isoformat(),
    )


def _yaml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def write_starter(folder: Path, template: str, *, force: bool,
                  pilot_start: datetime.date | None) -> Path:
    """Write ``folder/readiness.yaml``; never overwrite without ``force``."""
    if not folder.is_dir():
        raise ReadinessError(f"{folder}: not a folder")
    target = folder / "readiness.yaml"
    if target.exists() and not force:
        raise ReadinessError("readiness.yaml already exists; use --force to overwrite it",
                             path=str(target))
    today = datetime.date.today()
    start = pilot_start or today - datetime.timedelta(days=today.weekday())
    write_atomic(target, starter_text(template, folder.resolve().name, start))
    return target
