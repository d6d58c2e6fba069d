"""A second process that answers per-file queries for half of the files of a cold scan.

``Project.facts`` hands a query to it when the query lacks answers for many files (a cold
run over a big repository; a warm run finds its answers kept and never gets here). Files
are split by a stable hash of their path, so the worker always gets the same half: it reads
those files itself, once per run, and computes their answers while the scanning process
computes the other half. The scanned code is only ever read, never run.

What crosses the process boundary: the query's ``compute`` (pickled; a query whose compute
cannot be pickled, such as a lambda, is answered by the scanning process alone) and the
paths; back, one answer per path (``NO_TEXT`` for a file without text) and the content key
of each file the worker read for the first time. The key is the worker's own reading of
the file: an answer for a file whose key differs from the scanning process's (the file
changed in between) is not used. A worker that cannot start or fails makes the scanning
process answer alone.
"""

from __future__ import annotations

import multiprocessing
import pickle
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

from readiness.cache import content_key

MIN_FILES = 400  # fewer files to answer than this: a worker costs more than it saves

NO_TEXT = ("readiness.factworker", "no text")  # in place of the answer of a file without text


class Answers(NamedTuple):
    """The worker's answers to one query, in the order of the paths asked about, and the
    content keys of the files it read for the first time (``None``: it has no text)."""

    answers: list[Any]
    keys: dict[str, str | None]


def theirs(rel: str) -> bool:
    """Is ``rel`` in the worker's half? (stable across runs and processes)"""
    return bool(zlib.crc32(rel.encode("utf-8", "surrogatepass")) & 1)


class FactWorker:
    """One worker process for one scanned root, started when first needed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._pool: ProcessPoolExecutor | None = None
        self._failed = False

    def submit(self, compute: Callable[[str], Any], files: list[str]
               ) -> Future[Answers] | None:
        """Start answering ``files``; None when the worker cannot take this query."""
        if self._failed:
            return None
        try:
            payload = pickle.dumps(compute)
        except (pickle.PicklingError, TypeError, AttributeError):
            return None  # a lambda or a closure: answered by the scanning process
        pool = self.start()
        try:
            return pool.submit(_answer, payload, files) if pool else None
        except (OSError, RuntimeError):  # no processes in a sandbox: answer alone
            self._failed = True
            return None

    def start(self) -> ProcessPoolExecutor | None:
        """Start the worker process (it starts up while the scan goes on)."""
        if self._pool is None and not self._failed:
            try:
                # spawn, not fork: the scanning process runs checks in threads
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(1, mp_context=context, initializer=_start,
                                                 initargs=(str(self.root),))
                self._pool.submit(_start_up)
            except (OSError, RuntimeError):
                self._failed = True
        return self._pool

    def collect(self, future: Future[Answers]) -> Answers | None:
        """The worker's answers, or None if it failed (then it is not asked again)."""
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - a broken worker or a failing compute: answer here
            self._failed = True
            return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# ---- in the worker process ----------------------------------------------------------------
# The worker's state lives for one run, in the worker process only: the root and the texts
# of the files it has read.

_ROOT: list[Path] = []
_TEXTS: dict[str, str | None] = {}


def _start(root: str) -> None:
    _ROOT.append(Path(root))


def _start_up() -> None:
    """Import what answering needs before the first query arrives."""
    import readiness.project  # noqa: F401
    import readiness.signals  # noqa: F401


def _answer(payload: bytes, files: list[str]) -> Answers:
    from readiness.project import read_text  # the same reading rules as the scan's

    compute = pickle.loads(payload)  # noqa: S301 - our own process pickled it
    answers: list[Any] = []
    keys: dict[str, str | None] = {}
    for rel in files:
        text = _TEXTS.get(rel)
        if rel not in _TEXTS:
            text, _problem = read_text(_ROOT[0] / rel)
            _TEXTS[rel] = text
            keys[rel] = content_key(text) if text is not None else None
        answers.append(NO_TEXT if text is None else compute(text))
    return Answers(answers, keys)
