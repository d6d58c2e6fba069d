"""Client objects: how they are built, reconfigured and chained, and what that protects.

A client's timeout, retries, output validation and fallbacks are read where they are
written: constructor keywords (``OpenAI(timeout=20)``), nested configuration objects
(``botocore.config.Config(read_timeout=...)``, ``httpx.Client(timeout=...)``, google's
``http_options``), ``client.with_options(...)`` and LangChain's ``.with_retry()``,
``.with_fallbacks()`` and ``.with_structured_output()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from readiness.llmcalls.lookup import find_key, keyword
from readiness.llmcalls.outputs import judge_options, judge_output_type, parser_strength
from readiness.llmcalls.records import Protection
from readiness.llmcalls.scope import Expr
from readiness.llmcalls.sdk import (
    BEDROCK_SERVICES,
    BOTO3_FACTORIES,
    CONSTRUCTORS,
    FAMILIES,
    INIT_CHAT_MODEL,
    LANGCHAIN_CHAINS,
    OPTION_METHODS,
    PASSTHROUGH_ATTRS,
    PROVIDER_ROOTS,
    RUNNABLE_METHODS,
    constructor_family,
    engine_family,
)
from readiness.llmcalls.values import (
    UNKNOWN,
    Bound,
    Client,
    Ext,
    Func,
    Lit,
    Term,
    Text,
    Value,
    render,
    string_of,
)

if TYPE_CHECKING:
    from readiness.llmcalls.resolve import Program

_INSTRUCTOR = frozenset({"instructor.from_openai", "instructor.patch", "instructor.apatch",
                         "instructor.from_anthropic", "instructor.from_litellm",
                         "instructor.from_mistral", "instructor.from_cohere",
                         "instructor.from_genai", "instructor.from_gemini"})
_CHAT_FACTORIES = frozenset({"chats.create", "aio.chats.create", "start_chat"})


OFF = "off"  # the strength of a setting that switches a protection off


def setting(prog: Program, path: str, line: int, term: Expr, name: str, where: str,
            *, zero_disables: bool) -> Protection:
    """A timeout or retry setting; strength ``off`` when it switches the protection off.

    ``timeout=None`` switches a timeout off, and so does a timeout that is None unless a
    setting is made (``timeout_unset``); ``max_retries=0`` switches retries off.
    """
    value = prog.eval(path, term)
    how = f"{name}={render(term)} {where} at {path}:{line}"
    if isinstance(value, Lit) and (value.value is None or (zero_disables and value.value in (
            0, False))):
        return Protection(path, line, how, OFF)
    if not zero_disables and timeout_unset(prog, path, term):
        return Protection(path, line, how, OFF)
    return Protection(path, line, how)


_TIMEOUT_OBJECTS = {"aiohttp.ClientTimeout": ("total", "sock_read")}
MAX_NONE_DEPTH = 6  # names in a row followed to learn whether a value may be None


def timeout_unset(prog: Program, path: str, term: Expr, *, through_values: bool = True
                  ) -> bool:
    """Does the timeout ``term`` gives leave the request without one, by default?

    None does, and so does a value that is None unless a setting is made: Open WebUI's
    ``AIOHTTP_CLIENT_TIMEOUT = int(raw) if raw else None``, read from an environment
    variable nobody has to set. So does an ``aiohttp.ClientTimeout`` whose ``total`` and
    ``sock_read`` are all such values, or absent (aiohttp then waits forever).

    ``through_values``: also a value that evaluates to None through attributes and
    parameters (``self.timeout`` whose class default is None), which a guard the analysis
    does not read may keep from being passed at all (``if self.timeout is not None:
    args["timeout"] = self.timeout``): enough to give no timeout credit, not to say the
    library's own default is switched off."""
    if may_be_none(prog, path, term):
        return True
    value = prog.eval(path, term)
    if isinstance(value, Lit):
        return through_values and value.value is None
    if not isinstance(value, Ext) or value.call is None:
        return False
    keys = _TIMEOUT_OBJECTS.get(value.name.removesuffix("()"))
    if keys is None:
        return False
    at, built = value.call
    if built[0] != "call":
        return False
    given: list[tuple[str, Expr]] = [(at, built[2][0])] if built[2] else []  # total, by position
    given += [(found[0], found[2]) for key in keys if (found := find_key(value, key))]
    return all(may_be_none(prog, where, written) or _is_none(prog, where, written)
               for where, written in given)


_ENV_READS = frozenset({"os.getenv", "os.environ.get"})


