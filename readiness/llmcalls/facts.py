"""Per-file facts: a pure function of a module's source, small and JSON-serialisable.

Extraction (``walker.py``) records every call that might matter (its callee as a term, the
try/except, loops and context managers around it, and where its result flows in the same
function), every function (decorators, what it returns, whether it is a home-made retry
wrapper), every class (bases, attributes, ``self.x = ...`` included) and the module's
globals. Nothing here knows about other files: that is ``resolve.py``'s job.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from readiness.llmcalls.scope import Expr

# The key of an item written into a local dict under a key known only at run time
# (``models[kind] = get_model(kind)``): in the spread of ``**options`` and in a dict a
# function returns, where a read under a key no literal gives finds it.
ANY_KEY = "[]"


class CallFact(NamedTuple):
    """A call that may reach a model or a project function, and its surroundings."""

    line: int
    col: int
    function: str | None  # qualname of the enclosing function
    expr: Expr  # ["call", func, args, kws, line]
    tries: list[int]  # try statements whose body holds the call, innermost first
    withs: list[int]  # timeout / suppress context managers around the call
    # the line of a loop that retries the call (try inside, sleeps), or of an except clause
    # that makes the same call again
    retry_loop: int | None
    retry_iters: list[Expr]  # `for attempt in Retrying(...)` iterables around the call
    outer: int | None  # the recorded call whose arguments hold this one
    sinks: list[list[Any]]  # where the result goes: [kind, line, label, term | None]


class DefFact(NamedTuple):
    """A function or method."""

    line: int
    name: str
    cls: str | None
    decorators: list[list[Any]]  # [line, term]
    returns: list[Expr]
    retry_wrapper: list[Any] | None  # [line, iterable term or None]: loops around a parameter
    calls_param: bool  # calls one of its (or an enclosing function's) parameters
    hint: Expr = ["unk"]  # the class its return annotation names, if it names one
    # the line where it waits with a deadline (``thread.join(seconds)``,
    # ``future.result(timeout=...)``, ``asyncio.wait_for(..., t)``, ``signal.alarm(n)``)
    deadline: int | None = None
    # each ``await p`` of a parameter: [its position (-1: keyword-only), its name, the
    # indexes of the tries around it] (``wrap_done(fn, event)`` awaits the coroutine handed
    # to it inside a try)
    awaits: list[list[Any]] = []  # this default is shared: the walker replaces it


class ClassFact(NamedTuple):
    """A class: its bases, attributes (class level and ``self.x``) and methods."""

    line: int
    bases: list[Expr]
    attrs: dict[str, list[Expr]]
    methods: dict[str, str]


class TryFact(NamedTuple):
    """A try statement: per handler, the types it catches (None: bare) and if it re-raises."""

    line: int
    handlers: list[list[Any]]  # [types or None, reraises, line]
    loop: int | None = None  # the line of the loop of the same function the try is in


class FileFacts(NamedTuple):
    """Everything the cross-module pass needs to know about one module."""

    imports: list[list[Any]]  # [level, module, names or None]
    refs: bool  # imports a provider package or names a model API host or route
    globals: dict[str, list[Expr]]  # a plain `def f` / `class C` is only in defs / classes
    defs: dict[str, DefFact]
    classes: dict[str, ClassFact]
    calls: list[CallFact]
    tries: list[TryFact]
    withs: list[list[Any]]  # [line, term]
    setattrs: list[list[Any]]  # [line, base term, attribute, value term]
    mains: list[list[int]]  # [first, last] lines of `if __name__ == "__main__":` blocks
    stores: list[list[Any]]  # [line, name, value term]: values kept on shared objects


def to_plain(facts: FileFacts) -> list[Any]:
    """The facts as the per-file facts store keeps them: its records become lists, as they
    come back from the store (the walker makes every other value a list already: a test
    says so). The terms are kept as they are, not copied: the names they share stay one
    string each (after a JSON round trip, every occurrence of ``"call"`` or ``"self"``
    was its own string, and skyvern 1.0.56's facts took 324 MB, seven times their JSON
    size; workers pickle and the store marshals the shared strings once)."""
    imports, refs, globs, defs, classes, calls, tries, withs, setattrs, mains, stores = facts
    return [imports, refs, globs, {k: list(v) for k, v in defs.items()},
            {k: list(v) for k, v in classes.items()}, [list(c) for c in calls],
            [list(t) for t in tries], withs, setattrs, mains, stores]


def from_json(data: Any) -> FileFacts:
    """The inverse of :func:`to_plain`; raises ValueError/TypeError on a malformed record."""
    imports, refs, globs, defs, classes, calls, tries, withs, setattrs, mains, stores = data
    return FileFacts(
        imports, bool(refs), globs, {k: DefFact(*v) for k, v in defs.items()},
        {k: ClassFact(*v) for k, v in classes.items()}, [CallFact(*c) for c in calls],
        [TryFact(*t) for t in tries], withs, setattrs, mains, stores,
    )
