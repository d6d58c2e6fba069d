"""Per-file facts about where call results and arguments flow: a pure function of the text.

For every function body (the module body is the function ``""``), in source order:

- every call is a *root*, and so is every parameter: where its value goes is recorded as
  sinks ``[kind, line, label, side]`` where ``side`` is ``"r"`` (the value itself, or
  something derived from it) or ``"u"`` (its token usage or cost: ``.usage``,
  ``prompt_tokens``, ``usage_metadata``, a ``*cost*``/``*token*`` function of it). Kinds:
  ``log`` (a logger method), ``metric`` (a counter, histogram, span attribute),
  ``store`` (``execute``, ``insert*``, ``session.add``, ``put_item``, ``objects.create``),
  ``ui`` (shown to a person: ``print``, ``st.write``, ``console.print``), ``attr`` (kept on
  an object: ``self.total += ...``), ``return``/``yield``, ``read`` (usage read from it), and
  ``call`` (passed to another function: ``label`` is the callee, the last item the
  argument position or keyword);
- the names each call's request is built from (positional arguments, content keywords,
  followed back through assignments in the same body);
- every log call: the names it reads and whether it carries a request/trace id;
- every ``try``: the calls in its body, and whether a handler answers another way (returns
  a value, calls something other than a logger, assigns) or, in a loop whose variable feeds
  those calls and that exits on success, moves on to the next item (a fallback loop);
- the imports and the definitions, so that another pass can follow calls across modules.

Nothing here knows which call reaches a model: ``traffic.py`` joins these facts with the
call-site index.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from readiness.llmcalls.syntax import dotted, final_name, reraises
from readiness.project.snapshot import parse_python

VERSION = "15"
USAGE_ATTRS = frozenset({
    "usage", "usage_metadata", "token_usage", "prompt_tokens", "completion_tokens",
    "input_tokens", "output_tokens", "total_tokens", "prompt_token_count",
    "candidates_token_count", "total_token_count", "inputTokens", "outputTokens",
    "promptTokens", "completionTokens", "totalTokens", "cache_read_input_tokens",
    "cache_creation_input_tokens", "response_cost", "total_cost", "cost",
})
# a function of a result named for its cost or usage (counting the tokens of a text is not)
_USAGE_FUNC = re.compile(r"(?i)cost|usage")
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                         "log", "msg", "trace", "success"})
_LOGGER = re.compile(r"(?i)(?:^|[._])(?:log|logs|logger|logging|structlog|logfire|loguru|"
                     r"_?log\w*|\w*logger)$")
METRIC_METHODS = frozenset({"inc", "dec", "observe", "record", "labels", "increment", "gauge",
                            "histogram", "timing", "distribution", "set_attribute",
                            "set_attributes", "add_event", "set_measurement", "capture"})
_METRIC_RECEIVER = re.compile(r"(?i)counter|metric|meter|histogram|gauge|statsd|span|"
                              r"tokens|usage|cost|posthog|analytics|telemetry")
STORE_METHODS = frozenset({"execute", "executemany", "insert", "insert_one", "insert_many",
                           "put_item", "upsert", "bulk_create", "add_all", "xadd", "hset",
                           "rpush", "lpush", "writerow", "save", "update_one", "merge"})
_STORE_RECEIVER = re.compile(r"(?i)session|db|database|conn|cursor|cur|table|collection|"
                             r"repo|store|storage|ledger|objects|usage|cost")
UI_ROOTS = frozenset({"print", "st", "streamlit", "gr", "console", "click", "typer", "rprint",
                      "sys", "rich", "cl", "echo", "pprint"})
# keywords that configure a model call rather than carry its request
CONFIG_KEYWORDS = frozenset({
    "model", "model_name", "temperature", "max_tokens", "max_completion_tokens", "timeout",
    "stream", "top_p", "top_k", "n", "stop", "seed", "response_format", "tool_choice",
    "api_key", "base_url", "max_retries", "extra_headers", "request_timeout", "num_retries",
    "frequency_penalty", "presence_penalty", "logprobs", "user", "stream_options", "config",
})
_ID = re.compile(r"(?i)(?:^|_)(?:request_?id|req_?id|trace_?id|correlation_?id|span_?id|run_?id|"
                 r"call_?id|completion_?id|response_?id|message_?id)$|^x-request-id$")
_ID_ATTRS = frozenset({"id", "request_id", "_request_id", "response_id"})
MAX_DEPS = 200


def file_traffic(text: str) -> dict[str, Any] | None:
    """The traffic facts of one module (plain data), or None when it does not parse."""
    tree = parse_python(text)
    if tree is None:
        return None
    out: dict[str, Any] = {"roots": {}, "req": {}, "logs": [], "tries": [], "calls": [],
                           "imports": {}, "defs": {}}
    try:
        _Body(out, "", None, []).run(tree.body)
    except RecursionError:
        return None
    return out


def key_of(node: ast.AST) -> str:
    return f"{node.lineno}:{node.col_offset}"  # type: ignore[attr-defined]


Taint = frozenset[tuple[str, str]]
EMPTY: Taint = frozenset()


class _Body:
    """Walks one function (or module) body in source order."""

    def __init__(self, out: dict[str, Any], qual: str, cls: str | None,
                 params: list[str]) -> None:
        self.out = out
        self.qual = qual
        self.cls = cls
        self.taint: dict[str, Taint] = {p: frozenset({(f"p:{qual}:{p}", "r")}) for p in params}
        self.deps: dict[str, set[str]] = {}
        self.args: dict[str, set[str]] = {}
        self.loops: list[tuple[ast.For | ast.AsyncFor, set[str]]] = []
        self.appending: set[str] = set()  # files opened for appending: a log
        self.replay = 0  # > 0: a loop body walked again for what its last turn carries

    # ------------------------------------------------------------------ statements
    def run(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.stmt(stmt)
        for key, names in self.args.items():
            closure, todo = set(names), list(names)
            while todo and len(closure) < MAX_DEPS:
                for dep in self.deps.get(todo.pop(), ()):
                    if dep not in closure:
                        closure.add(dep)
                        todo.append(dep)
            if closure:
                self.out["req"][key] = sorted(closure)

    def stmt(self, node: ast.stmt) -> None:  # noqa: C901 - one case per statement kind
        match node:
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                self.function(node)
            case ast.ClassDef():
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
                self.sink(self.expr(value), "return", node.lineno, "return")
            case ast.For() | ast.AsyncFor():
                taint = self.expr(node.iter)
                self.assign(node.target, taint, node.iter, node.lineno)
                loop_names = {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
                self.loops.append((node, loop_names))
                self.loop_body(node.body)
                self.loops.pop()
                self.block(node.orelse)
            case ast.While(test=test, body=body, orelse=orelse):
                self.cap(test, body, True)
                self.loop_body(body, test)
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
                self.block(node.body)
            case ast.Try() | ast.TryStar():
                self.try_(node)
            case ast.Expr(value=value):
                self.expr(value)
            case _:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.expr):
                        self.expr(child)
                    elif isinstance(child, ast.stmt):
                        self.stmt(child)

    def cap(self, test: ast.expr, body: list[ast.stmt], loop: bool) -> None:
        """A comparison of a tracked value that stops or delays work: ``if spent >= cap:
        raise``, ``while used + n > quota: sleep``, ``while spent < budget:``."""
        taint = self.expr(test)
        compared: set[str] = set()  # roots compared with a limit: a setting, not a literal
        for c in (n for n in ast.walk(test) if isinstance(n, ast.Compare) and all(
                isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in n.ops)):
            sides = [(s, self.peek(s)) for s in (c.left, *c.comparators)]
            for value, roots in sides:
                if roots and any(not isinstance(other, ast.Constant) and not roots & others
                                 for other, others in sides if other is not value):
                    compared |= roots
        taint = frozenset(t for t in taint if t[0] in compared)
        if not taint:
            return
        nodes = [n for stmt in body for n in ast.walk(stmt)]
        if any(isinstance(n, ast.Call) and final_name(n.func) == "sleep" for n in nodes):
            action = "wait"
        elif loop or any(isinstance(n, (ast.Raise, ast.Return, ast.Break, ast.Continue))
                         for n in nodes):
            action = "stop"
        else:
            return
        self.sink(taint, "cap", test.lineno, f"{action}: {ast.unparse(test)[:60]}")

    def loop_body(self, body: list[ast.stmt], test: ast.expr | None = None) -> None:
        """Walk a loop body; again (recording sinks only) when a turn carries a value into
        the next one (``spent += cost`` read by ``if spent >= cap`` at the top)."""
        before = dict(self.taint)
        self.block(body)
        if self.taint != before:
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
        for child in ast.walk(node):
            if isinstance(child, ast.Name):
                roots |= {root for root, _ in self.taint.get(child.id, EMPTY)}
            elif (self.cls and isinstance(child, ast.Attribute)
                  and isinstance(child.value, ast.Name) and child.value.id == "self"):
                roots.add(f"a:{self.cls}.{child.attr}")
        return roots

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.stmt(stmt)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef,
                 cls: str | None = None) -> None:
        if self.replay:
            return
        for decorator in node.decorator_list:
            self.expr(decorator)
        qual = ".".join(p for p in (self.qual, cls, node.name) if p)
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args,
                                  *node.args.kwonlyargs)]
        if cls is not None and params and params[0] in ("self", "cls"):
            params = params[1:]
        how = _limiter(node)
        if how:
            self.out.setdefault("limiters", []).append([node.lineno, qual, how])
        self.out["defs"][qual] = [node.lineno, cls, params,
                                  node.args.vararg.arg if node.args.vararg else None,
                                  node.args.kwarg.arg if node.args.kwarg else None]
        rest = [a.arg for a in (node.args.vararg, node.args.kwarg) if a is not None]
        _Body(self.out, qual, cls or self.cls, params + rest).run(node.body)

    def assign(self, target: ast.expr, taint: Taint, value: ast.expr, line: int) -> None:
        if isinstance(target, ast.Name):
            self.taint[target.id] = taint
            names = _content_names(value)
            if names and len(self.deps) < MAX_DEPS:
                self.deps.setdefault(target.id, set()).update(names)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.assign(element, taint, value, line)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
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

    def try_(self, node: ast.Try | ast.TryStar) -> None:
        first = len(self.out["calls"])
        self.block(node.body)
        body_calls = [c[0] for c in self.out["calls"][first:]]
        exits = any(isinstance(n, (ast.Return, ast.Break)) for s in node.body + node.orelse
                    for n in ast.walk(s))
        for handler in node.handlers:
            if handler.type is not None:
                self.expr(handler.type)
            how = _answer(handler)
            loop = self.loops[-1] if self.loops else None
            if how is None and loop is not None and _moves_on(handler) and (
                    exits or _exits_after(loop[0], node)):
                feeds = [c[0] for c in self.out["calls"][first:] if set(c[4]) & loop[1]]
                if feeds:
                    how = f"loop over {ast.unparse(loop[0].iter)[:60]}"
                    body_calls = feeds
            if not self.replay:
                self.out["tries"].append([node.lineno, self.qual, body_calls, handler.lineno,
                                          how or ""])
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
            if self.cls and isinstance(node.value, ast.Name) and node.value.id == "self":
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
        for child in ast.iter_child_nodes(node):
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
        names = _request_names(node)
        if not self.replay:
            self.out["calls"].append([key, self.qual, label, node.lineno, sorted(_names(node))])
        if names:
            self.args[key] = names
        kind = _kind(func, label)
        if kind == "file" and label.split(".")[0] in self.appending:
            kind = "log"
        if kind == "log" and not self.replay:
            fields = _fields(node)
            self.out["logs"].append([node.lineno, self.qual, sorted(_names(node)),
                                     any(_ID.search(f) for f in fields)])
        if kind is not None:
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
        roots = self.out["roots"]
        for root, side in taint:
            sinks = roots.setdefault(root, [])
            if len(sinks) < 60:
                entry = [kind, line, label, side] + ([arg] if arg is not None else [])
                if entry not in sinks:
                    sinks.append(entry)


_FILLS = frozenset({"add", "set", "update", "append", "extend", "insert", "setdefault",
                    "put", "put_nowait"})


def _kind(func: ast.expr, label: str) -> str | None:
    """log, metric, store or ui: what a call does with its arguments (None: unknown)."""
    final = final_name(func)
    root = label.split(".")[0]
    if isinstance(func, ast.Name):
        return "ui" if func.id in UI_ROOTS else None
    if final is None or not isinstance(func, ast.Attribute):
        return None
    receiver = dotted(func.value)
    if root in UI_ROOTS:
        return "ui"
    if final in LOG_METHODS and (_LOGGER.search(receiver.split("(")[0]) or "log" in
                                 receiver.lower()):
        return "log"
    if final in ("write", "writelines") and not receiver.startswith(("self.wfile", "response")):
        return "file"
    if final in ("track", "capture", "capture_event"):
        return "metric"
    if final in METRIC_METHODS and _METRIC_RECEIVER.search(receiver):
        return "metric"
    if final in ("inc", "observe", "labels", "increment", "set_attribute", "set_attributes",
                 "timing", "distribution"):
        return "metric"
    if final in STORE_METHODS and (_STORE_RECEIVER.search(receiver) or final in (
            "execute", "executemany", "insert_one", "insert_many", "put_item", "bulk_create",
            "add_all", "writerow")):
        return "store"
    if final in ("add", "create") and _STORE_RECEIVER.search(receiver):
        return "store"
    if final == "add" and _METRIC_RECEIVER.search(receiver):
        return "metric"
    return None


_CLOCKS = frozenset({"time", "monotonic", "perf_counter", "now", "utcnow", "monotonic_ns",
                     "time_ns"})


def _limiter(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """Is this function a home-made limiter? It keeps a clock reading (``self.last =
    time.monotonic()``, ``window.append(now)``) and either sleeps for a time computed from
    the clock (a minimum interval) or, comparing a clock-derived value, refuses (raises or
    returns False): a window of calls. Nested functions are not part of it."""
    nodes = list(_own_nodes(node))
    if not any(isinstance(n, ast.Call) and final_name(n.func) in _CLOCKS for n in nodes):
        return None  # no clock read here: most functions stop at this
    clocked: set[str] = set()

    def clock(expr: ast.AST) -> bool:
        return any((isinstance(n, ast.Call) and final_name(n.func) in _CLOCKS)
                   or (isinstance(n, ast.Name) and n.id in clocked) for n in ast.walk(expr))

    for _ in range(2):  # names assigned from the clock, and from those
        for n in nodes:
            if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None and clock(
                    n.value):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                clocked |= {t.id for t in targets if isinstance(t, ast.Name)}
    kept: set[str] = set()  # where clock readings are kept: "self.last", "window"
    for n in nodes:
        if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None and clock(n.value):
            kept |= {_base(t) for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                     if isinstance(t, (ast.Attribute, ast.Subscript))}
        elif (isinstance(n, ast.Call) and final_name(n.func) in ("append", "appendleft")
              and isinstance(n.func, ast.Attribute) and any(clock(a) for a in n.args)):
            kept.add(_base(n.func.value))
    if not kept:
        return None

    def reads_kept(expr: ast.AST) -> bool:
        return any(_base(n) in kept for n in ast.walk(expr)
                   if isinstance(n, (ast.Name, ast.Attribute, ast.Subscript)))

    if any(isinstance(n, ast.Call) and final_name(n.func) == "sleep" and n.args
           and clock(n.args[0]) for n in nodes):
        return "waits out a minimum interval between calls"
    for n in nodes:  # if <the kept readings> ...: raise / return False
        if isinstance(n, (ast.If, ast.While)) and reads_kept(n.test) and any(
                isinstance(m, ast.Compare) for m in ast.walk(n.test)) and any(
                isinstance(m, ast.Raise) or (isinstance(m, ast.Return) and isinstance(
                    m.value, ast.Constant) and m.value.value is False)
                for stmt in n.body for m in ast.walk(stmt)):
            return "refuses calls over a limit within a time window"
    return None


def _base(node: ast.AST) -> str:
    """``self.calls`` for ``self.calls[user]``, ``window`` for ``window``."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return dotted(node) if isinstance(node, (ast.Attribute, ast.Name)) else ""