def falsy_by_default(prog: Program, path: str, term: Expr, depth: int = 0) -> bool:
    """Is ``term`` falsy when nothing is configured: a falsy literal, an environment
    variable read with no default or a falsy one (``os.getenv("T", "")``), a value that
    may be None, a module name one of whose bindings is such, through imports."""
    if depth > MAX_NONE_DEPTH:
        return False
    tag = term[0]
    if tag == "lit":
        return not term[1]
    if tag == "alt":
        return may_be_none(prog, path, term, depth)
    if tag == "call":
        callee = prog.callee(path, term)
        if not isinstance(callee, Ext) or callee.name not in _ENV_READS or not term[2]:
            return False
        if len(term[2]) > 1:
            default: Expr = term[2][1]
        else:
            named = keyword(term, "default")
            if named is None:
                return True  # None when the variable is not set
            default = named[1]
        return falsy_by_default(prog, path, default, depth + 1)
    found = _module_bindings(prog, path, term)
    return found is not None and any(falsy_by_default(prog, found[0], binding, depth + 1)
                                     for binding in found[1])


def _module_bindings(prog: Program, path: str, term: Expr) -> tuple[str, list[Expr]] | None:
    """The module and bindings of a module-level name (``g``), through an import (``imp``)."""
    if term[0] == "g":
        target, name = path, term[1]
    elif term[0] == "imp":
        found = prog.module_path(path, term[1], term[2])
        if found is None:
            return None
        target, name = found, term[3]
    else:
        return None
    facts = prog.facts.get(target)
    return target, (facts.globals.get(name, []) if facts else [])


def may_be_none(prog: Program, path: str, term: Expr, depth: int = 0) -> bool:
    """Is the value of ``term`` None when nothing is configured: None itself;
    ``x if c else None`` or ``c or None`` where c is falsy by default (an environment
    variable nobody has to set: ``falsy_by_default``), not where c comes from an object
    whose default the analysis cannot see (``cfg.timeout or None``); a module-level name
    one of whose bindings may be None (a ``try`` that sets it one way, an ``except``
    another), through imports; a parameter that defaults to None where no call of its
    function found passes it. Anything else (a call, another parameter) is not known to
    be None."""
    if depth > MAX_NONE_DEPTH:
        return False
    tag = term[0]
    if tag == "lit":
        return term[1] is None
    if tag == "p":  # a parameter that defaults to None, which no call found passes
        default = term[5]
        return default[0] == "lit" and default[1] is None and prog.never_passed(path, term)
    if tag == "alt":
        options = term[1]
        if not options or not may_be_none(prog, path, options[-1], depth + 1):
            return False
        when = term[2] if len(term) > 2 else None
        if when is not None and when[1] == "none":  # ``f(x) if x is not None else None``
            return True
        if when is not None:  # ``x if c else None``: None when c is falsy by default
            return falsy_by_default(prog, path, when[2], depth + 1)
        # ``a or b or None``: None when every earlier choice is falsy by default
        return all(falsy_by_default(prog, path, o, depth + 1) for o in options[:-1])
    found = _module_bindings(prog, path, term)
    return found is not None and any(may_be_none(prog, found[0], binding, depth + 1)
                                     for binding in found[1])


def _with_timeout(prog: Program, client: Client, path: str, line: int, term: Expr, name: str,
                  where: str) -> Client:
    """``client`` with the timeout keyword ``name=term`` written at ``path:line``: a timeout,
    or none; and when the code leaves it unset (``timeout_unset``), the library's own
    default switched off too (``Client.no_timeout``)."""
    got = setting(prog, path, line, term, name, where, zero_disables=False)
    if got.strength != OFF:
        return replace(client, timeout=got, no_timeout=None)
    unset = timeout_unset(prog, path, term, through_values=False)
    return replace(client, timeout=None, no_timeout=got if unset else None)


def _with_retries(prog: Program, client: Client, path: str, line: int, term: Expr, name: str,
                  where: str) -> Client:
    """``client`` with the retry setting ``name=term`` written at ``path:line``: retries, or
    (0, None, False) the library's own switched off."""
    got = setting(prog, path, line, term, name, where, zero_disables=True)
    return replace(client, no_retry=got) if got.strength == OFF else replace(client, retry=got)


def spread_keyword(prog: Program, path: str, term: Expr, name: str
                   ) -> tuple[str, int, Expr] | None:
    """Keyword ``name`` of a call, written out or inside a ``**options`` dict built in the
    project: (the path it is written in, its line, its value term). A keyword given the
    SDKs' ``NOT_GIVEN`` is not given: the library's default applies (gptme builds its
    OpenAI clients with ``timeout=openai.NOT_GIVEN`` unless a timeout is configured)."""
    hit = _spread_keyword(prog, path, term, name)
    if hit is not None and _not_given_by_default(prog, hit[0], hit[2]):
        return None
    return hit


def _not_given_by_default(prog: Program, path: str, term: Expr) -> bool:
    """``openai.NOT_GIVEN``, or ``float(raw) if raw else NOT_GIVEN`` where raw is falsy by
    default (gptme's Anthropic client: ``LLM_API_TIMEOUT``, an environment variable nobody
    has to set)."""
    if _not_given(prog.eval(path, term)):
        return True
    return term[0] == "alt" and len(term) > 2 and term[2][1] == "falsy" and bool(term[1]) \
        and _not_given(prog.eval(path, term[1][-1])) and \
        falsy_by_default(prog, path, term[2][2], 1)


