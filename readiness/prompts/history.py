"""The last change to prompts or model settings in git history (for eval-freshness).

The history of the files that can hold prompts or model settings (``readiness.prompts.files``)
is read newest commit first, stopping at the first commit that qualifies: a prompt file
qualifies on any content change; in code and config, a diff hunk qualifies when its changed
lines show a prompt or a model setting, or fall inside a prompt region of the file as that
commit left it (``readiness.prompts.lines``; versions read lazily through one ``git cat-file
--batch``). An edit elsewhere in the same module does not count.

A commit's diff never changes, so how a commit was judged is kept between runs, keyed by the
commit, its tree and parents, the scanned folder and the roles of the files it changed. A
warm run lists the commits with their paths only (``git log --name-only``, cheap) and reads
diffs (``git log -p -U0``) only from the first commit it has not judged before.
"""

from __future__ import annotations

import contextlib
import datetime
import shutil
from collections.abc import Iterable
from typing import NamedTuple

from readiness.config import Config
from readiness.git.info import GitFacts
from readiness.git.log import FORMAT, Commit, Hunk, names, patches
from readiness.git.run import Stream
from readiness.project import Project
from readiness.project.cache import ContentCache, content_key
from readiness.prompts.files import candidates
from readiness.prompts.lines import MODEL, PROMPTS, Role, line_kinds, overlaps, regions

# ---- the last prompt or model-setting change in git history --------------------------------


class Change(NamedTuple):
    """The newest commit that changed prompts or model settings."""

    commit: str
    date: datetime.datetime
    kinds: frozenset[str]
    files: tuple[tuple[str, int], ...]  # (path, first changed line in that commit's version)
    at_most: bool = False  # a shallow clone's oldest commit: the change is this old or older

    @property
    def label(self) -> str:
        return " and ".join(k for k in (PROMPTS, MODEL) if k in self.kinds)

    def where(self) -> str:
        more = f" and {len(self.files) - 1} more" if len(self.files) > 1 else ""
        return f"{self.commit[:7]} {self.files[0][0]}{more}"


class History(NamedTuple):
    """What git could tell: the last change (None if none was found), or why it cannot."""

    change: Change | None
    problem: str | None = None


def last_prompt_change(project: Project, config: Config) -> History:
    """The newest prompt or model-setting change in the history, computed once per run."""
    return project.shared("prompthistory.last_change",
                          lambda p: _read_last_change(p, config))


def shallow_commits(project: Project) -> frozenset[str]:
    """The commits where a shallow clone's history is cut off (none in a full clone)."""
    return project.git.shallow_commits if project.git is not None else frozenset()


def _read_last_change(project: Project, config: Config) -> History:
    facts = project.git
    if facts is None or shutil.which("git") is None:
        return History(None, "not a git repository")
    if facts.commit is None:
        return History(None, "the git repository has no commits yet")
    files = candidates(project, config)
    if not files:
        return History(None)
    verdicts = _Verdicts(project, facts.prefix, files)
    try:
        found = _from_judged(facts, files, verdicts) if verdicts.kept else None
        if found is None:
            with _Blobs(facts) as blobs:
                found = _scan(facts, files, verdicts, blobs)
    except OSError as exc:
        return History(None, f"git cannot run ({exc.strerror})")
    return found


# The diff options, the same for the listing of paths and the reading of diffs.
_LOG = ("--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--relative")

Verdict = tuple[frozenset[str], tuple[tuple[str, int], ...]] | None


def _found(facts: GitFacts, commit: Commit, verdict: Verdict) -> History | None:
    if verdict is None:
        return None
    kinds, where = verdict
    return History(Change(commit.sha, commit.date, kinds, where,
                          commit.sha in facts.shallow_commits))


def _from_judged(facts: GitFacts, files: dict[str, Role], verdicts: _Verdicts
                 ) -> History | None:
    """The answer from commits judged on earlier runs, listed without their diffs; None as
    soon as a commit was not judged before (or git's listing cannot be trusted)."""
    with facts.stream("log", FORMAT, "--name-only", *_LOG, "--", *files) as run:
        try:
            for commit, paths in names(run.stdout):
                known, verdict = verdicts.get(commit, paths)
                if not known:
                    return None
                found = _found(facts, commit, verdict)
                if found is not None:
                    return found
        except ValueError:
            return None
        return History(None) if run.succeeded() else None


def _scan(facts: GitFacts, files: dict[str, Role], verdicts: _Verdicts,
          blobs: _Blobs) -> History:
    """Walk the history newest first and stop at the first qualifying commit."""
    # --text: a committed .gitattributes saying "-diff" must not hide a prompt change
    with facts.stream("log", FORMAT, "-p", "-U0", "--text", *_LOG, "--src-prefix=a/",
                      "--dst-prefix=b/", "--", *files) as run:
        try:
            for commit, diffs in patches(run.stdout):
                known, verdict = verdicts.get(commit, diffs)
                if not known:
                    verdict = _judge_commit(commit.sha, diffs, files, blobs)
                    if not blobs.failed:  # a judgement made without the file is not kept
                        verdicts.put(commit, diffs, verdict)
                found = _found(facts, commit, verdict)
                if found is not None:
                    return found
        except (ValueError, IndexError):
            return History(None, "git log output could not be read")
        if not run.succeeded():
            return History(None, "git log failed")
    return History(None)


