"""Each supported SDK and host is recognised, through aliases and across modules."""

from __future__ import annotations

from readiness.llmcalls import CallSiteIndex, build_index, sdk
from readiness.project import Project, llmusage, regexwords
from tests.conftest import MakeProject
from tests.fixtures_llm import strength, table, where


def scan(make_project: MakeProject, files: dict[str, str]) -> CallSiteIndex:
    return build_index(Project(make_project(files)))


OPENAI_VARIANTS = '''\
import openai as oa
from openai import OpenAI as Client, AsyncOpenAI, AzureOpenAI

c1 = Client(timeout=5)
c2 = oa.OpenAI()
c3 = AsyncOpenAI(max_retries=5)
az = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", timeout=None)

def f1(): return c1.chat.completions.create(model="m", messages=[])
def f2(): return c2.with_options(timeout=7, max_retries=0).chat.completions.create(model="m")
async def f3(): return await c3.responses.create(model="m", input="x")
def f4(): return az.embeddings.create(model="m", input="x")
def f5(): return c1.chat.completions.create(model="m", messages=[], timeout=None)
def f6(): return oa.ChatCompletion.create(model="m", messages=[], request_timeout=30)
def f7(): return oa.chat.completions.create(model="m", messages=[])
def f8(): return c1.chat.completions.with_raw_response.create(model="m", messages=[])
def f9(): return c1.completions.create(model="m", prompt="x")
def f10(): return c1.models.list()
'''


def test_openai_clients_aliases_options_and_module_calls(make_project: MakeProject) -> None:
    index = scan(make_project, {"a.py": OPENAI_VARIANTS})
    assert table(index.calls) == [
        ("a.py:9", "openai", "chat.completions.create", "f1", "a.py:4", "a.py:4", None, None,
         None),
        # with_options: its own timeout; max_retries=0 removes the SDK default
        ("a.py:10", "openai", "chat.completions.create", "f2", "a.py:10", None, None, None,
         None),
        ("a.py:11", "openai", "responses.create", "f3", None, "a.py:6", None, None, None),
        # timeout=None on the constructor is no timeout
        ("a.py:12", "openai", "embeddings.create", "f4", None, "a.py:7", None, None, None),
        # timeout=None on the call overrides the client's timeout
        ("a.py:13", "openai", "chat.completions.create", "f5", None, "a.py:4", None, None,
         None),
        # legacy module-level call: request_timeout counts, no SDK default retries
        ("a.py:14", "openai", "ChatCompletion.create", "f6", "a.py:14", None, None, None, None),
        ("a.py:15", "openai", "chat.completions.create", "f7", None, "a.py:15", None, None,
         None),
        ("a.py:16", "openai", "chat.completions.create", "f8", "a.py:4", "a.py:4", None, None,
         None),
        ("a.py:17", "openai", "completions.create", "f9", "a.py:4", "a.py:4", None, None, None),
        # client.models.list() is inventoried with purpose "listing", never judged
        ("a.py:18", "openai", "models.list", "f10", "a.py:4", "a.py:4", None, None, None),
    ]
    assert [c.purpose for c in index.calls] == ["generation"] * 3 + ["embedding"] + [
        "generation"] * 5 + ["listing"]
    strengths = [c.retry.strength if c.retry else None for c in index.calls]
    assert strengths == ["default", None, "explicit", "default", "default", None, "default",
                         "default", "default", "default"]


GOOGLE = '''\
from google import genai
from google.genai import types
import google.generativeai as old_genai
from vertexai.generative_models import GenerativeModel, GenerationConfig
from pydantic import BaseModel

class Recipe(BaseModel):
    name: str

client = genai.Client(http_options=types.HttpOptions(timeout=30_000))
model = old_genai.GenerativeModel("gemini-1.5-flash")
vertex = GenerativeModel("gemini-1.5-pro", generation_config=GenerationConfig(
    response_mime_type="application/json"))

def a():
    return client.models.generate_content(
        model="gemini-2.0-flash", contents="x",
        config=types.GenerateContentConfig(response_schema=Recipe))

def b():
    return model.generate_content("x", request_options={"timeout": 30})

def c():
    return vertex.generate_content("x")

def d():
    chat = client.chats.create(model="gemini-2.0-flash")
    return chat.send_message("hi")

async def e():
    return await client.aio.models.generate_content(model="m", contents="x")
'''


def test_google_genai_generativeai_and_vertexai(make_project: MakeProject) -> None:
    index = scan(make_project, {"g.py": GOOGLE})
    assert table(index.calls) == [
        ("g.py:16", "google", "models.generate_content", "a", "g.py:10", None, None, "g.py:18",
         None),
        ("g.py:21", "google", "generate_content", "b", "g.py:21", None, None, None, None),
        ("g.py:24", "google", "generate_content", "c", None, None, None, "g.py:12", None),
        ("g.py:28", "google", "send_message", "d", "g.py:10", None, None, None, None),
        ("g.py:31", "google", "aio.models.generate_content", "e", "g.py:10", None, None, None,
         None),
    ]
    validations = [c.output_validation.strength for c in index.calls if c.output_validation]
    assert validations == ["explicit", "weak"]  # response_schema vs JSON mime type only


def test_the_legacy_gemini_sdk_under_any_alias_is_analysed(make_project: MakeProject) -> None:
    # alone in its module, without the word "genai": the glance once let it through
    # unread, and the app had no model calls
    index = scan(make_project, {"app/chat.py": (
        "import os\n"
        "import google.generativeai as palm\n"
        "palm.configure(api_key=os.environ['GOOGLE_API_KEY'])\n"
        "model = palm.GenerativeModel('gemini-1.5-flash')\n"
        "def ask(question):\n"
        "    return model.generate_content(question).text\n"),
        "app/notes.py": "# Generative AI helpers: none of them call a model\n"
                        "def summarise(text):\n    return text[:80]\n"})
    assert [(where(c), c.provider, c.api) for c in index.calls] == [
        ("app/chat.py:6", "google", "generate_content")]
    assert index.files_analysed == 1  # the notes about generative AI are not a provider


def test_every_alternative_of_the_provider_prefilter_needs_a_gate_word() -> None:
    # names_a_provider searches the pattern only in texts holding a gate word: each word
    # some match must contain (read from the pattern) has to hold one of them, exactly
    gate = [word.lower() for word in sdk._PREFILTER_WORDS]
    needed = regexwords.needed_words(sdk.PREFILTER)
    assert needed is not None
    assert [word for word in needed if not any(g in word for g in gate)] == []
    assert sdk.names_a_provider("import google.generativeai\n")
    assert not sdk.names_a_provider("Generative AI, generatively: no SDK named here\n")


OTHERS = '''\
import cohere
from mistralai import Mistral
from llama_index.llms.openai import OpenAI
from llama_index.llms.anthropic import Anthropic

co = cohere.ClientV2(timeout=20)
mi = Mistral(api_key="k", timeout_ms=30000)
li = OpenAI(model="gpt-4o", timeout=60)
la = Anthropic(model="claude", max_retries=0)

def a(): return co.chat(model="command-r", messages=[])
def b(): return mi.chat.complete(model="m", messages=[], response_format={"type": "json_object"})
def c(): return li.complete("x")
def d(): return la.chat([])
def e(): return co.embed(texts=["x"], model="embed")
'''


def test_cohere_mistral_and_llamaindex(make_project: MakeProject) -> None:
    index = scan(make_project, {"o.py": OTHERS})
    assert table(index.calls) == [
        ("o.py:11", "cohere", "chat", "a", "o.py:6", None, None, None, None),
        ("o.py:12", "mistral", "chat.complete", "b", "o.py:7", None, None, "o.py:12", None),
        # llama_index's OpenAI is not openai's OpenAI: resolved by module, not by name
        ("o.py:13", "llamaindex", "complete", "c", "o.py:8", "o.py:8", None, None, None),
        ("o.py:14", "llamaindex", "chat", "d", None, None, None, None, None),
        ("o.py:15", "cohere", "embed", "e", "o.py:6", None, None, None, None),
    ]
    assert index.calls[1].output_validation is not None
    assert index.calls[1].output_validation.strength == "weak"  # JSON mode, no schema


