"""The staged change: which lines the index adds against HEAD, and the staged content itself.

Everything goes through ``readiness.git.run`` (the repository's hooks, filters, drivers and
pager neutralised), so judging a commit before it is made runs nothing from the repository.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from readiness.git.log import _unquote
from readiness.git.run import Git, GitUnavailable, blocking_file

# The empty tree: what a repository without a commit is compared with.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
MAX_DIFF_SECONDS = 60.0


class StagedChange(NamedTuple):
    """What the next commit adds: for each staged path (relative to the work tree top), the
    line numbers added in its staged version (empty for a binary file or a pure removal)."""

    top: Path
    added: Mapping[str, frozenset[int]]
    initial: bool  # no commit yet: everything staged is new


def work_tree_top(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder or a ``gitdir:``
    file); found by looking, without running git."""
    start = start.resolve()
    return next((folder for folder in (start, *start.parents)
                 if os.path.lexists(folder / ".git")), None)


def open_git(start: Path) -> tuple[Git, Path]:
    """Git in the work tree around ``start`` and its top. Raises GitUnavailable (why)."""
    top = work_tree_top(start)
    if top is None:
        raise GitUnavailable(f"{start} is not inside a git work tree")
    blocked = blocking_file(top)
    if blocked is not None:
        raise GitUnavailable(blocked)
    git = Git(top, top)
    text = git.output("rev-parse", "--path-format=absolute", "--show-toplevel")
    shown = text.decode("utf-8", "surrogateescape").strip()
    if not shown:
        raise GitUnavailable("not a work tree (a bare repository?)")
    real = Path(shown).resolve()
    if real != top:  # GIT_DIR, core.worktree: run where git says the work tree is
        git = Git(real, real)
    return git, real


def staged_change(git: Git, top: Path) -> StagedChange:
    """The lines the index adds against HEAD (or against nothing before the first commit)."""
    try:
        head = git.output("rev-parse", "--verify", "-q", "HEAD^{commit}")
    except GitUnavailable:  # no commit yet
        head = b""
    base = head.decode("ascii", "replace").strip() or EMPTY_TREE
    out = git.output("diff", "--cached", "--no-color", "--no-ext-diff", "--no-textconv",
                     "--no-renames", "--diff-filter=AM", "-U0", "--src-prefix=a/",
                     "--dst-prefix=b/", base, "--", timeout=MAX_DIFF_SECONDS)
    return StagedChange(top, parse_added(out.decode("utf-8", "surrogateescape")),
                        base == EMPTY_TREE)


def parse_added(diff: str) -> dict[str, frozenset[int]]:
    """``git diff -U0`` output -> the added line numbers of each path (new version)."""
    added: dict[str, set[int]] = {}
    path: str | None = None
    for line in diff.split("\n"):
        if line.startswith("diff --git "):
            path = None
        elif line.startswith("+++ "):
            name = line[4:]
            if name.startswith('"'):
                name = _unquote(name)
            path = name[2:] if name.startswith("b/") else None
            if path is not None:
                added.setdefault(path, set())
        elif line.startswith("Binary files ") and " and b/" in line:
            name = line.rsplit(" and ", 1)[1].removesuffix(" differ")
            added.setdefault(_unquote(name)[2:] if name.startswith('"') else name[2:], set())
        elif line.startswith("@@ ") and path is not None:
            match = _HUNK.match(line)
            if match:
                start, size = int(match.group(1)), int(match.group(2) or 1)
                added[path].update(range(start, start + size))
    return {key: frozenset(lines) for key, lines in added.items()}


def write_index(git: Git, dest: Path) -> None:
    """Write every file of the index (the staged content, not the work tree's) under
    ``dest``, an empty folder outside the repository. Raises GitUnavailable."""
    git.output("checkout-index", "--all", "--force", f"--prefix={dest}{os.sep}",
               timeout=MAX_DIFF_SECONDS)
