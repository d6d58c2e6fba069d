"""What protects each LLM call site: timeout, retry, error handling, output validation.

Where protection may come from, nearest first:

* the call's own keywords (``timeout=``, ``num_retries=``, ``response_format=``), an
  ``asyncio.wait_for`` / ``asyncio.timeout()`` around it, a ``try`` around it;
* the client it goes through (constructor keywords, ``with_options``, LangChain wrappers);
* the enclosing function: a retry decorator (tenacity, backoff, stamina, retrying, or a
  project decorator that loops, catches and sleeps around the function it wraps), a retry
  loop around the call, or the call passed to a retry wrapper;
* the callers: when *every* call of the enclosing function found in the project is itself
  protected (a ``try`` around it, a retry around it, a deadline around it, its result
  validated), so is the call. A deadline is ``asyncio.wait_for`` or ``asyncio.timeout()``
  around the caller, or a project decorator that waits for the function it runs with a
  deadline (docetl's ``timeout(seconds)(self._cached_call_llm)(...)``).
  A function nobody in the project calls (a route handler) gets nothing from callers.

A handler that ends by re-raising what it caught does not handle the error; ``except
Exception`` and ``except:`` do, and so do SDK and HTTP error classes; ``except ValueError``
alone does not. SDK default retries are ``default`` strength; an explicit ``max_retries=0``
removes them. A timeout must be written: no SDK default counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from readiness.llmcalls.classify import Hit
from readiness.llmcalls.clients import spread_keyword, timeout_unset
from readiness.llmcalls.facts import CallFact
from readiness.llmcalls.lookup import find_key, keyword
from readiness.llmcalls.outputs import ext_is_validator, judge_options
from readiness.llmcalls.records import CallSite, Protection
from readiness.llmcalls.resolve import Program
from readiness.llmcalls.scope import Expr
from readiness.llmcalls.sdk import (
    CATCH_ALL,
    ERROR_MODULES,
    FAMILIES,
    RETRY_DECORATORS,
    RETRY_ITERABLES,
    SUPPRESS_CONTEXTS,
    TIMEOUT_CONTEXTS,
    TIMEOUT_WRAPPERS,
)
from readiness.llmcalls.values import Bound, Ext, Func, Klass, Lit, Value, render
from readiness.project.sourcetext import is_test_path

MAX_CALLER_DEPTH = 4
_PYDANTIC_ROOTS = ("pydantic.", "pydantic_settings.", "sqlmodel.", "langchain_core.pydantic")


class Protections:
    """Finds the protections of call sites; memoises what it learns about functions."""

    def __init__(self, prog: Program) -> None:
        self.prog = prog
        # (protection, the depth it was looked for at): none found at one depth may be found
        # nearer the call, where the callers' depth limit leaves more room
        self._memo: dict[tuple[str, str, str], tuple[Protection | None, int]] = {}
        # a project decorator's handler around the function it wraps, by decorator
        self._wrapping: dict[Func, Protection | None] = {}

    def site(self, path: str, call: CallFact, hit: Hit) -> CallSite:
        """The call site record for an LLM call."""
        client = hit.client
        origin = f"{client.origin[0]}:{client.origin[1]}" if client.origin else None
        validation = self.validation(path, call, hit)
        return CallSite(
            path, call.line, call.col, FAMILIES[client.family].provider, hit.api, call.function,
            self.timeout(path, call, hit), self.retry(path, call, hit),
            self.error_handling(path, call), validation,
            self.fallback(path, call, hit), origin,
            data=validation is not None or self._decoded(path, call, 0))

    def _decoded(self, path: str, call: CallFact, depth: int) -> bool:
        """Is the call's result used as data: decoded or validated where it is made, or in
        a caller it is returned to (two levels up)? Otherwise it is free text: an answer,
        a draft, a streamed reply, which has nothing to validate."""
        for kind, _, _, term in call.sinks:
            if kind in ("j", "v") or (kind == "c" and self._validator(path, term)):
                return True
        if depth < 2 and call.function and any(sink[0] == "r" for sink in call.sinks):
            for caller_path, index, _ in self.prog.invocations.get((path, call.function), []):
                if self._decoded(caller_path, self.prog.facts[caller_path].calls[index],
                                 depth + 1):
                    return True
        return False

    # timeout ----------------------------------------------------------------------------

    def timeout(self, path: str, call: CallFact, hit: Hit) -> Protection | None:
        """A timeout written on the call, around it, or on its client."""
        term = call.expr
        for name in FAMILIES[hit.client.family].call_timeout:
            spread = spread_keyword(self.prog, path, term, name)
            if spread:
                where, line, written = spread
                if timeout_unset(self.prog, where, written):
                    return None  # timeout=None switches the client's timeout off
                return Protection(where, line, f"{name}={render(written)} on the call at "
                                  f"{where}:{line}")
        for holder, keys in (("request_options", ("timeout", "timeout_in_seconds")),
                             ("config", ("http_options",)), ("timeout_ms", ()),
                             ("model_settings", ("timeout", "request_timeout"))):  # pydantic-ai
            found = keyword(term, holder)
            if not found:
                continue
            if not keys:
                return Protection(path, found[0], f"{holder}= on the call at {path}:{found[0]}")
            value = self.prog.eval(path, found[1])
            for key in keys:
                hit_key = find_key(value, key)
                if hit_key and key == "http_options":
                    hit_key = find_key(self.prog.eval(hit_key[0], hit_key[2]), "timeout")
                if hit_key:
                    return Protection(hit_key[0], hit_key[1], f"{holder} timeout on the call at "
                                      f"{hit_key[0]}:{hit_key[1]}")
        around = self._timeout_around(path, call) or hit.client.timeout
        if around is None and call.function:
            around = self._function(path, call.function, "timeout", 0)
        return around or _passed_in_default(path, call, hit, "timeout")

    def _timeout_around(self, path: str, call: CallFact) -> Protection | None:
        facts = self.prog.facts[path]
        if call.outer is not None:
            outer = facts.calls[call.outer]
            callee = self.prog.callee(path, outer.expr)
            if isinstance(callee, Ext) and callee.name in TIMEOUT_WRAPPERS and (
                    len(outer.expr[2]) > 1 or keyword(outer.expr, "timeout")):
                return Protection(path, outer.line, f"asyncio.wait_for(…, timeout) at "
                                  f"{path}:{outer.line}")
        for index in call.withs:
            line, term = facts.withs[index]
            callee = self.prog.callee(path, term)
            if isinstance(callee, Ext) and callee.name in TIMEOUT_CONTEXTS:
                return Protection(path, line, f"with {callee.name}(…) at {path}:{line}")
        return None

    def timeout_wrapper(self, value: Value) -> str | None:
        """Where it waits (``path:line``) if ``value`` is a project function that runs the
        function it is handed with a deadline: it, or a function defined in it, calls one of
        its parameters, and one of them waits with a deadline (docetl's ``timeout(seconds)``
        decorator runs the function in a thread and joins it for ``seconds``)."""
        func = value.func if isinstance(value, Bound) else value
        if not isinstance(func, Func):
            return None
        facts = self.prog.facts.get(func.path)
        if facts is None or func.qualname not in facts.defs:
            return None
        prefix = func.qualname + ".<locals>."
        family = [inner for qualname, inner in facts.defs.items()
                  if qualname == func.qualname or qualname.startswith(prefix)]
        deadline = next((inner.deadline for inner in family if inner.deadline), None)
        if deadline is None or not any(inner.calls_param for inner in family):
            return None
        return f"{func.path}:{deadline}"

    def _decorated_timeout(self, path: str, qualname: str) -> Protection | None:
        found = self._decorated_by(path, qualname, self.timeout_wrapper)
        if found is None:
            return None
        line, term, waits = found
        return Protection(path, line, f"@{render(term)} on {qualname} at {path}:{line}"
                          f" (waits with a deadline at {waits})")

    def _decorated_by(self, path: str, qualname: str, wrapper: Callable[[Value], str | None]
                      ) -> tuple[int, Expr, str] | None:
        """(line, term, label) of the function's first decorator ``wrapper`` labels."""
        definition = self.prog.definition(Func(path, qualname))
        for line, term in definition.decorators if definition else ():
            label = wrapper(self.prog.eval(path, term))
            if label:
                return line, term, label
        return None

    # retry ------------------------------------------------------------------------------

    def retry(self, path: str, call: CallFact, hit: Hit) -> Protection | None:
        """Retries: explicit first, then the SDK default unless switched off."""
        client = hit.client
        switched_off = client.no_retry is not None
        for name in FAMILIES[client.family].call_retry:
            found = keyword(call.expr, name)
            if found:
                value = self.prog.eval(path, found[1])
                if isinstance(value, Lit) and value.value in (0, None, False):
                    switched_off = True
                else:
                    return Protection(path, found[0], f"{name}={render(found[1])} on the call "
                                      f"at {path}:{found[0]}")
        found_retry = client.retry or self._retry_here(path, call)
        if found_retry is None and call.function:
            found_retry = self._function(path, call.function, "retry", 0)
        if found_retry is not None or switched_off:
            return found_retry
        if client.family == "openai-module" and not hit.api[:1].isupper():
            return Protection(path, call.line, "SDK default max_retries=2 of the module-level "
                              "openai client", "default")
        return client.default_retry or _passed_in_default(path, call, hit, "retry")

    def _retry_here(self, path: str, call: CallFact) -> Protection | None:
        """A retry loop, retrying iterator or retry wrapper right around the call."""
        where = call.function or "module code"
        if call.retry_loop is not None:
            handler = self._handler_at(path, call.retry_loop)
            if handler is None:
                return Protection(path, call.retry_loop, f"retry loop with sleep in {where} at "
                                  f"{path}:{call.retry_loop}")
            types, _reraises, line = handler
            if types is None or any(self._catches(path, term) for term in types):
                return Protection(path, line, f"asked again in the except at {path}:{line}")
        for iterable in call.retry_iters:
            if self._retry_iterable(path, iterable):
                line = iterable[4]
                return Protection(path, line, f"for attempt in {render(iterable)} at "
                                  f"{path}:{line}")
        if call.outer is not None:
            outer = self.prog.facts[path].calls[call.outer]
            label = self.retry_wrapper(self.prog.callee(path, outer.expr))
            if label:
                return Protection(path, outer.line, f"called through {label} at "
                                  f"{path}:{outer.line}")
        return None

    def _handler_at(self, path: str, line: int) -> list[Any] | None:
        """The except clause at ``line`` (``[types, reraises, line]``), if one is there."""
        for attempt in self.prog.facts[path].tries:
            for handler in attempt.handlers:
                if handler[2] == line:
                    return handler
        return None

    def retry_wrapper(self, value: Value) -> str | None:
        """A label if ``value`` retries what it wraps (a decorator or higher-order function)."""
        if isinstance(value, Ext):
            name = value.name.removesuffix("()")
            return name if name in RETRY_DECORATORS else None
        func = value.func if isinstance(value, Bound) else value
        if not isinstance(func, Func):
            return None
        facts = self.prog.facts.get(func.path)
        definition = facts.defs.get(func.qualname) if facts else None
        if facts is None or definition is None:
            return None
        if definition.retry_wrapper is not None:
            line, iterable = definition.retry_wrapper
            if iterable is None or self._retry_iterable(func.path, iterable):
                return f"{func.qualname} (retry loop at {func.path}:{line})"
        prefix = func.qualname + ".<locals>."
        for qualname, inner in facts.defs.items():
            if (qualname == func.qualname or qualname.startswith(prefix)) and inner.calls_param:
                for line, term in inner.decorators:
                    decorator = self.prog.eval(func.path, term)
                    if isinstance(decorator, Ext) and self.retry_wrapper(decorator):
                        return f"{func.qualname} (@{render(term)} at {func.path}:{line})"
        return None

    def _retry_iterable(self, path: str, term: list[object]) -> bool:
        value = self.prog.eval(path, term)
        return isinstance(value, Ext) and value.name.removesuffix("()") in RETRY_ITERABLES

    def _decorated_retry(self, path: str, qualname: str) -> Protection | None:
        found = self._decorated_by(path, qualname, self.retry_wrapper)
        if found is None:
            return None
        line, term, label = found
        return Protection(path, line, f"@{render(term)} ({label}) on {qualname} at "
                          f"{path}:{line}")

    # error handling ---------------------------------------------------------------------

    def _decorated_handler(self, path: str, qualname: str) -> Protection | None:
        """An except clause that a project decorator of the function puts around it: every
        call of the wrapped function in the decorator's wrappers is inside a ``try`` that
        handles API errors (mentat's ``@api_guard``, sync and async wrappers alike). Not a
        ``try`` in a loop: a retry decorator catches to ask again and lets the last failure
        through (gptme's ``@retry_on_overloaded``, whose backoff sleeps in a helper)."""
        definition = self.prog.definition(Func(path, qualname))
        for line, term in definition.decorators if definition else ():
            value = self.prog.eval(path, term)
            func = value.func if isinstance(value, Bound) else value
            if not isinstance(func, Func):
                continue
            if func not in self._wrapping:  # once per decorator, however many it decorates
                self._wrapping[func] = self._wrapping_handler(func)
            inner = self._wrapping[func]
            if inner is not None:
                return Protection(path, line, f"@{render(term)} on {qualname} at {path}:{line}:"
                                  f" {inner.how}")
        return None

    def _wrapping_handler(self, decorator: Func) -> Protection | None:
        """The handler around every call of the function ``decorator`` wraps (its first
        parameter) in its body or the wrappers it defines, outside any loop; None if one
        such call has none."""
        facts = self.prog.facts.get(decorator.path)
        if facts is None:
            return None
        prefix = decorator.qualname + ".<locals>."
        handled = [self._handled_here(decorator.path, call) for call in facts.calls
                   if call.expr[1][:2] == ["p", decorator.qualname] and call.expr[1][3] == 0
                   and call.function is not None
                   and (call.function == decorator.qualname or call.function.startswith(prefix))
                   and not any(facts.tries[at].loop is not None for at in call.tries)]
        return handled[0] if handled and all(handled) else None

    def error_handling(self, path: str, call: CallFact) -> Protection | None:
        """An except clause (or suppress) around the ``await`` of a function the call's
        coroutine is handed to (its errors end there, not around the call), around the
        call, or around every caller."""
        local = self._handled_where_awaited(path, call) or self._handled_here(path, call)
        if local is None and call.function:
            return self._function(path, call.function, "error", 0)
        return local

    def _handled_where_awaited(self, path: str, call: CallFact) -> Protection | None:
        """``asyncio.create_task(wrap_done(chain.acall(...), event))``: the call's coroutine
        is handed to a project function that awaits that parameter inside a try, whose
        except clause is where the call's errors end up."""
        if call.outer is None:
            return None
        outer = self.prog.facts[path].calls[call.outer]
        callee = self.prog.callee(path, outer.expr)
        func, shift = (callee.func, 1) if isinstance(callee, Bound) else (callee, 0)
        if not isinstance(func, Func):
            return None
        definition = self.prog.definition(func)
        if definition is None or not definition.awaits:
            return None
        def is_the_call(term: Expr) -> bool:  # the argument is the call, as encoded there
            return bool(term[0] == "call" and term[1] == call.expr[1] and term[-1] == call.line)

        positions = {at + shift for at, term in enumerate(outer.expr[2]) if is_the_call(term)}
        names = {key for key, _, term in outer.expr[3] if is_the_call(term)}
        for position, name, tries in definition.awaits:
            if position in positions or name in names:
                found = self._handler_in(func.path, tries)
                if found is not None:
                    return found._replace(how=f"{found.how}, where {func.qualname} awaits it")
        return None

    def _handled_here(self, path: str, call: CallFact) -> Protection | None:
        facts = self.prog.facts[path]
        found = self._handler_in(path, call.tries)
        if found is not None:
            return found
        for index in call.withs:
            line, term = facts.withs[index]
            callee = self.prog.callee(path, term)
            if isinstance(callee, Ext) and callee.name in SUPPRESS_CONTEXTS and any(
                    self._catches(path, t) for t in term[2]):
                return Protection(path, line, f"with suppress(…) at {path}:{line}")
        return None

    def _handler_in(self, path: str, tries: list[int]) -> Protection | None:
        """The first except clause of these tries (of the module at ``path``) that catches
        a model call's errors and does not raise them again."""
        facts = self.prog.facts[path]
        for index in tries:
            for types, reraises, line in facts.tries[index].handlers:
                if reraises:
                    continue
                if types is None:
                    return Protection(path, line, f"bare except at {path}:{line}")
                for term in types:
                    if self._catches(path, term):
                        return Protection(path, line, f"except {render(term)} at {path}:{line}")
        return None

    def _catches(self, path: str, term: list[object]) -> bool:
        """Does an except clause naming ``term`` catch API errors of a model call?"""
        value = self.prog.eval(path, term)
        if not isinstance(value, Ext):
            return False
        name = value.name
        if name.startswith("builtins."):
            return name[len("builtins."):] in CATCH_ALL
        return name.split(".")[0] in ERROR_MODULES

    # output validation ------------------------------------------------------------------

    def validation(self, path: str, call: CallFact, hit: Hit) -> Protection | None:
        """Output validation: explicit wins over weak, the call's own before callers'."""
        if hit.api in FAMILIES[hit.client.family].parse_apis:
            return Protection(path, call.line, f"{hit.api}() parses into a schema at "
                              f"{path}:{call.line}")
        found = [p for p in (judge_options(self.prog, path, call.expr, "on the call"),
                             hit.client.validation, self._validated_here(path, call)) if p]
        if not any(p.strength == "explicit" for p in found) and call.function and any(
                sink[0] == "r" for sink in call.sinks):
            by_callers = self._function(path, call.function, "validation", 0)
            if by_callers:
                found.append(by_callers)
        explicit = [p for p in found if p.strength == "explicit"]
        chosen = explicit or found
        return chosen[0] if chosen else None

    def _validated_here(self, path: str, call: CallFact) -> Protection | None:
        """Validation of the call's result in the same function (its recorded sinks)."""
        weak = None
        for kind, line, label, term in call.sinks:
            if kind == "v":
                return Protection(path, line, f"{label}() at {path}:{line}")
            if kind == "j" and weak is None:
                weak = Protection(path, line, f"{label}() without a schema at {path}:{line}",
                                  "weak")
            if kind == "c":
                strength = self._validator(path, term)
                if strength == "explicit":
                    return Protection(path, line, f"{label}() at {path}:{line}")
                if strength == "weak" and weak is None:
                    weak = Protection(path, line, f"{label}() without a schema at {path}:{line}",
                                      "weak")
        return weak

    def _validator(self, path: str, term: list[object]) -> str | None:
        value = self.prog.eval(path, term)
        if isinstance(value, Klass):
            names = self.prog.base_names(value)
            return "explicit" if any(n.startswith(_PYDANTIC_ROOTS) for n in names) else None
        return ext_is_validator(value)

    def fallback(self, path: str, call: CallFact, hit: Hit) -> Protection | None:
        """Another model tried when this one fails (litellm, LangChain)."""
        found = keyword(call.expr, "fallbacks")
        if found:
            return Protection(path, found[0], f"fallbacks= on the call at {path}:{found[0]}")
        return hit.client.fallback

    # callers ----------------------------------------------------------------------------

    def _function(self, path: str, qualname: str, kind: str, depth: int) -> Protection | None:
        """Protection of kind ``kind`` for everything a function does, from its decorators
        or from every one of its callers."""
        key = (path, qualname, kind)
        if key in self._memo:
            kept, at = self._memo[key]
            if kept is not None or at <= depth:
                return kept
        self._memo[key] = (None, depth)  # a cycle of callers protects nothing
        found = self._decorated_retry(path, qualname) if kind == "retry" else \
            self._decorated_handler(path, qualname) if kind == "error" else \
            self._decorated_timeout(path, qualname) if kind == "timeout" else None
        if found is None and depth < MAX_CALLER_DEPTH:
            found = self._by_callers(path, qualname, kind, depth)
        self._memo[key] = (found, depth)
        return found

    def _by_callers(self, path: str, qualname: str, kind: str, depth: int) -> Protection | None:
        invocations = self.prog.invocations.get((path, qualname))
        if not invocations:
            return None
        first = None
        production = [ref for ref in invocations if not is_test_path(ref[0])]
        for caller_path, index, how in production or invocations:
            # a test calling the function directly says nothing of how production calls it
            # (Jupyter AI's tests call a handler's process_message outside on_message's try)
            call = self.prog.facts[caller_path].calls[index]
            here = self._at_invocation(caller_path, call, how, kind)
            if here is None and call.function and (kind != "validation" or any(
                    s[0] == "r" for s in call.sinks)):
                here = self._function(caller_path, call.function, kind, depth + 1)
            if here is None:
                return None
            if first is None or (first.strength == "explicit" and here.strength != "explicit"):
                first = here
        return first

    def _at_invocation(self, path: str, call: CallFact, how: str, kind: str
                       ) -> Protection | None:
        if kind == "error":
            return self._handled_here(path, call)
        if kind == "validation":
            return self._validated_here(path, call) if how == "call" else None
        if kind == "timeout":
            if how == "passed":
                waits = self.timeout_wrapper(self.prog.callee(path, call.expr))
                if waits:
                    return Protection(path, call.line, f"run by {render(call.expr[1])} at "
                                      f"{path}:{call.line} (waits with a deadline at {waits})")
            return self._timeout_around(path, call)
        if how == "passed":
            label = self.retry_wrapper(self.prog.callee(path, call.expr))
            if label:
                return Protection(path, call.line, f"passed to {label} at {path}:{call.line}")
        return self._retry_here(path, call)


def _passed_in_default(path: str, call: CallFact, hit: Hit, which: str) -> Protection | None:
    """A library that sets its own bounded timeout and retries on every model object (lmi's
    ``LLMModel``): a model passed in that is built nowhere the analysis sees still has them,
    unless it was configured otherwise where it was built."""
    if hit.client.origin is not None:
        return None  # built in the project: its constructor said what it has
    spec = FAMILIES[hit.client.family]
    text = spec.default_timeout if which == "timeout" else spec.default_retry
    if text is None:
        return None
    return Protection(path, call.line, f"{text} on the {hit.client.label} at "
                      f"{path}:{call.line}", "default")
