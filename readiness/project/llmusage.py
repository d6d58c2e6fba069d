"""Where the repository uses an LLM: SDK imports, Bedrock runtime clients, LLM gateway configs.

Computed once per run and shared: most checks ask first whether there is any LLM usage at all,
and which files talk to a model.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readiness.project.configfiles import config_index
from readiness.project.importscan import import_words, imports_of
from readiness.project.signals import Hit, gate_words, search

if TYPE_CHECKING:
    from readiness.project import Project

LLM_MODULES = ("openai", "anthropic", "litellm", "langchain*", "langgraph",
               "google.generativeai", "google.genai", "vertexai", "cohere", "mistralai",
               "llama_index", "groq", "instructor", "@anthropic-ai/sdk", "@google/genai",
               "@google/generative-ai", "@langchain/*", "@mistralai/mistralai", "cohere-ai",
               "ai", "@aws-sdk/client-bedrock-runtime",
               # the other SDKs and frameworks whose calls the call-site index knows
               # (readiness.llmcalls.sdk), so that a check never says "no LLM usage" of an
               # app whose model calls the per-call checks judge
               "ollama", "together", "cerebras.cloud.sdk", "zhipuai", "qianfan", "spice",
               "lmi", "graphrag_llm", "autogen_ext.models", "autogen_agentchat",
               "azure.ai.inference", "pydantic_ai")
# SDKs whose package name a project's own module may have (the OpenAI Agents SDK is
# ``agents``): their imports are LLM usage only in a project without such a module
SHARED_NAMES = ("agents",)
import_words(*LLM_MODULES, *SHARED_NAMES)  # the gate words of imports_of below
_BEDROCK_ANCHORS = gate_words(("bedrock-",))
_BEDROCK = re.compile(r"""\bclient\(\s*(?:service_name\s*=\s*)?["']"""
                      r"""bedrock-(?:agent-)?runtime["']""")
_GATEWAY_KEY = re.compile(r"^model_list\.\d+\.litellm_params\.model$")


def llm_usage(project: Project) -> tuple[Hit, ...]:
    """Where the repository uses an LLM: SDK imports, Bedrock runtime clients and LLM gateway
    configs (litellm proxy ``model_list``), outside tests. Empty: no LLM usage found."""
    return project.shared("signals.llm_usage", _scan_llm_usage)


def sdk_imports(project: Project) -> tuple[Hit, ...]:
    """The imports of a model SDK or framework outside tests (the first part of
    ``llm_usage``, which also parses every config file: enough to tell that an app calls a
    model when it imports one)."""
    return project.shared("signals.sdk_imports", _scan_sdk_imports)


def _scan_sdk_imports(project: Project) -> tuple[Hit, ...]:
    own = {name for name in SHARED_NAMES if any(
        rel == f"{name}.py" or rel.endswith((f"/{name}.py", f"/{name}/__init__.py"))
        or rel == f"{name}/__init__.py" for rel in project.files)}
    return tuple(Hit(i.path, i.line, i.module, "import")
                 for i in imports_of(project, *LLM_MODULES, *SHARED_NAMES)
                 if i.module.split(".")[0] not in own)


def _scan_llm_usage(project: Project) -> tuple[Hit, ...]:
    hits = list(sdk_imports(project))
    hits += [h._replace(kind="bedrock") for h in search(project, _BEDROCK,
                                                        anchors=_BEDROCK_ANCHORS)]
    hits += [Hit(e.path, e.line, str(e.value), "gateway")
             for e in config_index(project).find(_GATEWAY_KEY)]
    return tuple(sorted(set(hits)))


def llm_files(project: Project) -> frozenset[str]:
    """Source files that talk to a model directly (import an SDK or build a Bedrock client)."""
    return files_of(llm_usage(project))


def files_of(hits: tuple[Hit, ...]) -> frozenset[str]:
    """The source files of LLM usage hits (a gateway config talks to no model itself)."""
    return frozenset(h.path for h in hits if h.kind != "gateway")


NO_LLM = ("no LLM usage found (no import of a model SDK or framework such as openai, "
          "anthropic, litellm, langchain, google genai, llama_index or ollama, no Bedrock "
          "runtime client, no LLM gateway config, no model call)")