# r2r 3.6.6's Azure AI Foundry provider: Azure AI Inference's chat client, sync and async
# (azure-core retries by default); its embeddings client embeds; a storage client of the
# same azure namespace is no model at all.
AZURE_INFERENCE = '''\
import os

from azure.ai.inference import ChatCompletionsClient as AzureChatCompletionsClient
from azure.ai.inference import EmbeddingsClient
from azure.ai.inference.aio import ChatCompletionsClient as AsyncAzureChatCompletionsClient
from azure.core.credentials import AzureKeyCredential
from azure.storage.blob import BlobServiceClient

endpoint, key = os.getenv("AZURE_FOUNDRY_API_ENDPOINT"), os.getenv("AZURE_FOUNDRY_API_KEY")


class AzureFoundryCompletionProvider:
    def __init__(self):
        self.client = AzureChatCompletionsClient(
            endpoint=endpoint, credential=AzureKeyCredential(key), read_timeout=30)
        self.async_client = AsyncAzureChatCompletionsClient(
            endpoint=endpoint, credential=AzureKeyCredential(key), retry_total=0)
        self.embeddings = EmbeddingsClient(endpoint=endpoint, credential=AzureKeyCredential(key))
        self.blobs = BlobServiceClient(account_url=endpoint)

    def complete(self, messages):
        return self.client.complete(messages=messages, model="gpt-4o")

    async def acomplete(self, messages):
        return await self.async_client.complete(messages=messages, model="gpt-4o")

    def embed(self, texts):
        return self.embeddings.embed(input=texts)

    def upload(self, data):
        return self.blobs.get_blob_client("c", "b").upload_blob(data)
'''


def test_azure_ai_inference_clients(make_project: MakeProject) -> None:
    index = scan(make_project, {"azure_foundry.py": AZURE_INFERENCE})
    assert [(f"{c.path}:{c.line}", c.provider, c.api, c.purpose) for c in index.calls] == [
        ("azure_foundry.py:22", "azure", "complete", "generation"),
        ("azure_foundry.py:25", "azure", "complete", "generation"),
        ("azure_foundry.py:28", "azure", "embed", "embedding"),
    ]
    sync, async_, _ = index.calls
    assert where(sync.timeout) == "azure_foundry.py:15"  # read_timeout=30 on the client
    assert sync.retry is not None and sync.retry.strength == "default"  # azure-core's policy
    assert async_.timeout is None
    assert async_.retry is None  # retry_total=0 switches azure-core's retries off


# mentat 1.0.19's model layer (spiceai 0.2): one Spice client, its chat calls streamed or
# not, its embeddings and transcriptions; counting tokens is local, and a project module of
# the same root name as the package is still the project's (cooking.spice below).
SPICE = '''\
from spice import Spice
from spice.models import WHISPER_1

from cooking import spice as pantry


class LlmApiHandler:
    def __init__(self):
        self.spice = Spice()

    async def call_llm_api(self, messages, model, provider, stream):
        tokens = self.spice.count_prompt_tokens(messages, model, provider)
        if not stream:
            return await self.spice.get_response(model=model, provider=provider,
                                                 messages=messages, temperature=0.2)
        return await self.spice.stream_response(model=model, messages=messages)

    def call_embedding_api(self, texts, model="text-embedding-3-large"):
        return self.spice.get_embeddings_sync(texts, model)

    async def call_whisper_api(self, audio_path):
        return await self.spice.get_transcription(audio_path, model=WHISPER_1)

    def season(self, dish):
        return pantry.get_response(dish)
'''


def test_spice_clients(make_project: MakeProject) -> None:
    index = scan(make_project, {"llm_api_handler.py": SPICE,
                                "cooking/spice.py": "def get_response(dish): return dish\n"})
    assert [(f"{c.path}:{c.line}", c.provider, c.api, c.purpose) for c in index.calls] == [
        ("llm_api_handler.py:14", "spice", "get_response", "generation"),
        ("llm_api_handler.py:16", "spice", "stream_response", "generation"),
        ("llm_api_handler.py:19", "spice", "get_embeddings_sync", "embedding"),
        ("llm_api_handler.py:22", "spice", "get_transcription", "other"),
    ]
    chat = index.calls[0]
    assert chat.timeout is None  # spice takes none: the SDKs' 10-minute default applies
    assert chat.retry is not None and chat.retry.strength == "default"
    assert where(chat.retry) == "llm_api_handler.py:9"  # on Spice()


def test_spice_errors_are_api_errors(make_project: MakeProject) -> None:
    # mentat's api_guard: spice's own error classes, caught around the wrapped call
    index = scan(make_project, {"handler.py": '''\
from spice import Spice
from spice.errors import APIConnectionError, AuthenticationError


class AppError(Exception):
    pass


def api_guard(func):
    async def wrapper(*args, **kwargs):
        try:
            return await func(*args, **kwargs)
        except AuthenticationError:
            raise AppError("check your key")
        except APIConnectionError:
            raise AppError("check your connection")
    return wrapper


class Handler:
    def __init__(self):
        self.spice = Spice()

    @api_guard
    async def call_llm_api(self, messages, model):
        return await self.spice.get_response(model=model, messages=messages)

    async def unguarded(self, messages, model):
        return await self.spice.get_response(model=model, messages=messages)
'''})
    assert [(c.function, where(c.error_handling)) for c in index.calls] == [
        ("Handler.call_llm_api", "handler.py:24"), ("Handler.unguarded", None)]


# functools.partial around a model API, as real code writes it: OpenHands 0.9.8 keeps a
# partial of litellm.completion with the model's settings (llm/llm.py:122) and calls it
# later; MetaGPT 0.8.2 runs a partial of a boto3 Bedrock client's invoke_model in an
# executor (provider/bedrock_api.py:73). A partial of anything else is no model call.
PARTIALS = '''\
import asyncio
import functools
from functools import partial

import boto3
from litellm import completion as litellm_completion


class LLM:
    def __init__(self, config):
        self._completion = partial(
            litellm_completion,
            model=config.model,
            timeout=config.timeout,
            num_retries=3,
        )

    def completion(self, messages):
        return self._completion(messages=messages)


class BedrockLLM:
    def __init__(self):
        self.client = boto3.client("bedrock-runtime")

    async def invoke_model(self, body):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None, functools.partial(self.client.invoke_model, modelId="m", body=body))


def log(level, message):
    print(level, message)


warn = partial(log, "warning")


def report(message):
    warn(message)
'''


def test_partials_of_model_apis(make_project: MakeProject) -> None:
    index = scan(make_project, {"llm.py": PARTIALS})
    assert [(f"{c.path}:{c.line}", c.provider, c.api) for c in index.calls] == [
        ("llm.py:19", "litellm", "completion"),
        ("llm.py:28", "bedrock", "invoke_model"),
    ]
    completion, bedrock = index.calls
    assert where(completion.timeout) == "llm.py:14"  # timeout= given to the partial
    assert where(completion.retry) == "llm.py:15"  # num_retries=3 given to the partial
    assert bedrock.timeout is not None and bedrock.timeout.strength == "default"  # botocore's
    assert bedrock.retry is not None and bedrock.retry.strength == "default"  # botocore's


# OpenHands 0.9.8 (llm/llm.py): the partial is kept in a local before the attribute is set
# to a retrying, logging wrapper around it; the wrapper calls the model through the local,
# and the agents call the wrapper, which is no model call of its own.
PARTIAL_WRAPPED = '''\
from functools import partial

from litellm import completion as litellm_completion
from tenacity import retry, stop_after_attempt


class LLM:
    def __init__(self, config):
        self._completion = partial(litellm_completion, model=config.model,
                                   timeout=config.timeout)
        completion_unwrapped = self._completion

        @retry(stop=stop_after_attempt(3))
        def wrapper(*args, **kwargs):
            resp = completion_unwrapped(*args, **kwargs)
            return resp

        self._completion = wrapper

    @property
    def completion(self):
        return self._completion


class Agent:
    def __init__(self, llm: LLM):
        self.llm = llm

    def step(self, messages):
        return self.llm.completion(messages=messages)
'''


def test_a_partial_kept_before_its_attribute_is_rewrapped(make_project: MakeProject) -> None:
    index = scan(make_project, {"llm.py": PARTIAL_WRAPPED})
    assert [(f"{c.path}:{c.line}", c.api, c.function) for c in index.calls] == [
        ("llm.py:15", "completion", "LLM.__init__.<locals>.wrapper")]
    call = index.calls[0]
    assert where(call.timeout) == "llm.py:10"
    assert where(call.retry) == "llm.py:13"  # @retry on the wrapper


HTTP_CONFIG = '''\
OPENAI_BASE = "https://api.openai.com/v1"
ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"
'''
HTTP = '''\
import aiohttp
import httpx
import requests
from cfg import ANTHROPIC_URL, OPENAI_BASE

GEMINI = "https://generativelanguage.googleapis.com/v1beta/models/g:generateContent?key=SECRET"
session = requests.Session()
anthropic_http = httpx.Client(base_url="https://api.anthropic.com", timeout=15)

def a():
    return httpx.post(f"{OPENAI_BASE}/chat/completions", timeout=30,
                      json={"response_format": {"type": "json_schema", "json_schema": {}}})
def b(): return session.post(ANTHROPIC_URL, json={})
def c(): return requests.post(GEMINI, json={})
def d(): return anthropic_http.post("/v1/messages", json={})
async def e():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as s:
        async with s.post("https://res.openai.azure.com/openai/deployments/x/chat") as r:
            return await r.json()
def f(): return requests.request("POST", "https://bedrock-runtime.us-east-1.amazonaws.com/m")
def g(): return requests.get("https://api.github.com/repos")
def h(): return httpx.get("https://example.com/api.openai.com")
def i(): return requests.post("https://api.openai.com.evil.example/v1")
def j(url): return requests.post(url + "/chat/completions")
'''


