"""Globs over repository paths: ``*`` and ``?`` stay inside one folder, ``**/`` spans any
number of folders and a ``**`` elsewhere spans anything.

Patterns come from ``readiness.yaml`` and YAML checks, so from the repository: a pattern
like ``*a*a*a*a*a*a*b`` would make a regular expression backtrack for hours on one long
name. Patterns with few wildcards (every real one) become a regular expression; the others
are matched folder by folder with a matcher whose time grows with the product of the name's
and the pattern's lengths, never exponentially.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_STAR_RUNS = 4  # more runs of * than this: the folder-by-folder matcher
_CACHE: dict[str, Callable[[str], bool]] = {}


def glob_match(path: str, pattern: str) -> bool:
    """Does ``path`` (relative, with ``/``) match ``pattern`` as a whole?"""
    match = _CACHE.get(pattern)
    if match is None:
        match = _CACHE[pattern] = _compile(pattern)
    return match(path)


def _simplify(pattern: str) -> str:
    """The same glob with runs of wildcards collapsed (``**/**/`` is ``**/``)."""
    before = None
    while before != pattern:
        before = pattern
        pattern = re.sub(r"\*{3,}", "**", pattern)
        pattern = pattern.replace("**/**/", "**/").replace("**/**", "**")
    return pattern


def _compile(pattern: str) -> Callable[[str], bool]:
    pattern = _simplify(pattern)
    if len(re.findall(r"\*+", pattern)) > MAX_STAR_RUNS:
        parts = pattern.split("/")
        return lambda path: _segments_match(path.split("/"), parts)
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    compiled = re.compile("".join(out) + r"\Z")
    return lambda path: compiled.match(path) is not None


def _segments_match(names: list[str], parts: list[str]) -> bool:
    """Folder-by-folder matching: the set of positions in ``names`` each part can reach."""
    reached = {0}
    for part in parts:
        if part == "**":
            reached = set(range(min(reached), len(names) + 1))
        else:
            reached = {i + 1 for i in reached if i < len(names) and _name_match(names[i], part)}
        if not reached:
            return False
    return len(names) in reached


def _name_match(name: str, part: str) -> bool:
    """One folder or file name against one part (``*``, ``?``), with one backtrack point."""
    n = p = 0
    star, mark = -1, 0
    while n < len(name):
        if p < len(part) and part[p] == "*":
            star, mark = p, n
            p += 1
        elif p < len(part) and (part[p] == "?" or part[p] == name[n]):
            n += 1
            p += 1
        elif star >= 0:
            p, mark = star + 1, mark + 1
            n = mark
        else:
            return False
    while p < len(part) and part[p] == "*":
        p += 1
    return p == len(part)