_NOT_GIVEN = frozenset({"NOT_GIVEN", "NotGiven()", "omit", "Omit()"})


def _not_given(value: Value) -> bool:
    """``openai.NOT_GIVEN``, ``anthropic.NotGiven()``, ``openai.omit``: no value at all."""
    return isinstance(value, Ext) and value.name.split(".")[0] in PROVIDER_ROOTS and \
        value.name.rsplit(".", 1)[-1] in _NOT_GIVEN


def _spread_keyword(prog: Program, path: str, term: Expr, name: str
                    ) -> tuple[str, int, Expr] | None:
    found = keyword(term, name)
    if found:
        return path, found[0], found[1]
    for key, _, value in term[3]:
        if key == "**":  # **options: a module-level dict may be rebound later, so every
            # binding of it is looked in
            bindings = [value]
            facts = prog.facts.get(path)
            if value[0] == "g" and facts is not None:
                bindings += facts.globals.get(value[1], [])
            for binding in bindings:
                hit = find_key(prog.eval(path, binding), name) or _passed_through(
                    prog, path, binding, name)
                if hit:
                    return hit
    return None


MAX_PASS_THROUGH = 3  # functions in a row that hand back the mapping they are given


def _passed_through(prog: Program, path: str, term: Expr, name: str, depth: int = 0
                    ) -> tuple[str, int, Expr] | None:
    """``**f(options)`` where the project function ``f`` returns the mapping it is given,
    added to (pr-agent: ``kwargs = self.add_litellm_callbacks(kwargs)`` before
    ``acompletion(**kwargs)``): key ``name`` in the mapping passed to it."""
    facts = prog.facts.get(path)
    if term[0] == "ref" and facts is not None and 0 <= term[1] < len(facts.calls):
        term = facts.calls[term[1]].expr  # the module's recorded call
    if term[0] != "call" or depth >= MAX_PASS_THROUGH:
        return None
    callee = prog.callee(path, term)
    func = callee.func if isinstance(callee, Bound) else callee
    if not isinstance(func, Func):
        return None
    definition = prog.definition(func)
    if definition is None:
        return None
    shift = 1 if isinstance(callee, Bound) else 0
    for returned in definition.returns:
        if returned[0] != "p" or returned[1] != func.qualname:
            continue  # not one of its own parameters, handed back
        _, _, param, index, _, _ = returned
        passed = [value for keyword_name, _, value in term[3] if keyword_name == param]
        if not passed and 0 <= index - shift < len(term[2]):
            passed = [term[2][index - shift]]
        for value in passed:
            hit = find_key(prog.eval(path, value), name) or _passed_through(
                prog, path, value, name, depth + 1)
            if hit:
                return hit
    return None


def attribute(client: Client, name: str) -> Value:
    """``client.name``: still the client, one attribute further along."""
    if name in PASSTHROUGH_ATTRS:
        return client
    return replace(client, attrs=(*client.attrs, name))


# Framework base classes a parameter or return value may be annotated with: whatever model
# is passed in, it is one of these families.
FRAMEWORK_BASES = {
    **{f"langchain_core.language_models.{n}": "langchain" for n in (
        "BaseChatModel", "BaseLanguageModel", "BaseLLM", "LanguageModelLike")},
    **{f"langchain_core.language_models.chat_models.{n}": "langchain" for n in (
        "BaseChatModel", "SimpleChatModel")},
    "langchain_core.language_models.llms.BaseLLM": "langchain",
    "langchain_core.language_models.base.BaseLanguageModel": "langchain",
    "langchain.chat_models.base.BaseChatModel": "langchain",
    "langchain.schema.language_model.BaseLanguageModel": "langchain",
    **{f"llama_index.core.{m}": "llamaindex" for m in (
        "llms.LLM", "llms.llm.LLM", "base.llms.base.BaseLLM", "llms.function_calling."
        "FunctionCallingLLM", "llms.FunctionCallingLLM", "llms.CustomLLM",
        "multi_modal_llms.MultiModalLLM")},
    "llama_index.llms.base.LLM": "llamaindex",
    "llama_index.llms.LLM": "llamaindex",
    "lmi.LLMModel": "lmi",
    "lmi.llms.LLMModel": "lmi",
    **{f"graphrag_llm.{kind}{module}.LLM{kind.title()}": f"graphrag-llm{suffix}"
       for kind, suffix in (("completion", ""), ("embedding", "-embedding"))
       for module in ("", f".{kind}")},
}


