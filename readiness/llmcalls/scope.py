"""Lexical scopes of one module, and the encoding of expressions into small JSON terms.

A name is resolved here, inside the file, to what it is bound to: an import, a function or
class, a parameter, or (for locals) the expression last assigned to it, inlined. What is
left for the cross-module pass is a term such as ``["imp", 0, "app.clients", "client"]``.

Terms (JSON lists, tag first)::

    ["lit", v]                 a str/int/float/bool/None constant
    ["mod", "a.b"]             an imported module          ["imp", level, "mod", "name"]
    ["g", "name"]              a global of this module     ["b", "name"]  a builtin
    ["def", "qual"]            a function of this module   ["class", "qual"]
    ["self", "Cls"] / ["cls", "Cls"]
    ["p", "func", "name", index, annotation, default]      a parameter
    ["attr", base, "name"]     ["sub", base, key]          ["call", func, args, kws, line]
    ["dict", [[key, line, value], ...]]   ["list", [...]]  ["str", [parts]]
    ["add", a, b]  ["or", a, b] (the ``|`` operator)
    ["alt", [a, b]] (``a or b``, ``x if c else y``; ``x if c else None`` or a name
        (``NOT_GIVEN``) adds ["when", "falsy", c]: b is the value when c is falsy;
        ``f(x) if x is not None else None`` is ["alt", [f(x), x], ["when", "none"]]: None
        exactly when x is)
    ["lam", body]              ["ref", i] (the value of this module's i-th recorded call)
    ["typed", value, annotation, "attr"]   ``self.attr: annotation = value``: the model the
        annotation names when the value is not known
    ["elem", iterable, i]      an element a ``for`` takes from iterable (its i-th item; -1: whole)
    ["sub", value, ["lit", i]] also names the i-th item of ``a, b = value``
    ["unk"]

``kws`` is ``[[name, line, value], ...]`` with name ``"**"`` for ``**mapping``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, NamedTuple

from readiness.project.snapshot import parse_python

Expr = list[Any]
UNKNOWN: Expr = ["unk"]
MAX_INLINE = 6  # how many local assignments are followed through when inlining
MAX_DEPTH = 24  # how deep an expression is encoded
MAX_ITEMS = 25  # how many items of a literal list or dict are kept
MAX_STR = 300  # how much of a string constant is kept

Pos = tuple[int, int]
# Keyword arguments that carry the conversation, never a setting: not worth keeping.
_BULKY = frozenset({"messages", "prompt", "prompts", "contents", "content", "input", "inputs",
                    "system", "documents", "body", "query", "question", "data", "examples"})


def _empty(node: ast.expr) -> bool:
    """An empty literal (``[]``, ``""``): kept even for a bulky keyword, since a request with
    no messages is a probe, not a generation (``index._probe``)."""
    return (isinstance(node, ast.List | ast.Tuple) and not node.elts) or (
        isinstance(node, ast.Constant) and node.value == "")


class Binding(NamedTuple):
    """One binding of a name: where it becomes visible and what it is bound to."""

    end: Pos
    kind: str  # "value" | "item" | "elem" | "ann" | "mod" | "imp" | "def" | "class" | "unk"
    #            | "alts" (data: the bindings a name may hold after a try)
    node: ast.expr | None
    data: tuple[Any, ...]
    scope: Scope


class Param(NamedTuple):
    """A parameter of a function: its position, annotation and default."""

    function: str | None
    position: int  # among positional parameters, -1 for keyword-only
    annotation: ast.expr | None
    default: ast.expr | None
    outer: Scope  # where the annotation and default are evaluated


class Scope:
    """A module, class, function or lambda body and the names bound in it."""

    __slots__ = ("kind", "qualname", "parent", "bindings", "params", "globals", "cls",
                 "self_kind", "extra_globals", "made")

    def __init__(self, kind: str, qualname: str | None, parent: Scope | None) -> None:
        self.kind = kind
        self.qualname = qualname
        self.parent = parent
        self.bindings: dict[str, list[Binding]] = {}
        self.params: dict[str, Param | Expr] = {}  # an Expr for self and cls
        self.globals: set[str] = set()
        self.cls: str | None = None  # the class a method belongs to
        self.self_kind: str | None = None  # "self" or "cls" for the first parameter
        self.extra_globals: dict[str, list[Binding]] = {}  # module: bound via `global x`
        self.made: list[tuple[str, Binding]] = []  # every binding of ``bindings``, in order

    def module(self) -> Scope:
        """The module scope this scope is nested in."""
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def bind(self, name: str, binding: Binding) -> None:
        """Bind a name here (or in the module, for a name declared ``global``)."""
        if name in self.globals and self.kind != "module":
            self.module().extra_globals.setdefault(name, []).append(binding)
            return
        self.bindings.setdefault(name, []).append(binding)
        self.made.append((name, binding))


def child_qualname(scope: Scope, name: str) -> str:
    """Python's ``__qualname__`` for a def or class named ``name`` inside ``scope``."""
    if scope.qualname is None:
        return name
    if scope.kind == "class":
        return f"{scope.qualname}.{name}"
    return f"{scope.qualname}.<locals>.{name}"


