"""The real-code corpus: published LLM applications, judged against hand-checked expectations.

``python scripts/corpus.py fetch`` puts the pinned apps of ``tests/corpus/manifest.yaml`` in
``$READINESS_CORPUS`` (default ``~/.cache/readiness/corpus``); without them these tests skip.
``tests/corpus/expect/<name>.yaml`` holds, for each app, what a person found by reading its
code: the production generation calls (``path:line``), the client constructions, the sites
that must never decide the per-call checks, and the statuses that are certain.

Each (app, assertion) that today's analysis gets wrong is listed under ``known_gaps`` in
the app's file with what it misses, and runs as a strict xfail: the suite is green now and
turns red (XPASS) when the analysis improves, so the entry must then be removed. The
assertions are:

* ``has-calls``  - an app that calls models has a call site outside ``must_not_count``;
* ``recall``     - every expected generation call is a call site at that path and line;
* ``excluded``   - no ``must_not_count`` site is a call site;
* ``applicable`` - the four per-call checks are not ``not-applicable``;
* ``status:<check>`` - the check has the status recorded under ``expected`` (a per-call
  check, or one of ``OTHER_CHECKS``);
* ``not-cited``  - no evidence of a check cites a ``path:line`` listed for it under
  ``not_cited`` (what a reviewer found wrong in a finding once: a string taken for code, a
  write of something else taken for the store).

The tests for the fetch script's safe extraction need no corpus and always run.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import tarfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
PER_CALL_CHECKS = ("llm-timeouts", "llm-retries", "llm-error-handling", "llm-output-validation")
# checks beyond the per-call ones whose status an expectation file may record
OTHER_CHECKS = ("hardcoded-secrets", "workflow-integration", "rate-limiting",
                "graceful-degradation", "feedback-loop", "user-involvement",
                "request-logging", "cost-tracking")
STATUSES = {"pass", "fail", "warn", "not-applicable"}
ASSERTIONS = {"has-calls", "recall", "excluded", "applicable",
              *(f"status:{name}" for name in (*PER_CALL_CHECKS, *OTHER_CHECKS))}
SKIP_REASON = "real-code corpus not downloaded: run python scripts/corpus.py fetch"


def _load_script() -> Any:
    spec = importlib.util.spec_from_file_location("corpus_script",
                                                  HERE.parent / "scripts" / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _load_script()
APPS = {app.name: app for app in script.load_manifest()}
EXPECT = {name: yaml.safe_load((CORPUS / "expect" / f"{name}.yaml").read_text("utf-8"))
          for name in APPS}


def _sites(entries: list[dict[str, Any]]) -> set[tuple[str, int]]:
    out = set()
    for entry in entries:
        path, _, line = entry["at"].rpartition(":")
        out.add((path, int(line)))
    return out


def expected_calls(name: str) -> set[tuple[str, int]]:
    return _sites(EXPECT[name].get("generation_calls", {}).get("sites", []))


def excluded_sites(name: str) -> set[tuple[str, int]]:
    return _sites(EXPECT[name].get("must_not_count", []))


def cases(assertion: str, names: list[str] | None = None) -> list[Any]:
    """One parameter per app, a strict xfail where the app's file names the gap."""
    out = []
    for name in names if names is not None else list(APPS):
        gap = (EXPECT[name].get("known_gaps") or {}).get(assertion)
        marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


# --- the corpus on disk, and what today's analysis makes of it ---------------------------

def app_root(name: str) -> Path:
    """The unpacked app (its scan root), or skip."""
    root = script.corpus_root()
    if not script.is_fetched(APPS[name], root):
        pytest.skip(SKIP_REASON)
    return script.app_folder(APPS[name], root)


@cache
def call_sites(name: str) -> frozenset[tuple[str, int]]:
    from readiness.llmcalls.index import build_index
    from readiness.project import Project

    index = build_index(Project(app_root(name), use_git=False), jobs=1)
    # the judged calls: tests, evals, examples and embeddings stay in the inventory
    # (``readiness calls``) but never decide a check
    return frozenset((site.path, site.line) for site in index.calls
                     if site.production and site.purpose == "generation")


def expected(name: str) -> dict[str, str]:
    """The statuses an app's expectation file records, by check."""
    return EXPECT[name].get("expected") or {}


def not_cited(name: str) -> dict[str, list[str]]:
    """The ``path:line`` each check's evidence must not cite, by check."""
    return EXPECT[name].get("not_cited") or {}


