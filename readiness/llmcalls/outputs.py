"""Output validation requested from the model API itself (structured output, tool schemas).

The rule: a schema the API enforces or parses into is ``explicit`` validation —
``response_format`` with a JSON schema or a model class, ``response_model`` (instructor),
``text_format`` / ``text={"format": {"type": "json_schema"}}`` (responses API), Gemini's
``response_schema``, and tool use that forces a tool with a schema. JSON mode without a
schema (``{"type": "json_object"}``, ``response_mime_type="application/json"``) and tools
the model may ignore are ``weak``: the output is JSON, or may be, but nothing checks it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readiness.llmcalls.lookup import find_key, keyword
from readiness.llmcalls.records import Protection
from readiness.llmcalls.scope import Expr
from readiness.llmcalls.sdk import OUTPUT_PARSERS
from readiness.llmcalls.values import Client, Ext, Lit, Term, Value, render, string_of

if TYPE_CHECKING:
    from readiness.llmcalls.resolve import Program

_FORCING = frozenset({"required", "any"})


def parser_strength(name: str) -> str | None:
    """``explicit`` / ``weak`` for a LangChain output parser (``...PydanticOutputParser()``)."""
    if not name.endswith("()"):
        return None
    return OUTPUT_PARSERS.get(name[:-2].rsplit(".", 1)[-1])


def judge_options(prog: Program, path: str, term: Expr, where: str) -> Protection | None:
    """Output validation requested by the keywords of a call (or constructor) term."""
    keywords = {key: (line, value) for key, line, value in term[3]}
    found: list[Protection] = []
    for key, (line, value_term) in keywords.items():
        at = f"{where} at {path}:{line}".replace("  ", " ").strip()
        strength = _judge_key(prog, path, key, value_term, keywords)
        if strength is not None:
            found.append(Protection(path, line, f"{key}={render(value_term, 40)} {at}",
                                    strength))
    return _strongest(found)


def judge_output_type(prog: Program, path: str, term: Expr, where: str) -> Protection | None:
    """A pydantic-ai ``Agent(output_type=X)``: the answer is validated into ``X`` (and asked
    again when it does not fit), unless ``X`` is ``str``. Its other keywords (``tools=``: the
    agent's actions) say nothing of the answer's shape."""
    found = keyword(term, "output_type")
    if not found or _judge_key(prog, path, "output_type", found[1], {}) is None:
        return None
    return Protection(path, found[0], f"output_type={render(found[1], 40)} {where} at "
                      f"{path}:{found[0]}")


def _judge_key(prog: Program, path: str, key: str, term: Expr,
               keywords: dict[str, tuple[int, Expr]]) -> str | None:
    if key in ("response_model", "text_format", "output_format", "output_schema"):
        return "explicit"
    if key == "output_type":  # pydantic-ai and the OpenAI Agents SDK; str is free text
        value = prog.eval(path, term)
        return None if isinstance(value, Ext) and value.name == "builtins.str" else "explicit"
    if key == "response_format":
        return judge_response_format(prog, prog.eval(path, term))
    if key == "text":
        return judge_response_format(prog, _key_value(prog, prog.eval(path, term), "format"))
    if key in ("tools", "functions"):
        value = prog.eval(path, term)
        if isinstance(value, Term) and value.expr[0] == "list" and not value.expr[1]:
            return None
        forcing = keywords.get("tool_choice") or keywords.get("function_call")
        return "explicit" if forcing and _forces(prog, path, forcing[1]) else "weak"
    if key == "toolConfig":
        value = prog.eval(path, term)
        choice = _key_value(prog, value, "toolChoice")
        if isinstance(choice, Term) and choice.expr[0] == "dict":
            names = {entry[0] for entry in choice.expr[1]}
            return "explicit" if names & {"tool", "any"} else "weak"
        return "weak"
    if key in ("config", "generation_config", "generationConfig"):
        return judge_generation_config(prog, prog.eval(path, term))
    if key == "json":  # the body of a raw HTTP request
        value = prog.eval(path, term)
        if isinstance(value, Term) and value.expr[0] == "dict":
            inner = {name: (line, v) for name, line, v in value.expr[1] if name}
            results = [_judge_key(prog, value.path, name, v, inner)
                       for name, (_, v) in inner.items() if name != "json"]
            return _best_strength([r for r in results if r])
    return None


def judge_response_format(prog: Program, value: Value | None) -> str | None:
    """``response_format``: a schema or model class is explicit, JSON mode is weak."""
    if value is None:
        return None
    if isinstance(value, Term) and value.expr[0] == "dict":
        keys = {entry[0] for entry in value.expr[1]}
        kind = string_of(_key_value(prog, value, "type") or Lit(None))
        if kind == "json_schema" or keys & {"json_schema", "schema"}:
            return "explicit"
        if kind == "json_object":
            return "weak"
        return None
    if isinstance(value, Lit):
        return "weak" if value.value == "json_object" else None
    if isinstance(value, Client):
        return None
    # a class (project or package) or something built elsewhere: a schema, most likely
    return "explicit"


def judge_generation_config(prog: Program, value: Value) -> str | None:
    """Gemini's ``response_schema`` (explicit) or JSON mime type alone (weak)."""
    for key in ("response_schema", "response_json_schema", "responseSchema"):
        if _key_value(prog, value, key) is not None:
            return "explicit"
    for key in ("response_mime_type", "responseMimeType"):
        mime = _key_value(prog, value, key)
        if mime is not None and string_of(mime) == "application/json":
            return "weak"
    return None


def _key_value(prog: Program, value: Value, key: str) -> Value | None:
    found = find_key(value, key)
    return prog.eval(found[0], found[2]) if found else None


def _forces(prog: Program, path: str, term: Expr) -> bool:
    value = prog.eval(path, term)
    if isinstance(value, Term) and value.expr[0] == "dict":
        kind = _key_value(prog, value, "type")
        return kind is None or string_of(kind) in ("function", "tool", "any")
    text = string_of(value)
    return text in _FORCING or (text is not None and text not in ("auto", "none"))


def _strongest(found: list[Protection]) -> Protection | None:
    explicit = [p for p in found if p.strength == "explicit"]
    chosen = explicit or found
    return chosen[0] if chosen else None


def _best_strength(strengths: list[str]) -> str | None:
    if "explicit" in strengths:
        return "explicit"
    return "weak" if strengths else None


def ext_is_validator(value: Value) -> str | None:
    """A validating callable from a package (jsonschema, pydantic), or an output parser."""
    if isinstance(value, Ext):
        strength = parser_strength(value.name)
        if strength:
            return strength
        root = value.name.split(".")[0]
        if root in ("jsonschema", "fastjsonschema", "pydantic"):
            return "explicit"
    return None
