"""Expressions of a function body: which calls are recorded, and where their results go.

Data flow is tracked forward through one function body in source order (branches are not
told apart): a name assigned from an expression holding a recorded call's result carries
that call; attribute access, subscripts, calls and f-strings pass it on. Where it reaches
a validating call (pydantic's ``model_validate*``, ``validate``, a class constructor, an
output parser), a decoding call (``json.loads``, ``response.json()``) or a ``return``, a
sink is recorded on the call it came from.
"""

from __future__ import annotations

import ast
import builtins
from typing import Any

from readiness.llmcalls.binder import Binder
from readiness.llmcalls.facts import ANY_KEY, ClassFact, DefFact, TryFact
from readiness.llmcalls.scope import Encoder, Expr, Scope
from readiness.llmcalls.sdk import MODEL_HOSTS, MODEL_ROUTES
from readiness.llmcalls.syntax import (
    DECODE_MODULES,
    DECODE_NAMES,
    KEEP_STDLIB,
    LITERALS,
    PARSER_METHODS,
    STDLIB,
    STOP,
    VALIDATE_ATTRS,
    VALIDATE_NAMES,
    children,
    dotted,
    final_name,
    module_root,
    walk,
)

EMPTY: frozenset[int] = frozenset()
MAX_WRITTEN = 25  # keys noted per local dict (the scanned code decides how many it writes)


class Loop:
    """A loop being walked: where it starts, and whether it sleeps."""

    __slots__ = ("line", "tries_at_entry", "sleeps")

    def __init__(self, line: int, tries_at_entry: int) -> None:
        self.line = line
        self.tries_at_entry = tries_at_entry
        self.sleeps = False


class Frame:
    """What is around the code being walked, within one function body."""

    __slots__ = ("scope", "function", "tries", "withs", "loops", "iters", "taint", "outer",
                 "pending", "def_key", "context_manager", "written")

    def __init__(self, scope: Scope, function: str | None, def_key: str | None) -> None:
        self.scope = scope
        self.function = function
        self.def_key = def_key
        self.tries: list[int] = []
        self.withs: list[int] = []
        self.loops: list[Loop] = []
        self.iters: list[Expr] = []
        self.taint: dict[str, frozenset[int]] = {}
        self.outer: int | None = None
        self.pending: list[tuple[int, list[Loop], bool]] = []
        self.context_manager = False  # a @contextmanager: what it yields is what `with` binds
        # keys written into a local dict since it was bound (``options["timeout"] = 30``,
        # ``options.setdefault("timeout", 30)``, ``options.update(timeout=30)``): name ->
        # [[key, line, value term], ...], for the calls that spread it (``**options``)
        self.written: dict[str, list[list[Any]]] = {}

    def computed_items(self, name: str) -> list[list[Any]]:
        """The items written into the local dict ``name`` under keys known only at run
        time (``models[kind] = m``, under ``ANY_KEY``), at most MAX_WRITTEN."""
        return [entry for entry in self.written.get(name, []) if entry[0] == ANY_KEY
                ][:MAX_WRITTEN]


