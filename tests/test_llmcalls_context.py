"""Which calls decide the per-call checks: production generation calls only. Model classes
recognised by rule; tests, evals, examples, scripts, __main__ demos and local test doubles
reported apart; embeddings, listing and images inventoried by purpose; and when no call can
be traced, the model objects the code builds are judged instead of "no LLM calls"."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from readiness.checks.infrastructure.callsites import (
    llm_error_handling,
    llm_retries,
    llm_timeouts,
)

from readiness.config import load_config
from readiness.llmcalls import CallSiteIndex, build_index
from readiness.model import Finding, Status
from readiness.project import Project
from tests.conftest import MakeProject


def scan(root: Path) -> CallSiteIndex:
    return build_index(Project(root))


def run(check: object, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))  # type: ignore[attr-defined,no-any-return]


def sites(index: CallSiteIndex) -> list[tuple[str, str, str, str]]:
    return [(f"{c.path}:{c.line}", c.provider, c.purpose, c.context) for c in index.calls]


AZURE_LANGCHAIN = """\
from langchain_openai import AzureChatOpenAI, AzureOpenAIEmbeddings
from langchain_groq import ChatGroq
from langchain_core.prompts import ChatPromptTemplate

llm = AzureChatOpenAI(azure_deployment="gpt-4o", timeout=30, max_retries=3)
fast = ChatGroq(model="llama3")
embedder = AzureOpenAIEmbeddings(model="e")
prompt = ChatPromptTemplate.from_messages([("user", "{q}")])

def answer(q):
    return llm.invoke(q)

def draft(q):
    return fast.invoke(q)

def render(q):
    return prompt.invoke({"q": q})
"""


def test_langchain_partner_classes_by_rule_azure_included(make_project: MakeProject) -> None:
    index = scan(make_project({"app/chain.py": AZURE_LANGCHAIN}))
    assert sites(index) == [("app/chain.py:11", "langchain", "generation", "production"),
                            ("app/chain.py:14", "langchain", "generation", "production")]
    assert index.calls[0].timeout is not None and index.calls[1].timeout is None
    # the embeddings class and the prompt template are not model objects
    assert [(b.line, b.label) for b in index.constructions] == [(5, "AzureChatOpenAI()"),
                                                                (6, "ChatGroq()")]


LLAMA_FLAT = """\
from llama_index.llms import OpenAI, ChatMessage
from llama_index.multi_modal_llms.openai import OpenAIMultiModal

llm = OpenAI(model="gpt-4", timeout=20)
vision = OpenAIMultiModal(model="gpt-4o")

def ask(q):
    return llm.chat([ChatMessage(role="user", content=q)])

def look(q, images):
    return vision.complete(prompt=q, image_documents=images)
