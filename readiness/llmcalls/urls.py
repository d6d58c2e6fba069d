"""Which URL a raw HTTP call reaches, and whether that URL is a model API.

A URL is a model API when its host is a model provider's (``api.openai.com``) or when its
route is one only a model server answers, whatever the host: an OpenAI-compatible
``…/chat/completions`` (self-hosted vLLM, Azure, OpenRouter, a proxy named in settings), a
Gemini ``…:generateContent``, Ollama's ``…:11434/api/chat``, the ChatGPT web app's
``…/backend-api/conversation`` (PentestGPT's default mode posts there with a session
cookie). Real
applications seldom write the whole URL at the call: the base comes from settings and the
route is joined on (``f"{base}/chat/completions"``, ``urljoin(base, "chat/completions")``,
a helper of their own), and the request often goes through a helper that takes the URL as
a parameter (``make_post_request(url, headers, data)``). So the URL is followed through
the string operations and project functions that build it, with each function's
parameters bound to what that very call passes (the resolver's values are the same for
every caller), and a URL that is a parameter of the function making the request is taken
from the calls of that function.
"""

from __future__ import annotations

import re
from typing import Any

from readiness.llmcalls.resolve import Program
from readiness.llmcalls.scope import Expr
from readiness.llmcalls.sdk import MODEL_HOST, url_host
from readiness.llmcalls.values import URL_KEEPING, Bound, Ext, Func, string_of

# Routes only a model server answers (after the base URL, before any query string): an
# OpenAI-compatible chat or legacy completion, Gemini's generate calls, and Ollama's chat
# and generate on Ollama's own port. Routes shared with ordinary web APIs (``/messages``,
# ``/responses``, an app's own ``/api/chat``, such as the one Khoj's scheduler posts to)
# are not model routes here: such a URL counts only by its host.
MODEL_ROUTE = re.compile(
    r"(?:^|/)(?:chat/completions|v\d+/completions|backend-api/conversation)/?$"
    r"|:(?:stream)?[gG]enerateContent$")
OLLAMA_ROUTE = re.compile(r":11434/api/(?:chat|generate)/?(?:[?#]|$)")
MAX_DEPTH = 8  # function calls and parameters followed to build one URL
MAX_CALLERS = 20  # calls of a request helper looked at for the URL it is given
# Terms looked at for one request's URL, and the longest text kept: the scanned code
# decides how many returns, alternatives and parts each step has, so without a budget a
# chain of helpers with many returns each would take exponential time.
MAX_STEPS = 500
MAX_TEXT = 2_000

# Bindings of the parameters of the functions being followed: (file, function, parameter)
# -> (the caller's file, the argument term, the caller's own bindings).
Bindings = dict[tuple[str, str, str], tuple[str, Expr, Any]]


class _Budget:
    """The steps left for one request's URL."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_STEPS

    def spend(self) -> bool:
        self.left -= 1
        return self.left >= 0


def is_model_url(url: str) -> bool:
    """Is ``url`` (unknown parts as NUL characters) a model API's?"""
    host = url_host(url)
    if host is not None and MODEL_HOST.fullmatch(host):
        return True
    return has_model_route(url)


def has_model_route(url: str) -> bool:
    """Does ``url`` end in a route only a model server answers?"""
    return MODEL_ROUTE.search(route_of(url)) is not None or OLLAMA_ROUTE.search(url) is not None


def route_of(url: str) -> str:
    """The path of ``url`` (the whole text when it has no known scheme and host), without
    its query string or fragment."""
    rest = url.split("://", 1)[1] if "://" in url else url
    rest = rest.split("?", 1)[0].split("#", 1)[0]
    if "://" in url:
        rest = rest.split("/", 1)[1] if "/" in rest else ""
    return rest


def shown(url: str) -> str:
    """Host and route of a model URL for messages (never its user info or query string,
    which may hold credentials); unknown parts as '…'."""
    host = url_host(url)
    route = route_of(url)
    text = (host + "/" + route if route else host) if host else route
    return re.sub("\0+", "…", text)


def url_of(prog: Program, path: str, term: Expr | None) -> str | None:
    """The text of the URL ``term`` (in ``path``) builds, unknown parts as NUL characters;
    None when it is not known to be a string. A parameter of the function holding the
    term is what its callers pass, when one of them passes a URL with a model route (a
    model host alone is not enough there: a helper given a base URL adds its own route,
    such as ``/models``)."""
    if not term:
        return None
    budget = _Budget()
    url = _text(prog, path, term, {}, 0, budget)
    if (url is None or not is_model_url(url)) and term[0] == "p" and term[1]:
        passed = _passed(prog, path, term, 0, budget)
        if passed is not None:
            return passed
    return url


