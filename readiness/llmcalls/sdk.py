"""The table of known LLM SDKs, their clients, their API methods and model API hosts.

Everything the analysis knows about a particular vendor lives here, as data. Names are the
fully qualified names the resolver produces for external symbols: ``openai.OpenAI`` for
``from openai import OpenAI``, ``boto3.Session().client`` for a method of an instance.
"""

from __future__ import annotations

import functools
import re
import sys
from typing import NamedTuple

from readiness.project.sourcetext import gate_words, holds_any


class Family(NamedTuple):
    """One kind of LLM client object and what its constructor and calls accept."""

    name: str
    provider: str
    apis: frozenset[str]  # attribute paths from the client to a method that calls the model
    parse_apis: frozenset[str] = frozenset()  # APIs that parse output into a schema themselves
    ctor_timeout: tuple[str, ...] = ()
    ctor_retry: tuple[str, ...] = ()
    call_timeout: tuple[str, ...] = ()
    call_retry: tuple[str, ...] = ()
    default_retry: str | None = None  # why the SDK retries even when nobody asked it to
    # a bounded per-request timeout the library sets itself (not a 10-minute SDK default)
    default_timeout: str | None = None
    # what every call of the family is for, when its API names do not say (Qianfan's
    # Embedding().do() embeds, its ChatCompletion().do() generates)
    purpose: str | None = None


_OPENAI_APIS = frozenset({
    "chat.completions.create", "chat.completions.parse", "chat.completions.stream",
    "beta.chat.completions.parse", "beta.chat.completions.stream", "responses.create",
    "responses.parse", "responses.stream", "completions.create", "embeddings.create",
    # instructor-patched clients add these
    "chat.completions.create_with_completion", "chat.completions.create_partial",
    "chat.completions.create_iterable",
    # not generation: inventoried by purpose, never judged by the per-call checks
    "moderations.create", "models.list", "models.retrieve", "images.generate", "images.edit",
    "images.create_variation", "audio.speech.create", "audio.transcriptions.create",
    "audio.translations.create",
})
_OPENAI_PARSE = frozenset({
    "chat.completions.parse", "beta.chat.completions.parse", "responses.parse",
    "beta.chat.completions.stream", "chat.completions.stream",
})
_LANGCHAIN_APIS = frozenset({
    "invoke", "ainvoke", "batch", "abatch", "stream", "astream", "predict", "apredict",
    "predict_messages", "generate", "agenerate", "run", "arun", "astream_events",
    "astream_log",
    # the legacy chain and model API: ``chain.acall({...})`` is ``await chain({...})``;
    # ``LLMChain.apply`` asks once per input; ``generate_prompt`` takes prompt values
    "acall", "apply", "aapply", "apredict_messages", "generate_prompt", "agenerate_prompt",
})
_LLAMA_APIS = frozenset({
    "complete", "acomplete", "chat", "achat", "stream_complete", "stream_chat",
    "astream_complete", "astream_chat", "predict", "apredict", "structured_predict",
    "astructured_predict",
    # chat and query engines and agents built over a model (``from_defaults``, a cast)
    "query", "aquery", "chat_repl", "streaming_chat_repl",
})
_HTTP_METHODS = frozenset({"get", "post", "put", "patch", "request", "stream"})

FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("openai", "openai", _OPENAI_APIS, _OPENAI_PARSE, ("timeout",), ("max_retries",),
           ("timeout",), (), "SDK default max_retries=2"),
    Family("openai-module", "openai", _OPENAI_APIS | {
        "ChatCompletion.create", "ChatCompletion.acreate", "Completion.create",
        "Completion.acreate", "Embedding.create", "Embedding.acreate"}, _OPENAI_PARSE,
        (), (), ("timeout", "request_timeout"), (), None),
    Family("anthropic", "anthropic", frozenset({
        "messages.create", "messages.stream", "messages.parse", "beta.messages.create",
        "beta.messages.stream", "beta.messages.parse", "completions.create", "models.list"}),
        frozenset({"messages.parse", "beta.messages.parse"}), ("timeout",), ("max_retries",),
        ("timeout",), (), "SDK default max_retries=2"),
    Family("google-genai", "google", frozenset({
        "models.generate_content", "models.generate_content_stream", "models.embed_content",
        "aio.models.generate_content", "aio.models.generate_content_stream",
        "send_message", "send_message_stream", "models.list", "models.generate_images",
        "aio.models.embed_content"})),
    Family("google-generativeai", "google", frozenset({
        "generate_content", "generate_content_async", "send_message", "send_message_async"})),
    Family("vertexai", "google", frozenset({
        "generate_content", "generate_content_async", "send_message", "send_message_async"})),
    Family("cohere", "cohere", frozenset({
        "chat", "chat_stream", "generate", "generate_stream", "embed", "rerank"}),
        ctor_timeout=("timeout",)),
    Family("mistral", "mistral", frozenset({
        "chat.complete", "chat.complete_async", "chat.stream", "chat.stream_async",
        "chat.parse", "chat.parse_async", "embeddings.create", "fim.complete",
        "agents.complete"}), frozenset({"chat.parse", "chat.parse_async"}),
        ("timeout_ms",), ("retry_config",), ("timeout_ms",), ("retries",)),
    Family("mistral-legacy", "mistral", frozenset({"chat", "chat_stream", "embeddings"}),
           ctor_timeout=("timeout",), ctor_retry=("max_retries",),
           default_retry="SDK default max_retries=5"),
    # botocore waits 60 s to connect and 60 s per read unless its Config says otherwise
    # (botocore/config.py DEFAULT_TIMEOUT): a bounded timeout the library sets itself
    Family("bedrock", "bedrock", frozenset({
        "invoke_model", "invoke_model_with_response_stream", "converse", "converse_stream"}),
        default_retry="botocore default retries (legacy mode, 4 retries)",
        default_timeout="botocore default read_timeout=60 s"),
    Family("litellm", "litellm", frozenset({
        "completion", "acompletion", "embedding", "aembedding", "text_completion",
        "atext_completion", "responses", "aresponses", "image_generation",
        "aimage_generation", "rerank", "arerank", "moderation", "amoderation",
        # many prompts at once (crawl4ai's extract_blocks_batch); speech in and out
        "batch_completion", "batch_completion_models", "batch_completion_models_all_responses",
        "transcription", "atranscription", "speech", "aspeech"}),
        call_timeout=("timeout", "request_timeout"), call_retry=("num_retries", "max_retries")),
    # instructor.from_litellm(litellm.completion / acompletion): OpenAI-style calls whose
    # keywords go on to litellm (its timeout and num_retries among them)
    Family("instructor-litellm", "litellm", frozenset({
        f"{prefix}{api}" for prefix in ("", "chat.completions.") for api in (
            "create", "create_with_completion", "create_partial", "create_iterable")}),
        call_timeout=("timeout", "request_timeout"), call_retry=("num_retries",)),
    Family("litellm-router", "litellm", frozenset({
        "completion", "acompletion", "embedding", "aembedding", "text_completion",
        "atext_completion"}), ctor_timeout=("timeout",), ctor_retry=("num_retries",),
        call_timeout=("timeout", "request_timeout"), call_retry=("num_retries",)),
    Family("langchain", "langchain", _LANGCHAIN_APIS,
           ctor_timeout=("timeout", "request_timeout", "default_request_timeout"),
           ctor_retry=("max_retries",)),
    Family("llamaindex", "llamaindex", _LLAMA_APIS,
           frozenset({"structured_predict", "astructured_predict"}),
           ctor_timeout=("timeout", "request_timeout"), ctor_retry=("max_retries",)),
    # OpenAI-style SDKs of other providers
    Family("groq", "groq", frozenset({
        "chat.completions.create", "embeddings.create", "models.list",
        "audio.transcriptions.create"}), frozenset(), ("timeout",), ("max_retries",),
        ("timeout",), (), "SDK default max_retries=2"),
    Family("together", "together", frozenset({
        "chat.completions.create", "completions.create", "embeddings.create",
        "images.generate", "rerank.create", "models.list"}), frozenset(), ("timeout",),
        ("max_retries",), ("timeout",)),
    Family("ollama", "ollama", frozenset({
        "chat", "generate", "embed", "embeddings", "list"}), ctor_timeout=("timeout",)),
    # AutoGen model clients (autogen-ext)
    Family("autogen", "autogen", frozenset({"create", "create_stream"}),
           ctor_timeout=("timeout",), ctor_retry=("max_retries",)),
    # AutoGen AgentChat agents and teams: run() asks the model clients of their agents
    Family("autogen-agentchat", "autogen", frozenset({
        "run", "run_stream", "on_messages", "on_messages_stream"})),
    # Azure AI Inference (azure-ai-inference: the models of Azure AI Foundry): azure-core's
    # pipeline, whose RetryPolicy retries by default (retry_total=10) and whose transport
    # waits up to 300 s to connect and 300 s per read unless told otherwise
    Family("azure-ai-inference", "azure", frozenset({"complete", "embed"}),
           ctor_timeout=("read_timeout", "connection_timeout"),
           ctor_retry=("retry_total", "retry_policy"),
           call_timeout=("read_timeout", "connection_timeout"), call_retry=("retry_total",),
           default_retry="azure-core default RetryPolicy (retry_total=10)"),
    # Spice (spiceai, by AbanteAI; mentat's model layer): one client for OpenAI, Azure and
    # Anthropic models, which builds those SDKs' clients with their defaults (max_retries=2,
    # a 10-minute timeout) and takes no timeout or retry setting of its own; its retries=
    # (0.4) asks again after an answer its validator rejects, not after a failed request
    Family("spice", "spice", frozenset({
        "get_response", "stream_response", "get_embeddings", "get_embeddings_sync",
        "get_transcription"}),
        default_retry="spice builds its OpenAI/Anthropic clients with the SDK default "
                      "max_retries=2"),
    # Cerebras (cerebras-cloud-sdk 1.x) and Zhipu AI (zhipuai 2.x): OpenAI-style SDKs whose
    # clients time out and retry by default (cerebras/cloud/sdk/_constants.py: 60 s, 2
    # retries; zhipuai/core/_constants.py: 300 s, 3 retries)
    Family("cerebras", "cerebras", frozenset({
        "chat.completions.create", "completions.create", "models.list"}), frozenset(),
        ("timeout",), ("max_retries",), ("timeout",), (), "SDK default max_retries=2",
        "SDK default timeout=60 s"),
    Family("zhipuai", "zhipuai", frozenset({
        "chat.completions.create", "chat.asyncCompletions.create", "embeddings.create"}),
        frozenset(), ("timeout",), ("max_retries",), ("timeout",), (),
        "SDK default max_retries=3", "SDK default timeout=300 s"),
    # Qianfan (Baidu, qianfan 0.4): one resource class per kind of model, each asked with
    # do()/ado(); a request is retried 3 times and times out after 300 s unless the call
    # says otherwise (qianfan/consts.py DefaultValue.RetryCount, RetryTimeout)
    *(Family(name, "qianfan", frozenset({"do", "ado"}), call_timeout=("request_timeout",),
             call_retry=("retry_count",), default_retry="SDK default retry_count=3",
             default_timeout="SDK default request_timeout=300 s", purpose=purpose)
      for name, purpose in (("qianfan", None), ("qianfan-embedding", "embedding"))),
    Family("http", "http", _HTTP_METHODS, ctor_timeout=("timeout",), call_timeout=("timeout",)),
    # FutureHouse's lmi (package fhlmi, used by paper-qa): a LiteLLMModel runs each request
    # through a chain of model specs, each with timeout=60.0 and max_retries=3 (tenacity,
    # exponential backoff) unless its config says otherwise (lmi/config.py, fhlmi 1.10)
    Family("lmi", "litellm", frozenset({"call", "call_single", "acompletion",
                                        "acompletion_iter"}),
           default_retry="lmi default max_retries=3",
           default_timeout="lmi default timeout=60 s"),
    # Microsoft's graphrag-llm (used by GraphRAG 3.x): create_completion(ModelConfig) gives
    # an LLMCompletion that sends each request to litellm with the config's call_args and
    # the call's keywords (a timeout among them); it retries only when the ModelConfig has
    # a retry (ModelConfig.retry defaults to None: graphrag_llm/config/model_config.py 3.3)
    Family("graphrag-llm", "litellm", frozenset({
        "completion", "completion_async", "completion_batch", "completion_thread_pool"}),
        ctor_timeout=("timeout",), ctor_retry=("retry",), call_timeout=("timeout",)),
    # pydantic-ai (2.x): an Agent asks its model with run / run_sync / run_stream / iter.
    # Timeouts and retries are keys of its model_settings (the agent's, or the run's:
    # "timeout", "request_timeout", "max_retries"), read in clients._agent_settings; the
    # SDK clients it builds retry twice for OpenAI, Anthropic, Groq and Cohere models and
    # not at all for Google's, and wait up to 600 s (pydantic_ai/_http.py), no timeout
    # chosen (pydantic-ai-slim 2.78, settings.py)
    Family("pydantic-ai", "pydantic-ai", frozenset({
        "run", "run_sync", "run_stream", "run_stream_sync", "run_stream_events", "iter"})),
    # The OpenAI Agents SDK (openai-agents 0.24): an Agent is asked by Runner.run(agent,
    # input) / run_sync / run_streamed; its ModelSettings(timeout=..., retry=
    # ModelRetrySettings(max_retries=...)) bound and retry each model call; its default
    # model goes through the SDK's own AsyncOpenAI() (SDK default max_retries=2)
    Family("openai-agents", "openai", frozenset({
        "Runner.run", "Runner.run_sync", "Runner.run_streamed"})),
    Family("graphrag-llm-embedding", "litellm", frozenset({
        "embedding", "embedding_async", "embedding_batch", "embedding_thread_pool"}),
        ctor_timeout=("timeout",), ctor_retry=("retry",), call_timeout=("timeout",),
        purpose="embedding"),
)}

