"""The worker processes of one scan: they parse for the call-site index and answer
per-file queries for parts of the files of a cold scan.

``Project.facts`` hands a query to them when it lacks answers for many files (a cold run
over a big repository; a warm run finds its answers kept and never gets here). Files are
split into ``PARTS_PER_WORKER * count`` parts by a stable hash of their path, and each part
goes to its worker (part number modulo ``count``: the same worker for the same files in
every query), which reads those files itself (keeping their texts for the rest of the run)
and computes their answers. A worker with room takes a part it was given before, and one
with nothing to do a part meant for another while several tasks wait.
The scanned code is only ever read, never run.

What crosses the process boundary: the query's ``compute`` (pickled; a query whose compute
cannot be pickled, such as a lambda, is answered by the scanning process alone) and the
paths; back, one answer per path (``NO_TEXT`` for a file without text), the content key
of each file the worker read for the first time and, for such a Python file, the gate words
its text holds (``Answers.words``: the scanning process answers a gated query for it
without sending it again, ``Project.facts``). The key is the worker's own reading of
the file: an answer for a file whose key differs from the scanning process's (the file
changed in between) is not used. Workers that cannot start or fail make the scanning
process do the work alone.

The workers serve the whole run, started once (one single-process pool each, so that this
process chooses the worker), so their start-up is paid once for the index and the text
scans. They are forked from multiprocessing's fork server where there is one (POSIX): a
process of its own, started from nothing, single-threaded, that imports what the workers
need once, early in the run (``Workers.warm``); never forked from the scanning process,
which runs checks in threads. Elsewhere they are spawned. Tasks wait in this
process, urgent ones first, and a worker has at most two at a time: the call-site index's
parse rounds, which the scanning process waits on, go ahead of the parts of text scans
queued before them. A query's compute is pickled once for all its parts. An idle task
(``Project.facts_later``) gives way: when a task someone waits for is handed to a worker
busy with one, that worker stops it after the file it is on (a flag in memory shared with
the workers) and reports what it has done; the rest is sent again.

Workers start isolated from the scanned repository: a spawned worker (or the fork server)
begins as ``python -c ...``, which would put its working directory first on ``sys.path``
and import a committed ``multiprocessing/`` or ``pickle.py`` from there. So they start with
``PYTHONSAFEPATH`` set and no ``PYTHONPATH``, and the ``sys.path`` handed to them leaves out
every entry that is empty, relative or inside the scanned root (a worker forked from a
fork server started for another root leaves out this root's too).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import itertools
import multiprocessing
import os
import pickle
import sys
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from readiness.inputs import is_within
from readiness.process import prepare_for_scan

T = TypeVar("T")
R = TypeVar("R")
MIN_FILES = 400  # fewer files to answer than this: the workers cost more than they save
# ... unless each answer costs about a parse (Home Assistant's traffic analysis reads 150
# modules at about 14 ms each, which the scanning process would otherwise parse alone):
# from this many files when the workers are not running yet, from one when they are
MIN_COSTLY_FILES = 8
# A split query has PARTS_PER_WORKER parts per worker (so that a worker that finishes first
# takes another) and none for the scanning process: it runs every analysis that is not split
# (the call-site resolution, the traffic join, the checks) in two lanes, and a text it reads
# stays in its memory for the run (Home Assistant, cold: the same 16 s as one part in seven
# for it, peak 163 -> 157 MiB).
PARTS_PER_WORKER = 3
# A worker with nothing to do takes a part another was meant to answer only when this many
# tasks wait: it reads and scans that part's files as well, so taking the last one or two
# parts of a query duplicates work more than it saves (Home Assistant, cold: the workers'
# CPU 11.3 -> 10.0 s, each worker's peak 100 -> 89 MB, in three interleaved pairs)
STEAL_BACKLOG = 3
# The files of one idle task (``Project.facts_later``). An idle task goes to a worker only
# when it has nothing else, once the answers of the one before are back here: each task
# costs a round trip in which the worker waits (Home Assistant, cold, with 1,000: about 45
# idle tasks a worker and 0.5-0.7 s of its time between them; with 4,000, about 20 and 0.3
# s; wall 7.75 -> 7.55 s and 8.53 -> 8.37 s, means of 8 and 12 interleaved pairs; skyvern
# 22.1 -> 20.0 s in 4). A task waited for need not wait for a long one to end: the idle
# task stops after the file it is on (the stop flags; where there is no shared memory for
# them, it does wait).
IDLE_TASK_FILES = 4000
# how soon a waiting task goes to a worker: urgent ones first, idle ones only to a worker
# with nothing else to do, those of answers wanted last after the other idle ones
_URGENT, _NORMAL, _IDLE, _LAST = 0, 1, 2, 3
NO_TEXT = ("readiness.project.workers", "no text")  # in place of the answer of a file without text


def part(rel: str, parts: int) -> int:
    """Which of ``parts`` parts ``rel`` belongs to (stable across runs and processes)."""
    return zlib.crc32(rel.encode("utf-8", "surrogatepass")) % parts


class Answers(NamedTuple):
    """A worker's answers to one query, in the order of the paths asked about, each encoded
    as the fact store keeps it (``filefacts.encode``) except those at the positions in
    ``raw`` (not plain values), and the content keys of the files it read for the first
    time, by their position in the paths asked about (``None``: it has no text). Encoded
    answers cross the process boundary as one bytes object each, not as thousands of small
    values to pickle and rebuild; paths do not cross back: the scanning process keeps its
    own strings for them, not a second copy of each path (Home Assistant: 3.4 MB).
    ``words``: for each Python file read for the first time, the gate words its text holds
    (``sourcetext.words_found``: bits in the order of ``vocabulary``, and how many of those
    words were searched for), so that the scanning process can answer a gated query for it
    without sending it (``Project.facts``). ``problems``: why each file read for the
    first time has no text (``read_text``'s reason), so that the scanning process notes it
    without reading the file itself."""

    answers: list[Any]
    keys: dict[int, str | None]
    raw: frozenset[int] = frozenset()
    words: dict[int, tuple[int, int]] | None = None
    vocabulary: tuple[str, ...] = ()
    # an idle task's (``Workers.answer(..., idle=True)``): all of the above, packed
    # (``unpack``), while ``answers`` is empty and ``keys`` leaves out translation files
    # (no other scan reads them; their keys are most of the memory of the answers)
    held: bytes | None = None
    problems: dict[int, str] | None = None
    # an idle task stopped to give way (``Workers``): how many of the files, the first, it
    # answered (None: all of them)
    done: int | None = None


class Workers:
    """``count`` worker processes for one scanned root, started when first needed."""

    def __init__(self, root: Path, count: int) -> None:
        self.root = root
        self.count = count
        # One single-process pool per worker, so that this process chooses which worker
        # does a task: the parts of every query with the same number go to the same worker,
        # which has read their files already (with one shared pool, Home Assistant had
        # 9,290 files, 41 MB, read and kept by both workers).
        self._pools: list[ProcessPoolExecutor] = []
        self._failed = False
        self._closed = False  # by ``close``: never started again
        self._starting = threading.Lock()
        # Tasks wait here, urgent ones first, and go to a worker only while it has fewer
        # than two (one running, one queued behind it, so that it has its next at once):
        # a pool serves in the order submitted, and an urgent task (the call-site index's
        # parse, which the scanning process waits on) would otherwise wait behind every
        # part of the text scans queued before it. A worker with nothing to do takes a task
        # meant for another rather than wait, while STEAL_BACKLOG tasks wait.
        # Each entry: (priority, order, part or None for any, function, args, future).
        self._lock = threading.Lock()
        self._waiting: list[tuple[int, int, int | None, Callable[..., Any], tuple[Any, ...],
                                  Future[Any]]] = []
        self._in_pool = [0] * count
        # the priority and future of each task handed to each worker, in the order handed
        # (a pool runs them in that order: the first is running), and for each worker a
        # byte of shared memory it reads while it answers an idle task: set, it stops
        self._flight: list[list[tuple[int, Future[Any]]]] = [[] for _ in range(count)]
        self._stops: Any = None
        self._parts: list[set[int]] = [set() for _ in range(count)]  # the parts each was given
        self._order = itertools.count()

    def start(self) -> bool:
        """Start the workers (they start up while the scan goes on); False if they cannot.
        They count as running once all of them are started: a check thread asking
        meanwhile waits here, and no task is handed to a worker that is not there yet."""
        with self._starting:
            if not self._pools and not self._failed and not self._closed:
                pools: list[ProcessPoolExecutor] = []
                try:
                    context = _context()
                    stops = _stop_flags(context, self.count)
                    # The pools' queues start multiprocessing's resource tracker (a process
                    # of its own) and a pool's first submit starts its worker: all in
                    # isolation.
                    with isolated(self.root):
                        for worker in range(self.count):
                            pool = ProcessPoolExecutor(1, mp_context=context,
                                                       initializer=_start,
                                                       initargs=(str(self.root), stops, worker))
                            pools.append(pool)
                            pool.submit(_start_up)
                except (OSError, RuntimeError, EOFError):  # no processes (a sandbox), or a
                    # fork server that died before it answered: work alone
                    self._failed = True
                    for pool in pools:
                        pool.shutdown(wait=False, cancel_futures=True)
                else:
                    with self._lock:
                        self._pools = pools
                        self._stops = stops
        return self.running

    def warm(self) -> None:
        """Have the workers start fast when first needed: where they are forked from a fork
        server (``_context``), start that server now, in isolation, and let it import what
        they need while this process lists the files and loads the checks (its start-up
        then costs the run no time); elsewhere, start the workers now."""
        if self._pools or self._failed or self._closed:
            return
        if _context().get_start_method() != "forkserver":
            self.start()
            return
        from multiprocessing import forkserver

        try:
            with isolated(self.root):
                forkserver.ensure_running()
        except (OSError, RuntimeError):  # no processes in a sandbox: ``start`` tells
            pass

    @property
    def running(self) -> bool:
        """Have the worker processes been started (and not failed)?"""
        return bool(self._pools) and not self._failed

    def map(self, function: Callable[[T], R], batches: Iterable[T], *, urgent: bool = False
            ) -> list[R] | None:
        """``function`` of each batch, in the workers; None if they failed (then they are
        not used again and the caller does the work itself). ``urgent``: ahead of the
        tasks waiting for a worker."""
        futures = []
        for batch in batches:
            future = self._submit(_URGENT if urgent else _NORMAL, None, function, batch)
            if future is None:
                return None
            futures.append(future)
        results = []
        for future in futures:
            try:
                results.append(future.result())
            except Exception:  # noqa: BLE001 - a broken pool: the caller works alone
                self._failed = True
                return None
        return results

    @staticmethod
    def payload(compute: Callable[[str], Any]) -> bytes | None:
        """``compute`` as the workers receive it (pickled once for all the parts of a
        query); None when it cannot cross (a lambda or a closure: answered by the scanning
        process)."""
        try:
            return pickle.dumps(compute)
        except (pickle.PicklingError, TypeError, AttributeError):
            return None

    def answer(self, payload: bytes, files: list[str], *, part: int | None = None,
               urgent: bool = False, idle: bool = False, last: bool = False
               ) -> Future[Answers] | None:
        """Start answering ``files`` with a ``payload`` compute, in the worker of ``part``
        (the part's number: the same worker for the same files each time); None when the
        workers cannot take it. ``urgent``: ahead of the tasks waiting for a worker.
        ``idle``: only when that worker has nothing else to do (see ``hurry``); ``last``
        too, after the other idle tasks (answers wanted at the end of a run)."""
        priority = _URGENT if urgent else (_LAST if last else _IDLE) if idle else _NORMAL
        return self._submit(priority, part, _answer, payload, files, idle)

    def hurry(self, future: Future[Any]) -> None:
        """A task given ``idle`` is now waited for: it goes with the others."""
        with self._lock:
            for flight in self._flight:  # handed already: it no longer gives way
                for at, (priority, ours) in enumerate(flight):
                    if ours is future and priority >= _IDLE:
                        flight[at] = (_NORMAL, ours)
                        return
            for at, entry in enumerate(self._waiting):
                if entry[-1] is future and entry[0] >= _IDLE:
                    self._waiting[at] = (_NORMAL, *entry[1:])
                    self._waiting.sort(key=lambda entry: entry[:2])
                    break
            else:
                return
        self._feed()

    def _submit(self, priority: int, part: int | None, function: Callable[..., R], *args: Any
                ) -> Future[R] | None:
        if self._failed or not self.start():
            return None
        ours: Future[R] = Future()
        with self._lock:
            self._waiting.append((priority, next(self._order), part, function, args, ours))
            self._waiting.sort(key=lambda entry: entry[:2])  # a short list
        self._feed()
        return ours

    def _feed(self) -> None:
        """Hand waiting tasks to the workers that have room for them."""
        while True:
            with self._lock:
                if not self._waiting or not self._pools:
                    return
                picked = self._pick()
                if picked is None:
                    return
                worker, at = picked
                priority, _, part, function, args, ours = self._waiting.pop(at)
                if part is not None:
                    self._parts[worker].add(part)
                self._in_pool[worker] += 1
                flight = self._flight[worker]
                flight.append((priority, ours))
                if priority < _IDLE and flight[0][0] >= _IDLE and self._stops is not None:
                    self._stops[worker] = 1  # waited for, behind an idle task: it gives way
                pool = self._pools[worker]
            try:
                theirs = pool.submit(function, *args)
            except (OSError, RuntimeError) as exc:  # shut down or broken
                self._failed = True
                with self._lock:
                    self._in_pool[worker] -= 1
                    self._landed(worker, ours)
                ours.set_exception(exc)
                continue
            theirs.add_done_callback(functools.partial(self._finished, worker, ours))

    def _pick(self) -> tuple[int, int] | None:
        """(worker, place in the waiting list) of the next task to hand over, if any: the
        first for a worker with room that is anyone's, its own or of a part it was given
        before (it has read those files); else, for a worker with nothing to do while
        STEAL_BACKLOG tasks wait, the first of any (it reads that part's files too)."""
        for worker, busy in enumerate(self._in_pool):
            if busy < 2:
                for at, entry in enumerate(self._waiting):
                    part = entry[2]
                    if entry[0] >= _IDLE and busy:
                        break  # the rest are idle tasks: only for a worker with nothing
                    if part is None or part % self.count == worker or part in self._parts[worker]:
                        return worker, at
        if sum(entry[0] < _IDLE for entry in self._waiting) >= STEAL_BACKLOG:
            for worker, busy in enumerate(self._in_pool):
                if busy == 0:
                    return worker, 0
        return None

    def _landed(self, worker: int, ours: Future[Any]) -> None:
        """``ours`` has left ``worker``: the task after it (if any) is not stopped (the
        flag is only set while an idle task runs first). Under ``_lock``."""
        self._flight[worker] = [entry for entry in self._flight[worker] if entry[1] is not ours]
        if self._stops is not None:
            self._stops[worker] = 0

    def _finished(self, worker: int, ours: Future[Any], theirs: Future[Any]) -> None:
        with self._lock:
            self._in_pool[worker] -= 1
            self._landed(worker, ours)
        if not ours.done():  # done: cancelled when the workers were closed
            if theirs.cancelled():
                ours.cancel()
            elif (error := theirs.exception()) is not None:
                ours.set_exception(error)
            else:
                ours.set_result(theirs.result())
        self._feed()

    def collect(self, future: Future[Answers]) -> Answers | None:
        """A worker's answers, or None if it failed (then the workers are not used again)."""
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - a broken worker or a failing compute: work here
            self._failed = True
            return None

    def close(self) -> None:
        """Stop the workers; they are not started again (a ``prepare`` hook still working
        after the scan would otherwise start new ones): asked after this, the scanning
        process answers alone."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
            pools, self._pools = self._pools, []
            self._closed = True
        for *_, ours in waiting:
            ours.cancel()
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


_SPAWNING = threading.Lock()
_UNSAFE_ENV = ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONINSPECT")


@contextlib.contextmanager
def isolated(root: Path) -> Iterator[None]:
    """While processes are spawned in this block, they cannot import from ``root`` or the
    working directory: ``PYTHONSAFEPATH`` is set, ``PYTHONPATH`` is unset, and ``sys.path``
    (which spawn hands to the child) holds only absolute entries outside ``root``."""
    with _SPAWNING:
        saved_env = {key: os.environ.get(key) for key in (*_UNSAFE_ENV, "PYTHONSAFEPATH")}
        saved_path = list(sys.path)
        try:
            for key in _UNSAFE_ENV:
                os.environ.pop(key, None)
            os.environ["PYTHONSAFEPATH"] = "1"
            sys.path[:] = [entry for entry in saved_path
                           if entry and os.path.isabs(entry) and not is_within(entry, root)]
            yield
        finally:
            sys.path[:] = saved_path
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


# ---- in a worker process ------------------------------------------------------------------
# A worker's state lives for one run, in that worker process only: the root and the texts
# of the files it has read (not a translation file's, as in the scanning process).

_ROOT: list[str] = []
_TEXTS: dict[str, str | None] = {}
_STOP: list[tuple[Any, int]] = []  # the shared flags, and which is this worker's
_STOP_EVERY = 8  # files between two looks at the flag (a look costs about 0.1 us)


# What a worker imports before its first task: with readiness.checks, every built-in gate
# word (``sourcetext.gate_words``) is registered.
_WORK_MODULES = ("readiness.checks", "readiness.evals.goldfind", "readiness.llmcalls.walker",
                 "readiness.project.configfiles", "readiness.project.importscan",
                 "readiness.project.signals", "readiness.project.snapshot")


def _context() -> multiprocessing.context.BaseContext:
    """How the workers start: forked from a fork server that imported what they need
    (one interpreter's start-up for all of them, not one each: Home Assistant, cold,
    about 0.4 s of CPU saved while this process lists the files), where there is one;
    else spawned."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, *_WORK_MODULES])
    return context


def _stop_flags(context: multiprocessing.context.BaseContext, count: int) -> Any:
    """A byte per worker in memory shared with them (its stop flag); None where there is
    no such memory (then idle tasks run to their end)."""
    try:
        return context.RawArray("b", count)
    except OSError:
        return None


def _start(root: str, stops: Any = None, worker: int = 0) -> None:
    # A fork server started for another root passed its own sys.path on: none of this
    # root's folders may be importable here either (``isolated``).
    sys.path[:] = [entry for entry in sys.path
                   if entry and os.path.isabs(entry) and not is_within(entry, root)]
    _ROOT.append(root)
    if stops is not None:
        _STOP.append((stops, worker))
    prepare_for_scan()  # a worker's parses and walks pile up records as the command's do


def _start_up() -> None:
    """Import what the work needs before the first task arrives (already done when the
    worker was forked from a fork server that imported it)."""
    for module in _WORK_MODULES:
        importlib.import_module(module)


def _compute_of(payload: bytes) -> Callable[[str], Any]:
    """The compute function pickled in ``payload``, unpickled once for a query's parts (a
    search's patterns and word sets cost more to unpickle than many files to scan)."""
    found = _COMPUTES.get(payload)
    if found is None:
        found = pickle.loads(payload)  # noqa: S301 - our own process pickled it
        if len(_COMPUTES) >= 4:  # a few queries run at once (one per check thread asking)
            del _COMPUTES[next(iter(_COMPUTES))]
        _COMPUTES[payload] = found
    return found


_COMPUTES: dict[bytes, Callable[[str], Any]] = {}
# Small encoded answers, one object each: pickled, an answer met before is a reference to
# it, and the scanning process unpickles one object, not one per file (Home Assistant: of
# 370,000 answers most are "no match")
_SMALL: dict[bytes, bytes] = {}
_SMALL_SIZE = 16


def unpack(held: bytes) -> Answers:
    """The answers an idle task packed (``Answers.held``)."""
    answered: Answers = pickle.loads(zlib.decompress(held))  # noqa: S301 - our worker's
    return answered


def _answer(payload: bytes, files: list[str], hold: bool = False) -> Answers:
    from readiness.project.filefacts import encode
    from readiness.project.snapshot import read_keyed  # the same reading rules as the scan's
    from readiness.project.sourcetext import (
        is_translation,
        keep_words_of,
        vocabulary,
        words_found,
    )

    compute = _compute_of(payload)
    answers: list[Any] = []
    keys: dict[int, str | None] = {}
    words: dict[int, tuple[int, int]] = {}
    raw: set[int] = set()
    problems: dict[int, str] = {}
    translations: set[int] = set()  # (only files read here: a kept text is none)
    stops, me = _STOP[0] if hold and _STOP else (None, 0)
    done = None
    for at, rel in enumerate(files):
        if stops is not None and at % _STOP_EVERY == 0 and stops[me]:
            done = at  # a task waited for is next: this idle one gives way
            break
        text = _TEXTS.get(rel)
        if rel not in _TEXTS:
            text, problem, key = read_keyed(os.path.join(_ROOT[0], rel))  # (no Path per file)
            if problem is not None:
                problems[at] = problem
            if is_translation(rel):  # UI strings, read by one scan: not worth keeping
                translations.add(at)
            else:
                _TEXTS[rel] = text
                if text is not None:
                    keep_words_of(text, rel)  # asked by many scans: searched for their words once
                    if rel.endswith(".py"):  # met by every code scan's gates
                        words[at] = words_found(text)
            keys[at] = key
        if text is None:
            answers.append(NO_TEXT)
            continue
        answer = compute(text)
        encoded = encode(answer)
        if encoded is None:
            raw.add(at)
        elif len(encoded) <= _SMALL_SIZE and (len(_SMALL) < 4096 or encoded in _SMALL):
            encoded = _SMALL.setdefault(encoded, encoded)  # most are the same few
        answers.append(answer if encoded is None else encoded)
    if hold:  # what the scanning process needs at once, and the rest packed
        full = Answers(answers, keys, frozenset(raw), problems=problems or None)
        return Answers([], {at: key for at, key in keys.items() if at not in translations},
                       frozenset(), words or None, vocabulary() if words else (),
                       zlib.compress(pickle.dumps(full, pickle.HIGHEST_PROTOCOL), 1),
                       {at: why for at, why in problems.items() if at not in translations}
                       or None, done)
    return Answers(answers, keys, frozenset(raw), words or None, vocabulary() if words else (),
                   problems=problems or None)
