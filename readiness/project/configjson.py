"""JSON config files as rows of located key/value entries.

The standard library parses; each key's line is found by a cursor that only moves forward
through the text, since keys appear in the order a depth-first walk meets them.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from typing import Any

from readiness.project.configrows import MAX_ENTRIES, Row, Unparsable

_COLON = re.compile(r"\s*:")


def json_entries(text: str) -> Iterator[Row]:
    """The entries of one JSON file; raise :class:`Unparsable` if it is not JSON."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise Unparsable(f"invalid JSON{where}") from None
    # Keys appear in the text in the order a depth-first walk meets them, so a cursor that
    # only moves forward finds each key's line without a position-tracking parser.
    cursor = [0]
    starts = _line_starts(text)
    count = 0

    def line_of(key: str) -> int:
        quoted = json.dumps(key) if key.isascii() else f'"{key}"'
        found = text.find(quoted, cursor[0])
        while found >= 0 and not _COLON.match(text, found + len(quoted)):
            found = text.find(quoted, found + 1)  # the same text as a value, not a key
        if found >= 0:
            cursor[0] = found + 1
        return _line_at(starts, cursor[0])

    def walk(node: Any, key: str, line: int) -> Iterator[Row]:
        nonlocal count
        count += 1
        if count > MAX_ENTRIES:
            raise Unparsable(f"more than {MAX_ENTRIES} values (data, not config)")
        if isinstance(node, dict):
            if key:
                yield line, key, None, 0
            for name, value in node.items():
                yield from walk(value, f"{key}.{name}" if key else str(name), line_of(str(name)))
        elif isinstance(node, list):
            if key:
                yield line, key, None, 0
            for i, item in enumerate(node):
                yield from walk(item, f"{key}.{i}" if key else str(i), line)
        else:
            yield line, key or "0", node, 0

    yield from walk(data, "", 1)


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _line_at(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, max(offset - 1, 0))
