"""Models kept in the fields of a dataclass, an attrs class or a pydantic model (a LangChain
chain is one): what a constructor call passes for the field is what ``self.field`` holds
(codedog's review chains), and LangChain's older top-level names and self-fixing parsers."""

from __future__ import annotations

from readiness.llmcalls import CallSiteIndex, build_index
from readiness.project import Project
from tests.conftest import MakeProject
from tests.fixtures_llm import strength, table


def scan(make_project: MakeProject, files: dict[str, str]) -> CallSiteIndex:
    return build_index(Project(make_project(files)))


def calls(index: CallSiteIndex) -> list[tuple[str, str, str]]:
    return [(row[0], row[2], row[3]) for row in table(index.calls)]


# codedog 0.5.0, codedog/chains/pr_summary/base.py and codedog/server.py, cut down
CHAIN_WITH_CHAIN_FIELDS = '''\
from typing import Any, Dict, List

from langchain import LLMChain
from langchain.chains.base import Chain
from langchain.output_parsers import OutputFixingParser, PydanticOutputParser
from pydantic import BaseModel, Field


class PRSummary(BaseModel):
    overview: str


class PRSummaryChain(Chain):
    code_summary_chain: LLMChain = Field(exclude=True)
    pr_summary_chain: LLMChain = Field(exclude=True)

    @property
    def input_keys(self) -> List[str]:
        return ["pull_request"]

    def _call(self, inputs: Dict[str, Any], run_manager=None) -> Dict[str, Any]:
        summaries = self.code_summary_chain.apply([{"diff": inputs["pull_request"]}])
        output = self.pr_summary_chain({"summaries": summaries})
        return {"pr_summary": output}

    @classmethod
    def from_llm(cls, *, code_summary_llm, pr_summary_llm, **kwargs):
        parser = OutputFixingParser.from_llm(
            llm=pr_summary_llm, parser=PydanticOutputParser(pydantic_object=PRSummary))
        code_summary_chain = LLMChain(llm=code_summary_llm, prompt=None)
        pr_summary_chain = LLMChain(llm=pr_summary_llm, prompt=None, output_parser=parser)
        return cls(code_summary_chain=code_summary_chain, pr_summary_chain=pr_summary_chain,
                   **kwargs)
'''

SERVER = '''\
from langchain.chat_models import ChatOpenAI

from app.chains import PRSummaryChain


def handle_pull_request(pull_request):
    chain = PRSummaryChain.from_llm(code_summary_llm=ChatOpenAI(model="gpt-3.5-turbo"),
                                    pr_summary_llm=ChatOpenAI(model="gpt-4"))
    return chain({"pull_request": pull_request})
'''


def test_a_chain_kept_in_a_pydantic_field_set_by_the_constructor_is_a_model_call(
        make_project: MakeProject) -> None:
    """codedog's summary chain keeps two ``LLMChain`` fields that its ``from_llm`` fills
    with ``cls(code_summary_chain=..., ...)``; ``self.code_summary_chain.apply(...)`` and
    ``self.pr_summary_chain(...)`` are model calls (none was found before), and the second
    chain's answer goes through a self-fixing parser around a pydantic parser."""
    index = scan(make_project, {"app/chains.py": CHAIN_WITH_CHAIN_FIELDS,
                                "app/server.py": SERVER})
    assert calls(index) == [("app/chains.py:22", "apply", "PRSummaryChain._call"),
                            ("app/chains.py:23", "__call__", "PRSummaryChain._call")]
    apply, whole = index.calls
    assert apply.output_validation is None
    assert strength(whole.output_validation) == "explicit"
    assert whole.output_validation is not None and whole.output_validation.line == 29


DATACLASS_SERVICE = '''\
from dataclasses import dataclass, field

import requests
from openai import OpenAI


@dataclass
class Summarizer:
    name: str
    client: object
    session: object = field(default=None)

    def run(self, text: str) -> str:
        answer = self.client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": text}])
        return answer.choices[0].message.content

    def fetch(self, url: str) -> str:
        return self.session.post(url, json={}).text


def by_keyword(text: str) -> str:
    return Summarizer(name="kw", client=OpenAI(timeout=20),
                      session=requests.Session()).run(text)


def by_position(text: str) -> str:
    return Summarizer("pos", OpenAI(timeout=20)).run(text)
'''