"""


def test_llamaindex_flat_and_multimodal_paths(make_project: MakeProject) -> None:
    index = scan(make_project({"svc/rag.py": LLAMA_FLAT}))
    assert sites(index) == [("svc/rag.py:8", "llamaindex", "generation", "production"),
                            ("svc/rag.py:11", "llamaindex", "generation", "production")]


CLIENT = "from openai import OpenAI\nclient = OpenAI(timeout=10, max_retries=3)\n"
CALL = "    return client.chat.completions.create(model='m', messages=[])\n"


def test_non_production_code_is_reported_apart(make_project: MakeProject) -> None:
    root = make_project({
        "app/llm.py": CLIENT + "def answer():\n" + CALL,
        "tests/test_llm.py": "from app.llm import client\ndef test_it():\n" + CALL,
        "evals/run_eval.py": "from app.llm import client\ndef grade():\n" + CALL,
        # an eval harness inside the package (cognee's cognee/eval_framework/); a folder
        # merely named like the word (app/evaluator/) is production
        "app/eval_framework/judge.py": "from app.llm import client\ndef judge():\n" + CALL,
        "app/evaluator/score.py": "from app.llm import client\ndef score():\n" + CALL,
        "examples/quickstart.py": "from app.llm import client\ndef demo():\n" + CALL,
        "scripts/backfill.py": "from app.llm import client\ndef backfill():\n" + CALL,
        "app/cli.py": "from app.llm import client\nif __name__ == '__main__':\n"
                      "    print(client.chat.completions.create(model='m', messages=[]))\n",
    })
    assert sites(scan(root)) == [
        ("app/cli.py:3", "openai", "generation", "demo"),
        ("app/eval_framework/judge.py:3", "openai", "generation", "eval"),
        ("app/evaluator/score.py:3", "openai", "generation", "production"),
        ("app/llm.py:4", "openai", "generation", "production"),
        ("evals/run_eval.py:3", "openai", "generation", "eval"),
        ("examples/quickstart.py:3", "openai", "generation", "example"),
        ("scripts/backfill.py:3", "openai", "generation", "script"),
        ("tests/test_llm.py:3", "openai", "generation", "test"),
    ]


def test_unprotected_test_code_never_decides(make_project: MakeProject) -> None:
    root = make_project({
        "app/llm.py": CLIENT + "def answer():\n    try:\n    " + CALL + "    except Exception:\n"
                      "        return None\n",
        # a bare call in a test, and a client pointed at a stub server in the tests' helpers
        "tests/test_llm.py": "from app.llm import client\ndef test_it():\n" + CALL,
        "tests/stub.py": "from openai import OpenAI\nstub = OpenAI(base_url='http://localhost:"
                         "8080/v1')\ndef fake():\n    return stub.chat.completions.create("
                         "model='m', messages=[])\n",
    })
    assert [c.context for c in scan(root).calls] == ["production", "test", "test"]
    for check in (llm_timeouts, llm_error_handling):
        finding = run(check, root)
        assert finding.status is Status.PASS, finding.message
        assert dict(finding.details)["not_judged"]["non_production"] == 2
    assert run(llm_retries, root).status is Status.PASS  # max_retries=3 is explicit


def test_a_local_model_server_in_production_code_is_production(
        make_project: MakeProject) -> None:
    # codeqai 0.0.20 runs Ollama on this machine as one of its model hosts, and a local-first
    # app points the OpenAI SDK at LM Studio or vLLM: the same calls as to a cloud API
    root = make_project({"codeqai/llm.py": """\
from langchain_community.llms import Ollama
from openai import OpenAI

ollama = Ollama(base_url="http://localhost:11434", model="llama3")
studio = OpenAI(base_url="http://127.0.0.1:1234/v1", api_key="lm-studio")


def ask(question):
    return ollama.invoke(question)


def chat(question):
    return studio.chat.completions.create(model="local", messages=[])
"""})
    assert [(c.line, c.context) for c in scan(root).calls] == [
        (9, "production"), (13, "production")]
    assert run(llm_timeouts, root).status is Status.FAIL


def test_only_test_calls_is_not_applicable_and_says_so(make_project: MakeProject) -> None:
    root = make_project({"tests/test_llm.py": CLIENT + "def test_it():\n" + CALL})
    finding = run(llm_timeouts, root)
    assert (finding.status, finding.message) == (
        Status.NOT_APPLICABLE, "no production LLM calls; 1 in test code, not judged")


INJECTED = """\
from langchain_openai import ChatOpenAI

def build_llm(settings):
    return ChatOpenAI(model=settings.model)

def build_strict_llm(settings):
    return ChatOpenAI(model=settings.model, timeout=30, max_retries=4)
