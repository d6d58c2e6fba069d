"""Which gate words a file's text holds, found in one pass over the text.

The per-file scans gate their regular expressions on words (``sourcetext.holds_any``): a
file that holds none of a scan's words is not searched. Each gate is one pass over the text
per first character of its words, and a Python file of a big repository meets some forty
gates in a run (Home Assistant: 6,700 files, 250,000 gates, 2.5 s of passes). Here the
words of every gate are *declared* (``gate_words``, where a module defines its word tuple),
and a file met by a second gate is searched once for all declared words together with an
Aho-Corasick automaton (``pyahocorasick``, a C extension: one pass whatever the number of
words). The words it holds are kept as a bit mask for the rest of the run, so its later
gates are a bit test.

A gate answers from the mask only when its text is the *focused* one (``focus``: the text
whose answer is being computed, set by the code that calls the scan; a lowered or blanked
copy is another text) and every one of its words was declared when the mask was taken; else
``held`` says it does not know and the gate makes its own passes. So the answers never
change, only their cost: a word declared late, or a gate left undeclared, is merely slower.

The vocabulary is per process and only grows (a word's bit never changes). Words declared
in the scanning process are handed to the worker processes with their tasks
(``declared_since``, ``declare``), so a worker knows them before it takes a mask. Without
``pyahocorasick`` (a platform without its wheel), every gate makes its own passes.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_LOCK = threading.Lock()
_WORDS: list[str] = []  # in the order declared: word i has bit 1 << i
_BITS: dict[str, int] = {}
# (the automaton, how many words it knows, its longest word's length); False in place of the
# automaton: pyahocorasick cannot be imported
_AUTOMATON: list[tuple[Any, int, int]] = [(None, 0, 1)]
CHUNK = 1 << 15  # characters given to the automaton at a time
_FOCUS = threading.local()
ASKS_BEFORE_SCAN = 2  # a text gated once (a translation, by the secrets scan) is not scanned


class Held:
    """One file's gate words: how many gates asked so far, then (once scanned) how many
    words were declared at the scan and the mask of those the text holds."""

    __slots__ = ("asked", "found")

    def __init__(self) -> None:
        self.asked = 0
        self.found: tuple[int, int] | None = None  # (words known, mask): one value, no tear


def gate_words(*words: str) -> tuple[str, ...]:
    """``words`` as a gate's tuple, declared: for a module-level constant that a per-file scan
    gates on."""
    declare(words)
    return tuple(words)


def declare(words: tuple[str, ...] | list[str]) -> None:
    """Add ``words`` to this process's vocabulary (those it knows already are skipped)."""
    if all(word in _BITS for word in words):
        return
    with _LOCK:
        for word in words:
            if word and word not in _BITS:
                _BITS[word] = 1 << len(_WORDS)
                _WORDS.append(word)
        _mask_of.cache_clear()


def declared_since(count: int) -> tuple[str, ...]:
    """The words declared after the first ``count`` (what a worker has not been sent yet)."""
    return tuple(_WORDS[count:])


def declared_count() -> int:
    return len(_WORDS)


def focus(text: str | None, held: Held | None) -> None:
    """The text whose answer this thread computes now, with its file's ``Held``."""
    state = _FOCUS
    state.text = text
    state.held = held


def held(text: str, words: tuple[str, ...]) -> bool | None:
    """Does ``text`` hold one of ``words``? None when the mask cannot say (another text
    than the focused one, a word not declared, too few asks yet, no automaton)."""
    state = _FOCUS
    if getattr(state, "text", None) is not text:
        return None
    mask = _mask_of(words)
    if not mask:
        return None
    file: Held | None = state.held
    if file is None:
        return None
    found = file.found
    if found is None:
        file.asked += 1
        if file.asked < ASKS_BEFORE_SCAN:
            return None
        found = file.found = _scan(text)
        if found is None:
            return None
    known, present = found
    if mask >> known:  # a word declared after the scan
        return None
    return bool(present & mask)


@functools.lru_cache(maxsize=1024)
def _mask_of(words: tuple[str, ...]) -> int:
    """The bits of ``words``; 0 when one of them is not declared."""
    mask = 0
    for word in words:
        bit = _BITS.get(word)
        if bit is None:
            return 0
        mask |= bit
    return mask


def _scan(text: str) -> tuple[int, int] | None:
    """(words known, mask of those ``text`` holds); None without the automaton."""
    automaton, known, longest = _automaton()
    if automaton is False:
        return None
    present = 0
    if len(text) <= CHUNK:
        for _end, bit in automaton.iter(text):
            present |= bit
        return known, present
    # The automaton copies what it is given at 4 bytes a character: a big text (a 5 MB data
    # file) goes in slices, each overlapping the next by the longest word less one, so
    # that every occurrence lies whole in a slice.
    for start in range(0, len(text), CHUNK):
        for _end, bit in automaton.iter(text[start:start + CHUNK + longest - 1]):
            present |= bit
    return known, present


def _automaton() -> tuple[Any, int, int]:
    """(automaton, words it knows, its longest word's length) for every word declared so
    far (built again when words were added)."""
    built = _AUTOMATON[0]
    if built[0] is False or (built[0] is not None and built[1] == len(_WORDS)):
        return built
    with _LOCK:
        built = _AUTOMATON[0]
        if built[0] is not False and (built[0] is None or built[1] != len(_WORDS)):
            built = _AUTOMATON[0] = (_build(_WORDS), len(_WORDS),
                                     max(map(len, _WORDS), default=1))
        return built


def _build(words: list[str]) -> Any:
    try:
        import ahocorasick  # the C extension; absent: gates make their own passes
    except ImportError:
        return False
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, _BITS[word])
    if words:
        automaton.make_automaton()
    return automaton