def test_a_dataclass_field_holds_what_its_constructor_calls_pass(
        make_project: MakeProject) -> None:
    """By keyword or by position, ``self.client`` is the model the caller passes (with the
    timeout it was built with); ``self.session``, given an HTTP session, makes no model
    call."""
    index = scan(make_project, {"app/service.py": DATACLASS_SERVICE})
    assert calls(index) == [("app/service.py:14", "chat.completions.create", "Summarizer.run")]
    assert index.calls[0].timeout is not None


SUBCLASS_AND_OWN_INIT = '''\
from dataclasses import dataclass

from openai import OpenAI


@dataclass
class Base:
    client: object
    label: object = None


@dataclass
class Child(Base):
    extra: object = None

    def run(self, text: str) -> str:
        return self.label.chat.completions.create(model="gpt-4o", messages=[])


class Plain:
    client: object = None

    def __init__(self, name: str) -> None:
        self.name = name

    def run(self) -> str:
        return self.client.chat.completions.create(model="gpt-4o", messages=[])


def build() -> None:
    Child(None, None, OpenAI()).run("x")  # positions of Child's own fields come after Base's
    Plain("x").run()
    Plain.client = None
'''


def test_fields_are_not_matched_by_a_position_they_may_not_have(
        make_project: MakeProject) -> None:
    """Must-not: a subclass's constructor called by position does not map its arguments to
    the base class's field positions (the third argument is ``Child.extra``, not
    ``Base.label``), and a class with its own ``__init__`` takes no fields from its
    callers."""
    index = scan(make_project, {"app/kinds.py": SUBCLASS_AND_OWN_INIT})
    assert calls(index) == []


OLD_LANGCHAIN = '''\
from langchain import LLMChain, OpenAI, PromptTemplate


def answer(question: str) -> str:
    llm = OpenAI(temperature=0)
    chain = LLMChain(llm=llm, prompt=PromptTemplate.from_template("{q}"))
    return chain.run(q=question)
'''


def test_langchain_before_0_1_exported_its_chain_and_models_at_the_top(
        make_project: MakeProject) -> None:
    """``from langchain import LLMChain, OpenAI``, as LangChain wrote it in 2023."""
    index = scan(make_project, {"app/qa.py": OLD_LANGCHAIN})
    assert calls(index) == [("app/qa.py:7", "run", "answer")]


ANNOTATED_CLIENT_PARAMETER = '''\
from openai import AsyncClient
from groq import AsyncGroq


async def ask(client: AsyncClient | AsyncGroq, messages: list) -> dict:
    response = await client.chat.completions.create(model="gpt-4o", messages=messages)
    return response.choices[0].message.to_dict()


async def fetch(session: dict, url: str) -> dict:
    return await session.chat.completions.create(url=url)
'''


def test_a_client_parameter_is_known_by_its_annotation_however_deep_the_call(
        make_project: MakeProject) -> None:
    """agent_zero's ``ainvoke_model(self, client: AsyncClient | AsyncGroq, ...)`` calls
    ``client.chat.completions.create``: the annotation says what is passed in, however
    many attributes the call goes through (the annotation was read only for shallow uses:
    ``llm.invoke``, not ``client.chat.completions.create``). Must-not: a parameter
    annotated with something else."""
    index = scan(make_project, {"app/ask.py": ANNOTATED_CLIENT_PARAMETER})
    assert calls(index) == [("app/ask.py:6", "chat.completions.create", "ask")]


# agent_zero 0.1.2's GroqGPTBaseModel, cut down: it is given the SDK's client class
BASE_MODEL_GIVEN_A_CLASS = '''\
import openai
import requests
from groq import AsyncGroq


class BaseModel:
    def __init__(self, model: str, async_client_class, session_class=None):
        self.model = model
        self.async_client_class = async_client_class
        self.session_class = session_class

    def initialize_async_client(self):
        return self.async_client_class(api_key="key")

    async def ask(self, messages: list) -> str:
        client = self.initialize_async_client()
        response = await client.chat.completions.create(model=self.model, messages=messages)
        return response.choices[0].message.content

    def get(self, url: str) -> str:
        return self.session_class().post(url).text
'''

CLIENT_CLASS_HANDED_TO_A_BASE = BASE_MODEL_GIVEN_A_CLASS + '''

def chat_gpt(model: str) -> BaseModel:
    return BaseModel(model, openai.AsyncClient, requests.Session)


def groq(model: str) -> BaseModel:
    return BaseModel(model, AsyncGroq)


async def main() -> str:
    return await chat_gpt("gpt-4o").ask([])
'''


