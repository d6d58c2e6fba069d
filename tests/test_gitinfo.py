"""Git facts: streamed git commands and a shallow clone's cut (see test_project for history)."""

from __future__ import annotations

from pathlib import Path

import pytest

from readiness.git.info import GitFacts, open_repository
from tests.conftest import MakeProject, git


def facts(root: Path) -> GitFacts:
    found, note = open_repository(root)
    assert found is not None, note
    return found


def test_stream_hands_over_output_and_exit_status(make_project: MakeProject) -> None:
    root = make_project({"a.txt": "one\n"}, git=True)
    head = git(root, "rev-parse", "HEAD").strip()
    with facts(root).stream("rev-parse", "HEAD") as run:
        assert run.stdout.read().decode().strip() == head
        assert run.succeeded()
    with facts(root).stream("rev-parse", "--verify", "no-such-ref") as run:
        run.stdout.read()
        assert not run.succeeded()


def test_stream_takes_input(make_project: MakeProject) -> None:
    root = make_project({"sub/a.txt": "one\n"}, git=True)
    with facts(root / "sub").stream("cat-file", "--batch", stdin=True) as run:
        run.stdin.write(b"HEAD:sub/a.txt\n")
        run.stdin.flush()
        assert run.stdout.readline().split()[1:] == [b"blob", b"4"]
        assert run.stdout.read(5) == b"one\n\n"


def test_stream_without_git_raises_os_error(make_project: MakeProject,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project({"a.txt": "one\n"}, git=True)
    found = facts(root)
    monkeypatch.setattr(found._git, "executable", str(root / "no-git"))
    with pytest.raises(OSError), found.stream("log"):
        pass


def test_shallow_commits_are_the_cut_of_a_shallow_clone(make_project: MakeProject,
                                                        tmp_path: Path) -> None:
    source = make_project({"a.txt": "one\n"}, git=True)
    (source / "a.txt").write_text("two\n", encoding="utf-8")
    git(source, "commit", "-qam", "edit", date="2026-11-20T09:30:00+00:00")
    assert facts(source).shallow_commits == frozenset()
    git(tmp_path, "clone", "-q", "--depth", "1", source.as_uri(), "shallow")
    clone = tmp_path / "shallow"
    head = git(clone, "rev-parse", "HEAD").strip()
    assert facts(clone).shallow and facts(clone).shallow_commits == {head}
    git(clone, "worktree", "add", "-q", str(tmp_path / "linked"))
    assert facts(tmp_path / "linked").shallow_commits == {head}
