"""Per-file facts about where call results and arguments flow: a pure function of the text.

For every function body (the module body is the function ``""``), in source order:

- every call is a *root*, and so is every parameter: where its value goes is recorded as
  sinks ``[kind, line, label, side]`` where ``side`` is ``"r"`` (the value itself, or
  something derived from it) or ``"u"`` (its token usage or cost: ``.usage``,
  ``prompt_tokens``, ``usage_metadata``, also read by ``.get("usage")``, a
  ``*cost*``/``*token*`` function of it). Kinds:
  ``log`` (a logger method), ``metric`` (a counter, histogram, span attribute),
  ``store`` (``execute``, ``insert*``, ``session.add``, ``put_item``, ``objects.create``),
  ``ui`` (shown to a person: ``print``, ``st.write``, ``console.print``), ``attr`` (kept on
  an object: ``self.total += ...``), ``return``/``yield``, ``read`` (usage read from it), and
  ``call`` (passed to another function: ``label`` is the callee, the last item the
  argument position or keyword);
- a call whose result is unpacked (``text, usage = answer(...)``, at most MAX_UNPACK
  names) gives each name its own root, ``<call key>#<position>``, and a ``return a, b``
  records a sink per element with its position: a caller's text is not taken for the
  usage returned beside it;
- every ``with x:`` on a name or attribute (a lock, a semaphore, ``with breaker.calling():``):
  its line, ``x``, the keys of the calls in its block and the functions the block hands to
  others to call;
- the decorators of each function (``decorated``: qualname to their dotted names) and the
  functions handed to a ``.call(`` or ``.call_async(`` (``hands``: a circuit breaker's way
  of running a function): what a breaker wraps;
- the names each call's request is built from (positional arguments, content keywords,
  followed back through assignments in the same body);
- every log call: the names it reads and whether it carries a request/trace id;
- every ``try``: the calls in its body, and whether a handler answers another way (returns
  a value, calls something other than a logger, assigns) or, in a loop whose variable feeds
  those calls and that exits on success, moves on to the next item (a fallback loop), and
  which calls of the body the handler makes again word for word (a retry, if one of them
  is the model call);
- the imports and the definitions (and each class's bases: ``bases``), so that another pass
  can follow calls across modules, and a method called on an object of unknown class to the
  implementations of a project interface.

Nothing here knows which call reaches a model: ``traffic.py`` joins these facts with the
call-site index. It loads ``file_calls`` (everything but the data flow: ``FLOW_KEYS``) of
every module it reads, and ``file_traffic`` of those a flow reaches.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from readiness.llmcalls.syntax import children, class_base, dotted, final_name, walk
from readiness.llmcalls.traffic_rules import (
    _FILLS,
    _ID,
    _USAGE_FUNC,
    USAGE_ATTRS,
    Names,
    _answer,
    _appends,
    _content_names,
    _exits_after,
    _fields,
    _kind,
    _limiter,
    _moves_on,
    _names,
    _request_names,
    asked_again,
    clock_lines,
    reads_only,
)
from readiness.project.snapshot import parse_python

VERSION = "41"
MAX_DEPS = 200


def _id_bases(node: ast.Call) -> list[str]:
    """The names whose plain ``.id`` a log call reads (``response.id``)."""
    return [child.value.id for child in walk(node) if isinstance(child, ast.Attribute)
            and child.attr == "id" and isinstance(child.value, ast.Name)]


# The facts only data flow gives: every value's sinks, each request's names, the log calls,
# what a comparison with a limit stops. The rest (what calls what, defines, imports, tries,
# holds) is what the traffic analysis reads of every module it loads; these, of the few a
# flow reaches (Home Assistant: 3 of 163 modules; skyvern: 26 of 343).
def no_flow() -> dict[str, Any]:
    """The data-flow facts of a module where no value goes anywhere (a fresh copy)."""
    return {"roots": {}, "req": {}, "logs": [], "stops": {}}


FLOW_KEYS = tuple(no_flow())


def file_traffic(text: str) -> dict[str, Any] | None:
    """The traffic facts of one module (plain data), or None when it does not parse."""
    return _facts(text, True)


def file_calls(text: str) -> dict[str, Any] | None:
    """The traffic facts of one module but the data flow (``FLOW_KEYS``): exactly
    ``file_traffic``'s other keys, from the same walk with no value followed (the walk
    about half as long), or None when it does not parse."""
    return _facts(text, False)


def _facts(text: str, flow: bool) -> dict[str, Any] | None:
    tree = parse_python(text)
    if tree is None:
        return None
    out: dict[str, Any] = {"tries": [], "calls": [], "imports": {}, "defs": {}, "holds": []}
    if flow:
        out.update(no_flow())
    try:
        _Body(out, "", None, [], {}, clock_lines(text), flow).run(tree.body)
    except RecursionError:
        return None
    return out


def key_of(node: ast.AST) -> str:
    return f"{node.lineno}:{node.col_offset}"  # type: ignore[attr-defined]


# Methods that run the function handed to them: a circuit breaker's ``breaker.call(fn, ...)``
# (pybreaker, and breakers written by hand), ``call_async`` (aiobreaker).
_RUNS = frozenset({"call", "call_async"})

MAX_UNPACK = 8  # a tuple returned or unpacked with more elements is followed as a whole


def _calls_in(body: list[ast.stmt]) -> tuple[list[str], list[str]]:
    """What ``body`` (a loop, a ``with lock:`` block) runs: the keys of its calls, and the
    functions it hands to others to call (``asyncio.to_thread(self.generate, ...)``)."""
    keys: set[str] = set()
    handed: set[str] = set()
    for node in (n for stmt in body for n in walk(stmt)):
        if isinstance(node, ast.Call):
            keys.add(key_of(node))
            handed.update(dotted(arg) for arg in node.args
                          if isinstance(arg, (ast.Name, ast.Attribute)))
    return sorted(keys), sorted(handed - {""})


def _handed_calls(node: ast.Call) -> list[str]:
    """The keys of the calls a call is handed as its arguments, unawaited: ``f(g(x))``,
    ``f(*[g(x) for x in xs])``, ``f(*(g(x) for ...))``, ``f([g(a), g(b)])``. Not calls
    deeper in an argument (``f(g(h(x)))`` hands over g's result, not h's): each call
    looks at its own arguments only, never the whole subtree below them."""
    found: set[str] = set()
    todo: list[ast.expr] = [*node.args, *(k.value for k in node.keywords)]
    while todo:
        arg = todo.pop()
        if isinstance(arg, ast.Call):
            found.add(key_of(arg))
        elif isinstance(arg, ast.Starred):
            todo.append(arg.value)
        elif isinstance(arg, (ast.List, ast.Tuple, ast.Set)):
            todo.extend(arg.elts)
        elif isinstance(arg, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            todo.append(arg.elt)
    return sorted(found)


def _usage_key(node: ast.Call) -> str | None:
    """The usage field a ``mapping.get("usage")`` reads (None: not such a call)."""
    func, args = node.func, node.args
    if isinstance(func, ast.Attribute) and func.attr == "get" and args and \
            isinstance(args[0], ast.Constant) and args[0].value in USAGE_ATTRS:
        return str(args[0].value)
    return None


def _unpackable(node: ast.expr) -> list[ast.expr] | None:
    """The elements of a tuple (or list) of at most MAX_UNPACK items and no ``*``: followed
    one by one from a ``return a, b`` to an ``x, y = f()``; else None."""
    if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) <= MAX_UNPACK and \
            not any(isinstance(e, ast.Starred) for e in node.elts):
        return list(node.elts)
    return None


Taint = frozenset[tuple[str, str]]
EMPTY: Taint = frozenset()


class _Body:
    """Walks one function (or module) body in source order. Without ``flow``, no value is
    followed: every taint stays empty, so no sink, request name or log row is made (nor
    the keys that hold them), and a loop body is walked once."""

    def __init__(self, out: dict[str, Any], qual: str, cls: str | None,
                 params: list[str], names: Names, clocks: list[int] | None,
                 flow: bool = True) -> None:
        self.out = out
        self.flow = flow
        self.names = names  # the names under each node of the module, shared by its walks
        self.clocks = clocks  # the lines that name a clock (clock_lines), for _limiter
        self.qual = qual
        self.cls = cls
        self.params = frozenset(params)
        self.taint: dict[str, Taint] = {p: frozenset({(f"p:{qual}:{p}", "r")})
                                        for p in params} if flow else {}
        self.deps: dict[str, set[str]] = {}
        self.closed: dict[str, set[str]] = {}  # a request's names, closed where it is made
        self.loops: list[tuple[ast.For | ast.AsyncFor, set[str]]] = []
        self.nodes: dict[str, ast.Call] = {}  # the recorded calls of this body, by key
        self.loop_bodies: list[list[ast.stmt]] = []  # of the loops around the statement walked
        # the block of the statement walked and where the statements after it begin, for
        # it and each block around it (positions, not copies: a module of 100,000
        # statements would copy their tails at every statement)
        self.following: list[tuple[list[ast.stmt], int]] = []
        self.appending: set[str] = set()  # files opened for appending: a log
        self.replay = 0  # > 0: a loop body walked again for what its last turn carries

    # ------------------------------------------------------------------ statements
    def run(self, body: list[ast.stmt]) -> None:
        self.block(body)
        for key, closure in self.closed.items():
            self.out["req"][key] = sorted(closure)

    def closure(self, names: Iterable[str]) -> set[str]:
        """``names`` and the names they were assigned from, so far."""
        closure, todo = set(names), list(names)
        while todo and len(closure) < MAX_DEPS:
            for dep in self.deps.get(todo.pop(), ()):
                if dep not in closure:
                    closure.add(dep)
                    todo.append(dep)
        return closure

    def stmt(self, node: ast.stmt) -> None:  # noqa: C901 - one case per statement kind
        match node:
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                self.function(node)
            case ast.ClassDef():
                bases = [dotted(class_base(b)) for b in node.bases]
                if any(bases) and not self.replay:
                    name = ".".join(p for p in (self.qual, node.name) if p)
                    self.out.setdefault("bases", {})[name] = [b for b in bases if b]
                for stmt in node.body:
                    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self.function(stmt, node.name)
                    elif not isinstance(stmt, ast.ClassDef):
                        self.stmt(stmt)
            case ast.Import(names=names):
                for alias in names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.out["imports"][local] = [0, alias.name if alias.asname else local, None]
            case ast.ImportFrom(module=module, names=names, level=level):
                for alias in names:
                    self.out["imports"][alias.asname or alias.name] = [level, module or "",
                                                                       alias.name]
            case ast.Assign(targets=targets, value=value):
                taint = self.expr(value)
                for target in targets:
                    self.assign(target, taint, value, node.lineno)
            case ast.AnnAssign(target=target, value=value) if value is not None:
                self.assign(target, self.expr(value), value, node.lineno)
            case ast.AugAssign(target=target, value=value):
                taint = self.expr(value)
                if isinstance(target, ast.Name):
                    taint = taint | self.taint.get(target.id, EMPTY)
                self.assign(target, taint, value, node.lineno)
            case ast.Return(value=value) if value is not None:
                elements = _unpackable(value)
                if elements is None:
                    self.sink(self.expr(value), "return", node.lineno, "return")
                for at, element in enumerate(elements or ()):  # return text, usage
                    self.sink(self.expr(element), "return", node.lineno, "return", at)
            case ast.For() | ast.AsyncFor():
                taint = self.expr(node.iter)
                self.assign(node.target, taint, node.iter, node.lineno)
                loop_names = {n.id for n in walk(node.target) if isinstance(n, ast.Name)}
                self.loops.append((node, loop_names))
                self.loop_bodies.append(node.body)
                self.loop_body(node.body)
                self.loop_bodies.pop()
                self.loops.pop()
                self.block(node.orelse)
            case ast.While(test=test, body=body, orelse=orelse):
                self.cap(test, body, True)
                self.loop_bodies.append(body)
                self.loop_body(body, test)
                self.loop_bodies.pop()
                self.block(orelse)
            case ast.If(test=test, body=body, orelse=orelse):
                self.cap(test, body, False)
                self.block(body)
                self.block(orelse)
            case ast.With() | ast.AsyncWith():
                for item in node.items:
                    taint = self.expr(item.context_expr)
                    if isinstance(item.optional_vars, ast.Name) and _appends(item.context_expr):
                        self.appending.add(item.optional_vars.id)
                    if item.optional_vars is not None:
                        self.assign(item.optional_vars, taint, item.context_expr, node.lineno)
                    held = item.context_expr
                    if isinstance(held, ast.Call) and final_name(held.func) == "calling" and \
                            isinstance(held.func, ast.Attribute):
                        held = held.func.value  # pybreaker: with breaker.calling():
                    if isinstance(held, (ast.Name, ast.Attribute)) and not self.replay:
                        # and the parameters it awaits: ``async with semaphore: return
                        # await coroutine`` gates whatever its callers hand it
                        awaited = sorted({n.value.id for stmt in node.body for n in walk(stmt)
                                          if isinstance(n, ast.Await)
                                          and isinstance(n.value, ast.Name)
                                          and n.value.id in self.params})
                        self.out["holds"].append([node.lineno, self.qual, dotted(held),
                                                  *_calls_in(node.body), awaited])
                self.block(node.body)
            case ast.Try() | ast.TryStar():
                self.try_(node)
            case ast.Expr(value=value):
                self.expr(value)
            case _:
                for child in children(node):
                    if isinstance(child, ast.expr):
                        self.expr(child)
                    elif isinstance(child, ast.stmt):
                        self.stmt(child)

    def cap(self, test: ast.expr, body: list[ast.stmt], loop: bool) -> None:
        """A comparison of a tracked value that stops or delays work: ``if spent >= cap:
        raise``, ``while used + n > quota: sleep``, ``while spent < budget:``."""
        taint = self.expr(test)
        if not taint:
            return  # (always, without flow)
        compared: set[str] = set()  # roots compared with a limit: a setting, not a literal
        for c in (n for n in walk(test) if isinstance(n, ast.Compare) and all(
                isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in n.ops)):
            sides = [(s, self.peek(s)) for s in (c.left, *c.comparators)]
            for value, roots in sides:
                if roots and any(not isinstance(other, ast.Constant) and not roots & others
                                 for other, others in sides if other is not value):
                    compared |= roots
        taint = frozenset(t for t in taint if t[0] in compared)
        if not taint:
            return
        nodes = [n for stmt in body for n in walk(stmt)]
        if any(isinstance(n, ast.Call) and final_name(n.func) == "sleep" for n in nodes):
            action = "wait"
        elif any(isinstance(n, ast.Raise) for n in nodes):
            action = "stop"  # what it raises stops the caller too
        elif any(isinstance(n, ast.Return) for n in nodes):
            # It returns early, which stops spending only if the rest of the function
            # spends: devchat's prompt stops prepending history when the next message would
            # not fit the model's window (a comparison with the last response's usage), and
            # the model is called all the same. Kept like a loop's end: ``Traffic.caps``.
            rest = [stmt for block, start in reversed(self.following) for stmt in block[start:]]
            self.out["stops"][str(test.lineno)] = _calls_in(rest)[0]
            action = "stop"
        elif loop or any(isinstance(n, (ast.Break, ast.Continue)) for n in nodes):
            # It ends a loop, which stops spending only if the loop does the spending: the
            # calls in the loop are kept, and the project-level join (``Traffic.caps``) keeps
            # the cap when one of them is, or reaches, a model call. A loop over price tiers
            # that breaks on the prompt's token count (gptme's effective_prices) stops nothing.
            stopped = body if loop else self.loop_bodies[-1] if self.loop_bodies else []
            self.out["stops"][str(test.lineno)] = _calls_in(stopped)[0]
            action = "stop"
        else:
            return
        self.sink(taint, "cap", test.lineno, f"{action}: {ast.unparse(test)[:60]}")

    def loop_body(self, body: list[ast.stmt], test: ast.expr | None = None) -> None:
        """Walk a loop body; again (recording sinks only) when a turn carries a value into
        the next one (``spent += cost`` read by ``if spent >= cap`` at the top)."""
        before = dict(self.taint)
        self.block(body)
        if self.flow and self.taint != before:
            self.replay += 1
            try:
                if test is not None:
                    self.cap(test, body, True)
                self.block(body)
            finally:
                self.replay -= 1

    def peek(self, node: ast.expr) -> set[str]:
        """The roots an expression's value comes from (no sinks recorded)."""
        roots: set[str] = set()
        for child in walk(node):
            if isinstance(child, ast.Name):
                roots |= {root for root, _ in self.taint.get(child.id, EMPTY)}
            elif (self.cls and isinstance(child, ast.Attribute)
                  and isinstance(child.value, ast.Name) and child.value.id == "self"):
                roots.add(f"a:{self.cls}.{child.attr}")
        return roots

    def block(self, body: list[ast.stmt]) -> None:
        for at, stmt in enumerate(body):
            self.following.append((body, at + 1))
            try:
                self.stmt(stmt)
            finally:
                self.following.pop()

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef,
                 cls: str | None = None) -> None:
        if self.replay:
            return
        for decorator in node.decorator_list:
            self.expr(decorator)
        qual = ".".join(p for p in (self.qual, cls, node.name) if p)
        decorators = [dotted(d.func if isinstance(d, ast.Call) else d)
                      for d in node.decorator_list]
        if any(decorators):
            self.out.setdefault("decorated", {})[qual] = [d for d in decorators if d]
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args,
                                  *node.args.kwonlyargs)]
        if cls is not None and params and params[0] in ("self", "cls"):
            params = params[1:]
        how = _limiter(node, self.clocks)
        if how:
            self.out.setdefault("limiters", []).append([node.lineno, qual, how])
        self.out["defs"][qual] = [node.lineno, cls, params,
                                  node.args.vararg.arg if node.args.vararg else None,
                                  node.args.kwarg.arg if node.args.kwarg else None]
        rest = [a.arg for a in (node.args.vararg, node.args.kwarg) if a is not None]
        _Body(self.out, qual, cls or self.cls, params + rest, self.names,
              self.clocks, self.flow).run(node.body)

    def assign(self, target: ast.expr, taint: Taint, value: ast.expr, line: int) -> None:
        if isinstance(value, ast.Call) and not self.replay:
            self.constructed(target, value)
        if isinstance(target, ast.Name):
            self.taint[target.id] = taint
            names = _content_names(value, self.names) if self.flow else None
            if names and len(self.deps) < MAX_DEPS:
                self.deps.setdefault(target.id, set()).update(names)
        elif isinstance(target, (ast.Tuple, ast.List)):
            # text, usage = answer(...): each name gets its own part of the call's result
            # (the root "<key>#<position>", which a return of a tuple sends its elements
            # to), not the whole: the text is not the usage
            own = (key_of(value), "r") if isinstance(value, ast.Call) else None
            split = own in taint and _unpackable(target) is not None
            for at, element in enumerate(target.elts):
                part = (taint - {own}) | {(f"{key_of(value)}#{at}", "r")} if split else taint
                self.assign(element, part, value, line)
        elif isinstance(target, (ast.Attribute, ast.Subscript)) and self.flow:
            base: ast.expr = target
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            if isinstance(base, ast.Name) and base.id not in ("self", "cls"):
                # result kept in a local container: the container now carries it
                self.taint[base.id] = self.taint.get(base.id, EMPTY) | taint
            label = dotted(target) if isinstance(target, ast.Attribute) else dotted(target.value)
            owner = self.cls if label.startswith("self.") and label.count(".") == 1 else None
            self.sink(taint, "attr", line, label, owner)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, taint, value, line)

    def constructed(self, target: ast.expr, value: ast.Call) -> None:
        """What builds a client kept in a name or on ``self``: ``zendesk = Zenpy(...)``
        gives ``:zendesk`` (module level; ``qual:name`` in a function) -> ``Zenpy``, and
        ``self.crm = CrmClient()`` gives ``Cls:self.crm``: which objects two functions share."""
        if isinstance(target, ast.Name):
            key = f"{self.qual}:{target.id}"
        elif (self.cls and isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
              and target.value.id == "self"):
            key = f"{self.cls}:self.{target.attr}"
        else:
            return
        label = dotted(value.func)
        if label and "(" not in label:
            self.out.setdefault("ctors", {})[key] = label

    def try_(self, node: ast.Try | ast.TryStar) -> None:
        first = len(self.out["calls"])
        self.block(node.body)
        body_calls = [c[0] for c in self.out["calls"][first:]]
        exits = any(isinstance(n, (ast.Return, ast.Break)) for s in node.body + node.orelse
                    for n in walk(s))
        for handler in node.handlers:
            if handler.type is not None:
                self.expr(handler.type)
            how = _answer(handler)
            again: list[str] = []
            if how and not self.replay:
                tried: dict[str, list[ast.Call]] = {}
                for row in self.out["calls"][first:first + len(body_calls)]:
                    made = self.nodes.get(row[0])  # (not a call of a function defined here)
                    if made is not None:
                        tried.setdefault(row[2], []).append(made)
                again = [key_of(call) for call in asked_again(handler, tried)]
            loop = self.loops[-1] if self.loops else None
            if how is None and loop is not None and _moves_on(handler) and (
                    exits or _exits_after(loop[0], node)):
                feeds = [c[0] for c in self.out["calls"][first:] if set(c[4]) & loop[1]]
                if feeds:
                    how = f"loop over {ast.unparse(loop[0].iter)[:60]}"
                    body_calls = feeds
            if not self.replay:
                self.out["tries"].append([node.lineno, self.qual, body_calls, handler.lineno,
                                          how or "", again])
            self.block(handler.body)
        self.block(node.orelse)
        self.block(node.finalbody)

    # ----------------------------------------------------------------- expressions
    def expr(self, node: ast.expr | None) -> Taint:  # noqa: C901
        if node is None:
            return EMPTY
        if isinstance(node, ast.Name):
            return self.taint.get(node.id, EMPTY)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            taint = self.expr(node.value)
            if self.flow and self.cls and isinstance(node.value, ast.Name) and \
                    node.value.id == "self":
                taint = taint | {(f"a:{self.cls}.{node.attr}", "r")}
            if taint and node.attr in USAGE_ATTRS:
                self.sink(taint, "read", node.lineno, node.attr)
                return frozenset((k, "u") for k, _ in taint)
            return taint
        if isinstance(node, ast.Subscript):
            taint = self.expr(node.value)
            self.expr(node.slice)
            key = node.slice
            if taint and isinstance(key, ast.Constant) and key.value in USAGE_ATTRS:
                self.sink(taint, "read", node.lineno, str(key.value))
                return frozenset((k, "u") for k, _ in taint)
            return taint
        if isinstance(node, ast.Lambda):
            return EMPTY
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            self.sink(self.expr(node.value), "return", node.lineno, "yield")
            return EMPTY
        if isinstance(node, ast.NamedExpr):
            taint = self.expr(node.value)
            self.taint[node.target.id] = taint
            return taint
        out = EMPTY
        for child in children(node):
            if isinstance(child, ast.expr):
                out = out | self.expr(child)
            elif isinstance(child, ast.comprehension):
                taint = self.expr(child.iter)
                self.assign(child.target, taint, child.iter, 0)
                for condition in child.ifs:
                    self.expr(condition)
        return out

    def call(self, node: ast.Call) -> Taint:
        func = node.func
        key = key_of(node)
        label = dotted(func)
        receiver = self.expr(func.value) if isinstance(func, ast.Attribute) else EMPTY
        positional = [self.expr(a.value if isinstance(a, ast.Starred) else a) for a in node.args]
        keywords = [(kw.arg, self.expr(kw.value)) for kw in node.keywords]
        args = EMPTY.union(*positional, *(t for _, t in keywords))
        if not self.replay:
            self.out["calls"].append([key, self.qual, label, node.lineno,
                                      sorted(_names(node, self.names))])
            self.nodes[key] = node  # for a handler that makes the same call again
            if isinstance(func, ast.Attribute) and func.attr in _RUNS and node.args and \
                    isinstance(node.args[0], (ast.Name, ast.Attribute)):
                self.out.setdefault("hands", []).append(
                    [node.lineno, self.qual, dotted(func.value), dotted(node.args[0])])
        if not self.replay:
            handed = _handed_calls(node)
            if handed:  # a coroutine handed over unawaited: semaphore_gather(*[f(x) ...])
                self.out.setdefault("argcalls", {})[key] = handed
        if not self.flow:
            return EMPTY
        read = _usage_key(node)
        if receiver and read is not None:  # completion.get("usage"), as completion["usage"]
            self.sink(receiver, "read", node.lineno, read)
            return frozenset((k, "u") for k, _ in receiver)
        names = _request_names(node, self.names)
        if names:
            # what the names hold here, not what they are assigned after the call (PentestGPT's
            # conversation_id = result["conversation_id"] below a request built from the one
            # passed in); a loop's body walked again adds what a later turn builds it from
            self.closed.setdefault(key, set()).update(self.closure(names))
        kind = _kind(func, label)
        if kind == "store" and reads_only(node):
            kind = None  # cursor.execute("SELECT ...", (key,)) keeps nothing
        if kind == "file" and label.split(".")[0] in self.appending:
            kind = "log"
        if kind == "log" and not self.replay:
            # what the log call writes: its arguments, not the logger it is called on
            # (``logger.info("Chunking documents...")`` logs no value, whatever ``logger``
            # was handed to on the way to a request)
            written = frozenset[str]().union(*(_names(arg, self.names) for arg in (
                *node.args, *(k.value for k in node.keywords))))
            self.out["logs"].append([node.lineno, self.qual, sorted(written),
                                     any(_ID.search(f) for f in _fields(node))])
        if kind == "log":
            # a plain ``x.id`` in the log is the id of what x carries: the response's own id
            # for the roots x holds (``response.id``), not for a result that reaches the same
            # log under another name (``user.id`` beside a server id the model chose)
            with_id = {root for name in _id_bases(node) for root, _ in self.taint.get(name, EMPTY)}
            self.sink(args - {t for t in args if t[0] in with_id}, kind, node.lineno, label)
            self.sink(frozenset(t for t in args if t[0] in with_id), kind, node.lineno, label,
                      "id")
        elif kind is not None:
            self.sink(args, kind, node.lineno, label)
        else:
            for position, (arg, taint) in enumerate(zip(node.args, positional, strict=True)):
                self.sink(taint, "call", node.lineno, label,
                          "*" if isinstance(arg, ast.Starred) else position)
            for name, taint in keywords:
                self.sink(taint, "call", node.lineno, label, name if name is not None else "**")
            if args and final_name(func) in _FILLS and isinstance(func, ast.Attribute):
                if isinstance(func.value, ast.Name):  # a local container now carries it
                    self.taint[func.value.id] = self.taint.get(func.value.id, EMPTY) | args
                elif receiver:
                    self.sink(args, "attr", node.lineno, label)
        result = receiver | args
        if result and _USAGE_FUNC.search(final_name(func) or ""):
            result = frozenset((k, "u") for k, _ in result)
        return result | {(key, "r")}

    def sink(self, taint: Taint, kind: str, line: int, label: str, arg: Any = None) -> None:
        if not taint:
            return  # (always, without flow)
        roots = self.out["roots"]
        for root, side in sorted(taint):  # in a fixed order: a set's order changes per run
            # (string hashes are salted per process), and past 60 sinks it decides which stay
            sinks = roots.setdefault(root, [])
            if len(sinks) < 60:
                entry = [kind, line, label, side] + ([arg] if arg is not None else [])
                if entry not in sinks:
                    sinks.append(entry)
