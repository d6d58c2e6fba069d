"""What a statement in the traffic facts means, as rules and data: which calls log, record a
metric, store or show a value; which keywords configure a request rather than carry its
content; which functions are home-made limiters; which ``except`` handlers answer another way
(a fallback) rather than retry, re-raise or report the error. Pure functions of syntax trees,
used by ``traffic_facts``.
"""

from __future__ import annotations

import ast
import bisect
import re
import unicodedata

from readiness.llmcalls.syntax import children, dotted, final_name, reraises, sleeps, walk

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
    # where the request goes and how it is generated, not what it asks
    "api_base", "api_version", "organization", "deployment_id", "azure_deployment",
    "reasoning_effort", "parallel_tool_calls", "max_output_tokens",
    # how the call is run and observed (autogen's cancellation_token, LangChain's callbacks):
    # handing one on to a function that logs it logs no request (magentic-ui)
    "cancellation_token", "callbacks", "run_manager",
})
_ID = re.compile(r"(?i)(?:^|_)(?:request_?id|req_?id|trace_?id|correlation_?id|span_?id|run_?id|"
                 r"call_?id|completion_?id|response_?id|message_?id)$|^x-request-id$")
_ID_ATTRS = frozenset({"id", "request_id", "_request_id", "response_id"})


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


_READ_SQL = re.compile(r"(?is)\s*(?:\(\s*)?(?:select|with|pragma|explain|show|describe)\b")
_WRITE_SQL = re.compile(r"(?i)\b(?:insert|update|delete|merge|upsert)\b")


def reads_only(node: ast.Call) -> bool:
    """Is this ``execute`` a query that only reads (its SQL, written out, starts with
    SELECT, PRAGMA, EXPLAIN, SHOW or DESCRIBE, or WITH and writes nothing after; also
    inside SQLAlchemy's ``text()``)?
    graphiti's response cache looks a prompt up with ``execute('SELECT value FROM cache
    WHERE key = ?', (key,))``: no usage is stored there."""
    if final_name(node.func) not in ("execute", "executemany") or not node.args:
        return False
    sql = node.args[0]
    if isinstance(sql, ast.Call) and final_name(sql.func) == "text" and sql.args:
        sql = sql.args[0]
    if isinstance(sql, ast.JoinedStr) and sql.values:
        sql = sql.values[0]
    if not isinstance(sql, ast.Constant) or not isinstance(sql.value, str):
        return False
    read = _READ_SQL.match(sql.value)  # WITH t AS (...) INSERT ... writes
    return read is not None and not (read.group(0).strip().lower().endswith("with")
                                     and _WRITE_SQL.search(sql.value))


_CLOCKS = frozenset({"time", "monotonic", "perf_counter", "now", "utcnow", "monotonic_ns",
                     "time_ns"})


def clock_lines(text: str) -> list[int]:
    """The lines of ``text`` where a clock's name is written, in order: a function none of
    whose lines holds one reads no clock. A line that is not ASCII is read as the parser
    reads the names on it (NFKC: fullwidth letters are ASCII ones); no line's normal form
    holds a line break, so the lines keep their numbers (skyvern: a quarter of its modules
    hold some non-ASCII text, and every function of each was searched)."""
    if not text.isascii():
        text = "\n".join(line if line.isascii() else unicodedata.normalize("NFKC", line)
                         for line in text.split("\n"))
    lines: list[int] = []
    line, at = 1, 0
    for match in _CLOCK_WORDS.finditer(text):
        if match.group() not in _CLOCKS or (match.start() and (
                text[match.start() - 1].isalnum() or text[match.start() - 1] == "_")):
            continue  # part of a longer name: "timeout", "unknown"
        line += text.count("\n", at, match.start())
        at = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


# Starts with a clock's name (the longer first: "utcnow" before "now"), to the end of the word.
_CLOCK_WORDS = re.compile("(?:" + "|".join(sorted(_CLOCKS, key=lambda w: (-len(w), w)))
                          + r")\w*")


