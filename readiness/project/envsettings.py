"""Environment variables given a value: in .env files, Dockerfiles, compose files, manifests
(Kubernetes ``env`` lists) and code."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from readiness.model import Evidence
from readiness.project.configfiles import config_index, scalar_text
from readiness.project.signals import search
from readiness.project.sourcetext import ANY

if TYPE_CHECKING:
    from readiness.project import Project


class Setting(NamedTuple):
    """An environment variable set somewhere: .env, Dockerfile, compose, a manifest, code."""

    path: str
    line: int
    name: str
    value: str

    def evidence(self, note: str = "") -> Evidence:
        return Evidence(self.path, self.line, note)


def env_settings(project: Project, *names: str) -> list[Setting]:
    """Where any of these environment variables is given a value, in file order."""
    alternatives = "|".join(re.escape(n) for n in names)
    assign = re.compile(rf"""\b({alternatives})\b["']?\]?\s*(?:[=:]|,)\s*["']?([^"'\s,}}\]#]*)""")
    found = [Setting(h.path, h.line, *_split_setting(assign, h.text))
             for h in search(project, assign, langs=ANY, anchors=names)]
    index = config_index(project)
    for entry in index.find("name", re.compile(rf"^(?:{alternatives})$")):  # k8s env lists
        value = index.child(entry, "value")
        if value is not None:
            found.append(Setting(entry.path, entry.line, str(entry.value),
                                 scalar_text(value.value)))
    return sorted(set(found))


def _split_setting(assign: re.Pattern[str], text: str) -> tuple[str, str]:
    match = assign.match(text)
    return (match.group(1), match.group(2)) if match else (text, "")


def truthy(value: str) -> bool:
    return value.strip().strip("\"'").lower() in ("true", "1", "yes", "on")
