"""Words every match of a regular expression holds: a substring gate before the regex.

``needed_words(pattern)`` reads the pattern's syntax tree (the standard library's own parser)
and gives lower-case strings such that every match of the pattern contains one of them,
or None when it cannot tell. A text (ASCII, lower-cased) without any of them cannot match,
so a search over many short texts (the key paths of every config file) runs the regex only
on the few that hold one: a substring test costs far less than a regex tried at every
position.

What it knows: a run of literal characters must appear whole; a group, an atomic group or a
repeat of at least once needs what its body needs; an alternation needs one of what each
branch needs (nothing, when one branch needs nothing). Everything else (a character class,
``.``, an anchor, a look-around, a repeat that may match nothing) needs nothing, and breaks a
run of literals. Of the runs a sequence needs, the longest is kept.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from re import _constants as _c  # the standard library's own regex parser (3.11+)
from re import _parser as _p
from typing import Any

Words = frozenset[str]


@functools.lru_cache(maxsize=256)
def needed_words(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-case strings one of which every match of ``pattern`` contains (compared with
    an ASCII text lower-cased), in a stable order; None when nothing is known to be needed,
    or what is needed is not ASCII (case-blind matching equates more than ``lower``)."""
    if not isinstance(pattern.pattern, str):
        return None
    try:
        found = _sequence(list(_p.parse(pattern.pattern, pattern.flags)))
    except Exception:  # noqa: BLE001 - a pattern this Python's parser reads otherwise, or
        return None  # nested too deeply for the walk: no words, the regex alone
    if not found or not all(word.isascii() for word in found):
        return None
    return _fewest(word.lower() for word in found)


def needed_words_of(*patterns: re.Pattern[str]) -> tuple[str, ...] | None:
    """Words one of which every match of any of ``patterns`` contains (None: one of them
    has none): the gate of a text searched with each pattern in turn."""
    found: set[str] = set()
    for pattern in patterns:
        words = needed_words(pattern)
        if words is None:
            return None
        found.update(words)
    return _fewest(found)


def could_match(text: str, words: tuple[str, ...] | None) -> bool:
    """False only when no pattern the ``words`` were read from can match ``text``: an ASCII
    text, lower-cased, that holds none of them. Other texts, and no words: True."""
    if words is None or not text.isascii():
        return True
    lowered = text.lower()
    return any(word in lowered for word in words)


def from_word(*words: str, then: str = r"\b") -> tuple[re.Pattern[str], ...]:
    """``\b(?:word|...)`` followed by ``then`` as searches that start with their word and
    look back for the boundary: the regex engine skips to the word, where ``\b`` or an
    alternation of words first makes it try every position of the text (about 20 times
    slower over the corpus). Searched one after another, they find something exactly when
    the one regex does. The words are regex-safe names."""
    return tuple(re.compile(rf"{word}(?<=\b{word}){then}") for word in words)


def _fewest(words: Iterable[str]) -> tuple[str, ...]:
    """``words`` without those that hold another of them (a text holding the longer holds
    the shorter: the gate is the same, with fewer tests), in a stable order."""
    unique = set(words)
    return tuple(sorted(w for w in unique if not any(o != w and o in w for o in unique)))


def _sequence(items: list[tuple[Any, Any]]) -> Words | None:
    """What a sequence of items needs: the best of what its parts need."""
    best: Words | None = None
    run: list[str] = []

    def keep(candidate: Words | None) -> None:
        nonlocal best
        if candidate and (best is None or _better(candidate, best)):
            best = candidate

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            keep(frozenset(("".join(run),)))
            run = []
        keep(_item(op, av))
    if run:
        keep(frozenset(("".join(run),)))
    return best


def _item(op: Any, av: Any) -> Words | None:
    if op is _c.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is _c.ATOMIC_GROUP:
        return _sequence(list(av))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _high, body = av
        return _sequence(list(body)) if low >= 1 else None
    if op is _c.BRANCH:
        found: set[str] = set()
        for branch in av[1]:
            needed = _sequence(list(branch))
            if not needed:
                return None
            found |= needed
        return frozenset(found)
    return None


def _better(new: Words, old: Words) -> bool:
    """Fewer files pass a gate of longer words, and of fewer of them."""
    return (min(map(len, new)), -len(new)) > (min(map(len, old)), -len(old))