# Constructors of client objects, by qualified name.
CONSTRUCTORS: dict[str, str] = {
    **{f"openai.{n}": "openai" for n in (
        "OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI", "Client", "AsyncClient")},
    **{f"anthropic.{n}": "anthropic" for n in (
        "Anthropic", "AsyncAnthropic", "AnthropicBedrock", "AsyncAnthropicBedrock",
        "AnthropicVertex", "AsyncAnthropicVertex", "Client", "AsyncClient")},
    "google.genai.Client": "google-genai",
    "google.generativeai.GenerativeModel": "google-generativeai",
    "google.generativeai.generative_models.GenerativeModel": "google-generativeai",
    "vertexai.generative_models.GenerativeModel": "vertexai",
    "vertexai.preview.generative_models.GenerativeModel": "vertexai",
    **{f"cohere.{n}": "cohere" for n in ("Client", "ClientV2", "AsyncClient", "AsyncClientV2")},
    "mistralai.Mistral": "mistral",
    "mistralai.client.MistralClient": "mistral-legacy",
    "mistralai.async_client.MistralAsyncClient": "mistral-legacy",
    **{f"groq.{n}": "groq" for n in ("Groq", "AsyncGroq")},
    **{f"together.{n}": "together" for n in ("Together", "AsyncTogether")},
    **{f"ollama.{n}": "ollama" for n in ("Client", "AsyncClient")},
    **{f"autogen_ext.models.{m}.{n}": "autogen" for m, n in (
        ("openai", "OpenAIChatCompletionClient"), ("openai", "AzureOpenAIChatCompletionClient"),
        ("anthropic", "AnthropicChatCompletionClient"), ("ollama", "OllamaChatCompletionClient"),
        ("azure", "AzureAIChatCompletionClient"))},
    **{f"autogen_agentchat.{m}.{n}": "autogen-agentchat" for m, n in (
        ("agents", "AssistantAgent"), ("agents", "SocietyOfMindAgent"),
        ("teams", "RoundRobinGroupChat"), ("teams", "SelectorGroupChat"), ("teams", "Swarm"),
        ("teams", "MagenticOneGroupChat"))},
    **{f"azure.ai.inference{m}.{n}": "azure-ai-inference" for m in ("", ".aio") for n in (
        "ChatCompletionsClient", "EmbeddingsClient", "ImageEmbeddingsClient")},
    "spice.Spice": "spice",
    "spice.spice.Spice": "spice",
    **{f"cerebras.cloud.sdk.{n}": "cerebras" for n in ("Cerebras", "AsyncCerebras")},
    "zhipuai.ZhipuAI": "zhipuai",
    **{f"qianfan.{n}": "qianfan" for n in ("ChatCompletion", "Completion")},
    "qianfan.Embedding": "qianfan-embedding",
    "litellm.Router": "litellm-router",
    "litellm.router.Router": "litellm-router",
    **{f"pydantic_ai.{module}Agent": "pydantic-ai" for module in ("", "agent.")},
    **{f"agents.{module}Agent": "openai-agents" for module in ("", "agent.")},
    "lmi.LiteLLMModel": "lmi",
    "lmi.llms.LiteLLMModel": "lmi",
    **{f"graphrag_llm.{kind}{module}.create_{kind}": f"graphrag-llm{suffix}"
       for kind, suffix in (("completion", ""), ("embedding", "-embedding"))
       for module in ("", f".{kind}_factory")},
    **{n: "http" for n in (
        "requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client",
        "httpx.AsyncClient", "aiohttp.ClientSession")},
}

