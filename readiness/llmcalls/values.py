"""What a term evaluates to across modules: the abstract values of the resolver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from readiness.llmcalls.records import Protection
from readiness.llmcalls.scope import Expr


class Unknown:
    """Nothing known."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass(frozen=True, eq=False)
class Ext:
    """A symbol of an external package: ``openai.OpenAI``; ``boto3.Session()`` for an instance.

    ``call`` keeps the constructing call (its path and term) so its keywords can be read.
    """

    name: str
    call: tuple[str, Expr] | None = None


@dataclass(frozen=True)
class Module:
    """A module of the project."""

    path: str


@dataclass(frozen=True)
class Func:
    """A function or method of the project."""

    path: str
    qualname: str


@dataclass(frozen=True)
class Klass:
    """A class of the project."""

    path: str
    qualname: str


@dataclass(frozen=True)
class Instance:
    """An instance of a project class."""

    cls: Klass


@dataclass(frozen=True)
class Bound:
    """A method looked up on an instance or class."""

    func: Func


@dataclass(frozen=True)
class Lit:
    """A literal constant."""

    value: str | int | float | bool | None


@dataclass(frozen=True)
class Text:
    """A string only partly known; unknown parts are NUL characters."""

    value: str


@dataclass(frozen=True, eq=False)
class Term:
    """A dict or list literal, kept unevaluated with the module it belongs to."""

    path: str
    expr: Expr


@dataclass(frozen=True, eq=False)
class Lambda:
    """A lambda expression."""

    path: str
    body: Expr


@dataclass(frozen=True)
class Client:
    """An LLM client (or LangChain runnable) and the protections it carries.

    ``attrs`` is the attribute path walked from the client so far (``("chat",
    "completions")``), so that ``client.chat.completions`` is still this client.
    """

    family: str
    label: str  # "OpenAI()" for messages
    origin: tuple[str, int] | None = None
    timeout: Protection | None = None
    no_timeout: Protection | None = None  # the timeout explicitly switched off, or unset
    retry: Protection | None = None
    no_retry: Protection | None = None  # retries explicitly switched off
    default_retry: Protection | None = None
    validation: Protection | None = None
    fallback: Protection | None = None
    instructor: bool = False
    attrs: tuple[str, ...] = ()
    base_url: str | None = None


@dataclass(frozen=True, eq=False)
class Partial:
    """``functools.partial(target, ...)``: calling it calls ``target`` with the arguments
    given here too (``term``, the partial's call in the module at ``path``)."""

    target: Value
    path: str
    term: Expr


Value = (Unknown | Ext | Module | Func | Klass | Instance | Bound | Lit | Text | Term | Lambda
         | Client | Partial)


def rank(value: Value) -> int:
    """How informative a value is, to choose among alternatives (``a or b``, reassignments)."""
    if isinstance(value, Client):
        return 6
    if isinstance(value, (Func, Klass, Instance, Bound, Module, Lambda, Partial)):
        return 5
    if isinstance(value, Ext):
        return 4
    if isinstance(value, (Text, Term)):
        return 3
    if isinstance(value, Lit):
        return 2 if isinstance(value.value, str) else 1 if value.value is not None else 0
    return -1


def best(values: list[Value], *, prefer_last: bool = False) -> Value:
    """The most informative value (ties: the first, or the last for reassignments)."""
    chosen: Value = UNKNOWN
    top = -2
    for value in values:
        r = rank(value)
        if r > top or (prefer_last and r == top):
            chosen, top = value, r
    return chosen


# string methods that keep a URL's host and route (``base_url.rstrip("/")``)
URL_KEEPING = frozenset({"strip", "rstrip", "lstrip", "removesuffix", "removeprefix", "lower"})


def string_of(value: Value) -> str | None:
    """The (partial) text of a string value, None if it is not one."""
    if isinstance(value, Lit) and isinstance(value.value, str):
        return value.value
    if isinstance(value, Text):
        return value.value
    return None


def render(term: Any, limit: int = 60) -> str:
    """A short source-like rendering of a term, for messages."""
    text = _render(term, 0)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _render(term: Any, depth: int) -> str:
    if not isinstance(term, list) or not term or depth > 8:
        return "…"
    tag = term[0]
    d = depth + 1
    if tag == "lit":
        return str(repr(term[1]))
    if tag in ("g", "b", "mod"):
        return str(term[1])
    if tag == "imp":
        return str(term[3])
    if tag in ("def", "class"):
        return str(term[1]).rsplit(".", 1)[-1]
    if tag in ("self", "cls"):
        return str(tag)
    if tag == "p":
        return str(term[2]) or "…"
    if tag == "attr":
        return f"{_render(term[1], d)}.{term[2]}"
    if tag == "call":
        return f"{_render(term[1], d)}(…)" if term[2] or term[3] else f"{_render(term[1], d)}()"
    if tag == "sub":
        return f"{_render(term[1], d)}[{_render(term[2], d)}]"
    if tag == "dict":
        return "{…}"
    if tag == "list":
        return "[…]"
    if tag == "str":
        return "f'…'"
    return "…"
