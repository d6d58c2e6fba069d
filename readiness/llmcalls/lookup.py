"""Finding a keyword in a call term, or a key in a dict literal or constructor call."""

from __future__ import annotations

from readiness.llmcalls.scope import Expr
from readiness.llmcalls.values import Client, Ext, Term, Value


def keyword(term: Expr, name: str) -> tuple[int, Expr] | None:
    """The line and value term of keyword ``name`` in a call term."""
    for key, line, value in term[3]:
        if key == name:
            return line, value
    return None


def find_key(value: Value, key: str) -> tuple[str, int, Expr] | None:
    """``key`` in a dict literal, or among the keywords of the call that built ``value``."""
    if isinstance(value, Term) and value.expr[0] == "dict":
        for name, line, term in value.expr[1]:
            if name == key:
                return value.path, line, term
    elif isinstance(value, Ext) and value.call is not None:
        found = keyword(value.call[1], key)
        if found:
            return value.call[0], found[0], found[1]
    elif (isinstance(value, Client) and value.family == "http" and key == "timeout"
          and value.timeout is not None):  # httpx.Client(timeout=...) handed to an SDK client
        return value.timeout.path, value.timeout.line, ["unk"]
    return None
