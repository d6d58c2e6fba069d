"""Git facts about the scanned repository, through GitPython; no git means no git facts.

GitPython is imported here and only here: importing it fails at import time where the git
executable is missing, and that must degrade to "not a git repository", not a crash.
"""

from __future__ import annotations

import datetime
import threading
from pathlib import Path
from typing import Any, NamedTuple


class Change(NamedTuple):
    """The last commit that touched a path."""

    commit: str
    date: datetime.datetime


class GitFacts:
    """Read-only facts of one repository; history is read once, lazily, in one `git log`."""

    def __init__(self, repo: Any, cmd: Any, top: Path, prefix: str) -> None:
        self._repo = repo
        self._cmd = cmd  # a git command runner whose working directory is the scanned root
        self.top = top
        self._prefix = prefix  # the scanned root relative to the repository top, "" or "a/b/"
        self._lock = threading.Lock()
        self._changes: dict[str, Change] | None = None
        self.commit: str | None
        try:
            self.commit = repo.head.commit.hexsha
        except Exception:  # an empty repository has no HEAD commit
            self.commit = None
        try:
            self.dirty: bool | None = bool(repo.is_dirty(untracked_files=True))
        except Exception:
            self.dirty = None
        self.shallow = (Path(repo.git_dir) / "shallow").exists()

    def list_files(self) -> list[str]:
        """Tracked and untracked-but-not-ignored files under the root, relative to it."""
        out = self._cmd.ls_files(
            "-z", "--cached", "--others", "--exclude-standard", "--", "."
        )
        names = {name for name in out.split("\0") if name}
        return sorted(names)

    def last_change(self, path: str) -> Change | None:
        """The newest commit that changed ``path`` (relative to the scanned root)."""
        with self._lock:
            if self._changes is None:
                self._changes = self._read_history()
        return self._changes.get(path)

    def _read_history(self) -> dict[str, Change]:
        if self.commit is None:
            return {}
        try:
            out = self._cmd.log(
                "--format=%x00%H %cI", "--name-only", "--no-renames", "-z", "--", "."
            )
        except Exception:
            return {}
        changes: dict[str, Change] = {}
        current: Change | None = None
        for token in out.split("\0"):
            token = token.strip("\n")
            if not token:
                continue
            head, _, rest = token.partition("\n")
            if len(head) > 41 and head[40] == " " and _is_sha(head[:40]):
                sha, _, stamp = head.partition(" ")
                current = Change(sha, datetime.datetime.fromisoformat(stamp))
                token = rest
                if not token:
                    continue
            if current is None:
                continue
            path = token
            if self._prefix:
                if not path.startswith(self._prefix):
                    continue
                path = path[len(self._prefix) :]
            changes.setdefault(path, current)
        return changes


def _is_sha(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def open_repository(root: Path) -> GitFacts | None:
    """Git facts for ``root`` if it lies inside a work tree, else None."""
    try:
        import git
    except Exception:  # GitPython raises ImportError (and others) when git is missing
        return None
    try:
        repo = git.Repo(root, search_parent_directories=True)
        if repo.bare or repo.working_tree_dir is None:
            return None
        top = Path(repo.working_tree_dir).resolve()
        rel = root.resolve().relative_to(top).as_posix()
    except Exception:
        return None
    cmd = git.Git(str(root.resolve()))
    prefix = "" if rel == "." else rel + "/"
    return GitFacts(repo, cmd, top, prefix)
