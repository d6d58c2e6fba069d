"""The second pass over a module's syntax tree: statements, functions, classes."""

from __future__ import annotations

import ast
from typing import cast

from readiness.llmcalls.facts import ANY_KEY, CallFact, ClassFact, DefFact, FileFacts, TryFact
from readiness.llmcalls.flow import EMPTY, ExpressionWalker, Frame, Loop
from readiness.llmcalls.scope import UNKNOWN, Expr
from readiness.llmcalls.syntax import (
    CONTEXT_NAMES,
    RETRY_ITER_NAMES,
    children,
    class_base,
    final_name,
    reraises,
    sleeps,
)
from readiness.project.snapshot import parse_python


def extract(source: str) -> FileFacts | None:
    """The facts of one module, or None when it does not parse."""
    tree = parse_python(source)
    if tree is None:
        return None
    walker = None
    try:
        walker = Walker(tree)
        return walker.run()
    except RecursionError:  # nesting deep enough to parse but not to walk
        return None
    finally:
        if walker is not None:
            walker.binder.release()


class Walker(ExpressionWalker):
    """Walks one module and collects its facts."""

    def run(self) -> FileFacts:
        """Walk the whole module; return its facts."""
        self.mains: list[list[int]] = []
        self._body(self.tree.body)
        self._finish_frame()
        module = self.binder.module
        globs: dict[str, list[Expr]] = {}
        for name in {*module.bindings, *module.extra_globals}:
            # its last three values (the alternatives after a try repeat two of them)
            bindings = [b for b in module.bindings.get(name, []) if b.kind != "alts"][-3:] + \
                module.extra_globals.get(name, [])
            terms = [self.enc.binding_term(b) for b in bindings]
            if terms != [["def", name]] and terms != [["class", name]]:
                globs[name] = terms  # plain functions and classes are implied by defs/classes
        calls = [CallFact(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8],
                          self.sinks.get(i, [])) for i, c in enumerate(self.calls)]
        return FileFacts(self.binder.imports, self.refs, dict(sorted(globs.items())), self.defs,
                         self.classes, calls, self.tries, self.withs, self.setattrs, self.mains,
                         self.stores)

    # statements -----------------------------------------------------------------------
    def _body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self._stmt(stmt)

    def _stmt(self, node: ast.stmt) -> None:
        f = self.frame
        match node:
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                self._function(node)
            case ast.ClassDef():
                self._class(node)
            case ast.Assign(targets=targets, value=value):
                sources = self._expr(value)
                for target in targets:
                    self._assign(target, sources, value)
            case ast.AnnAssign(target=target, value=value, annotation=annotation) if (
                    value is not None):
                self._assign(target, self._expr(value), value, annotation)
            case ast.AugAssign(target=ast.Name(id=name), value=value):
                f.taint[name] = f.taint.get(name, EMPTY) | self._expr(value)
            case ast.Expr(value=value):
                self._expr(value)
            case ast.Return(value=value) if value is not None:
                self._sink_all(self._expr(value), ["r", node.lineno, "return", None])
                if f.def_key is not None:
                    self.defs[f.def_key].returns.append(
                        self._with_items(value, self._value_term(value)))
            case ast.If(test=test, body=body, orelse=orelse):
                self._expr(test)
                if f.function is None and _is_main_test(test) and body:
                    self.mains.append([body[0].lineno, body[-1].end_lineno or node.lineno])
                self._body(body)
                self._body(orelse)
            case ast.While(test=test, body=body, orelse=orelse):
                self._expr(test)
                self._loop(node, body, None)
                self._body(orelse)
            case ast.For(target=target, iter=it, body=body, orelse=orelse) | ast.AsyncFor(
                    target=target, iter=it, body=body, orelse=orelse):
                self._assign(target, self._expr(it), None)
                retry_iter = None
                if isinstance(it, ast.Call) and final_name(it.func) in RETRY_ITER_NAMES:
                    retry_iter = self.enc.encode(it, f.scope)
                self._loop(node, body, retry_iter)
                self._body(orelse)
            case ast.With(items=items, body=body) | ast.AsyncWith(items=items, body=body):
                pushed = 0
                for item in items:
                    sources = self._expr(item.context_expr)
                    if item.optional_vars is not None:
                        self._assign(item.optional_vars, sources, None)
                    ctx = item.context_expr
                    if isinstance(ctx, ast.Call) and final_name(ctx.func) in CONTEXT_NAMES:
                        self.withs.append([ctx.lineno, self.enc.encode(ctx, f.scope)])
                        f.withs.insert(0, len(self.withs) - 1)
                        pushed += 1
                self._body(body)
                del f.withs[:pushed]
            case ast.Try() | ast.TryStar():
                self._try(node)
            case ast.Match(subject=subject, cases=cases):
                self._expr(subject)
                for case in cases:
                    self._body(case.body)
            case _:
                for child in children(node):
                    if isinstance(child, ast.expr):
                        self._expr(child)

    def _assign(self, target: ast.expr, sources: frozenset[int], value: ast.expr | None,
                annotation: ast.expr | None = None) -> None:
        f = self.frame
        match target:
            case ast.Name(id=name):
                f.taint[name] = sources
                f.written.pop(name, None)  # a new object: the keys written before are gone
            case ast.Tuple(elts=elts) | ast.List(elts=elts):
                for element in elts:
                    self._assign(element, sources, None)
            case ast.Starred(value=inner):
                self._assign(inner, sources, None)
            case ast.Attribute(value=ast.Name() as base, attr=attr) if value is not None:
                owner = self.enc.encode(base, f.scope)
                if owner[0] == "self" and owner[1] in self.classes:
                    term = self._value_term(value)
                    hint = self.enc.encode_annotation(annotation, f.scope, strict=True) \
                        if annotation is not None else UNKNOWN
                    if hint != UNKNOWN:  # self.llm: BaseLLM = ...: what the type allows
                        term = ["typed", term, hint, attr]
                    self.classes[owner[1]].attrs.setdefault(attr, []).append(term)
                elif owner[0] in ("mod", "imp"):
                    term = self._value_term(value)
                    self.setattrs.append([target.lineno, owner, attr, term])
                    self.stores.append([target.lineno, attr, term])
                else:
                    self.stores.append([target.lineno, attr, self._value_term(value)])
            case ast.Attribute(value=base, attr=attr) if value is not None:
                self._expr(base)  # app.state.llm = ...: kept by name for later loads
                self.stores.append([target.lineno, attr, self._value_term(value)])
            case ast.Subscript(value=base, slice=ast.Constant(value=str() as key)) if (
                    value is not None):
                self._expr(base)  # st.session_state["llm"] = ...
                term = self._value_term(value)
                self.stores.append([target.lineno, key, term])
                if isinstance(base, ast.Name):  # options["timeout"] = 30, for **options
                    self.written_key(base.id, key, term, target.lineno)
            case ast.Subscript(value=base, slice=key) if value is not None:
                self._expr(base)  # clients[provider] = OpenAI(), hass.data[DOMAIN][id] = c:
                self._expr(key)   # an item of a dict, kept under the dict's name
                container = _container(base)
                if container is not None:
                    term = self._value_term(value)
                    self.stores.append([target.lineno, container + ITEM, term])
                    if isinstance(base, ast.Name):  # chains[f"chunk{i}"] = prompt | llm,
                        self.written_key(base.id, ANY_KEY, term, target.lineno)  # for **chains
            case _:
                self._expr(target)

    def _loop(self, node: ast.stmt, body: list[ast.stmt], retry_iter: Expr | None) -> None:
        f = self.frame
        f.loops.insert(0, Loop(node.lineno, len(f.tries)))
        if retry_iter is not None:
            f.iters.insert(0, retry_iter)
        self._body(body)
        del f.loops[0]
        if retry_iter is not None:
            del f.iters[0]

    def _try(self, node: ast.Try | ast.TryStar) -> None:
        f = self.frame
        handlers = []
        for handler in node.handlers:
            types = None
            if handler.type is not None:
                elts = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                types = [self.enc.encode(t, f.scope) for t in elts]
            handlers.append([types, reraises(handler), handler.lineno])
        self.tries.append(TryFact(node.lineno, handlers, f.loops[0].line if f.loops else None))
        f.tries.insert(0, len(self.tries) - 1)
        first = len(self.calls)
        self._body(node.body)
        tried = range(first, len(self.calls))
        del f.tries[0]
        for handler in node.handlers:
            if handler.name:
                f.taint.pop(handler.name, None)
            again = len(self.calls)
            self._body(handler.body)
            handled = range(again, len(self.calls))
            if sleeps(handler):
                self._asked_again(tried, handled, handler.lineno)
            if (sleeps(handler) or _transient(handler)) and self._recurses(handled):
                for i in tried:  # asks itself again: every call of the try is retried
                    if self.calls[i] and self.calls[i][6] is None:
                        self.calls[i][6] = handler.lineno
        self._body(node.orelse)
        self._body(node.finalbody)

    def _recurses(self, handled: range) -> bool:
        """Does a handler call the function it is in (gpt-review's ``_call_gpt`` returns
        ``_call_gpt(..., retry + 1)`` after a rate limit; a method, ``self.ask(...)``)?"""
        function = self.frame.function
        if function is None:
            return False
        owner, _, name = function.rpartition(".")
        own = ["attr", ["self", owner], name] if owner else ["g", name]
        return any(self.calls[i] and self.calls[i][3][1] == own for i in handled)

    def _asked_again(self, tried: range, handled: range, line: int) -> None:
        """A handler that waits and makes a call of its ``try`` body again (the same callee:
        PentestGPT sleeps after an ``APIConnectionError`` and asks
        ``openai.ChatCompletion.create`` once more) retries it: both calls are marked
        retried at the handler's line (which ``Protections`` credits when the handler
        catches what a failing call raises). One that asks again at once with another
        request (paper-qa without the images after a ``BadRequestError``, data-formulator
        without ``reasoning_effort``) works round a request the provider refused: not a
        retry of a failure that passes."""
        callees = {repr(self.calls[i][3][1]) for i in handled if self.calls[i]}
        if not callees:
            return
        repeated = [i for i in tried if self.calls[i] and repr(self.calls[i][3][1]) in callees]
        if repeated:
            again = {repr(self.calls[i][3][1]) for i in repeated}
            for i in [*repeated, *(j for j in handled if self.calls[j]
                                   and repr(self.calls[j][3][1]) in again)]:
                if self.calls[i][6] is None:
                    self.calls[i][6] = line

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.frame
        scope = self.binder.scopes[id(node)]
        qualname = scope.qualname or node.name
        decorators = [[d.lineno, self.enc.encode(d, outer.scope)] for d in node.decorator_list]
        self.defs[qualname] = DefFact(node.lineno, node.name, scope.cls, decorators, [], None,
                                      False, self.enc.encode_annotation(
                                          node.returns, outer.scope, strict=True))
        frame = Frame(scope, qualname, qualname)
        frame.context_manager = any(final_name(d) in _CONTEXT_MANAGERS
                                    for d in node.decorator_list)
        self.frames.append(frame)
        self._body(node.body)
        self._finish_frame()
        self.frames.pop()

    def _class(self, node: ast.ClassDef) -> None:
        outer = self.frame
        scope = self.binder.scopes[id(node)]
        qualname = scope.qualname or node.name
        fact = ClassFact(node.lineno, [self.enc.encode(class_base(b), outer.scope)
                                        for b in node.bases],
                         {}, {})
        self.classes[qualname] = fact
        self.frames.append(Frame(scope, outer.function, None))
        self._body(node.body)
        self._finish_frame()
        self.frames.pop()
        fields = _fields(node)
        for name, bindings in scope.bindings.items():
            last = bindings[-1]
            if last.kind == "def":
                fact.methods[name] = last.data[0]
            elif last.kind != "class":
                term = self.enc.binding_term(last)
                if name in fields:  # what a constructor call passes for it, else this
                    term = ["fld", qualname, name, fields[name], term]
                fact.attrs.setdefault(name, []).insert(0, term)

    def _value_term(self, node: ast.expr) -> Expr:
        """The term of a value returned or stored: for a call this module records, its
        record's term, which also holds the keys written into the dicts it spreads
        (``Client(**options)`` after ``options["timeout"] = t``); encoding the call again
        would leave them out."""
        call_id = self.enc.recorded(node)
        if call_id is not None:
            return cast(Expr, self.calls[call_id][3])
        return self.enc.encode(node, self.frame.scope)

    def _with_items(self, node: ast.expr, term: Expr) -> Expr:
        """A local dict returned (alone or in a tuple) with the items written into it under
        keys known only at run time (langchain-chatchat's ``models[model_type] =
        get_ChatOpenAI(...)`` in a loop, then ``return models, prompts``), under
        ``ANY_KEY``: a caller's ``models["llm_model"]`` reads them."""
        if isinstance(node, ast.Name) and term[0] == "dict":
            items = self.frame.computed_items(node.id)
            return ["dict", [*term[1], *items]] if items else term
        if isinstance(node, ast.Tuple) and term[0] == "list" and len(term[1]) == len(node.elts):
            return ["list", [self._with_items(e, t)
                             for e, t in zip(node.elts, term[1], strict=True)]]
        return term

    def _finish_frame(self) -> None:
        """Settle which calls sit in a retry loop, now that every sleep has been seen."""
        f = self.frame
        for call_id, loops, calls_param in f.pending:
            retry = next((loop for loop in loops if loop.sleeps), None)
            if retry is not None:
                self.calls[call_id][6] = retry.line
            iters = self.calls[call_id][7]
            if calls_param and (retry is not None or iters):
                mark = [retry.line if retry else self.calls[call_id][0],
                        None if retry else iters[0]]
                for frame in self.frames:
                    if frame.def_key is not None:
                        fact = self.defs[frame.def_key]
                        if fact.retry_wrapper is None:
                            self.defs[frame.def_key] = fact._replace(retry_wrapper=mark)
        f.pending.clear()

    # expressions ----------------------------------------------------------------------


