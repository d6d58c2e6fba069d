"""Safe YAML loading that remembers where every value came from.

PyYAML's composer gives nodes with marks; we build plain Python values from them ourselves so
that duplicate keys are an error, alias expansion is bounded (no YAML bombs), dates become
ISO strings for the schema, and every value's line and column can be named in an error.
"""

from __future__ import annotations

import datetime
from typing import Any

import yaml

from readiness.errors import ConfigError

Location = tuple[int, int]  # 1-based line and column
PathKey = tuple[str | int, ...]
MAX_NODES = 100_000


class Document:
    """A parsed YAML document: its data and where each value and key sits in the file."""

    def __init__(self, data: Any, values: dict[PathKey, Location], keys: dict[PathKey, Location],
                 display: str) -> None:
        self.data = data
        self.display = display
        self._values = values
        self._keys = keys

    def where(self, path: PathKey, *, key: bool = False) -> Location | None:
        """Location of the value at ``path`` (or of its key), else of the nearest parent."""
        table = self._keys if key else self._values
        path = tuple(path)
        while path:
            if path in table:
                return table[path]
            if path in self._values:
                return self._values[path]
            path = path[:-1]
        return self._values.get((), None)

    def error(self, path: PathKey, message: str, *, key: bool = False) -> ConfigError:
        loc = self.where(path, key=key)
        line, column = loc if loc else (None, None)
        return ConfigError(message, path=self.display, line=line, column=column)


def load(text: str, display: str) -> Document:
    """Parse ``text`` (one YAML document) or raise ConfigError naming the file, line and column."""
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(
            f"YAML syntax error: {problem}",
            path=display,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", path=display) from None
    values: dict[PathKey, Location] = {}
    keys: dict[PathKey, Location] = {}
    if node is None:
        return Document({}, values, keys, display)
    builder = _Builder(display, values, keys)
    data = builder.build(node, ())
    return Document(data, values, keys, display)


class _Builder:
    def __init__(self, display: str, values: dict[PathKey, Location],
                 keys: dict[PathKey, Location]) -> None:
        self.display = display
        self.values = values
        self.keys = keys
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node, message: str) -> ConfigError:
        mark = node.start_mark
        return ConfigError(message, path=self.display, line=mark.line + 1, column=mark.column + 1)

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, f"document expands to more than {MAX_NODES} values "
                                  "(aliases nested too deep?)")
        self.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            self.constructor.flatten_mapping(node)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.scalar(key_node)
                if not isinstance(key, str | int | bool | float) or key_node.tag.endswith(":null"):
                    raise self.fail(key_node, "keys must be plain strings")
                key = str(key).lower() if isinstance(key, bool) else str(key)
                if key in result:
                    raise self.fail(key_node, f"duplicate key '{key}'")
                self.keys[path + (key,)] = (key_node.start_mark.line + 1,
                                            key_node.start_mark.column + 1)
                result[key] = self.build(value_node, path + (key,))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, "keys must be plain strings")
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            raise self.fail(node, f"invalid value {node.value!r}: {exc}") from None
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, float) and value != value:
            raise self.fail(node, "NaN is not a number readiness can use")
        if isinstance(value, bytes):
            raise self.fail(node, "binary values are not supported")
        return value
