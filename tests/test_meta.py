"""The check pack's own hygiene: metadata, docs, registration, tests and packaging."""

from __future__ import annotations

import tomllib
from pathlib import Path

from readiness.config import load_config
from readiness.model import DOC_HEADINGS
from readiness.registry import build, builtin_checks

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = {  # the stable names of DESIGN.md: the contract with users and tools
    "pilot-success-criteria", "timeline-realism", "llm-timeouts", "llm-retries",
    "llm-error-handling", "llm-output-validation", "request-logging", "cost-tracking",
    "monitoring", "alerting", "dead-letter-queue", "graceful-degradation", "rate-limiting",
    "budget-limits", "load-testing", "hardcoded-secrets", "cost-projection",
    "accuracy-thresholds", "eval-sample-size", "eval-edge-cases", "accuracy-meets-threshold",
    "accuracy-by-category", "eval-freshness", "feedback-loop", "user-training",
    "workflow-integration", "support-plan", "user-involvement", "incentives",
    "soft-launch-rollout", "adoption-metrics",
}

ADDED = {"service-levels"}  # checks beyond the design's catalogue


def test_builtin_checks_have_unique_codes_names_and_full_docs() -> None:
    registry = build([builtin_checks()])  # raises on any duplicate
    for item in registry.checks:
        for heading in DOC_HEADINGS:
            assert f"{heading}:" in item.rationale, f"{item.name}: missing '{heading}:'"
        assert item.title.endswith("?"), f"{item.name}: the title is a yes/no question"
        assert item.remediation.endswith("."), item.name


def test_base_profile_times_every_builtin_and_only_catalogue_names(tmp_path: Path) -> None:
    defaults = load_config(tmp_path).get("checks.defaults")
    assert set(defaults) >= CATALOGUE
    assert set(defaults) - CATALOGUE == ADDED
    for item in builtin_checks():
        assert item.name in defaults, f"{item.name} has no due week/severity in base.yaml"


def test_every_builtin_check_has_tests() -> None:
    text = "\n".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py"))
    for item in builtin_checks():
        function = item.function.__name__
        assert item.name in text or function in text, f"{item.name} has no test"


def test_every_checks_subpackage_is_packaged() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    for init in (REPO / "checks").rglob("__init__.py"):
        rel = init.parent.relative_to(REPO / "checks").parts
        assert ".".join(("readiness", "checks", *rel)) in listed, init
    for init in (REPO / "readiness").rglob("__init__.py"):
        rel = init.parent.relative_to(REPO).parts
        assert ".".join(rel) in listed, init