"""


def test_untraceable_calls_judge_the_model_objects_built(make_project: MakeProject) -> None:
    # the models are built here and handed to code that cannot be traced (a framework, DI)
    root = make_project({"app/models.py": INJECTED})
    timeouts = run(llm_timeouts, root)
    assert timeouts.status is Status.FAIL
    assert timeouts.message.startswith("1 of 2 model objects are built without timeout")
    assert [str(e) for e in timeouts.evidence] == ["app/models.py:4"]
    retries = run(llm_retries, root)  # the first by the SDK's default, the second explicit
    assert (retries.status, retries.message) == (
        Status.WARN, "all 2 model objects are built with retry, but no call could be traced "
        "to them (see `readiness calls`)")
    assert [e.note for e in retries.evidence] == [
        "SDK default max_retries=2 on ChatOpenAI() at app/models.py:4",
        "max_retries=4 on ChatOpenAI() at app/models.py:7"]
    handling = run(llm_error_handling, root)
    assert handling.status is Status.WARN
    assert handling.message == ("2 model objects are built but no call to them could be "
                                "traced, so error handling cannot be judged (see `readiness "
                                "calls`)")


def test_no_model_at_all_is_not_applicable(make_project: MakeProject) -> None:
    root = make_project({"app/main.py": "import json\nprint(json.dumps({}))\n"})
    finding = run(llm_timeouts, root)
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.message.startswith("no LLM calls found in ")


SUBCLASS_AND_STATE = {
    "app/llm.py": """\
from langchain_openai import ChatOpenAI
from openai import OpenAI


class TracedChat(ChatOpenAI):
    def _generate(self, *a, **k):
        return super()._generate(*a, **k)


class Client(OpenAI):
    pass


llm = TracedChat(model="gpt-4o", timeout=20)
raw = Client()


def answer(q):
    return llm.invoke(q)


def direct(q):
    return raw.chat.completions.create(model="m", messages=[])
""",
    "app/main.py": """\
from fastapi import FastAPI, Request
from openai import AsyncOpenAI

app = FastAPI()


@app.on_event("startup")
async def start():
    app.state.llm = AsyncOpenAI(timeout=30)


@app.post("/ask")
async def ask(request: Request):
    return await request.app.state.llm.chat.completions.create(model="m", messages=[])
""",
    "app/ui.py": """\
import chainlit as cl
import streamlit as st
from langchain.chains import ConversationalRetrievalChain
from langchain_openai import ChatOpenAI


def get_chain(store):
    llm = ChatOpenAI(temperature=0)
    return ConversationalRetrievalChain.from_llm(llm=llm, retriever=store.as_retriever())


def setup(store):
    st.session_state.conversation = get_chain(store)
    cl.user_session.set("helper", ChatOpenAI(timeout=9))


def handle(question):
    return st.session_state.conversation({"question": question})


async def on_message(text):
    helper = cl.user_session.get("helper")
    return await helper.ainvoke(text)
""",
}


def test_subclasses_shared_objects_and_chains_are_followed(make_project: MakeProject) -> None:
    index = scan(make_project(SUBCLASS_AND_STATE))
    found = [(f"{c.path}:{c.line}", c.api, c.client,
              c.timeout.line if c.timeout else None) for c in index.calls]
    assert found == [
        ("app/llm.py:19", "invoke", "app/llm.py:14", 14),  # class TracedChat(ChatOpenAI)
        ("app/llm.py:23", "chat.completions.create", "app/llm.py:15", None),  # (OpenAI)
        ("app/main.py:14", "chat.completions.create", "app/main.py:9", 9),  # app.state.llm
        ("app/ui.py:18", "__call__", "app/ui.py:8", None),  # session_state chain({...})
        ("app/ui.py:23", "ainvoke", "app/ui.py:14", 14),  # user_session.set / get
    ]


ANNOTATED = """\
from langchain_core.language_models import BaseChatModel
from llama_index.core.llms import LLM


class Summariser:
    def __init__(self, llm: BaseChatModel):
        self.llm = llm

    def run(self, text):
        return self.llm.invoke(text)


def ask(llm: LLM, q):
    return llm.complete(q)