def from_annotation(hint: Ext) -> Value:
    """A parameter annotated with a client class or a framework's model base class
    (``llm: BaseChatModel``): a model built somewhere unknown."""
    family = FRAMEWORK_BASES.get(hint.name) or engine_family(hint.name)
    if family is None:
        made = constructor_family(hint.name)
        if made is None:
            return hint
        family = made[0]
    return Client(family, f"{hint.name.rsplit('.', 1)[-1]} passed in")


def call_external(prog: Program, path: str, term: Expr, callee: Ext, depth: int) -> Value:
    """Calling an external symbol: a client constructor, a client factory, or anything else."""
    name = callee.name
    if name.startswith("langchain_classic."):  # LangChain 1.0 moved its legacy chains there
        name = "langchain." + name.removeprefix("langchain_classic.")
    made = constructor_family(name)
    if made is not None:
        return construct(prog, path, term, made[0], made[1], name.rsplit(".", 1)[-1] + "()")
    if name in BOTO3_FACTORIES:
        service = keyword(term, "service_name")
        service_term = service[1] if service else (term[2][0] if term[2] else ["unk"])
        if string_of(prog.eval(path, service_term)) in BEDROCK_SERVICES:
            return construct(prog, path, term, "bedrock", FAMILIES["bedrock"].default_retry,
                             "boto3 bedrock-runtime client")
    if name in INIT_CHAT_MODEL:
        return construct(prog, path, term, "langchain", None, "init_chat_model()")
    owner, _, method = name.rpartition(".")
    if method == "load_component":  # AutoGen: an agent, team or model client from config
        family = engine_family(owner) or (constructor_family(owner) or (None,))[0]
        if family is not None:
            return construct(prog, path, term, family, None,
                             f"{owner.rsplit('.', 1)[-1]}.load_component() from a config")
    if name == "typing.cast" and len(term[2]) == 2:  # cast(Engine, self.engine)
        inner = prog.eval(path, term[2][1], depth)
        hint = prog.eval(path, term[2][0], depth)
        if not isinstance(inner, Client) and isinstance(hint, Ext):
            typed = from_annotation(hint)
            if isinstance(typed, Client):
                return typed
        return inner
    if method == "from_llm" and owner.rpartition(".")[2] in _SELF_FIXING_PARSERS:
        # a parser that asks the model again when the answer does not parse: it checks
        # what the parser it wraps checks
        fixed = keyword(term, "parser")
        return prog.eval(path, fixed[1], depth) if fixed else UNKNOWN
    composite = _composite_model(prog, path, term, name, depth)
    if composite is not None:
        return composite
    if name in _PARALLEL_RUNNABLES:
        return _parallel(prog, path, term, name, depth)
    if name in LANGCHAIN_CHAINS:
        llm = keyword(term, "llm")
        inner = prog.eval(path, llm[1] if llm else (term[2][0] if term[2] else ["unk"]))
        parser = keyword(term, "output_parser")
        return pipe(inner, prog.eval(path, parser[1])) if parser else inner
    given = keyword(term, "client") or keyword(term, "create")
    wrapped = term[2][0] if term[2] else given[1] if given else None
    if name in _INSTRUCTOR and wrapped is not None:
        # instructor.patch(create=client.messages.create) gives the patched method itself
        inner = prog.eval(path, wrapped, depth)
        if isinstance(inner, Client):
            return replace(inner, instructor=True)
        if isinstance(inner, Ext) and inner.name in ("litellm.completion", "litellm.acompletion"):
            return Client("instructor-litellm", "instructor litellm", (path, term[4]),
                          instructor=True)
    if name == "builtins.getattr" and len(term[2]) >= 2:  # getattr(openai, cls_name)
        holder = prog.eval(path, term[2][0], depth)
        if isinstance(holder, Ext) and holder.name in PROVIDER_ROOTS:
            attr = string_of(prog.eval(path, term[2][1], depth))
            known = attr is not None and attr.isidentifier()
            return Ext(f"{holder.name}.{attr if known else '*'}")
    if name.endswith(".*"):  # a class of an SDK chosen by name: its family, if it has one
        sdk = name[:-2]
        families = {family for ctor, family in CONSTRUCTORS.items()
                    if ctor.rsplit(".", 1)[0] == sdk}
        if len(families) == 1:
            family = families.pop()
            return construct(prog, path, term, family, FAMILIES[family].default_retry,
                             f"{sdk} client chosen by name")
    if name == "importlib.import_module" and term[2]:  # a module chosen by name
        module = string_of(prog.eval(path, term[2][0], depth))
        if module and "\0" not in module:
            return Ext(module)
    if name in ("os.getenv", "os.environ.get") and len(term[2]) > 1:
        return prog.eval(path, term[2][1], depth)
    if name == "urllib.parse.urljoin" and len(term[2]) == 2:
        texts = [string_of(prog.eval(path, t, depth)) for t in term[2]]
        return Text("".join("\0" if t is None else t for t in texts))
    if name in ("pydantic.Field", "dataclasses.field"):
        factory = keyword(term, "default_factory")
        if factory:
            return prog.call(path, ["call", factory[1], [], [], term[4]], depth)
        default = keyword(term, "default")
        return prog.eval(path, default[1], depth) if default else UNKNOWN
    return Ext(name + "()", (path, term))