ITEM = "[]"  # the store name of an item of a module-level dict: ``clients[]``
def _container(node: ast.expr) -> str | None:
    """The name of the dict an item is stored into: ``clients`` for ``clients[p]``, ``data``
    for ``hass.data.setdefault(DOMAIN, {})[id]`` and ``hass.data[DOMAIN][id]``."""
    while True:
        match node:
            case ast.Subscript(value=inner):
                node = inner
            case ast.Call(func=ast.Attribute(value=inner, attr="setdefault" | "get")):
                node = inner
            case ast.Name(id=name) | ast.Attribute(attr=name):
                return name
            case _:
                return None


_CONTEXT_MANAGERS = frozenset({"contextmanager", "asynccontextmanager"})


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides))


# what a provider raises on a failure that passes (a rate limit, a timeout, a dropped
# connection, an overloaded server): a handler of one of these that asks again retries
_TRANSIENT = frozenset({"RateLimitError", "APITimeoutError", "Timeout", "TimeoutError",
                        "APIConnectionError", "ServiceUnavailableError", "InternalServerError",
                        "OverloadedError", "TryAgain"})


def _transient(handler: ast.ExceptHandler) -> bool:
    """Does the handler catch only errors that pass if the request is made again?"""
    if handler.type is None:
        return False
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return all(final_name(t) in _TRANSIENT for t in types)