"""


def test_framework_base_annotations_are_models_passed_in(make_project: MakeProject) -> None:
    index = scan(make_project({"app/core.py": ANNOTATED}))
    assert [(c.line, c.provider, c.api) for c in index.calls] == [
        (10, "langchain", "invoke"), (14, "llamaindex", "complete")]


def test_plain_objects_named_like_stores_are_not_models(make_project: MakeProject) -> None:
    # a name stored with a non-model value never makes an unrelated load a model call
    root = make_project({"app/a.py": "import requests\nfrom openai import OpenAI\n"
                                     "session = requests.Session()\n"
                                     "session.llm = 'not a model'\n"
                                     "def f(x):\n    return x.llm.create(q=1)\n"})
    assert scan(root).calls == ()


def test_a_console_command_in_scripts_is_production(make_project: MakeProject) -> None:
    call = ("from openai import OpenAI\ndef main():\n"
            "    OpenAI().chat.completions.create(model='m')\n")
    root = make_project({"scripts/wtf.py": call, "scripts/backfill.py": call,
                         "pyproject.toml": "[project.scripts]\nwtf = \"scripts.wtf:main\"\n"})
    assert [(c.path, c.context) for c in scan(root).calls] == [
        ("scripts/backfill.py", "script"), ("scripts/wtf.py", "production")]


OTHER_SDKS = """\
import ollama
from groq import Groq
from together import Together
from autogen_ext.models.openai import OpenAIChatCompletionClient

groq_client = Groq(timeout=10)
together_client = Together()
local = ollama.Client(host="http://gpu-box:11434", timeout=30)
agent_model = OpenAIChatCompletionClient(model="gpt-4o")


def a():
    return groq_client.chat.completions.create(model="m", messages=[])


def b():
    return together_client.chat.completions.create(model="m", messages=[])


def c():
    return local.chat(model="llama3", messages=[])


def d():
    return ollama.generate(model="llama3", prompt="x")


async def e(messages):
    return await agent_model.create(messages)


def f():
    return together_client.embeddings.create(model="m", input="x")
"""


def test_groq_together_ollama_and_autogen_clients(make_project: MakeProject) -> None:
    index = scan(make_project({"app/providers.py": OTHER_SDKS}))
    assert [(c.line, c.provider, c.api, c.purpose, c.timeout is not None)
            for c in index.calls] == [
        (13, "groq", "chat.completions.create", "generation", True),
        (17, "together", "chat.completions.create", "generation", False),
        (21, "ollama", "chat", "generation", True),
        (25, "ollama", "generate", "generation", False),
        (29, "autogen", "create", "generation", False),
        (33, "together", "embeddings.create", "embedding", False),
    ]


LAZY = {
    "app/llm.py": """\
import importlib


class LazyLiteLLM:
    _lazy_module = None

    def __getattr__(self, name):
        self._load()
        return getattr(self._lazy_module, name)

    def _load(self):
        self._lazy_module = importlib.import_module("litellm")


litellm = LazyLiteLLM()
""",
    "app/chat.py": """\
import httpx
import requests
from app.llm import litellm


def answer(messages):
    return litellm.completion(model="gpt-4o", messages=messages, timeout=30)


def models():
    return requests.get("https://openrouter.ai/api/v1/models", timeout=5)


def key_info():
    return requests.get("https://openrouter.ai/api/v1/auth/key", timeout=5)