def _judge_commit(sha: str, diffs: dict[str, list[Hunk]], files: dict[str, Role],
                  blobs: _Blobs) -> Verdict:
    kinds: set[str] = set()
    where: list[tuple[str, int]] = []
    for path, hunks in sorted(diffs.items()):
        role = files.get(path)
        if role is None:
            continue
        judged = _judge_file(sha, path, hunks, role, blobs)
        if judged is not None:
            kinds |= judged[0]
            where.append((path, judged[1]))
    if not kinds:
        return None
    where.sort(key=lambda w: files[w[0]].kind != "prompt")
    return frozenset(kinds), tuple(where)


def _judge_file(sha: str, path: str, hunks: list[Hunk], role: Role,
                blobs: _Blobs) -> tuple[set[str], int] | None:
    if role.kind == "prompt":
        return ({PROMPTS}, hunks[0].start) if hunks else None
    direct = [(line_kinds(h.lines, role), h.start) for h in hunks]
    direct = [(kinds, start) for kinds, start in direct if kinds]
    if direct:
        return set().union(*(kinds for kinds, _ in direct)), direct[0][1]
    text = blobs.read(sha, path)
    if text is None:
        return None
    spans = regions(text, role, hunks)
    for hunk in hunks:
        hit = {kind for first, last, kind in spans if overlaps(hunk, (first, last, kind))}
        if hit:
            return hit, hunk.start
    return None


class _Verdicts:
    """How each commit was judged, kept between runs (not at all without a cache).

    The judgement of a commit depends on its diff, fixed by the commit, its tree and its
    parents (a shallow clone's cut shows none: once deepened, the commit is judged again),
    on the scanned folder within the repository, and on the role of each file it changed."""

    VERSION = "1"

    def __init__(self, project: Project, prefix: str, files: dict[str, Role]) -> None:
        self._prefix = prefix
        self._files = files
        self._cache = (ContentCache(project.cache_dir, "prompthistory.commits", self.VERSION)
                       if project.cache_dir is not None else None)

    @property
    def kept(self) -> bool:
        """Can earlier runs have judged commits? (Not on the first run with this cache.)"""
        return self._cache is not None and self._cache.root.is_dir()

    def _key(self, commit: Commit, paths: Iterable[str]) -> str:
        roles = tuple((path, role.kind, role.lang.value if role.lang else "", role.llm,
                       role.prompt_module)
                      for path in sorted(paths) if (role := self._files.get(path)) is not None)
        return content_key(repr((self.VERSION, self._prefix, commit.sha, commit.tree,
                                 commit.parents, roles)))

    def get(self, commit: Commit, paths: Iterable[str]) -> tuple[bool, Verdict]:
        """(known, verdict): was this commit judged before, and how?"""
        if self._cache is None:
            return False, None
        stored = self._cache.get(self._key(commit, paths))
        if not isinstance(stored, list):
            return False, None
        if not stored:
            return True, None
        try:
            kinds, where = stored
            return True, (frozenset(str(k) for k in kinds),
                          tuple((str(path), int(line)) for path, line in where))
        except (TypeError, ValueError):  # missing, or not what this version stores
            return False, None

    def put(self, commit: Commit, paths: Iterable[str], verdict: Verdict) -> None:
        if self._cache is None:
            return
        stored = [] if verdict is None else [sorted(verdict[0]), [list(w) for w in verdict[1]]]
        self._cache.put(self._key(commit, paths), stored)


class _Blobs:
    """Files as a commit left them, through one ``git cat-file --batch`` opened on demand."""

    def __init__(self, facts: GitFacts) -> None:
        self._facts = facts
        self._stack = contextlib.ExitStack()
        self._run: Stream | None = None
        self.failed = False  # git could not be run or read: a version was not seen

    def __enter__(self) -> _Blobs:
        return self

    def __exit__(self, *_: object) -> None:
        self._stack.close()

    def read(self, sha: str, path: str) -> str | None:
        try:
            if self._run is None:
                self._run = self._stack.enter_context(
                    self._facts.stream("cat-file", "--batch", stdin=True))
            stdin, stdout = self._run.stdin, self._run.stdout
            stdin.write(f"{sha}:{self._facts.prefix}{path}\n".encode())
            stdin.flush()
            header = stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                return None
            data = stdout.read(int(header[2]) + 1)[:-1]
        except (OSError, ValueError):
            self.failed = True
            return None
        if len(data) > 5 * 1024 * 1024 or b"\0" in data[:8192]:
            return None
        return data.decode("utf-8", "replace")