def _passed(prog: Program, path: str, param: Expr, depth: int, budget: _Budget
            ) -> str | None:
    """The first URL with a model route a call of the function owning ``param`` passes."""
    if depth > 2:
        return None
    _, function, name, index, _, _ = param
    for ref in prog.invocations.get((path, function), [])[:MAX_CALLERS]:
        caller, at, how = ref
        if how != "call":
            continue
        argument = prog.argument_term(caller, prog.facts[caller].calls[at].expr, name, index)
        if argument is None:
            continue
        url = _text(prog, caller, argument, {}, 0, budget)
        if (url is None or not has_model_route(url)) and argument[0] == "p" and argument[1]:
            url = _passed(prog, caller, argument, depth + 1, budget)
        if url is not None and has_model_route(url):
            return url
    return None


def _text(prog: Program, path: str, term: Expr, bound: Bindings, depth: int,
          budget: _Budget) -> str | None:
    if depth > MAX_DEPTH or not term or not budget.spend():
        return None
    tag = term[0]
    d = depth + 1
    if tag == "lit":
        return term[1] if isinstance(term[1], str) else None
    if tag in ("str", "add"):
        parts = term[1] if tag == "str" else term[1:]
        texts = [_text(prog, path, part, bound, d, budget) for part in parts]
        if tag == "add" and all(t is None for t in texts):
            return None  # a sum of unknowns: perhaps no string at all
        return "".join("\0" if t is None else t for t in texts)[:MAX_TEXT]
    if tag == "alt":
        options = [t for option in term[1]
                   if (t := _text(prog, path, option, bound, d, budget))]
        return next((t for t in options if is_model_url(t)), options[0] if options else None)
    if tag == "p":
        binding = bound.get((path, term[1], term[2]))
        if binding is not None:
            caller, argument, outer = binding
            return _text(prog, caller, argument, outer, d, budget)
    if tag == "ref":
        facts = prog.facts.get(path)
        calls = facts.calls if facts else []
        return _text(prog, path, calls[term[1]].expr, bound, d, budget) \
            if term[1] < len(calls) else None
    if tag == "call":
        return _call(prog, path, term, bound, d, budget)
    if tag == "p" and bound:
        return None  # a parameter of a followed function that this call does not pass
    return string_of(prog.eval(path, term))


_JOINS = frozenset({"urllib.parse.urljoin", "posixpath.join", "os.path.join"})


def _call(prog: Program, path: str, term: Expr, bound: Bindings, depth: int,
          budget: _Budget) -> str | None:
    """The text a call gives: a join of URL parts, a string method that keeps the route,
    ``str.format``, or a project function's return with its parameters bound to the
    arguments of this call."""
    func, args = term[1], term[2]
    if func[0] == "attr" and func[2] in URL_KEEPING:
        return _text(prog, path, func[1], bound, depth, budget)
    if func[0] == "attr" and func[2] == "format":
        template = _text(prog, path, func[1], bound, depth, budget)
        return re.sub(r"\{[^{}]*\}", "\0", template) if template is not None else None
    callee = prog.callee(path, term)
    if isinstance(callee, Ext) and callee.name in _JOINS and len(args) >= 2:
        parts = [_text(prog, path, arg, bound, depth, budget) for arg in args]
        text = "\0" if parts[0] is None else parts[0]
        for part in parts[1:]:
            part = "\0" if part is None else part
            text = part if "://" in part else text.rstrip("/") + "/" + part.lstrip("/")
        return text[:MAX_TEXT]
    if isinstance(callee, (Func, Bound)):
        function = callee if isinstance(callee, Func) else callee.func
        definition = prog.definition(function)
        if definition is None:
            return None
        inner = _bind(prog, path, term, function, bound)
        texts = [t for returned in definition.returns
                 if (t := _text(prog, function.path, returned, inner, depth, budget)) is not None]
        return next((t for t in texts if is_model_url(t)), texts[0] if texts else None)
    return string_of(prog.eval(path, term))


def _bind(prog: Program, path: str, call: Expr, function: Func, outer: Bindings
          ) -> Bindings:
    """The bindings inside ``function`` for one call of it: each parameter the call
    passes, by keyword or by position, with the caller's own bindings."""
    inner: Bindings = {}
    for name, index in _params(prog, function):
        argument = prog.argument_term(path, call, name, index)
        if argument is not None:
            inner[(function.path, function.qualname, name)] = (path, argument, outer)
    return inner


def _params(prog: Program, function: Func) -> list[tuple[str, int]]:
    """The parameters (name, position) of ``function`` that its returns use."""
    definition = prog.definition(function)
    facts = prog.facts.get(function.path)
    calls = facts.calls if facts else []
    found: dict[str, int] = {}
    stack: list[Any] = list(definition.returns) if definition else []
    seen = 0
    while stack and seen < 2000:  # terms are small; a bound on pathological ones
        seen += 1
        item = stack.pop()
        if not isinstance(item, list) or not item:
            continue
        if not isinstance(item[0], str):  # a list of terms (a call's arguments)
            stack.extend(item)
        elif item[0] == "p" and item[1] == function.qualname and isinstance(item[2], str):
            found.setdefault(item[2], item[3])
        elif item[0] == "ref" and isinstance(item[1], int) and item[1] < len(calls):
            stack.append(calls[item[1]].expr)
        else:
            stack.extend(part for part in item[1:] if isinstance(part, list))
    return sorted(found.items(), key=lambda pair: pair[1])
