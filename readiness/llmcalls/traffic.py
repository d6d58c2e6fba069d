"""Where each model call's request and result go, across functions and modules.

Joins the call-site index (which calls reach a model) with the per-file traffic facts
(``traffic_facts.py``: where every call's result and every parameter flow in one body).
From a call site, the result is followed into the sinks of its own function, into the
functions it is passed to (a parameter is followed like a result), and back to the
callers of a function that returns it, at most ``MAX_DEPTH`` steps away. Tries are read
the same way: a handler that answers another way guards a model call when its ``try``
calls the model, or calls a function that (up to ``MAX_DEPTH`` calls down) does.

Only production code counts: tests, examples, evals and scripts are never evidence.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from readiness.llmcalls.context import context_of
from readiness.llmcalls.modules import ModuleMap
from readiness.llmcalls.records import CallSite
from readiness.llmcalls.traffic_facts import VERSION, file_traffic
from readiness.project import Project

QUERY = f"llmcalls.traffic/{VERSION}"
CALLED_QUERY = "llmcalls.called/1"
_CALLED = re.compile(r"\b([A-Za-z_]\w*)\(")
MAX_DEPTH = 3
MAX_CALLER_FILES = 400
COST_HELPERS = frozenset({"get_openai_callback", "completion_cost", "cost_per_token",
                          "get_bedrock_anthropic_callback", "calculate_prompt_cost",
                          "calculate_completion_cost"})


class Sink(NamedTuple):
    """A place a model call's result (side ``r``) or its usage (side ``u``) goes."""

    path: str
    line: int
    kind: str  # log metric store ui attr read
    label: str
    side: str


class Guard(NamedTuple):
    """A handler or loop that answers another way when a model call fails."""

    path: str
    line: int
    how: str


R = TypeVar("R")


def _locked(method: Callable[..., R]) -> Callable[..., R]:
    """Checks run in threads and the facts load lazily: one question at a time."""
    def run(self: Traffic, *args: Any) -> R:
        with self.lock:
            return method(self, *args)
    run.__doc__ = method.__doc__
    return run