def test_raw_http_to_model_hosts_and_routes_only(make_project: MakeProject) -> None:
    index = scan(make_project, {"cfg.py": HTTP_CONFIG, "h.py": HTTP})
    assert [(f"{c.path}:{c.line}", c.api, where(c.timeout), where(c.output_validation))
            for c in index.calls] == [
        ("h.py:11", "POST api.openai.com/v1/chat/completions", "h.py:11", "h.py:12"),
        ("h.py:13", "POST api.anthropic.com/v1/messages", None, None),
        # the API key in the query string is not repeated in the output
        ("h.py:14", "POST generativelanguage.googleapis.com/v1beta/models/g:generateContent",
         None, None),
        ("h.py:15", "POST api.anthropic.com/v1/messages", "h.py:8", None),
        ("h.py:18", "POST res.openai.azure.com/openai/deployments/x/chat", "h.py:17", "h.py:19"),
        ("h.py:20", "POST bedrock-runtime.us-east-1.amazonaws.com/m", None, None),
        # an OpenAI-compatible route, whatever the host (a self-hosted server, a proxy)
        ("h.py:24", "POST …/chat/completions", None, None),
    ]
    assert {c.provider for c in index.calls} == {"http"}
    aiohttp_call = index.calls[4]
    assert aiohttp_call.output_validation is not None
    assert aiohttp_call.output_validation.strength == "weak"  # r.json() only


def test_langchain_models_from_several_packages(make_project: MakeProject) -> None:
    index = scan(make_project, {"lc.py": '''\
from langchain_openai import ChatOpenAI
from langchain_community.chat_models import ChatOllama
from langchain.chat_models import init_chat_model
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.output_parsers import JsonOutputParser
from pydantic import BaseModel

class Out(BaseModel):
    answer: str

gpt = ChatOpenAI(model="gpt-4o", request_timeout=25).with_retry(stop_after_attempt=3)
local = ChatOllama(model="llama3")
generic = init_chat_model("claude-3-5-haiku-latest", model_provider="anthropic")
prompt = ChatPromptTemplate.from_template("{q}")

def a(q): return gpt.with_structured_output(Out).invoke(q)
def b(q): return (prompt | local | JsonOutputParser()).invoke({"q": q})
def c(q): return generic.batch([q])
def d(q): return [chunk for chunk in gpt.stream(q)]
def e(q): return prompt.invoke({"q": q})
'''})
    assert table(index.calls) == [
        ("lc.py:16", "langchain", "invoke", "a", "lc.py:11", "lc.py:11", None, "lc.py:16",
         None),
        ("lc.py:17", "langchain", "invoke", "b", None, None, None, "lc.py:17", None),
        ("lc.py:18", "langchain", "batch", "c", None, None, None, None, None),
        ("lc.py:19", "langchain", "stream", "d", "lc.py:11", "lc.py:11", None, None, None),
        # a prompt template on its own calls no model
    ]
    assert index.calls[1].output_validation is not None
    assert index.calls[1].output_validation.strength == "weak"  # JsonOutputParser
    assert index.calls[0].retry is not None and index.calls[0].retry.how.startswith(
        ".with_retry()")


def test_instructor_client_with_response_model(make_project: MakeProject) -> None:
    index = scan(make_project, {"i.py": '''\
import instructor
from openai import OpenAI
from pydantic import BaseModel

class User(BaseModel):
    name: str

client = instructor.from_openai(OpenAI(timeout=10))

def extract(text):
    return client.chat.completions.create(model="m", messages=[], response_model=User)
'''})
    assert table(index.calls) == [
        ("i.py:11", "openai", "chat.completions.create", "extract", "i.py:8", "i.py:8", None,
         "i.py:11", None),
    ]


def test_bedrock_through_a_session_and_not_other_services(make_project: MakeProject) -> None:
    index = scan(make_project, {"b.py": '''\
import boto3

SERVICE = "bedrock-runtime"
session = boto3.Session(profile_name="prod")
runtime = session.client(SERVICE)
dynamo = session.client("dynamodb")

def a(): return runtime.converse_stream(modelId="m", messages=[])
def b(): return dynamo.invoke_model(modelId="m")
'''})
    assert table(index.calls) == [
        ("b.py:8", "bedrock", "converse_stream", "a", "b.py:5", "b.py:5", None, None, None),
    ]  # botocore's own 60 s read timeout and retries, where the client is built


def test_clients_followed_across_modules(make_project: MakeProject) -> None:
    index = scan(make_project, {
        "svc/__init__.py": "from .container import container\n",
        "svc/container.py": '''\
from dataclasses import dataclass, field
from openai import OpenAI

@dataclass
class Container:
    llm: OpenAI = field(default_factory=lambda: OpenAI(timeout=12))

container = Container()
''',
        "svc/summarizer.py": '''\
from openai import OpenAI

class Summarizer:
    def __init__(self, client: OpenAI):
        self.client = client

    def create(self, text):
        return self.client.chat.completions.create(model="m", messages=[])

    def run(self, text):
        return self.create(text)
''',
        "svc/lazy.py": '''\
from functools import cached_property
from anthropic import Anthropic

_client = None

def get_client():
    global _client
    if _client is None:
        _client = Anthropic(timeout=9)
    return _client

class Holder:
    @cached_property
    def llm(self):
        return Anthropic(max_retries=4)

def use():
    get_client().messages.create(model="m", max_tokens=1, messages=[])
    Holder().llm.messages.create(model="m", max_tokens=1, messages=[])
''',
        "main.py": '''\
from openai import OpenAI
from svc import container
from svc.summarizer import Summarizer

def main():
    s = Summarizer(OpenAI(timeout=45))
    s.run("x")
    container.llm.chat.completions.create(model="m", messages=[])
''',
        "pages/__init__.py": "",
        "pages/chat.py": '''\
from . import helpers

def page():
    helpers.client.chat.completions.create(model="m", messages=[])
''',
        "pages/helpers.py": "from openai import OpenAI\nclient = OpenAI(timeout=3)\n",
    })
    assert [(f"{c.path}:{c.line}", c.function, where(c.timeout), where(c.retry), c.client)
            for c in index.calls] == [
        # a dataclass field's default_factory, re-exported by the package __init__
        ("main.py:8", "main", "svc/container.py:6", "svc/container.py:6", "svc/container.py:6"),
        ("pages/chat.py:4", "page", "pages/helpers.py:2", "pages/helpers.py:2",
         "pages/helpers.py:2"),
        # a lazily built global singleton (`global _client`)
        ("svc/lazy.py:18", "use", "svc/lazy.py:9", "svc/lazy.py:9", "svc/lazy.py:9"),
        # a cached_property returning a client
        ("svc/lazy.py:19", "use", None, "svc/lazy.py:15", "svc/lazy.py:15"),
        # a client injected through __init__ and built by the caller in another module;
        # self.create(...) in run() is the class's own method, not a model call
        ("svc/summarizer.py:8", "Summarizer.create", "main.py:6", "main.py:6", "main.py:6"),
    ]


def test_a_project_module_named_like_an_sdk_is_not_the_sdk(make_project: MakeProject) -> None:
    index = scan(make_project, {
        "providers/__init__.py": "",
        "providers/openai.py": '''\
import openai

client = openai.OpenAI(timeout=8)

def ask(q):
    return client.chat.completions.create(model="m", messages=[])
''',
    })
    assert table(index.calls) == [
        ("providers/openai.py:6", "openai", "chat.completions.create", "ask",
         "providers/openai.py:3", "providers/openai.py:3", None, None, None),
    ]


def test_a_project_package_named_like_a_stdlib_module_is_followed(make_project: MakeProject
                                                                  ) -> None:
    index = scan(make_project, {
        "platform/__init__.py": "",
        "platform/llm.py": "import anthropic\n\nclaude = anthropic.AsyncAnthropic(timeout=12)\n",
        "worker.py": '''\
from platform.llm import claude


async def stream(prompt):
    async with claude.messages.stream(model="m", max_tokens=9, messages=[]) as events:
        async for text in events.text_stream:
            print(text)
''',
    })
    assert table(index.calls) == [
        ("worker.py:5", "anthropic", "messages.stream", "stream", "platform/llm.py:3",
         "platform/llm.py:3", None, None, None),
    ]