def _limiter(node: ast.FunctionDef | ast.AsyncFunctionDef,
             clocks: list[int] | None = None) -> str | None:
    """Is this function a home-made limiter? It keeps a clock reading (``self.last =
    time.monotonic()``, ``window.append(now)``) and either sleeps for a time computed from
    the clock (a minimum interval) or, comparing a clock-derived value, refuses (raises or
    returns False): a window of calls. Nested functions are not part of it. ``clocks``:
    the lines that name a clock (``clock_lines``); a function without one is not walked."""
    if clocks is not None:
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        at = bisect.bisect_left(clocks, first)
        if at == len(clocks) or clocks[at] > (node.end_lineno or node.lineno):
            return None
    nodes = _own_nodes(node)
    if not any(isinstance(n, ast.Call) and final_name(n.func) in _CLOCKS for n in nodes):
        return None  # no clock read here: most functions stop at this
    clocked: set[str] = set()

    def clock(expr: ast.AST) -> bool:
        return any((isinstance(n, ast.Call) and final_name(n.func) in _CLOCKS)
                   or (isinstance(n, ast.Name) and n.id in clocked) for n in walk(expr))

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
        return any(_base(n) in kept for n in walk(expr)
                   if isinstance(n, (ast.Name, ast.Attribute, ast.Subscript)))

    if any(isinstance(n, ast.Call) and final_name(n.func) == "sleep" and n.args
           and clock(n.args[0]) for n in nodes):
        return "waits out a minimum interval between calls"
    for n in nodes:  # if <the kept readings> ...: raise / return False
        if isinstance(n, (ast.If, ast.While)) and reads_kept(n.test) and any(
                isinstance(m, ast.Compare) for m in walk(n.test)) and any(
                isinstance(m, ast.Raise) or (isinstance(m, ast.Return) and isinstance(
                    m.value, ast.Constant) and m.value.value is False)
                for stmt in n.body for m in walk(stmt)):
            return "refuses calls over a limit within a time window"
    return None


