"""YAML config files (every document of a stream) as rows of located key/value entries.

Kubernetes manifests, CloudFormation and serverless.yml with their custom tags, docker-compose,
Prometheus and Grafana rule files; Helm templates with ``{{ }}`` best-effort: their actions
are stood in for by placeholders, and a template that still does not parse is read line by
line by indentation. YAML is only composed (no object construction, so no tags are honoured).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from readiness.project.configrows import MAX_ENTRIES, Kind, Parsed, Row, Unparsable
from readiness.project.hclscan import Scalar

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What a YAML parse depends on besides the text: the loader and PyYAML's version (their error
# messages differ).
YAML_PARSER = f"{_LOADER.__name__}-{yaml.__version__}"

_TEMPLATE_ACTION = re.compile(r"\{\{-?.*?-?\}\}")
_ONLY_ACTIONS = re.compile(r"^\s*(\{\{-?.*?-?\}\}\s*)+$")


def parse_yaml(text: str) -> Parsed:
    """Entries of every document; a Helm template that does not parse is scanned by
    lines; otherwise raise :class:`Unparsable` with the syntax error."""
    templated = "{{" in text
    source = _untemplate(text) if templated else text
    try:
        entries: list[Row] = []
        for doc, node in enumerate(yaml.compose_all(source, Loader=_LOADER)):
            if node is not None:
                entries += _Flattener(doc).walk(node, "")
        return Kind.YAML.value, tuple(entries), ()
    except yaml.YAMLError as exc:
        if templated:  # a Helm template that the placeholders did not rescue: read its lines
            return Kind.TEMPLATE.value, tuple(_scan_yaml_lines(source)), ()
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise Unparsable(f"YAML syntax error{where}: {problem}") from None


def _untemplate(text: str) -> str:
    """Blank Helm/Go-template control lines and stand a placeholder in for inline actions."""
    out = []
    for line in text.split("\n"):
        if _ONLY_ACTIONS.match(line):
            out.append("")
        else:
            out.append(_TEMPLATE_ACTION.sub("TEMPLATED", line))
    return "\n".join(out)


class _Flattener:
    def __init__(self, doc: int) -> None:
        self.doc, self.count = doc, 0
        self.constructor = yaml.constructor.SafeConstructor()

    def walk(self, node: yaml.Node, key: str) -> list[Row]:
        self.count += 1
        if self.count > MAX_ENTRIES:  # also bounds alias expansion (YAML bombs)
            raise Unparsable(f"more than {MAX_ENTRIES} values (data, not config)")
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            entries: list[Row] = [(line, key, None, self.doc)] if key else []
            for key_node, value_node in node.value:
                name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                child = f"{key}.{name}" if key else name
                if isinstance(value_node, yaml.ScalarNode):
                    entries.append((key_node.start_mark.line + 1, child,
                                    self.scalar(value_node), self.doc))
                    self.count += 1
                else:
                    sub = self.walk(value_node, child)
                    if sub and sub[0][1] == child:  # a container's line is its key's line
                        sub[0] = (key_node.start_mark.line + 1, *sub[0][1:])
                    entries += sub
            return entries
        if isinstance(node, yaml.SequenceNode):
            entries = [(line, key, None, self.doc)] if key else []
            for i, item in enumerate(node.value):
                entries += self.walk(item, f"{key}.{i}" if key else str(i))
            return entries
        return [(line, key or "0", self.scalar(node), self.doc)]

    def scalar(self, node: yaml.Node) -> Scalar:
        if not isinstance(node, yaml.ScalarNode):
            return None
        if not node.tag.startswith("tag:yaml.org,2002:"):
            return str(node.value)  # !Ref, !GetAtt, !Sub: keep the text
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            return str(node.value)
        return value if isinstance(value, str | int | float | bool) or value is None \
            else str(node.value)


_YAML_LINE = re.compile(r"^(\s*)(-\s+)?([\"']?[\w./@-]+[\"']?)\s*:(?:\s+(.*?))?\s*$")


def _scan_yaml_lines(text: str) -> Iterator[Row]:
    """Key paths by indentation, for templates that do not parse as YAML."""
    stack: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), 1):
        match = _YAML_LINE.match(line.split(" #", 1)[0])
        if not match or line.lstrip().startswith("#"):
            continue
        indent = len(match.group(1)) + (len(match.group(2)) if match.group(2) else 0)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        name = match.group(3).strip("\"'")
        key = ".".join([k for _, k in stack] + [name])
        raw = match.group(4)
        yield number, key, raw.strip("\"'") if raw else None, 0
        stack.append((indent, name))