session = httpx.Client(timeout=10)
""",
}


def test_lazy_import_wrappers_http_routes_and_http_clients(make_project: MakeProject) -> None:
    index = scan(make_project(LAZY))
    assert [(c.line, c.provider, c.api, c.purpose) for c in index.calls] == [
        (7, "litellm", "completion", "generation"),  # through the lazy wrapper object
        (11, "http", "GET openrouter.ai/api/v1/models", "listing"),
        (15, "http", "GET openrouter.ai/api/v1/auth/key", "other")]
    assert index.constructions == ()  # an HTTP client is not a model object


def test_a_request_with_an_empty_conversation_is_a_probe(make_project: MakeProject) -> None:
    """A key check that posts no messages (gptme's ``validate.py``) answers nothing: it is
    inventoried as ``other``, never judged as generation; a real message is generation."""
    root = make_project({"app/keys.py": """\
import requests
from anthropic import Anthropic

client = Anthropic(timeout=10)


def key_works(api_key):
    body = {"model": "claude-haiku-4-5", "max_tokens": 1, "messages": []}
    return requests.post("https://api.anthropic.com/v1/messages", json=body,
                         headers={"x-api-key": api_key}, timeout=10).status_code != 401


def ping():
    return client.messages.create(model="claude-haiku-4-5", max_tokens=1, messages=[])


def answer(history):
    return client.messages.create(model="claude-haiku-4-5", max_tokens=500, messages=history)
"""})
    index = scan(root)
    assert [(c.line, c.purpose) for c in index.calls] == [
        (9, "other"), (14, "other"), (18, "generation")]


DATA_OR_TEXT = """\
import json
from openai import OpenAI

client = OpenAI(timeout=10, max_retries=2)


def answer(q):
    return client.chat.completions.create(model="m", messages=[]).choices[0].message.content


def raw_labels(q):
    return client.chat.completions.create(model="m", messages=[])


def classify(q):
    reply = raw_labels(q)
    return json.loads(reply.choices[0].message.content)["label"]
"""


def test_output_validation_only_where_output_is_data(make_project: MakeProject) -> None:
    from readiness.checks.infrastructure.callsites import llm_output_validation

    root = make_project({"app/llm.py": DATA_OR_TEXT})
    assert [(c.line, c.data) for c in scan(root).calls] == [(8, False), (12, True)]
    finding = run(llm_output_validation, root)  # json.loads in the caller: weak, a warning
    assert (finding.status, [str(e) for e in finding.evidence]) == (Status.WARN,
                                                                     ["app/llm.py:12"])
    assert dict(finding.details)["free_text"] == 1


def test_called_names_and_defined_methods_of_a_text() -> None:
    from readiness.llmcalls.traffic import called_names

    text = ("    def first(self):\n"  # an indented def on the first line counts
            "        return helper(x) + 3abc(y) + obj.method(z) + ready (w)\n"
            "class A:\n"
            "\tasync  def second(self): pass\n"
            "def top(): pass\n"  # not indented: a function, not a method
            "  # def commented(): a comment, not a def\n")
    called, defined = called_names(text)
    # "3abc(" is no name and "ready (" no call; "commented(" is text like any other
    assert called == ["commented", "first", "helper", "method", "second", "top"]
    assert defined == ["first", "second"]


@given(st.text(alphabet="ab_1(). \n\u00e9\u0661\u212a\u0300x", max_size=60))
@settings(max_examples=400, deadline=None)
def test_called_names_are_the_words_a_word_boundary_regex_finds(text: str) -> None:
    """Found in the reversed text: the same names as ``\\b([A-Za-z_]\\w*)\\(`` finds in
    the text (digits, letters beyond ASCII, a combining mark and the Kelvin sign included:
    a word that starts with one is no name, and one inside a word is part of it)."""
    import re

    from readiness.llmcalls.traffic import called_names

    assert called_names(text)[0] == sorted(set(re.findall(r"\b([A-Za-z_]\w*)\(", text)))


@given(st.lists(st.sampled_from(["def", "async", "xdef", "undef", " ", "\t", "  ", "f", "a_1",
                                  "é", "(", ":", "#", "\n", "\n  ", "\n\t"]), max_size=24)
       .map("".join))
@settings(max_examples=500, deadline=None)
def test_defined_methods_are_what_the_line_start_regex_finds(text: str) -> None:
    """Found from the word ``def``, its line's start checked after: the matches of the
    regular expression tried at each line's start (``def`` inside words, after other words,
    an ``async`` prefix, several on a line, at the text's ends)."""
    import re

    from readiness.llmcalls.traffic import defined_methods

    assert defined_methods(text) == re.findall(r"^[ \t]+(?:async[ \t]+)?def[ \t]+(\w+)",
                                               text, re.M)


@given(st.lists(st.sampled_from(["from", "import", " ", "\t", "  ", ".", "a", "b.c", "(", ")",
                                  ",", "#", ";", "\n", "\n  ", "as", "é"]), max_size=24)
       .map("".join))
@settings(max_examples=500, deadline=None)
def test_import_statements_are_what_the_line_start_regex_finds(text: str) -> None:
    """The import regex's indent is possessive: the same matches as with the indent given
    back when the rest fails."""
    import re

    from readiness.llmcalls.modules import _IMPORT

    assert _IMPORT.findall(text) == re.findall(
        r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)"
        r"|import[ \t]+([^\n#;]*))", text, re.M)


def test_import_records_at_each_line_start_and_the_first() -> None:
    from readiness.llmcalls.modules import import_records

    text = ("import os, sys as system\n"  # the first line: no newline before it
            "from .llm import (\n    ask,\n    chat as talk,\n)\n"
            "  from pkg.sub import thing  # indented (in a try:)\n"
            "x = 1; import json\n"  # not at a line start: not read
            "\nfrom . import sibling\n")
    assert import_records(text) == [(0, "os", None), (0, "sys", None),
                                    (1, "llm", ("ask", "chat")), (0, "pkg.sub", ("thing",)),
                                    (1, "", ("sibling",))]


def test_traffic_facts_do_not_depend_on_the_processs_hash_seed() -> None:
    """A value's sinks are recorded in a fixed order: string hashes are salted per process,
    and past 60 sinks the order decides which stay (the facts are kept and shared)."""
    import os
    import subprocess
    import sys

    text = ("class Coder:\n"
            "    @classmethod\n"
            "    def create(cls, from_coder=None, **kwargs):\n"
            "        use_kwargs = dict(from_coder.original_kwargs)\n"
            "        use_kwargs.update(kwargs)\n"
            "        usage = from_coder.total_cost\n"
            "        res = coder(usage, **use_kwargs)\n"
            "        res.original_kwargs = dict(kwargs)\n"
            "        return res\n")
    script = ("import sys\nfrom readiness.llmcalls.traffic_facts import file_traffic\n"
              "print(repr(file_traffic(sys.stdin.read())))")
    seen = {subprocess.run([sys.executable, "-c", script], input=text, text=True,
                           capture_output=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
            for seed in range(1, 7)}
    assert len(seen) == 1 and "roots" in next(iter(seen))


def test_a_generic_base_class_is_its_class(make_project: MakeProject) -> None:
    # pipecat: class AnthropicLLMService(LLMService[AnthropicLLMAdapter]); the base class's
    # _generate_summary calls self.run_inference inside a try, so every subclass's override
    # is called there (and only there). A base given type parameters is still the base.
    index = scan(make_project({"services/base.py": """\
from typing import Generic, TypeVar

A = TypeVar("A")


class LLMService(Generic[A]):
    async def run_inference(self, context):
        raise NotImplementedError

    async def summarise(self, context):
        try:
            return await self.run_inference(context)
        except Exception as exc:
            return f"no summary: {exc}"

""", "services/anthropic_llm.py": """\
from anthropic import AsyncAnthropic

from services.base import LLMService


class Adapter:
    pass


class AnthropicLLMService(LLMService[Adapter]):
    def __init__(self):
        self._client = AsyncAnthropic(timeout=30)

    async def run_inference(self, context):
        return await self._client.messages.create(model="m", max_tokens=64, messages=context)


class Unguarded(LLMService[Adapter]):
    def __init__(self):
        self._client = AsyncAnthropic(timeout=30)

    async def run_inference(self, context):
        return await self._client.messages.create(model="m", max_tokens=64, messages=context)

    async def quick(self, context):
        return await self.run_inference(context)
"""}))
    handled = {c.function: c.error_handling.how if c.error_handling else None
               for c in index.calls}
    assert handled == {
        "AnthropicLLMService.run_inference": "except Exception at services/base.py:13",
        # also called by its own quick(), which has no handler
        "Unguarded.run_inference": None,
    }


def test_models_in_a_config_dict_and_in_a_runnable_parallel(make_project: MakeProject) -> None:
    # ScrapeGraphAI: each graph builds its nodes with node_config={"llm_model":
    # self.llm_model, ...}; a node reads node_config["llm_model"], hands its chain to a
    # helper that invokes it, or builds one chain per chunk into a dict and runs them all
    # with RunnableParallel(**chains_dict). A dict item that is no model, and a parallel
    # runnable of no model, are no calls.
    index = scan(make_project({"graphs.py": """\
from langchain_openai import ChatOpenAI

from nodes import AnswerNode, ChunksNode


class AbstractGraph:
    def __init__(self, config):
        self.llm_model = ChatOpenAI(model=config["model"], timeout=60)


class SmartScraperGraph(AbstractGraph):
    def create_graph(self):
        return [AnswerNode(node_config={"llm_model": self.llm_model, "schema": None}),
                ChunksNode(node_config={"llm_model": self.llm_model})]
""", "nodes.py": """\
from langchain_core.prompts import PromptTemplate
from langchain_core.runnables import RunnableParallel, RunnablePassthrough


class AnswerNode:
    def __init__(self, node_config):
        self.llm_model = node_config["llm_model"]
        self.schema = node_config["schema"]

    def invoke_with_timeout(self, chain, inputs):
        return chain.invoke(inputs)

    def process(self, question):
        prompt = PromptTemplate(template="{question}", input_variables=["question"])
        return self.invoke_with_timeout(prompt | self.llm_model, {"question": question})

    def not_a_model(self, question):
        return self.schema.invoke(question)


class ChunksNode:
    def __init__(self, node_config):
        self.llm_model = node_config["llm_model"]

    def execute(self, chunks, question):
        chains_dict = {}
        for i, chunk in enumerate(chunks):
            prompt = PromptTemplate(template=chunk + "{question}", input_variables=["question"])
            chains_dict[f"chunk{i + 1}"] = prompt | self.llm_model
        return RunnableParallel(**chains_dict).invoke({"question": question})

    def passthrough(self, retriever, question):
        return RunnableParallel(context=retriever, question=RunnablePassthrough()).invoke(question)
"""}))
    found = [(f"{c.path}:{c.line}", c.function, c.timeout.line if c.timeout else None)
             for c in index.calls]
    assert found == [("nodes.py:11", "AnswerNode.invoke_with_timeout", 8),
                     ("nodes.py:30", "ChunksNode.execute", 8)]



def test_a_model_subclass_asking_itself_and_classic_chains(make_project: MakeProject) -> None:
    # ScrapeGraphAI: OpenAIImageToText(ChatOpenAI).run() calls self.invoke([message]); its
    # GraphBuilder runs create_extraction_chain(..., llm=self.llm) from langchain_classic
    # (LangChain 1.0's home of the legacy chains); its text-to-speech model asks
    # client.audio.speech.create, inventoried but not generation. A class that is no model
    # calling its own invoke() is no model call.
    index = scan(make_project({"models.py": """\
from langchain_classic.chains import create_extraction_chain
from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI
from openai import OpenAI


class ImageToText(ChatOpenAI):
    def run(self, image_url):
        message = HumanMessage(content=[{"type": "image_url", "image_url": {"url": image_url}}])
        return self.invoke([message]).content


class Pipeline:
    def invoke(self, state):
        return state

    def run(self, state):
        return self.invoke(state)


class GraphBuilder:
    def __init__(self, prompt, schema):
        self.llm = ChatOpenAI(model="gpt-4o", timeout=30)
        self.chain = create_extraction_chain(prompt=prompt, schema=schema, llm=self.llm)

    def build_graph(self, text):
        return self.chain.invoke(text)


class TextToSpeech:
    def __init__(self):
        self.client = OpenAI(timeout=30)

    def run(self, text):
        return self.client.audio.speech.create(model="tts-1", voice="alloy", input=text)
"""}))
    found = [(f"{c.path}:{c.line}", c.function, c.purpose, c.timeout.line if c.timeout else None)
             for c in index.calls]
    assert found == [("models.py:10", "ImageToText.run", "generation", None),
                     ("models.py:27", "GraphBuilder.build_graph", "generation", 23),
                     ("models.py:35", "TextToSpeech.run", "other", 32)]
