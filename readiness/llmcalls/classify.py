"""Is a recorded call an LLM call? Only when its receiver resolves to a known client.

The rule is strict on purpose: the method name alone (``create``, ``complete``, ``invoke``,
``post``) never makes a call an LLM call; the object it is called on must resolve to an
SDK client, a LangChain/LlamaIndex model, a module-level SDK function, or an HTTP client
or function whose URL names a model API host.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from readiness.llmcalls import urls
from readiness.llmcalls.clients import construct, reconfigured
from readiness.llmcalls.facts import CallFact
from readiness.llmcalls.lookup import keyword
from readiness.llmcalls.records import Protection
from readiness.llmcalls.resolve import Program
from readiness.llmcalls.scope import Expr
from readiness.llmcalls.sdk import (
    AGENT_RUNS,
    FAMILIES,
    HTTP_DEFAULT_TIMEOUTS,
    HTTP_FUNCTIONS,
    MODULE_CALLS,
    MODULE_SETTINGS,
    PASSTHROUGH_ATTRS,
)
from readiness.llmcalls.values import (
    Bound,
    Client,
    Ext,
    Func,
    Instance,
    Lit,
    Partial,
    string_of,
)


class Hit(NamedTuple):
    """An LLM call: the client it goes through and the API it calls; ``via``: the call
    inside a project helper that makes it, when the API method is handed to the helper
    (its path and the call's index there), whose protections count too."""

    client: Client
    api: str
    via: tuple[str, int] | None = None


def classify(prog: Program, path: str, call: CallFact) -> Hit | None:
    """The LLM call ``call`` makes, or None."""
    term = call.expr
    func = term[1]
    if func[0] == "attr":
        if func[2] == "run_in_executor" and len(term[2]) > 1:  # loop.run_in_executor(None, f)
            return _dispatched(prog, path, term, term[2][1])
        receiver = prog.eval(path, func[1])
        if isinstance(receiver, Instance) and func[1][0] == "self":
            model = prog.model_base(receiver.cls)
            if model is not None:  # self.invoke(...) in a project subclass of a model class
                receiver = replace(construct(
                    prog, path, term, model[0], model[1],
                    f"{receiver.cls.qualname.rsplit('.', 1)[-1]} (self)"), origin=None)
        if isinstance(receiver, Client):
            return _client_call(prog, path, term, receiver, func[2])
    whole = prog.eval(path, func)
    if isinstance(whole, Partial):
        return _partial(prog, path, term, whole)
    if isinstance(whole, (Func, Bound)):
        return _handed_to(prog, path, term, whole.func if isinstance(whole, Bound) else whole)
    if isinstance(whole, Instance):  # a callable object: smolagents' self.retryer(create, ...)
        dunder = prog.class_attribute(whole.cls, "__call__", 1, instance=True)
        return _handed_to(prog, path, term, dunder.func) if isinstance(dunder, Bound) else None
    if isinstance(whole, Ext) and whole.name in _THREAD_DISPATCH and term[2]:
        return _dispatched(prog, path, term, term[2][0])
    if isinstance(whole, Client) and whole.family == "langchain" and not whole.attrs:
        return Hit(whole, "__call__")  # a legacy chain called directly: chain({...})
    if isinstance(whole, Client) and whole.attrs and func[0] == "p" and \
            _handed_over(prog, path, func):
        return None  # a helper calling the API method it is handed: each caller is a call
    if isinstance(whole, Client) and whole.attrs:
        # an alias of a bound API method: completion = client.chat.completions.create, or
        # one kept on an object (self.aclient = instructor.patch(create=...messages.create))
        return _client_call(prog, path, term, replace(whole, attrs=whole.attrs[:-1]),
                            whole.attrs[-1])
    # a module function, written out or reached through a wrapper object (lazy imports)
    qualified = whole.name if isinstance(whole, Ext) else None
    if qualified is None:
        return None
    if qualified in MODULE_CALLS:
        family, api = MODULE_CALLS[qualified]
        return Hit(module_client(prog, family), api)
    if qualified in AGENT_RUNS:  # Runner.run(agent, input): the agent asks its model
        name, api = AGENT_RUNS[qualified]
        given = keyword(term, name)
        agent = prog.eval(path, given[1]) if given else \
            prog.eval(path, term[2][0]) if term[2] else None
        # only an agent built where the analysis sees it: one passed in may run on a model
        # of the project's own whose requests are call sites already (skyvern's copilot
        # agents run on CopilotLitellmModel, which calls litellm.aresponses itself)
        if isinstance(agent, Client) and agent.origin is not None and \
                api in FAMILIES[agent.family].apis:
            return Hit(agent, api)
        return None
    if qualified in HTTP_FUNCTIONS:
        library, method = qualified.split(".")
        client = _default_timeout((path, term[4]), Client("http", library), qualified,
                                  f"{qualified}()")
        return _http(prog, path, term, client, method, None)
    if qualified in _SSE_CALLS and term[2]:
        return _sse(prog, path, term)
    return None


# A project helper that calls whatever API method it is handed, with the arguments it is
# handed (CAMEL 0.2.90: every model backend calls self._call_client(
# self._client.chat.completions.create, messages=..., **config), and _call_client does
# call(*args, **kwargs); smolagents 1.x hands it to a callable Retrying object whose
# __call__ retries it): each caller is a call, with its client and keywords, and the
# helper's own protections around its call count too. The helper's call is none.

def _handed_over(prog: Program, path: str, func: Expr) -> bool:
    """Is the parameter called here (whose value is an API method) handed it by callers?
    (Not by its default or annotation.)"""
    return any(how == "call" for _, _, how in prog.invocations.get((path, func[1]), []))


def _handed_to(prog: Program, path: str, term: Expr, helper: Func) -> Hit | None:
    """The API method a call hands to a project helper that calls one of its parameters."""
    for arg in [*term[2], *(value for key, _, value in term[3] if key != "**")]:
        if not arg or arg[0] != "attr":
            continue  # an API method is handed over as client.chat.completions.create
        value = prog.eval(path, arg)
        if isinstance(value, Client) and value.attrs:
            inner = prog.parameter_call(helper)
            if inner is None:
                return None
            hit = _client_call(prog, path, term, replace(value, attrs=value.attrs[:-1]),
                               value.attrs[-1])
            return hit._replace(via=(helper.path, inner)) if hit is not None else None
    return None


# httpx-sse: connect_sse(client, method, url, **kwargs) streams a request through the httpx
# client it is given (letta streams its chat completions so).
_SSE_CALLS = frozenset({"httpx_sse.connect_sse", "httpx_sse.aconnect_sse"})


def _sse(prog: Program, path: str, term: Expr) -> Hit | None:
    """A server-sent-events request through an httpx client: the client's request, its
    method and URL after the client."""
    client = prog.eval(path, term[2][0])
    if not isinstance(client, Client) or client.family != "http":
        return None
    client = _default_timeout(client.origin or (path, term[4]), client, client.label,
                              client.label)
    shifted = [term[0], term[1], term[2][1:], term[3], term[4]]
    return _http(prog, path, shifted, client, "request", client.base_url)


# Functions that run a function given to them in a worker thread, with the other arguments.
_THREAD_DISPATCH = frozenset({"asyncio.to_thread", "anyio.to_thread.run_sync",
                              "starlette.concurrency.run_in_threadpool",
                              "fastapi.concurrency.run_in_threadpool"})


def _dispatched(prog: Program, path: str, term: Expr, function: Expr) -> Hit | None:
    """``asyncio.to_thread(client.chat.completions.create, model=...)``: the API method
    handed over is called, with the keywords given here."""
    if function[0] == "p":
        return None  # a helper that runs whatever it is given (HA's async_add_executor_job)
    value = prog.eval(path, function)
    if isinstance(value, Partial):  # run_in_executor(None, partial(client.invoke_model, ...))
        return _partial(prog, path, term, value)
    if isinstance(value, Client) and value.attrs:
        return _client_call(prog, path, term, replace(value, attrs=value.attrs[:-1]),
                            value.attrs[-1])
    return None


def _partial(prog: Program, path: str, term: Expr, partial: Partial) -> Hit | None:
    """Calling a ``functools.partial`` of an API method or module function calls the model
    here; the timeout and retries given to the partial count as given to the call."""
    target = partial.target
    hit = None
    if isinstance(target, Client) and target.attrs:
        hit = _client_call(prog, path, term, replace(target, attrs=target.attrs[:-1]),
                           target.attrs[-1])
    elif isinstance(target, Ext) and target.name in MODULE_CALLS:
        family, api = MODULE_CALLS[target.name]
        hit = Hit(module_client(prog, family), api)
    if hit is None:
        return None
    spec = FAMILIES[hit.client.family]
    return hit._replace(client=reconfigured(
        prog, partial.path, partial.term, hit.client, spec.call_timeout, spec.call_retry,
        "on functools.partial()"))


def _client_call(prog: Program, path: str, term: Expr, client: Client, method: str
                 ) -> Hit | None:
    if client.family == "http":
        client = _default_timeout(client.origin or (path, term[4]), client, client.label,
                                  client.label)
        return _http(prog, path, term, client, method, client.base_url)
    attrs = tuple(a for a in client.attrs if a not in PASSTHROUGH_ATTRS)
    api = ".".join((*attrs, method))
    if api in FAMILIES[client.family].apis:
        return Hit(client, api)
    return None


def _default_timeout(at: tuple[str, int], client: Client, key: str, label: str) -> Client:
    """An HTTP client or function that times out by default (httpx, aiohttp) without a
    timeout of the code's own: its default, where it is built or called (``at``)."""
    default = HTTP_DEFAULT_TIMEOUTS.get(key)
    if default is None or client.timeout is not None or client.no_timeout is not None:
        return client  # a timeout of the code's own, or one it switched off
    path, line = at
    return replace(client, timeout=Protection(path, line, f"{default} on {label} at {path}:{line}",
                                              "default"))


def _http(prog: Program, path: str, term: Expr, client: Client, method: str,
          base_url: str | None) -> Hit | None:
    """A raw HTTP call counts only when its URL is a model API's: a model provider's host,
    or a route only a model server answers (``urls.MODEL_ROUTE``), followed through the
    code that builds the URL and the callers that pass it in."""
    if method not in FAMILIES["http"].apis:
        return None
    args = term[2]
    url_term = None
    if method == "request":
        found_verb = keyword(term, "method")
        verb_term = found_verb[1] if found_verb else args[0] if args else None
        verb = string_of(prog.eval(path, verb_term)) if verb_term else None
        url_term = args[1] if len(args) > 1 else None
        if found_verb and args:
            url_term = args[0]  # request(url, method=...) is no usual order, but allowed
        method = verb or "request"
    else:
        url_term = args[0] if args else None
    found = keyword(term, "url")
    if found:
        url_term = found[1]
    url = urls.url_of(prog, path, url_term)
    if url is not None and base_url and "://" not in url:
        url = base_url.rstrip("/") + "/" + url.lstrip("/")
    elif url is None:
        url = base_url
    if url is None or not urls.is_model_url(url):
        return None
    return Hit(client, f"{method.upper()} {urls.shown(url)}")


def module_client(prog: Program, family: str) -> Client:
    """The implicit client of module-level calls, configured by module attributes."""
    cached = prog.module_clients.get(family)
    if cached is not None:
        return cached
    label = "openai module" if family.startswith("openai") else f"{family} module"
    client = Client(family, label)
    settings = MODULE_SETTINGS.get(family, {})
    for path in sorted(prog.facts):
        for line, base, attr, value in prog.facts[path].setattrs:
            target = prog.eval(path, base)
            if not isinstance(target, Ext):
                continue
            kind = settings.get(f"{target.name}.{attr}")
            protection = Protection(path, line, f"{target.name}.{attr} = … at {path}:{line}")
            if kind == "timeout" and client.timeout is None:
                client = replace(client, timeout=protection)
            elif kind == "retry" and client.retry is None:
                number = prog.eval(path, value)
                if isinstance(number, Lit) and number.value in (0, None):
                    client = replace(client, no_retry=protection)
                else:
                    client = replace(client, retry=protection)
    prog.module_clients[family] = client
    return client
