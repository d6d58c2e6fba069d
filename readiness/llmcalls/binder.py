"""First pass over a module: its scopes and what each name is bound to.

Only statements are visited (expressions bind nothing we follow, walrus aside), so this is
cheap next to the second pass in ``facts.py``.
"""

from __future__ import annotations

import ast
from typing import Any

from readiness.llmcalls.scope import Binding, Param, Scope, child_qualname
from readiness.llmcalls.sdk import PROVIDER_ROOTS

_NO_DATA: tuple[Any, ...] = ()


class Binder:
    """Builds the scope tree of one module."""

    def __init__(self) -> None:
        self.module = Scope("module", None, None)
        self.scopes: dict[int, Scope] = {}  # id(def, class or lambda node) -> its scope
        self.imports: list[list[Any]] = []
        self.refs = False  # imports a model provider's package
        # the statements of each function's own body (not of a block inside it), and per
        # function scope, what each ``self.x`` was last set to by such a statement
        self._top: set[int] = set()
        self._self_set: dict[int, dict[str, ast.expr]] = {}

    def bind(self, tree: ast.Module) -> None:
        """Bind every statement of the module."""
        self._body(tree.body, self.module)

    def release(self) -> None:
        """Empty the scopes once the module's facts are made. A scope's bindings refer
        back to it, in cycles that only a garbage collection would find: emptied, the
        scope tree and the nodes it holds are freed at once."""
        for scope in (self.module, *self.scopes.values()):
            scope.bindings.clear()
            scope.extra_globals.clear()
            scope.made.clear()
            scope.params.clear()
            scope.parent = None
        self.scopes.clear()
        self._top.clear()
        self._self_set.clear()

    def lambda_scope(self, node: ast.Lambda, parent: Scope) -> Scope:
        """The scope of a lambda, made on first sight (lambdas live inside expressions)."""
        scope = self.scopes.get(id(node))
        if scope is None:
            scope = Scope("lambda", parent.qualname, parent)
            _bind_params(scope, node.args, None, parent, method=False)
            self.scopes[id(node)] = scope
        return scope

    def _body(self, body: list[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self._stmt(stmt, scope)

    def _stmt(self, node: ast.stmt, scope: Scope) -> None:
        end = (node.end_lineno or node.lineno, node.end_col_offset or 0)
        match node:
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                qualname = child_qualname(scope, node.name)
                inner = Scope("function", qualname, scope)
                self.scopes[id(node)] = inner
                method = scope.kind == "class"
                if method:
                    inner.cls = scope.qualname
                    inner.self_kind = _self_kind(node)
                _bind_params(inner, node.args, qualname, scope, method=method)
                scope.bind(node.name, Binding(end, "def", None, (qualname,), scope))
                self._top.update(map(id, node.body))
                self._body(node.body, inner)
            case ast.ClassDef():
                qualname = child_qualname(scope, node.name)
                inner = Scope("class", qualname, scope)
                inner.cls = qualname
                self.scopes[id(node)] = inner
                self._body(node.body, inner)
                scope.bind(node.name, Binding(end, "class", None, (qualname,), scope))
            case ast.Assign(targets=targets, value=value):
                value = self._self_value(node, value, scope)
                for target in targets:
                    self._set_self(node, target, value, scope)
                    self._target(target, value, scope, end)
            case ast.AnnAssign(target=ast.Name(id=name), value=None, annotation=annotation):
                # a dataclass or pydantic field; a module's declared global (``if
                # TYPE_CHECKING: app: ForgeApp``, the type of a proxy bound below it)
                if scope.kind in ("class", "module"):
                    scope.bind(name, Binding(end, "ann", annotation, _NO_DATA, scope))
            case ast.AnnAssign(target=target, value=value) if value is not None:
                value = self._self_value(node, value, scope)
                self._set_self(node, target, value, scope)
                self._target(target, value, scope, end)
            case ast.AugAssign(target=ast.Name(id=name)):
                scope.bind(name, Binding(end, "unk", None, _NO_DATA, scope))
            case ast.For(target=target, iter=items, body=body, orelse=orelse) | ast.AsyncFor(
                    target=target, iter=items, body=body, orelse=orelse):
                self._element(target, items, scope, end)
                self._body(body, scope)
                self._body(orelse, scope)
            case ast.While(body=body, orelse=orelse) | ast.If(body=body, orelse=orelse):
                self._body(body, scope)
                self._body(orelse, scope)
            case ast.With(items=items, body=body) | ast.AsyncWith(items=items, body=body):
                for item in items:
                    if item.optional_vars is not None:
                        item_end = (item.context_expr.end_lineno or node.lineno, 0)
                        self._target(item.optional_vars, item.context_expr, scope, item_end)
                self._body(body, scope)
            case ast.Try() | ast.TryStar():
                self._body(node.body, scope)
                handled: dict[str, list[Binding]] = {}  # a name's last binding per handler
                in_handlers: set[int] = set()  # every binding an except clause made
                for handler in node.handlers:
                    if handler.name:
                        scope.bind(handler.name, Binding(end, "unk", None, _NO_DATA, scope))
                    start = len(scope.made)  # what the clause binds: read from here on
                    self._body(handler.body, scope)
                    last: dict[str, Binding] = {}
                    for name, binding in scope.made[start:]:
                        in_handlers.add(id(binding))
                        last[name] = binding
                    for name, binding in last.items():
                        if name != handler.name:
                            handled.setdefault(name, []).append(binding)
                self._body(node.orelse, scope)
                _handled_alternatives(scope, handled, in_handlers, end)
                self._body(node.finalbody, scope)
            case ast.Match(cases=cases):
                for case in cases:
                    self._body(case.body, scope)
            case ast.Import(names=names):
                for alias in names:
                    self.imports.append([0, alias.name, None])
                    self.refs = self.refs or alias.name.split(".")[0] in PROVIDER_ROOTS
                    if alias.asname:
                        scope.bind(alias.asname, Binding(end, "mod", None, (alias.name,), scope))
                    else:
                        first = alias.name.split(".")[0]
                        scope.bind(first, Binding(end, "mod", None, (first,), scope))
            case ast.ImportFrom(module=module, level=level, names=names):
                module = module or ""
                self.imports.append([level, module, [a.name for a in names]])
                root = module.split(".")[0]
                if level == 0 and (root in PROVIDER_ROOTS or (root == "google" and any(
                        a.name in ("genai", "generativeai") for a in names))):
                    self.refs = True
                for alias in names:
                    if alias.name != "*":
                        scope.bind(alias.asname or alias.name, Binding(
                            end, "imp", None, (level, module, alias.name), scope))
            case ast.Global(names=names):
                scope.globals.update(names)

    def _self_value(self, node: ast.stmt, value: ast.expr, scope: Scope) -> ast.expr:
        """``alias = self.x`` in a method's own body, after a statement of that body set
        ``self.x``: what it was set to, not whatever ``self.x`` is set to anywhere in the
        class (OpenHands keeps ``completion_unwrapped = self._completion``, a partial of
        litellm's completion, before it sets ``self._completion`` to a wrapper around
        it). Only the body's own statements count, in order: a block may not run, or may
        run again."""
        attr = self._self_attr(value, scope)
        if attr is not None and id(node) in self._top:
            return self._self_set.get(id(scope), {}).get(attr, value)
        return value

    def _set_self(self, node: ast.stmt, target: ast.expr, value: ast.expr, scope: Scope
                  ) -> None:
        attr = self._self_attr(target, scope)
        if attr is None:
            return
        known = self._self_set.setdefault(id(scope), {})
        if id(node) in self._top:
            known[attr] = value
        else:  # set in a block: which value it has after the block is not known
            known.pop(attr, None)

    @staticmethod
    def _self_attr(node: ast.expr, scope: Scope) -> str | None:
        """``x`` for ``self.x`` in a method (``self``: its first parameter)."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            param = scope.params.get(node.value.id)
            if isinstance(param, list) and param and param[0] == "self":
                return node.attr
        return None

    def _element(self, target: ast.expr, items: ast.expr, scope: Scope,
                 end: tuple[int, int]) -> None:
        """``for m in models`` / ``for name, m in models``: an element of the iterable (or
        the n-th item of one), resolved later from a list or a dict's items or values."""
        match target:
            case ast.Name(id=name):
                scope.bind(name, Binding(end, "elem", items, (-1,), scope))
            case ast.Tuple(elts=elts) | ast.List(elts=elts) if all(
                    isinstance(e, ast.Name) for e in elts):
                for index, element in enumerate(elts):
                    assert isinstance(element, ast.Name)
                    scope.bind(element.id, Binding(end, "elem", items, (index,), scope))
            case _:
                self._target(target, None, scope, end)

    def _target(self, target: ast.expr, value: ast.expr | None, scope: Scope,
                end: tuple[int, int]) -> None:
        match target:
            case ast.Name(id=name):
                kind = "unk" if value is None else "value"
                scope.bind(name, Binding(end, kind, value, _NO_DATA, scope))
            case ast.Tuple(elts=elts) | ast.List(elts=elts):
                values: list[ast.expr | None] = [None] * len(elts)
                if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(elts):
                    values = list(value.elts)
                elif value is not None and all(isinstance(e, ast.Name) for e in elts):
                    # ``store, memory, qa = bootstrap(config)``: the i-th item of the value
                    for index, element in enumerate(elts):
                        assert isinstance(element, ast.Name)
                        scope.bind(element.id, Binding(end, "item", value, (index,), scope))
                    return
                for element, element_value in zip(elts, values, strict=True):
                    self._target(element, element_value, scope, end)
            case ast.Starred(value=inner):
                self._target(inner, None, scope, end)


def _self_kind(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    names = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
    if "staticmethod" in names:
        return None
    return "cls" if "classmethod" in names else "self"


def _bind_params(scope: Scope, args: ast.arguments, function: str | None, outer: Scope,
                 *, method: bool) -> None:
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += args.defaults
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        if index == 0 and method and scope.self_kind and scope.cls:
            scope.params[arg.arg] = [scope.self_kind, scope.cls]
            continue
        scope.params[arg.arg] = Param(function, index, arg.annotation, default, outer)
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        scope.params[arg.arg] = Param(function, -1, arg.annotation, kw_default, outer)
    for star in (args.vararg, args.kwarg):
        if star is not None:
            scope.params[star.arg] = ["unk"]


def _handled_alternatives(scope: Scope, handled: dict[str, list[Binding]], in_handlers: set[int],
                          end: tuple[int, int]) -> None:
    """After a ``try``, a name an except clause rebinds holds what the clause gave it or
    what it had when nothing was raised: ``try: model = ChatOpenAI(**params) except
    Exception: model = None`` then ``return model`` returns the model or None, not None
    alone (the last binding in the text). The value when nothing was raised is the name's
    last binding made outside the except clauses (in the try, its else, or before it)."""
    for name, last_in_handlers in handled.items():
        normal = next((b for b in reversed(scope.bindings.get(name, []))
                       if id(b) not in in_handlers), None)
        options = ([normal] if normal is not None else []) + last_in_handlers
        if len(options) > 1:
            scope.bind(name, Binding(end, "alts", None, tuple(options), scope))