def test_a_client_class_handed_on_and_called_later_builds_the_client(
        make_project: MakeProject) -> None:
    """agent_zero hands the SDK's client class to its base model (``openai.AsyncClient``),
    which builds the client when it asks (``self.async_client_class(api_key=...)``): the
    call is a model call of the client built there. Must-not: another class handed the same
    way (an HTTP session). (agent_zero itself hands it through ``super().__init__``: the
    next test.)"""
    index = scan(make_project, {"app/models.py": CLIENT_CLASS_HANDED_TO_A_BASE})
    assert calls(index) == [("app/models.py:17", "chat.completions.create", "BaseModel.ask")]
    assert index.calls[0].client == "app/models.py:13"


HANDED_THROUGH_SUPER = BASE_MODEL_GIVEN_A_CLASS + '''

class ChatGptModel(BaseModel):
    def __init__(self, model: str):
        super().__init__(model, openai.AsyncClient, requests.Session)


class Other(BaseModel):
    def __init__(self, model: str):
        super(Other, self).__init__(model, requests.Session)


async def main() -> str:
    return await ChatGptModel("gpt-4o").ask([])
'''


def test_what_super_init_passes_reaches_the_base_class(make_project: MakeProject) -> None:
    """agent_zero's ``ChatGptModel.__init__`` hands ``openai.AsyncClient`` to its base with
    ``super().__init__(model, openai.AsyncClient, ...)``: the base's ``__init__`` is called
    there, with the method's ``self`` (the arguments count from the second parameter).
    Must-not: a subclass handing an HTTP session class the same way makes no model call of
    it."""
    index = scan(make_project, {"app/models.py": HANDED_THROUGH_SUPER})
    assert calls(index) == [("app/models.py:17", "chat.completions.create", "BaseModel.ask")]
    assert index.calls[0].client == "app/models.py:13"


FIRST_MET_DEEP = {
    "app/a_first.py": '''\
from langchain_openai import ChatOpenAI

from app.strategy import create_strategy


def l1(llm):
    return llm.invoke("q")


def l2(llm):
    return l1(llm)


def l3(llm):
    return l2(llm)


def go():
    return l3(create_strategy(ChatOpenAI(timeout=5)).model)
''',
    "app/strategy.py": '''\
class Strategy:
    def __init__(self, model):
        self.model = model

    def run(self, question):
        return self.model.invoke(question)


def create_strategy(model):
    return Strategy(model=model)
''',
}


def test_a_value_cut_short_by_the_depth_limit_is_not_kept_for_later(
        make_project: MakeProject) -> None:
    """``Strategy.model`` is first met three parameters deep (where the analysis stops
    following callers), then at ``self.model.invoke`` in ``Strategy.run``. The unknown found
    at the limit was kept and given to the second use, which lost the call
    (local-deep-research lost eight this way once its ``super().__init__`` calls were
    followed). A value cut short is evaluated again where it is met again."""
    index = scan(make_project, FIRST_MET_DEEP)
    assert ("app/strategy.py:6", "invoke", "Strategy.run") in calls(index)


REGISTRY_FILLED_IN_A_LOOP = {
    "app/llm.py": '''\
from langchain_openai import ChatOpenAI
from langchain_anthropic import ChatAnthropic

from app.settings import load_model_settings

SETTINGS = {"gpt-4o": {"provider": "openai"}, "claude": {"provider": "anthropic"}}


def get_model(the_model=None):
    the_model = the_model or load_model_settings()
    model_mapping = {}
    for model_name, model_args in SETTINGS.items():
        the_tuple = None
        if model_args["provider"] == "openai":
            the_tuple = (ChatOpenAI, {"model": model_name})
        elif model_args["provider"] == "anthropic":
            the_tuple = (ChatAnthropic, {"model": model_name})
        if the_tuple:
            model_mapping[model_name] = the_tuple
    model_class, args = model_mapping[the_model]
    return model_class(**args) if model_class else None


def names():
    labels = {}
    for model_name in SETTINGS:
        labels[model_name] = model_name.upper()
    return labels[load_model_settings()].lower()
''',
    "app/settings.py": "def load_model_settings():\n    return 'gpt-4o'\n",
    "app/agent.py": '''\
from app.llm import get_model


def get_agent_executor():
    return get_model()
''',
    "app/assistant.py": '''\
from app.agent import *


def assistant(question):
    msg = get_agent_executor().invoke(question)
    print(len(msg.content))
    return msg
''',
}


