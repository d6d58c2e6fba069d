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


# podcastfy 0.4.3: the chain goes to a strategy picked from a dict by a run-time key
STRATEGIES = '''\
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI


class Standard:
    def generate(self, chain, params):
        return chain.invoke(params)


class LongForm:
    def generate(self, chain, params):
        return "".join(chain.invoke({"part": part}) for part in params["parts"])


class Generator:
    def __init__(self):
        self.llm = ChatOpenAI(model="gpt-4o", timeout=60)
        self.strategies = {True: LongForm(), False: Standard()}

    def generate(self, params, longform=False):
        chain = ChatPromptTemplate.from_template("{part}") | self.llm | StrOutputParser()
        try:
            return self.strategies[longform].generate(chain, params)
        except Exception:
            return ""
'''


def test_a_method_of_a_dict_item_chosen_at_run_time(make_project: MakeProject) -> None:
    index = scan(make_project, {"gen.py": STRATEGIES})
    assert [(f"{c.path}:{c.line}", where(c.timeout), where(c.error_handling))
            for c in index.calls] == [
        ("gen.py:8", "gen.py:18", "gen.py:25"), ("gen.py:13", "gen.py:18", "gen.py:25")]
    # a key written out names its item only
    one = STRATEGIES.replace("self.strategies[longform]", 'self.strategies["standard"]').replace(
        "{True: LongForm(), False: Standard()}", '{"long": LongForm(), "standard": Standard()}')
    assert [f"{c.path}:{c.line}" for c in scan(make_project, {"gen.py": one}).calls] == [
        "gen.py:8"]


DEEP = '''\
from openai import OpenAI

client = OpenAI(timeout=10, max_retries=2)


def ask(q):
    return client.chat.completions.create(model="m", messages=[q])


def l1(q):
    return ask(q)


def l2(q):
    return l1(q)


def l3(q):
    return l2(q)
'''
NEAR = '''\
from a_deep import client, l3


def ask_direct(q):
    return client.chat.completions.create(model="m", messages=[q])


def pipeline(q):
    l3(q)
    return ask_direct(q)


def main(q):
    try:
        return pipeline(q)
    except Exception:
        return None
'''


def test_a_caller_past_the_depth_limit_of_one_call_is_near_another(
        make_project: MakeProject) -> None:
    # pipeline is four calls above a_deep's call (past the callers' depth limit: no answer
    # there) and one above b's: b's call is protected by main's try all the same
    index = scan(make_project, {"a_deep.py": DEEP, "b.py": NEAR})
    assert [(f"{c.path}:{c.line}", where(c.error_handling)) for c in index.calls] == [
        ("a_deep.py:7", None), ("b.py:5", "b.py:16")]


# marker-pdf 2.0 (marker/services/): the base service calls the model through a client that
# its get_google_client builds, a method the base leaves to its subclasses (it raises
# NotImplementedError); each subclass builds a genai.Client with a timeout in http_options.
GEMINI_BASE = '''\
from google.genai.errors import APIError


class BaseGeminiService:
    timeout = 30

    def get_google_client(self, timeout: int):
        raise NotImplementedError

    def describe(self, prompt):
        client = self.get_google_client(timeout=self.timeout)
        try:
            return client.models.generate_content(model="gemini-2.5-flash", contents=[prompt])
        except APIError:
            return None

    def ping(self):
        return self.get_settings().models.generate_content(model="m", contents=["x"])

    def get_settings(self):
        return {"model": "gemini-2.5-flash"}
'''
GEMINI_SERVICES = '''\
from google import genai

from services.base import BaseGeminiService


class GoogleGeminiService(BaseGeminiService):
    def get_google_client(self, timeout: int):
        return genai.Client(api_key="k", http_options={"timeout": timeout * 1000})

    def get_settings(self):
        return genai.Client(api_key="k")


class GoogleVertexService(BaseGeminiService):
    def get_google_client(self, timeout: int):
        return genai.Client(vertexai=True, http_options={"timeout": timeout * 1000})
'''


