"""Evidence that code cannot show, pointed at from readiness.yaml and verified.

``evidence: {check-name: ...}`` may hold a path in the repository (verified to exist:
documented, half credit), a URL with an owner (documented), or a statement, which is a bare
claim: reported as such, never as a pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from readiness.config import looks_like_path
from readiness.model import Credit, Evidence, Finding, Status

if TYPE_CHECKING:
    from readiness.config import Config
    from readiness.project import Project


def from_config(project: Project, config: Config, check: str) -> Finding | None:
    """Judge ``evidence.<check>`` from readiness.yaml; None when nothing is configured."""
    value: Any = config.get("evidence", {}).get(check)
    if value is None:
        return None
    where = config.evidence(f"evidence.{check}")
    located = (where,) if where else ()
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            value = {"url": value}
        elif looks_like_path(value):
            value = {"path": value}
        else:
            value = {"note": value}
    path, url, owner = value.get("path"), value.get("url"), value.get("owner")
    if path:
        if project.exists(path):
            return Finding(Status.PASS, f"documented in {path} (pointed at by readiness.yaml)",
                           (Evidence(path.rstrip("/")), *located), Credit.DOCUMENTED)
        return Finding(Status.FAIL, f"evidence path {path} in readiness.yaml does not exist",
                       located)
    if url:
        if owner:
            return Finding(Status.PASS, f"{url} (owner {owner}), recorded in readiness.yaml",
                           located, Credit.DOCUMENTED)
        return Finding(Status.WARN, f"{url} is recorded without an owner: add "
                                    f"`owner:` so someone answers for it", located,
                       Credit.CLAIMED)
    note = value.get("note") or "(no detail)"
    return Finding(Status.WARN, f"claimed in readiness.yaml, without evidence: {note}",
                   located, Credit.CLAIMED)