# Functions that return a boto3 client; the first argument names the service.
BOTO3_FACTORIES = frozenset({
    "boto3.client", "boto3.Session().client", "boto3.session.Session().client",
    "aioboto3.Session().client", "aiobotocore.session.get_session().create_client",
})
BEDROCK_SERVICES = frozenset({"bedrock-runtime"})

# Functions that ask the model object handed to them as their first argument (or by the
# keyword), by qualified name: the API the call site is listed under.
AGENT_RUNS: dict[str, tuple[str, str]] = {
    f"agents.{module}Runner.{method}": ("starting_agent", f"Runner.{method}")
    for module in ("", "run.") for method in ("run", "run_sync", "run_streamed")}

# Module-level functions that call a model without a client object.
MODULE_CALLS: dict[str, tuple[str, str]] = {
    **{f"openai.{api}": ("openai-module", api) for api in FAMILIES["openai-module"].apis},
    **{f"litellm.{api}": ("litellm", api) for api in FAMILIES["litellm"].apis},
    **{f"ollama.{api}": ("ollama", api) for api in FAMILIES["ollama"].apis},
}
# Module attributes that configure those module-level calls (``litellm.num_retries = 3``).
MODULE_SETTINGS: dict[str, dict[str, str]] = {
    "openai-module": {"openai.timeout": "timeout", "openai.max_retries": "retry"},
    "litellm": {"litellm.request_timeout": "timeout", "litellm.num_retries": "retry"},
}