def test_a_client_that_only_the_subclasses_build(make_project: MakeProject) -> None:
    index = scan(make_project, {"services/__init__.py": "", "services/base.py": GEMINI_BASE,
                                "services/gemini.py": GEMINI_SERVICES})
    assert [(f"{c.path}:{c.line}", c.provider, c.api) for c in index.calls] == [
        ("services/base.py:13", "google", "models.generate_content")]
    # not ping(): get_settings gives something of its own in the base (a dict), so what a
    # subclass's override returns is not asked
    site = index.calls[0]
    assert where(site.timeout) == "services/gemini.py:8"  # the first subclass's client
    assert where(site.error_handling) == "services/base.py:14"


def test_overrides_that_build_different_clients(make_project: MakeProject) -> None:
    # smolagents 1.x: create_client gives an OpenAI client in one subclass and litellm's
    # Router in another; which one a call of the base uses depends on the object
    services = GEMINI_SERVICES.replace(
        'return genai.Client(vertexai=True, http_options={"timeout": timeout * 1000})',
        'return OpenAI(timeout=timeout)').replace(
        "from google import genai", "from google import genai\nfrom openai import OpenAI")
    index = scan(make_project, {"services/__init__.py": "", "services/base.py": GEMINI_BASE,
                                "services/gemini.py": services})
    assert index.calls == ()


# NeMo Guardrails 0.24 (integrations/langchain/): model classes are kept in a registry typed
# Dict[str, Type[BaseLLM]], registered through a parameter typed Type[BaseLLM], and called to
# build a model; the model it builds is asked later, through a parameter typed as a model.
REGISTRY = '''\
from typing import Dict, Optional, Type

from langchain_core.language_models import BaseLanguageModel
from langchain_core.language_models.llms import BaseLLM

_llm_providers: Dict[str, Type[BaseLLM]] = {}


def register_llm_provider(name: str, provider_cls: Type[BaseLLM]):
    _llm_providers[name] = provider_cls


def get_provider(name: str) -> Type[BaseLLM]:
    return _llm_providers[name]


def init_model(name: str, kwargs: dict):
    provider_cls = get_provider(name)
    return provider_cls(**kwargs)


async def llm_call(llm: Optional[BaseLanguageModel], prompt: str):
    return await llm.ainvoke(prompt)
'''


def test_a_model_class_is_no_model(make_project: MakeProject) -> None:
    index = scan(make_project, {"providers.py": REGISTRY})
    # building a model from a class typed Type[BaseLLM] sends nothing; asking the model
    # passed in (Optional[BaseLanguageModel]: the model itself) does
    assert [(f"{c.path}:{c.line}", c.api) for c in index.calls] == [("providers.py:23", "ainvoke")]


# NeMo Guardrails 0.24: init_langchain_model picks the initializer of a provider from a list
# of objects holding functions and returns what it builds; only its return annotation says
# that is a model. The adapter keeps it and asks it (llm_adapter.py).
INITIALIZER = '''\
from typing import Callable, List, Optional, Type, Union

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.llms import BaseLLM

_INITIALIZERS = []


def init_langchain_model(name: str) -> Union[BaseChatModel, BaseLLM]:
    for initializer in _INITIALIZERS:
        result = initializer.execute(name)
        if result is not None:
            return result
    raise ValueError(name)


def all_models() -> List[BaseChatModel]:
    return [init(n) for n, init in _INITIALIZERS]


def model_class() -> Optional[Type[BaseChatModel]]:
    return _INITIALIZERS[0]


def model_or_factory(name: str) -> Optional[Union[BaseChatModel, Callable[..., BaseChatModel]]]:
    return _INITIALIZERS[1]


class Adapter:
    def __init__(self, llm):
        self._llm = llm

    async def generate_async(self, messages, **params):
        llm = self._llm.bind(**params) if params else self._llm
        return await llm.ainvoke(messages)


def build(name: str) -> Adapter:
    return Adapter(init_langchain_model(name))


def maybe_model() -> "BaseChatModel | None":
    return _INITIALIZERS[2]


def everything():
    return all_models().invoke("x"), model_class()(temperature=0), model_or_factory("m")(t=0)


def summary(text):
    return maybe_model().invoke(text)
'''


