"""Streamed git log output: commits with their paths, or with their hunks."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from readiness.git.info import STABLE_OPTIONS
from readiness.git.log import FORMAT, Hunk, names, patches
from tests.conftest import MakeProject, git

ODD = ('say "hi".txt', "résumé\tv2.md", "back\\slash.txt", "plain name.txt")


def log(root: Path, *args: str) -> io.BytesIO:
    out = subprocess.run(["git", *STABLE_OPTIONS, "log", FORMAT, *args, "--no-renames"],
                         cwd=root, capture_output=True, check=True).stdout
    return io.BytesIO(out)


def test_paths_listed_and_diffed_are_named_alike(make_project: MakeProject) -> None:
    # git quotes these names (with C escapes) in both shapes of output.
    root = make_project({f"p/{name}": "one\n" for name in ODD}, git=True)
    for name in ODD:
        (root / "p" / name).write_text("one\ntwo\n", encoding="utf-8")
    git(root, "commit", "-qam", "edit", date="2026-11-20T09:30:00+00:00")
    listed = [(c.sha, paths) for c, paths in names(log(root, "--name-only"))]
    diffed = [(c.sha, tuple(diffs)) for c, diffs in patches(log(root, "-p", "-U0"))]
    expected = tuple(sorted(f"p/{name}" for name in ODD))
    assert [sorted(paths) for _, paths in listed] == [list(expected)] * 2
    assert [(sha, tuple(sorted(paths))) for sha, paths in diffed] == [
        (sha, expected) for sha, _ in listed]


def test_commit_header_gives_date_tree_and_parents(make_project: MakeProject) -> None:
    root = make_project({"a.txt": "one\n"}, git=True)
    (root / "a.txt").write_text("two\n", encoding="utf-8")
    git(root, "commit", "-qam", "edit", date="2026-11-20T09:30:00+00:00")
    head, first = (c for c, _ in names(log(root, "--name-only")))
    assert head.parents == (first.sha,) and first.parents == ()
    assert head.tree == git(root, "rev-parse", "HEAD^{tree}").strip()
    assert head.date.isoformat() == "2026-11-20T09:30:00+00:00"


def test_hunks_of_an_edit_a_deletion_a_binary_file_and_a_mode_change(
        make_project: MakeProject) -> None:
    root = make_project({"a.py": "one\ntwo\nthree\nfour\n", "b.bin": b"\0\1",
                         "run.sh": "echo hi\n"}, git=True)
    (root / "a.py").write_text("one\nTWO\nthree\n", encoding="utf-8")
    (root / "b.bin").write_bytes(b"\0\2")
    (root / "run.sh").chmod(0o755)
    git(root, "commit", "-qam", "edit", date="2026-11-20T09:30:00+00:00")
    (_, diffs), _ = patches(log(root, "-p", "-U0"))
    assert diffs == {"a.py": [Hunk(2, 1, ("two", "TWO")), Hunk(3, 0, ("four",))],
                     "b.bin": [Hunk(1, 1, ())], "run.sh": []}