# HTTP clients that time out unless told not to (requests never does), by the label of the
# client object (``httpx.Client()``: "Client()") or the module function: their documented
# defaults, a timeout the code did not choose. Only for a model call made through them: an
# SDK handed such a client sets its own timeout on each request.
HTTP_DEFAULT_TIMEOUTS = {
    "Client()": "httpx default timeout=5 s", "AsyncClient()": "httpx default timeout=5 s",
    "ClientSession()": "aiohttp default timeout=300 s total",
    **{f"httpx.{verb}": "httpx default timeout=5 s" for verb in ("get", "post", "put", "patch",
                                                               "request", "stream")},
}
HTTP_FUNCTIONS = frozenset(
    f"{lib}.{m}" for lib in ("requests", "httpx") for m in _HTTP_METHODS
)

# Methods that return the same client with some settings changed.
OPTION_METHODS = frozenset({"with_options", "copy"})
PASSTHROUGH_ATTRS = frozenset({"with_raw_response", "with_streaming_response"})
RUNNABLE_METHODS = frozenset({
    "with_retry", "with_fallbacks", "with_structured_output", "bind_tools", "bind",
    "with_config", "with_types", "with_listeners", "pipe",
})

_LANGCHAIN_PACKAGES = ("langchain_openai", "langchain_anthropic", "langchain_google_genai",
                       "langchain_google_vertexai", "langchain_aws", "langchain_mistralai",
                       "langchain_cohere", "langchain_groq", "langchain_ollama",
                       "langchain_fireworks", "langchain_together", "langchain_huggingface",
                       "langchain_deepseek", "langchain_xai")
_LANGCHAIN_LLM_NAMES = frozenset({"OpenAI", "AzureOpenAI", "Anthropic", "Bedrock", "BedrockLLM",
                                  "VertexAI", "Cohere", "Ollama", "OllamaLLM",
                                  "GoogleGenerativeAI", "HuggingFaceEndpoint"})
_LANGCHAIN_SDK_RETRIES = frozenset({"ChatOpenAI", "AzureChatOpenAI", "ChatAnthropic", "OpenAI",
                                    "AzureOpenAI"})
_LLAMA_SDK_RETRIES = frozenset({"OpenAI", "AzureOpenAI", "Anthropic", "OpenAIMultiModal"})
LANGCHAIN_CHAINS = frozenset({"langchain.chains.LLMChain", "langchain.chains.llm.LLMChain",
                              "langchain.LLMChain",  # LangChain before 0.1 exported it there
                              "langchain_core.runnables.RunnableSequence",
                              # create_extraction_chain(prompt=..., schema=..., llm=llm)
                              "langchain.chains.create_extraction_chain",
                              "langchain.chains.openai_functions.create_extraction_chain",
                              "langchain.chains.openai_functions.extraction."
                              "create_extraction_chain"})
INIT_CHAT_MODEL = frozenset({"langchain.chat_models.init_chat_model",
                             "langchain.chat_models.base.init_chat_model"})


# LangChain packages that are not provider partner packages (their classes are prompts,
# messages, runnables, splitters: no model unless in a chat_models / llms module).
_LANGCHAIN_CORE = frozenset({"langchain", "langchain_core", "langchain_community",
                             "langchain_text_splitters", "langchain_experimental",
                             "langchain_cli", "langchain_classic"})