def test_a_model_only_a_return_annotation_names(make_project: MakeProject) -> None:
    index = scan(make_project, {"adapter.py": INITIALIZER})
    # the adapter's model comes from init_langchain_model (Union[BaseChatModel, BaseLLM]);
    # a list of models, a model class and what may be a factory (local-deep-research's
    # registry: a model or a function that builds one) are no model
    assert [(f"{c.path}:{c.line}", c.api) for c in index.calls] == [
        ("adapter.py:35", "ainvoke"), ("adapter.py:51", "invoke")]  # and BaseChatModel | None
    site = index.calls[0]
    assert site.client is None and site.timeout is None  # built where the analysis cannot see


# CAMEL 0.2.90 (camel/models/): every model backend hands its client's API method to one
# helper of the base class, _call_client(call, *args, **kwargs), which calls it. Each
# backend's call is a call site, with its own client and keywords; the helper's line is
# none. A helper's own retry loop around the call protects every call handed to it.
HELPER_BASE = '''\
import threading
import time


class BaseModelBackend:
    def _call_client(self, call, *args, **kwargs):
        return call(*args, **kwargs)

    def _call_with_retries(self, call, *args, **kwargs):
        for attempt in range(3):
            try:
                return call(*args, **kwargs)
            except Exception:
                time.sleep(2 ** attempt)
        raise RuntimeError("gave up")

    def _call_local(self, call, text):
        return call(text)


class Retrying:
    def __call__(self, fn, *args, **kwargs):
        for attempt in range(3):
            try:
                return fn(*args, **kwargs)
            except Exception:
                time.sleep(attempt)
        raise RuntimeError("gave up")


def invoke_with_timeout(timeout_seconds, func, *args, **kwargs):
    result = []

    def target():
        result.append(func(*args, **kwargs))

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout_seconds)
    return result[0] if result else None
'''
HELPER_BACKENDS = '''\
from anthropic import Anthropic
from openai import OpenAI

from models.base import BaseModelBackend, Retrying, invoke_with_timeout


class OpenAICompatibleModel(BaseModelBackend):
    def __init__(self, timeout=180):
        self._client = OpenAI(timeout=timeout, max_retries=3)

    def run(self, messages):
        return self._call_client(self._client.chat.completions.create, messages=messages,
                                 model="gpt-4o")

    def run_with_retries(self, messages):
        return self._call_with_retries(self._client.chat.completions.create,
                                       messages=messages, model="gpt-4o")

    def shout(self, text):
        return self._call_local(str.upper, text)

    def run_in_thread(self, messages):
        return invoke_with_timeout(120, self._client.chat.completions.create,
                                   messages=messages, model="gpt-4o")

    def run_retrying(self, messages):
        retryer = Retrying()
        return retryer(self._client.chat.completions.create, messages=messages, model="m")


class AnthropicModel(BaseModelBackend):
    def __init__(self):
        self._client = Anthropic()

    def run(self, messages):
        return self._call_client(self._client.messages.create, messages=messages,
                                 model="claude-sonnet-4-5", max_tokens=1024)
'''


def test_api_methods_handed_to_a_helper(make_project: MakeProject) -> None:
    index = scan(make_project, {"models/__init__.py": "", "models/base.py": HELPER_BASE,
                                "models/backends.py": HELPER_BACKENDS})
    assert [(f"{c.path}:{c.line}", c.provider, c.api) for c in index.calls] == [
        ("models/backends.py:12", "openai", "chat.completions.create"),
        ("models/backends.py:16", "openai", "chat.completions.create"),
        # local-deep-research's invoke_with_timeout: the helper calls what it is handed in
        # a thread's target nested in it
        ("models/backends.py:23", "openai", "chat.completions.create"),
        # smolagents: a callable Retrying object whose __call__ retries what it is handed
        ("models/backends.py:28", "openai", "chat.completions.create"),
        ("models/backends.py:36", "anthropic", "messages.create"),
    ]
    openai, retried, _, by_object, anthropic = index.calls
    assert where(by_object.error_handling) == "models/base.py:26"  # Retrying.__call__'s try
    assert where(openai.timeout) == "models/backends.py:9"  # its own client's
    assert where(openai.retry) == "models/backends.py:9"  # max_retries=3
    assert anthropic.timeout is None  # Anthropic() has none: not the OpenAI client's
    assert anthropic.retry is not None and anthropic.retry.strength == "default"
    # the helper's retry loop and try, around its call of what it is handed
    assert where(retried.error_handling) == "models/base.py:13"
    assert openai.error_handling is None