def test_a_registry_filled_in_a_loop_and_a_star_import(make_project: MakeProject) -> None:
    """gpt-computer-assistant 0.28.3 (no call found before): ``get_model`` fills
    ``model_mapping[model_name] = (ChatOpenAI, args)`` in a loop and builds
    ``model_class(**args)`` from ``model_mapping[the_model]``, a key known only at run time;
    the assistant reaches ``get_agent_executor`` through ``from .agent import *``.
    Must-not: a dict of strings filled the same way is no model, and ``print``/``len``
    stay builtins."""
    index = scan(make_project, REGISTRY_FILLED_IN_A_LOOP)
    assert calls(index) == [("app/assistant.py:5", "invoke", "assistant")]
    assert index.calls[0].client == "app/llm.py:21"


FALLBACK_BUILT_HERE = '''\
from llama_index.core.multi_modal_llms import MultiModalLLM
from llama_index.multi_modal_llms.openai import OpenAIMultiModal


class PythonEngine:
    def __init__(self, ocr_mm_llm: MultiModalLLM = None):
        self.ocr_mm_llm = ocr_mm_llm or OpenAIMultiModal(model="gpt-4o-mini")

    def perform_fallback(self, prompt, screenshots):
        return self.ocr_mm_llm.complete(image_documents=screenshots, prompt=prompt).text


def build_engine():
    return PythonEngine()
'''


def test_a_model_built_here_says_more_than_one_passed_in(make_project: MakeProject) -> None:
    """lavague's ``ocr_mm_llm or OpenAIMultiModal(...)``: the parameter, annotated with the
    multi-modal base class, is a model that no call of the constructor passes; the one
    built here is what runs (with llama-index's default retries), so the call is judged on
    it."""
    index = scan(make_project, {"app/engine.py": FALLBACK_BUILT_HERE})
    assert calls(index) == [("app/engine.py:10", "complete", "PythonEngine.perform_fallback")]
    site = index.calls[0]
    assert site.client == "app/engine.py:7"
    assert site.retry is not None and site.retry.strength == "default"


PACKAGE_RE_EXPORTS = {
    "app/__init__.py": "",
    "app/llm.py": "from langchain_openai import ChatOpenAI\n\n\ndef get_model():\n"
                  "    return ChatOpenAI(model='gpt-4o')\n",
    "app/agent/__init__.py": "from .agent import *\nfrom .tools import *\n",
    "app/agent/agent.py": "from ..llm import get_model\n\n\ndef get_agent_executor():\n"
                          "    return get_model()\n",
    # two modules that star-import each other and the package: a cycle to end
    "app/agent/tools.py": "from .helpers import *\nfrom . import *\n\n\ndef tool():\n"
                          "    return 1\n",
    "app/agent/helpers.py": "from .tools import *\n\n\ndef helper():\n    return 2\n",
    "app/cu/__init__.py": "",
    "app/cu/ask.py": "from ..agent import get_agent_executor\n\n\ndef ask(question):\n"
                     "    return get_agent_executor().invoke(question)\n",
}


def test_a_name_a_package_re_exports_with_a_star_import(make_project: MakeProject) -> None:
    """gpt-computer-assistant's ``cu/ask_anthropic.py`` imports ``get_agent_executor`` from
    the ``agent`` package, whose ``__init__.py`` re-exports it with ``from .agent import *``;
    star imports that import each other end."""
    index = scan(make_project, PACKAGE_RE_EXPORTS)
    assert calls(index) == [("app/cu/ask.py:5", "invoke", "ask")]


def test_a_parameter_a_call_passes_is_judged_before_the_model_built_here(
        make_project: MakeProject) -> None:
    """Must-not: where a call of the constructor passes ``ocr_mm_llm``, the parameter is not
    skipped: the model that call passes (built with its own retries) is the one judged."""
    engine = FALLBACK_BUILT_HERE.replace(
        "    return PythonEngine()\n",
        "    return PythonEngine(ocr_mm_llm=OpenAIMultiModal(model='gpt-4o', max_retries=7))\n")
    index = scan(make_project, {"app/engine.py": engine})
    assert calls(index) == [("app/engine.py:10", "complete", "PythonEngine.perform_fallback")]
    site = index.calls[0]
    assert site.client == "app/engine.py:14"
    assert site.retry is not None and site.retry.strength == "explicit"
