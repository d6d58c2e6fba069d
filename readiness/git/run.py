"""Running git on a repository nobody vetted: its configuration, hooks, attributes, filters
and remotes must not run anything, reach the network or hang the scan.

What the repository controls and how each is neutralised:

- the git executable: resolved once, to an absolute path, from the absolute ``PATH`` entries
  that lie outside the scanned root (an empty or ``.`` entry never counts);
- ``.git/config`` and what it includes: every key that names a command is overridden with
  command-line configuration (``GIT_CONFIG_COUNT``, which wins over every file): fsmonitor,
  hooks, pager, editor, ssh, credential helpers, gpg, external diff, mailmap and attribute
  files, and every ``filter.*`` / ``diff.*`` / ``merge.*`` driver the configuration names;
- the network: ``protocol.allow=never`` (no transport at all, so a partial clone's lazy
  fetch fails and the missing object is treated as missing) and ``GIT_NO_LAZY_FETCH``;
- time: every command has a deadline, after which git and its children are killed.

System configuration is skipped (``GIT_CONFIG_NOSYSTEM``); the user's own global
configuration is theirs and is read, with the same overrides on top.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import re
import shutil
import signal
import stat
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from readiness.inputs import is_within

MIN_VERSION = (2, 31)  # GIT_CONFIG_COUNT (configuration from the environment) came in 2.31
TIMEOUT = 10.0  # seconds for one command that returns its whole output at once
STREAM_TIMEOUT = 120.0  # seconds for a streamed command (history of a big repository)

# Fixed overrides: every configuration key that makes git run a program, read a file the
# repository names, or reach the network.
FIXED: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.editor", "false"),
    ("sequence.editor", "false"),
    ("core.askPass", ""),
    ("core.sshCommand", "false"),
    ("core.gitProxy", ""),
    ("core.attributesFile", os.devnull),
    ("core.excludesFile", os.devnull),
    ("core.untrackedCache", "false"),
    ("core.quotePath", "false"),
    ("credential.helper", ""),
    ("diff.external", ""),
    ("gpg.program", "false"),
    ("gpg.openpgp.program", "false"),
    ("gpg.x509.program", "false"),
    ("gpg.ssh.program", "false"),
    ("log.showSignature", "false"),
    ("log.mailmap", "false"),
    ("mailmap.file", os.devnull),
    ("mailmap.blob", ""),
    ("i18n.logOutputEncoding", "UTF-8"),
    ("protocol.allow", "never"),
    ("submodule.recurse", "false"),
    ("status.submoduleSummary", "false"),
    ("diff.ignoreSubmodules", "all"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    ("color.ui", "never"),
)
# Keys whose value is a program, per driver named in the configuration.
_DRIVER = re.compile(r"(filter\..+\.(?:clean|smudge|process)|diff\..+\.(?:textconv|command)"
                     r"|merge\..+\.driver|pager\..+)", re.DOTALL)

# Git processes running now: stopped when this process exits, so that none is left behind
# (a git blocked on a named pipe in the repository would otherwise wait for ever).
_running: set[subprocess.Popen[bytes]] = set()
_running_lock = threading.Lock()


class GitUnavailable(Exception):
    """Git cannot be run safely here; the message says why in a few words."""


def find_git(root: Path) -> tuple[str, tuple[int, ...]]:
    """The absolute path of the git executable and its version. The search skips ``PATH``
    entries that are empty, relative, or inside ``root``, and a git that resolves (through
    links) into ``root`` is never run. Raises GitUnavailable."""
    search = os.pathsep.join(
        entry for entry in os.environ.get("PATH", os.defpath).split(os.pathsep)
        if entry and os.path.isabs(entry) and not is_within(entry, root))
    found = shutil.which("git", path=search)
    if found is None:
        raise GitUnavailable("git is not installed")
    path = os.path.realpath(found)
    if is_within(path, root):
        raise GitUnavailable("the only git found lies inside the scanned folder")
    version = _version(path)
    if version is None:
        raise GitUnavailable("git does not run")
    if version < MIN_VERSION:
        raise GitUnavailable(f"git {'.'.join(map(str, version))} is older than 2.31")
    return path, version


@functools.lru_cache(maxsize=8)
def _version(path: str) -> tuple[int, ...] | None:
    """``git version`` of the executable at ``path`` (asked once per run)."""
    try:
        out = subprocess.run([path, "version"], capture_output=True, timeout=TIMEOUT,
                             stdin=subprocess.DEVNULL, env=_environment(()), check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(rb"(\d+)\.(\d+)", out)
    return (int(match[1]), int(match[2])) if match else (0,)


def _environment(overrides: tuple[tuple[str, str], ...]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_ASKPASS", "SSH_ASKPASS",
                          "GIT_SSH", "GIT_SSH_COMMAND", "GIT_EDITOR", "GIT_TRACE2_EVENT")
           and not (key.startswith("GIT_CONFIG") and key != "GIT_CONFIG_GLOBAL")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_ATTR_NOSYSTEM="1", GIT_NO_LAZY_FETCH="1",
               GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", GIT_PROTOCOL_FROM_USER="0",
               GIT_NO_REPLACE_OBJECTS="1", GIT_PAGER="cat", LC_ALL="C", LANGUAGE="C")
    env["GIT_CONFIG_COUNT"] = str(len(overrides))
    for index, (key, value) in enumerate(overrides):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


# Files git opens in every command: a named pipe or a device in their place would block git
# (or feed it for ever) before any deadline could help, so such a repository is refused.
_GIT_DIR_FILES = ("config", "HEAD", "index", "info/exclude", "info/attributes", "commondir",
                  "config.worktree")
_WORK_TREE_FILES = (".gitattributes", ".gitignore", ".gitmodules")


def blocking_file(top: Path) -> str | None:
    """The first file git would read under work tree ``top`` that is not a regular file
    (a named pipe, a device, a folder), as a short description; None when all are fine."""
    dot_git = top / ".git"
    try:
        mode = os.lstat(dot_git).st_mode
    except OSError:
        mode = stat.S_IFDIR  # GIT_DIR from the environment: the user's own
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        return ".git is not a folder or a regular file"
    folders = [dot_git]
    if stat.S_ISREG(mode):  # "gitdir: PATH" (a linked worktree, a submodule)
        try:
            with open(dot_git, "rb") as handle:
                first = handle.read(4096).decode("utf-8", "replace").split("\n", 1)[0]
        except OSError:
            first = ""
        if first.startswith("gitdir:") and first[7:].strip():
            target = Path(first[7:].strip())
            folders = [target if target.is_absolute() else top / target]
    checks = [(folder / name, f".git/{name}") for folder in folders
              for name in _GIT_DIR_FILES]
    checks += [(top / name, name) for name in _WORK_TREE_FILES]
    for path, shown in checks:
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            return f"{shown} is not a regular file"
    return None


class Git:
    """Git commands in one folder, with the repository's configuration neutralised."""

    def __init__(self, cwd: Path, root: Path) -> None:
        self.cwd = cwd
        self.executable, self.version = find_git(root)
        self._env = _environment(FIXED)
        names = self.output("config", "--null", "--name-only", "--list").split(b"\0")
        drivers = sorted({name for name in (raw.decode("utf-8", "surrogateescape")
                                            for raw in names) if _DRIVER.fullmatch(name)})
        self._env = _environment(FIXED + tuple((name, "") for name in drivers))

    @property
    def environment(self) -> Mapping[str, str]:
        return self._env

    def argv(self, args: tuple[str, ...]) -> list[str]:
        return [self.executable, "--no-pager", "--literal-pathspecs", *args]

    def output(self, *args: str, timeout: float = TIMEOUT) -> bytes:
        """The output of one command. Raises GitUnavailable on failure or after
        ``timeout`` seconds, with git's first line of complaint."""
        process = self._start(args, stdin=False)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            process.communicate()
            raise GitUnavailable(f"git {args[0]} took longer than {timeout:g} s") from None
        finally:
            _stop(process)
        if process.returncode != 0:
            first = err.decode("utf-8", "replace").strip().splitlines()[:1]
            raise GitUnavailable(first[0] if first else f"git {args[0]} failed")
        return out

    def stream(self, args: tuple[str, ...], *, stdin: bool = False) -> Stream:
        """Start a command whose output is read as it comes (see ``Stream``)."""
        try:
            process = self._start(args, stdin=stdin, stream=True)
        except GitUnavailable as exc:
            raise OSError(str(exc)) from exc
        return Stream(process, _Deadline(process, STREAM_TIMEOUT))

    def _start(self, args: tuple[str, ...], *, stdin: bool = False, stream: bool = False
               ) -> subprocess.Popen[bytes]:
        try:
            process = subprocess.Popen(
                self.argv(args), cwd=self.cwd, env=self._env,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL if stream else subprocess.PIPE,
                start_new_session=True, close_fds=True)
        except OSError as exc:
            raise GitUnavailable(f"git could not start: {exc.strerror}") from exc
        with _running_lock:
            _running.add(process)
        return process


