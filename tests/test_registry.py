from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from readiness.errors import ConfigError, RegistryError
from readiness.model import Finding, Gap, Severity, Status, check, passed
from readiness.registry import build, builtin_checks
from readiness.scan import ScanOptions, scan
from tests.conftest import MakeProject, write_files

DAY = datetime.date(2026, 11, 24)

PACK = '''
from readiness.model import Evidence, Finding, Gap, Severity, Status, check, failed, passed

@check(code="ACME001", gap=Gap.INFRASTRUCTURE, title="Has a Makefile?",
       remediation="Add a Makefile.", due_week=4, severity=Severity.MINOR)
def has_makefile(project, config):
    """What it checks:
    A Makefile exists."""
    if project.exists("Makefile"):
        return passed("Makefile found", Evidence("Makefile"))
    return failed("no Makefile")

CHECKS = [has_makefile]
'''


def install_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str = PACK,
                 name: str = "acme") -> None:
    site = tmp_path / "site"
    write_files(site, {
        f"{name}_checks.py": body,
        f"{name}_checks-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}-checks\n"
                                                  "Version: 1.0\n",
        f"{name}_checks-1.0.dist-info/entry_points.txt":
            f"[readiness.checks]\n{name} = {name}_checks:CHECKS\n",
    })
    monkeypatch.syspath_prepend(str(site))