# Words in class names of LangChain / LlamaIndex that are never a model object.
_NOT_A_MODEL = ("Embedding", "Prompt", "Message", "History", "Template", "Retriever", "Loader",
                "Tool", "Store", "Parser", "Callback", "Splitter", "Session", "Response",
                "Metadata", "Role", "Result", "Generation", "Chunk", "Reranker", "Rerank")
_LLAMA_BASES = frozenset({"LLM", "CustomLLM", "BaseLLM", "FunctionCallingLLM",
                          "MultiModalLLM"})


# A pure function of the name, asked again for the same few names by each value the
# resolution meets (skyvern: 77,378 calls for 3,385 names).
@functools.lru_cache(maxsize=8192)
def constructor_family(name: str) -> tuple[str, str | None] | None:
    """The client family built by calling ``name``, and the SDK default retries if any.

    Besides the table, families are recognised by rule: a chat or LLM class of any
    ``langchain_*`` provider package (``ChatOpenAI``, ``AzureChatOpenAI``,
    ``ChatBedrockConverse``, ``OllamaLLM``), of a ``chat_models`` / ``llms`` module of
    LangChain itself, and any model class under ``llama_index.llms`` (the flat older path
    included) or ``llama_index.multi_modal_llms``."""
    family = CONSTRUCTORS.get(name)
    if family is not None:
        return family, FAMILIES[family].default_retry
    module, _, cls = name.rpartition(".")
    if not cls[:1].isupper() or any(word in cls for word in _NOT_A_MODEL):
        return None
    root = module.split(".")[0]
    langchain = (root.startswith("langchain_") and root not in _LANGCHAIN_CORE) or (
        root in ("langchain", "langchain_community")
        and (".chat_models" in module or ".llms" in module)) or (
        module == "langchain" and cls in _LANGCHAIN_LLM_NAMES)  # 0.0.x: `from langchain import X`
    if langchain and ("Chat" in cls or cls in _LANGCHAIN_LLM_NAMES or cls.endswith("LLM")):
        default = "SDK default max_retries=2" if cls in _LANGCHAIN_SDK_RETRIES else None
        return "langchain", default
    if cls in _LLAMA_BASES:
        return None
    if module in ("llama_index.llms", "llama_index.legacy.llms") or module.startswith((
            "llama_index.llms.", "llama_index.legacy.llms.", "llama_index.multi_modal_llms")):
        default = "SDK default max_retries=3" if cls in _LLAMA_SDK_RETRIES else None
        return "llamaindex", default
    return None


_LLAMA_ENGINES = ("ChatEngine", "QueryEngine")
_LLAMA_AGENTS = frozenset({"ReActAgent", "FunctionAgent", "FunctionCallingAgent", "OpenAIAgent",
                           "AgentRunner", "AgentWorkflow", "CodeActAgent"})
_AGENTCHAT_BASES = frozenset({"BaseGroupChat", "BaseChatAgent", "AssistantAgent",
                              "SocietyOfMindAgent", "RoundRobinGroupChat", "SelectorGroupChat",
                              "Swarm", "MagenticOneGroupChat"})
_MODEL_CLIENT_BASES = frozenset({"autogen_core.models.ChatCompletionClient",
                                 "autogen_core.models._model_client.ChatCompletionClient"})


def engine_family(name: str) -> str | None:
    """The family of a framework object that calls a model set up elsewhere, known by its
    class alone (a parameter annotated with it, a ``cast`` to it, one loaded from a config):
    a LlamaIndex chat or query engine or agent, an AutoGen AgentChat agent or team, an
    AutoGen model client's base class."""
    if name in _MODEL_CLIENT_BASES:
        return "autogen"
    module, _, cls = name.rpartition(".")
    if module.startswith("llama_index.") and (cls.endswith(_LLAMA_ENGINES)
                                              or cls in _LLAMA_AGENTS):
        return "llamaindex"
    if module.startswith("autogen_agentchat.") and cls in _AGENTCHAT_BASES:
        return "autogen-agentchat"
    return None


# What a call is for: only generation decides the per-call checks; the rest is inventoried.
PURPOSES = ("generation", "embedding", "rerank", "listing", "image", "other")
_PURPOSE_WORDS = (("embedding", ("embed",)), ("rerank", ("rerank",)),
                  ("listing", ("models.list", "models.retrieve")),
                  ("image", ("images.", "image_generation", "generate_images")),
                  ("other", ("moderation", "transcription", "speech", "audio.")))