class Traffic:
    """The traffic facts of the files that call a model and of their callers."""

    def __init__(self, project: Project, sites: tuple[CallSite, ...]) -> None:
        self.lock = threading.RLock()
        self.project = project
        self.sites = [s for s in sites if s.production]
        python = frozenset(f for f in project.files if f.endswith(".py"))
        self.python = python
        self.modules = ModuleMap(python)
        self.facts: dict[str, dict[str, Any]] = {}
        self._callers: dict[tuple[str, str], list[tuple[str, str]]] | None = None
        self._load(sorted({s.path for s in self.sites}))
        self._load_callers()

    # loading ------------------------------------------------------------------------
    def _load(self, paths: list[str]) -> None:
        todo = [p for p in paths if p not in self.facts]
        for path, facts in self.project.facts(todo, QUERY, file_traffic).items():
            if facts is not None:
                self.facts[path] = facts

    def _load_callers(self) -> None:
        """Load the production files that may call the functions holding model calls,
        two levels up (matched by the function's name followed by ``(``)."""
        wanted = {s.function.rsplit(".", 1)[-1] for s in self.sites if s.function}
        if not wanted:
            return
        called = {path: set(names) for path, names in self.project.facts(
            sorted(self.python), CALLED_QUERY, called_names).items()}
        for _ in range(2):
            if not wanted:
                break
            found = []
            for path in sorted(self.python - set(self.facts)):
                if context_of(path, 0, []) == "production" and wanted & called.get(path, set()):
                    found.append(path)
                    if len(found) >= MAX_CALLER_FILES:
                        break
            self._load(found)
            previous = wanted
            wanted = {row[1].rsplit(".", 1)[-1] for path in found if path in self.facts
                      for row in self.facts[path]["calls"]
                      if row[1] and row[2].rsplit(".", 1)[-1] in previous}
            wanted = {w for w in wanted if not w.startswith("__")} - previous
        self._callers = None

    # resolution ---------------------------------------------------------------------
    def resolve(self, path: str, qual: str, label: str) -> tuple[str, str] | None:
        """The project function (path, qualname) a call labelled ``label`` in ``qual``
        invokes, when it can be told from names and imports."""
        facts = self.facts.get(path)
        if facts is None or "(" in label:
            return None
        parts = label.split(".")
        defs, imports = facts["defs"], facts["imports"]
        if len(parts) == 1:
            name = parts[0]
            if name in defs:
                return path, name
            imported = imports.get(name)
            if imported and imported[2]:
                return self._in_module(path, imported[0], imported[1], imported[2])
            return None
        if len(parts) == 2 and parts[0] in ("self", "cls") and "." in qual:
            method = f"{qual.rsplit('.', 1)[0]}.{parts[1]}"
            if method in defs:
                return path, method
        if len(parts) == 2 and parts[0] in imports:
            level, module, name = imports[parts[0]]
            target = self.modules.resolve(path, level, f"{module}.{name}" if name and module
                                          else name or module)
            if target is not None:
                self._load([target])
                if parts[1] in self.facts.get(target, {}).get("defs", {}):
                    return target, parts[1]
        return self._method(parts[-1]) if len(parts) >= 2 else None

    def _in_module(self, path: str, level: int, module: str, name: str
                   ) -> tuple[str, str] | None:
        target = self.modules.resolve(path, level, module)
        if target is None:
            return None
        self._load([target])
        if name in self.facts.get(target, {}).get("defs", {}):
            return target, name
        return None

    def _method(self, name: str) -> tuple[str, str] | None:
        """The one loaded method called ``name`` (None when there are none or several)."""
        found = [(path, qual) for path, facts in list(self.facts.items()) for qual, (_, cls, _p)
                 in facts["defs"].items() if cls and qual.rsplit(".", 1)[-1] == name]
        return found[0] if len(found) == 1 else None

    @_locked
    def callers(self, path: str, qual: str) -> list[tuple[str, str]]:
        """(path, call key) of the loaded calls that invoke function ``qual`` of ``path``."""
        if self._callers is None:
            index: dict[tuple[str, str], list[tuple[str, str]]] = {}
            for where, facts in list(self.facts.items()):
                for key, caller, label, _line, _names in facts["calls"]:
                    target = self.resolve(where, caller, label)
                    if target is not None:
                        index.setdefault(target, []).append((where, key))
            self._callers = index
        return self._callers.get((path, qual), [])

    # following results ----------------------------------------------------------------
    @_locked
    def result_sinks(self, site: CallSite) -> list[Sink]:
        """Where the result of ``site`` and its usage go (log, metric, store, ui, ...)."""
        return self._follow(site.path, f"{site.line}:{site.col}", False, 0, set())

    def _follow(self, path: str, root: str, usage: bool, depth: int,
                seen: set[tuple[str, str]]) -> list[Sink]:
        if (path, root) in seen or path not in self.facts:
            return []
        seen.add((path, root))
        facts = self.facts[path]
        out = []
        for kind, line, label, side, *arg in facts["roots"].get(root, []):
            side = "u" if usage else side
            if kind in ("log", "metric", "store", "ui", "attr", "read"):
                out.append(Sink(path, line, kind, label, side))
            elif depth >= MAX_DEPTH:
                continue
            elif kind == "return" and not root.startswith("p:"):
                qual = self._function_of(path, root)
                if qual is not None:
                    for caller, key in self.callers(path, qual):
                        out += self._follow(caller, key, side == "u", depth + 1, seen)
            elif kind == "call" and arg:
                qual = self._function_of(path, root)
                target = self.resolve(path, qual or "", label)
                param = self._param(target, arg[0]) if target else None
                if target and param:
                    out += self._follow(target[0], f"p:{target[1]}:{param}", side == "u",
                                        depth + 1, seen)
        return out

    @_locked
    def usage_sources(self) -> list[tuple[str, str, str]]:
        """(path, call key) of cost helpers in loaded files (``get_openai_callback()``,
        ``completion_cost(...)``): their results are usage wherever they go."""
        return [(path, row[0], row[2]) for path, facts in sorted(self.facts.items())
                for row in facts["calls"] if row[2].rsplit(".", 1)[-1] in COST_HELPERS]

    @_locked
    def usage_sinks(self, path: str, key: str) -> list[Sink]:
        return self._follow(path, key, True, 0, set())

    def _function_of(self, path: str, root: str) -> str | None:
        if root.startswith("p:"):
            return root[2:].rsplit(":", 1)[0]
        for key, qual, *_ in self.facts[path]["calls"]:
            if key == root:
                return str(qual)
        return None

    def _param(self, target: tuple[str, str], arg: Any) -> str | None:
        params = self.facts[target[0]]["defs"][target[1]][2]
        if isinstance(arg, int):
            return params[arg] if arg < len(params) else None
        return arg if arg in params else None

    # requests ------------------------------------------------------------------------
    @_locked
    def request_logs(self, site: CallSite) -> list[tuple[str, int, bool]]:
        """Log calls in the site's function that log what its request is built from:
        (path, line, carries an id)."""
        facts = self.facts.get(site.path)
        if facts is None:
            return []
        names = set(facts["req"].get(f"{site.line}:{site.col}", ()))
        qual = site.function or ""
        return [(site.path, line, has_id) for line, where, read, has_id in facts["logs"]
                if where == qual and names & set(read)]

    @_locked
    def log_has_id(self, path: str, line: int) -> bool:
        facts = self.facts.get(path)
        return facts is not None and any(row[0] == line and row[3] for row in facts["logs"])

    # guards --------------------------------------------------------------------------
    @_locked
    def guards(self) -> list[Guard]:
        """Handlers and loops that answer another way when a generation call fails."""
        reach = self._model_functions()
        keys = {(s.path, f"{s.line}:{s.col}") for s in self.sites if s.purpose == "generation"}
        found = []
        for path, facts in sorted(list(self.facts.items())):
            calls = {row[0]: row for row in facts["calls"]}
            for line, qual, body, handler, how in facts["tries"]:
                if not how:
                    continue
                for key in body:
                    row = calls.get(key)
                    target = self.resolve(path, qual, row[2]) if row else None
                    if (path, key) in keys or (target is not None and target in reach):
                        at = row[3] if row else line
                        if how.startswith("loop"):
                            found.append(Guard(path, line, f"tries the next one on failure "
                                               f"({how}), model call at line {at}"))
                        else:
                            found.append(Guard(path, handler, f"answers without the model "
                                               f"({how}) when the call at line {at} fails"))
                        break
        return found

    def _model_functions(self) -> set[tuple[str, str]]:
        """Functions that call a model for generation, directly or up to MAX_DEPTH calls
        down."""
        reach = {(s.path, s.function) for s in self.sites
                 if s.purpose == "generation" and s.function}
        frontier = set(reach)
        for _ in range(MAX_DEPTH):
            following = set()
            for path, qual in frontier:
                for caller, key in self.callers(path, qual):
                    function = self._function_of(caller, key)
                    if function and (caller, function) not in reach:
                        following.add((caller, function))
            reach |= following
            frontier = following
        return reach


def called_names(text: str) -> list[str]:
    """The names a file's text calls (``name(``): which files may call a function."""
    return sorted(set(_CALLED.findall(text)))


def traffic(project: Project, sites: tuple[CallSite, ...]) -> Traffic:
    """The shared traffic of a run's call sites (computed once per run)."""
    return project.shared("llmcalls.traffic", lambda p: Traffic(p, sites))