_SELF_FIXING_PARSERS = frozenset({"OutputFixingParser", "RetryOutputParser",
                                  "RetryWithErrorOutputParser"})
# LangChain's RunnableParallel (RunnableMap) runs each of its values on the input
_PARALLEL_RUNNABLES = frozenset({
    f"{module}.{cls}" for cls in ("RunnableParallel", "RunnableMap") for module in (
        "langchain_core.runnables", "langchain_core.runnables.base",
        "langchain.schema.runnable", "langchain.schema.runnable.base")})


def _parallel(prog: Program, path: str, term: Expr, name: str, depth: int) -> Value:
    """``RunnableParallel(answer=chain, **chains)`` or ``RunnableParallel({...})``: the model
    one of its values runs (ScrapeGraphAI builds one chain per chunk into a dict,
    ``chains_dict[f"chunk{i}"] = prompt | llm | parser``, then runs them all at once)."""
    items = [(path, value) for key, _, value in term[3] if key != "**"]
    for mapping in [*term[2][:1], *(value for key, _, value in term[3] if key == "**")]:
        found = prog.eval(path, mapping, depth)
        if isinstance(found, Term) and found.expr[0] == "dict":
            items += [(found.path, item) for _, _, item in found.expr[1]]
    for where, item in items:
        value = prog.eval(where, item, depth + 1)
        if isinstance(value, Client) and value.family == "langchain":
            return value
    return Ext(name + "()", (path, term))


# Framework factories that wrap a model into a chain or an agent: the result calls the
# model it was given, with that model's construction-site settings.
_ENGINE_METHODS = frozenset({"as_query_engine", "as_chat_engine"})
_COMPOSITE_METHODS = frozenset({"from_llm", "from_chain_type", "from_llm_and_tools",
                                "from_defaults", *_ENGINE_METHODS})
# Runnables that wrap another and call it (a conversation's history kept around a chain).
_WRAPPERS = frozenset({"RunnableWithMessageHistory"})
_AGENT_FACTORIES = frozenset({"create_react_agent", "initialize_agent", "create_openai_tools_agent",
                              "create_tool_calling_agent", "create_openai_functions_agent",
                              "create_structured_chat_agent", "create_sql_agent",
                              "create_pandas_dataframe_agent", "create_retrieval_chain",
                              "create_stuff_documents_chain", "load_qa_chain",
                              "load_summarize_chain"})


def _composite_model(prog: Program, path: str, term: Expr, name: str, depth: int
                     ) -> Client | None:
    """The model inside a chain or agent built by a LangChain / LangGraph / LlamaIndex
    factory (``RetrievalQA.from_chain_type(llm=llm)``, ``create_react_agent(llm, tools)``)."""
    root = name.split(".", 1)[0]
    final = name.rsplit(".", 1)[-1]
    if not (root.startswith(("langchain", "langgraph", "llama_index"))
            and (final in _COMPOSITE_METHODS or final in _AGENT_FACTORIES
                 or final in _WRAPPERS)):
        return None
    candidates = [found[1] for key in ("llm", "model", "llm_chain", "runnable")
                  if (found := keyword(term, key))] + list(term[2][:2])
    for candidate in candidates:
        value = prog.eval(path, candidate, depth)
        if isinstance(value, Client):
            return value
    if final in _ENGINE_METHODS and root == "llama_index":  # the model of Settings.llm
        return construct(prog, path, term, "llamaindex", None, f"{final}()")
    return None


def construct(prog: Program, path: str, term: Expr, family: str, default_retry: str | None,
              label: str) -> Client:
    """A client built by the call ``term``, with what its keywords protect."""
    spec = FAMILIES[family]
    line = term[4]
    where = f"on {label}"
    client = Client(family, label, (path, line))
    for name in spec.ctor_timeout:
        spread = spread_keyword(prog, path, term, name)
        if spread and client.timeout is None:
            client = _with_timeout(prog, client, *spread, name, where)
    for name in spec.ctor_retry:
        spread = spread_keyword(prog, path, term, name)
        if spread:
            client = _with_retries(prog, client, *spread, name, where)
    client = _nested_options(prog, path, term, client, where)
    if family == "litellm-router":
        client = _router(prog, path, term, client)
    if family.startswith("graphrag-llm"):
        client = _model_config(prog, path, term, client, where)
    if family == "pydantic-ai":  # its tools= are the agent's actions, not an output format
        client, default_retry = _agent_settings(prog, path, term, client, where)
        validation = judge_output_type(prog, path, term, where)
    elif family == "openai-agents":
        client, default_retry = _agents_sdk_settings(prog, path, term, client, where)
        validation = judge_output_type(prog, path, term, where)
    else:
        validation = judge_options(prog, path, term, f"{where}")
    if validation is not None:
        client = replace(client, validation=validation)
    base_url = keyword(term, "base_url")
    if base_url:
        client = replace(client, base_url=string_of(prog.eval(path, base_url[1])))
    if spec.default_timeout and client.timeout is None and client.no_timeout is None:
        client = replace(client, timeout=Protection(
            path, line, f"{spec.default_timeout} {where} at {path}:{line}", "default"))
    if default_retry and client.retry is None and client.no_retry is None:
        client = replace(client, default_retry=Protection(
            path, line, f"{default_retry} {where} at {path}:{line}", "default"))
    return client


