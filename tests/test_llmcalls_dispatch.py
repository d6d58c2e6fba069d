"""Models reached through a class hierarchy, in chains built around a model of another
package, as Jupyter AI 2.31 writes them: a base chat handler streams ``self.llm_chain``,
which only its subclasses set (``prompt | llm | StrOutputParser()``, the model built by a
provider class of jupyter_ai_magics), and the base's ``on_message`` catches what a
subclass's ``process_message`` raises."""

from __future__ import annotations

from readiness.llmcalls import CallSiteIndex, build_index
from readiness.project import Project
from tests.conftest import MakeProject
from tests.fixtures_llm import where


def scan(make_project: MakeProject, files: dict[str, str]) -> CallSiteIndex:
    return build_index(Project(make_project(files)))


BASE = '''\
from typing import Optional

from langchain_core.runnables import Runnable


class BaseChatHandler:
    def __init__(self):
        self.llm_chain: Optional[Runnable] = None

    async def on_message(self, message):
        try:
            await self.process_message(message)
        except Exception as e:
            await self.reply(f"Sorry, something went wrong: {e}")

    async def process_message(self, message):
        raise NotImplementedError

    async def stream_reply(self, inputs):
        async for chunk in self.llm_chain.astream(inputs):
            await self.reply(chunk)

    async def reply(self, text):
        print(text)
'''
DEFAULT = '''\
from jupyter_ai_magics.providers import BaseProvider
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables.history import RunnableWithMessageHistory

from app.base import BaseChatHandler


class DefaultChatHandler(BaseChatHandler):
    def create_llm_chain(self, provider: type[BaseProvider], params: dict):
        llm = provider(**params)
        runnable = llm.get_chat_prompt_template() | llm | StrOutputParser()
        runnable = RunnableWithMessageHistory(runnable=runnable, get_session_history=None)
        self.llm_chain = runnable

    async def process_message(self, message):
        await self.stream_reply({"input": message})
'''
TEST = '''\
from app.default import DefaultChatHandler


async def test_process_message():
    handler = DefaultChatHandler()
    await handler.process_message("hi")
'''


def test_a_chain_set_by_a_subclass_and_handled_by_the_base(make_project: MakeProject) -> None:
    index = scan(make_project, {"app/__init__.py": "", "app/base.py": BASE,
                                "app/default.py": DEFAULT, "tests/test_default.py": TEST})
    assert [(f"{c.path}:{c.line}", c.api, c.production) for c in index.calls] == [
        ("app/base.py:20", "astream", True)]
    site = index.calls[0]
    # on_message's try, reached through the subclass's process_message; the test that calls
    # process_message directly says nothing of production
    assert where(site.error_handling) == "app/base.py:13"
    assert site.timeout is None  # nothing in this repository sets one


def test_a_parser_after_something_known_is_no_model_chain(make_project: MakeProject) -> None:
    index = scan(make_project, {"app/__init__.py": "", "app/base.py": BASE,
                                "app/default.py": DEFAULT.replace(
                                    "llm.get_chat_prompt_template() | llm | StrOutputParser()",
                                    "RunnableLambda(str.upper) | StrOutputParser()").replace(
                                    "from langchain_core.runnables.history",
                                    "from langchain_core.runnables import RunnableLambda\n"
                                    "from langchain_core.runnables.history")})
    assert index.calls == ()


GENERATE = '''\
from langchain.chains import LLMChain
from langchain.llms import BaseLLM
from langchain.prompts import PromptTemplate


class CodeImproverChain(LLMChain):
    @classmethod
    def from_llm(cls, llm: BaseLLM, verbose: bool = False) -> LLMChain:
        prompt = PromptTemplate(template="Improve:\\n{code}", input_variables=["code"])
        return cls(prompt=prompt, llm=llm, verbose=verbose)


class Formatter:
    @classmethod
    def make(cls):
        return cls()

    async def apredict(self, code):
        return code


async def improve_code(code, llm=None):
    chain = CodeImproverChain.from_llm(llm=llm, verbose=True)
    return await chain.apredict(code=code)


async def formatted(code):
    return await Formatter.make().apredict(code)
'''


def test_a_project_llmchain_calls_the_model_it_is_given(make_project: MakeProject) -> None:
    index = scan(make_project, {"gen.py": GENERATE})
    assert [(f"{c.path}:{c.line}", c.api) for c in index.calls] == [("gen.py:24", "apredict")]
    assert index.constructions == ()  # a chain is no model object of its own


# codeqai 0.0.20: bootstrap() returns the chain in a tuple, the caller unpacks it
BOOTSTRAP = '''\
from langchain.chains import ConversationalRetrievalChain
from langchain_openai import ChatOpenAI


def bootstrap(config):
    llm = ChatOpenAI(model=config["model"], timeout=30)
    store = object()
    qa = ConversationalRetrievalChain.from_llm(llm, retriever=store)
    return store, "memory", qa


def run(config, question):
    store, memory, qa = bootstrap(config)
    first, second = memory.split("m", 1)
    second(question)
    return qa(question)["answer"]
'''


def test_a_model_unpacked_from_a_returned_tuple(make_project: MakeProject) -> None:
    index = scan(make_project, {"app.py": BOOTSTRAP})
    assert [(f"{c.path}:{c.line}", c.api, where(c.timeout)) for c in index.calls] == [
        ("app.py:16", "__call__", "app.py:6")]  # not second(question): a string's item