def test_botocore_connect_timeout_alone_is_not_a_read_timeout(make_project: MakeProject
                                                              ) -> None:
    index = scan(make_project, {"b.py": '''\
import boto3
from botocore.config import Config

bedrock = boto3.client("bedrock-runtime", config=Config(connect_timeout=3,
                                                        retries={"max_attempts": 0}))

def ask(body):
    return bedrock.invoke_model(modelId="m", body=body)
'''})
    # connect_timeout leaves botocore's default 60 s read timeout as it is; legacy
    # max_attempts=0 switches botocore's default retries off
    assert table(index.calls) == [
        ("b.py:8", "bedrock", "invoke_model", "ask", "b.py:4", None, None, None, None),
    ]
    assert index.calls[0].timeout is not None
    assert index.calls[0].timeout.strength == "default"


def test_string_annotations_and_bedrock_flavoured_anthropic(make_project: MakeProject) -> None:
    index = scan(make_project, {"s.py": '''\
from anthropic import AnthropicBedrock


class Bot:
    def __init__(self, client: "AnthropicBedrock | None" = None, note: "\\\\d" = "") -> None:
        self.client = client

    def ask(self) -> str:
        return self.client.messages.create(model="m", max_tokens=1, messages=[])


bot = Bot(AnthropicBedrock(aws_region="us-east-1", timeout=15))
'''})
    assert table(index.calls) == [
        ("s.py:9", "anthropic", "messages.create", "Bot.ask", "s.py:12", "s.py:12", None, None,
         None),
    ]


def test_framework_engines_and_teams_known_by_their_class(make_project: MakeProject) -> None:
    """A LlamaIndex chat engine reached through ``cast``, a query engine's ``query``, an
    AutoGen team loaded from a component config and one built in code are model calls; a
    ``cast`` to a class that is not a framework engine, and ``run`` on an unknown object,
    are not."""
    index = scan(make_project, {
        "rag.py": (
            "from typing import cast\n"
            "from llama_index.core.chat_engine import CondenseQuestionChatEngine\n"
            "from llama_index.llms.openai import OpenAI\n"
            "from llama_index.core import VectorStoreIndex\n"
            "class Cli:\n"
            "    def ask(self, q):\n"
            "        engine = cast(CondenseQuestionChatEngine, self.chat_engine)\n"
            "        return engine.chat(q)\n"
            "    def other(self, q):\n"
            "        engine = cast(dict, self.chat_engine)\n"
            "        return engine.chat(q)\n"
            "def search(docs, q):\n"
            "    llm = OpenAI(model='gpt-4o-mini', timeout=30)\n"
            "    index = VectorStoreIndex.from_documents(docs)\n"
            "    return index.as_query_engine(llm=llm).query(q)\n"),
        "teams.py": (
            "from autogen_agentchat.teams import BaseGroupChat, RoundRobinGroupChat\n"
            "from autogen_agentchat.agents import AssistantAgent\n"
            "async def run_config(config, task):\n"
            "    team = BaseGroupChat.load_component(config)\n"
            "    return await team.run(task=task)\n"
            "async def run_built(client, task):\n"
            "    team = RoundRobinGroupChat([AssistantAgent('a', model_client=client)])\n"
            "    async for m in team.run_stream(task=task):\n"
            "        yield m\n"
            "async def run_other(runner, task):\n"
            "    return await runner.run(task=task)\n"),
    })
    assert [(c.path, c.line, c.provider, c.api, c.client) for c in index.calls] == [
        ("rag.py", 8, "llamaindex", "chat", None),
        ("rag.py", 15, "llamaindex", "query", "rag.py:13"),
        ("teams.py", 5, "autogen", "run", "teams.py:4"),
        ("teams.py", 8, "autogen", "run_stream", "teams.py:7"),
    ]


def test_a_client_through_a_project_context_manager(make_project: MakeProject) -> None:
    """``with bounded(client) as send:`` binds what the @contextmanager yields: the client,
    or a copy with options; a plain generator's yield is not what a call returns."""
    index = scan(make_project, {"a.py": (
        "import contextlib\n"
        "from openai import OpenAI\n"
        "client = OpenAI(timeout=10)\n"
        "@contextlib.contextmanager\n"
        "def bounded(c, strict):\n"
        "    if not strict:\n"
        "        yield c\n"
        "        return\n"
        "    yield c.with_options(max_retries=0)\n"
        "def chunks(c):\n"
        "    yield c\n"
        "def send(msgs):\n"
        "    with bounded(client, True) as send_client:\n"
        "        return send_client.chat.completions.create(model='m', messages=msgs)\n"
        "def other(msgs):\n"
        "    made = chunks(client)\n"
        "    return made.chat.completions.create(model='m', messages=msgs)\n")})
    assert [(c.line, c.api, c.client, c.timeout is not None) for c in index.calls] == [
        (14, "chat.completions.create", "a.py:3", True)]


def test_clients_kept_in_a_module_dict_by_provider(make_project: MakeProject) -> None:
    """``clients[provider] = OpenAI(...)`` in an init function, read back as
    ``clients[provider]`` elsewhere: the stored client; a dict of something else is not."""
    index = scan(make_project, {"llm.py": (
        "from openai import OpenAI, AzureOpenAI\n"
        "clients = {}\n"
        "names = {}\n"
        "def init(provider, key):\n"
        "    if provider == 'azure':\n"
        "        clients[provider] = AzureOpenAI(api_key=key, timeout=30)\n"
        "    else:\n"
        "        clients[provider] = OpenAI(api_key=key, timeout=30)\n"
        "    names[provider] = key\n"
        "def get_client(provider):\n"
        "    return clients[provider]\n"
        "def chat(provider, msgs):\n"
        "    return get_client(provider).chat.completions.create(model='m', messages=msgs)\n"
        "def other(provider):\n"
        "    return names[provider].chat.completions.create(model='m', messages=[])\n"),
        "ha.py": (
            "import openai\n"
            "DOMAIN = 'openai_conversation'\n"
            "async def async_setup_entry(hass, entry):\n"
            "    client = openai.AsyncOpenAI(api_key=entry.data['api_key'])\n"
            "    hass.data.setdefault(DOMAIN, {})[entry.entry_id] = client\n"
            "class Agent:\n"
            "    async def async_process(self, text):\n"
            "        client = self.hass.data[DOMAIN][self.entry.entry_id]\n"
            "        return await client.chat.completions.create(model='m', messages=[])\n")})
    assert [(c.path, c.line, c.api, c.client) for c in index.calls] == [
        ("ha.py", 9, "chat.completions.create", "ha.py:4"),
        ("llm.py", 13, "chat.completions.create", "llm.py:6")]


def test_calls_run_in_a_thread_and_agent_event_streams(make_project: MakeProject) -> None:
    """An API method handed to asyncio.to_thread or run_in_executor is called there (with
    the keywords given); an agent's astream_events calls its model; a plain function handed
    to a thread is not a model call."""
    index = scan(make_project, {"a.py": (
        "import asyncio\n"
        "from openai import OpenAI\n"
        "from langchain_openai import ChatOpenAI\n"
        "from langgraph.prebuilt import create_react_agent\n"
        "client = OpenAI()\n"
        "llm = ChatOpenAI(model='gpt-4o', timeout=20)\n"
        "async def a(msgs):\n"
        "    return await asyncio.to_thread(client.chat.completions.create, model='m',\n"
        "                                   messages=msgs, timeout=15)\n"
        "async def b(msgs):\n"
        "    loop = asyncio.get_running_loop()\n"
        "    return await loop.run_in_executor(None, client.embeddings.create)\n"
        "async def c(q):\n"
        "    agent = create_react_agent(llm, tools=[])\n"
        "    async for event in agent.astream_events({'messages': [q]}, version='v2'):\n"
        "        yield event\n"
        "async def d(path):\n"
        "    return await asyncio.to_thread(open, path)\n")})
    assert [(c.line, c.api, c.client, c.timeout is not None) for c in index.calls] == [
        (8, "chat.completions.create", "a.py:5", True),
        (12, "embeddings.create", "a.py:5", False),
        (15, "astream_events", "a.py:6", True)]


def test_models_taken_from_lists_and_dicts_in_a_for(make_project: MakeProject) -> None:
    """``for name, m in models`` over a list of tuples, ``for m in [...]`` and ``for k, m in
    registry.items()``: the models in them, judged by the least protected; a loop over
    names is not a model."""
    index = scan(make_project, {"a.py": (
        "from langchain_openai import ChatOpenAI\n"
        "PRIMARY = ChatOpenAI(model='x', timeout=5)\n"
        "def a(q):\n"
        "    models = [('a', ChatOpenAI(model='x', timeout=5)), ('b', PRIMARY)]\n"
        "    for name, m in models:\n"
        "        try:\n"
        "            return m.invoke(q)\n"
        "        except Exception:\n"
        "            continue\n"
        "def b(q):\n"
        "    for m in [PRIMARY, ChatOpenAI(model='y')]:\n"
        "        return m.invoke(q)\n"
        "def c(q):\n"
        "    registry = {'fast': ChatOpenAI(model='y', timeout=3), 'slow': PRIMARY}\n"
        "    for key, m in registry.items():\n"
        "        return m.invoke(q)\n"
        "def d(q):\n"
        "    for name, m in [('a', 'gpt-4o'), ('b', 'gpt-4o-mini')]:\n"
        "        return m.invoke(q)\n")})
    assert [(c.line, c.client, c.timeout is not None) for c in index.calls] == [
        (7, "a.py:4", True), (12, "a.py:11", False), (16, "a.py:14", True)]


