"""Streamed ``git log`` output, read commit by commit as it arrives.

Two shapes: the paths each commit changed (``--name-only``) and the hunks of each changed
path (``-p -U0``). Both are asked for with ``FORMAT``, whose header line starts with a NUL
byte (no path can hold one) and gives the commit, its date, its tree and its parents: the
tree and the parents are what fix the commit's diff, even in a shallow clone, where the
commit at the cut shows no parents.
"""

from __future__ import annotations

import codecs
import datetime
import re
from collections.abc import Iterator
from typing import IO, NamedTuple

FORMAT = "--format=%x00commit %H %cI %T %P"
_HEADER = "\0commit "


class Commit(NamedTuple):
    sha: str
    date: datetime.datetime
    tree: str
    parents: tuple[str, ...]


class Hunk(NamedTuple):
    start: int  # first line in the new version (after which lines were removed, if size 0)
    size: int  # lines in the new version
    lines: tuple[str, ...]  # the changed lines without their +/- marker


def _commit(line: str) -> Commit:
    sha, date, tree, *parents = line[len(_HEADER):].split(" ")
    return Commit(sha, datetime.datetime.fromisoformat(date), tree,
                  tuple(p for p in parents if p))


def names(stream: IO[bytes]) -> Iterator[tuple[Commit, tuple[str, ...]]]:
    """Parse ``git log --name-only`` output: each commit with the paths it changed.
    Raises ValueError on output of another shape."""
    commit: Commit | None = None
    paths: list[str] = []
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if line.startswith(_HEADER):
            if commit is not None:
                yield commit, tuple(paths)
            commit, paths = _commit(line), []
        elif line:
            if commit is None:
                raise ValueError("a path before the first commit")
            paths.append(_unquote(line) if line.startswith('"') else line)
    if commit is not None:
        yield commit, tuple(paths)


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def patches(stream: IO[bytes]) -> Iterator[tuple[Commit, dict[str, list[Hunk]]]]:
    """Parse ``git log -p -U0`` output: each commit with the hunks of each changed path (a
    binary file has one empty hunk, a change of mode none)."""
    commit: Commit | None = None
    diffs: dict[str, list[Hunk]] = {}
    path = ""
    old_left = new_left = 0
    changed: list[str] = []
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if old_left or new_left:  # inside a hunk: every line is content
            if line.startswith("-"):
                old_left -= 1
                changed.append(line[1:])
            elif line.startswith("+"):
                new_left -= 1
                changed.append(line[1:])
            if not (old_left or new_left):
                hunk = diffs[path][-1]
                diffs[path][-1] = hunk._replace(lines=tuple(changed))
            continue
        if line.startswith(_HEADER):
            if commit is not None:
                yield commit, diffs
            commit, diffs = _commit(line), {}
        elif line.startswith("diff --git "):
            path = _diff_path(line)
            diffs.setdefault(path, [])
        elif line.startswith("Binary files "):
            diffs.setdefault(path, []).append(Hunk(1, 1, ()))
        elif line.startswith("@@ "):
            match = _HUNK.match(line)
            if match:
                old_left = int(match.group(2) or 1)
                new_left = int(match.group(4) or 1)
                changed = []
                diffs.setdefault(path, []).append(Hunk(int(match.group(3)), new_left, ()))
    if commit is not None:
        yield commit, diffs


def _diff_path(line: str) -> str:
    """The path of ``diff --git a/P b/P`` (renames are off, so both sides are the same)."""
    rest = line[len("diff --git "):]
    if rest.startswith('"'):
        quoted = rest[: rest.index('" ', 1) + 1] if '" ' in rest else rest
        return _unquote(quoted)[2:]
    return rest[2: 2 + (len(rest) - 5) // 2]


def _unquote(quoted: str) -> str:
    """A path as git quotes it (``"a\\"b"``: C escapes, octal bytes) back as text. With
    core.quotepath off, letters beyond ASCII come through as they are, in UTF-8."""
    raw = codecs.escape_decode(quoted[1:-1].encode("utf-8", "surrogateescape"))[0]
    return str(raw.decode("utf-8", "replace"))