_HTTP_VERBS = ("GET ", "POST ", "PUT ", "PATCH ", "REQUEST ", "STREAM ")
_HTTP_OTHER = ("/auth", "/key", "oauth", "/audio", "/speech", "/transcriptions", "/files",
               "/batches", "/fine_tuning", "/fine-tuning", "/usage", "/credits",
               "/cachedcontents", ":counttokens")  # Gemini's and Vertex AI's prompt caches


def purpose_of(api: str) -> str:
    """``generation``, ``embedding``, ``rerank``, ``listing``, ``image`` or ``other``. For raw
    HTTP (``POST host/route``) the verb and route decide: model lists, account, key and
    OAuth endpoints, speech and files, and whatever is fetched with GET are not
    generation."""
    lowered = api.lower()
    if api.startswith(_HTTP_VERBS):
        route = "/" + lowered.split(" ", 1)[1].split("/", 1)[-1]
        if route.rstrip("/").endswith("/models") or (
                api.startswith("GET ") and "/models/" in route):
            return "listing"
        if any(word in route for word in _HTTP_OTHER) or api.startswith("GET "):
            return "other"  # a model API generates only when posted to
    if lowered == "list":  # Ollama's client.list(): the models pulled
        return "listing"
    for purpose, words in _PURPOSE_WORDS:
        if any(word in lowered for word in words):
            return purpose
    return "generation"


_MODEL_PURPOSES = (("embedding", ("embed", "text-embedding", "titan-embed")),
                   ("image", ("-image", "imagen", "dall-e", "gpt-image", "stable-diffusion",
                              "titan-image")),
                   ("rerank", ("rerank",)), ("other", ("whisper", "tts-", "-tts")))


def purpose_of_model(model: str) -> str:
    """What a model id is for, when its name says so (``text-embedding-3-small``,
    ``amazon.titan-embed-text-v2:0``, ``gemini-2.5-flash-image``); else generation."""
    lowered = model.lower()
    for purpose, words in _MODEL_PURPOSES:
        if any(word in lowered for word in words):
            return purpose
    return "generation"


# Retry helpers from libraries, as decorators (bare or called) and as iterables.
RETRY_DECORATORS = frozenset({
    "tenacity.retry", "backoff.on_exception", "backoff.on_predicate", "stamina.retry",
    "retrying.retry", "retry.retry", "google.api_core.retry.Retry",
    "google.api_core.retry_async.AsyncRetry", "tenacity.Retrying", "tenacity.AsyncRetrying",
})
RETRY_ITERABLES = frozenset({
    "tenacity.Retrying", "tenacity.AsyncRetrying", "stamina.retry_context",
})
TIMEOUT_CONTEXTS = frozenset({
    "asyncio.timeout", "asyncio.timeout_at", "async_timeout.timeout", "anyio.fail_after",
    "anyio.move_on_after", "trio.fail_after", "trio.move_on_after",
})
TIMEOUT_WRAPPERS = frozenset({"asyncio.wait_for"})  # the timeout is the second argument
SUPPRESS_CONTEXTS = frozenset({"contextlib.suppress"})

# Exceptions from these packages are API or transport errors of a model call.
ERROR_MODULES = frozenset({
    "openai", "anthropic", "google", "cohere", "mistralai", "botocore", "boto3", "litellm",
    "httpx", "requests", "aiohttp", "urllib3", "tenacity", "instructor", "langchain_core",
    "llama_index", "stamina", "backoff", "spice", "cerebras", "zhipuai", "qianfan", "groq",
    "together", "ollama", "graphrag_llm", "pydantic_ai", "agents",
})
CATCH_ALL = frozenset({"Exception", "BaseException"})

OUTPUT_PARSERS: dict[str, str] = {
    "PydanticOutputParser": "explicit", "PydanticToolsParser": "explicit",
    "JsonOutputParser": "weak", "SimpleJsonOutputParser": "weak",
    "JsonOutputToolsParser": "weak", "JsonOutputKeyToolsParser": "weak",
}
SCHEMA_VALIDATORS = frozenset({"jsonschema", "fastjsonschema", "pydantic"})

_HOSTS = (r"api\.openai\.com|api\.anthropic\.com|generativelanguage\.googleapis\.com"
          r"|api\.mistral\.ai|api\.cohere\.(?:com|ai)|[\w-]+\.openai\.azure\.com"
          r"|bedrock-runtime(?:-fips)?\.[\w-]+\.amazonaws\.com|[\w-]+-aiplatform\.googleapis\.com"
          r"|api\.groq\.com|api\.together\.xyz|openrouter\.ai|api\.deepseek\.com|api\.x\.ai")