def test_purpose_by_the_model_the_request_asks_for(make_project: MakeProject) -> None:
    """generate_content with an image model makes images, invoke_model with an embedding
    model id embeds (both inventoried, not judged); a chat model id and an unknown one
    leave the call a generation call."""
    index = scan(make_project, {"a.py": (
        "import asyncio, boto3\n"
        "from typing import Optional\n"
        "from google import genai\n"
        "class Images:\n"
        "    DEFAULT_MODEL = 'models/gemini-2.5-flash-image'\n"
        "    def __init__(self, model_name: Optional[str] = None):\n"
        "        self._client = genai.Client()\n"
        "        self.model_name = model_name or self.DEFAULT_MODEL\n"
        "    async def draw(self, p):\n"
        "        return await asyncio.to_thread(self._client.models.generate_content,\n"
        "                                       model=self.model_name, contents=p)\n"
        "    def say(self, p, model):\n"
        "        return self._client.models.generate_content(model=model, contents=p)\n"
        "bedrock = boto3.client('bedrock-runtime')\n"
        "def embed(body):\n"
        "    return bedrock.invoke_model(modelId='amazon.titan-embed-text-v2:0', body=body)\n"
        "def chat(body):\n"
        "    return bedrock.invoke_model(modelId='anthropic.claude-3-haiku', body=body)\n")})
    assert [(c.line, c.purpose) for c in index.calls] == [
        (10, "image"), (13, "generation"), (16, "embedding"), (18, "generation")]


def test_ollama_lists_its_models_and_chats(make_project: MakeProject) -> None:
    # oterm: _client().list() lists the models pulled; chat() and generate() ask one
    index = scan(make_project, {"a.py": (
        "from ollama import Client\n"
        "def _client(timeout=None):\n"
        "    return Client(host='http://localhost:11434', timeout=timeout)\n"
        "def list_models():\n"
        "    return _client().list()\n"
        "def reply(model, messages):\n"
        "    return _client().chat(model=model, messages=messages)\n")})
    assert [(c.line, c.api, c.purpose) for c in index.calls] == [
        (5, "list", "listing"), (7, "chat", "generation")]
    # timeout=timeout is None: no call of _client passes one
    assert index.calls[1].timeout is None


def test_a_timeout_parameter_a_caller_passes(make_project: MakeProject) -> None:
    index = scan(make_project, {"a.py": (
        "from ollama import Client\n"
        "def _client(timeout=None):\n"
        "    return Client(host='http://localhost:11434', timeout=timeout)\n"
        "def reply(model, messages):\n"
        "    return _client(timeout=30).chat(model=model, messages=messages)\n")})
    assert where(index.calls[0].timeout) == "a.py:3"


def test_a_helper_that_runs_what_it_is_given_is_not_a_call_site(make_project: MakeProject
                                                                  ) -> None:
    """``def run_job(target, *args): return loop.run_in_executor(None, target, *args)`` runs
    whatever its callers pass: the helper is plumbing, not a model call site."""
    index = scan(make_project, {"a.py": (
        "import asyncio\n"
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "async def run_job(target, *args):\n"
        "    return await asyncio.get_running_loop().run_in_executor(None, target, *args)\n"
        "async def models():\n"
        "    return await run_job(client.models.list)\n")})
    assert index.calls == ()


def test_a_lazy_proxy_built_by_a_factory_is_its_client(make_project: MakeProject) -> None:
    """A project proxy whose ``__getattr__`` hands attributes on to the client it builds on
    first use (``getattr(openai, self._cls_name)(**kwargs)``), made by a factory and kept
    in a module dict, is that SDK's client wherever it is used; a proxy of something else
    is not."""
    index = scan(make_project, {"llm.py": (
        "from typing import Any, cast\n"
        "class _Lazy:\n"
        "    def __init__(self, cls_name, kwargs):\n"
        "        self._cls_name = cls_name\n"
        "        self._kwargs = kwargs\n"
        "        self._client = None\n"
        "    def _materialize(self):\n"
        "        if self._client is None:\n"
        "            import openai\n"
        "            self._client = getattr(openai, self._cls_name)(**self._kwargs)\n"
        "        return self._client\n"
        "    def __getattr__(self, name):\n"
        "        return getattr(self._materialize(), name)\n"
        "class _Cache:\n"
        "    def __init__(self):\n"
        "        self._store = {}\n"
        "    def __getattr__(self, name):\n"
        "        return self._store[name]\n"
        "def factory(cls_name):\n"
        "    def make(**kwargs):\n"
        "        return cast('OpenAI', _Lazy(cls_name, kwargs))\n"
        "    return make\n"
        "clients = {}\n"
        "def init(provider):\n"
        "    OpenAI = factory('OpenAI')\n"
        "    clients[provider] = OpenAI(api_key='k')\n"
        "def chat(provider, msgs):\n"
        "    return clients[provider].chat.completions.create(model='m', messages=msgs)\n"
        "def other(msgs):\n"
        "    return _Cache().chat.completions.create(model='m', messages=msgs)\n")})
    assert [(c.line, c.provider, c.api, c.client) for c in index.calls] == [
        (28, "openai", "chat.completions.create", "llm.py:10")]


# paper-qa: every model call is lmi's LLMModel.call_single, on a LiteLLMModel built in its
# settings (settings.py:926) or a parameter annotated LLMModel (core.py:254). lmi gives
# each model spec a 60 s timeout and three retries unless configured otherwise.
LMI = '''\
from lmi import LiteLLMModel, LLMModel

from app.models import Message


def get_llm(name):
    return LiteLLMModel(name=name, config={"temperature": 0})


async def answer(question, name):
    result = await get_llm(name).call_single(messages=[Message(content=question)])
    return result.text


async def summarise(text, summary_llm_model: LLMModel | None = None):
    result = await summary_llm_model.call_single(messages=[Message(content=text)])
    return result.text
'''
OWN_MODEL = '''\
class LLMModel:
    async def call_single(self, messages):
        return messages[-1]


async def echo(model: LLMModel, text):
    return await model.call_single([text])
'''


def test_lmi_models_built_or_passed_in_carry_its_defaults(make_project: MakeProject) -> None:
    index = scan(make_project, {"app/qa.py": LMI, "app/models.py": "class Message: ...\n",
                                "app/own.py": OWN_MODEL})
    found = {c.function: c for c in index.calls}
    assert sorted(found) == ["answer", "summarise"]  # not the project's own LLMModel
    assert {(c.provider, c.api, c.purpose) for c in found.values()} == {
        ("litellm", "call_single", "generation")}
    built, passed = found["answer"], found["summarise"]
    assert (where(built.timeout), built.timeout.strength) == ("app/qa.py:7", "default")
    assert (where(built.retry), built.retry.strength) == ("app/qa.py:7", "default")
    assert (where(passed.timeout), passed.timeout.strength) == ("app/qa.py:16", "default")
    assert "lmi default timeout=60 s on the LLMModel passed in" in passed.timeout.how


def test_a_timeout_in_the_options_a_config_object_is_built_from(make_project: MakeProject
                                                                ) -> None:
    # LightRAG's Gemini binding: the timeout is written into a dict that builds the
    # HttpOptions, which goes into the dict the client is built from
    index = scan(make_project, {"gemini.py": '''\
from google import genai
from google.genai import types


def make_client(api_key, base_url=None, timeout=None):
    client_kwargs = {"api_key": api_key}
    if base_url is not None or timeout is not None:
        http_options_kwargs = {}
        if base_url is not None:
            http_options_kwargs["base_url"] = base_url
        if timeout is not None:
            http_options_kwargs["timeout"] = timeout
        client_kwargs["http_options"] = types.HttpOptions(**http_options_kwargs)
    return genai.Client(**client_kwargs)


def make_plain_client(api_key, base_url):
    options = {"base_url": base_url}
    return genai.Client(api_key=api_key, http_options=types.HttpOptions(**options))


async def ask(prompt, api_key):
    client = make_client(api_key, timeout=240)
    return await client.aio.models.generate_content(model="m", contents=prompt)


async def ask_plain(prompt, api_key):
    client = make_plain_client(api_key, "https://proxy")
    return await client.aio.models.generate_content(model="m", contents=prompt)
'''})
    assert [(c.function, where(c.timeout)) for c in index.calls] == [
        ("ask", "gemini.py:12"), ("ask_plain", None)]


