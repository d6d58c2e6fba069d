"""TOML config files as rows of located key/value entries.

The standard library parses; each key's line is that of the first table header or assignment
naming it, else of its nearest named parent (array-of-tables indices are not in the text).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from typing import Any

from readiness.project.configrows import Row, Unparsable

_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
_TOML_KEY = re.compile(r"^\s*([\w\"'.\- ]+?)\s*=")


def toml_entries(text: str) -> Iterator[Row]:
    """The entries of one TOML file; raise :class:`Unparsable` if it is not TOML."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Unparsable(f"invalid TOML: {exc}") from None
    lines: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.split("\n"), 1):
        header = _TOML_TABLE.match(line)
        if header:
            table = _toml_key(header.group(1))
            lines.setdefault(table, number)
            continue
        assign = _TOML_KEY.match(line)
        if assign:
            key = _toml_key(assign.group(1))
            lines.setdefault(f"{table}.{key}" if table else key, number)

    def line_for(key: str) -> int:
        plain = re.sub(r"\.\d+(?=\.|$)", "", key)  # array-of-tables indices are not in text
        while plain:
            if plain in lines:
                return lines[plain]
            plain = plain.rpartition(".")[0]
        return 1

    def walk(node: Any, key: str) -> Iterator[Row]:
        if isinstance(node, dict):
            if key:
                yield line_for(key), key, None, 0
            for name, value in node.items():
                yield from walk(value, f"{key}.{name}" if key else str(name))
        elif isinstance(node, list):
            yield line_for(key), key, None, 0
            for i, item in enumerate(node):
                yield from walk(item, f"{key}.{i}")
        else:
            value = node if isinstance(node, str | int | float | bool) else str(node)
            yield line_for(key), key, value, 0

    yield from walk(data, "")


def _toml_key(raw: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in raw.split("."))