class Encoder:
    """Encodes expressions of one module into terms, resolving names lexically."""

    def __init__(self, lambdas: dict[int, Scope]) -> None:
        self._lambdas = lambdas  # id(ast.Lambda) -> its scope
        self.call_ids: dict[int, int] = {}  # id(ast.Call) -> index of its call record
        self._inlining: set[int] = set()
        self.comprehension_names: set[str] = set()
        # the keys written into the local dicts a call spreads (``**options``), as the walk
        # knows them where the call is (``flow._spread_keys``): every key
        # for a recorded call, the items under computed keys for the calls inside terms;
        # none without a walk
        self.spread_keys: Callable[[ast.Call, bool], list[Any]] = lambda node, every: []
        # the items written into a local dict under computed keys so far in the walk
        # (``model_mapping[name] = (ChatOpenAI, args)`` in a loop), for a read of an item
        # of it (``model_mapping[the_model]``); none without a walk
        self.written_items: Callable[[str], list[Any]] = lambda name: []

    def encode(self, node: ast.expr | None, scope: Scope, depth: int = 0) -> Expr:
        """The term for ``node`` evaluated in ``scope``."""
        if node is None or depth > MAX_DEPTH:
            return UNKNOWN
        d = depth + 1
        match node:
            case ast.Constant(value=value):
                if isinstance(value, str):
                    return ["lit", value[:MAX_STR]]
                if value is None or isinstance(value, (bool, int, float)):
                    return ["lit", value]
                return UNKNOWN
            case ast.Name(id=name):
                return self.lookup(name, scope, (node.lineno, node.col_offset), depth)
            case ast.Attribute(value=ast.Call(func=ast.Name(id="super"), args=args),
                               attr=attr) if scope.cls and len(args) in (0, 2):
                return ["super", scope.cls, attr]  # super().__init__ in a method
            case ast.Attribute(value=value, attr=attr):
                return ["attr", self.encode(value, scope, d), attr]
            case ast.Call():
                return self.encode_call(node, scope, d)
            case ast.Await(value=value) | ast.NamedExpr(value=value):
                return self.encode(value, scope, d)
            case ast.BinOp(left=left, op=ast.BitOr(), right=right):
                return ["or", self.encode(left, scope, d), self.encode(right, scope, d)]
            case ast.BinOp(left=left, op=ast.Add(), right=right):
                return ["add", self.encode(left, scope, d), self.encode(right, scope, d)]
            case ast.BinOp(left=left, op=ast.Mod()):
                return ["str", [self.encode(left, scope, d)]]
            case ast.JoinedStr(values=values):
                return ["str", [self.encode(v.value if isinstance(v, ast.FormattedValue) else v,
                                            scope, d) for v in values[:MAX_ITEMS]]]
            case ast.BoolOp(op=ast.Or(), values=values):
                return ["alt", [self.encode(v, scope, d) for v in values[:MAX_ITEMS]]]
            case ast.BoolOp(values=values):
                return self.encode(values[-1], scope, d)
            case ast.IfExp(body=body, orelse=orelse, test=test):
                # ``f(x) if x is not None else None`` is None exactly when x is: the None
                # branch stands for x (camel: ``timeout_ms=int(t * 1000) if t is not None
                # else None``, with a t that always has a value)
                guarded = _none_guard(test)
                if guarded is not None and _is_none_literal(orelse if guarded[1] else body):
                    kept = [body if guarded[1] else orelse, guarded[0]]
                    return ["alt", [self.encode(e, scope, d) for e in kept], ["when", "none"]]
                if _is_none_literal(orelse):  # ``x if c else None``: None when c is false
                    return ["alt", [self.encode(body, scope, d), ["lit", None]],
                            ["when", "falsy", self.encode(test, scope, d)]]
                if isinstance(orelse, (ast.Name, ast.Attribute)):  # ``x if c else NOT_GIVEN``
                    return ["alt", [self.encode(body, scope, d), self.encode(orelse, scope, d)],
                            ["when", "falsy", self.encode(test, scope, d)]]
                return ["alt", [self.encode(body, scope, d), self.encode(orelse, scope, d)]]
            case ast.Dict(keys=keys, values=values):
                items = []
                for key, value in list(zip(keys, values, strict=True))[:MAX_ITEMS]:
                    constant = key.value if isinstance(key, ast.Constant) else None
                    items.append([constant if isinstance(constant, str) else None, value.lineno,
                                  self.encode(value, scope, d)])
                return ["dict", items]
            case ast.List(elts=elts) | ast.Tuple(elts=elts) | ast.Set(elts=elts):
                return ["list", [self.encode(e, scope, d) for e in elts[:MAX_ITEMS]]]
            case ast.Subscript(value=value, slice=key):
                container = self.encode(value, scope, d)
                if container[0] == "dict" and isinstance(value, ast.Name):
                    items = self.written_items(value.id)  # filled under keys known at run time
                    if items:
                        container = ["dict", [*container[1], *items]]
                return ["sub", container, self.encode(key, scope, d)]
            case ast.Lambda(body=body):
                return ["lam", self.encode(body, self._lambdas.get(id(node), scope), d)]
        return UNKNOWN

    def encode_call(self, node: ast.Call, scope: Scope, depth: int = 0, *,
                    every_key: bool = False) -> Expr:
        """``["call", func, args, kws, line]`` for a call node; with the keys written into
        the local dicts it spreads: all of them (``every_key``, a call's own record) or the
        items written under computed keys (``RunnableParallel(**chains)`` inside a term).
        Copying every key into every term a spreading call appears in made the walk of
        skyvern's modules a quarter slower."""
        d = depth + 1
        args = [UNKNOWN if isinstance(a, ast.Starred) else self.encode(a, scope, d)
                for a in node.args[:MAX_ITEMS]]
        kws = [[k.arg or "**", k.value.lineno,
                UNKNOWN if k.arg in _BULKY and not _empty(k.value)
                else self.encode(k.value, scope, d)]
               for k in node.keywords[:MAX_ITEMS]]
        if any(k.arg is None for k in node.keywords):  # a **mapping: its keys, after the
            spread = self.spread_keys(node, every_key)  # call's own (what they say goes first)
            if spread:
                kws.append(["**", node.lineno, ["dict", spread]])
        return ["call", self.encode(node.func, scope, d), args, kws, node.lineno]

    def encode_annotation(self, node: ast.expr | None, scope: Scope, depth: int = 0, *,
                          strict: bool = False) -> Expr:
        """The class an annotation names (``Optional[X]`` and ``X | None`` give ``X``). Not
        for ``Type[X]`` / ``type[X]``: that is a class, not an instance of ``X`` (NeMo
        Guardrails looks its model classes up in a registry typed ``Type[BaseLLM]`` and
        calls the class to build a model; calling it is no request).

        ``strict`` (a return annotation): only ``X``, ``Optional[X]``, ``Union[X, Y]``,
        ``Annotated[X, ...]`` and ``X | None`` name classes; a container of ``X`` or any
        other expression names none."""
        if node is None or depth > 4:
            return UNKNOWN
        d = depth + 1
        match node:
            case ast.Constant(value=str(text)):  # a forward reference: "OpenAI | None"
                tree = parse_python(text)
                if tree is None or len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
                    return UNKNOWN
                return self.encode_annotation(tree.body[0].value, scope, d, strict=strict)
            case ast.BinOp(left=left, op=ast.BitOr(), right=right):
                return ["alt", [self.encode_annotation(left, scope, d, strict=strict),
                                self.encode_annotation(right, scope, d, strict=strict)]]
            case ast.Subscript(value=ast.Name(id="Type" | "type") | ast.Attribute(attr="Type")):
                return UNKNOWN
            case ast.Subscript(value=ast.Name(id=wrapper) | ast.Attribute(attr=wrapper),
                               slice=inner) if strict and wrapper in (
                                   "Optional", "Union", "Annotated"):
                parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
                if wrapper == "Annotated":
                    parts = parts[:1]
                return ["alt", [self.encode_annotation(p, scope, d, strict=True) for p in parts]]
            case ast.Subscript(slice=inner) if not strict:
                return self.encode_annotation(inner, scope, d)
            case ast.Name() | ast.Attribute() | ast.Constant(value=None):
                return self.encode(node, scope, d)
        return UNKNOWN if strict else self.encode(node, scope, d)

    def lookup(self, name: str, scope: Scope, pos: Pos, depth: int) -> Expr:
        """Resolve a name used at ``pos`` in ``scope``."""
        if name in self.comprehension_names:
            return UNKNOWN
        current: Scope | None = scope
        innermost = True
        while current is not None:
            if current.kind == "class" and not innermost:
                current = current.parent  # class bodies are not visible to nested functions
                continue
            if name in current.globals and current.kind != "module":
                current = current.module()
                innermost = False
                continue
            if name in current.params:
                param = self._param(name, current.params[name], depth)
                # a parameter the function reassigned before this use (``url =
                # urljoin(url, "chat/completions")``, ``if llm is None: llm = get_llm()``)
                # is what was assigned to it, or else (the assignment was conditional, or
                # says nothing the analysis knows) what was passed in
                bindings = current.bindings.get(name) if innermost else None
                earlier = _before(bindings, pos) if bindings else None
                if earlier is not None:
                    assigned = self._inline(earlier, depth)
                    return param if assigned == UNKNOWN else ["alt", [assigned, param]]
                return param
            bindings = current.bindings.get(name)
            if current.kind == "module" and not _runs_at_import(scope):
                if bindings or name in current.extra_globals:
                    return ["g", name]
                return ["b", name]
            if bindings:
                return self._inline(_visible(bindings, pos if innermost else None), depth)
            innermost = False
            current = current.parent
        return ["b", name]

    def _param(self, name: str, param: Param | Expr, depth: int) -> Expr:
        if isinstance(param, list):
            return param
        # the annotation is encoded on its own (its own depth limit counts its nesting): at
        # the depth of the use, ``client.chat.completions.create`` was too deep to read
        # ``client: AsyncOpenAI``
        return ["p", param.function, name, param.position,
                self.encode_annotation(param.annotation, param.outer),
                self.encode(param.default, param.outer, depth + 1)]

    def binding_term(self, binding: Binding, depth: int = 0) -> Expr:
        """The term a binding gives its name."""
        return self._inline(binding, depth)

    def _inline(self, binding: Binding, depth: int) -> Expr:
        if binding.kind == "mod":
            return ["mod", binding.data[0]]
        if binding.kind == "imp":
            return ["imp", *binding.data]
        if binding.kind == "def":
            return ["def", binding.data[0]]
        if binding.kind == "class":
            return ["class", binding.data[0]]
        if binding.kind == "alts":  # after a try: the value without an exception, or a handler's
            if depth >= MAX_DEPTH:  # a chain of tries, each rebinding the name
                return UNKNOWN
            return ["alt", [self._inline(option, depth + 1) for option in binding.data]]
        if binding.kind == "ann":  # a field declared with a type and no value
            return ["p", None, "", -1, self.encode_annotation(binding.node, binding.scope), UNKNOWN]
        if binding.kind == "elem" and binding.node is not None:  # an element of a `for`
            return ["elem", self.encode(binding.node, binding.scope, depth + 1),
                    binding.data[0]]
        if binding.kind == "item" and binding.node is not None:  # a, b = f(): f()[i]
            call_id = self.recorded(binding.node)
            whole = ["ref", call_id] if call_id is not None else self.encode(
                binding.node, binding.scope, depth + 1)
            return ["sub", whole, ["lit", binding.data[0]]]
        if binding.kind != "value" or binding.node is None:
            return UNKNOWN
        call_id = self.recorded(binding.node)
        if call_id is not None:  # a recorded call: refer to it rather than copy it
            return ["ref", call_id]
        key = id(binding)
        if key in self._inlining or len(self._inlining) >= MAX_INLINE:
            return UNKNOWN  # `x = f(x)` and long chains of reassignment
        self._inlining.add(key)
        try:
            return self.encode(binding.node, binding.scope, depth + 1)
        finally:
            self._inlining.discard(key)

    def recorded(self, node: ast.expr) -> int | None:
        """The index of the call record of the call ``node`` is or awaits, if it has one.
        Awaited calls too: copied at each use of the name they are bound to, the terms of
        async code that passes its results on grow with every step (skyvern 1.0.56: one
        ``LOG.error`` call's term was 132 KB, its ``agent.py``'s facts 4.9 MB)."""
        while isinstance(node, ast.Await):
            node = node.value
        return self.call_ids.get(id(node))



def _none_guard(test: ast.expr) -> tuple[ast.expr, bool] | None:
    """(x, True) for the test ``x is not None``, (x, False) for ``x is None``."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and \
            _is_none_literal(test.comparators[0]):
        if isinstance(test.ops[0], ast.IsNot):
            return test.left, True
        if isinstance(test.ops[0], ast.Is):
            return test.left, False
    return None


def _is_none_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _runs_at_import(scope: Scope) -> bool:
    """Module and class bodies run top to bottom once; functions run later."""
    current: Scope | None = scope
    while current is not None:
        if current.kind in ("function", "lambda"):
            return False
        current = current.parent
    return True


def _before(bindings: list[Binding], pos: Pos) -> Binding | None:
    """The last binding made before ``pos``, if any."""
    earlier = [binding for binding in bindings if binding.end <= pos]
    return earlier[-1] if earlier else None


def _visible(bindings: list[Binding], pos: Pos | None) -> Binding:
    """The last binding made before ``pos``, or the last one if none was (loops)."""
    if pos is not None:
        for index in range(len(bindings) - 1, -1, -1):
            if bindings[index].end <= pos:
                return bindings[index]
    return bindings[-1]
