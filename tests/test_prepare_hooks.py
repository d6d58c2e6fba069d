"""``prepare`` hooks start per-file scans for the worker processes' idle moments; the
checks then find them there, the same as one process would compute them."""

from __future__ import annotations

import pytest
from readiness.checks.adoption import launch
from readiness.checks.adoption.shares import shares_in_files
from readiness.checks.quality import feedback
from readiness.checks.quality.feedbackcapture import feedback_captures
from readiness.checks.quality.feedbackstore import named_stores

from readiness.config import load_config
from readiness.project import Project, workers
from tests.conftest import MakeProject
from tests.fixtures_quality import FASTAPI_FEEDBACK
from tests.warm import queries_answered, with_workers


def test_the_feedback_searches_are_sent_early_and_found_later(
        make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MIN_FILES", 8)
    files = dict(FASTAPI_FEEDBACK)
    files.update({f"app/more/m{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(20)})
    root = make_project(files)
    alone = Project(root, jobs=1)
    captures, stores = feedback_captures(alone), named_stores(alone)
    assert captures and stores  # the app does let users flag answers: a real comparison
    project = with_workers(root)
    sent = queries_answered(project)
    try:
        feedback.searches_later(project, load_config(root))
        later = [query for query in project._later if query.startswith("feedback.search/")]
        assert len(later) >= 4  # three capture searches (two kinds of code), the store's
        assert feedback_captures(project) == captures and named_stores(project) == stores
        assert not [query for query in sent if query.startswith("feedback.search/")]
        assert not [query for query in project._later if query.startswith("feedback.search/")]
    finally:
        project.close()


def test_the_rollout_shares_in_code_are_sent_early_and_found_later(
        make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MIN_FILES", 8)
    files = {"app/flags.py": "ROLLOUT_PERCENT = 15\n",
             "app/settings.py": 'FLAGS = {"new_answers": {"rollout": 50}}\n',
             "deploy/values.yaml": "rollout: 20\n",  # settings: asked when the check runs
             "tests/test_flags.py": "ROLLOUT_PERCENT = 90\n"}
    files.update({f"app/more/m{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(20)})
    root = make_project(files)
    alone = shares_in_files(Project(root, jobs=1), None)
    assert {(str(s.where), s.fraction) for s in alone} >= {("app/flags.py:1", 0.15),
                                                           ("app/settings.py:1", 0.5)}
    project = with_workers(root)
    sent = queries_answered(project)
    try:
        hook = launch.soft_launch_rollout.prepare
        assert hook is not None
        hook(project, load_config(root))
        code_query = [query for query in project._later if query.startswith("adoption.shares")]
        assert len(code_query) == 1  # the code's; settings files wait for the check
        assert shares_in_files(project, None) == alone
        assert code_query[0] not in sent and code_query[0] not in project._later
    finally:
        project.close()