def test_a_model_inside_a_dict_of_a_langchain_chain(make_project: MakeProject) -> None:
    # Quivr's QuivrQARAG: the model runs inside the dicts (RunnableParallel) of the chain
    index = scan(make_project, {"rag.py": '''\
from operator import itemgetter

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_openai import ChatOpenAI

PROMPT = ChatPromptTemplate.from_template("{question}")


class Rag:
    def __init__(self, retriever):
        self.llm = ChatOpenAI(model="m", timeout=30)
        self.retriever = retriever

    def build_chain(self):
        memory = RunnablePassthrough.assign(question=lambda x: x["question"])
        standalone = {
            "standalone_question": {"question": itemgetter("question")}
            | PROMPT | self.llm | StrOutputParser(),
        }
        documents = {"docs": itemgetter("standalone_question") | self.retriever}
        answer = {"answer": {"docs": itemgetter("docs")} | PROMPT | self.llm,
                  "docs": itemgetter("docs")}
        return memory | standalone | documents | answer

    def retrieval_only(self):
        return {"question": itemgetter("question")} | self.retriever

    def answer(self, question):
        return self.build_chain().invoke({"question": question})

    def documents(self, question):
        return self.retrieval_only().invoke({"question": question})
'''})
    assert [(c.function, c.api, where(c.timeout)) for c in index.calls] == [
        ("Rag.answer", "invoke", "rag.py:13")]


def test_an_sdk_imported_when_first_used(make_project: MakeProject) -> None:
    # vanna's legacy backends import their optional SDK in __init__ by name
    index = scan(make_project, {"backend.py": '''\
import importlib

from httpx import Timeout


class Ollama:
    def __init__(self, config):
        ollama = __import__("ollama")
        self.client = ollama.Client(config["host"], timeout=Timeout(240.0))

    def submit_prompt(self, prompt):
        return self.client.chat(model="m", messages=prompt, stream=False)


class Mistral:
    def __init__(self, name):
        openai = importlib.import_module("openai")
        self.client = openai.OpenAI()
        self.other = __import__(name).Client()

    def submit_prompt(self, prompt):
        return self.client.chat.completions.create(model="m", messages=prompt)

    def unknown(self, prompt):
        return self.other.chat(model="m", messages=prompt)
'''})
    assert [(c.function, c.provider, c.api, where(c.timeout)) for c in index.calls] == [
        ("Ollama.submit_prompt", "ollama", "chat", "backend.py:9"),
        ("Mistral.submit_prompt", "openai", "chat.completions.create", None)]


def test_cerebras_and_zhipuai_clients(make_project: MakeProject) -> None:
    # langroid builds Cerebras(api_key=...) for cerebras/ models; vanna's legacy ZhipuAI
    # backend builds ZhipuAI(api_key=...) on each call. Both SDKs time out and retry by
    # default (60 s / 2 retries; 300 s / 3 retries), as lmi's clients do.
    index = scan(make_project, {"llm.py": '''\
from cerebras.cloud.sdk import AsyncCerebras, Cerebras
from zhipuai import ZhipuAI

cerebras = Cerebras(api_key="k")
quick = AsyncCerebras(api_key="k", timeout=10, max_retries=0)


def ask(prompt):
    return cerebras.chat.completions.create(model="llama3.1-8b", messages=prompt)


async def ask_quick(prompt):
    return await quick.chat.completions.create(model="llama3.1-8b", messages=prompt)


def zhipu(prompt, key):
    client = ZhipuAI(api_key=key)
    return client.chat.completions.create(model="glm-4", messages=prompt)


def zhipu_embed(text, key):
    return ZhipuAI(api_key=key).embeddings.create(model="embedding-2", input=text)
'''})
    got = [(c.function, c.provider, c.purpose, where(c.timeout), strength(c.timeout),
            where(c.retry), strength(c.retry)) for c in index.calls]
    assert got == [
        ("ask", "cerebras", "generation", "llm.py:4", "default", "llm.py:4", "default"),
        ("ask_quick", "cerebras", "generation", "llm.py:5", "explicit", None, None),
        ("zhipu", "zhipuai", "generation", "llm.py:17", "default", "llm.py:17", "default"),
        ("zhipu_embed", "zhipuai", "embedding", "llm.py:22", "default", "llm.py:22", "default"),
    ]
    assert index.calls[0].timeout is not None
    assert index.calls[0].timeout.how == "SDK default timeout=60 s on Cerebras() at llm.py:4"


def test_qianfan_resources(make_project: MakeProject) -> None:
    # vanna's legacy Qianfan backend: ChatCompletion(ak=..., sk=...).do(...) generates and
    # Embedding().do(...) embeds, the same method name; requests retry 3 times and time
    # out after 300 s unless the call says otherwise
    index = scan(make_project, {"baidu.py": '''\
import qianfan


class QianfanChat:
    def __init__(self, ak, sk):
        self.client = qianfan.ChatCompletion(ak=ak, sk=sk)
        self.embedder = qianfan.Embedding(ak=ak, sk=sk)

    def submit_prompt(self, prompt):
        return self.client.do(model="ERNIE-Speed", messages=prompt)

    async def quick(self, prompt):
        return await self.client.ado(model="ERNIE-Speed", messages=prompt, request_timeout=10)

    def embed(self, text):
        return self.embedder.do(texts=[text])

    def other(self, task):
        return task.do()
'''})
    got = [(c.function, c.provider, c.purpose, where(c.timeout), strength(c.timeout),
            strength(c.retry)) for c in index.calls]
    assert got == [
        ("QianfanChat.submit_prompt", "qianfan", "generation", "baidu.py:6", "default",
         "default"),
        ("QianfanChat.quick", "qianfan", "generation", "baidu.py:13", "explicit", "default"),
        ("QianfanChat.embed", "qianfan", "embedding", "baidu.py:7", "default", "default"),
    ]


def test_graphrag_llm_completions(make_project: MakeProject) -> None:
    # GraphRAG 3.x: create_completion(ModelConfig) gives an LLMCompletion that search
    # classes receive (model: "LLMCompletion", a generic base class keeps it as self.model)
    # and ask with completion_async(); the ModelConfig's retry (None by default: no retry)
    # and the timeout in its call_args protect every request
    index = scan(make_project, {"search/base.py": '''\
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from graphrag_llm.completion import LLMCompletion

T = TypeVar("T")


class BaseSearch(Generic[T]):
    def __init__(self, model: "LLMCompletion", context: T):
        self.model = model
        self.context = context
''', "search/global_search.py": '''\
from search.base import BaseSearch


class GlobalSearch(BaseSearch[dict]):
    async def search(self, query):
        response = await self.model.completion_async(messages=query)
        return response.content
''', "factory.py": '''\
from graphrag_llm.completion import create_completion
from graphrag_llm.config import ModelConfig, RetryConfig
from graphrag_llm.embedding import create_embedding

guarded = create_completion(ModelConfig(
    model_provider="openai", model="gpt-4o",
    retry=RetryConfig(type="exponential_backoff", max_retries=5),
    call_args={"timeout": 30}))
bare = create_completion(ModelConfig(model_provider="openai", model="gpt-4o", retry=None))
embedder = create_embedding(ModelConfig(model_provider="openai", model="text-embedding-3"))


def summarise(text):
    return guarded.completion(messages=text).content


def rate(text):
    return bare.completion(messages=text).content


def embed(text):
    return embedder.embedding(input=[text])


def other(engine, text):
    return engine.completion(text)  # a completion() of an unknown object: not a model call
'''})
    got = [(c.function, c.provider, c.purpose, where(c.timeout), where(c.retry))
           for c in index.calls]
    assert got == [
        ("summarise", "litellm", "generation", "factory.py:8", "factory.py:7"),
        ("rate", "litellm", "generation", None, None),
        ("embed", "litellm", "embedding", None, None),
        ("GlobalSearch.search", "litellm", "generation", None, None),
    ]
    assert index.calls[0].retry is not None
    assert index.calls[0].retry.how.startswith("retry=RetryConfig(")


def test_instructor_over_litellm_async_batch_and_speech(make_project: MakeProject) -> None:
    # cognee: instructor.from_litellm(litellm.acompletion) is its default structured-output
    # client; crawl4ai asks many prompts at once with litellm.batch_completion; cognee
    # transcribes audio with litellm.atranscription (inventoried, not generation)
    index = scan(make_project, {"adapter.py": '''\
import instructor
import litellm


class GenericAPIAdapter:
    def __init__(self, model):
        self.model = model
        self.aclient = instructor.from_litellm(litellm.acompletion,
                                               mode=instructor.Mode.JSON)

    async def structured(self, text, response_model):
        return await self.aclient.chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": text}],
            response_model=response_model, timeout=30)

    async def transcript(self, audio):
        return await litellm.atranscription(model="whisper-1", file=audio)


def extract_blocks_batch(batch, provider):
    messages = [[{"role": "user", "content": text}] for text in batch]
    return litellm.batch_completion(model=provider, messages=messages, timeout=60)
'''})
    got = [(c.function, c.api, c.purpose, where(c.timeout)) for c in index.calls]
    assert got == [
        ("GenericAPIAdapter.structured", "chat.completions.create", "generation", "adapter.py:14"),
        ("GenericAPIAdapter.transcript", "atranscription", "other", None),
        ("extract_blocks_batch", "batch_completion", "generation", "adapter.py:22"),
    ]
    assert index.calls[0].output_validation is not None  # response_model: instructor validates


