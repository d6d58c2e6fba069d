"""Evidence that code cannot show, pointed at from readiness.yaml and verified.

``evidence: {check-name: ...}`` may hold a path in the repository (verified to exist:
documented, half credit), a URL with an owner (documented), or a statement, which is a bare
claim: reported as such, never as a pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from readiness.config import looks_like_path
from readiness.model import Credit, Evidence, Finding, Status

if TYPE_CHECKING:
    from readiness.config import Config
    from readiness.project import Project


class Reference(NamedTuple):
    """What a piece of config evidence points at, and how much it is worth."""

    kind: str  # "path", "url" or "note"
    text: str
    owner: str | None
    credit: Credit | None  # None: a path that does not exist


def reference(project: Project, value: Any) -> Reference | None:
    """Classify a config value as evidence: a path in the repository (documented if it
    exists), a URL (documented with an owner, else a claim) or a statement (a claim)."""
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            value = {"url": value}
        elif looks_like_path(value):
            value = {"path": value}
        else:
            value = {"note": value}
    if not isinstance(value, dict):
        return None
    owner = value.get("owner")
    if value.get("path"):
        path = str(value["path"])
        return Reference("path", path, owner, Credit.DOCUMENTED if project.exists(path) else None)
    if value.get("url"):
        return Reference("url", str(value["url"]), owner,
                         Credit.DOCUMENTED if owner else Credit.CLAIMED)
    return Reference("note", str(value.get("note") or ""), owner, Credit.CLAIMED)


def from_config(project: Project, config: Config, check: str) -> Finding | None:
    """Judge ``evidence.<check>`` from readiness.yaml; None when nothing is configured."""
    ref = reference(project, config.get("evidence", {}).get(check))
    if ref is None:
        return None
    where = config.evidence(f"evidence.{check}")
    located = (where,) if where else ()
    if ref.kind == "path":
        if ref.credit is not None:
            return Finding(Status.PASS, f"documented in {ref.text} (pointed at by readiness.yaml)",
                           (Evidence(ref.text.rstrip("/")), *located), Credit.DOCUMENTED)
        return Finding(Status.FAIL, f"evidence path {ref.text} in readiness.yaml does not exist",
                       located)
    if ref.kind == "url":
        if ref.owner:
            return Finding(Status.PASS, f"{ref.text} (owner {ref.owner}), recorded in "
                                        "readiness.yaml", located, Credit.DOCUMENTED)
        return Finding(Status.WARN, f"{ref.text} is recorded without an owner: add "
                                    f"`owner:` so someone answers for it", located,
                       Credit.CLAIMED)
    return Finding(Status.WARN, f"claimed in readiness.yaml, without evidence: "
                                f"{ref.text or '(no detail)'}", located, Credit.CLAIMED)