class ExpressionWalker:
    """State shared by the walk of one module, and the walk of its expressions."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.binder = Binder()
        self.binder.bind(tree)
        self.enc = Encoder(self.binder.scopes)
        self.refs = self.binder.refs
        # `from .agent import *`: a name bound nowhere here may come from there
        self.star_imports = any("*" in (names or ()) for _, _, names in self.binder.imports)
        self.calls: list[list[Any]] = []
        self.sinks: dict[int, list[list[Any]]] = {}
        self.defs: dict[str, DefFact] = {}
        self.classes: dict[str, ClassFact] = {}
        self.tries: list[TryFact] = []
        self.withs: list[list[Any]] = []
        self.setattrs: list[list[Any]] = []
        # [line, name, value term]: values kept on shared objects by name (app.state.llm =,
        # st.session_state["llm"] =, user_session.set("llm", ...)), looked up by that name
        self.stores: list[list[Any]] = []
        self.frames: list[Frame] = [Frame(self.binder.module, None, None)]
        # the encoder reads the keys written into the dicts a call spreads from the frame
        # walked; through the list of frames, not a method of this walker: a walker that
        # its encoder refers back to would live on, with all it holds, until a garbage
        # collection found the cycle (skyvern's walk: 7.0 s -> 9.1 s)
        frames = self.frames
        self.enc.spread_keys = lambda node, every: _spread_keys(frames[-1], node, every)
        self.enc.written_items = lambda name: frames[-1].computed_items(name)

    @property
    def frame(self) -> Frame:
        """The innermost function (or module or class) body being walked."""
        return self.frames[-1]

    # expressions ----------------------------------------------------------------------
    def _expr(self, node: ast.expr) -> frozenset[int]:
        """Walk an expression; return the recorded calls whose results flow into it."""
        if isinstance(node, ast.Name):
            return self.frame.taint.get(node.id, EMPTY)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Constant):
            value = node.value
            if not self.refs and isinstance(value, str) and (
                    MODEL_HOSTS.search(value) or MODEL_ROUTES.search(value)):
                self.refs = True  # names a model API: a host, or a route on any host
            return EMPTY
        if isinstance(node, ast.Lambda):
            return self._lambda(node)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self._comprehension(node)
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            sources = self._expr(node.value) if node.value is not None else EMPTY
            self._sink_all(sources, ["r", node.lineno, "yield", None])
            f = self.frame
            if f.context_manager and f.def_key is not None and node.value is not None \
                    and isinstance(node, ast.Yield):
                self.defs[f.def_key].returns.append(self.enc.encode(node.value, f.scope))
            return EMPTY
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Name):
            self._awaited(node.value)
        if isinstance(node, ast.NamedExpr):
            sources = self._expr(node.value)
            self.frame.taint[node.target.id] = sources
            return sources
        out = EMPTY
        for child in children(node):
            if isinstance(child, ast.expr):
                sources = self._expr(child)
                if sources:
                    out = out | sources
        return out

    def _awaited(self, name: ast.Name) -> None:
        """Note ``await p`` of a parameter of the function being walked, with the tries
        around it (see ``DefFact.awaits``)."""
        f = self.frame
        if f.def_key is None:
            return
        term = self.enc.lookup(name.id, f.scope, (name.lineno, name.col_offset), 0)
        if term[0] == "p" and term[1] == f.def_key:
            fact = self.defs[f.def_key]
            found = [term[3], name.id, list(f.tries)]
            if fact.awaits:
                fact.awaits.append(found)  # this function's own list (made below)
            else:  # the shared default is never changed: the first await replaces it
                self.defs[f.def_key] = fact._replace(awaits=[found])

    def _lambda(self, node: ast.Lambda) -> frozenset[int]:
        f = self.frame
        saved = f.scope
        f.scope = self.binder.lambda_scope(node, saved)
        try:
            self._expr(node.body)
        finally:
            f.scope = saved
        return EMPTY

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
                       ) -> frozenset[int]:
        names = {n.id for g in node.generators for n in walk(g.target)
                 if isinstance(n, ast.Name)} - self.enc.comprehension_names
        self.enc.comprehension_names |= names
        try:
            out = EMPTY
            for generator in node.generators:
                out = out | self._expr(generator.iter)
                for condition in generator.ifs:
                    self._expr(condition)
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for part in parts:
                out = out | self._expr(part)
            return out
        finally:
            self.enc.comprehension_names -= names

    def _call(self, node: ast.Call) -> frozenset[int]:
        f = self.frame
        func = node.func
        final = final_name(func)
        call_id = None
        if (final is None and isinstance(func, ast.Call) or final is not None
                and final not in STOP) and self._worth_recording(func, final):
            # a call of what a call returns is recorded too: docetl's
            # timeout(seconds)(self._cached_call_llm)(...) runs the function it is handed
            call_id = len(self.calls)
            self.calls.append([])
        outer = f.outer
        if call_id is not None:
            f.outer = call_id
        receiver = self._expr(func.value) if isinstance(func, ast.Attribute) else \
            self._expr(func) if isinstance(func, ast.Call) else EMPTY
        args = EMPTY
        for arg in node.args:
            args = args | self._expr(arg.value if isinstance(arg, ast.Starred) else arg)
        for keyword in node.keywords:
            args = args | self._expr(keyword.value)
        f.outer = outer
        if f.def_key is not None and final in _DEADLINE_WAITS and self._waits_with_deadline(
                node, func, final):
            fact = self.defs[f.def_key]
            if fact.deadline is None:
                self.defs[f.def_key] = fact._replace(deadline=node.lineno)
            if final == "result" and self._submits_param(func):
                self.defs[f.def_key] = self.defs[f.def_key]._replace(calls_param=True)
        if args or (receiver and final in ("json", "parse", "parse_result")):
            self._sinks(node, func, final, args, receiver)
        if final == "sleep":
            for loop in f.loops:
                loop.sleeps = True
        if (final == "set" and len(node.args) == 2 and isinstance(func, ast.Attribute)
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            self.stores.append([node.lineno, node.args[0].value,
                                self.enc.encode(node.args[1], f.scope)])
        out = receiver | args
        self._written_by(node, func, final)
        if call_id is not None:
            expr = self.enc.encode_call(node, f.scope, every_key=True)  # and **options' keys
            self.enc.call_ids[id(node)] = call_id
            self.calls[call_id] = [node.lineno, node.col_offset, f.function, expr, list(f.tries),
                                   list(f.withs), None, list(f.iters), outer]
            loops = [loop for loop in f.loops if len(f.tries) > loop.tries_at_entry]
            calls_param = expr[1][0] == "p"
            if loops or (calls_param and f.iters):
                f.pending.append((call_id, loops, calls_param))
            if calls_param and f.def_key is not None:
                self.defs[f.def_key] = self.defs[f.def_key]._replace(calls_param=True)
            out = out | {call_id}
        return out

    def _waits_with_deadline(self, node: ast.Call, func: ast.expr, final: str) -> bool:
        """Does this call wait for other work with a deadline? ``thread.join(seconds)`` of a
        local thread, ``future.result(timeout)``, ``asyncio.wait_for(work, t)`` and
        ``signal.alarm(n)`` (what a project's timeout decorator does around the function it
        wraps: docetl's ``timeout(seconds)``)."""
        given = len(node.args) + len(node.keywords)
        if final == "join":  # str.join takes one argument too: only a thread's join counts
            if given != 1 or not isinstance(func, ast.Attribute) or not isinstance(
                    func.value, ast.Name):
                return False
            term = self.enc.lookup(func.value.id, self.frame.scope,
                                   (node.lineno, node.col_offset), 0)
            built = term[1] if term[0] == "call" else None
            name = built[-1] if built and built[0] in ("attr", "g", "imp") else None
            return isinstance(name, str) and name.rpartition(".")[2] in ("Thread", "Process")
        if final == "result":
            return given == 1 and isinstance(func, ast.Attribute)
        if final == "wait_for":
            return given >= 2
        return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
            func.value.id == "signal" and given >= 1

    def _submits_param(self, func: ast.expr) -> bool:
        """``ex.submit(func, *args).result(...)``: the function runs the parameter it hands
        to an executor."""
        if not isinstance(func, ast.Attribute):
            return False
        term = self.enc.encode(func.value, self.frame.scope)
        return term[0] == "call" and term[1][0] == "attr" and term[1][2] == "submit" and \
            bool(term[2]) and term[2][0][0] == "p"

    def _written_by(self, node: ast.Call, func: ast.expr, final: str | None) -> None:
        """Keys a call writes into a local dict: ``d.setdefault("k", v)``,
        ``d.update(k=v)``, ``d.update({"k": v})``."""
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return
        items: list[tuple[str, ast.expr]] = []
        if final == "setdefault" and len(node.args) == 2 and isinstance(
                node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            items.append((node.args[0].value, node.args[1]))
        elif final == "update":
            items += [(k.arg, k.value) for k in node.keywords if k.arg is not None]
            for arg in node.args[:1]:
                if isinstance(arg, ast.Dict):
                    items += [(key.value, value) for key, value in zip(arg.keys, arg.values,
                                                                       strict=True)
                              if isinstance(key, ast.Constant) and isinstance(key.value, str)]
        for key, value in items[:MAX_WRITTEN]:
            self.written_key(func.value.id, key, self.enc.encode(value, self.frame.scope),
                             node.lineno)

    def written_key(self, name: str, key: str, term: Expr, line: int) -> None:
        """Note key ``key`` written into the local ``name`` with the value ``term`` (see
        ``Frame.written``)."""
        keys = self.frame.written.setdefault(name, [])
        if len(keys) < MAX_WRITTEN:
            keys.append([key, line, term])

    def _sinks(self, node: ast.Call, func: ast.expr, final: str | None, args: frozenset[int],
               receiver: frozenset[int]) -> None:
        """Record validation and decoding of model output (see the rules in resolve)."""
        line = node.lineno
        label = dotted(func)
        scope = self.frame.scope
        if final in VALIDATE_ATTRS and isinstance(func, ast.Attribute) or final in VALIDATE_NAMES:
            self._sink_all(args, ["v", line, label, None])
        elif final == "json" and receiver and not node.args:
            self._sink_all(receiver, ["j", line, label, None])
        elif final in DECODE_NAMES:
            if self._imported_root(func) in DECODE_MODULES:
                self._sink_all(args, ["j", line, label, None])
        elif final in PARSER_METHODS and isinstance(func, ast.Attribute):
            self._sink_all(args, ["c", line, label, self.enc.encode(func.value, scope)])
        elif final is not None and final[:1].isupper():
            self._sink_all(args, ["c", line, label, self.enc.encode(func, scope)])

    def _sink_all(self, sources: frozenset[int], sink: list[Any]) -> None:
        for source in sources:
            self.sinks.setdefault(source, []).append(sink)

    def _imported_root(self, func: ast.expr) -> str | None:
        """The top-level package the callee comes from (``json`` for ``json.loads``)."""
        node = func
        while isinstance(node, ast.Attribute):
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        term = self.enc.lookup(node.id, self.frame.scope, (node.lineno, node.col_offset), 0)
        if term[0] == "g":  # a module global seen from a function: look at the module
            bindings = self.binder.module.bindings.get(node.id)
            term = self.enc.binding_term(bindings[-1]) if bindings else term
        return module_root(term)

    def _worth_recording(self, func: ast.expr, final: str | None) -> bool:
        """Could this call reach a model, a client factory or a project function?

        Not when it is rooted in a literal, a builtin, a loop variable, or a standard library
        module (asyncio.wait_for aside: it bounds the call inside it)."""
        node = func
        while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
            node = node.func if isinstance(node, ast.Call) else node.value
        if isinstance(node, LITERALS):
            return False  # a method of a literal: "".join, [].append, f"".format
        if not isinstance(node, ast.Name):
            return True  # (prompt | llm).invoke(...), await x, ...
        if node.id == "super" and self.frame.scope.cls:
            return True  # super().__init__(model, openai.AsyncClient): a base class's method
        term = self.enc.lookup(node.id, self.frame.scope, (node.lineno, node.col_offset), 0)
        if term[0] == "unk" or (term[0] == "b" and (
                not self.star_imports or hasattr(builtins, node.id))):
            return False
        root = self._imported_root(func)
        return root is None or root not in STDLIB or final in KEEP_STDLIB


_DEADLINE_WAITS = frozenset({"join", "result", "wait_for", "alarm", "setitimer"})


def _spread_keys(frame: Frame, node: ast.Call, every: bool) -> list[list[Any]]:
    """The keys written into the local dicts a call spreads (``**options``) in ``frame``:
    all of them, or (``every`` false) only the items written under computed keys
    (``ANY_KEY``)."""
    found: list[list[Any]] = []
    for keyword in node.keywords:
        if keyword.arg is None and isinstance(keyword.value, ast.Name):
            found += frame.written.get(keyword.value.id, []) if every else \
                frame.computed_items(keyword.value.id)
    return found[:MAX_WRITTEN]
