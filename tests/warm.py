"""Run an analysis cold and then warm, to show that the per-file facts it keeps are right.

``cold_then_warm(root, cache, analyse)`` ages every file (so that its lstat signature is
trusted), runs ``analyse(Project)`` with an empty cache, saves the facts, then runs it on a
fresh ``Project`` and returns both answers and the files the warm run had to read.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from readiness.project import Project

AN_HOUR = 3600


def age(root: Path, seconds: int = AN_HOUR) -> None:
    """Set every file's mtime ``seconds`` into the past (atime too)."""
    past = time.time() - seconds
    for folder, _dirs, names in os.walk(root):
        for name in names:
            os.utime(os.path.join(folder, name), (past, past), follow_symlinks=False)


class Warm:
    def __init__(self, cold: Any, warm: Any, read: list[str]) -> None:
        self.cold, self.warm, self.read = cold, warm, read


def cold_then_warm(root: Path, cache: Path, analyse: Callable[[Project], Any],
                   **project_options: Any) -> Warm:
    age(root)
    first = Project(root, cache_dir=cache, **project_options)
    cold = analyse(first)
    first.save_facts()
    second = Project(root, cache_dir=cache, **project_options)
    read = reads_of(second)
    warm = analyse(second)
    return Warm(cold, warm, read)


def reads_of(project: Project) -> list[str]:
    """The files ``project`` reads from now on, in order (a list that grows)."""
    read: list[str] = []
    original = project._read_text

    def counting(rel: str) -> str | None:
        read.append(rel)
        return original(rel)

    project._read_text = counting  # type: ignore[method-assign]
    return read


def queries_answered(project: Project) -> list[str]:
    """The queries ``project`` answers from now on by computing (here or in its workers),
    one entry per call, in order (a list that grows): a query found kept, or taken from
    the idle tasks ``facts_later`` sent, is not among them."""
    sent: list[str] = []
    original = project._answer

    def answering(files: list[str], query: str, *args: Any, **kwargs: Any) -> None:
        sent.append(query)
        original(files, query, *args, **kwargs)

    project._answer = answering  # type: ignore[method-assign]
    return sent


def with_workers(root: Path) -> Project:
    """A project of ``root`` whose per-file queries may go to two worker processes; the
    test is skipped on one core, where there are none."""
    project = Project(root, jobs=2)
    if project.workers is None:
        pytest.skip("one core: no worker processes")
    return project