_FIELD_DECORATORS = frozenset({"dataclass", "define", "frozen", "mutable", "attrs", "s"})


def _fields(node: ast.ClassDef) -> dict[str, int]:
    """The fields a constructor call sets on a dataclass, attrs class or pydantic model
    (a LangChain chain is one): the names annotated in the class body (not ``ClassVar``),
    each with its position among them for a call that passes it by position (a dataclass
    or attrs class; -1 for a pydantic model, which takes keywords only). Whether the class
    really takes its fields so (no ``__init__`` of its own) is judged where its
    constructor calls are found."""
    positional = any(final_name(d.func if isinstance(d, ast.Call) else d)
                     in _FIELD_DECORATORS for d in node.decorator_list)
    fields: dict[str, int] = {}
    count = 0
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and \
                final_name(stmt.annotation.value if isinstance(stmt.annotation, ast.Subscript)
                           else stmt.annotation) != "ClassVar":
            # a field typed as plain data (``name: str``, ``scores: Dict[str, float]``)
            # holds no model: what its callers pass is not looked at (local-deep-research
            # builds ``Candidate(name=...)`` from parsed answers that lead back to model
            # calls); it still takes its place among the positions
            if not _plain_data(stmt.annotation):
                fields[stmt.target.id] = count if positional else -1
            count += 1
    return fields


