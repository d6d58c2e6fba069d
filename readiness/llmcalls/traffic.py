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
import string
import threading
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from readiness.llmcalls.context import context_of
from readiness.llmcalls.modules import ModuleMap
from readiness.llmcalls.records import CallSite
from readiness.llmcalls.traffic_facts import (
    FLOW_KEYS,
    MAX_UNPACK,
    VERSION,
    file_calls,
    file_traffic,
    no_flow,
)
from readiness.project import Project

QUERY = f"llmcalls.traffic/{VERSION}"  # a module's facts with its data flow (``_flow``)
CALLS_QUERY = f"llmcalls.traffic-calls/{VERSION}"  # without: what every module loaded needs
CALLED_QUERY = "llmcalls.called/2"
# The regexes run over every Python file. A called name is the whole word just before a
# "(", starting with a letter or "_" (what ``\b([A-Za-z_]\w*)\(`` finds): it is found in
# the reversed text, where the "(" comes first and the engine skips from one to the next
# (a pattern that starts with ``\b`` is tried at every position: six times slower over the
# corpus). Then an indented def at a line start (a method).
_CALLED_REVERSED = re.compile(r"\((\w++)")
_NAME_START = frozenset(string.ascii_letters + "_")
# A method's definition: an indented ``def`` (``async def``) at a line's start. Found from
# the word, the line's start checked after (``defined_methods``): a search from each line's
# start tried some 900,000 lines of Home Assistant's Python, a search for the word skips to it.
_DEF = re.compile(r"def[ \t]+(\w+)")
_DEF_INDENT = re.compile(r"[ \t]+(?:async[ \t]+)?")
MAX_DEPTH = 3  # calls up from a model call to the functions that reach it
# Methods of the built-in types (``get``, ``append``, ``items``, ``format``, ``update``): a
# call of one on a value the analysis cannot place is not guessed to be a project method of
# the same name
BUILTIN_METHODS = frozenset(name for kind in (dict, list, str, set, frozenset, bytes, tuple,
                                              int, float)
                            for name in dir(kind) if not name.startswith("_"))
