"""The real pre-commit framework runs the hook: on a repository whose scorecard is NO-GO, a
harmless commit passes and a risky one fails at its line."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import git, init_repo, write_files

REPO = Path(__file__).resolve().parent.parent
needs_git = pytest.mark.skipif(shutil.which("git") is None,
                               reason="git is not installed: the hook needs a repository")
needs_pre_commit = pytest.mark.skipif(
    subprocess.run([sys.executable, "-c", "import pre_commit"], capture_output=True).returncode,
    reason="the pre-commit package is not installed (pip install -e '.[test]')")

RUSHED = """\
version: 1
project: rushed
timeline: {pilot_start: 2026-09-01, soft_launch: 2026-10-06, full_launch: 2026-10-20}
"""
BARE = """\
import openai


def summarise(text):
    return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": text}])
"""
RISKY = """

def classify(text):
    return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": text}])
"""


def _environment(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "NO_COLOR": "1",
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull,
            "READINESS_CACHE_DIR": str(tmp_path / "cache")}


def _entry() -> str:
    """The installed readiness, run as the shipped hook runs it (offline: `language:
    system` uses what is installed instead of building an environment from the network)."""
    installed = Path(sys.executable).parent / "readiness"
    command = [str(installed)] if installed.exists() else [sys.executable, "-m", "readiness"]
    return shlex.join(command)


def _hook_args() -> str:
    import yaml

    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in manifest if h["id"] == "readiness")
    return str(hook["entry"]).removeprefix("readiness ")


@needs_git
@needs_pre_commit
def test_the_hook_passes_a_typo_fix_and_stops_a_bare_model_call(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    config = ("repos:\n  - repo: local\n    hooks:\n      - id: readiness\n"
              "        name: readiness\n"
              f"        entry: {_entry()} {_hook_args()}\n"
              "        language: system\n        pass_filenames: false\n"
              "        always_run: true\n        require_serial: true\n")
    write_files(project, {"readiness.yaml": RUSHED, "app/summarise.py": BARE,
                          "README.md": "# Summariser\nSummarises tickts.\n",
                          ".pre-commit-config.yaml": config})
    init_repo(project)
    env = _environment(tmp_path)
    whole = subprocess.run([*shlex.split(_entry()), "check", "--compact", "--date",
                            "2026-11-24"], cwd=project, env=env, capture_output=True,
                           text=True, timeout=600)
    assert whole.returncode == 1 and "NO-GO" in whole.stdout  # failing blockers

    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project,
                               env=env, capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "commit", "-m", message], cwd=project, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=600)

    write_files(project, {"README.md": "# Summariser\nSummarises tickets.\n"})
    git(project, "add", "README.md")
    typo = commit("Fix a typo")
    assert typo.returncode == 0, typo.stdout
    assert "readiness" in typo.stdout and "Passed" in typo.stdout

    write_files(project, {"app/summarise.py": BARE + RISKY})
    git(project, "add", "app/summarise.py")
    risky = commit("Classify tickets")
    assert risky.returncode == 1, risky.stdout
    assert "Failed" in risky.stdout
    assert ("app/summarise.py:10: new openai chat.completions.create call in classify(): "
            "no timeout, no error handling") in risky.stdout
    assert "app/summarise.py:5" not in risky.stdout  # the old call is CI's, not this commit's
    assert "TIMELINE" not in risky.stdout and "NO-GO" not in risky.stdout
    log = git(project, "log", "--format=%s")
    assert log.splitlines() == ["Fix a typo", "initial"]


@needs_pre_commit
def test_the_shipped_manifest_is_valid_and_defaults_to_the_staged_change() -> None:
    """pre-commit's own validator reads .pre-commit-hooks.yaml (offline: no try-repo, which
    would build an environment from the package index)."""
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    assert hooks["readiness"]["entry"] == "readiness check --staged --compact"
    assert hooks["readiness-scorecard"]["entry"] == "readiness check --compact"
    assert all(not h["pass_filenames"] and h["always_run"] for h in hooks.values())


def test_the_readme_and_the_manifest_follow_the_release_tag() -> None:
    """`rev:` names the tag of this version (the release is tagged v<version>)."""
    import re

    from readiness import __version__

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    manifest = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    revs = re.findall(r"rev: (\S+)", readme) + re.findall(r"rev: (\S+)", manifest)
    assert revs and set(revs) == {f"v{__version__}"}