def _own_nodes(node: ast.AST) -> Any:
    """The nodes of a function's body, not those of functions or classes inside it."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield child
        yield from _own_nodes(child)


def _appends(node: ast.expr) -> bool:
    """``open(path, "a")`` (or ``mode="a"``, ``Path.open("a")``): a file grown by records."""
    if not isinstance(node, ast.Call) or final_name(node.func) != "open":
        return False
    modes: list[ast.expr] = [a for a in node.args if isinstance(a, ast.Constant)]
    modes += [kw.value for kw in node.keywords if kw.arg == "mode"]
    return any(isinstance(m, ast.Constant) and isinstance(m.value, str)
               and m.value.startswith("a") for m in modes)


def _names(node: ast.AST) -> set[str]:
    """Every plain name an expression reads (``self.x`` as ``self.x``)."""
    found = set()
    callees = {id(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}
    for child in ast.walk(node):
        if id(child) in callees and isinstance(child, ast.Name):
            continue
        if isinstance(child, ast.Name) and child.id not in ("self", "cls"):
            found.add(child.id)
        elif (isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name)
              and child.value.id in ("self", "cls")):
            found.add(f"self.{child.attr}")
    return found


def _content_names(value: ast.expr) -> set[str]:
    """The names a value is built from; of a dict of call options (``params = {"model":
    ..., "messages": ...}``), only those of the entries that carry content."""
    if isinstance(value, ast.Dict):
        found: set[str] = set()
        for key, item in zip(value.keys, value.values, strict=True):
            if not (isinstance(key, ast.Constant) and key.value in CONFIG_KEYWORDS):
                found |= _names(item)
        return found
    return _names(value)


def _request_names(node: ast.Call) -> set[str]:
    """The names a call's request is made of: its positional arguments and the keywords
    that carry content (not ``model=``, ``temperature=``, ``timeout=``)."""
    names: set[str] = set()
    for arg in node.args:
        names |= _names(arg)
    for kw in node.keywords:
        if kw.arg is None or kw.arg not in CONFIG_KEYWORDS:
            names |= _names(kw.value)
    return names


def _fields(node: ast.Call) -> list[str]:
    """The field names a log call carries: keywords, ``extra=`` keys, the ids it reads,
    and those of ``.bind(...)`` before it."""
    fields: list[str] = []
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            fields += [kw.arg for kw in child.keywords if kw.arg]
        elif isinstance(child, ast.Dict):
            fields += [k.value for k in child.keys
                       if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        elif isinstance(child, ast.Name):
            fields.append(child.id)
        elif isinstance(child, ast.Attribute) and child.attr in _ID_ATTRS:
            fields.append("response_id" if child.attr == "id" else child.attr)
    return fields


def _answer(handler: ast.ExceptHandler) -> str | None:
    """How an except handler answers without what failed: returns a value, routes the work
    (a call to something that is not a logger, a sleep or a display), assigns a value.
    None: it re-raises, only logs or waits, catches no failure of a call (an interrupt, a
    missing import), or its answer is empty or made of the error (``return str(e)``,
    ``return []``, a response built from the error)."""
    if reraises(handler) or _not_failures(handler.type) or _retries(handler):
        return None
    tainted = {handler.name} if handler.name else set()
    answer = None
    for stmt in handler.body:
        if isinstance(stmt, ast.Raise):
            return None
        if isinstance(stmt, ast.Return):
            if stmt.value is None or _empty(stmt.value) or (
                    isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, bool)):
                return answer
            return None if _names(stmt.value) & tainted or _an_error(stmt.value) else \
                f"return {ast.unparse(stmt.value)[:60]}"
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if _names(stmt.value) & tainted:
                tainted |= {n for t in targets for n in _names(t)}
            # a flag or a counter is state, not an answer
            elif not _empty(stmt.value) and not _an_error(stmt.value) and not (
                    isinstance(stmt.value, ast.Constant)
                    and isinstance(stmt.value.value, (bool, int, float))):
                answer = answer or ast.unparse(stmt)[:60]
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, (ast.Call, ast.Await)):
            call = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
            if not isinstance(call, ast.Call):
                continue
            if _names(call) & tainted:
                if isinstance(call.func, ast.Attribute):
                    tainted |= _names(call.func.value)
            elif (_kind(call.func, dotted(call.func)) is None
                  and final_name(call.func) not in _NOT_AN_ANSWER):
                answer = answer or f"{dotted(call.func)}(...)"
    return answer


def _retries(handler: ast.ExceptHandler) -> bool:
    """Does the handler wait and go round again (a retry, not another answer)?"""
    last = handler.body[-1] if handler.body else None
    return isinstance(last, ast.Continue) or any(
        isinstance(n, ast.Call) and final_name(n.func) == "sleep"
        for stmt in handler.body for n in ast.walk(stmt))


_ERROR_TEXT = re.compile(r"(?i)^\W*(?:error|sorry|failed|unable|could not|cannot)\b")


def _an_error(node: ast.expr) -> bool:
    """Is the answer a report of the failure: an HTTP error status, an ``error`` field, a
    message that starts by saying it failed?"""
    for child in ast.walk(node):
        if isinstance(child, ast.Constant):
            value = child.value
            if isinstance(value, int) and not isinstance(value, bool) and 400 <= value < 600:
                return True
            if isinstance(value, str) and _ERROR_TEXT.search(value):
                return True
        elif isinstance(child, ast.Dict) and any(
                isinstance(k, ast.Constant) and k.value in ("error", "errors", "detail")
                for k in child.keys):
            return True
    return False


def _empty(node: ast.expr) -> bool:
    """None, False, 0, "", [], {}, ()."""
    if isinstance(node, ast.Constant):
        return not node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return not node.elts
    if isinstance(node, ast.Dict):
        return not node.keys
    return False


_NOT_FAILURES = frozenset({"KeyboardInterrupt", "SystemExit", "GeneratorExit", "CancelledError",
                           "StopIteration", "StopAsyncIteration", "ImportError",
                           "ModuleNotFoundError", "FileNotFoundError", "KeyError",
                           "IndexError", "AttributeError", "NameError"})


_FAILURE = re.compile(r"(?:Error|Exception|Timeout|Exceeded|Unavailable|Failure|Failed)$")


def _not_failures(types: ast.expr | None) -> bool:
    """Does the handler catch only things that are not a failed call (an interrupt, a
    missing import, a control-flow signal such as ``FinishReasonLength``)?"""
    if types is None:
        return False
    items = types.elts if isinstance(types, ast.Tuple) else [types]
    return all(isinstance(t, (ast.Name, ast.Attribute)) and (
        final_name(t) in _NOT_FAILURES or not _FAILURE.search(final_name(t) or ""))
        for t in items)


_NOT_AN_ANSWER = frozenset({"sleep", "print", "print_exc", "warn", "echo", "flash",
                            "exit", "close", "cancel", "format_exc"})


def _moves_on(handler: ast.ExceptHandler) -> bool:
    """Does the handler let the loop go on (continue, or fall through without raising)?"""
    return not any(isinstance(n, (ast.Raise, ast.Return, ast.Break))
                   for stmt in handler.body for n in ast.walk(stmt))


def _exits_after(loop: ast.For | ast.AsyncFor, node: ast.stmt) -> bool:
    """Does the loop body leave the loop (return, break) after the try ``node``?"""
    after = False
    for stmt in loop.body:
        if stmt is node:
            after = True
        elif after and any(isinstance(n, (ast.Return, ast.Break)) for n in ast.walk(stmt)):
            return True
    return False
