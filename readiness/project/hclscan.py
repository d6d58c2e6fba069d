"""Terraform / HCL read by a real HCL2 parser (python-hcl2, on lark), as flat rows.

``scan_hcl`` turns a ``.tf``/``.tfvars``/``.hcl`` file into attributes (line, dotted key,
value) and top-level blocks (first line, last line, kind, labels): enough for a check to ask
"is there an ``aws_sqs_queue`` with a ``redrive_policy``" and point at the line. Values are
plain scalars: strings unquoted, ``true``/``false``, numbers, heredoc bodies; an object
(also inside a function call such as ``jsonencode({...})`` or a list) is ``None`` and its
keys follow under the attribute's key; any other expression is its source text.

This replaced a line-by-line scan that guessed blocks from braces at the ends of lines:
it broke on one-line blocks, on braces inside strings and heredocs, and on expressions
spanning lines. A file the parser rejects raises :class:`HclError` (the caller skips it with
the reason); the input is bounded by the config reader's size limit.
"""

from __future__ import annotations

from typing import Any

Scalar = str | int | float | bool | None
HclEntry = tuple[int, str, Scalar]
HclBlock = tuple[int, int, str, tuple[str, ...]]

HCL_PARSER = "python-hcl2"


class HclError(ValueError):
    """A Terraform file the HCL parser cannot read; the message is the reason."""


def scan_hcl(text: str) -> tuple[list[HclEntry], list[HclBlock]]:
    """Attributes (line, dotted key, value) and top-level blocks of a Terraform file."""
    import hcl2  # a few hundred ms of grammar: only when a Terraform file is read
    from lark.exceptions import LarkError

    try:
        tree = hcl2.parses_to_tree(text if text.endswith("\n") else text + "\n")
    except (LarkError, ValueError, IndexError, KeyError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HclError(f"HCL syntax error: {first[:160]}") from None
    reader = _Reader(text)
    body = _child(tree, "body")
    if body is not None:
        reader.body(body, "", top=True)
    return reader.entries, reader.blocks


def _child(node: Any, name: str) -> Any:
    for child in getattr(node, "children", ()):
        if getattr(child, "data", None) == name:
            return child
    return None


def _line(node: Any) -> int:
    meta = getattr(node, "meta", None)
    if meta is not None and not meta.empty:
        return int(meta.line)
    return int(getattr(node, "line", 0) or 0)


def _end_line(node: Any) -> int:
    meta = getattr(node, "meta", None)
    return int(meta.end_line) if meta is not None and not meta.empty else _line(node)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.entries: list[HclEntry] = []
        self.blocks: list[HclBlock] = []

    def body(self, node: Any, prefix: str, *, top: bool = False) -> None:
        for child in node.children:
            kind = getattr(child, "data", None)
            if kind == "attribute":
                self.attribute(child, prefix)
            elif kind == "block":
                self.block(child, prefix, top)

    def block(self, node: Any, prefix: str, top: bool) -> None:
        names = [self.name(c) for c in node.children
                 if getattr(c, "data", None) in ("identifier", "keyword", "literal_value",
                                                 "string")]
        if not names:
            return
        key = ".".join(names)
        full = f"{prefix}.{key}" if prefix else key
        self.entries.append((_line(node), full, None))
        if top:
            self.blocks.append((_line(node), _end_line(node), names[0], tuple(names[1:])))
        body = _child(node, "body")
        if body is not None:
            self.body(body, full)

    def attribute(self, node: Any, prefix: str) -> None:
        name = self.name(node.children[0])
        key = f"{prefix}.{name}" if prefix else name
        value_node = node.children[-1]
        objects = list(self.objects(value_node))
        if objects:
            self.entries.append((_line(node), key, None))
            for obj in objects:
                self.object(obj, key)
        else:
            self.entries.append((_line(node), key, self.value(value_node)))

    def objects(self, node: Any) -> Any:
        """The object literals an expression holds, outermost only (not nested in one)."""
        if getattr(node, "data", None) == "object":
            yield node
            return
        for child in getattr(node, "children", ()):
            if hasattr(child, "data"):
                yield from self.objects(child)

    def object(self, node: Any, prefix: str) -> None:
        for elem in node.children:
            if getattr(elem, "data", None) != "object_elem":
                continue
            name = self.name(elem.children[0])
            key = f"{prefix}.{name}"
            value_node = elem.children[-1]
            objects = list(self.objects(value_node))
            if objects:
                self.entries.append((_line(elem), key, None))
                for obj in objects:
                    self.object(obj, key)
            else:
                self.entries.append((_line(elem), key, self.value(value_node)))

    def name(self, node: Any) -> str:
        """An identifier, a keyword, a quoted label or an object key, as plain text."""
        value = self.value(node)
        return str(value) if value is not None else "null"

    def value(self, node: Any) -> Scalar:
        """A literal's value; any other expression's source text."""
        inner = node
        while getattr(inner, "data", None) in ("expr_term", "object_elem_key") and len(
                [c for c in inner.children if hasattr(c, "data")]) == 1 and len(
                inner.children) == 1:
            inner = inner.children[0]
        kind = getattr(inner, "data", None)
        if kind == "string" and all(getattr(c, "data", None) == "string_part"
                                    for c in inner.children if hasattr(c, "data")):
            return "".join(str(t) for c in inner.children if hasattr(c, "data")
                           for t in c.children)
        if kind == "int_lit":
            return int(str(inner.children[0]))
        if kind == "float_lit":
            return float(str(inner.children[0]))
        if kind == "literal_value":
            word = str(inner.children[0])
            return None if word == "null" else word == "true"
        if kind in ("identifier", "keyword"):
            return str(inner.children[0])
        if kind in ("heredoc_template", "heredoc_template_trim"):
            raw = str(inner.children[0]).rstrip("\n")
            lines = raw.split("\n")
            return "\n".join(lines[1:-1])
        return self.source(node)

    def source(self, node: Any) -> str:
        meta = getattr(node, "meta", None)
        if meta is None or meta.empty:
            return ""
        return self.text[meta.start_pos:meta.end_pos].strip()
