"""A read-only snapshot of the scanned repository.

Files are listed once (honouring .gitignore), and each file's text and Python AST are read
lazily and at most once per run. Nothing in the repository is imported or executed, and
nothing outside the root is read: symlinks are never followed.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import io
import os
import stat
import threading
import time
import tokenize
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast

from readiness.git.info import GitFacts, open_repository
from readiness.inputs import is_within
from readiness.project import workers as workers_
from readiness.project.cache import content_key, utf8_key
from readiness.project.filefacts import (
    FactStore,
    Signature,
    decode,
    encode,
    immutable,
    store_path,
)
from readiness.project.globs import glob_match
from readiness.project.sourcetext import (
    MINIFIABLE,
    MINIFIED_LINE,
    MINIFIED_SIZE,
    forget_words_of,
    generated_files,
    is_translation,
    keep_words_of,
    minified,
    split_lines,
)
from readiness.project.walk import excluded, walk

T = TypeVar("T")
A = TypeVar("A")
MAX_TEXT_BYTES = 5 * 1024 * 1024


class Skipped(NamedTuple):
    """A file the scan could not use, and why."""

    path: str
    reason: str


class Gate(NamedTuple):
    """What a per-file query answers for a text that lacks certain gate words: ``empty``
    whenever, for one of the word tuples in ``words``, the text holds none of its words
    (``sourcetext.holds_any``). The words must be registered (``sourcetext.gate_words``).
    ``Project.facts`` then answers a Python file a worker has read, and whose words it
    reported, without sending it to the workers again."""

    words: tuple[tuple[str, ...], ...]
    empty: Any


class _Later(NamedTuple):
    """The tasks ``Project.facts_later`` sent for one query and not yet taken (the files
    of each, its answers to come and its part), those done (the files, and the answers
    packed), the lock of whoever takes them, and how the tasks were sent (the compute as
    the workers receive it, and whether the answers are wanted last)."""

    lock: threading.Lock
    sent: list[tuple[list[str], Future[workers_.Answers], int]]
    held: list[tuple[list[str], bytes]]
    payload: bytes
    last: bool


VOCABULARY_BITS = 4  # the workers' orders of the gate words (one each, unless late words)
WORD_COUNT = 16  # bits for how many words were searched for


class Project:
    """The scanned repository: its files, their text and ASTs, and git facts."""

    def __init__(self, root: Path, *, exclude: Iterable[str] = (), use_git: bool = True,
                 cache_dir: Path | None = None, jobs: int | None = None) -> None:
        self.root = root.resolve()
        self._root_text = str(self.root)
        self._root_prefix = os.path.join(self._root_text, "")  # a listed path follows it
        # where analyses may keep facts between runs; None: off. Never inside the scanned
        # repository: a scan only reads it.
        if cache_dir is not None and is_within(cache_dir, self.root):
            cache_dir = None
        self.cache_dir = cache_dir
        self.jobs = jobs
        self._shared: dict[str, object] = {}
        self._shared_locks: dict[str, threading.Lock] = {}
        # how long each thread has waited for a shared analysis another was computing (the
        # seconds of waits that ended, and when the one going on began): see ``waited``.
        # By thread, not by ident: the system gives a finished thread's ident to the next
        self._waited: dict[threading.Thread, float] = {}
        self._waiting: dict[threading.Thread, float] = {}
        self.git: GitFacts | None = None
        self.git_note: str | None = None  # why a repository's git facts could not be read
        if use_git:
            self.git, self.git_note = open_repository(self.root)
        self._lock = threading.Lock()
        self._text: dict[str, str | None] = {}
        weakref.finalize(self, _forget_texts, self._text)  # a project never released
        self._ast: dict[str, ast.Module | None] = {}
        self._skipped: dict[str, str] = {}
        self._signature: dict[str, Signature] = {}
        self._key: dict[str, str | None] = {}
        self._store_path = store_path(cache_dir, self.root) if cache_dir else None
        self._store_ready = threading.Lock()
        self._loaded_store: FactStore | None = None
        cores = os.cpu_count() or 1
        count = min(jobs or cores, cores)
        # worker processes of the run (see readiness.project.workers); None: this process alone
        self.workers = workers_.Workers(self.root, count) if count > 1 else None
        listed = self.git.list_files() if self.git else None
        if listed is None:
            listed = walk(self.root)
        nothing_kept = self._store_path is None or not self._store_path.exists()
        if self.workers is not None and nothing_kept and len(listed) >= workers_.MIN_FILES:
            # a cold scan of a big repository will want them soon: the fork server imports
            # what they need while this process looks at each file below and loads the
            # checks (Home Assistant: 36,488 files to stat, about 0.2 s)
            self.workers.warm()
        patterns = tuple(exclude)
        admitted = [rel for rel in listed if self._admit(rel)]
        if patterns:
            admitted = [rel for rel in admitted if not excluded(rel, patterns)]
        self.files: tuple[str, ...] = tuple(sorted(admitted))
        self._file_set = frozenset(self.files)
        self._worker_differs: set[str] = set()  # files a worker read differently from us
        # files whose content key is a worker's reading (this process has not read them):
        # checked against this process's own reading if it ever reads them
        self._adopted: set[str] = set()
        self._part: dict[str, int] = {}  # which part of a split query each file is in
        # the gate words of each Python file a worker read, one int: the bits of the words
        # found, then how many words were searched for (WORD_COUNT bits), then the number
        # of the worker's vocabulary (VOCABULARY_BITS); see ``Gate``
        self._words: dict[str, int] = {}
        self._vocabularies: list[dict[str, int]] = []  # word -> its bit's position
        self._vocabulary_of: dict[tuple[str, ...], int] = {}
        if self.workers is not None:
            weakref.finalize(self, self.workers.close)
        self._fresh = False  # set by ``_store``
        self._generated: frozenset[str] | None = None
        self._translations: tuple[bool, frozenset[str]] | None = None  # see ``translation``
        self._asked: set[str] = set()
        self._later: dict[str, _Later] = {}  # queries sent by ``facts_later``

    def signatures(self) -> dict[str, Signature]:
        """What ``lstat`` said about each scanned file when the project was listed."""
        return self._signature

    @property
    def _store(self) -> FactStore:
        """The facts kept from earlier runs, loaded when first needed: a run whose results
        are kept whole (``readiness.runcache``) never loads them."""
        store = self._loaded_store
        if store is not None:
            return store
        with self._store_ready:
            if self._loaded_store is None:
                self._loaded_store = self._open_store()
            return self._loaded_store

    def _open_store(self) -> FactStore:
        store = FactStore(self._store_path)
        for rel in self.files:  # content known from the last run: no file read to find it
            key = store.trusted_key(rel, self._signature.get(rel))
            if key is not None:
                self._key[rel] = key
        if self.workers is not None:
            if len(self.files) - store.knows(self._file_set) >= workers_.MIN_FILES:
                self.workers.warm()  # a cold scan of a big repository will want them soon
            # no content known from an earlier run: big queries go to the workers at once
            self._fresh = not self._key
        return store

    def start(self) -> None:
        """Load the facts of earlier runs now (and, on a cold scan of a big repository,
        start the worker processes while the checks load)."""
        self._store  # noqa: B018 - loading it is the point

    def shared(self, key: str, compute: Callable[[Project], T]) -> T:
        """An analysis shared by several checks (the LLM call-site index), computed once.
        A thread that finds another computing it waits, and the wait is counted
        (``waited``)."""
        with self._lock:
            lock = self._shared_locks.setdefault(key, threading.Lock())
        if not lock.acquire(blocking=False):
            me, began = threading.current_thread(), time.perf_counter()
            with self._lock:
                self._waiting[me] = began
            try:
                lock.acquire()
            finally:
                with self._lock:
                    del self._waiting[me]
                    self._waited[me] = self._waited.get(me, 0.0) + time.perf_counter() - began
        try:
            if key not in self._shared:
                self._shared[key] = compute(self)
            return cast(T, self._shared[key])
        finally:
            lock.release()

    def waited(self, thread: threading.Thread) -> float:
        """Seconds ``thread`` has spent waiting for shared analyses that other threads were
        computing, the wait going on included: a check that needs the call-site index
        while another check builds it waits for it (the 35 corpus apps side by side,
        cold: ``adoption-metrics`` 11.9 s of its 49.6 s), and the runner does not count
        that against its own time."""
        with self._lock:
            total = self._waited.get(thread, 0.0)
            since = self._waiting.get(thread)
        return total + (time.perf_counter() - since if since is not None else 0.0)

    def facts(self, files: Iterable[str], query: str, compute: Callable[[str], A], *,
              costly: bool = False, gate: Gate | None = None) -> dict[str, A]:
        """``compute(text)`` of each of ``files`` that has text, kept between runs.

        ``compute`` must depend on the text alone, and ``query`` must name everything else
        its answer depends on (the scan, its version, its patterns): the answer is stored
        under the text's content key and ``query``, and reused whenever both are the same.
        Answers must be plain values (str, int, float, bool, None, tuples, lists, dicts,
        frozensets of them) so that they can be stored. Files whose content is known from
        an earlier run are not read at all.

        ``costly``: each answer costs about a parse (or more), so that even a few files go
        to the worker processes, ahead of the text scans waiting there, while this process
        goes on with other checks (skyvern 1.0.56: 3.3 s of parses for the feedback scan
        and 3 s for the traffic analysis's callers, which this process did alone).

        ``gate``: when ``compute`` gives a fixed answer for texts without certain words
        (``Gate``), the Python files whose words a worker reported are answered here without
        being sent (a search for an LLM vendor's name: of Home Assistant's 6,725 Python
        files, a few dozen hold one), and kept like any other answer.
        """
        files = list(files)  # iterated more than once below
        least = self._least(costly)
        store = self._store
        out: dict[str, A] = {}
        if self._later:
            self._take_later(query, out)  # answered in idle moments: decoded at once
        missing: list[str] = []
        if self._fresh and query not in self._asked and len(files) >= least:
            missing = files  # nothing kept yet: parts go to the workers before a file is read
        else:
            keys, lookup, fresh = self._key, store.lookup(query), self._fresh
            for rel in files:  # the hot loop of a warm run: look-ups only
                if rel in out:
                    continue
                if rel in keys:
                    key = keys[rel]
                elif fresh:  # read by no one yet: nothing can be kept for its text
                    missing.append(rel)
                    continue
                else:
                    key = self.content_key(rel)
                if key is None:
                    continue
                encoded = lookup(key)
                if encoded is not None:
                    try:
                        out[rel] = decode(encoded)
                        continue
                    except (EOFError, ValueError, TypeError):  # corrupt: computed again
                        pass
                missing.append(rel)
        self._asked.add(query)
        split = None
        if gate is not None and self._words and missing:
            split = len(missing) >= least or None  # the rest goes where all would have
            missing = self._ungated(missing, query, gate, out)
        if missing:
            self._answer(missing, query, compute, out, costly=costly, split=split)
        return {rel: out[rel] for rel in files if rel in out}  # in the order asked

    def facts_later(self, files: Iterable[str], query: str, compute: Callable[[str], Any],
                    *, last: bool = False) -> None:
        """Have the worker processes answer ``query`` for ``files`` (as ``facts`` would)
        whenever one has nothing else to do, for a ``facts`` call later in the run: a check
        that scans every file but runs late (the secrets scan of Home Assistant's 36,466
        files) then finds its answers kept. Only on a cold scan with workers; a task waited
        for goes ahead of these, and these go with the others once ``facts`` asks.
        ``last``: after the other queries sent this way (answers wanted at the very end)."""
        workers = self.workers
        if workers is None or not self.sends_later or query in self._asked:
            return
        files = list(files)
        payload = workers.payload(compute) if len(files) >= workers_.MIN_FILES else None
        if payload is None:
            return
        later = _Later(threading.Lock(), [], [], payload, last)
        for at, part in enumerate(self._parts(files, workers.count)):
            for start in range(0, len(part), workers_.IDLE_TASK_FILES):
                if not self._send_later(later, part[start:start + workers_.IDLE_TASK_FILES],
                                        at):
                    break
        with self._lock:
            self._later[query] = later
            self._asked.add(query)  # ``facts`` looks its answers up, then sends the rest

    def _send_later(self, later: _Later, group: list[str], part: int) -> bool:
        """Send ``group``, of ``part``, as an idle task of ``later``; False if the workers
        cannot take it."""
        future = None if self.workers is None else self.workers.answer(
            later.payload, group, part=part, idle=True, last=later.last)
        if future is None:
            return False
        later.sent.append((group, future, part))
        return True

    @property
    def sends_later(self) -> bool:
        """Would ``facts_later`` send anything (a cold scan with worker processes)? A
        ``prepare`` hook need not work out what it would send when not."""
        return self.workers is not None and self._store_fresh()

    def _store_fresh(self) -> bool:
        self._store  # noqa: B018 - loading it sets _fresh
        return self._fresh

    def _take_later(self, query: str, out: dict[str, Any]) -> None:
        """Keep the answers of the tasks ``facts_later`` sent for ``query``, waiting for
        those not done (ahead of the idle tasks of other queries), and put them in ``out``
        decoded: not looked up again in the store, where a long one waits in the spill
        (Home Assistant's called names: 6,725 files, each read back from the disk)."""
        self._drain_later()
        with self._lock:
            waited = self._later.get(query)
        if waited is not None:
            with waited.lock:  # a thread asking the same meanwhile waits here
                if self.workers is not None:
                    for _, future, _ in waited.sent:
                        self.workers.hurry(future)
                for group, future, _ in waited.sent:
                    self._hold(waited, group, future)  # what gave way is asked below
                waited.sent.clear()
                for group, held in waited.held:
                    answered = workers_.unpack(held)
                    self._learn(group, answered)
                    self._keep(group, answered, query, out)
                waited.held.clear()
                with self._lock:
                    self._later.pop(query, None)

    def _drain_later(self) -> None:
        """Take what the idle tasks done so far reported (``_hold``): before a query is
        sent, and before a worker's answers are kept, so that a file an idle task read
        first has its content key here (a worker reports a key at its first reading only,
        and a key unknown here means reading the file again)."""
        with self._lock:
            waiting = list(self._later.values())
        for later in waiting:
            if later.lock.acquire(blocking=False):  # else another thread takes them
                try:
                    for group, future, part in [task for task in later.sent if task[1].done()]:
                        later.sent.remove((group, future, part))
                        rest = self._hold(later, group, future)
                        if rest:  # it gave way to a task waited for: the rest goes again
                            self._send_later(later, rest, part)
                finally:
                    later.lock.release()

    def _hold(self, later: _Later, group: list[str], future: Future[workers_.Answers]
              ) -> list[str]:
        """Take the content keys and gate words an idle task's worker reported for the
        files it read first (gated queries need not send them, and no file is read here
        again for its key), and hold the rest, packed, until the query is asked: it then
        adds to this process's memory at the end, as it did when the check asked it
        without ``facts_later``, not while the other analyses run (Home Assistant's
        secrets scan: the keys of 27,000 translation files, about 15 MB with the store's
        entries for them; 1.2 MB packed). The files of a task that gave way before it
        answered them (``Answers.done``) are returned."""
        answered = self.workers.collect(future) if self.workers else None
        if answered is None or answered.held is None:
            return []  # the files are answered when their query is asked
        done = len(group) if answered.done is None else answered.done
        self._learn(group[:done], answered)
        later.held.append((group[:done], answered.held))
        return group[done:]

    def _ungated(self, files: list[str], query: str, gate: Gate, out: dict[str, Any]
                 ) -> list[str]:
        """Answer those of ``files`` that ``gate`` answers (their words known, and none of
        one of its word tuples among them) and keep their answers; the others, in order."""
        empty = encode(gate.empty)
        if empty is None:
            return files
        value = decode(empty)
        shared = immutable(value)  # else each file gets its own (``decode`` again)
        # the low bits of a file's words (its vocabulary, how many words were searched
        # for) -> for each of the gate's word tuples the text must lack, its bits' mask
        masks: dict[int, tuple[int, ...]] = {}
        low_bits = (1 << (VOCABULARY_BITS + WORD_COUNT)) - 1
        rest: list[str] = []
        answered: list[str] = []  # their content keys
        words, keys, differs = self._words, self._key, self._worker_differs
        for rel in files:
            found = words.get(rel)
            key = keys.get(rel)
            if found is None or key is None or rel in differs:
                rest.append(rel)
                continue
            low = found & low_bits
            test = masks.get(low)
            if test is None:
                test = masks[low] = self._gate_masks(low, gate)
            for mask in test:
                if not found & mask:
                    out[rel] = value if shared else decode(empty)
                    answered.append(key)
                    break
            else:
                rest.append(rel)
        if answered:
            self._store.put_same(query, answered, empty)
        return rest

    def _gate_masks(self, low: int, gate: Gate) -> tuple[int, ...]:
        """For a file's words whose low bits are ``low`` (see ``_words``: its worker's
        vocabulary, and how many words its search covered): the masks, over the whole
        packed int, of the gate's word tuples whose words are all in that vocabulary and
        were all covered (a file holds none of a tuple's words when its int and the mask
        share no bit)."""
        index = self._vocabularies[low & (1 << VOCABULARY_BITS) - 1]
        covered = low >> VOCABULARY_BITS
        masks = []
        for words in gate.words:
            places = [index[word] for word in words if word in index]
            if words and len(places) == len(words) and max(places) < covered:
                masks.append(sum(1 << at for at in set(places)) <<
                             (VOCABULARY_BITS + WORD_COUNT))
        return tuple(masks)

    def _note_words(self, group: list[str], answered: workers_.Answers) -> None:
        """Keep the gate words a worker reported for the files of ``group`` it read."""
        if not answered.words:
            return
        with self._lock:
            vocabulary = self._vocabulary_of.get(answered.vocabulary)
            if vocabulary is None:
                if len(self._vocabularies) >= 1 << VOCABULARY_BITS:
                    return
                vocabulary = self._vocabulary_of[answered.vocabulary] = len(self._vocabularies)
                self._vocabularies.append({word: at for at, word in
                                           enumerate(answered.vocabulary)})
            for at, (bits, covered) in answered.words.items():
                if covered < 1 << WORD_COUNT:
                    self._words[group[at]] = (bits << WORD_COUNT | covered) << \
                        VOCABULARY_BITS | vocabulary

    def prefetch(self, files: Iterable[str], query: str, compute: Callable[[str], Any]
                 ) -> None:
        """Have the answers of ``files`` to ``query`` computed and kept now, for ``facts``
        to find later: answers that each cost about a parse, which the caller would
        otherwise ask for one file at a time (the traffic analysis's modules). Even a few go
        to the workers, ahead of the text scans waiting there, while this process goes on
        with other checks. Nothing is decoded here: answers kept already are left as they
        are, and those computed are only kept."""
        lookup, keys, fresh = self._store.lookup(query), self._key, self._fresh
        missing = [rel for rel in files if (fresh and rel not in keys) or (
            (key := self.content_key(rel)) is not None and lookup(key) is None)]
        if missing:
            self._answer(missing, query, compute, {}, costly=True, prefetching=True)

    def _parts(self, files: list[str], workers: int) -> list[list[str]]:
        """``files`` in the parts of a split query (``workers_.part``), each part's files in
        the order given; a file's part is worked out once, when a query is first split."""
        count = workers_.PARTS_PER_WORKER * workers
        parts: list[list[str]] = [[] for _ in range(count)]
        for rel in files:
            at = self._part.get(rel)
            if at is None:
                at = self._part[rel] = workers_.part(rel, count)
            parts[at].append(rel)
        return parts

    def _least(self, costly: bool) -> int:
        """How many files a query needs for the worker processes to answer them. A
        ``costly`` one (see ``facts``) goes to them even for one file once they run: this
        process runs every join and check, so its time is the run's, and a parse here is
        one the workers would have made while it went on (Home Assistant, cold: 13 traffic
        modules and 285 YAML files, 0.33 s of this process's time). Before they run,
        starting them costs more than a few such answers."""
        if not costly:
            return workers_.MIN_FILES
        running = self.workers is not None and self.workers.running
        return 1 if running else workers_.MIN_COSTLY_FILES

    def _answer(self, files: list[str], query: str, compute: Callable[[str], A],
                out: dict[str, A], *, costly: bool = False, prefetching: bool = False,
                split: bool | None = None) -> None:
        """Compute and keep the answers of ``files``, parts of them in the worker processes
        when there are many (see ``readiness.project.workers``), into ``out``. When
        ``costly`` (see ``facts``), a few go to the workers already, urgent; when
        ``prefetching`` (see ``prefetch``), their answers are only kept, not decoded.
        ``split``: whether the files go to the workers (None: when they are many)."""
        sent: list[tuple[list[str], Future[workers_.Answers]]] = []
        payload = None
        least = self._least(costly)
        if self.workers is not None and (len(files) >= least if split is None else split):
            payload = self.workers.payload(compute)
        if self.workers is not None and payload is not None:
            groups = [(at, group) for at, group in
                      enumerate(self._parts(files, self.workers.count)) if group]
            for at, group in groups:
                future = self.workers.answer(payload, group, part=at, urgent=costly)
                if future is None:
                    break
                sent.append((group, future))
            if sent:  # what could not be sent is answered here
                files = [rel for _, group in groups[len(sent):] for rel in group]
        for rel in files:
            self._compute(rel, query, compute, out)
        for group, future in sent:
            done = self._take(group, future, query, None if prefetching else out)
            for rel in group:
                if rel not in done:
                    self._compute(rel, query, compute, out)

    def _take(self, group: list[str], future: Future[workers_.Answers], query: str,
              out: dict[str, Any] | None) -> set[str]:
        """Keep a worker's answers to ``query`` for the files of ``group`` (into ``out``
        too, decoded, unless it is None); the files it answered."""
        answered = self.workers.collect(future) if self.workers else None
        if answered is None:
            return set()
        if self._later:
            self._drain_later()  # an idle task before this one may have read its files
        self._learn(group, answered)
        return self._keep(group, answered, query, out)

    def _learn(self, group: list[str], answered: workers_.Answers) -> None:
        """Take the content keys and gate words a worker reported for ``group``."""
        self._note_words(group, answered)
        problems = answered.problems or {}
        for at, key in answered.keys.items():  # read by the worker the first time
            rel = group[at]
            problem = problems.get(at) if key is None else None
            if (key is not None or problem is not None) and self._adopt(rel, key, problem):
                if key is None:
                    self._worker_differs.add(rel)  # no text there: answered as such here
                continue  # not read here: the worker's reading is the only one
            if key is None or key != self.content_key(rel):
                self._worker_differs.add(rel)  # changed in between, or no text there

    def _keep(self, group: list[str], answered: workers_.Answers, query: str,
              out: dict[str, Any] | None) -> set[str]:
        done: set[str] = set()
        kept: list[tuple[str, bytes]] = []
        keys, differs = self._key, self._worker_differs
        for at, (rel, answer) in enumerate(zip(group, answered.answers, strict=True)):
            key = keys[rel] if rel in keys else self.content_key(rel)  # known: no lock
            if rel not in differs and key is not None:
                done.add(rel)
                if at in answered.raw:  # not a plain value: used, not kept
                    if out is not None:
                        out[rel] = answer
                else:
                    if out is not None:
                        out[rel] = decode(answer)
                    kept.append((key, answer))
        self._store.put_many(query, kept)
        return done

    def _compute(self, rel: str, query: str, compute: Callable[[str], A],
                 out: dict[str, A]) -> None:
        key, text = self._key_and_text(rel)  # a file read for its key is not read again
        if key is None:
            return
        found, kept = self._store.get(key, query)  # a file of the same text was just answered
        if found:
            out[rel] = kept
            return
        if text is None:
            text = self.text(rel)
        if text is not None:
            if not is_translation(rel):  # kept for the run: asked by many scans
                keep_words_of(text, rel)  # (holds_any searches it once for their words)
            answer = out[rel] = compute(text)
            key = self.content_key(rel)  # a file changed since a worker read it has a new one
            if key is not None:
                self._store.put(key, query, answer)

    def close(self) -> None:
        """Stop the worker processes, if any were started, and let go of the answers
        waiting for a save that has been made (or will not be)."""
        if self.workers is not None:
            self.workers.close()
        if self._loaded_store is not None:
            self._loaded_store.close()

    def stored_fact(self, rel: str, query: str) -> tuple[bool, Any]:
        """(True, answer) when an answer to ``query`` is kept for the file's text (which is
        then not read), else (False, None). For analyses that compute answers in bulk
        elsewhere (worker processes) and hand them back with ``remember_fact``."""
        key = self.content_key(rel)
        return (False, None) if key is None else self._store.get(key, query)

    def remember_fact(self, rel: str, query: str, answer: Any) -> None:
        """Keep ``answer`` (a plain value, a function of the text alone) for ``rel``."""
        key = self.content_key(rel)
        if key is not None:
            self._store.put(key, query, answer)

    def remember_encoded(self, rel: str, query: str, encoded: bytes) -> None:
        """``remember_fact`` of an answer encoded already (``filefacts.encode``)."""
        key = self.content_key(rel)
        if key is not None:
            self._store.put_encoded(key, query, encoded)

    def _adopt(self, rel: str, key: str | None, problem: str | None = None) -> bool:
        """Take a worker's content key for a file this process has not read (so that it
        need not read it only to hash it); False when it has a key of its own already.
        A None key is a file without text, noted for ``problem`` (binary, too big...) as a
        reading here would note it: reading it again would only say the same."""
        with self._lock:
            if rel in self._key or rel in self._text:
                return False
            self._key[rel] = key
            self._adopted.add(rel)
        if key is None:
            self._skip(rel, problem or "not readable as text")
        else:
            self._store.learn(rel, self._signature.get(rel), key)
        return True

    def content_key(self, rel: str) -> str | None:
        """The sha256 of the file's text (None if it has none), known without reading it
        when the file is unchanged since the last run."""
        return self._key_and_text(rel)[0]

    def _key_and_text(self, rel: str) -> tuple[str | None, str | None]:
        """(``content_key``, the text when it had to be read for the key, else None): a
        caller that needs the text too does not read it again (a translation file's text
        is not kept)."""
        with self._lock:
            if rel in self._key:
                return self._key[rel], None
        signature = self._signature.get(rel)
        key = self._store.trusted_key(rel, signature)
        text = None
        if key is None:
            text = self.text(rel)
            if text is not None:
                key = content_key(text)
                self._store.learn(rel, signature, key)
        with self._lock:
            return self._key.setdefault(rel, key), text

    def release(self) -> None:
        """Drop the shared analyses, texts and trees once every check is done: saving the
        facts then reuses their memory instead of adding to the run's peak."""
        with self._lock:
            self._shared.clear()
            _forget_texts(self._text)
            self._ast.clear()
            self._words.clear()
            self._later.clear()  # idle tasks of a query no check asked in the end

    def save_facts(self) -> None:
        """Keep what the per-file scans learnt for the next run (no-op without a cache)."""
        self._store.save(self._file_set)

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def skipped(self) -> tuple[Skipped, ...]:
        with self._lock:
            return tuple(Skipped(p, r) for p, r in sorted(self._skipped.items()))

    def _skip(self, path: str, reason: str) -> None:
        with self._lock:
            self._skipped.setdefault(path, reason)

    def note_skipped(self, path: str, reason: str) -> None:
        """Record that an analysis could not use ``path``; the scorecard lists it."""
        self._skip(path, reason)

    def _admit(self, rel: str) -> bool:
        """True for a regular file inside the root; symlinks and oddities are noted."""
        try:
            # a str, no Path per file; joined by hand: no listed path leaves the root, not
            # even one that looks absolute (``os.path.join`` would start it again there)
            info = os.lstat(self._root_prefix + rel)
        except OSError as exc:
            if not isinstance(exc, FileNotFoundError):  # deleted but still tracked: silent
                self._skip(rel, f"cannot stat: {exc.strerror}")
            return False
        if stat.S_ISLNK(info.st_mode):
            try:
                target = (self.root / rel).resolve(strict=True)
                target.relative_to(self.root)
            except (OSError, RuntimeError):
                self._skip(rel, "symlink is broken or loops; not followed")
            except ValueError:
                self._skip(rel, "symlink points outside the repository; not followed")
            return False
        if not stat.S_ISREG(info.st_mode):
            return False
        self._signature[rel] = Signature.of(info)
        return True

    def exists(self, rel: str) -> bool:
        """Is ``rel`` a scanned file, or a folder holding one?"""
        rel = rel.strip("/")
        if rel in self._file_set:
            return True
        prefix = rel + "/"
        return any(f.startswith(prefix) for f in self.files)

    def glob(self, pattern: str) -> list[str]:
        """Scanned files matching a glob (``**`` crosses folders), in sorted order."""
        return [f for f in self.files if glob_match(f, pattern)]

    def with_suffix(self, *suffixes: str) -> Iterator[str]:
        return (f for f in self.files if f.endswith(suffixes))

    @property
    def generated(self) -> frozenset[str]:
        """Files a build wrote, by their names (``sourcetext.generated_files``) or their
        minified text (``sourcetext.minified``): read by the secrets scan, never as the
        team's code."""
        found = self._generated
        if found is None:
            found = self._generated = self.shared("project.generated", _generated)
        return found

    def translation(self, rel: str) -> bool:
        """Is ``rel`` a language's UI strings (``sourcetext.is_translation``)? Worked out
        once for every listed file: a dozen scans pass over every file (Home Assistant:
        27,184 of its 36,488 files, about 0.3 s of the scanning process's time when each
        scan asked each path). Kept as the smaller set, the translation files or the others
        (there: the 9,304 others, 0.5 MB, not 2.1 MB)."""
        kept = self._translations
        if kept is None:
            found = frozenset(filter(is_translation, self.files))
            kept = self._translations = (True, found) if 2 * len(found) <= len(self.files) \
                else (False, self._file_set - found)
        holds, listed = kept
        if rel in listed:
            return holds
        return not holds if rel in self._file_set else is_translation(rel)

    def size(self, rel: str) -> int:
        """The file's size in bytes, as listed (0 if it cannot be read)."""
        signature = self._signature.get(rel)
        if signature is not None:
            return signature.size
        try:
            return (self.root / rel).stat().st_size
        except OSError:
            return 0

    def text(self, rel: str) -> str | None:
        """The file's text, or None if it is binary, too big, undecodable or unreadable.
        Kept for the rest of the run, except a translation file's (read again if asked)."""
        with self._lock:
            if rel in self._text:
                return self._text[rel]
        text = self._read_text(rel)
        if rel in self._adopted:
            self._check_adopted(rel, text)
        if is_translation(rel):
            return text  # UI strings, read by a scan or two: not worth their memory
        with self._lock:
            return self._text.setdefault(rel, text)

    def _check_adopted(self, rel: str, text: str | None) -> None:
        """A file read here after a worker gave its key: if it changed in between, its key
        becomes that of the text read here, and answers computed from this text are kept
        under it (the worker's answers stay under the worker's text's key)."""
        key = content_key(text) if text is not None else None
        with self._lock:
            self._adopted.discard(rel)
            if self._key.get(rel) == key:
                return
            self._key[rel] = key
            self._worker_differs.add(rel)
        if key is not None:
            self._store.learn(rel, self._signature.get(rel), key)

    def _read_text(self, rel: str) -> str | None:
        if rel not in self._file_set:
            return None
        text, problem = read_text(self._root_prefix + rel)  # a str: no Path per file
        if problem:
            self._skip(rel, problem)
        return text

    def lines(self, rel: str) -> list[str]:
        text = self.text(rel)
        return split_lines(text) if text is not None else []

    def python_ast(self, rel: str) -> ast.Module | None:
        """The parsed module, or None when the file does not parse (noted, not raised)."""
        with self._lock:
            if rel in self._ast:
                return self._ast[rel]
        tree = None
        source = self.text(rel)
        if source is not None:
            tree = parse_python(source)
            if tree is None:
                self._skip(rel, "Python that does not parse")
        with self._lock:
            return self._ast.setdefault(rel, tree)


_MINIFIED_QUERY = f"sourcetext.minified/1:{MINIFIED_LINE}:{MINIFIED_SIZE}"


def _generated(project: Project) -> frozenset[str]:
    named = generated_files(project.files)
    scripts = [rel for rel in project.files if rel.lower().endswith(MINIFIABLE)
               and rel not in named]
    found = project.facts(scripts, _MINIFIED_QUERY, minified)
    return named | {rel for rel, yes in found.items() if yes}


def _forget_texts(texts: dict[str, str | None]) -> None:
    """Let ``texts`` go, and the words remembered of them."""
    forget_words_of([text for text in texts.values() if text is not None])
    texts.clear()


def read_text(path: str | Path) -> tuple[str | None, str | None]:
    """(text, None), or (None, why the file has no usable text): unreadable, too big,
    binary or undecodable. Python files honour their declared encoding; CRLF becomes LF."""
    text, problem, _key = _read(path, False)
    return text, problem


def read_keyed(path: str | Path) -> tuple[str | None, str | None, str | None]:
    """``read_text``'s (text, problem) and the text's ``content_key`` (None without text),
    hashed from the bytes decoded when they are the text's UTF-8 (the usual case), so the
    text is not encoded again for it."""
    return _read(path, True)


def _read(path: str | Path, keyed: bool) -> tuple[str | None, str | None, str | None]:
    try:
        data = _read_bytes(path)
    except OSError as exc:
        return None, f"unreadable: {exc.strerror}", None
    if data is None:
        return None, "not a regular file; not read", None
    if len(data) > MAX_TEXT_BYTES:
        return None, f"larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB; not read", None
    if data.find(b"\0", 0, 8192) >= 0:  # (no copy of the first 8 KB to search)
        return None, "binary content", None
    encoding = "utf-8-sig"
    python = str(path).endswith(".py")
    if python and b"coding" in data[:_second_line_end(data)]:
        # a declaration can only be on the first two lines (PEP 263): without the word
        # there, tokenize answers UTF-8, which decodes the same text as the default below
        encoding = _declared(data)
    try:
        if encoding == "utf-8-sig":  # bytes.decode's own UTF-8, without the codec's wrapper
            # CRLF -> LF in the bytes: in UTF-8 they are those two characters and nothing
            # else, and the bytes' replace runs several times faster than the text's (a
            # text with one non-ASCII character is 2-4 bytes a character; Home Assistant's
            # 36,000 files: 0.16 -> 0.05 s with the decode)
            if b"\r" in data:
                data = data.replace(b"\r\n", b"\n")
            if data.startswith(codecs.BOM_UTF8):
                data = data[3:]
            text = data.decode("utf-8")  # strict: encoded again, these very bytes
            return text, None, utf8_key(data) if keyed else None
        text = data.decode(encoding).replace("\r\n", "\n")
        return text, None, content_key(text) if keyed else None
    except (UnicodeDecodeError, LookupError):
        if python:
            encoding = _declared(data)  # the name tokenize gives, in the message
        return None, f"not valid {encoding} text", None


def _declared(data: bytes) -> str:
    """The encoding of Python source (``tokenize.detect_encoding``; "utf-8-sig" when it
    cannot tell)."""
    with contextlib.suppress(SyntaxError):
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    return "utf-8-sig"


def _read_bytes(path: str | Path) -> bytes | None:
    """Up to MAX_TEXT_BYTES + 1 bytes of the file, by the descriptor (a file object and
    its buffer cost more than the read itself on a repository of small files); None when
    what is there now is no regular file (the walk admitted one, but a FIFO put in its
    place would block a read: the open does not wait, and nothing else is read).

    The first read asks for one byte more than the size ``fstat`` gives: a regular file
    gives less than asked only at its end, so one read is enough, and no buffer of the
    largest size allowed is made for each file (Home Assistant's 36,000 files: 0.42-0.61
    s -> 0.33 s). A file that grew since is read on, up to the bound."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) and not stat.S_ISDIR(status.st_mode):
            return None  # (a folder fails the read)
        asked = min(status.st_size, MAX_TEXT_BYTES) + 1
        chunks = [os.read(fd, asked)]
        size = len(chunks[0])
        while len(chunks[-1]) == asked and size <= MAX_TEXT_BYTES:  # all asked: maybe more
            asked = MAX_TEXT_BYTES + 1 - size
            chunks.append(os.read(fd, asked))
            size += len(chunks[-1])
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _second_line_end(data: bytes) -> int:
    first = data.find(b"\n")
    if first < 0:
        return len(data)
    second = data.find(b"\n", first + 1)
    return len(data) if second < 0 else second


def parse_python(source: str) -> ast.Module | None:
    """``ast.parse`` that turns every way of failing into None.

    One parse at a time in a process: CPython 3.11 keeps the depth of the tree being built
    in state shared by all threads, so two checks parsing at once in their threads can
    fail with ``SystemError: AST constructor recursion depth mismatch`` when a garbage
    collection in the middle of one lets the other run (CPython gh-106905). So can the
    warning filters, which ``catch_warnings`` swaps for the whole process."""
    with _PARSING:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escape sequences in scanned code
                return ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


_PARSING = threading.RLock()  # a finalizer run by a collection mid-parse may parse too
