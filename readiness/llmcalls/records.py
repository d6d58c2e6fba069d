"""The public records of the call-site index."""

from __future__ import annotations

from typing import NamedTuple


class Protection(NamedTuple):
    """One thing that protects a call site, and where it is written.

    ``strength`` is ``"explicit"`` (written in the project's code), ``"default"`` (an SDK's
    built-in behaviour, such as openai's two retries) or ``"weak"`` (for output validation:
    the output is decoded, e.g. ``json.loads``, but not checked against a schema).
    """

    path: str
    line: int
    how: str
    strength: str = "explicit"


class CallSite(NamedTuple):
    """A place in the project's code that calls a model API, and what protects it."""

    path: str
    line: int
    col: int
    # openai anthropic google cohere mistral bedrock litellm langchain llamaindex http
    provider: str
    api: str  # "chat.completions.create", "invoke", "POST api.openai.com/v1/chat/completions"
    function: str | None  # qualname of the enclosing function, None at module level
    timeout: Protection | None
    retry: Protection | None
    error_handling: Protection | None
    output_validation: Protection | None
    fallback: Protection | None = None  # another model or provider tried when this one fails
    client: str | None = None  # "path:line" where the client object was constructed
    purpose: str = "generation"  # generation embedding rerank listing image other
    context: str = "production"  # production test eval example script demo
    data: bool = True  # the output is used as data (decoded, validated); False: free text

    @property
    def production(self) -> bool:
        return self.context == "production"


class Construction(NamedTuple):
    """A place that builds an SDK client or a framework model object."""

    path: str
    line: int
    provider: str
    label: str  # "OpenAI()", "ChatOpenAI()"
    timeout: Protection | None
    retry: Protection | None  # explicit, or the SDK's default (strength "default")
    context: str = "production"

    @property
    def production(self) -> bool:
        return self.context == "production"


class CallSiteIndex(NamedTuple):
    """Every LLM call site of a project, sorted by (path, line, col), and how the scan went."""

    calls: tuple[CallSite, ...]
    files_total: int  # Python files in the project
    files_parsed: int  # parsed in this run
    files_from_cache: int  # facts loaded from the cache instead of parsing
    unparsable: tuple[str, ...]  # analysed files that do not parse (syntax, Python 2, nesting)
    files_analysed: int = 0  # files the prefilter let through (parsed + cached + unparsable)
    constructions: tuple[Construction, ...] = ()  # every client / model object built