def _base(node: ast.AST) -> str:
    """``self.calls`` for ``self.calls[user]``, ``window`` for ``window``."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return dotted(node) if isinstance(node, (ast.Attribute, ast.Name)) else ""


def _own_nodes(node: ast.AST) -> list[ast.AST]:
    """The nodes of a function's body, not those of functions or classes inside it (in no
    particular order; iterative, so that deep nesting costs no more than shallow)."""
    found: list[ast.AST] = []
    todo = [node]
    while todo:
        for child in children(todo.pop()):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                      ast.Lambda)):
                found.append(child)
                todo.append(child)
    return found


def _appends(node: ast.expr) -> bool:
    """``open(path, "a")`` (or ``mode="a"``, ``Path.open("a")``): a file grown by records."""
    if not isinstance(node, ast.Call) or final_name(node.func) != "open":
        return False
    modes: list[ast.expr] = [a for a in node.args if isinstance(a, ast.Constant)]
    modes += [kw.value for kw in node.keywords if kw.arg == "mode"]
    return any(isinstance(m, ast.Constant) and isinstance(m.value, str)
               and m.value.startswith("a") for m in modes)


Names = dict[int, frozenset[str]]  # the names read under each node of one tree, by id
_SELF = ("self", "cls")
_NO_NAMES: frozenset[str] = frozenset()


def _names(node: ast.AST, memo: Names | None = None) -> frozenset[str]:
    """Every plain name an expression reads (``self.x`` as ``self.x``; a called name is not
    read). ``memo``, shared by the walk of one tree, keeps each node's names, so that a call
    nested in others is not walked again for each call around it."""
    return _names_in(node, {} if memo is None else memo)


def _names_in(node: ast.AST, memo: Names) -> frozenset[str]:
    found = memo.get(id(node))
    if found is not None:
        return found
    if isinstance(node, ast.Name):
        found = _NO_NAMES if node.id in _SELF else frozenset((node.id,))
    elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
          and node.value.id in _SELF):
        found = frozenset((f"self.{node.attr}",))
    else:
        found = _NO_NAMES
        callee = node.func if isinstance(node, ast.Call) and isinstance(
            node.func, ast.Name) else None
        for child in children(node):
            if child is not callee:
                more = _names_in(child, memo)
                if more:
                    found = found | more
    memo[id(node)] = found
    return found


def _content_names(value: ast.expr, memo: Names | None = None) -> frozenset[str]:
    """The names a value is built from; of a dict of call options (``params = {"model":
    ..., "messages": ...}``), only those of the entries that carry content."""
    if isinstance(value, ast.Dict):
        found: set[str] = set()
        for key, item in zip(value.keys, value.values, strict=True):
            if not (isinstance(key, ast.Constant) and key.value in CONFIG_KEYWORDS):
                found |= _names(item, memo)
        return frozenset(found)
    return _names(value, memo)


def _request_names(node: ast.Call, memo: Names | None = None) -> set[str]:
    """The names a call's request is made of: its positional arguments and the keywords
    that carry content (not ``model=``, ``temperature=``, ``timeout=``)."""
    names: set[str] = set()
    for arg in node.args:
        names |= _names(arg, memo)
    for kw in node.keywords:
        if kw.arg is None or kw.arg not in CONFIG_KEYWORDS:
            names |= _names(kw.value, memo)
    return names


def _fields(node: ast.Call) -> list[str]:
    """The field names a log call carries: keywords, ``extra=`` keys, the ids it reads
    by name (``x.request_id``), and those of ``.bind(...)`` before it. A plain ``x.id`` is
    no field: it is the id of what x holds, which is the response's own id only where x
    holds the response (``traffic_facts``: a log sink ``with_id``); ``user.id`` in a log
    is whose request it is, not which."""
    fields: list[str] = []
    for child in walk(node):
        if isinstance(child, ast.Call):
            fields += [kw.arg for kw in child.keywords if kw.arg]
        elif isinstance(child, ast.Dict):
            fields += [k.value for k in child.keys
                       if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        elif isinstance(child, ast.Name):
            fields.append(child.id)
        elif isinstance(child, ast.Attribute) and child.attr in _ID_ATTRS - {"id"}:
            fields.append(child.attr)
    return fields


def _answer(handler: ast.ExceptHandler) -> str | None:
    """How an except handler answers without what failed: returns a value, routes the work
    (a call, handed more than literals, to what is not a logger, a sleep or a display),
    assigns a value.
    None: it re-raises, only logs or waits, catches no failure of a call (an interrupt, a
    missing import), its answer is empty or made of the error (``return str(e)``,
    ``return []``, a response built from the error). (A handler that asks the model again
    the same way is told apart where model calls are known: see ``asked_again``.)"""
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
            if _names(stmt.value) & tainted or _an_error(stmt.value):
                # made of the error: so is whatever it is handed on in
                tainted |= {n for t in targets for n in _names(t)}
            # a flag or a counter is state, not an answer
            elif not _empty(stmt.value) and not (
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
                  and final_name(call.func) not in _NOT_AN_ANSWER
                  and _hands_something(call) and not _reports_failure(call)):
                # a call handed nothing but literals routes no work: oterm's discard_turn()
                # removes the turn from the screen, pipecat's
                # _call_event_handler("on_completion_timeout") tells its listeners
                answer = answer or f"{dotted(call.func)}(...)"
    return answer


def asked_again(handler: ast.ExceptHandler, tried: dict[str, list[ast.Call]]
                ) -> list[ast.Call]:
    """The calls of a ``try`` body that the handler makes again, word for word, none of
    whose names it handed to another call first (which may have changed them): pipecat
    asks Bedrock's ``converse_stream(**params)`` again without the timeout, a retry;
    vocode's ``apply_model_fallback(chat_parameters)`` before the same
    ``create(**chat_parameters)`` switches the model, another answer. Whether a call asked
    again is a model call is for the traffic analysis to say. ``tried``: the body's calls
    by callee (few of them are written out to be compared)."""
    found: list[ast.Call] = []
    handed: set[str] = set()
    written: dict[int, str] = {}  # each body call written out once, however often compared

    def text_of(node: ast.Call) -> str:
        if id(node) not in written:
            written[id(node)] = ast.unparse(node)
        return written[id(node)]

    for stmt in handler.body:
        calls = [n for n in walk(stmt) if isinstance(n, ast.Call)]
        for call in calls:
            same = tried.get(dotted(call.func))
            if not same or _names(call) & handed:
                continue
            text = ast.unparse(call)
            first = next((n for n in same if text_of(n) == text), None)
            if first is not None and first not in found:
                found.append(first)
        for call in calls:
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                handed |= _names(arg)
    return found


def _hands_something(call: ast.Call) -> bool:
    """Is the call handed a value that is not a literal (the work to route elsewhere)?"""
    return any(not isinstance(arg, ast.Constant)
               for arg in [*call.args, *(k.value for k in call.keywords)])


def _retries(handler: ast.ExceptHandler) -> bool:
    """Does the handler wait and go round again (a retry, not another answer)?"""
    last = handler.body[-1] if handler.body else None
    return isinstance(last, ast.Continue) or any(sleeps(stmt) for stmt in handler.body)


_ERROR_TEXT = re.compile(r"(?i)^\W*(?:error|sorry|failed|unable|could not|cannot)\b")


def _an_error(node: ast.expr) -> bool:
    """Is the answer a report of the failure: an HTTP error status, an ``error`` field, a
    message that starts by saying it failed, the traceback's text?"""
    for child in walk(node):
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
        elif isinstance(child, ast.Call) and final_name(child.func) in _TRACEBACK_TEXT:
            return True  # magentic-ui's f" File surfing error \n{traceback.format_exc()}"
    return False