def test_instructor_patch_of_an_api_method_by_keyword(make_project: MakeProject) -> None:
    # cognee's Anthropic adapter: instructor.patch(create=AsyncAnthropic(...).messages.create)
    # is the patched method, called directly
    index = scan(make_project, {"anthropic_adapter.py": '''\
import anthropic
import instructor


class AnthropicAdapter:
    def __init__(self, key):
        self.aclient = instructor.patch(
            create=anthropic.AsyncAnthropic(api_key=key, timeout=20).messages.create,
            mode=instructor.Mode.ANTHROPIC_TOOLS)

    async def structured(self, text, response_model):
        return await self.aclient(model="claude-sonnet-4-5", max_tokens=512,
                                  messages=[{"role": "user", "content": text}],
                                  response_model=response_model)
'''})
    got = [(c.function, c.provider, c.api, where(c.timeout)) for c in index.calls]
    assert got == [("AnthropicAdapter.structured", "anthropic", "messages.create",
                    "anthropic_adapter.py:8")]


def test_not_given_is_no_timeout(make_project: MakeProject) -> None:
    # gptme: timeout=openai.NOT_GIVEN unless configured, and for its Anthropic client
    # float(raw) if raw else NOT_GIVEN with raw an environment variable nobody has to set:
    # the SDK's 10-minute default applies, no timeout of the code's own
    index = scan(make_project, {"llm.py": '''\
import os

import openai
from anthropic import NOT_GIVEN, Anthropic

raw = os.getenv("LLM_API_TIMEOUT")
timeout = float(raw) if raw else NOT_GIVEN
anthropic_client = Anthropic(timeout=timeout)
preset = os.getenv("LLM_API_TIMEOUT", "60")
bounded = Anthropic(timeout=float(preset) if preset else NOT_GIVEN)
openai_client = openai.OpenAI(timeout=openai.NOT_GIVEN)


def claude(messages):
    return anthropic_client.messages.create(model="m", max_tokens=64, messages=messages)


def claude_bounded(messages):
    return bounded.messages.create(model="m", max_tokens=64, messages=messages)


def gpt(messages):
    return openai_client.chat.completions.create(model="m", messages=messages)
'''})
    assert [(c.function, where(c.timeout)) for c in index.calls] == [
        ("claude", None), ("claude_bounded", "llm.py:10"), ("gpt", None)]


PYDANTIC_AI = '''\
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.models.google import GoogleModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider


class Invoice(BaseModel):
    total: float


extractor = Agent("openai:gpt-4o", output_type=Invoice,
                  model_settings={"timeout": 30, "max_retries": 4})
local = OpenAIChatModel("llama3", provider=OpenAIProvider(base_url="http://localhost:11434/v1"))
chat = Agent(local, instructions="Be brief.")
gemini = Agent(GoogleModel("gemini-2.5-flash"), output_type=str)
no_retries = Agent(model="anthropic:claude-sonnet-4-5", model_settings={"max_retries": 0})


def extract(text):
    return extractor.run_sync(text).output


async def reply(text):
    result = await chat.run(text, model_settings={"request_timeout": 20})
    return result.output


async def stream(text):
    async with chat.iter(text) as run:
        async for node in run:
            pass
    return run.result.output


async def ask(text):
    return (await gemini.run(text)).output


async def ask_claude(text):
    return (await no_retries.run(text)).output


def lookup(agents, text):
    return agents.run(text)  # not a pydantic-ai agent: no model call
'''


def test_pydantic_ai_agents(make_project: MakeProject) -> None:
    # pydantic-ai 2.x: an Agent asks its model with run / run_sync / run_stream / iter; a
    # timeout or request_timeout in model_settings (the agent's or the run's) bounds each
    # request; max_retries there sets the SDK client's retries, which are 2 for the OpenAI,
    # Anthropic, Groq and Cohere clients pydantic-ai builds and none for Google's; an
    # output_type other than str is validated into that type
    index = scan(make_project, {"app.py": PYDANTIC_AI})
    got = {c.function: (c.provider, c.api, where(c.timeout), where(c.retry), strength(c.retry),
                        where(c.output_validation)) for c in index.calls}
    assert got == {
        "extract": ("pydantic-ai", "run_sync", "app.py:13", "app.py:13", "explicit",
                    "app.py:12"),
        "reply": ("pydantic-ai", "run", "app.py:25", "app.py:15", "default", None),
        "stream": ("pydantic-ai", "iter", None, "app.py:15", "default", None),
        "ask": ("pydantic-ai", "run", None, None, None, None),
        "ask_claude": ("pydantic-ai", "run", None, None, None, None),
    }
    assert index.calls[0].output_validation.how.startswith("output_type=Invoice")


def test_a_model_class_from_a_registry_and_an_annotated_attribute(make_project: MakeProject
                                                                  ) -> None:
    # AutoRAG: llm_class = generator_models[self.llm]; self.llm_instance: BaseLLM = llm_class(...)
    index = scan(make_project, {"app/__init__.py": '''\
from llama_index.llms.openai import OpenAI
from llama_index.llms.openai_like import OpenAILike

generator_models = {"openai": OpenAI, "openailike": OpenAILike}
splitters = {"token": TokenSplitter, "sentence": SentenceSplitter}
''', "app/gen.py": '''\
from llama_index.core.base.llms.base import BaseLLM
from transformers import AutoTokenizer

from app import generator_models, splitters
from app.plugins import load


class Registry:
    def __init__(self, llm: str, **kwargs):
        llm_class = generator_models[llm]
        self.llm_instance = llm_class(**kwargs)

    def run(self, prompt):
        return self.llm_instance.complete(prompt)


class Annotated:
    def __init__(self, name: str):
        self.llm: BaseLLM = load(name)

    def run(self, prompt):
        return self.llm.complete(prompt)


class NotModels:
    def __init__(self, kind: str, name: str):
        self.splitter = splitters[kind]()
        self.tokenizer: AutoTokenizer = load(name)

    def run(self, text):
        return self.splitter.complete(text), self.tokenizer.complete(text)
'''})
    got = [(c.function, c.provider, c.api, c.client) for c in index.calls]
    assert got == [("Registry.run", "llamaindex", "complete", "app/gen.py:11"),
                   ("Annotated.run", "llamaindex", "complete", None)]


OPENAI_AGENTS = '''\
from agents import Agent, ModelSettings, Runner
from agents.retry import ModelRetrySettings
from pydantic import BaseModel


class Plan(BaseModel):
    steps: list[str]


planner = Agent(name="planner", instructions="Plan.", output_type=Plan, model="gpt-4o",
                model_settings=ModelSettings(timeout=30, retry=ModelRetrySettings(max_retries=4)))
helper = Agent(name="helper", instructions="Help.")
local = Agent(name="local", model=some_model_object)


async def plan(task):
    result = await Runner.run(planner, task)
    return result.final_output


def help_sync(task):
    return Runner.run_sync(starting_agent=helper, input=task).final_output


async def ask_local(task):
    return (await Runner.run(local, task)).final_output


def not_an_agent(runner, task):
    return runner.run(task)
'''


def test_openai_agents_sdk_runs(make_project: MakeProject) -> None:
    # openai-agents 0.24: Runner.run(agent, input) asks the agent's model; ModelSettings'
    # timeout and retry=ModelRetrySettings(max_retries=...) protect each model call; an
    # agent that names an OpenAI model by a string (or none) goes through the SDK's own
    # AsyncOpenAI() and its default retries; output_type validates
    index = scan(make_project, {"app/main.py": OPENAI_AGENTS})
    got = [(c.function, c.api, where(c.timeout), where(c.retry), strength(c.retry),
            where(c.output_validation)) for c in index.calls]
    assert got == [
        ("plan", "Runner.run", "app/main.py:11", "app/main.py:11", "explicit", "app/main.py:10"),
        ("help_sync", "Runner.run_sync", None, "app/main.py:12", "default", None),
        ("ask_local", "Runner.run", None, None, None, None),
    ]


def test_a_project_package_named_agents_is_not_the_agents_sdk(make_project: MakeProject
                                                              ) -> None:
    files = {"agents/__init__.py": "class Agent:\n    pass\n\n\nclass Runner:\n"
                                   "    @staticmethod\n    def run(agent, task):\n"
                                   "        return task\n",
             "app/main.py": OPENAI_AGENTS}
    project = Project(make_project(files))
    assert build_index(project).calls == ()
    assert llmusage.llm_usage(project) == ()


