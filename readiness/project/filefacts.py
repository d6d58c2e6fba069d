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
something new was learnt. Each answer is kept as its own marshal bytes, in memory as on disk,
and decoded when asked for: loading the store builds one bytes object per answer instead of
every answer's values (most of which a run never asks for), and the answers of a cold run
cost their encoded size until they are saved, not a few hundred bytes per value.
An answer that is not a plain value is returned but not kept. A missing, unreadable or
corrupt store is an empty one; a full disk means no store, never a failed run.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import marshal
import os
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sized
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from readiness import __version__

FORMAT = 8
SHARED_SIZE = 64  # encoded answers up to this size are kept as one object per value
# entries per part of the file: paths and a query's answers are written (and read) a part
# at a time, so saving never copies them all at once (Home Assistant: 36,000 files)
CHUNK = 2000
RACY_NS = 2_000_000_000
COMPRESS_SIZE = 1024  # answers whose marshal bytes are this long or longer are compressed
_COMPRESSED = b"\x00"  # the first byte of a compressed answer: no marshal type code is 0
T = TypeVar("T")


class Signature(NamedTuple):
    """What ``lstat`` says about a file: if all four are unchanged, so is the content."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, info: os.stat_result) -> Signature:
        return cls(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


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
    """Content keys of paths and per-content answers to queries, loaded once, saved once."""

    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: in memory only (``--no-cache``)
        self._lock = threading.Lock()
        # path -> (signature, content key); signatures loaded from disk stay plain tuples
        self._known: dict[str, tuple[tuple[int, int, int, int], str]] = {}
        # query -> {content key: marshal}: one dict per query, not one per file
        self._facts: dict[str, dict[str, bytes]] = {}
        self._written_ns = 0
        # one object per distinct small answer: Home Assistant's 390,000 answers are 15,000
        # distinct ones (338,000 empty tuples); marshal writes a shared object once and
        # reads it back shared, so the store is smaller on disk, in memory and to load
        self._shared: dict[bytes, bytes] = {}
        self._paths: dict[str, tuple[Signature, str]] = {}  # learnt this run
        self._dirty = False
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        """The file: marshal parts, each after its length (8 bytes, little-endian): a header
        ``(FORMAT, written, key parts, path parts, answer parts)``; then the content keys,
        each once, in lists; then ``{path: ((size, mtime, ctime, inode), key's place)}``
        parts; then ``(query, {key's place: answer})`` parts, a query's answers in one or
        more. Each part holds at most ``CHUNK`` entries."""
        try:
            parts = _parts(path.read_bytes())
            form, written, key_parts, known_parts, queries = _without_gc(marshal.loads,
                                                                         next(parts))
            if form != FORMAT or not all(isinstance(n, int)
                                         for n in (key_parts, known_parts, queries)):
                return
            keys: list[str] = []
            for _ in range(key_parts):
                listed = marshal.loads(next(parts))
                if not isinstance(listed, list):
                    return
                keys += listed
            # {path: ((size, mtime, ctime, inode), key)}: a Signature compares equal to the
            # tuple, so none is built for each of thousands of entries
            known: dict[str, tuple[tuple[int, int, int, int], str]] = {}
            for _ in range(known_parts):
                for rel, (signature, place) in _without_gc(marshal.loads, next(parts)).items():
                    if type(signature) is not tuple or len(signature) != 4:
                        return
                    known[rel] = (signature, keys[place])
            facts: dict[Any, Any] = {}
            for _ in range(queries):
                query, answers = _without_gc(marshal.loads, next(parts))
                # the keys of every query are the same objects: one string per file
                facts.setdefault(query, {}).update(
                    (keys[place], answer) for place, answer in answers.items())
            self._known = known
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

    def answers(self, query: str) -> dict[str, bytes]:
        """The encoded answers to ``query`` by content key (read-only: ``put`` adds to it;
        ``decode`` gives an answer back)."""
        return self._facts.get(query) or {}

    def get(self, key: str, query: str) -> tuple[bool, Any]:
        answers = self._facts.get(query)
        if answers is None or key not in answers:
            return False, None
        try:
            return True, decode(answers[key])
        except (EOFError, ValueError, TypeError):  # a corrupt entry: computed again
            return False, None

    def put(self, key: str, query: str, answer: Any) -> None:
        """Keep ``answer`` (not kept if it is not a plain value)."""
        encoded = encode(answer)
        if encoded is not None:
            self.put_encoded(key, query, encoded)

    def put_encoded(self, key: str, query: str, encoded: bytes) -> None:
        if len(encoded) <= SHARED_SIZE:  # most files give the same few small answers
            encoded = self._shared.setdefault(encoded, encoded)
        with self._lock:
            self._facts.setdefault(query, {})[key] = encoded
            self._dirty = True

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
            place: dict[str, int] = {}  # each content key's place in the list of keys
            for _rel, (_signature, key) in entries:
                place.setdefault(key, len(place))
            queries = list(self._facts.items())
            count = sum(len(_chunk_starts(answers)) for _query, answers in queries)
            keys = list(place)
            header = marshal.dumps((FORMAT, time.time_ns(), len(_chunk_starts(keys)),
                                    len(_chunk_starts(entries)), count))
        # everything a few thousand at a time, keys by their place in the list: no part is
        # a copy of a whole list, and no key is written twice
        paths_parts = ({rel: (tuple(signature), place[key]) for rel, (signature, key) in part}
                       for part in _slices(entries))
        write_atomic(self.path, (_sized(part) for part in itertools.chain(
            (header,), map(marshal.dumps, _slices(keys)), map(marshal.dumps, paths_parts),
            (marshal.dumps((query, chunk)) for query, answers in queries
             for chunk in _chunks(answers, place)))))


def _chunk_starts(entries: Sized) -> range:
    """Where each part of ``entries`` starts (one part at least, even if empty)."""
    return range(0, max(len(entries), 1), CHUNK)


def _slices(items: list[T]) -> Iterator[list[T]]:
    """``items`` in parts as ``_chunk_starts`` cuts them."""
    for start in range(0, max(len(items), 1), CHUNK):
        yield items[start:start + CHUNK]


def _chunks(answers: dict[str, bytes], place: dict[str, int]) -> Iterator[dict[int, bytes]]:
    """``answers`` by their keys' places, a part at a time."""
    for part in _slices(list(answers.items())):
        yield {place[key]: answer for key, answer in part if key in place}


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
    """An answer kept by ``encode``."""
    if encoded[:1] == _COMPRESSED:
        try:
            encoded = zlib.decompress(memoryview(encoded)[1:])
        except zlib.error as exc:  # corrupt: the callers compute the answer again
            raise ValueError(str(exc)) from None
    return marshal.loads(encoded)


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