# a name that holds an id, not content: ``id``, ``conversation_id``, ``self.message_id``,
# ``threadId``
_AN_ID = re.compile(r"(?:^|[._])id$|_id$|[a-z]Id$")
MAX_IMPLEMENTATIONS = 8  # methods of one name followed as an interface's implementations
_DECORATOR_LINES = 12  # a route's decorator (and those under it) to its function's def
# Where a model call's result (or its token usage) ends up, as ``Sink.kind``: logged,
# exported as a metric, stored, shown to the user, kept in an attribute, read, written to a
# file, compared with a limit.
SINK_KINDS = ("log", "metric", "store", "ui", "attr", "read", "file", "cap")
MAX_FOLLOW = 6  # steps a result is followed (returned, passed, kept on self, read back)
MAX_CALLER_FILES = 400
MAX_TARGET_FILES = 150  # modules read to resolve the calls of the files read, beyond those
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
    with_id: bool = False  # a log that also reads the id of what it logs (``response.id``)


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
        self.facts: dict[str, dict[str, Any]] = {}  # without the data flow (``file_calls``)
        self.flows: dict[str, dict[str, Any]] = {}  # a module's FLOW_KEYS, once a flow reaches it
        self.methods: dict[str, list[str]] = {}  # method name -> files that define one
        self.loaded_methods: dict[str, list[tuple[str, str]]] = {}  # name -> (path, qual)
        self._defined_in: dict[str, frozenset[str]] = {}  # name -> its production definers
        self._unreadable: set[str] = set()
        self._qual_of: dict[str, dict[str, str]] = {}  # path -> call key -> its function
        self._callers: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._indexed: set[str] = set()  # files whose calls are in _callers
        self._read(sorted({s.path for s in self.sites}), flow=True)  # flows start there
        self._load_callers()
        self._load_gates()
        self._budget = len(self.facts) + MAX_TARGET_FILES

    # loading ------------------------------------------------------------------------
    def _load(self, paths: list[str]) -> bool:
        """Read the facts of ``paths`` not read yet; did any come in?"""
        return self._read(paths, flow=False)

    def _read(self, paths: list[str], *, flow: bool) -> bool:
        """``_load``, with the data flow when ``flow``: the call sites' own modules are read
        with it at once (``file_traffic``; every flow starts there), in one walk rather than
        a light one and, at the first question, a full one (skyvern's agent.py, changed on
        its own, was parsed twice)."""
        query, compute = (QUERY, file_traffic) if flow else (CALLS_QUERY, file_calls)
        todo = [p for p in paths if p not in self.facts and p not in self._unreadable]
        if not todo:
            return False
        self._unreadable.update(todo)
        added = False
        for path, facts in self.project.facts(todo, query, compute, costly=True).items():
            if facts is not None and flow:  # (a copy: the answer is kept)
                self.flows[path] = {key: facts[key] for key in FLOW_KEYS}
                facts = {key: value for key, value in facts.items() if key not in FLOW_KEYS}
            if facts is not None:
                self.facts[path] = facts
                self._unreadable.discard(path)
                added = True
                for qual, row in facts["defs"].items():
                    if row[1]:
                        self.loaded_methods.setdefault(qual.rsplit(".", 1)[-1], []).append(
                            (path, qual))
        return added

    def _load_gates(self) -> None:
        """Load the helpers a model call is handed to unawaited (graphiti's
        ``semaphore_gather(*[client.chat.completions.create(...) ...])``): a limiter held
        there while it awaits what it is handed gates the calls. Loaded now, before any
        check asks, so that what the analyses see does not depend on their order."""
        keys = self._generation_keys()
        for path in sorted({s.path for s in self.sites}):
            facts = self.facts.get(path) or {}
            handed = facts.get("argcalls", {})
            for key, where, label, _line, _names in facts["calls"] if handed else ():
                if any((path, nested) in keys for nested in handed.get(key, ())):
                    self.resolve(path, where, label, load=True)

    def _load_callers(self) -> None:
        """Load the production files that may call the functions holding model calls,
        two levels up (matched by the function's name followed by ``(``)."""
        wanted = {s.function.rsplit(".", 1)[-1] for s in self.sites if s.function}
        if not wanted:
            return
        names = self._names()  # read once here: decoding every file's names is not free
        for path, (_called, defined) in names.items():
            for name in defined:
                self.methods.setdefault(name, []).append(path)
        called = {path: set(found[0]) for path, found in names.items()}
        del names
        searched = sorted(self.facts)  # the files of the model calls
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
            # the next level: the functions that call these, in the files just loaded and
            # in those loaded before (a wrapper beside the model call, in its own module)
            wanted = {row[1].rsplit(".", 1)[-1] for path in [*searched, *found]
                      if path in self.facts for row in self.facts[path]["calls"]
                      if row[1] and row[2].rsplit(".", 1)[-1] in previous}
            searched = found
            wanted = {w for w in wanted if not w.startswith("__")} - previous

    def _names(self) -> dict[str, list[list[str]]]:
        return self.project.facts(python_files(self.project), CALLED_QUERY, called_names)

    # resolution ---------------------------------------------------------------------
    def resolve(self, path: str, qual: str, label: str, *, load: bool = True
                ) -> tuple[str, str] | None:
        """The project function (path, qualname) a call labelled ``label`` in ``qual``
        invokes, when it can be told from names and imports (``load``: read the facts of
        the module it is imported from, else only look among the files read already)."""
        facts = self.facts.get(path)
        if facts is None or "(" in label:
            return None
        parts = label.split(".")
        local = _local(facts["defs"], qual, parts)
        if local is not None:
            return path, local
        imported = self._imported(path, facts["imports"], parts)
        if imported is not None:
            target, name = imported
            if load:
                self._load([target])
            if name in self.facts.get(target, {}).get("defs", {}):
                return target, name
        return self._method(parts[-1]) if len(parts) >= 2 and \
            parts[-1] not in BUILTIN_METHODS else None

    def _imported(self, path: str, imports: dict[str, Any], parts: list[str]
                  ) -> tuple[str, str] | None:
        """(module file, function name) of the imported function a call names
        (``name(...)`` imported from a module, ``module.name(...)``), when the file's
        imports tell which module it is."""
        if len(parts) == 1:
            imported = imports.get(parts[0])
            if not imported or not imported[2]:
                return None
            target = self.modules.resolve(path, imported[0], imported[1])
            return None if target is None else (target, imported[2])
        if len(parts) == 2 and parts[0] in imports:
            level, module, name = imports[parts[0]]
            target = self.modules.resolve(path, level, f"{module}.{name}" if name and module
                                          else name or module)
            if target is not None:
                return target, parts[1]
        return None

    def _method(self, name: str) -> tuple[str, str] | None:
        """The one method called ``name`` of the one production file that defines that name,
        when it is loaded (None when there are none or several)."""
        files = self._definers(name)
        if len(files) != 1:
            return None
        found = [m for m in self.loaded_methods.get(name, []) if m[0] in files]
        return found[0] if len(found) == 1 else None

    @_locked
    def callers(self, path: str, qual: str) -> list[tuple[str, str]]:
        """(path, call key) of the loaded calls that invoke function ``qual`` of ``path``."""
        while len(self._indexed) < len(self.facts):  # files loaded since: index their calls
            batch = [p for p in list(self.facts) if p not in self._indexed]
            self._prefetch(batch)
            for where in batch:
                self._indexed.add(where)
                # the modules these calls name are read too, and indexed in turn, up to a
                # budget: past it only modules read already are looked in (Home Assistant's
                # callers import 1,200 modules; open-interpreter's usage crosses six)
                load = len(self.facts) < self._budget
                for key, caller, label, _line, _names in self.facts[where]["calls"]:
                    target = self.resolve(where, caller, label, load=load)
                    for each in [target] if target is not None else self._implementations(
                            label):
                        self._callers.setdefault(each, []).append((where, key))
        return self._callers.get((path, qual), [])

    def _implementations(self, label: str) -> list[tuple[str, str]]:
        """The methods a call ``x.name(...)`` on an object of unknown class may run, when
        the loaded methods called ``name`` implement one project interface: every other
        class defining it lists the class of one of them among its bases (pr-agent's
        ``self.ai_handler.chat_completion(...)``: ``BaseAiHandler`` and its three
        handlers). Else none: a name shared by unrelated classes says nothing."""
        parts = label.split(".")
        found = self.loaded_methods.get(parts[-1], []) if len(parts) >= 2 else []
        if not 2 <= len(found) <= MAX_IMPLEMENTATIONS:
            return []
        classes = {qual.rsplit(".", 1)[0] for _path, qual in found}
        bases = {cls: {b.rsplit(".", 1)[-1] for b in self.facts[path].get("bases", {}).get(
            cls, [])} for path, qual in found for cls in [qual.rsplit(".", 1)[0]]}
        for interface in sorted(classes):
            short = interface.rsplit(".", 1)[-1]
            if all(short in bases.get(cls, set()) for cls in classes - {interface}):
                return sorted(found)
        return []

    def _prefetch(self, batch: list[str]) -> None:
        """Have the workers compute at once the facts of the modules that indexing the calls
        of ``batch`` will read one at a time (Home Assistant: 150 modules, a parse each).
        Only the store learns them (``Project.prefetch``): the files are still read into the
        analysis one by one, in the same order and up to the same budget, so what it finds
        is unchanged."""
        count, seen, wanted = len(self.facts), set(self.facts) | self._unreadable, []
        for where in batch:
            if count >= self._budget:
                break
            facts = self.facts[where]
            for _key, caller, label, _line, _names in facts["calls"]:
                parts = label.split(".")
                if "(" in label or _local(facts["defs"], caller, parts) is not None:
                    continue
                imported = self._imported(where, facts["imports"], parts)
                if imported is not None and imported[0] not in seen:
                    seen.add(imported[0])
                    wanted.append(imported[0])
                    count += 1
        self.project.prefetch(wanted, CALLS_QUERY, file_calls)

    def _flow(self, path: str) -> dict[str, Any]:
        """The data-flow facts (``FLOW_KEYS``) of a loaded module, read when a flow first
        reaches it: of the modules loaded for what calls what, few are (Home Assistant: 3
        of 163), and following values costs half a module's walk. Loading them adds no
        module to the analysis: what the checks see does not depend on their order."""
        found = self.flows.get(path)
        if found is None:
            facts = self.project.facts([path], QUERY, file_traffic, costly=True).get(path)
            found = self.flows[path] = {key: facts[key] for key in FLOW_KEYS} if facts else \
                no_flow()
        return found

    @_locked
    def roots(self, path: str) -> dict[str, list[Any]]:
        """Where each value of a loaded module goes (``traffic_facts``: its roots' sinks)."""
        roots: dict[str, list[Any]] = self._flow(path)["roots"]
        return roots

    # following results ----------------------------------------------------------------
    @_locked
    def result_sinks(self, site: CallSite) -> list[Sink]:
        """Where the result of ``site`` and its usage go (log, metric, store, ui, ...)."""
        return self._follow(site.path, f"{site.line}:{site.col}", False, 0, set())

    @_locked
    def writes(self, site: CallSite) -> list[Sink]:
        """The method calls on objects (``zendesk.tickets.update(id, comment=draft)``) that
        the result of ``site`` reaches, here or in the functions it is followed into: where
        the model's output is written outside the code (kind ``call``)."""
        return [s for s in self._follow(site.path, f"{site.line}:{site.col}", False, 0, set(),
                                        external=True) if s.kind == "call"]

    @_locked
    def files_calling(self, names: set[str]) -> list[str]:
        """Python files that call any of ``names`` (``Name(``), from the names every file
        calls (read once for the callers of model calls)."""
        return sorted(path for path, (called, _defined) in self._names().items()
                      if not names.isdisjoint(called))

    @_locked
    def load(self, paths: list[str]) -> None:
        """Read the facts of more files (a job that may read back what the model wrote)."""
        self._load(paths)

    def _follow(self, path: str, root: str, usage: bool, depth: int,
                seen: set[tuple[str, str, bool]], *, external: bool = False) -> list[Sink]:
        if (path, root, usage) in seen or path not in self.facts:
            return []
        seen.add((path, root, usage))
        out = []
        carried = root.partition("#")[2]  # following one element of a call's result
        for kind, line, label, side, *arg in sinks_of(self._flow(path)["roots"], root):
            side = "u" if usage else side
            if kind in SINK_KINDS:
                out.append(Sink(path, line, kind, label, side,
                                kind == "log" and arg[:1] == ["id"]))
                if kind == "attr" and arg and arg[0] and depth < MAX_FOLLOW:
                    attribute = f"a:{arg[0]}.{label.split('.', 1)[1]}"
                    out += self._follow(path, attribute, side == "u", depth + 1, seen,
                                        external=external)
            elif depth >= MAX_FOLLOW:
                continue
            elif kind == "return" and not root.startswith("p:"):
                qual = self._function_of(path, root)
                if qual is not None:
                    for caller, key in self.callers(path, qual):
                        # one element of a returned tuple goes where the caller unpacked
                        # it; so does the element followed here, returned with the rest
                        # (``return answer(...)``: the same positions)
                        position = str(arg[0]) if arg else carried  # "": the whole result
                        part = f"{key}#{position}" if position else key
                        out += self._follow(caller, part, side == "u", depth + 1, seen,
                                            external=external)
            elif kind == "call" and arg:
                qual = self._function_of(path, root)
                if external and "." in label:
                    out.append(Sink(path, line, "call", f"{qual or ''}|{label}", side))
                for target in self._targets(path, qual or "", label):
                    param = self._param(target, arg[0])
                    if param:
                        out += self._follow(target[0], f"p:{target[1]}:{param}", side == "u",
                                            depth + 1, seen, external=external)
        return out

    @_locked
    def usage_sources(self) -> list[tuple[str, str, str]]:
        """(path, call key, label) of cost helpers in loaded files (``get_openai_callback()``,
        ``completion_cost(...)``): their results are usage wherever they go."""
        return self._usage_sources()

    def _usage_sources(self) -> list[tuple[str, str, str]]:
        return [(path, row[0], row[2]) for path, facts in sorted(self.facts.items())
                for row in facts["calls"] if row[2].rsplit(".", 1)[-1] in COST_HELPERS]

    @_locked
    def usage_sinks(self, path: str, key: str) -> list[Sink]:
        return self._follow(path, key, True, 0, set())

    def _targets(self, path: str, qual: str, label: str) -> list[tuple[str, str]]:
        """The functions a call may invoke: the one resolved, else the methods of that
        name (at most three) other than the caller itself, unless a built-in type has a
        method of that name: ``new_items[-1].get("role")`` on a list of dicts is not
        magentic-ui's ``DatabaseManager.get`` (which logs what it is handed)."""
        name = label.rsplit(".", 1)[-1]
        guess = "." in label and "(" not in label and name not in BUILTIN_METHODS
        files = self._definers(name) if guess else frozenset()
        if guess and len(files) <= 3:  # a method: load where it may be defined first
            self._load(sorted(files))
        target = self.resolve(path, qual, label)
        if target is not None:
            return [target]
        if not guess or len(files) > 3:
            return []
        # only the methods of the files that define the name, all loaded above: what other
        # analyses happened to load before (in another check's thread) changes nothing
        found = [(where, q) for where, q in self.loaded_methods.get(name, [])
                 if where in files and (where, q) != (path, qual)]
        return found if len(found) <= 3 else []

    def _definers(self, name: str) -> frozenset[str]:
        """The production files that define a function or method called ``name`` (read from
        every file's names, so the same whatever has been loaded so far)."""
        found = self._defined_in.get(name)
        if found is None:
            found = self._defined_in[name] = frozenset(
                f for f in self.methods.get(name, ()) if context_of(f, 0, []) == "production")
        return found

    def _function_of(self, path: str, root: str) -> str | None:
        if root.startswith("a:"):
            return None
        if root.startswith("p:"):
            return root[2:].rsplit(":", 1)[0]
        root = root.partition("#")[0]  # a call's unpacked element: the call's function
        quals = self._qual_of.get(path)
        if quals is None:  # once per module: a lookup per call key was a scan of its calls
            quals = self._qual_of[path] = {}
            for key, qual, *_ in self.facts[path]["calls"]:
                quals.setdefault(key, str(qual))  # the first call with the key, as before
        return quals.get(root)

    def _param(self, target: tuple[str, str], arg: Any) -> str | None:
        """The parameter of ``target`` an argument (position or keyword) lands in."""
        _line, _cls, params, varargs, kwargs = self.facts[target[0]]["defs"][target[1]]
        if arg == "*":
            return str(varargs) if varargs else None
        if arg == "**":
            return str(kwargs) if kwargs else None
        if isinstance(arg, int):
            return str(params[arg]) if arg < len(params) else (str(varargs) if varargs
                                                               else None)
        return str(arg) if arg in params else (str(kwargs) if kwargs else None)

    # requests ------------------------------------------------------------------------
    @_locked
    def request_logs(self, site: CallSite) -> list[tuple[str, int, bool]]:
        """Log calls in the site's function that log what its request is built from:
        (path, line, carries an id)."""
        facts = self.facts.get(site.path)
        if facts is None:
            return []
        names = set(self._flow(site.path)["req"].get(f"{site.line}:{site.col}", ()))
        qual = site.function or ""
        found = self._logs_reading(site.path, qual, names)
        params = set(facts["defs"][qual][2]) if qual in facts["defs"] else set()
        if not found and names & params:  # the request comes in: is it logged by callers?
            for caller, key in self.callers(site.path, qual):
                function = self._function_of(caller, key)
                found += self._logs_reading(caller, function or "",
                                            set(self._flow(caller)["req"].get(key, ())))
        return found

    def _logs_reading(self, path: str, qual: str, names: set[str]
                      ) -> list[tuple[str, int, bool]]:
        """Log calls (and appends to a log file) of function ``qual`` that read ``names``,
        other than the ids among them: PentestGPT's ``logger.info(f"conversation_id: {...}")``
        names the conversation a message goes to, not the message."""
        facts = self.facts[path]
        names = {name for name in names if not _AN_ID.search(name)}
        # a request's log holds an id by name (request_id=, trace_id): no response id yet
        found = [(path, line, named_id) for line, where, read, named_id in
                 self._flow(path)["logs"]
                 if where == qual and names & set(read)]
        for _key, where, label, line, read in facts["calls"]:
            if where == qual and names & set(read) and not found:
                for target in self._targets(path, qual, label):
                    param_roots = [f"p:{target[1]}:{p}" for p in
                                   self.facts[target[0]]["defs"][target[1]][2]]
                    roots = self._flow(target[0])["roots"]
                    if any(sink[0] == "log" for r in param_roots for sink in roots.get(r, [])):
                        found.append((path, line, False))
        return found

    @_locked
    def log_has_id(self, path: str, line: int) -> bool:
        """Does the log call at ``line`` hold an id by name (``request_id=``, a trace id)?
        A plain ``x.id`` counts on the sink of what x holds (``Sink.with_id``)."""
        return path in self.facts and any(row[0] == line and row[3]
                                          for row in self._flow(path)["logs"])

    # limits ---------------------------------------------------------------------------
    @_locked
    def limiters(self) -> list[Guard]:
        """Home-made limiters (see ``traffic_facts._limiter``) that a model call goes
        through: called from a function that reaches a model, or from a file that calls
        one. The modules the calling files import are read for them too."""
        for path in sorted({s.path for s in self.sites}):
            facts = self.facts.get(path)
            if facts is None:
                continue
            targets = {self.modules.resolve(path, level, ".".join(p for p in (module, name) if p))
                       or self.modules.resolve(path, level, module)
                       for level, module, name in facts["imports"].values()}
            self._load(sorted(t for t in targets if t))
        reach = self._model_functions()
        site_files = {s.path for s in self.sites}
        found = []
        for path, facts in sorted(list(self.facts.items())):
            for line, qual, how in facts.get("limiters", []):
                owner = qual.rsplit(".", 1)[0] if "." in qual else None
                users = [(caller, self._function_of(caller, key))
                         for q in [qual] + ([f"{owner}.__init__"] if owner else [])
                         for caller, key in self.callers(path, q)]
                if path in site_files or any(caller in site_files or (caller, function) in reach
                                             for caller, function in users):
                    found.append(Guard(path, line, f"{qual}() {how}"))
        return found

    @_locked
    def caps(self) -> list[Sink]:
        """Comparisons of a model call's usage or cost that stop or delay work."""
        sinks = [s for site in self.sites for s in self._follow(
            site.path, f"{site.line}:{site.col}", False, 0, set())]
        sinks += [s for path, key, _ in self._usage_sources() for s in self._follow(
            path, key, True, 0, set())]
        caps = sorted({s for s in sinks if s.kind == "cap" and s.side == "u"})
        ending = [s for s in caps if str(s.line) in self._flow(s.path)["stops"]]
        if not ending:
            return caps
        reach = self._model_functions()
        keys = self._generation_keys()
        idle = {s for s in ending if not self._spends(s.path, reach, keys,
                                                      self._flow(s.path)["stops"][str(s.line)])}
        return [s for s in caps if s not in idle]

    def _generation_keys(self) -> set[tuple[str, str]]:
        """(path, call key) of every generation call site."""
        return {(s.path, f"{s.line}:{s.col}") for s in self.sites if s.purpose == "generation"}

    def _spends(self, path: str, reach: set[tuple[str, str]], keys: set[tuple[str, str]],
                called: list[str], *, load: bool = True) -> bool:
        """Is one of the calls ``called`` (keys in ``path``) a generation call, or does it
        invoke a function that makes one (``load``: as ``resolve``'s)?"""
        rows = {row[0]: row for row in self.facts[path]["calls"]}
        for key in called:
            if (path, key) in keys:
                return True
            row = rows.get(key)
            if row is not None and self.resolve(path, row[1], row[2], load=load) in reach:
                return True
        return False

    @_locked
    def held_while_spending(self, path: str, name: str) -> bool | None:
        """Is a generation call made while ``name`` (a semaphore or lock, by its last name)
        is held in ``path``: does a ``with name:`` block there make one, call a function
        that does, or hand one to another to call? None when the file is not one the
        analysis has read (those of the model calls, their callers and what they import:
        reading more here would change what the checks that run later see) or holds
        ``name`` in no ``with`` block (it may acquire and release it by hand)."""
        facts = self.facts.get(path)  # not loaded here: what other analyses see stays put
        blocks = [b for b in facts["holds"] if b[2].rsplit(".", 1)[-1] == name] if facts else []
        if not blocks:
            return None
        reach = self._model_functions()
        keys = self._generation_keys()
        return any(self._block_spends(path, block, reach, keys) for block in blocks)

    def _block_spends(self, path: str, block: list[Any], reach: set[tuple[str, str]],
                      keys: set[tuple[str, str]]) -> bool:
        """Does a ``with`` block of ``path`` (a ``holds`` row) make a generation call, call
        a function that does, or hand one to another to call? Only functions of files read
        already are resolved: judging a block reads no module."""
        _line, qual, _held, called, handed, *rest = block
        return self._spends(path, reach, keys, called, load=False) or any(
            self.resolve(path, qual, label, load=False) in reach for label in handed) or (
            bool(rest and rest[0]) and self._gates_spending(path, qual, reach, keys))

    def _gates_spending(self, path: str, qual: str, reach: set[tuple[str, str]],
                        keys: set[tuple[str, str]]) -> bool:
        """A block that awaits a parameter of its function gates what the callers of the
        helper hand it (graphiti's ``semaphore_gather(*coroutines)``, whose inner
        ``_wrap_coroutine(coroutine)`` does ``async with semaphore: return await
        coroutine``): does a caller of the outermost function the block is in hand it a
        generation call, or a call of a function that makes one?"""
        defs = self.facts[path]["defs"]
        parts = qual.split(".")
        helper = next((".".join(parts[:n]) for n in range(1, len(parts) + 1)
                       if ".".join(parts[:n]) in defs), qual)
        for caller, facts in list(self.facts.items()):  # the files read already: no more
            handed = facts.get("argcalls", {})
            for key, where, label, _line, _names in facts["calls"] if handed else ():
                nested = handed.get(key)
                if nested and self.resolve(caller, where, label, load=False) == (path, helper) \
                        and self._spends(caller, reach, keys, nested, load=False):
                    return True
        return False

    @_locked
    def breaker_guards(self, name: str) -> bool | None:
        """Does the circuit breaker ``name`` (its last name: ``openai_breaker``, ``circuit``)
        wrap a generation call: a function it decorates, a function handed to its
        ``.call(``/``.call_async(``, or a ``with name:`` block reaches one? Its uses are looked
        for in the files the analysis has read (every function that reaches a model call is
        in one); None when none of them uses it."""
        reach = self._model_functions()
        keys = self._generation_keys()
        uses: list[bool] = []
        for path, facts in sorted(list(self.facts.items())):
            for qual, decorators in facts.get("decorated", {}).items():
                if any(d.rsplit(".", 1)[-1] == name for d in decorators):
                    uses.append((path, qual) in reach)
            for _line, qual, runner, handed in facts.get("hands", []):
                if runner.rsplit(".", 1)[-1] == name:
                    uses.append(self.resolve(path, qual, handed, load=False) in reach)
            for block in facts["holds"]:
                if block[2].rsplit(".", 1)[-1] == name:
                    uses.append(self._block_spends(path, block, reach, keys))
        return any(uses) if uses else None

    @_locked
    def decorated_reaches(self, path: str, line: int) -> bool | None:
        """Does the function defined at or just below ``line`` of ``path`` (a decorator's
        line: a route's, ``@traceable``) reach a generation call, up to MAX_DEPTH calls
        down? None when the analysis has not read the file or no function is defined
        there (every function that reaches a model call within that depth is in a file it
        has read: None is "not seen to", a function deeper up the calls may still)."""
        function = self.decorated_function(path, line)
        return (path, function) in self._model_functions() if function else None

    @_locked
    def made_under(self, functions: set[tuple[str, str]]) -> bool:
        """Is every generation call made in one of ``functions`` (path, qualname), or in a
        function they call, up to MAX_DEPTH calls down?"""
        for site in self.sites:
            if site.purpose != "generation":
                continue
            if not site.function or not self._up_the_callers(
                    {(site.path, site.function)}) & functions:
                return False
        return True

    def decorated_function(self, path: str, line: int) -> str | None:
        """The qualified name of the function defined at or just below ``line`` of ``path``
        (a decorator's line), if the analysis has read the file and one is there."""
        facts = self.facts.get(path)
        if facts is None:
            return None
        below = [(first, qual) for qual, (first, *_rest) in facts["defs"].items()
                 if line <= first <= line + _DECORATOR_LINES]
        return min(below)[1] if below else None

    # guards --------------------------------------------------------------------------
    @_locked
    def guards(self) -> list[Guard]:
        """Handlers and loops that answer another way when a generation call fails."""
        reach = self._model_functions()
        keys = self._generation_keys()
        found: list[Guard] = []
        for path, facts in sorted(list(self.facts.items())):
            calls = {row[0]: row for row in facts["calls"]}
            for line, qual, body, handler, how, again in facts["tries"]:
                if not how or any(self._call_reaches(path, qual, calls.get(key), key, reach,
                                                     keys) for key in again):
                    continue  # the handler asks the model again the same way: a retry
                for key in body:
                    row = calls.get(key)
                    if self._call_reaches(path, qual, row, key, reach, keys):
                        at = row[3] if row else line
                        if how.startswith("loop"):
                            found.append(Guard(path, line, f"tries the next one on failure "
                                               f"({how}), model call at line {at}"))
                        else:
                            found.append(Guard(path, handler, f"answers without the model "
                                               f"({how}) when the call at line {at} fails"))
                        break
        return sorted(set(found))

    def _call_reaches(self, path: str, qual: str, row: list[Any] | None, key: str,
                      reach: set[tuple[str, str]], keys: set[tuple[str, str]]) -> bool:
        """Does the call ``key`` of ``qual`` (its facts row, if any) make a generation call
        or call a function that reaches one?"""
        if (path, key) in keys:
            return True
        if row is None:
            return False
        target = self.resolve(path, qual, row[2])
        if target is not None:
            return target in reach
        return any(t in reach for t in self._implementations(row[2])) or \
            self._handed_in(path, qual, row[2], reach)

    def _handed_in(self, path: str, qual: str, label: str, reach: set[tuple[str, str]]
                   ) -> bool:
        """Is ``label`` a parameter of ``qual`` that a caller fills with a function reaching
        a generation call? pr-agent's ``retry_with_fallback_models(f)`` tries ``f(model)``
        for each model; its callers hand it ``self._prepare_prediction``. (Any function
        the caller's call names counts: which argument fills the parameter is not kept.)"""
        row = self.facts[path]["defs"].get(qual)
        if row is None or "." in label or label not in row[2]:
            return False
        for where, key in self.callers(path, qual):
            for call_key, caller, _label, _line, names in self.facts[where]["calls"]:
                if call_key == key and any(
                        self.resolve(where, caller, name, load=False) in reach
                        for name in names):
                    return True
        return False

    def _model_functions(self) -> set[tuple[str, str]]:
        """Functions that call a model for generation, directly or up to MAX_DEPTH calls
        down."""
        return self._up_the_callers({(s.path, s.function) for s in self.sites
                                     if s.purpose == "generation" and s.function})

    def _up_the_callers(self, functions: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """``functions`` and the functions that call them, up to MAX_DEPTH calls up."""
        reach = set(functions)
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


def sinks_of(roots: dict[str, list[Any]], root: str) -> list[Any]:
    """The sinks of ``root``. A call's own root includes those of the elements its result
    was unpacked into (``<key>#<position>``: everything its result reached); one element's
    root includes the call's own (what the caller did with the whole result)."""
    found = list(roots.get(root, []))
    base, _, at = root.partition("#")
    if at:
        return found + roots.get(base, [])
    if root.startswith(("p:", "a:")):
        return found
    for position in range(MAX_UNPACK):
        found += roots.get(f"{root}#{position}", [])
    return found


def _local(defs: dict[str, Any], qual: str, parts: list[str]) -> str | None:
    """The function of the file itself that a call in ``qual`` names (``name(...)``, or
    ``self.name(...)`` in a method of the same class)."""
    if len(parts) == 1:
        return parts[0] if parts[0] in defs else None
    if len(parts) == 2 and parts[0] in ("self", "cls") and "." in qual:
        method = f"{qual.rsplit('.', 1)[0]}.{parts[1]}"
        return method if method in defs else None
    return None


def called_names(text: str) -> list[list[str]]:
    """The names a file's text calls (``name(``) and the methods it defines: which files
    may call a function, and where a method called by name may be."""
    called = {word[::-1] for word in set(_CALLED_REVERSED.findall(text[::-1]))
              if word[-1] in _NAME_START}
    return [sorted(called), sorted(set(defined_methods(text)))]


def defined_methods(text: str) -> list[str]:
    """The names of the indented ``def`` and ``async def`` lines of ``text``, in order: the
    matches of ``^[ \\t]+(?:async[ \\t]+)?def[ \\t]+(\\w+)`` under ``re.M``."""
    found = []
    for match in _DEF.finditer(text):
        at = match.start()
        if _DEF_INDENT.fullmatch(text, text.rfind("\n", 0, at) + 1, at):
            found.append(match.group(1))
    return found


def python_files(project: Project) -> list[str]:
    """Every Python file, in path order: the files whose called names are read."""
    return [rel for rel in project.files if rel.endswith(".py")]


def names_later(project: Project) -> None:
    """Have the worker processes read the names every Python file calls in their idle
    moments: the traffic analysis asks for them all once the call sites are known, late in
    a cold run, when the workers are busiest (Home Assistant: 6,725 files)."""
    if project.sends_later:  # else there is nothing to send, and no list to make
        project.facts_later(python_files(project), CALLED_QUERY, called_names)


def traffic(project: Project, sites: tuple[CallSite, ...]) -> Traffic:
    """The shared traffic of a run's call sites (computed once per run)."""
    return project.shared("llmcalls.traffic", lambda p: Traffic(p, sites))
