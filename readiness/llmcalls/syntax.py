"""Small helpers over Python syntax trees, and the names the extraction looks for."""

from __future__ import annotations

import ast
import collections
from collections.abc import Iterator

from readiness.llmcalls.scope import Expr

# Calls to these methods never reach a model nor a project wrapper worth following.
STOP = frozenset({
    "append", "extend", "insert", "items", "keys", "values", "join", "split", "rsplit",
    "strip", "lstrip", "rstrip", "lower", "upper", "startswith", "endswith", "replace",
    "encode", "decode", "debug", "info", "warning", "exception", "critical", "setdefault",
    "isoformat", "format", "getLogger",
})
# Pydantic and TypeAdapter methods: distinctive enough to trust by name.
VALIDATE_ATTRS = frozenset({
    "model_validate", "model_validate_json", "model_validate_strings", "parse_obj", "parse_raw",
    "validate_python", "validate_json", "validate_strings",
})
VALIDATE_NAMES = frozenset({"validate", "parse_obj_as"})
DECODE_MODULES = frozenset({"json", "orjson", "ujson", "simplejson", "yaml"})
DECODE_NAMES = frozenset({"loads", "load", "safe_load"})
PARSER_METHODS = frozenset({"parse", "parse_result", "invoke", "ainvoke"})
RETRY_ITER_NAMES = frozenset({"Retrying", "AsyncRetrying", "retry_context"})
# Standard library modules no project shadows with its own package (unlike `platform`,
# `email` or `test`): calls into them never reach a model or a project function.
STDLIB = frozenset({
    "abc", "argparse", "asyncio", "base64", "bisect", "collections", "concurrent", "contextlib",
    "copy", "csv", "dataclasses", "datetime", "decimal", "enum", "fnmatch", "functools", "glob",
    "hashlib", "heapq", "hmac", "inspect", "io", "itertools", "json", "logging", "math",
    "multiprocessing", "operator", "os", "pathlib", "pickle", "pprint", "random", "re",
    "shutil", "socket", "sqlite3", "statistics", "string", "struct", "subprocess", "sys",
    "tempfile", "textwrap", "threading", "time", "traceback", "typing", "unicodedata", "urllib",
    "uuid", "warnings", "weakref", "zlib",
})
KEEP_STDLIB = frozenset({"wait_for", "to_thread"})  # these two run the call given to them
LITERALS = (ast.Constant, ast.JoinedStr, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp,
             ast.SetComp, ast.DictComp)
CONTEXT_NAMES = frozenset({"timeout", "timeout_at", "fail_after", "move_on_after", "suppress"})


def children(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes(node)`` as a list, in the same order, less the expression
    contexts (``Load``, ``Store``, ``Del``: no walk looks at them, and they are a third of
    a module's nodes): about twice as fast (no generators, and only the fields that can
    hold a node are read), and the call-site and traffic walks ask it of every node of
    every module they read."""
    fields = _CHILD_FIELDS.get(node.__class__)
    if fields is None:
        fields = _CHILD_FIELDS[node.__class__] = _child_fields(node.__class__)
    found = []
    for name in fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            for item in value:
                if isinstance(item, ast.AST):
                    found.append(item)
        elif isinstance(value, ast.AST):
            found.append(value)
    return found


# Fields that never hold a node: names, flags, numbers, the expression context, and a
# constant's value (a number, a string, bytes, ``...``: never a node)
_LEAF_FIELDS = frozenset({"id", "attr", "name", "arg", "asname", "module", "level", "kind",
                          "type_comment", "is_async", "conversion", "ctx"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a node class that can hold nodes (or lists of them: a list of names,
    ``Global.names``, is read and its strings left out)."""
    if kind is ast.Constant:
        return ()
    return tuple(name for name in getattr(kind, "_fields", ()) if name not in _LEAF_FIELDS)


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk(node)``: the same nodes in the same order (breadth first), through
    ``children``."""
    todo = collections.deque([node])
    while todo:
        node = todo.popleft()
        todo.extend(children(node))
        yield node


def final_name(func: ast.expr) -> str | None:
    """The called name: ``create`` for ``client.chat.completions.create``."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def class_base(node: ast.expr) -> ast.expr:
    """The class a base in a class statement names: ``BaseSearch[ContextBuilder]`` (a
    generic class given its parameters) derives from ``BaseSearch``."""
    return node.value if isinstance(node, ast.Subscript) else node


def dotted(node: ast.expr) -> str:
    """A dotted rendering of a callee, for messages: ``Invoice.model_validate_json``."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(dotted(node.func) + "(...)")
    else:
        parts.append("...")
    return ".".join(reversed(parts))


def module_root(term: Expr) -> str | None:
    """The top-level package an import term comes from."""
    while term[0] == "attr":
        term = term[1]
    if term[0] == "mod":
        return str(term[1]).split(".")[0]
    if term[0] == "imp" and term[1] == 0:
        return str(term[2]).split(".")[0]
    return None


def sleeps(node: ast.AST) -> bool:
    """Does ``node`` hold a call of a ``sleep`` (``time.sleep``, ``asyncio.sleep``)?"""
    return any(isinstance(n, ast.Call) and final_name(n.func) == "sleep" for n in walk(node))


def reraises(handler: ast.ExceptHandler) -> bool:
    """Does the handler end by re-raising what it caught (so the error still escapes)?"""
    if not handler.body:
        return False
    last = handler.body[-1]
    if not isinstance(last, ast.Raise):
        return False
    if last.exc is None:
        return True
    return isinstance(last.exc, ast.Name) and bool(last.exc.id == handler.name)