@cache
def results(name: str) -> dict[str, dict[str, Any]]:
    """The JSON result of each check the app's file asserts something of, by check."""
    from readiness.cli import main as cli

    recorded = {*expected(name), *not_cited(name)}
    result = CliRunner().invoke(cli, [
        "check", str(app_root(name)), "-f", "json", "--no-cache", "--date", "2026-11-24",
        "--fail-on", "never", "--only",
        ",".join([*PER_CALL_CHECKS, *(c for c in OTHER_CHECKS if c in recorded)])])
    assert result.exit_code == 0, result.output
    return {r["name"]: r for r in json.loads(result.stdout)["results"]}


def statuses(name: str) -> dict[str, str]:
    return {check: result["status"] for check, result in results(name).items()}


def _show(sites: set[tuple[str, int]]) -> str:
    return ", ".join(f"{path}:{line}" for path, line in sorted(sites))


# --- the assertions -------------------------------------------------------------------

@pytest.mark.parametrize("name", cases("has-calls", [n for n in APPS
                                                     if EXPECT[n]["has_model_calls"]]))
def test_has_calls(name: str) -> None:
    found = call_sites(name) - excluded_sites(name)
    assert found, f"{name}: no call site outside must_not_count (\"no LLM calls\")"


@pytest.mark.parametrize("name", cases("recall"))
def test_recall(name: str) -> None:
    missing = expected_calls(name) - call_sites(name)
    assert not missing, f"{name}: generation calls not found: {_show(missing)}"


@pytest.mark.parametrize("name", cases("excluded"))
def test_excluded(name: str) -> None:
    counted = excluded_sites(name) & call_sites(name)
    assert not counted, f"{name}: must-not-count sites taken as call sites: {_show(counted)}"


@pytest.mark.parametrize("name", cases("applicable", [n for n in APPS
                                                      if EXPECT[n]["has_model_calls"]]))
def test_applicable(name: str) -> None:
    got = statuses(name)
    assert all(got[check] != "not-applicable" for check in PER_CALL_CHECKS), got


def _status_cases() -> list[Any]:
    out = []
    for name in APPS:
        for check, status in sorted(expected(name).items()):
            gap = (EXPECT[name].get("known_gaps") or {}).get(f"status:{check}")
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            out.append(pytest.param(name, check, status, marks=marks, id=f"{name}-{check}"))
    return out


@pytest.mark.parametrize(("name", "check", "status"), _status_cases())
def test_status(name: str, check: str, status: str) -> None:
    assert statuses(name)[check] == status


@pytest.mark.parametrize(("name", "check"), [
    pytest.param(name, check, id=f"{name}-{check}") for name in APPS for check in not_cited(name)])
def test_not_cited(name: str, check: str) -> None:
    cited = {f"{e['path']}:{e['line']}" for e in results(name)[check]["evidence"]}
    assert not cited & set(not_cited(name)[check]), results(name)[check]["message"]


# --- the expectation files themselves -------------------------------------------------

def test_expectations_cover_the_manifest() -> None:
    files = {p.stem for p in (CORPUS / "expect").glob("*.yaml")}
    assert files == set(APPS)


@pytest.mark.parametrize("name", list(APPS))
def test_expectation_file_is_well_formed(name: str) -> None:
    data = EXPECT[name]
    assert data["app"] == name
    assert set(data) <= {"app", "scan_root", "has_model_calls", "generation_calls",
                         "client_constructions", "must_not_count", "expected", "known_gaps",
                         "not_cited", "notes"}
    assert isinstance(data["has_model_calls"], bool)
    assert not data["has_model_calls"] or data["generation_calls"]["sites"]
    assert set(data.get("expected") or {}) <= {*PER_CALL_CHECKS, *OTHER_CHECKS}
    assert set((data.get("expected") or {}).values()) <= STATUSES
    for check, cited in (data.get("not_cited") or {}).items():
        assert check in {*PER_CALL_CHECKS, *OTHER_CHECKS}, check
        assert all(at.rpartition(":")[2].isdigit() for at in cited), cited
    for key, reason in (data.get("known_gaps") or {}).items():
        assert key in ASSERTIONS, key
        if key.startswith("status:"):
            assert key.split(":", 1)[1] in (data.get("expected") or {}), key
        assert re.match(r"issue \d+: ", reason) and len(reason) > 40, reason
    assert not expected_calls(name) & excluded_sites(name)
    for entry in data["generation_calls"]["sites"]:
        assert set(entry) == {"at", "provider", "note"}, entry
    for entry in data.get("must_not_count") or []:
        assert set(entry) == {"at", "why"}, entry


