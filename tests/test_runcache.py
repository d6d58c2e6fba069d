"""A whole run's results kept by every input: reused only when nothing they depend on changed."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from readiness import scan as scan_module
from readiness.model import Check, Gap, Severity, Status, check, failed
from readiness.report import json as json_report
from readiness.runcache import store_path
from readiness.scan import ScanOptions, scan
from tests.conftest import MakeProject
from tests.warm import age

APP = {
    "app.py": "from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(q):\n"
              "    return client.chat.completions.create(model='gpt-4o', messages=q)\n",
    "README.md": "# App\n",
}
DAY = datetime.date(2026, 11, 2)


class Runs:
    """Counts the runs whose checks really ran."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = scan_module.run_checks

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(scan_module, "run_checks", counting)


def options(root: Path, cache: Path, **more: Any) -> ScanOptions:
    return ScanOptions(root, cache_dir=cache, date=more.pop("date", DAY), jobs=1, **more)


def own_status(card: Any, name: str) -> Status:
    found = {r.name: r.observed or r.status for r in card.results}[name]
    assert isinstance(found, Status)
    return found


def as_json(card: Any) -> str:
    return json_report.render(card)


def test_unchanged_tree_gives_the_kept_results_without_running_checks(
        make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(APP)
    age(root)
    runs = Runs(monkeypatch)
    cold = scan(options(root, tmp_path / "cache"))
    warm = scan(options(root, tmp_path / "cache"))
    assert runs.count == 1
    assert as_json(warm) == as_json(cold)
    assert own_status(warm, "llm-timeouts") is Status.FAIL  # real findings, not empty


def test_any_input_that_changes_runs_the_checks_again(
        make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(APP)
    age(root)
    cache = tmp_path / "cache"
    runs = Runs(monkeypatch)
    first = scan(options(root, cache))
    # a file's content
    (root / "app.py").write_text(APP["app.py"].replace("OpenAI()", "OpenAI(timeout=20)"),
                                 encoding="utf-8")
    age(root)
    changed = scan(options(root, cache))
    assert runs.count == 2
    assert own_status(first, "llm-timeouts") is Status.FAIL
    assert own_status(changed, "llm-timeouts") is Status.PASS
    # another date, --only, the configuration, a new file
    scan(options(root, cache, date=DAY + datetime.timedelta(days=30)))
    scan(options(root, cache, only=("llm-timeouts",)))
    (root / "readiness.yaml").write_text("project: other\n", encoding="utf-8")
    age(root)
    renamed = scan(options(root, cache))
    assert renamed.project_name == "other"
    (root / "notes.txt").write_text("x\n", encoding="utf-8")
    age(root)
    scan(options(root, cache))
    assert runs.count == 6
    scan(options(root, cache, only=("llm-timeouts",)))
    assert runs.count == 7
    scan(options(root, cache))  # kept side by side: no new run for either
    scan(options(root, cache, only=("llm-timeouts",)))
    assert runs.count == 7


def test_file_written_in_the_instant_of_the_kept_run_is_not_trusted(
        make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(APP)  # not aged: mtimes are "now"
    runs = Runs(monkeypatch)
    scan(options(root, tmp_path / "cache"))
    scan(options(root, tmp_path / "cache"))
    assert runs.count == 2


def test_a_run_with_an_error_is_not_kept(make_project: MakeProject, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from checks.infrastructure import callsites

    root = make_project(APP)
    age(root)

    def raising(*_args: object, **_kwargs: object) -> Any:
        raise RuntimeError("boom")

    # built-in checks only (outside checks are never kept anyway): the four call-site
    # checks raise, and that alone keeps the run from being kept
    monkeypatch.setattr(callsites, "build_index", raising)
    runs = Runs(monkeypatch)
    card = scan(options(root, tmp_path / "cache"))
    assert "boom" in str(as_json(card))
    scan(options(root, tmp_path / "cache"))
    assert runs.count == 2
    assert not store_path(tmp_path / "cache", root.resolve()).exists()


def test_checks_from_outside_the_tool_are_never_kept(make_project: MakeProject,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(APP)
    age(root)

    @check(code="TST002", gap=Gap.QUALITY, title="Is it fine?", remediation="Fix it.",
           due_week=1, severity=Severity.MINOR)
    def outside_check(project: object, config: object) -> Any:
        return failed("not fine")

    assert isinstance(outside_check, Check)
    runs = Runs(monkeypatch)
    more = {"extra_checks": (outside_check,)}
    scan(options(root, tmp_path / "cache", **more))
    scan(options(root, tmp_path / "cache", **more))
    assert runs.count == 2


def test_corrupt_or_unwritable_store_is_only_a_miss(make_project: MakeProject,
                                                     tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(APP)
    age(root)
    cache = tmp_path / "cache"
    runs = Runs(monkeypatch)
    cold = scan(options(root, cache))
    store_path(cache, root.resolve()).write_bytes(b"\x00garbage")
    again = scan(options(root, cache))
    assert runs.count == 2
    assert as_json(again) == as_json(cold)
    target = store_path(cache, root.resolve())
    target.unlink()
    target.parent.rmdir()
    target.parent.write_text("a file where the folder should be\n", encoding="utf-8")
    assert as_json(scan(options(root, cache))) == as_json(cold)  # cannot keep: no error
    scan(options(root, cache))
    assert runs.count == 4