def _nested_options(prog: Program, path: str, term: Expr, client: Client, where: str) -> Client:
    """Timeouts and retries inside configuration objects passed to the constructor."""
    for holder, timeout_keys, retry_keys in (
            ("http_client", ("timeout",), ()),
            ("config", ("read_timeout",), ("retries",)),  # botocore.config.Config
            ("http_options", ("timeout",), ("retry_options",)),  # google-genai
            ("timeout", ("total", "sock_read"), ())):  # aiohttp.ClientTimeout
        spread = spread_keyword(prog, path, term, holder)
        if not spread:
            continue
        value = prog.eval(spread[0], spread[2])
        for key in timeout_keys:
            hit = _option(prog, value, key)
            if not hit or client.timeout is not None:
                continue
            if timeout_unset(prog, hit[0], hit[2], through_values=False):
                client = replace(client, no_timeout=Protection(
                    hit[0], hit[1], f"{key}={render(hit[2])} in {holder} {where} at "
                    f"{hit[0]}:{hit[1]}, None unless set", OFF))
            elif not _is_none(prog, hit[0], hit[2]):
                client = replace(client, no_timeout=None, timeout=Protection(
                    hit[0], hit[1], f"{key}={render(hit[2])} in {holder} {where} at "
                    f"{hit[0]}:{hit[1]}"))
        for key in retry_keys:
            hit = _option(prog, value, key)
            if hit and client.retry is None:
                if _retries_off(prog, hit):
                    client = replace(client, no_retry=Protection(hit[0], hit[1], "off"))
                else:
                    client = replace(client, retry=Protection(
                        hit[0], hit[1], f"{key}={render(hit[2])} in {holder} {where} at "
                        f"{hit[0]}:{hit[1]}"))
    return client


def _model_config(prog: Program, path: str, term: Expr, client: Client, where: str) -> Client:
    """graphrag-llm's ``create_completion(model_config)``: the ``ModelConfig``'s ``retry``
    (a ``RetryConfig``; None, its default, means no retry) and the ``timeout`` in its
    ``call_args``, which every request is sent with."""
    given = spread_keyword(prog, path, term, "model_config")
    if given:
        config = prog.eval(given[0], given[2])
    elif term[2]:
        config = prog.eval(path, term[2][0])
    else:
        return client
    retry = _option(prog, config, "retry")
    if retry and client.retry is None and not _is_none(prog, retry[0], retry[2]):
        client = replace(client, retry=Protection(
            retry[0], retry[1], f"retry={render(retry[2])} in the ModelConfig {where} at "
            f"{retry[0]}:{retry[1]}"))
    call_args = _option(prog, config, "call_args")
    if call_args and client.timeout is None:
        timeout = _option(prog, prog.eval(call_args[0], call_args[2]), "timeout")
        if timeout and not _is_none(prog, timeout[0], timeout[2]):
            client = _with_timeout(prog, client, *timeout, "timeout",
                                   f"in the ModelConfig's call_args {where}")
    return client


# pydantic-ai's models whose SDK clients retry by default (2 retries): a model named
# "provider:model", or a model class of pydantic_ai.models.<module>
_AGENT_RETRYING = ("openai", "openai-chat", "openai-responses", "anthropic", "groq", "cohere",
                   "azure", "deepseek", "openrouter", "ollama", "together", "fireworks",
                   "grok", "moonshotai", "heroku", "github", "vercel", "litellm")


