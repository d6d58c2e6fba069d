"""LLM tracing integrations set up outside tests: they log both sides of each call, with ids,
tokens and cost (LangSmith, Langfuse, Helicone, OpenTelemetry GenAI, OpenLLMetry, Logfire,
MLflow, Weave, litellm callbacks), found in code, config and environment settings.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readiness.project.configfiles import config_index, scalar_text
from readiness.project.envsettings import env_settings, truthy
from readiness.project.signals import Hit, gate_words, mentions, search
from readiness.project.sourcetext import ANY, CODE

if TYPE_CHECKING:
    from readiness.project import Project

_TRACING: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    ("LangSmith", ("wrap_", "@traceable", "LangChainTracer("), re.compile(
        r"\bwrap_(?:openai|anthropic)\(|@traceable\b|\bLangChainTracer\(")),
    # the decorator bare or through the module (mle-agent: ``@langfuse.observe(...)`` on the
    # wrapper of every model call, ``langfuse = importlib.import_module("langfuse.decorators")``)
    ("Langfuse", ("langfuse.openai", "@observe", ".observe(", "CallbackHandler(", "Langfuse("),
     re.compile(r"\bfrom[ \t]+langfuse\.openai[ \t]+import\b|\bimport[ \t]+langfuse\.openai\b|"
                r"@observe\b|@[\w.]*\.observe\(|\bCallbackHandler\(|\bLangfuse\(")),
    ("Helicone", ("elicone", "ELICONE"), re.compile(r"\bhelicone\.ai\b|\bHelicone-Auth\b",
                                                    re.IGNORECASE)),
    ("OpenTelemetry GenAI instrumentation", ("Instrumentor().instrument(",), re.compile(
        r"\b(?:OpenAI|Anthropic|Bedrock|VertexAI|LangChain|LlamaIndex|MistralAi|Cohere|Groq|"
        r"LiteLLM|GoogleGenAi|Openai)Instrumentor\(\)\.instrument\(")),
    ("OpenLLMetry", ("Traceloop.init(",), re.compile(r"\bTraceloop\.init\(")),
    ("Logfire", ("logfire.instrument_",), re.compile(
        r"\blogfire\.instrument_(?:openai|anthropic|litellm|pydantic_ai)\(")),
    ("MLflow tracing", ("autolog(",), re.compile(
        r"\bmlflow\.(?:openai|anthropic|langchain|litellm|gemini|bedrock)\.autolog\(")),
    ("Weave", ("weave.init(",), re.compile(r"\bweave\.init\(")),
)
gate_words(word for _, anchors, _ in _TRACING for word in anchors)
_CALLBACK_VENDORS = {"langfuse": "Langfuse", "langsmith": "LangSmith", "helicone": "Helicone",
                     "otel": "OpenTelemetry", "opentelemetry": "OpenTelemetry",
                     "datadog": "Datadog", "lunary": "Lunary", "arize": "Arize",
                     "braintrust": "Braintrust", "mlflow": "MLflow", "logfire": "Logfire",
                     "athina": "Athina", "langtrace": "Langtrace"}
_LANGSMITH_SWITCHES = gate_words(("LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING"))
_LITELLM_ANCHORS = gate_words(("litellm.",))
_LITELLM_CALLBACK = re.compile(r"\blitellm\.(?:success_callback|callbacks)\s*=\s*\[([^\]]*)\]")
_CALLBACK_KEY = re.compile(r"(?:^|\.)(?:success_callback|callbacks)\.\d+$")


def tracing(project: Project) -> tuple[Hit, ...]:
    """LLM tracing integrations set up outside tests; each hit's ``kind`` names the vendor."""
    return project.shared("signals.tracing", _scan_tracing)


def _scan_tracing(project: Project) -> tuple[Hit, ...]:
    hits: list[Hit] = []
    for vendor, anchors, pattern in _TRACING:
        langs = ANY if vendor == "Helicone" else CODE
        hits += [h._replace(kind=vendor) for h in search(project, pattern, langs=langs,
                                                         anchors=anchors)
                 if vendor != "Langfuse" or mentions(project, h.path, "langfuse")]
    for hit in search(project, _LITELLM_CALLBACK, anchors=_LITELLM_ANCHORS):
        hits += [hit._replace(kind=_CALLBACK_VENDORS[name]) for name in _CALLBACK_VENDORS
                 if re.search(rf"[\"']{name}[\"']", hit.text)]
    for entry in config_index(project).find(_CALLBACK_KEY):
        named = _CALLBACK_VENDORS.get(scalar_text(entry.value).lower())
        if named:
            hits.append(Hit(entry.path, entry.line, scalar_text(entry.value), named))
    hits += [Hit(s.path, s.line, s.name, "LangSmith")
             for s in env_settings(project, *_LANGSMITH_SWITCHES)
             if truthy(s.value)]
    return tuple(sorted(set(hits), key=lambda h: (h.path, h.line, h.kind)))
