"""What each file yields to the per-file scans, kept by content between runs.

A scan that looks at files one at a time (a text search, a config parser, an import scan)
asks ``Project.facts`` for its answer per file: a *query* (a string naming the scan and
everything it depends on besides the file) and a function of the file's text alone. The
answer is kept under the sha256 of the text, so it is reused for as long as the text is the
same, whichever path it lives at and whatever else changed.

So that an unchanged file is not even read, the store also keeps each path's ``lstat``
signature (size, mtime, ctime, inode) with its content key, as git's index does. A signature
is trusted only if it matches exactly and the file's mtime is older than the store by more
than ``RACY_NS``: a file changed in the same instant as the store was written is read again,
since a coarse clock could give it the same mtime.

The store is one ``marshal`` file per scanned root in the cache directory (marshal reads and
writes plain values fast and never runs code), written once per run, atomically, only when
something new was learnt. Answers are kept encoded (marshal bytes, compressed when large),
in memory as on disk, and decoded when asked for; the small answers most files share are
kept as a one-byte code per file (``_Answers``). So loading the store builds no object per
answer (most of which a run never asks for). The other answers learnt in a run wait for the
save in an unnamed temporary file (``_Spill``), read back when asked for: in memory they were
the largest part of a cold run's peak (Home Assistant: 49,000 answers, 12 MB).
An answer that is not a plain value is returned but not kept. A missing, unreadable or
corrupt store is an empty one; a full disk means no store, never a failed run.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import marshal
import operator
import os
import struct
import sys
import tempfile
import threading
import time
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator, Sized
from pathlib import Path
from typing import Any, TypeVar

from readiness import __version__

FORMAT = 10
SHARED_SIZE = 64  # encoded answers up to this size may be kept as a one-byte code per file
# entries per part of the file: paths and a query's answers are written (and read) a part
# at a time, so saving never copies them all at once (Home Assistant: 36,000 files)
CHUNK = 2000
RACY_NS = 2_000_000_000
COMPRESS_SIZE = 1024  # answers whose marshal bytes are this long or longer are compressed
SPILL_SIZE = 96  # answers learnt in a run longer than this wait for the save in a _Spill
_COMPRESSED = b"\x00"  # the first byte of a compressed answer: no marshal type code is 0
T = TypeVar("T")


_SIGNATURE = struct.Struct("<QQQQ")  # size, mtime, ctime (ns), inode: each modulo 2 ** 64
_WORD = (1 << 64) - 1


class Signature(bytes):
    """What ``lstat`` says about a file (size, mtime, ctime, inode): if all four are
    unchanged, so is the content. Packed in 32 bytes: as a tuple of four ints it took 200
    (Home Assistant lists 36,000 files), and it equals the plain bytes the store reads
    back."""

    __slots__ = ()

    def __new__(cls, size: int, mtime_ns: int, ctime_ns: int, inode: int) -> Signature:
        # modulo 2 ** 64: a file dated before 1970 or after 2262 (a repository can set any
        # date) still has a signature; only a change by a multiple of 2 ** 64 would hide
        return super().__new__(cls, _SIGNATURE.pack(size & _WORD, mtime_ns & _WORD,
                                                    ctime_ns & _WORD, inode & _WORD))

    @classmethod
    def of(cls, info: os.stat_result) -> Signature:
        return cls(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)

    @property
    def size(self) -> int:
        return int(_SIGNATURE.unpack(self)[0])

    @property
    def mtime_ns(self) -> int:
        """The mtime, or a date after 2262 for one before 1970: such a file never looks old
        enough to trust (the racy-mtime rule), so it is read again."""
        return int(_SIGNATURE.unpack(self)[1])


def store_path(cache_dir: Path, root: Path) -> Path:
    """The store of ``root``."""
    return root_store(cache_dir, root, "files", FORMAT)


def root_store(cache_dir: Path, root: Path, kind: str, form: int) -> Path:
    """A file the cache keeps for ``root``: named after the root's path, in a folder named
    after what it holds, the tool, Python and the file format's versions."""
    digest = hashlib.sha256(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    version = f"{__version__}-py{sys.version_info[0]}{sys.version_info[1]}-f{form}"
    return cache_dir / f"{kind}-{version}" / f"{digest}.marshal"


class FactStore:
    """Content keys of paths and per-content answers to queries, loaded once, saved once.

    Each content key has a number (its place in the file's list of keys, then in the order
    learnt), and each query's answers are kept by number in an ``_Answers``."""

    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: in memory only (``--no-cache``)
        self._lock = threading.Lock()
        # path -> (signature, content key); signatures loaded from disk stay plain bytes
        self._known: dict[str, tuple[bytes, str]] = {}
        self._number: dict[str, int] = {}  # content key -> its number
        self._keys: list[str] = []  # number -> content key
        self._facts: dict[str, _Answers] = {}  # query -> its answers
        self._written_ns = 0
        self._paths: dict[str, tuple[Signature, str]] = {}  # learnt this run
        self._dirty = False
        self._spill: _Spill | None = None  # made at the first answer long enough to go there
        self._spill_failed = False
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        """The file: marshal parts, each after its length (8 bytes, little-endian): a header
        ``(FORMAT, written, key parts, path parts, queries)``; then the content keys, each
        once, in lists; then ``{path: (signature, key's number)}`` parts;
        then per query ``(query, values, codes, other parts)`` and its ``{key's number:
        answer}`` parts (see ``_Answers``). A part holds at most ``CHUNK`` entries."""
        try:
            parts = _parts(path.read_bytes())
            form, written, key_parts, path_parts, queries = _without_gc(marshal.loads,
                                                                        next(parts))
            if form != FORMAT or not all(isinstance(n, int)
                                         for n in (key_parts, path_parts, queries)):
                return
            keys: list[str] = []
            for _ in range(key_parts):
                listed = marshal.loads(next(parts))
                if not isinstance(listed, list):
                    return
                keys += listed
            # {path: (signature, key)}: a Signature compares equal to its plain bytes, so
            # none is built for each of thousands of entries
            known: dict[str, tuple[bytes, str]] = {}
            for _ in range(path_parts):
                for rel, (signature, number) in _without_gc(marshal.loads, next(parts)).items():
                    if type(signature) is not bytes or len(signature) != _SIGNATURE.size or \
                            type(number) is not int or number < 0:  # not the key from the end
                        return
                    known[rel] = (signature, keys[number])
            facts: dict[str, _Answers] = {}
            for _ in range(queries):
                query, values, codes, other_parts = marshal.loads(next(parts))
                answers = facts[query] = _Answers.of(values, codes)
                for _ in range(other_parts):
                    answers.other.update(_without_gc(marshal.loads, next(parts)))
            self._known = known
            self._keys = keys
            self._number = {key: number for number, key in enumerate(keys)}
            self._facts = facts
            self._written_ns = int(written)
        except (OSError, EOFError, ValueError, TypeError, IndexError, AttributeError,
                StopIteration):
            self._known, self._facts = {}, {}

    def knows(self, paths: frozenset[str]) -> int:
        """How many of ``paths`` the store has a content key for."""
        return len(paths.intersection(self._known))

    def trusted_key(self, rel: str, signature: Signature | None) -> str | None:
        """The content key of ``rel`` if its signature shows it unchanged since stored."""
        known = self._known.get(rel)
        if known is None or signature is None or known[0] != signature:
            return None
        if signature.mtime_ns >= self._written_ns - RACY_NS:
            return None
        return known[1]

    def learn(self, rel: str, signature: Signature | None, key: str) -> None:
        """Record ``rel``'s content key for the next run."""
        with self._lock:
            if signature is not None:
                self._paths[rel] = (signature, key)
                if self._known.get(rel) != (signature, key):
                    self._dirty = True

    def lookup(self, query: str) -> Callable[[str], bytes | None]:
        """A function from a content key to its encoded answer to ``query`` (None: none
        kept); ``decode`` gives the answer back. For the hot loop of a warm run."""
        answers = self._facts.get(query)
        if answers is None:
            return _nothing
        number, values, codes, other = self._number, answers.values, answers.codes, \
            answers.other
        spilled = self._spilled

        def find(key: str) -> bytes | None:
            at = number.get(key)
            if at is None:
                return None
            if at < len(codes):
                code = codes[at]
                if code:
                    return values[code]
            found = other.get(at)
            return spilled(found) if isinstance(found, int) else found
        return find

    def _spilled(self, place: int) -> bytes | None:
        """The answer kept at ``place`` in the spill (None: it cannot be read back)."""
        spill = self._spill
        return None if spill is None else spill.read(place)

    def get(self, key: str, query: str) -> tuple[bool, Any]:
        encoded = self.lookup(query)(key)
        if encoded is None:
            return False, None
        try:
            return True, decode(encoded)
        except (EOFError, ValueError, TypeError):  # a corrupt entry: computed again
            return False, None

    def put(self, key: str, query: str, answer: Any) -> None:
        """Keep ``answer`` (not kept if it is not a plain value)."""
        encoded = encode(answer)
        if encoded is not None:
            self.put_encoded(key, query, encoded)

    def put_same(self, query: str, keys: list[str], encoded: bytes) -> None:
        """Keep one encoded answer to ``query`` for each of ``keys`` (the answer a gate
        gives thousands of files, ``Project.facts``), under one taking of the lock."""
        with self._lock:
            kept = self._facts.get(query)
            if kept is None:
                kept = self._facts[query] = _Answers()
            numbers = list(map(self._number_of, keys))
            self._dirty = True
            if kept.put_same(numbers, encoded):
                return
        self.put_many(query, [(key, encoded) for key in keys])  # not kept as a code

    def put_encoded(self, key: str, query: str, encoded: bytes) -> None:
        self.put_many(query, ((key, encoded),))

    def put_many(self, query: str, answers: Iterable[tuple[str, bytes]]) -> None:
        """Keep encoded answers to ``query``, (content key, encoded answer) each: a worker's
        part at once, under one taking of the lock."""
        with self._lock:
            kept = self._facts.get(query)
            if kept is None:
                kept = self._facts[query] = _Answers()
            number, put = self._number_of, kept.put
            long: list[tuple[int, bytes]] = []  # to wait in the spill
            for key, encoded in answers:
                at = number(key)
                if not put(at, encoded) and len(encoded) > SPILL_SIZE:
                    long.append((at, encoded))
            self._dirty = True
            if long:
                places = self._spill_out([encoded for _at, encoded in long])
                for (at, _encoded), place in zip(long, places or (), strict=False):
                    kept.other[at] = place

    def _spill_out(self, answers: list[bytes]) -> list[int] | None:
        """Where ``answers`` now are in the spill; None when it cannot take them (no
        temporary file, a full disk): they stay in memory (called with the lock held)."""
        if self._spill is None and not self._spill_failed:
            try:
                self._spill = _Spill()
            except OSError:
                self._spill_failed = True
        return None if self._spill is None else self._spill.add(answers)

    def close(self) -> None:
        """Let go of the spill (after ``save``): answers kept there are gone."""
        with self._lock:
            spill, self._spill = self._spill, None
        if spill is not None:
            spill.close()

    def save(self, paths: frozenset[str]) -> None:
        """Write the store for the files of this run (others are forgotten), if it changed."""
        if self.path is None:
            return
        with self._lock:
            entries: list[tuple[str, tuple[Any, str]]] = [
                (rel, entry) for rel, entry in self._paths.items() if rel in paths]
            entries += [(rel, entry) for rel, entry in self._known.items()
                        if rel in paths and rel not in self._paths]
            if not self._dirty and len(entries) == len(self._known):
                return
            # the keys of this run's files keep their order and are numbered again from 0
            kept = sorted({self._number_of(key) for _rel, (_signature, key) in entries})
            keys = [self._keys[at] for at in kept]
            # numbers change only when keys were dropped (files changed or gone)
            place = None if kept == list(range(len(kept))) else \
                {at: new for new, at in enumerate(kept)}
            queries = [(query, answers.saved(kept, place))
                       for query, answers in list(self._facts.items())]
            header = marshal.dumps((FORMAT, time.time_ns(), len(_starts(keys)),
                                    len(_starts(entries)), len(queries)))
        new_number = {key: at for at, key in enumerate(keys)}
        paths_parts = ({rel: (bytes(signature), new_number[key]) for rel, (signature, key)
                        in part} for part in _slices(entries))
        spilled = self._spilled

        def answers(part: list[tuple[int, bytes | int]]) -> dict[int, bytes]:
            """A part's answers, those waiting in the spill read back (one that cannot be
            is left out: it is computed again next time)."""
            found: dict[int, bytes] = {}
            for at, answer in part:
                encoded = spilled(answer) if isinstance(answer, int) else answer
                if encoded is not None:
                    found[at] = encoded
            return found
        # everything a few thousand at a time: no part is a copy of a whole list
        write_atomic(self.path, (_sized(part) for part in itertools.chain(
            (header,), map(marshal.dumps, _slices(keys)), map(marshal.dumps, paths_parts),
            (part for query, (values, codes, other) in queries for part in itertools.chain(
                (marshal.dumps((query, values, codes, len(_starts(other)))),),
                map(marshal.dumps, map(answers, _slices(other))))))))

    def _number_of(self, key: str) -> int:
        """The key's number, a new one for a key not seen yet (called with the lock held)."""
        at = self._number.get(key)
        if at is None:
            at = self._number[key] = len(self._keys)
            self._keys.append(key)
        return at


def _nothing(_key: str) -> None:
    return None


class _Answers:
    """One query's answers by key number. The few small answers that most files share (an
    empty list, ``False``) are numbered in ``values`` and kept as a one-byte code per key in
    ``codes`` (0: not there); the others, in ``other``. Home Assistant has 370,000 answers
    to 72 queries: kept as dicts by key they took 20 MB, as codes 3 MB. An int in ``other``
    is where the answer waits in the store's spill (``_Spill``)."""

    __slots__ = ("values", "code_of", "codes", "other")

    def __init__(self) -> None:
        self.values: list[bytes] = [b""]  # code -> encoded answer (code 0: none)
        self.code_of: dict[bytes, int] = {}
        self.codes = bytearray()
        self.other: dict[int, bytes | int] = {}

    @classmethod
    def of(cls, values: Any, codes: Any) -> _Answers:
        """The answers as read from a file (``other`` added part by part)."""
        if type(values) is not list or not all(type(v) is bytes for v in values) or \
                type(codes) is not bytes or (codes and max(codes) >= len(values)):
            raise ValueError("not a query's answers")
        answers = cls()
        answers.values = values
        answers.code_of = {value: code for code, value in enumerate(values) if code}
        answers.codes = bytearray(codes)
        return answers

    def put(self, at: int, encoded: bytes) -> bool:
        """Keep ``encoded`` as key number ``at``'s answer; was it kept as a code (else it is
        in ``other``)?"""
        code = 0
        if len(encoded) <= SHARED_SIZE:
            code = self.code_of.get(encoded, 0)
            if not code and len(self.values) < 256:
                code = self.code_of[encoded] = len(self.values)
                self.values.append(encoded)
        codes = self.codes
        if code:
            if at >= len(codes):
                codes.extend(bytes(at + 1 - len(codes)))
            codes[at] = code
            self.other.pop(at, None)
            return True
        if at < len(codes):
            codes[at] = 0
        self.other[at] = encoded
        return False

    def put_same(self, numbers: list[int], encoded: bytes) -> bool:
        """Keep ``encoded`` as the answer of each key numbered in ``numbers``, when it is
        one kept as a code (else nothing is kept: False)."""
        if not numbers or not self.put(numbers[0], encoded):
            return False
        code, codes, other = self.codes[numbers[0]], self.codes, self.other
        last = max(numbers)
        if last >= len(codes):
            codes.extend(bytes(last + 1 - len(codes)))
        for at in numbers:
            codes[at] = code
        if other:
            for at in numbers:
                other.pop(at, None)
        return True

    def saved(self, kept: list[int], place: dict[int, int] | None
              ) -> tuple[list[bytes], bytes, list[tuple[int, bytes | int]]]:
        """(values, codes, other answers) of the keys numbered ``kept``, numbered again by
        ``place`` (None: their numbers stay)."""
        codes = bytes(self.codes)
        if place is None:
            return self.values, codes[:len(kept)], [
                item for item in self.other.items() if item[0] < len(kept)]
        codes += bytes(max(0, kept[-1] + 1 - len(codes)))
        picked = bytes(operator.itemgetter(*kept)(codes)) if len(kept) > 1 else \
            bytes(codes[at] for at in kept)  # itemgetter of one gives an int, not a tuple
        return self.values, picked, [(place[at], encoded) for at, encoded in self.other.items()
                                     if at in place]


_LENGTH = (1 << 32) - 1  # a place's low 32 bits: the answer's length


class _Spill:
    """Encoded answers waiting for the save, in an unnamed temporary file (deleted when
    closed, or by the system if the run dies): each answer's place is one int, offset and
    length. Written with ``pwrite`` and read with ``pread`` at known offsets, so the
    checks' threads read while a worker's answers are written."""

    def __init__(self) -> None:
        if not hasattr(os, "pwrite"):  # not a POSIX system: the answers stay in memory
            raise OSError("no pwrite")
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - held open until close()
        self._fd = self._file.fileno()
        self._size = 0
        # closed when the store is let go of without ``close`` (a project nobody closed)
        self.close = weakref.finalize(self, self._file.close)

    def add(self, answers: list[bytes]) -> list[int] | None:
        """Write ``answers`` one after another; their places (None: not written)."""
        if any(len(answer) > _LENGTH for answer in answers):
            return None  # not a length a place can hold
        data = b"".join(answers)
        start = self._size
        try:
            view, done = memoryview(data), 0
            while done < len(data):
                written = os.pwrite(self._fd, view[done:], start + done)
                if written <= 0:
                    return None
                done += written
        except (OSError, ValueError):  # a full disk, a closed file: kept in memory
            return None
        self._size = start + len(data)
        places, at = [], start
        for answer in answers:
            places.append(at << 32 | len(answer))  # the offset, then the length
            at += len(answer)
        return places

    def read(self, place: int) -> bytes | None:
        offset, length = place >> 32, place & _LENGTH
        try:
            data = os.pread(self._fd, length, offset)
        except (OSError, ValueError):
            return None
        return data if len(data) == length else None


def _starts(items: Sized) -> range:
    """Where each part of ``items`` starts (one part at least, even if empty)."""
    return range(0, max(len(items), 1), CHUNK)


def _slices(items: list[T]) -> Iterator[list[T]]:
    """``items`` in parts as ``_starts`` cuts them."""
    for start in _starts(items):
        yield items[start:start + CHUNK]


def _sized(part: bytes) -> bytes:
    return len(part).to_bytes(8, "little") + part


def _parts(data: bytes) -> Iterator[memoryview]:
    """The parts ``_sized`` wrote one after another (no copies)."""
    view, at = memoryview(data), 0
    while at + 8 <= len(view):
        size = int.from_bytes(view[at:at + 8], "little")
        if at + 8 + size > len(view):
            raise ValueError("truncated store")
        yield view[at + 8:at + 8 + size]
        at += 8 + size


def _without_gc(load: Callable[[Any], Any], payload: Any) -> Any:
    """``load(payload)`` with the cyclic garbage collector paused: building a few hundred
    thousand small containers otherwise sets it off again and again (80 ms -> 25 ms for
    the store of 5,000 files); marshal data holds no cycles to collect."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return load(payload)
    finally:
        if enabled:
            gc.enable()


def encode(answer: Any) -> bytes | None:
    """An answer as kept: its marshal bytes, compressed when large (a parsed file's facts:
    a quarter of the size, in memory until saved and on disk); None for one that is not a
    plain value."""
    try:
        data = marshal.dumps(answer)
    except ValueError:
        return None
    if len(data) < COMPRESS_SIZE:
        return data
    return _COMPRESSED + zlib.compress(data, 1)


def decode(encoded: bytes) -> Any:
    """An answer kept by ``encode``. Small answers that cannot be changed (most are the
    same few: no match, False, an empty tuple) are decoded once and shared."""
    shared = _DECODED.get(encoded)
    if shared is not None:
        return shared[0]
    if encoded[:1] == _COMPRESSED:  # a large answer: never shared
        try:
            return marshal.loads(zlib.decompress(memoryview(encoded)[1:]))
        except zlib.error as exc:  # corrupt: the callers compute the answer again
            raise ValueError(str(exc)) from None
    value = marshal.loads(encoded)
    if len(encoded) <= SHARED_SIZE and len(_DECODED) < 4096 and immutable(value):
        _DECODED[bytes(encoded)] = (value,)
    return value


_DECODED: dict[bytes, tuple[Any]] = {}  # small encoded answers, decoded (in a 1-tuple: None too)


def immutable(value: Any) -> bool:
    """Is ``value`` (a plain value) one no caller can change: no list, dict or set in it?"""
    if isinstance(value, tuple | frozenset):
        return all(immutable(item) for item in value)
    return value is None or isinstance(value, str | bytes | int | float | complex)


def write_atomic(path: Path, payload: bytes | Iterable[bytes]) -> None:
    """Write ``payload`` (bytes, or its parts one after another) to ``path`` atomically;
    give up quietly when the disk says no."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as stream:
                for part in (payload,) if isinstance(payload, bytes) else payload:
                    stream.write(part)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        pass
