"""Project classes: their project base classes, the external classes they derive from, and
whether that makes their instances models (``class TracedChat(ChatOpenAI)``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from readiness.llmcalls.clients import attribute
from readiness.llmcalls.facts import ClassFact
from readiness.llmcalls.sdk import PROVIDER_ROOTS, constructor_family
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


def delegated(prog: Program, cls: Klass, name: str, depth: int) -> Value:
    """``instance.name`` for a class whose ``__getattr__`` hands unknown attributes on to an
    SDK module it keeps (``self._module = importlib.import_module("litellm")``): the
    module's attribute; or to a client it builds on first use (``self._client =
    getattr(openai, self._cls_name)(**kwargs)``): the client's. Anything else: unknown."""
    for klass, fact in mro(prog, cls, depth):
        if "__getattr__" not in fact.methods:
            continue
        for terms in fact.attrs.values():
            for term in terms:
                value = prog.eval(klass.path, term, depth + 1)
                if isinstance(value, Ext) and value.name.split(".", 1)[0] in PROVIDER_ROOTS \
                        and "." not in value.name:
                    return Ext(f"{value.name}.{name}")
                if isinstance(value, Client):  # a client it builds on first use (a lazy proxy)
                    return attribute(value, name)
    return UNKNOWN


def proxied(prog: Program, cls: Klass, depth: int) -> Client | None:
    """The client an instance of ``cls`` stands for, when the class is a lazy proxy: its
    ``__getattr__`` hands attributes on to a client it builds on first use."""
    value = delegated(prog, cls, "", depth)
    if isinstance(value, Client):
        return replace(value, attrs=value.attrs[:-1]) if value.attrs[-1:] == ("",) else value
    return None