_TRACEBACK_TEXT = frozenset({"format_exc", "format_exception", "format_exception_only"})


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
                           "IndexError", "AttributeError", "NameError",
                           # bad input or output, a bug: never a model or provider that is
                           # down (autogenstudio answers a JSONDecodeError of the user's
                           # websocket message)
                           "JSONDecodeError", "UnicodeDecodeError", "UnicodeEncodeError",
                           "UnicodeError", "TypeError", "ZeroDivisionError", "AssertionError",
                           "PermissionError", "FileExistsError", "IsADirectoryError",
                           "NotADirectoryError", "ValidationError"})


_FAILURE = re.compile(r"(?:Error|Exception|Timeout|Exceeded|Unavailable|Failure|Failed)$")
# A decision, not an outage: someone said no or stopped the work (magentic-ui answers its
# ApprovalDeniedError, raised when the user refuses an action, with "Action not approved.")
_DECISION = re.compile(r"(?:Denied|Declined|Cancell?ed|Aborted)(?:Error|Exception)?$")


def _not_failures(types: ast.expr | None) -> bool:
    """Does the handler catch only things that are not a failed call (an interrupt, a
    missing import, a control-flow signal such as ``FinishReasonLength``, a refusal such as
    ``ApprovalDeniedError``)?"""
    if types is None:
        return False
    items = types.elts if isinstance(types, ast.Tuple) else [types]
    return all(isinstance(t, (ast.Name, ast.Attribute)) and (
        final_name(t) in _NOT_FAILURES or not _FAILURE.search(final_name(t) or "")
        or _DECISION.search(final_name(t) or ""))
        for t in items)


_NOT_AN_ANSWER = frozenset({"sleep", "print", "print_exc", "warn", "echo", "flash",
                            "exit", "close", "cancel", "format_exc"})
# A class whose name says it is the failure: an event or a response that reports it.
_FAILURE_CLASS = re.compile(r"^[A-Z]\w*(?:Error|Failed|Failure|Exception)$")


def _reports_failure(call: ast.Call) -> bool:
    """Does the call hand on a report of the failure, an object built from a class named
    for it (elia's ``self.post_message(self.AgentResponseFailed(...))``, a queue's
    ``put(ErrorEvent(...))``), rather than answer another way?"""
    return any(isinstance(node, ast.Call) and _FAILURE_CLASS.match(final_name(node.func) or "")
               for node in walk(call))


def _moves_on(handler: ast.ExceptHandler) -> bool:
    """Does the handler let the loop go on (continue, or fall through) at least for some
    turns? One that raises only under a condition moves on in the others: pr-agent's
    ``retry_with_fallback_models`` re-raises ``if i == len(all_models) - 1``."""
    return not _leaves(handler.body)


def _leaves(body: list[ast.stmt]) -> bool:
    """Does ``body`` leave the loop (raise, return, break) other than under a condition: an
    ``if`` leaves only when both its branches do; any other statement that holds one does."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            if _leaves(stmt.body) and _leaves(stmt.orelse):
                return True
        elif any(isinstance(n, (ast.Raise, ast.Return, ast.Break)) for n in walk(stmt)):
            return True
    return False


def _exits_after(loop: ast.For | ast.AsyncFor, node: ast.stmt) -> bool:
    """Does the loop body leave the loop (return, break) after the try ``node``?"""
    after = False
    for stmt in loop.body:
        if stmt is node:
            after = True
        elif after and any(isinstance(n, (ast.Return, ast.Break)) for n in walk(stmt)):
            return True
    return False
