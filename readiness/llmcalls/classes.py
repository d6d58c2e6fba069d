"""Project classes: their project base classes, the external classes they derive from, and
whether that makes their instances models (``class TracedChat(ChatOpenAI)``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from readiness.llmcalls.clients import attribute
from readiness.llmcalls.facts import ClassFact
from readiness.llmcalls.sdk import LANGCHAIN_CHAINS, PROVIDER_ROOTS, constructor_family
from readiness.llmcalls.values import UNKNOWN, Client, Ext, Klass, Value

if TYPE_CHECKING:
    from readiness.llmcalls.resolve import Program

MAX_BASES = 12  # classes followed up one hierarchy


def mro(prog: Program, cls: Klass, depth: int) -> Iterator[tuple[Klass, ClassFact]]:
    """The class and its project base classes, depth first."""
    seen: set[Klass] = set()
    todo = [cls]
    while todo and len(seen) < MAX_BASES:
        klass = todo.pop(0)
        if klass in seen:
            continue
        seen.add(klass)
        facts = prog.facts.get(klass.path)
        fact = facts.classes.get(klass.qualname) if facts else None
        if fact is None:
            continue
        yield klass, fact
        for base in fact.bases:
            value = prog.eval(klass.path, base, depth + 1)
            if isinstance(value, Klass):
                todo.append(value)


def base_names(prog: Program, cls: Klass) -> list[str]:
    """Qualified names of the external classes a project class derives from."""
    names = []
    for klass, fact in mro(prog, cls, 0):
        for base in fact.bases:
            value = prog.eval(klass.path, base, 1)
            if isinstance(value, Ext):
                names.append(value.name)
    return names


def model_base(prog: Program, cls: Klass) -> tuple[str, str | None] | None:
    """The client family a project class inherits from an SDK or framework model class,
    with that SDK's default retries; None for any other class."""
    return next((made for name in base_names(prog, cls)
                 if (made := constructor_family(name)) is not None), None)


def is_chain(prog: Program, cls: Klass) -> bool:
    """Does the project class derive from a LangChain chain that calls the ``llm`` it is
    given (``class NotebookOutlineChain(LLMChain)``)?"""
    return any(name in LANGCHAIN_CHAINS for name in base_names(prog, cls))


def delegated(prog: Program, cls: Klass, name: str, depth: int) -> Value:
    """``instance.name`` for a class whose ``__getattr__`` hands unknown attributes on to an
    SDK module it keeps (``self._module = importlib.import_module("litellm")``): the
    module's attribute; or to a client it builds on first use (``self._client =
    getattr(openai, self._cls_name)(**kwargs)``): the client's. Anything else: unknown."""
    target = _handed_to(prog, cls, depth)
    if isinstance(target, Ext):
        return Ext(f"{target.name}.{name}")
    return attribute(target, name) if isinstance(target, Client) else UNKNOWN


def proxied(prog: Program, cls: Klass, depth: int) -> Client | None:
    """The client an instance of ``cls`` stands for, when the class is a lazy proxy: its
    ``__getattr__`` hands attributes on to a client it builds on first use."""
    target = _handed_to(prog, cls, depth)
    return target if isinstance(target, Client) else None


def _handed_to(prog: Program, cls: Klass, depth: int) -> Ext | Client | None:
    """What a class's ``__getattr__`` hands attributes on to: an SDK module or a client kept
    in one of its attributes (None: no ``__getattr__``, or neither)."""
    for klass, fact in mro(prog, cls, depth):
        if "__getattr__" not in fact.methods:
            continue
        for terms in fact.attrs.values():
            for term in terms:
                value = prog.eval(klass.path, term, depth + 1)
                if isinstance(value, Ext) and value.name.split(".", 1)[0] in PROVIDER_ROOTS \
                        and "." not in value.name:
                    return value
                if isinstance(value, Client):
                    return value
    return None