def test_an_agent_passed_in_is_not_run_here(make_project: MakeProject) -> None:
    # skyvern's copilot hands Runner.run_streamed an agent whose model is a project class
    # that makes its own (listed) litellm calls
    index = scan(make_project, {"app/run.py": (
        "from agents import Agent, Runner\n\n\n"
        "async def turn(agent: Agent, text):\n"
        "    return Runner.run_streamed(agent, input=text)\n")})
    assert index.calls == ()


def test_inside_a_package_an_absolute_import_names_a_top_level_module(
        make_project: MakeProject) -> None:
    # docetl 0.3.0: docetl/operations/utils/openai_agents_runner.py does
    # `from agents import Agent, Runner` (the SDK) beside the package's own docetl/agents.py,
    # which Python 3 would import only as `from docetl import agents` or `from .. import agents`
    files = {"docetl/__init__.py": "",
             "docetl/agents.py": "class Agent:\n    pass\n\n\nclass Runner:\n"
                                 "    @staticmethod\n    def run(agent, task):\n"
                                 "        return task\n",
             "docetl/operations/__init__.py": "",
             "docetl/operations/runner.py": OPENAI_AGENTS}
    index = scan(make_project, files)
    assert [(c.path, c.line, c.api) for c in index.calls] == [
        ("docetl/operations/runner.py", 17, "Runner.run"),
        ("docetl/operations/runner.py", 22, "Runner.run_sync"),
        ("docetl/operations/runner.py", 26, "Runner.run")]


def test_a_script_folder_imports_its_neighbour_by_name(make_project: MakeProject) -> None:
    # a folder without __init__.py is where scripts run from: `python tools/run.py` puts
    # tools/ on sys.path, so `from agents import ...` there is tools/agents.py
    files = {"tools/agents.py": "class Agent:\n    pass\n\n\nclass Runner:\n"
                                "    @staticmethod\n    def run(agent, task):\n"
                                "        return task\n",
             "tools/run.py": OPENAI_AGENTS}
    assert scan(make_project, files).calls == ()


FACTORY_WITH_FALLBACK = '''\
from langchain_openai import ChatOpenAI


def get_chat_model(model_name: str, local_wrap: bool = False, **kwargs) -> ChatOpenAI:
    params = dict(model_name=model_name, **kwargs)
    try:
        if local_wrap:
            params.update(openai_api_base="http://localhost:7861/v1")
        model = ChatOpenAI(**params)
    except Exception:
        model = None
    return model
'''

CHAINS_OVER_THE_FACTORY = '''\
import asyncio

from langchain.chains import LLMChain
from langchain.prompts import ChatPromptTemplate

from app.models import get_chat_model


async def kb_chat(query: str, context: str, name: str) -> None:
    llm = get_chat_model(name, temperature=0.1)
    prompt = ChatPromptTemplate.from_messages([("user", "{context}\\n\\n{question}")])
    chain = prompt | llm
    await asyncio.create_task(chain.ainvoke({"context": context, "question": query}))


async def file_chat(query: str, name: str) -> dict:
    model = get_chat_model(name)
    chain = LLMChain(prompt=ChatPromptTemplate.from_messages([("user", "{q}")]), llm=model)
    return await chain.acall({"q": query})
'''


def test_a_factory_whose_except_clause_gives_none_still_returns_its_model(
        make_project: MakeProject) -> None:
    """langchain-chatchat's ``get_ChatOpenAI``: the model, or None when building it failed.
    After the try, ``model`` is either (not the except clause's None alone), so the chains
    built on it are model calls, and the legacy chain's ``acall`` is one too."""
    index = scan(make_project, {"app/models.py": FACTORY_WITH_FALLBACK,
                                "app/chat.py": CHAINS_OVER_THE_FACTORY})
    assert [(row[0], row[2], row[3]) for row in table(index.calls)] == [
        ("app/chat.py:13", "ainvoke", "kb_chat"), ("app/chat.py:19", "acall", "file_chat")]


HANDLER_REBINDS_TO_ANOTHER_OBJECT = '''\
import json

from openai import OpenAI

client = OpenAI(timeout=10)


def settings(text: str) -> dict:
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = {"model": "gpt-4o-mini"}
    return parsed


def ask(question: str) -> str:
    try:
        answer = client.chat.completions.create(model="gpt-4o", messages=[
            {"role": "user", "content": question}])
    except Exception:
        answer = None
    options = settings(question)
    return options.get("model") or answer
'''


def test_what_an_except_clause_rebinds_is_no_model_call_of_its_own(
        make_project: MakeProject) -> None:
    """Must-not: the alternatives after a try add no call, and a value that is no model on
    either path stays no model (``settings`` returns a dict either way)."""
    index = scan(make_project, {"app/ask.py": HANDLER_REBINDS_TO_ANOTHER_OBJECT})
    assert [(row[0], row[2]) for row in table(index.calls)] == [
        ("app/ask.py:18", "chat.completions.create")]


TIMEOUT_FROM_THE_ENVIRONMENT = '''\
import os

import aiohttp

CLIENT_TIMEOUT = os.environ.get("CLIENT_TIMEOUT", "")
if CLIENT_TIMEOUT == "":
    CLIENT_TIMEOUT = None
else:
    try:
        CLIENT_TIMEOUT = int(CLIENT_TIMEOUT)
    except Exception:
        CLIENT_TIMEOUT = 300


async def complete(url: str, payload: dict) -> dict:
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CLIENT_TIMEOUT))
    async with session:
        response = await session.post(f"{url}/v1/chat/completions", json=payload)
        return await response.json()
'''


def test_a_module_setting_that_is_none_by_default_is_no_timeout_after_its_try(
        make_project: MakeProject) -> None:
    """Must-not (Open WebUI 0.5.20): unset, the setting is None and the session has no
    timeout; the alternatives after the try (an int, or 300) do not hide that None."""
    index = scan(make_project, {"app/llm.py": TIMEOUT_FROM_THE_ENVIRONMENT})
    assert [(row[0], row[4]) for row in table(index.calls)] == [("app/llm.py:18", None)]


def test_thousands_of_tries_rebinding_one_name_are_read_without_recursion() -> None:
    """What the scanned code controls stays bounded: each try's alternatives refer to the
    last ones, and following them stops at the encoding's depth limit instead of recursing
    once per try (a RecursionError, or quadratic time, on a hostile module)."""
    from readiness.llmcalls.walker import extract

    tries = "".join(f"    try:\n        pass\n    except Exception:\n        client = {i}\n"
                    for i in range(3000))
    facts = extract("from openai import OpenAI\n\n\ndef ask():\n    client = OpenAI()\n"
                    + tries + "    return client.chat.completions.create(model='m')\n")
    assert facts is not None and len(facts.calls) == 2


MODELS_BY_ROLE = '''\
from langchain.chains import LLMChain
from langchain.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI


def create_models_from_config(configs: dict, stream: bool):
    models = {"fast": ChatOpenAI(model="gpt-4o-mini", timeout=10)}
    prompts = {}
    for model_type, params in configs.items():
        models[model_type] = ChatOpenAI(model=params["model"], streaming=stream)
        prompts[model_type] = params["prompt"]
    return models, prompts


def create_models_chains(prompts: dict, models: dict):
    prompt = ChatPromptTemplate.from_messages([("user", prompts["llm_model"])])
    return {"input": lambda x: x["input"]} | LLMChain(prompt=prompt, llm=models["llm_model"])


async def chat(query: str, configs: dict):
    models, prompts = create_models_from_config(configs, True)
    full_chain = create_models_chains(prompts=prompts, models=models)
    return await full_chain.ainvoke({"input": query})


def quick(query: str, configs: dict):
    models, prompts = create_models_from_config(configs, False)
    return models["fast"].invoke(query)


def template(configs: dict) -> str:
    models, prompts = create_models_from_config(configs, False)
    return prompts["llm_model"].format(question="?")
'''


def test_a_dict_of_models_filled_under_run_time_keys_is_read_by_its_callers(
        make_project: MakeProject) -> None:
    """langchain-chatchat's create_models_from_config: ``models[model_type] =
    get_ChatOpenAI(...)`` in a loop, ``return models, prompts``; a caller hands ``models`` on
    and ``models["llm_model"]`` is a model. Must-not: a key the dict literal gives is read
    from the literal (``fast``, with its timeout), and the prompts filled the same way are
    no model (``template`` makes no call)."""
    index = scan(make_project, {"app/chat.py": MODELS_BY_ROLE})
    assert [(row[0], row[2], row[3], row[4]) for row in table(index.calls)] == [
        ("app/chat.py:23", "ainvoke", "chat", None),
        ("app/chat.py:28", "invoke", "quick", "app/chat.py:7")]
