"""Terraform / HCL: a light line scan of blocks and attributes, not a full parser.

``scan_hcl`` turns a ``.tf``/``.tfvars``/``.hcl`` file into attributes (line, dotted key,
value) and top-level blocks (first line, last line, kind, labels): enough for a check to ask
"is there an ``aws_sqs_queue`` with a ``redrive_policy``" and point at the line. Values are
plain scalars: quoted strings unquoted, ``true``/``false``, numbers, anything else as written.
"""

from __future__ import annotations

import re

Scalar = str | int | float | bool | None
HclEntry = tuple[int, str, Scalar]
HclBlock = tuple[int, int, str, tuple[str, ...]]

_HCL_BLOCK = re.compile(r'^\s*([A-Za-z_][\w-]*)((?:\s+(?:"[^"]*"|[A-Za-z_][\w-]*))*)\s*\{\s*$')
_HCL_ATTR = re.compile(r'^\s*"?([\w.\-/]+)"?\s*[=:]\s*(.*?)\s*,?\s*$')
_HEREDOC = re.compile(r"^<<-?\s*\"?(\w+)\"?$")


def scan_hcl(text: str) -> tuple[list[HclEntry], list[HclBlock]]:
    """Attributes (line, dotted key, raw value) and top-level blocks of a Terraform file."""
    entries: list[HclEntry] = []
    blocks: list[HclBlock] = []
    stack: list[tuple[str, int]] = []  # (name, nesting depth before it opened)
    depth = 0
    open_block: tuple[int, str, tuple[str, ...]] | None = None
    lines = text.split("\n")
    number = 0
    while number < len(lines):
        raw = lines[number]
        number += 1
        code = _strip_hcl_comment(raw)
        if not code.strip():
            continue
        prefix = ".".join(name for name, _ in stack)
        header = _HCL_BLOCK.match(code)
        attr = None if header else _HCL_ATTR.match(code)
        if header:
            labels = tuple(re.findall(r'"([^"]*)"|([A-Za-z_][\w-]*)', header.group(2)))
            names = tuple(a or b for a, b in labels)
            key = ".".join((header.group(1), *names))
            if depth == 0:
                open_block = (number, header.group(1), names)
            entries.append((number, f"{prefix}.{key}" if prefix else key, None))
            stack.append((key, depth))
        elif attr:
            key = f"{prefix}.{attr.group(1)}" if prefix else attr.group(1)
            value = attr.group(2)
            heredoc = _HEREDOC.match(value)
            if heredoc:
                body = []
                while number < len(lines) and lines[number].strip() != heredoc.group(1):
                    body.append(lines[number])
                    number += 1
                number += 1
                entries.append((number - len(body) - 1, key, "\n".join(body)))
                continue
            opened = _net_opening(value)
            entries.append((number, key, None if opened > 0 else _hcl_value(value)))
            if opened > 0:
                stack.append((attr.group(1), depth))
        depth += _net_opening(code)
        while stack and depth <= stack[-1][1]:
            stack.pop()
        if open_block and depth == 0 and not stack:
            start, kind, names = open_block
            blocks.append((start, number, kind, names))
            open_block = None
    return entries, blocks


def _hcl_value(raw: str) -> Scalar:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return raw[1:-1]
    if raw in ("true", "false"):
        return raw == "true"
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


def _net_opening(code: str) -> int:
    """Openers minus closers outside string literals."""
    net, quoted = 0, False
    for i, char in enumerate(code):
        if char == '"' and (i == 0 or code[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted:
            net += (char in "{[(") - (char in "}])")
    return net


def _strip_hcl_comment(line: str) -> str:
    quoted = False
    for i, char in enumerate(line):
        if char == '"' and (i == 0 or line[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted and (char == "#" or line.startswith("//", i)):
            return line[:i]
    return line