class _Deadline:
    """Kills a git process group when its time is up."""

    def __init__(self, process: subprocess.Popen[bytes], seconds: float) -> None:
        self.fired = False
        self._process = process
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        _kill(self._process)

    def cancel(self) -> None:
        self._timer.cancel()


class Stream:
    """A git command running in the background: its input, its output as it comes, and
    whether it succeeded. Killed at its deadline, and when ``stop`` is called."""

    def __init__(self, process: subprocess.Popen[bytes], deadline: _Deadline) -> None:
        self._process = process
        self._deadline = deadline

    @property
    def stdin(self) -> IO[bytes]:
        if self._process.stdin is None:
            raise OSError("git was started without input")
        return self._process.stdin

    @property
    def stdout(self) -> IO[bytes]:
        assert self._process.stdout is not None
        return self._process.stdout

    def succeeded(self) -> bool:
        """Wait for git to exit (read its output to the end first): did it exit with 0
        in time?"""
        return self._process.wait() == 0 and not self._deadline.fired

    def stop(self) -> None:
        self._deadline.cancel()
        _stop(self._process)


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # git and whatever it started
    except (OSError, ProcessLookupError):
        with contextlib.suppress(OSError):
            process.kill()


def stop_all() -> None:
    """Kill every git process still running (at exit, and on SIGTERM)."""
    with _running_lock:
        running = list(_running)
        _running.clear()
    for process in running:
        if process.poll() is None:
            _kill(process)


atexit.register(stop_all)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    if process.poll() is None:
        _kill(process)
    process.wait()
    with _running_lock:
        _running.discard(process)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