MODEL_HOST = re.compile(_HOSTS)  # matched against a URL's whole host name
MODEL_HOSTS = re.compile(rf"(?:^|[/.@])(?:{_HOSTS})(?=[:/]|$)")  # found anywhere in a string
# A model API's route (``urls.MODEL_ROUTE``) found anywhere in a string: a whole URL, the
# part of an f-string after the base, or the route a helper joins on ("chat/completions").
MODEL_ROUTES = re.compile(r"(?:^|/)(?:chat/completions|v\d+/completions"
                          r"|backend-api/conversation)/?(?=$|[?#])"
                          r"|:(?:stream)?[gG]enerateContent\b|:11434/api/(?:chat|generate)\b")


def url_host(url: str) -> str | None:
    """The host of a URL whose scheme and host are known, lower-cased (None otherwise)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "\0" in scheme:
        return None
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    return None if not host or "\0" in host else host.lower()


# Top-level packages that mark a file as possibly holding an LLM call (the prefilter), and
# that are never taken for a project module of the same name.
PROVIDER_ROOTS = frozenset({
    "openai", "anthropic", "google", "vertexai", "cohere", "mistralai", "boto3", "aioboto3",
    "aiobotocore", "litellm", "llama_index", "instructor", "langchain", "langchain_core",
    "langchain_community", *_LANGCHAIN_PACKAGES, "groq", "together", "ollama", "autogen_ext",
    "autogen_agentchat", "autogen_core", "lmi", "spice", "cerebras", "zhipuai", "qianfan",
    "graphrag_llm", "pydantic_ai",
})
EXTERNAL_ROOTS = frozenset(sys.stdlib_module_names) | PROVIDER_ROOTS | frozenset({
    "botocore", "httpx", "requests", "aiohttp", "tenacity", "backoff", "stamina", "retrying",
    "pydantic", "jsonschema", "fastjsonschema", "orjson", "ujson", "anyio", "trio",
    "async_timeout",
})
PREFILTER = re.compile(
    r"\b(?:openai|anthropic|genai|generativeai|vertexai|cohere|mistralai|boto3|aioboto3"
    r"|aiobotocore|bedrock[\w-]*|litellm|llama_index|instructor|langchain\w*|groq|ollama"
    r"|autogen_ext|autogen_agentchat|autogen_core|lmi|cerebras|zhipuai|qianfan|graphrag_llm"
    r"|pydantic_ai)\b"
    r"|(?:from|import)\s+(?:together|spice|agents)\b"
    r"|\bazure\.ai\.inference\b"
    r"|api\.openai\.com|api\.anthropic\.com|generativelanguage\.googleapis\.com|api\.mistral\.ai"
    r"|api\.cohere\.|openai\.azure\.com|aiplatform\.googleapis\.com|api\.groq\.com"
    r"|api\.together\.xyz|openrouter\.ai|api\.deepseek\.com|api\.x\.ai"
    # a model API's route, whatever the host (``urls.MODEL_ROUTE``)
    r"|chat/completions|v\d+/completions|[gG]enerateContent\b|:11434/api/"
    r"|backend-api/conversation"
)
# Plain substrings, one of which any text PREFILTER matches must hold: `in` is far faster
# than a regular expression with many alternatives, and most files hold none of them. Every
# alternative needs one (a test reads them from the pattern): "generativeai" was missing, and
# a module with ``import google.generativeai as palm`` was never analysed.
_PREFILTER_WORDS = gate_words(("openai", "anthropic", "genai", "generativeai", "vertexai",
                               "cohere", "mistral", "boto3", "aiobotocore", "bedrock",
                               "litellm", "llama_index",
                               "instructor", "langchain", "generativelanguage", "aiplatform",
                               "groq", "together", "openrouter", "deepseek", "api.x.ai", "ollama",
                               "autogen_", "lmi", "/completions", "enerateContent", ":11434/api/",
                               "backend-api/", "ai.inference", "spice", "cerebras", "zhipuai",
                               "qianfan", "graphrag_llm", "pydantic_ai", "agents"))


def names_a_provider(text: str) -> bool:
    """Does the text name a model provider package or API host (the first prefilter)?"""
    return holds_any(text, _PREFILTER_WORDS) and PREFILTER.search(text) is not None
