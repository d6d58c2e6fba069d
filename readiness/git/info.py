"""Git facts about the scanned repository, through GitPython; no git means no git facts.

GitPython is imported here and only here: importing it fails at import time where the git
executable is missing, and that must degrade to "not a git repository", not a crash.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

# The user's git config must not change the output parsed from streamed commands.
STABLE_OPTIONS = ("--literal-pathspecs", "-c", "core.quotepath=false",
                  "-c", "log.showSignature=false", "-c", "log.showRoot=true",
                  "-c", "log.follow=false", "-c", "diff.relative=false")


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
        # A linked worktree shares the shallow file of the main repository.
        self._shallow_file = Path(repo.common_dir) / "shallow"
        self.shallow = self._shallow_file.exists()
        self._shallow_commits: frozenset[str] | None = None

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
    def stream(self, *args: str, stdin: bool = False) -> Iterator[GitRun]:
        """Run git (``STABLE_OPTIONS``, then ``args``) in the scanned root, through the same
        runner as every other git command here, and hand over its output as it comes (and
        its input, with ``stdin``). Raises OSError when git cannot be started; the process
        is stopped when the block ends."""
        argv = [self._cmd.GIT_PYTHON_GIT_EXECUTABLE or "git", *STABLE_OPTIONS, *args]
        try:
            process = self._cmd.execute(argv, as_process=True,
                                        istream=subprocess.PIPE if stdin else None)
        except Exception as exc:  # GitCommandNotFound, carrying the OSError as its cause
            cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else None
            raise OSError(cause.errno if cause else None,
                          cause.strerror if cause else str(exc)) from exc
        run = GitRun(process)
        try:
            yield run
        finally:
            run.stop()

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


class GitRun:
    """A git command running in the background (see ``GitFacts.stream``)."""

    def __init__(self, process: Any) -> None:
        self._process = process  # GitPython's AutoInterrupt: stops git when dropped

    @property
    def stdin(self) -> IO[bytes]:
        stream: IO[bytes] | None = self._process.stdin
        if stream is None:
            raise OSError("git was started without input")
        return stream

    @property
    def stdout(self) -> IO[bytes]:
        stream: IO[bytes] = self._process.stdout
        return stream

    def succeeded(self) -> bool:
        """Wait for git to exit (read its output to the end first): did it exit with 0?"""
        try:
            return bool(self._process.wait() == 0)
        except Exception:  # GitCommandError: a non-zero exit status
            return False

    def stop(self) -> None:
        """Stop git if it is still running, and close its streams."""
        proc: subprocess.Popen[bytes] | None = self._process.proc
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _is_sha(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def open_repository(root: Path) -> GitFacts | None:
    """Git facts for ``root`` if it lies inside a work tree, else None."""
    if "GIT_DIR" not in os.environ and not any(
            (folder / ".git").exists() for folder in (root, *root.parents)):
        return None  # no work tree around: GitPython need not even be imported
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
