"""A whole run's check results, kept by every input they depend on.

A run whose inputs are all the same as a kept run's gives that run's results without
loading a per-file fact or running a check: re-running `readiness check` on an unchanged
tree (after `readiness report`, in a second CI step, in an editor loop) costs the listing of
the files and little else. Any difference gives a full run (which reuses the per-file facts
of ``readiness.project.filefacts``), and its results replace the kept ones.

The key is the sha256 of everything the results depend on:

- the tool, Python and this format's versions;
- the checks: code, name, source, due week and severity of each one of the registry (a YAML
  check's file by its ``lstat`` signature too); a run with a check pack or local checks is
  never kept, since their code may read anything;
- the resolved configuration (every layer, overrides and the gate chosen) and the options
  that change results (date, gate, ``--only``, ``--skip``, ``--no-waivers``);
- git: the commit checked out, where the root sits in the repository, a shallow clone;
- every scanned file's path and ``lstat`` signature (size, mtime, ctime, inode). Checks
  read only scanned files, so a file that is not listed cannot change a result.

As in the fact store, kept results are trusted only when every file's mtime is older than
the moment they were written by more than ``RACY_NS`` (a file changed in the same instant
could keep its mtime), and a run in which a check raised or timed out is not kept. The store
holds a few runs per scanned root (one marshal file, written atomically in the cache folder,
never in the repository); a missing, corrupt or unwritable one is only a miss.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import marshal
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from readiness import __version__
from readiness.model import Check, Credit, Evidence, Finding, Status
from readiness.project.filefacts import RACY_NS, Signature, root_store, write_atomic
from readiness.runner import Ran
from readiness.suppress import Suppression

if TYPE_CHECKING:
    from readiness.config import Config
    from readiness.project import Project

FORMAT = 1
KEPT_RUNS = 4  # runs kept per root: a few selections (--only, --gate) side by side


class Kept(NamedTuple):
    """What a run yields besides the scorecard's arithmetic: each check's outcome, the
    inline suppressions, the files it could not use and the figures beside the checks."""

    ran: list[Ran]
    inline: list[Suppression]
    skipped: list[tuple[str, str]]
    extras: dict[str, object]


def store_path(cache_dir: Path, root: Path) -> Path:
    return root_store(cache_dir, root, "runs", FORMAT)


def cacheable(checks: Sequence[Check]) -> bool:
    """Can a run of ``checks`` be kept? Not with code from a pack or a local folder."""
    return all(c.source == "built-in" or c.source.startswith("yaml ") for c in checks)


def run_key(*, project: Project, config: Config, checks: Sequence[Check],
            chosen: Sequence[Check], options: Mapping[str, object]) -> str:
    """The sha256 of every input of a run (see the module's docstring)."""
    digest = hashlib.sha256()

    def add(value: object) -> None:
        digest.update(json.dumps(value, sort_keys=True, default=str).encode("utf-8",
                                                                          "surrogatepass"))
        digest.update(b"\0")

    add([FORMAT, __version__, list(sys.version_info[:3])])
    add([[c.code, c.name, c.source, c.due_week, c.severity.value if c.severity else None]
         for c in checks])
    add([c.code for c in chosen])
    add(sorted((rel, sig.hex() if sig else None) for rel, sig in _check_files(project, checks)))
    add([config.data, dict(config.origins), sorted(config.policy_required),
         list(config.notes), config.launch_gate, str(config.source)])
    add(dict(options))
    git = project.git
    add(None if git is None else [git.commit, git.prefix, git.shallow])
    add(project.git_note)
    signatures = project.signatures()
    digest.update(marshal.dumps([(rel, bytes(signatures[rel])) for rel in project.files
                                 if rel in signatures]))
    return digest.hexdigest()


def newest_mtime(project: Project, checks: Sequence[Check]) -> int:
    """The newest mtime among the scanned files and the YAML checks' files."""
    times = [s.mtime_ns for s in project.signatures().values()]
    times += [sig.mtime_ns for _, sig in _check_files(project, checks) if sig]
    return max(times, default=0)


def _check_files(project: Project, checks: Sequence[Check]
                 ) -> list[tuple[str, Signature | None]]:
    """The YAML checks' files with their ``lstat`` signature (None: gone). Their globs may
    match files the scan does not list (ignored by git), so they are keyed here, like the
    scanned files, without being read again."""
    found: list[tuple[str, Signature | None]] = []
    for item in checks:
        if item.source.startswith("yaml "):
            rel = item.source.removeprefix("yaml ")
            try:
                found.append((rel, Signature.of(os.lstat(project.root / rel))))
            except OSError:
                found.append((rel, None))
    return found


def load(path: Path | None, key: str, newest_ns: int,
         checks: Sequence[Check]) -> Kept | None:
    """The kept run of ``key``, if it can be trusted, with its results bound to ``checks``."""
    if path is None:
        return None
    entry = _read(path).get(key)
    if entry is None:
        return None
    try:
        written, ran, inline, skipped, extras = entry
        if newest_ns >= written - RACY_NS:
            return None  # a file changed in the instant the run was kept: run again
        by_name = {c.name: c for c in checks}
        return Kept(
            ran=[Ran(by_name[name], _finding(finding), error, seconds)
                 for name, finding, error, seconds in ran],
            inline=[Suppression(*row) for row in inline],
            skipped=[(p, r) for p, r in skipped],
            extras=dict(extras))
    except (KeyError, TypeError, ValueError):
        return None


def keep(path: Path | None, key: str, kept: Kept) -> None:
    """Keep a run's results (not when a check failed to give a finding)."""
    if path is None or any(r.error is not None for r in kept.ran):
        return
    entry = (
        time.time_ns(),
        [(r.check.name, _plain(r.finding), r.error, r.seconds) for r in kept.ran],
        [tuple(s) for s in kept.inline],
        [tuple(s) for s in kept.skipped],
        kept.extras,
    )
    runs = _read(path)
    runs.pop(key, None)
    runs[key] = entry
    while len(runs) > KEPT_RUNS:
        runs.pop(next(iter(runs)))
    try:
        payload = marshal.dumps((FORMAT, runs))
    except ValueError:  # a detail that is not a plain value: such a run is not kept
        return
    write_atomic(path, payload)


def _read(path: Path) -> dict[str, Any]:
    try:
        form, runs = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return runs if form == FORMAT and isinstance(runs, dict) else {}


def _plain(finding: Finding | None) -> object:
    if finding is None:
        return None
    return (finding.status.value, finding.message,
            [tuple(e) for e in finding.evidence], finding.credit.value,
            [tuple(d) for d in finding.details])


def _finding(plain: Any) -> Finding | None:
    if plain is None:
        return None
    status, message, evidence, credit, details = plain
    return Finding(Status(status), message, tuple(Evidence(*e) for e in evidence),
                   Credit(credit), tuple((k, v) for k, v in details))


def options_of(today: datetime.date, gate: str | None, only: Sequence[str],
               skip: Sequence[str], no_waivers: bool, notes: Sequence[str]
               ) -> dict[str, object]:
    """The command-line options a run's results depend on."""
    return {"date": today.isoformat(), "gate": gate, "only": list(only), "skip": list(skip),
            "no_waivers": no_waivers, "notes": list(notes)}