_DATA_TYPES = frozenset({
    "str", "int", "float", "bool", "bytes", "complex", "dict", "list", "set", "frozenset",
    "tuple", "Dict", "List", "Set", "FrozenSet", "Tuple", "Sequence", "Mapping",
    "MutableMapping", "Iterable", "datetime", "date", "time", "timedelta", "Path", "UUID",
    "Decimal", "Literal", "Pattern"})


def _plain_data(annotation: ast.expr | None, depth: int = 0) -> bool:
    """Is the annotation a builtin data type, a container of anything, or an optional or
    union of such (``str``, ``Optional[int]``, ``List[Evidence]``, ``str | None``)? Unions
    nested deeper than a few levels are not (the scanned code decides how deep they go)."""
    if depth > 8:
        return False
    match annotation:
        case ast.Constant(value=None):
            return True
        case ast.BinOp(left=left, op=ast.BitOr(), right=right):
            return _plain_data(left, depth + 1) and _plain_data(right, depth + 1)
        case ast.Subscript(value=outer, slice=inner) if final_name(outer) in (
                "Optional", "Union"):
            parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return all(_plain_data(part, depth + 1) for part in parts)
        case ast.Subscript(value=outer):
            return final_name(outer) in _DATA_TYPES
        case ast.Name() | ast.Attribute():
            return final_name(annotation) in _DATA_TYPES
    return False
