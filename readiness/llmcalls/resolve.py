"""Cross-module resolution: evaluate the terms of every analysed file into values.

Imports are resolved to project modules where the file exists (nearest ancestor folder
first, then the root and ``src/``; never for well-known external packages), globals,
classes, instances, methods and factory functions are followed to the client objects they
hold or return. Evaluation is memoised per global and bounded in depth, so cycles and
pathological code end in "unknown", not a hang.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from dataclasses import replace

from readiness.llmcalls import classes, clients
from readiness.llmcalls.facts import ANY_KEY, CallFact, ClassFact, DefFact, FileFacts
from readiness.llmcalls.lookup import find_key
from readiness.llmcalls.modules import ModuleMap
from readiness.llmcalls.scope import Expr
from readiness.llmcalls.sdk import PROVIDER_ROOTS, constructor_family
from readiness.llmcalls.stores import Stores
from readiness.llmcalls.values import (
    UNKNOWN,
    URL_KEEPING,
    Bound,
    Client,
    Ext,
    Func,
    Instance,
    Klass,
    Lambda,
    Lit,
    Module,
    Partial,
    Term,
    Text,
    Value,
    best,
    string_of,
)

MAX_DEPTH = 40
MAX_PARAM_DEPTH = 3
# Values a cycle or the caller-depth limit (MAX_PARAM_DEPTH) cut short are evaluated again
# where met again (another use may reach them by a shorter way), up to this many in a run;
# past it they are kept like any other (a module whose names all refer to each other
# would otherwise take exponential time)
MAX_UNKEPT = 20_000
MAX_STAR_DEPTH = 8  # star imports of star imports followed (``agent/__init__.py``'s ``*``)
# Subclasses looked at for a base class's attribute or a method's overrides: the scanned code
# decides how many there are, and every ``self.method()`` of the base would visit them all.
MAX_SUBCLASSES = 50

class Program:
    """All analysed files of a project, and the evaluator over their terms."""

    def __init__(self, facts: dict[str, FileFacts], modules: ModuleMap) -> None:
        self.facts = facts
        self.modules = modules
        self._globals: dict[tuple[str, str], Value] = {}
        self._busy: set[tuple[str, str]] = set()
        self._memo: dict[tuple[str, int], tuple[Expr, Value]] = {}
        self._evaluating: set[tuple[str, int]] = set()
        self._stars: dict[tuple[str, str], Value | None] = {}  # (module, name) -> star-imported
        self._cycles = 0  # terms met again while being evaluated (each one unknown there)
        self._unkept = 0  # values not memoised because their evaluation was cut short
        # filled by build_invocations(): who calls each project function
        self.invocations: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
        self.module_clients: dict[str, Client] = {}
        self.bind_params = False
        self._param_depth = 0
        self._model_bases: dict[Klass, tuple[str, str | None] | None] = {}
        self._subclasses: dict[Klass, list[Klass]] | None = None  # project classes' subclasses
        self._stores: Stores | None = None
        # per file: function -> the index of its first call of one of its own parameters
        self._param_calls: dict[str, dict[str, int]] = {}

    def release(self) -> None:
        """Empty the program's tables once its call sites are judged. Their values refer
        back to them (and the stores to the program), in cycles that only a garbage
        collection would find: emptied, they are freed at once (Home Assistant: 75,000
        objects that the collection after the index no longer has to find)."""
        for table in (self._globals, self._memo, self.invocations, self.module_clients,
                      self._model_bases, self._busy, self._evaluating, self._param_calls,
                      self._stars):
            table.clear()
        self._subclasses = None
        self._stores = None

    def module_path(self, importer: str, level: int, module: str) -> str | None:
        """The project file a (possibly relative) import names, or None if external."""
        return self.modules.resolve(importer, level, module)

    def _submodule(self, package: str, name: str) -> Value:
        target = self.modules.submodule(package, name)
        return Module(target) if target else UNKNOWN

    # evaluation -------------------------------------------------------------------------

    def eval(self, path: str, term: Expr, depth: int = 0) -> Value:
        """The value of ``term`` written in the module at ``path``.

        A term means the same wherever it is evaluated (names were resolved when it was
        made), so each is evaluated once: without that, code whose attributes and returns
        refer to each other takes exponential time. A term met again while it is being
        evaluated (a cycle) is unknown.
        """
        if depth > MAX_DEPTH or not term:
            return UNKNOWN
        if term[0] == "lit":
            return Lit(term[1])
        key = (path, id(term))
        entry = self._memo.get(key)
        if entry is not None and entry[0] is term:
            return entry[1]
        if key in self._evaluating:
            self._cycles += 1
            return UNKNOWN
        self._evaluating.add(key)
        cycles = self._cycles
        try:
            value = self._evaluate(path, term, depth)
        finally:
            self._evaluating.discard(key)
        if self._cycles == cycles or isinstance(value, Client) or self._unkept > MAX_UNKEPT:
            self._memo[key] = (term, value)  # the term is kept so that its id is not reused
        else:
            self._unkept += 1
        return value

    def _evaluate(self, path: str, term: Expr, depth: int) -> Value:
        d = depth + 1
        tag = term[0]
        if tag == "lit":
            return Lit(term[1])
        if tag == "attr":
            return self.attribute(self.eval(path, term[1], d), term[2], d)
        if tag == "call":
            return self.call(path, term, d)
        if tag == "g":
            return self.global_value(path, term[1], d)
        if tag == "imp":
            return self.import_value(path, term[1], term[2], term[3], d)
        if tag == "mod":
            target = self.module_path(path, 0, term[1])
            return Module(target) if target else Ext(term[1])
        if tag == "b":
            return self._star_imported(path, term[1], d) or Ext(f"builtins.{term[1]}")
        if tag == "def":
            return Func(path, term[1])
        if tag == "class":
            return Klass(path, term[1])
        if tag == "self":
            return Instance(Klass(path, term[1]))
        if tag == "cls":
            return Klass(path, term[1])
        if tag == "p":
            return self.param_value(path, term, d)
        if tag in ("dict", "list"):
            return Term(path, term)
        if tag == "elem":
            return self.element(path, term[1], term[2], d)
        if tag == "sub":
            if term[1][0] == "p":  # node_config["llm_model"]: what the callers' dicts hold
                passed = self.param_item(path, term[1], term[2], d)
                if passed is not None:
                    return passed
            found = self.subscript(self.eval(path, term[1], d), self.eval(path, term[2], d), d)
            container = _container(term[1]) if found is UNKNOWN else None
            if container is not None:  # an item set elsewhere: clients[p], hass.data[D][id]
                return self.stored(container + "[]", d) or UNKNOWN
            return found
        if tag in ("str", "add"):
            parts = term[1] if tag == "str" else term[1:]
            texts = [string_of(self.eval(path, part, d)) for part in parts]
            if tag == "add" and any(t is None for t in texts):
                return UNKNOWN
            return Text("".join("\0" if t is None else t for t in texts))
        if tag == "alt":
            options = term[1]
            if len(options) > 1 and options[0][0] == "p" and self.never_passed(path, options[0]):
                # ``ocr_mm_llm or OpenAIMultiModal(...)`` where no call passes ocr_mm_llm: what
                # is built here, not a model its annotation says could be passed in (lavague)
                options = options[1:]
            return best([self.eval(path, option, d) for option in options])
        if tag == "super":  # super().name in a method of class term[1]: a base class's
            for klass, fact in list(self.mro(Klass(path, term[1]), d))[1:]:
                if term[2] in fact.methods or term[2] in fact.attrs:
                    return self._own_attribute(klass, term[2], d, True)
            return UNKNOWN
        if tag == "fld":  # a field: what a constructor call passes for it, else its value
            passed = self.field_value(path, term, d)
            return passed if passed is not None else self.eval(path, term[4], d)
        if tag == "typed":  # self.llm: BaseLLM = registry[name](**params)
            value = self.eval(path, term[1], d)
            if value is UNKNOWN or isinstance(value, Ext):  # not known to be a model
                typed = self._annotated_model(path, term[2], "." + str(term[3]), d)
                return typed if isinstance(typed, Client) else value
            return value
        if tag == "or":
            return clients.pipe(self._runnable(path, term[1], d), self._runnable(path, term[2], d))
        if tag == "lam":
            return Lambda(path, term[1])
        if tag == "ref":
            facts = self.facts.get(path)
            calls = facts.calls if facts else []
            return self.eval(path, calls[term[1]].expr, d) if term[1] < len(calls) else UNKNOWN
        return UNKNOWN

    def _imported(self, path: str, term: Expr, how: str, depth: int) -> Value:
        """The module ``__import__("ollama")`` or ``importlib.import_module("x.y")`` gives
        (an optional dependency imported when used, as vanna's backends do): a literal name
        only; ``__import__`` gives the top package of a dotted name."""
        named = self.eval(path, term[2][0], depth)
        if not isinstance(named, Lit) or not isinstance(named.value, str) or \
                not named.value or named.value.startswith("."):
            return UNKNOWN
        name = named.value if how == "importlib.import_module" else named.value.split(".")[0]
        target = self.module_path(path, 0, name)
        return Module(target) if target else Ext(name)

    def _star_imported(self, path: str, name: str, depth: int) -> Value | None:
        """A name bound nowhere in its module that a ``from module import *`` of a project
        module gives (gpt-computer-assistant's ``from .agent import *`` brings
        ``get_agent_executor``); None for a builtin or a name no such module binds."""
        facts = self.facts.get(path)
        if facts is None or hasattr(builtins, name):
            return None
        key = (path, name)
        if key in self._stars:  # found before, or being looked for (a cycle of star imports)
            return self._stars[key]
        self._stars[key] = None
        self._stars[key] = found = self._star_lookup(path, facts, name, depth)
        return found

    def _star_lookup(self, path: str, facts: FileFacts, name: str, depth: int) -> Value | None:
        for level, module, names in facts.imports:
            if "*" not in (names or ()):
                continue
            target = self.module_path(path, level, module)
            found = self.facts.get(target) if target else None
            if found is not None and (name in found.defs or name in found.classes
                                      or name in found.globals or (
                                          depth < MAX_STAR_DEPTH and any(
                                              "*" in (names or ()) for *_, names in
                                              found.imports))):
                value = self.import_value(path, level, module, name, depth + 1)
                if value is not UNKNOWN:
                    return value
        return None

    def _runnable(self, path: str, term: Expr, depth: int) -> Value:
        """An operand of ``|``. A dict literal there is LangChain's RunnableParallel, which
        runs every value on the input: the model one of them runs, if any (Quivr's
        ``{"answer": inputs | prompt | llm, "docs": ...}``)."""
        value = self.eval(path, term, depth)
        if isinstance(value, Term) and value.expr[0] == "dict":
            for _key, _line, item in value.expr[1]:
                found = self.eval(value.path, item, depth + 1)
                if isinstance(found, Client) and found.family == "langchain":
                    return found
        return value

    def global_value(self, path: str, name: str, depth: int) -> Value:
        """A module-level name of a project module (all its bindings, the best one)."""
        key = (path, name)
        if key in self._globals:
            return self._globals[key]
        facts = self.facts.get(path)
        if facts is None or key in self._busy:
            return UNKNOWN
        terms = facts.globals.get(name)
        if terms is None:
            return _definition(path, facts, name)
        self._busy.add(key)
        try:
            values = [self.eval(path, t, depth) for t in terms]
        finally:
            self._busy.discard(key)
        value = best(values, prefer_last=True)
        if isinstance(value, Instance) and self._is_proxy(value.cls):
            # an object whose attributes are another's (``__getattr__`` forwards them, as
            # skyvern's ``app = AppHolder()`` does): the type the module declares for the
            # name (``if TYPE_CHECKING: app: ForgeApp``) says what they are
            declared = [v for t, v in zip(terms, values, strict=True)
                        if t[0] == "p" and t[1] is None and isinstance(v, Klass)]
            value = declared[-1] if declared else value
        self._globals[key] = value
        return value

    def _is_proxy(self, cls: Klass) -> bool:
        """Does project class ``cls`` forward attribute reads (define ``__getattr__``)?"""
        facts = self.facts.get(cls.path)
        found = facts.classes.get(cls.qualname) if facts else None
        return found is not None and "__getattr__" in found.methods

    def import_value(self, path: str, level: int, module: str, name: str, depth: int) -> Value:
        """``from module import name`` written in ``path``."""
        target = self.module_path(path, level, module)
        if target is None:
            return Ext(f"{module}.{name}") if level == 0 else UNKNOWN
        return self.module_attribute(target, name, depth)

    def module_attribute(self, target: str, name: str, depth: int) -> Value:
        """A name of a project module: a global, a function, a class or a submodule."""
        facts = self.facts.get(target)
        if facts is not None and (name in facts.globals or name in facts.defs
                                  or name in facts.classes):
            return self.global_value(target, name, depth)
        found = self._submodule(target, name)
        if found is UNKNOWN and depth < MAX_STAR_DEPTH:  # a package's ``from .agent import *``
            return self._star_imported(target, name, depth + 1) or UNKNOWN
        return found

    def attribute(self, base: Value, name: str, depth: int) -> Value:
        """``base.name``; on an object the analysis cannot see into (a web framework's app
        state, a session), the model the project stored under that name, if any."""
        if isinstance(base, Ext):
            if base.name.split(".", 1)[0] not in PROVIDER_ROOTS:
                kept = self.stored(name, depth)
                if kept is not None:
                    return kept
            return Ext(f"{base.name}.{name}")
        if base is UNKNOWN:
            return self.stored(name, depth) or UNKNOWN
        if isinstance(base, Module):
            return self.module_attribute(base.path, name, depth)
        if isinstance(base, Client):
            return clients.attribute(base, name)
        if isinstance(base, Instance):
            return self.class_attribute(base.cls, name, depth, instance=True)
        if isinstance(base, Klass):
            return self.class_attribute(base, name, depth, instance=False)
        return UNKNOWN

    def class_attribute(self, cls: Klass, name: str, depth: int, *, instance: bool) -> Value:
        """An attribute of a project class or its instance, following project base classes;
        on an instance whose ``__getattr__`` hands attributes on to an SDK module it holds
        (a lazy import wrapper), that module's attribute."""
        found = self._own_attribute(cls, name, depth, instance)
        if found is UNKNOWN and instance:
            found = classes.delegated(self, cls, name, depth)
        if instance and (found is UNKNOWN or found == Lit(None)):
            # ``self.llm_chain`` in a base class's method, set to a model only by the
            # subclasses (Jupyter AI's chat handlers): what a subclass sets
            assigned = self._subclass_attribute(cls, name, depth)
            if assigned is not None:
                return assigned
        return found

    def _subclasses_of(self, cls: Klass) -> list[Klass]:
        """The project classes deriving from ``cls`` (directly or not; the first
        MAX_SUBCLASSES in path order)."""
        if self._subclasses is None:
            self._subclasses = {}
            for path in sorted(self.facts):
                for qualname in self.facts[path].classes:
                    klass = Klass(path, qualname)
                    for base, _ in classes.mro(self, klass, 0):
                        if base != klass:
                            self._subclasses.setdefault(base, []).append(klass)
        return self._subclasses.get(cls, [])[:MAX_SUBCLASSES]

    def _overrides(self, func: Func) -> list[Func]:
        """The methods of project subclasses that override method ``func``."""
        definition = self.definition(func)
        if definition is None or not definition.cls:
            return []
        name = func.qualname.rsplit(".", 1)[-1]
        found = []
        for sub in self._subclasses_of(Klass(func.path, definition.cls)):
            method = self.facts[sub.path].classes[sub.qualname].methods.get(name)
            if method is not None:
                found.append(Func(sub.path, method))
        return found

    def parameter_call(self, func: Func) -> int | None:
        """The index of the call of one of ``func``'s parameters that it makes, itself or in
        a function nested in it (local-deep-research's invoke_with_timeout runs
        ``func(*args, **kwargs)`` in a thread's target). Indexed once per file."""
        found = self._param_calls.get(func.path)
        if found is None:
            found = self._param_calls[func.path] = {}
            facts = self.facts.get(func.path)
            for at, call in enumerate(facts.calls if facts else []):
                callee, inside = call.expr[1], call.function
                if callee[0] == "p" and callee[1] and inside is not None and (
                        inside == callee[1] or inside.startswith(callee[1] + ".<locals>.")):
                    found.setdefault(callee[1], at)
        return found.get(func.qualname)

    def _overridden_returns(self, func: Func, depth: int) -> Value:
        """The model a method gives when the project's own definition gives nothing known
        (it raises ``NotImplementedError``, it is abstract) and every subclass's override
        builds one of the same kind (marker's ``BaseGeminiService.get_google_client``, a
        ``genai.Client`` of the Gemini API or of Vertex AI by subclass): the first of them.
        When the overrides differ (smolagents' ``create_client``: an OpenAI client in one
        subclass, litellm's Router in another), which one a call uses depends on the
        object, which this analysis does not follow: nothing is known."""
        found: list[Client] = []
        for override in self._overrides(func):
            value = self.returns(override, depth + 1)
            if not isinstance(value, Client) or (found and value.family != found[0].family):
                return UNKNOWN
            found.append(value)
        return found[0] if found else UNKNOWN

    def _subclass_attribute(self, cls: Klass, name: str, depth: int) -> Client | None:
        """The model a project subclass of ``cls`` keeps in attribute ``name``, if any."""
        for sub in self._subclasses_of(cls):
            fact = self.facts[sub.path].classes[sub.qualname]
            if name in fact.attrs:
                value = best([self.eval(sub.path, t, depth + 1) for t in fact.attrs[name]],
                             prefer_last=True)
                if isinstance(value, Client):
                    return value
        return None

    def _own_attribute(self, cls: Klass, name: str, depth: int, instance: bool) -> Value:
        for klass, fact in self.mro(cls, depth):
            if name in fact.attrs:
                return best([self.eval(klass.path, t, depth + 1) for t in fact.attrs[name]],
                            prefer_last=True)
            if name in fact.methods:
                func = Func(klass.path, fact.methods[name])
                definition = self.definition(func)
                if instance and definition is not None and _is_property(definition):
                    return self.returns(func, depth + 1)
                return Bound(func)
        return UNKNOWN

    def mro(self, cls: Klass, depth: int) -> Iterator[tuple[Klass, ClassFact]]:
        """The class and its project base classes, depth first."""
        return classes.mro(self, cls, depth)

    def model_base(self, cls: Klass) -> tuple[str, str | None] | None:
        """The client family a project class inherits from an SDK or framework model."""
        if cls not in self._model_bases:
            self._model_bases[cls] = classes.model_base(self, cls)
        return self._model_bases[cls]

    def base_names(self, cls: Klass) -> list[str]:
        """Qualified names of the external classes a project class derives from."""
        return classes.base_names(self, cls)

    def definition(self, func: Func) -> DefFact | None:
        """The facts of a project function."""
        facts = self.facts.get(func.path)
        return facts.defs.get(func.qualname) if facts else None

    def returns(self, func: Func, depth: int) -> Value:
        """What calling a project function gives (the best of its return values); when
        none is known, the model its return annotation names (NeMo Guardrails'
        ``init_langchain_model(...) -> Union[BaseChatModel, BaseLLM]`` picks an initializer
        from a registry of functions)."""
        definition = self.definition(func)
        if definition is None:
            return UNKNOWN
        found = best([self.eval(func.path, t, depth + 1) for t in definition.returns])
        if found is UNKNOWN and definition.hint[0] != "unk":
            return self._annotated_model(func.path, definition.hint, definition.name, depth)
        return found

    def _annotated_model(self, path: str, hint: Expr, name: str, depth: int) -> Value:
        """The model a return annotation (of function ``name``; of an attribute of ``self``
        when ``name`` is ``.attr``) names, when every type it allows is a model (or None):
        ``Union[BaseChatModel, BaseLLM]`` is one, ``Union[BaseChatModel, Callable[...,
        BaseChatModel]]`` may be a factory (local-deep-research's registry)."""
        options, models = [hint], []
        while any(option[0] == "alt" for option in options):  # Optional[Union[...]]
            options = [inner for option in options
                       for inner in (option[1] if option[0] == "alt" else [option])]
        for option in options:
            value = self.eval(path, option, depth + 1)
            if value == Lit(None) or (isinstance(value, Ext) and value.name == "builtins.None"):
                continue
            typed = clients.from_annotation(value) if isinstance(value, Ext) else UNKNOWN
            if not isinstance(typed, Client):
                return UNKNOWN
            models.append(typed)
        if not models:
            return UNKNOWN
        where = f"{name}() returns" if not name.startswith(".") else f"self{name} holds"
        return replace(models[0], label=f"the {models[0].label.removesuffix(' passed in')} "
                                        f"{where}")

    def call(self, path: str, term: Expr, depth: int) -> Value:
        """The value of a call term."""
        func = term[1]
        if func[0] == "attr":
            receiver = self.eval(path, func[1], depth)
            if isinstance(receiver, Client):
                return clients.call_method(self, path, term, receiver, func[2])
            if func[2] in URL_KEEPING:  # (base_url or "https://api.openai.com/v1").rstrip("/")
                kept = self._kept_text(path, func[1], receiver, depth)
                if kept is not None:
                    return kept
            if func[2] == "get" and term[2] and (receiver is UNKNOWN or (
                    isinstance(receiver, Ext) and receiver.name.split(".", 1)[0]
                    not in PROVIDER_ROOTS)):
                key = self.eval(path, term[2][0], depth)  # user_session.get("llm")
                if isinstance(key, Lit) and isinstance(key.value, str):
                    kept = self.stored(key.value, depth)
                    if kept is not None:
                        return kept
            callee = self.attribute(receiver, func[2], depth)
        else:
            callee = self.eval(path, func, depth)
        if isinstance(callee, Partial):
            return self._call_partial(callee, path, term, depth)
        if isinstance(callee, Ext):
            if callee.name == "functools.partial" and term[2]:
                return Partial(self.eval(path, term[2][0], depth), path, term)
            if callee.name in _DYNAMIC_IMPORTS and term[2]:
                return self._imported(path, term, callee.name, depth)
            return clients.call_external(self, path, term, callee, depth)
        if isinstance(callee, Func):
            return self.returns(callee, depth)
        if isinstance(callee, Bound):
            found = self.returns(callee.func, depth)
            return found if found is not UNKNOWN else self._overridden_returns(callee.func, depth)
        if isinstance(callee, Klass):
            model = self.model_base(callee)
            if model is not None:  # a project subclass of an SDK client or framework model
                return clients.construct(self, path, term, model[0], model[1],
                                         callee.qualname.rsplit(".", 1)[-1] + "()")
            if classes.is_chain(self, callee):  # a project LLMChain: the model it is given
                llm = next((value for key, _, value in term[3] if key == "llm"), None)
                inner = self.eval(path, llm, depth) if llm else UNKNOWN
                return inner if isinstance(inner, Client) else Client(
                    "langchain", f"the model of {callee.qualname.rsplit('.', 1)[-1]}()",
                    (path, term[4]))
            # a lazy proxy (``__getattr__`` hands on to a client it builds): that client
            return classes.proxied(self, callee, depth) or Instance(callee)
        if isinstance(callee, Lambda):
            return self.eval(callee.path, callee.body, depth)
        return UNKNOWN

    def _call_partial(self, callee: Partial, path: str, term: Expr, depth: int) -> Value:
        """What calling a ``functools.partial`` returns: what its target returns (an
        external target is called with the partial's own arguments: a client it builds
        takes the options given there)."""
        target = callee.target
        if isinstance(target, (Func, Bound)):
            return self.returns(target if isinstance(target, Func) else target.func, depth)
        if isinstance(target, Ext):
            return clients.call_external(self, callee.path, callee.term, target, depth)
        if isinstance(target, Client) and target.attrs:
            return clients.call_method(self, path, term, replace(target, attrs=target.attrs[:-1]),
                                       target.attrs[-1])
        return UNKNOWN

    def subscript(self, base: Value, key: Value, depth: int) -> Value:
        """``base[key]`` for a dict literal and a literal key; a string key on an object the
        analysis cannot see into (``st.session_state["llm"]``): what was stored under it."""
        if isinstance(base, Term) and base.expr[0] == "dict" and isinstance(key, Lit):
            for name, _, value in base.expr[1]:
                if name == key.value:
                    return self.eval(base.path, value, depth)
            anywhere = [value for name, _, value in base.expr[1] if name == ANY_KEY]
            if anywhere:  # items under keys known only at run time (``models[kind] = m``)
                return best([self.eval(base.path, value, depth) for value in anywhere])
        if isinstance(base, Term) and base.expr[0] == "list" and isinstance(key, Lit) and \
                isinstance(key.value, int) and not isinstance(key.value, bool) and \
                -len(base.expr[1]) <= key.value < len(base.expr[1]):
            return self.eval(base.path, base.expr[1][key.value], depth)  # return a, b, qa
        if isinstance(key, Lit) and isinstance(key.value, str) and (
                base is UNKNOWN or isinstance(base, Ext)):
            return self.stored(key.value, depth) or UNKNOWN
        if isinstance(base, Term) and base.expr[0] == "dict" and not isinstance(key, Lit):
            # an item written under a key known only at run time, read under another
            # (gpt-computer-assistant's model_mapping[the_model], filled in a loop with
            # (ChatOpenAI, args) tuples): the most informative of those items
            anywhere = [value for name, _, value in base.expr[1] if name == ANY_KEY]
            found = best([self.eval(base.path, value, depth) for value in anywhere])
            if found is not UNKNOWN:
                return found
            # a registry of model classes picked by a key known only at run time (AutoRAG's
            # generator_models[self.llm](**params)): its first model class
            for _, _, item in base.expr[1]:
                value = self.eval(base.path, item, depth)
                if isinstance(value, Ext) and constructor_family(value.name):
                    return value
        return UNKNOWN

    def element(self, path: str, items: Expr, index: int, depth: int) -> Value:
        """A model a ``for`` takes from a literal list (of tuples, when ``index`` picks an
        item) or from a dict literal's ``.values()`` / ``.items()``: the least protected."""
        candidates: list[tuple[str, Expr]] = []
        if items[0] == "call" and items[1][0] == "attr" and items[1][2] in ("items", "values"):
            base = self.eval(path, items[1][1], depth)
            if isinstance(base, Term) and base.expr[0] == "dict" and (
                    items[1][2] == "values" or index == 1):
                candidates = [(base.path, value) for _, _, value in base.expr[1]]
        else:
            seq = self.eval(path, items, depth)
            if isinstance(seq, Term) and seq.expr[0] == "list":
                for element in seq.expr[1]:
                    if index >= 0:
                        if element[0] != "list" or index >= len(element[1]):
                            continue
                        element = element[1][index]
                    candidates.append((seq.path, element))
        found = [value for where, element in candidates
                 if isinstance(value := self.eval(where, element, depth + 1), Client)]
        if not found:
            return UNKNOWN
        # each is called in turn: judge the loop by its least protected model
        return min(found, key=lambda c: (c.timeout is not None) + (c.retry is not None))

    def stored(self, name: str, depth: int) -> Client | None:
        """The model kept on a shared object under ``name`` (see ``stores``)."""
        if self._stores is None:
            self._stores = Stores(self)
        return self._stores.lookup(name, depth)

    def param_value(self, path: str, term: Expr, depth: int) -> Value:
        """A parameter: what its callers pass (when binding), else its annotation or default."""
        _, function, name, index, annotation, default = term
        if self.bind_params and function and self._param_depth >= MAX_PARAM_DEPTH:
            self._cycles += 1  # cut short: not memoised either
        if self.bind_params and function and self._param_depth < MAX_PARAM_DEPTH:
            self._param_depth += 1
            try:
                passed = [self.argument(ref, name, index, depth) for ref in
                          self.invocations.get((path, function), [])]
            finally:
                self._param_depth -= 1
            found = [v for v in passed if isinstance(v, Client)]
            if found:
                return found[0]
            # a client class handed on, to be called later (agent_zero's base model gets
            # ``openai.AsyncClient`` and builds ``self.async_client_class(api_key=...)``)
            classes = [v for v in passed if isinstance(v, Ext)
                       and constructor_family(v.name) is not None]
            if classes:
                return classes[0]
        hint = self.eval(path, annotation, depth) if annotation else UNKNOWN
        if isinstance(hint, Ext) and hint.name.startswith("builtins."):
            hint = UNKNOWN  # `model: str = None`: the type says nothing of the value
        elif isinstance(hint, Ext):
            hint = clients.from_annotation(hint)
        value = self.eval(path, default, depth) if default else UNKNOWN
        if value is UNKNOWN or (isinstance(value, Lit) and value.value is None):
            return hint  # no default (or None): what the annotation says is passed in
        return value

    def field_value(self, path: str, term: Expr, depth: int) -> Client | None:
        """The model a constructor call passes for a field of a class that takes its
        fields as arguments (a dataclass, a pydantic model, a LangChain chain built with
        ``cls(summary_chain=LLMChain(llm=llm, ...))``); by position only where the class
        declaring the field is the one called. None when no call passes one."""
        _, cls, name, position, _ = term
        if self.bind_params and self._param_depth >= MAX_PARAM_DEPTH:
            self._cycles += 1
        if not self.bind_params or self._param_depth >= MAX_PARAM_DEPTH:
            return None
        self._param_depth += 1
        try:
            for ref_path, call_index, how in self.invocations.get((path, f"{cls}.{FIELDS}"),
                                                                  []):
                expr = self.facts[ref_path].calls[call_index].expr
                passed = self.argument_term(
                    ref_path, expr, name, position + 1 if how == "call" and position >= 0
                    else -1)
                value = self.eval(ref_path, passed, depth + 1) if passed is not None \
                    else UNKNOWN
                if isinstance(value, Client):
                    return value
        finally:
            self._param_depth -= 1
        return None

    def _kept_text(self, path: str, term: Expr, value: Value, depth: int) -> Value | None:
        """The text a string method such as ``rstrip("/")`` keeps the host and route of:
        ``value`` itself, or of ``a or b or "https://..."`` the option that is a URL (else
        the first that is text); None when none is text."""
        options = [self.eval(path, option, depth) for option in term[1]] \
            if term[0] == "alt" else [value]
        texts = [option for option in options if string_of(option) is not None]
        return next((t for t in texts if "://" in (string_of(t) or "")),
                    texts[0] if texts else None)

    def param_item(self, path: str, param: Expr, key_term: Expr, depth: int) -> Client | None:
        """``config["llm"]`` of a parameter: the model a caller's dict literal holds under
        that key (ScrapeGraphAI's nodes are built with ``node_config={"llm_model":
        self.llm_model, ...}`` and read ``node_config["llm_model"]``); None when no caller
        passes one."""
        key = self.eval(path, key_term, depth)
        _, function, name, index, _, _ = param
        if not (isinstance(key, Lit) and isinstance(key.value, str) and self.bind_params
                and function and self._param_depth < MAX_PARAM_DEPTH):
            return None
        self._param_depth += 1
        try:
            for ref in self.invocations.get((path, function), []):
                passed = self.argument(ref, name, index, depth)
                hit = find_key(passed, key.value) or find_key(passed, ANY_KEY)
                if hit is not None:
                    item = self.eval(hit[0], hit[2], depth + 1)
                    if isinstance(item, Client):
                        return item
        finally:
            self._param_depth -= 1
        return None

    def argument(self, ref: tuple[str, int, str], name: str, index: int, depth: int) -> Value:
        """The value passed for a parameter at one invocation."""
        path, call_index, how = ref
        if how != "call":
            return UNKNOWN
        passed = self.argument_term(path, self.facts[path].calls[call_index].expr, name, index)
        return self.eval(path, passed, depth + 1) if passed is not None else UNKNOWN

    def never_passed(self, path: str, param: Expr) -> bool:
        """Does no call of the parameter's function pass it (by keyword, by position, or
        possibly in a ``**mapping``), with at least one call of it found? oterm's
        ``_client(timeout=None)`` is called as ``_client()`` wherever it is called."""
        _, function, name, index = param[:4]
        refs = self.invocations.get((path, function), []) if function and self.bind_params \
            else []
        if not refs:
            return False
        for ref_path, call_index, how in refs:
            expr = self.facts[ref_path].calls[call_index].expr
            if how != "call" or any(kw[0] == "**" for kw in expr[3]) or \
                    self.argument_term(ref_path, expr, name, index) is not None:
                return False
        return True

    def argument_term(self, path: str, term: Expr, name: str, index: int) -> Expr | None:
        """The term a call term passes for the parameter ``name`` (at ``index``, ``self``
        counted) of what it calls: by keyword, else by position."""
        for keyword, _, value in term[3]:
            if keyword == name:
                return value  # type: ignore[no-any-return]
        position = index - (1 if self._is_method_call(path, term) else 0)
        return term[2][position] if 0 <= position < len(term[2]) else None

    def _is_method_call(self, path: str, term: Expr) -> bool:
        callee = self.callee(path, term)
        return isinstance(callee, (Bound, Klass)) or bool(self._item_methods(path, term))

    def _item_methods(self, path: str, term: Expr) -> list[Func]:
        """``strategies[longform].generate(chain, ...)``: a method called on an item of a
        dict literal chosen by a key known only at run time (podcastfy's content
        strategies), which may be any item's: that method of each instance in the dict."""
        func = term[1]
        if func[0] != "attr" or func[1][0] != "sub":
            return []
        container = self.eval(path, func[1][1])  # (a key written out that names an item
        if not isinstance(container, Term) or container.expr[0] != "dict":  # resolves as one)
            return []
        found = []
        for _, _, value in container.expr[1]:
            item = self.eval(container.path, value)
            if isinstance(item, Instance):
                method = self.class_attribute(item.cls, func[2], 1, instance=True)
                if isinstance(method, Bound) and method.func not in found:
                    found.append(method.func)
        return found

    def callee(self, path: str, term: Expr) -> Value:
        """What a call term calls (without calling it)."""
        func = term[1]
        if func[0] == "attr":
            return self.attribute(self.eval(path, func[1]), func[2], 1)
        return self.eval(path, func)

    def enable_param_binding(self) -> None:
        """From now on, parameters take the values their callers pass (needs invocations)."""
        self.bind_params = True
        self._globals.clear()
        self._memo.clear()
        self._stars.clear()

    # invocations ------------------------------------------------------------------------

    def build_invocations(self) -> None:
        """Index, for each project function, the calls that invoke it or pass it along."""
        index: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
        for path in sorted(self.facts):
            for i, call in enumerate(self.facts[path].calls):
                for func, how in self._invoked(path, call):
                    index.setdefault((func.path, func.qualname), []).append((path, i, how))
        self.invocations = index

    def _invoked(self, path: str, call: CallFact) -> Iterator[tuple[Func, str]]:
        callee = self.callee(path, call.expr)
        if callee is UNKNOWN:
            for method in self._item_methods(path, call.expr):
                yield method, "call"
        if isinstance(callee, Func):
            yield callee, "call"
        elif isinstance(callee, Bound):
            yield callee.func, "call"
            if call.expr[1][0] != "super":  # super().f(...) runs the base class's f only
                for override in self._overrides(callee.func):  # ``self.process_message(m)``
                    yield override, "call"  # in a base class runs a subclass's method too
        elif isinstance(callee, Klass):
            init = self.class_attribute(callee, "__init__", 1, instance=False)
            if isinstance(init, Bound):
                yield init.func, "call"
            else:  # a dataclass or pydantic model: the call sets the fields (``fld``)
                for klass, _ in self.mro(callee, 1):
                    yield Func(klass.path, f"{klass.qualname}.{FIELDS}"), \
                        "call" if klass == callee else "subclass"
        for arg in [*call.expr[2], *(kw[2] for kw in call.expr[3])]:
            if arg and arg[0] in ("g", "imp", "def", "attr"):
                value = self.eval(path, arg)
                if isinstance(value, (Func, Bound)):
                    yield (value if isinstance(value, Func) else value.func), "passed"


FIELDS = "<fields>"  # the invocations of a class that takes its fields as arguments
_DYNAMIC_IMPORTS = frozenset({"builtins.__import__", "importlib.import_module"})


def _definition(path: str, facts: FileFacts, name: str) -> Value:
    """A module-level function or class that has no other binding."""
    if name in facts.defs:
        return Func(path, name)
    if name in facts.classes:
        return Klass(path, name)
    return UNKNOWN


def _is_property(definition: DefFact) -> bool:
    for _, term in definition.decorators:
        name = term[1] if term[0] in ("b", "g") else term[-1] if term[0] in ("attr", "imp") else ""
        if isinstance(name, str) and name.endswith("property"):
            return True
    return False


def _container(term: Expr) -> str | None:
    """The name of the dict ``term`` reads an item of (see ``walker._container``)."""
    while True:
        tag = term[0]
        if tag == "sub":
            term = term[1]
        elif tag == "call" and term[1][0] == "attr" and term[1][2] in ("setdefault", "get"):
            term = term[1][1]
        elif tag == "attr":
            return str(term[2])
        elif tag == "g":
            return str(term[1])
        else:
            return None