def _agent_settings(prog: Program, path: str, term: Expr, client: Client, where: str
                    ) -> tuple[Client, str | None]:
    """A pydantic-ai ``Agent(model, model_settings={...})``: the timeout, request_timeout
    and max_retries of its model settings, and (the second value) the SDK default retries
    of the client pydantic-ai builds for its model, when the model says which one."""
    settings = spread_keyword(prog, path, term, "model_settings")
    if settings:
        given = prog.eval(settings[0], settings[2])
        for key in ("timeout", "request_timeout"):
            hit = _option(prog, given, key)
            if hit and client.timeout is None and not _is_none(prog, hit[0], hit[2]):
                client = _with_timeout(prog, client, *hit, key,
                                       f"in the model_settings {where}")
        retries = _option(prog, given, "max_retries")
        if retries:
            client = _with_retries(prog, client, *retries, "max_retries",
                                   f"in the model_settings {where}")
    model = spread_keyword(prog, path, term, "model")
    value: Value | None = prog.eval(model[0], model[2]) if model else \
        prog.eval(path, term[2][0]) if term[2] else None
    name = string_of(value) if value is not None else None
    if name is not None and ":" in name:
        provider = name.split(":", 1)[0]
    elif isinstance(value, Ext) and value.name.startswith("pydantic_ai.models."):
        provider = value.name.split(".")[2]
    else:
        return client, None
    if provider not in _AGENT_RETRYING:
        return client, None
    return client, f"pydantic-ai builds the {provider} SDK client with its default " \
        f"max_retries=2 for the model"


def _agents_sdk_settings(prog: Program, path: str, term: Expr, client: Client, where: str
                         ) -> tuple[Client, str | None]:
    """An OpenAI Agents SDK ``Agent(model=..., model_settings=ModelSettings(timeout=...,
    retry=ModelRetrySettings(max_retries=...)))``: the timeout and retries of its model
    settings, and (the second value) the default retries of the ``AsyncOpenAI()`` the SDK
    builds when the agent names an OpenAI model by a string, or none."""
    settings = spread_keyword(prog, path, term, "model_settings")
    if settings:
        given = prog.eval(settings[0], settings[2])
        hit = _option(prog, given, "timeout")
        if hit and not _is_none(prog, hit[0], hit[2]):
            client = _with_timeout(prog, client, *hit, "timeout",
                                   f"in the model_settings {where}")
        retry = _option(prog, given, "retry")
        if retry and not _is_none(prog, retry[0], retry[2]):
            count = _option(prog, prog.eval(retry[0], retry[2]), "max_retries")
            if count:
                client = _with_retries(prog, client, *count, "max_retries",
                                       f"in the model_settings' retry {where}")
    model = spread_keyword(prog, path, term, "model")
    name = string_of(prog.eval(model[0], model[2])) if model else None
    if model is not None and (name is None or name.startswith("litellm/")):
        return client, None  # a model object, or one litellm routes: not the SDK's client
    return client, "the Agents SDK's AsyncOpenAI() client: SDK default max_retries=2"


def _option(prog: Program, value: Value, key: str) -> tuple[str, int, Expr] | None:
    """Setting ``key`` of a configuration object: a dict literal's key, or a keyword of
    the call that built the object, written out or in the ``**options`` it is given
    (LightRAG: ``options["timeout"] = timeout``, then ``types.HttpOptions(**options)``)."""
    hit = find_key(value, key)
    if hit is None and isinstance(value, Ext) and value.call is not None and \
            value.call[1][0] == "call":
        hit = spread_keyword(prog, value.call[0], value.call[1], key)
    return hit


def _is_none(prog: Program, path: str, term: Expr) -> bool:
    value = prog.eval(path, term)
    return isinstance(value, Lit) and value.value is None


def _retries_off(prog: Program, hit: tuple[str, int, Expr]) -> bool:
    """botocore ``retries={"max_attempts": 0}`` (legacy) or ``total_max_attempts: 1``."""
    value = prog.eval(hit[0], hit[2])
    for key, off in (("max_attempts", 0), ("total_max_attempts", 1)):
        found = find_key(value, key)
        if found:
            number = prog.eval(found[0], found[2])
            if isinstance(number, Lit) and isinstance(number.value, int):
                return number.value <= off
    return False


def _router(prog: Program, path: str, term: Expr, client: Client) -> Client:
    """litellm Router: fallbacks, and per-deployment timeouts and retries in model_list."""
    for name in ("fallbacks", "default_fallbacks", "context_window_fallbacks"):
        found = keyword(term, name)
        if found and client.fallback is None:
            client = replace(client, fallback=Protection(
                path, found[0], f"{name}= on Router() at {path}:{found[0]}"))
    found = keyword(term, "model_list")
    deployments = prog.eval(path, found[1]) if found else UNKNOWN
    if not (isinstance(deployments, Term) and deployments.expr[0] == "list"):
        return client
    for kind, keys in (("timeout", ("timeout", "stream_timeout", "request_timeout")),
                       ("retry", ("num_retries", "max_retries"))):
        hits = []
        for item in deployments.expr[1]:
            params = find_key(prog.eval(deployments.path, item), "litellm_params")
            inner = prog.eval(params[0], params[2]) if params else UNKNOWN
            hit = next((h for k in keys if (h := find_key(inner, k))), None)
            hits.append(hit)
        first = hits[0] if hits and all(hits) else None
        if first is None or getattr(client, kind) is not None:
            continue
        protection = Protection(first[0], first[1], f"{kind} in every model_list deployment "
                                f"of Router() at {first[0]}:{first[1]}")
        if kind == "timeout":
            client = replace(client, timeout=protection)
        else:
            client = replace(client, retry=protection)
    return client


