"""Models kept on shared objects by name, for loads the analysis cannot see into.

Web apps and UIs keep the model on an object the framework owns: ``app.state.llm =
AsyncOpenAI()`` in a startup hook, ``st.session_state.chain = ...``, ``cl.user_session.set(
"llm", model)``, ``bp.client = ...``. The walker records every such store by name
(``FileFacts.stores``); a load of that name from an object whose value is unknown or
external (``request.app.state.llm``, ``user_session.get("llm")``) is the stored model.
Only stores whose value is a model count: a name stored with anything else resolves to
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readiness.llmcalls.scope import Expr
from readiness.llmcalls.values import Client

if TYPE_CHECKING:
    from readiness.llmcalls.resolve import Program


class Stores:
    """Every store of the program, by name, and the model each name holds (if any)."""

    def __init__(self, prog: Program) -> None:
        self._prog = prog
        self._by_name: dict[str, list[tuple[str, Expr]]] = {}
        for path, facts in prog.facts.items():
            for _, key, term in facts.stores:
                self._by_name.setdefault(key, []).append((path, term))
        self._found: dict[str, Client | None] = {}

    def lookup(self, name: str, depth: int) -> Client | None:
        """The model stored under ``name`` anywhere in the project, or None."""
        if name not in self._by_name:
            return None
        if name not in self._found:
            self._found[name] = None  # a store that refers to itself: nothing
            found = [value for path, term in self._by_name[name]
                     if isinstance(value := self._prog.eval(path, term, depth + 1), Client)]
            self._found[name] = found[0] if found else None
        return self._found[name]
