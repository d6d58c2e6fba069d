"""The real pre-commit framework runs the hook from this repository (try-repo)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git, init_repo, write_files

REPO = Path(__file__).resolve().parent.parent

def rushed() -> str:
    """A plan that is too fast; only the timeline checks run, so the plan alone decides."""
    from readiness.registry import builtin_checks

    others = sorted(c.name for c in builtin_checks() if c.gap.value != "timeline")
    return ("version: 1\nproject: rushed\n"
            "timeline: {pilot_start: 2026-09-01, soft_launch: 2026-10-06, "
            "full_launch: 2026-10-20}\n"
            f"checks:\n  disable: [{', '.join(others)}]\n")


@pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit is not installed")
def test_pre_commit_try_repo_runs_the_hook(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    RUSHED = rushed()
    write_files(project, {"readiness.yaml": RUSHED, "app.py": "x = 1\n"})
    init_repo(project)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "NO_COLOR": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}

    def try_repo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["pre-commit", "try-repo", str(REPO), "readiness", "--all-files",
                               *args], cwd=project, env=env, capture_output=True, text=True,
                              timeout=600)

    failing = try_repo()
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "readiness" in failing.stdout and "Failed" in failing.stdout
    assert "NO-GO" in failing.stdout and "timeline-realism" in failing.stdout
    assert "TIMELINE" not in failing.stdout  # compact summary, not the whole scorecard
    (project / "readiness.yaml").write_text(RUSHED.replace("2026-10-06", "2026-11-24")
                                            .replace("2026-10-20", "2026-12-15"))
    git(project, "commit", "-qam", "realistic plan")
    passing = try_repo()
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