def call_method(prog: Program, path: str, term: Expr, client: Client, method: str) -> Value:
    """The value of ``client.<attrs>.method(...)``: a reconfigured client, or a response."""
    line = term[4]
    if method in OPTION_METHODS and not client.attrs:
        return _with_options(prog, path, term, client)
    if method in RUNNABLE_METHODS and client.family == "langchain":
        return _runnable(prog, path, term, client, method)
    api = ".".join((*client.attrs, method))
    if api in _CHAT_FACTORIES:
        return replace(client, attrs=(), origin=(path, line))
    return UNKNOWN


def _with_options(prog: Program, path: str, term: Expr, client: Client) -> Client:
    return reconfigured(prog, path, term, client, ("timeout",), ("max_retries",),
                        "on with_options()")


def reconfigured(prog: Program, path: str, term: Expr, client: Client,
                 timeouts: Iterable[str], retries: Iterable[str], where: str) -> Client:
    """``client`` with the timeout and retries the keywords of ``term`` give it (the first
    of ``timeouts``, the first of ``retries`` written there): ``client.with_options(...)``,
    a ``functools.partial`` of one of its API methods. None, or no retries, switches one
    off."""
    for name in timeouts:
        found = keyword(term, name)
        if found:
            client = _with_timeout(prog, client, path, *found, name, where)
            break
    for name in retries:
        found = keyword(term, name)
        if found:
            got = setting(prog, path, found[0], found[1], name, where, zero_disables=True)
            if got.strength == OFF:
                client = replace(client, retry=None, default_retry=None, no_retry=got)
            else:
                client = replace(client, retry=got, no_retry=None)
            break
    return client


def _runnable(prog: Program, path: str, term: Expr, client: Client, method: str) -> Client:
    line = term[4]
    at = f"at {path}:{line}"
    if method == "with_retry":
        return replace(client, retry=Protection(path, line, f".with_retry() {at}"))
    if method == "with_fallbacks":
        return replace(client, fallback=Protection(path, line, f".with_fallbacks() {at}"))
    if method == "with_structured_output":
        schema = render(term[2][0]) if term[2] else "a schema"
        return replace(client, validation=Protection(
            path, line, f".with_structured_output({schema}) {at}"))
    if method in ("bind_tools", "bind"):
        judged = judge_options(prog, path, term, f"on .{method}()")
        if method == "bind_tools" and judged is None:
            judged = Protection(path, line, f".bind_tools() without a forced tool {at}", "weak")
            if keyword(term, "tool_choice"):
                judged = Protection(path, line, f".bind_tools(tool_choice=…) {at}")
        return replace(client, validation=judged) if judged else client
    if method == "pipe" and term[2]:
        piped = pipe(client, prog.eval(path, term[2][0]))
        return piped if isinstance(piped, Client) else client
    return client


def pipe(left: Value, right: Value) -> Value:
    """``left | right`` for LangChain runnables; anything else is unknown."""
    if isinstance(left, Client) and left.family == "langchain":
        if isinstance(right, Ext) and right.call is not None:
            strength = parser_strength(right.name)
            if strength is not None and _stronger(strength, left.validation):
                where, term = right.call
                label = right.name.rsplit(".", 1)[-1]
                return replace(left, validation=Protection(
                    where, term[4], f"{label} in the chain at {where}:{term[4]}", strength))
        return left
    if isinstance(right, Client) and right.family == "langchain":
        return right
    if left is UNKNOWN and isinstance(right, Ext) and right.call is not None and \
            _is_output_parser(right.name):
        # ``prompt | llm | StrOutputParser()`` with a model the analysis cannot see (built
        # by a class of another package, Jupyter AI's providers): what an output parser
        # reads is a model's answer, so the chain calls a model
        where, term = right.call
        label = right.name.rsplit(".", 1)[-1]
        strength = parser_strength(right.name)
        validation = None if strength is None else Protection(
            where, term[4], f"{label} in the chain at {where}:{term[4]}", strength)
        return Client("langchain", f"a chain ending in {label}", (where, term[4]),
                      validation=validation)
    return UNKNOWN


def _is_output_parser(name: str) -> bool:
    """Is ``name`` an instance of a LangChain output parser (``...StrOutputParser()``)?"""
    return name.startswith(("langchain_core.output_parsers", "langchain.output_parsers",
                            "langchain.schema")) and name.endswith("Parser()")


def _stronger(strength: str, current: Protection | None) -> bool:
    return current is None or (current.strength == "weak" and strength == "explicit")