def test_entry_point_pack_is_loaded_and_run(tmp_path: Path, make_project: MakeProject,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    install_pack(tmp_path, monkeypatch)
    root = make_project({"Makefile": "all:\n"})
    card = scan(ScanOptions(root=root, date=DAY, only=("has-makefile",)))
    (result,) = card.results
    assert (result.code, result.status, result.severity, result.due_week) == (
        "ACME001", Status.PASS, Severity.MINOR, 4)
    assert [str(e) for e in result.evidence] == ["Makefile"]


def test_pack_code_must_carry_its_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    install_pack(tmp_path, monkeypatch, PACK, name="other")
    from readiness.registry import entry_point_checks

    with pytest.raises(RegistryError, match="must start with the pack's prefix 'OTHER'"):
        entry_point_checks()


def test_broken_pack_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_pack(tmp_path, monkeypatch, "raise ImportError('missing dependency foo')\n",
                 name="broken")
    from readiness.registry import entry_point_checks

    with pytest.raises(RegistryError, match="cannot load check pack 'broken'.*missing dependency"):
        entry_point_checks()


@check(code="DUP001", gap=Gap.QUALITY, title="t?", remediation="r.", due_week=3,
       severity=Severity.MINOR)
def pilot_success_criteria(project: object, config: object) -> Finding:
    """Same name as a built-in."""
    return passed("x")


def test_duplicate_name_names_both_sources() -> None:
    import dataclasses

    clash = dataclasses.replace(pilot_success_criteria, source="pack dup")
    with pytest.raises(RegistryError, match="duplicate check name 'pilot-success-criteria': "
                                            "from built-in and from pack dup"):
        build([builtin_checks(), (clash,)])


LOCAL = '''
from readiness.model import Gap, Severity, check, failed

@check(code="LOC001", gap=Gap.ADOPTION, title="Local?", remediation="Fix.", due_week=2,
       severity=Severity.MAJOR)
def local_rule(project, config):
    """Always finds the marker file missing."""
    return failed("marker missing")

CHECKS = (local_rule,)
'''


def test_local_python_checks_need_the_flag(make_project: MakeProject) -> None:
    root = make_project({
        "readiness.yaml": "version: 1\nplugins: {local: my-checks}\n",
        "my-checks/rules.py": LOCAL,
    })
    without = scan(ScanOptions(root=root, date=DAY))
    assert "local-rule" not in {r.name for r in without.results}
    with_flag = scan(ScanOptions(root=root, date=DAY, allow_local_plugins=True))
    result = next(r for r in with_flag.results if r.name == "local-rule")
    assert result.status is Status.FAIL and result.message == "marker missing"


YAML_CHECKS = """\
checks:
  - code: TEAM001
    name: on-call-runbook
    gap: infrastructure
    due_week: 6
    severity: major
    title: Is there a runbook?
    remediation: Write one.
    rule: {file_exists: "docs/runbooks/*.md"}
  - code: TEAM002
    name: no-print
    gap: infrastructure
    due_week: 6
    severity: minor
    title: No print()?
    remediation: Use logging.
    rule: {pattern_absent: {pattern: "^\\\\s*print\\\\(", files: "app/**/*.py"}}
  - code: TEAM003
    name: uses-structlog
    gap: infrastructure
    due_week: 6
    severity: minor
    title: structlog?
    remediation: Use structlog.
    rule: {pattern_present: {pattern: "import structlog", files: "**/*.py"}}
  - code: TEAM004
    name: budget-set
    gap: infrastructure
    due_week: 6
    severity: minor
    title: Budget?
    remediation: Set usage.budget.daily_usd.
    rule: {config_set: usage.budget.daily_usd}
"""


def yaml_results(make_project: MakeProject, files: dict[str, str]) -> dict[str, Finding]:
    root = make_project({"readiness.yaml": "version: 1\nplugins: {yaml_checks: [rules/*.yaml]}\n"
                         + files.pop("readiness.extra", ""),
                         "rules/team.yaml": YAML_CHECKS, **files})
    card = scan(ScanOptions(root=root, date=DAY, only=("TEAM001", "TEAM002", "TEAM003",
                                                       "TEAM004")))
    return {r.name: r for r in card.results}  # type: ignore[misc]


def test_yaml_checks_fire(make_project: MakeProject) -> None:
    results = yaml_results(make_project, {
        "app/main.py": "import logging\n\ndef go():\n    print('debug')\n"})
    assert results["on-call-runbook"].status is Status.FAIL
    assert results["on-call-runbook"].message == "no file matches docs/runbooks/*.md"
    assert results["no-print"].status is Status.FAIL
    assert [str(e) for e in results["no-print"].evidence] == ["app/main.py:4"]
    assert results["uses-structlog"].status is Status.FAIL
    assert results["budget-set"].status is Status.FAIL


def test_yaml_checks_pass(make_project: MakeProject) -> None:
    results = yaml_results(make_project, {
        "readiness.extra": "usage: {budget: {daily_usd: 100}}\n",
        "docs/runbooks/llm.md": "# Runbook\n",
        "app/main.py": "import structlog\nlog = structlog.get_logger()\n"})
    assert {n: r.status for n, r in results.items()} == {
        "on-call-runbook": Status.PASS, "no-print": Status.PASS, "uses-structlog": Status.PASS,
        "budget-set": Status.PASS}
    assert [str(e) for e in results["uses-structlog"].evidence] == ["app/main.py:1"]


def test_bad_yaml_check_file_is_a_located_error(make_project: MakeProject) -> None:
    root = make_project({
        "readiness.yaml": "version: 1\nplugins: {yaml_checks: [rules.yaml]}\n",
        "rules.yaml": "checks:\n  - code: TEAM001\n    name: Bad Name\n",
    })
    with pytest.raises(ConfigError, match=r"rules.yaml:2:5: checks.0: missing required key 'gap'"):
        scan(ScanOptions(root=root, date=DAY))


def test_yaml_checks_glob_matching_nothing_is_an_error(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": "version: 1\nplugins: {yaml_checks: [nope/*.yaml]}\n"})
    with pytest.raises(ConfigError, match="no file matches 'nope/\\*.yaml'"):
        scan(ScanOptions(root=root, date=DAY))


def test_waiver_naming_unknown_check_is_a_config_error(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": (
        "version: 1\nchecks:\n  waivers:\n    - check: llm-timeout\n      reason: typo here\n"
        "      owner: Sam\n      expires: 2027-01-01\n")})
    with pytest.raises(ConfigError, match=r"readiness.yaml:4:7: checks.waivers.0.check: "
                                          r"unknown check 'llm-timeout'"):
        scan(ScanOptions(root=root, date=DAY))
