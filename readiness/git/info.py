"""Git facts about the scanned repository: its commit, whether it has uncommitted changes,
its files and when each last changed. Every command goes through ``readiness.git.run``,
which neutralises the repository's configuration; no usable git means no git facts, with
the reason.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from readiness.git.run import Git, GitUnavailable, Stream, blocking_file

# The user's git config must not change the output parsed from streamed commands.
STABLE_OPTIONS = ("-c", "log.follow=false", "-c", "log.showRoot=true",
                  "-c", "diff.relative=false")


class Change(NamedTuple):
    """The last commit that touched a path."""

    commit: str
    date: datetime.datetime


class GitFacts:
    """Read-only facts of one repository; history is read once, lazily, in one `git log`."""

    def __init__(self, git: Git, top: Path, common_dir: Path, prefix: str) -> None:
        self._git = git  # runs git in the scanned root, the repository's config neutralised
        self.top = top
        self._prefix = prefix  # the scanned root relative to the repository top, "" or "a/b/"
        self._lock = threading.Lock()
        self._changes: dict[str, Change] | None = None
        self.commit: str | None
        try:
            self.commit = git.output("rev-parse", "--verify", "-q", "HEAD^{commit}"
                                     ).decode("ascii").strip() or None
        except (GitUnavailable, UnicodeDecodeError):  # an empty repository has no HEAD commit
            self.commit = None
        self._dirty: bool | None = None
        self._dirty_read = False
        self._listing_failed = False
        # A linked worktree shares the shallow file of the main repository.
        self._shallow_file = common_dir / "shallow"
        self.shallow = self._shallow_file.is_file()
        self._shallow_commits: frozenset[str] | None = None

    @property
    def dirty(self) -> bool | None:
        """Uncommitted changes in the work tree? None when git could not tell (or could not
        even list the files: the same blocked read would only block again)."""
        with self._lock:
            if not self._dirty_read:
                self._dirty_read = True
                if not self._listing_failed:
                    try:
                        status = self._git.output(
                            "status", "--porcelain=v1", "-z", "--no-renames",
                            "--ignore-submodules=all", "--untracked-files=normal")
                        self._dirty = bool(status.strip(b"\0"))
                    except GitUnavailable:
                        self._dirty = None
            return self._dirty

    @property
    def prefix(self) -> str:
        """The scanned root relative to the repository top: "" or "a/b/"."""
        return self._prefix

    @property
    def shallow_commits(self) -> frozenset[str]:
        """The commits where a shallow clone's history is cut off (none in a full clone)."""
        if not self.shallow:
            return frozenset()
        with self._lock:
            if self._shallow_commits is None:
                try:
                    text = self._shallow_file.read_text(encoding="ascii")
                except (OSError, UnicodeDecodeError):
                    text = ""
                self._shallow_commits = frozenset(text.split())
            return self._shallow_commits

    @contextlib.contextmanager
    def stream(self, *args: str, stdin: bool = False) -> Iterator[Stream]:
        """Run git (``STABLE_OPTIONS``, then ``args``) in the scanned root and hand over
        its output as it comes (and its input, with ``stdin``). Raises OSError when git
        cannot be started; the process is stopped when the block ends."""
        run = self._git.stream((*STABLE_OPTIONS, *args), stdin=stdin)
        try:
            yield run
        finally:
            run.stop()

    def list_files(self) -> list[str] | None:
        """Tracked and untracked-but-not-ignored files under the root, relative to it;
        None when git cannot list them."""
        try:
            out = self._git.output("ls-files", "-z", "--cached", "--others",
                                   "--exclude-standard", "--", ".")
        except GitUnavailable:
            self._listing_failed = True
            return None
        names = {name for name in out.decode("utf-8", "surrogateescape").split("\0") if name}
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
            out = self._git.output(
                *STABLE_OPTIONS, "log", "--format=%x00%H %cI", "--name-only", "--no-renames",
                "-z", "--", ".", timeout=300).decode("utf-8", "surrogateescape")
        except GitUnavailable:
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


def open_repository(root: Path) -> tuple[GitFacts | None, str | None]:
    """Git facts for ``root`` if it lies inside a work tree, else None; with a note when
    there is a repository whose facts cannot be read safely (why, in a few words)."""
    if "GIT_DIR" not in os.environ and not any(
            os.path.lexists(folder / ".git") for folder in (root, *root.parents)):
        return None, None  # no work tree around: git need not even be looked for
    top_guess = next(folder for folder in (root, *root.parents)
                     if os.path.lexists(folder / ".git")) if "GIT_DIR" not in os.environ else root
    blocked = blocking_file(top_guess)
    if blocked is not None:
        return None, f"git facts not read: {blocked}"
    try:
        git = Git(root, root)
        top_text, common_text, bare = git.output(
            "rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir",
            "--is-bare-repository").decode("utf-8", "surrogateescape").splitlines()[:3]
    except (GitUnavailable, ValueError) as exc:
        return None, f"git facts not read: {exc}"
    if bare == "true" or not top_text:
        return None, None
    top = Path(top_text).resolve()
    try:
        rel = root.resolve().relative_to(top).as_posix()
    except ValueError:  # core.worktree points elsewhere: not this folder's work tree
        return None, "git facts not read: the repository's work tree is not this folder"
    prefix = "" if rel == "." else rel + "/"
    return GitFacts(git, top, Path(common_text), prefix), None