@pytest.mark.parametrize("name", list(APPS))
def test_expected_lines_exist(name: str) -> None:
    """Every path:line names a line of the pinned version that holds a call (or the callee
    handed to a function that calls it)."""
    root = app_root(name)
    data = EXPECT[name]
    entries = [*data["generation_calls"]["sites"], *(data.get("client_constructions") or []),
               *(data.get("must_not_count") or [])]
    for entry in entries:
        path, _, line = entry["at"].rpartition(":")
        lines = (root / path).read_text("utf-8").splitlines()
        assert 1 <= int(line) <= len(lines), entry["at"]
        text = lines[int(line) - 1].strip()
        # a call, or a callee handed on to a wrapper that calls it (`client.x.create,`)
        called = "(" in text or re.fullmatch(r"[\w.]+,", text) is not None
        assert text and not text.startswith("#") and called, (entry["at"], text)


# --- the fetch script's extraction (no corpus needed) ---------------------------------

def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def _info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


def test_extract_sdist_strips_the_top_folder(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "app-1.0.tar.gz", [
        (_info("app-1.0", tarfile.DIRTYPE), b""), (_info("app-1.0/app/__init__.py"), b"x = 1\n"),
        (_info("app-1.0/README.md"), b"hi\n")])
    dest = tmp_path / "out"
    dest.mkdir()
    assert script.extract(archive, dest, strip_top=True) == 9
    assert (dest / "app" / "__init__.py").read_text() == "x = 1\n"
    assert sorted(p.name for p in dest.iterdir()) == ["README.md", "app"]


@pytest.mark.parametrize(("member", "message"), [
    (_info("/etc/passwd"), "absolute"),
    (_info("app-1.0/../../evil.py"), "leaves the folder"),
    (_info("app-1.0/link", tarfile.SYMTYPE, "/etc/passwd"), "symlink"),
    (_info("app-1.0/hard", tarfile.LNKTYPE, "app-1.0/a.py"), "hardlink"),
    (_info("app-1.0/dev", tarfile.CHRTYPE), "device"),
    (_info("app-1.0/fifo", tarfile.FIFOTYPE), "device"),
    (_info("other-2.0/a.py"), "outside the top-level folder"),
    (_info("app-1.0/.complete"), ".complete"),
])
def test_extract_refuses_unsafe_tar_members(tmp_path: Path, member: tarfile.TarInfo,
                                            message: str) -> None:
    archive = _tar(tmp_path / "app-1.0.tar.gz", [(_info("app-1.0/a.py"), b"a = 1\n"),
                                                 (member, b"data")])
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(script.CorpusError, match=message):
        script.extract(archive, dest, strip_top=True)
    assert not (tmp_path / "evil.py").exists()


def test_extract_refuses_zip_symlinks_bombs_and_duplicates(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("pkg/link")
    link.external_attr = (0o120777 << 16)
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pkg/__init__.py", "")
        archive.writestr(link, "/etc/passwd")
    dest = tmp_path / "a"
    dest.mkdir()
    with pytest.raises(script.CorpusError, match="link"):
        script.extract(wheel, dest, strip_top=False)

    big = tmp_path / "big-1.0-py3-none-any.whl"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big/data.py", b"0" * 10_000)
    dest = tmp_path / "b"
    dest.mkdir()
    with pytest.raises(script.CorpusError, match="more than 1000 bytes"):
        script.extract(big, dest, strip_top=False, max_bytes=1000)

    dup = tmp_path / "dup-1.0-py3-none-any.whl"
    with pytest.warns(UserWarning), zipfile.ZipFile(dup, "w") as archive:
        archive.writestr("dup/a.py", "1")
        archive.writestr("dup/a.py", "2")
    dest = tmp_path / "c"
    dest.mkdir()
    with pytest.raises(script.CorpusError, match="twice"):
        script.extract(dup, dest, strip_top=False)


def test_wheel_members_without_a_file_type_are_regular_files(tmp_path: Path) -> None:
    plain = zipfile.ZipInfo("pkg/mod.py")
    plain.external_attr = 0o644 << 16  # what several wheel builders write
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(plain, "x = 1\n")
    dest = tmp_path / "out"
    dest.mkdir()
    script.extract(wheel, dest, strip_top=False)
    assert (dest / "pkg" / "mod.py").read_text() == "x = 1\n"


def test_manifest_pins_every_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READINESS_CORPUS", str(tmp_path))
    assert script.corpus_root() == tmp_path
    assert len(APPS) >= 10
    assert all(app.kind == "wheel" and len(app.sha256) == 64 for app in APPS.values())
    assert script.main(["path", "shell-gpt"]) == 1  # not fetched into tmp_path
    assert script.main(["path", "no-such-app"]) == 1
    assert not os.listdir(tmp_path)
