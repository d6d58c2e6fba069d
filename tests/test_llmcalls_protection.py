"""The protection rules, each where it must be found and where it must not."""

from __future__ import annotations

from readiness.llmcalls import CallSite, build_index
from readiness.project import Project
from tests.conftest import MakeProject
from tests.fixtures_llm import strength, where


def calls(make_project: MakeProject, files: dict[str, str]) -> dict[str, CallSite]:
    """Call sites by enclosing function name (each test function holds one call)."""
    index = build_index(Project(make_project(files)))
    found = {c.function or "<module>": c for c in index.calls}
    assert len(found) == len(index.calls)
    return found


RESILIENCE = '''\
import functools
import random
import time


def retrying(attempts=3, base=0.5):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for attempt in range(attempts):
                try:
                    return fn(*args, **kwargs)
                except Exception:
                    if attempt == attempts - 1:
                        raise
                    time.sleep(base * 2 ** attempt + random.random())
        return wrapper
    return decorate


def call_with_retries(fn, attempts=3):
    for attempt in range(attempts):
        try:
            return fn()
        except Exception:
            time.sleep(2 ** attempt)
    raise RuntimeError("gave up")


def retry(fn):  # looks like a retry decorator, is not
    return fn


def poll(fn):
    while True:
        fn()
        time.sleep(5)
'''

RETRIES = '''\
import asyncio
import time

import backoff
import openai
import stamina
from openai import AsyncOpenAI, OpenAI
from tenacity import Retrying, stop_after_attempt

from app.util.resilience import call_with_retries, poll, retry, retrying

client = OpenAI(max_retries=0)
aclient = AsyncOpenAI(max_retries=0)


@backoff.on_exception(backoff.expo, openai.RateLimitError, max_tries=5)
def a():
    return client.chat.completions.create(model="m", messages=[])


@stamina.retry(on=openai.APIConnectionError, attempts=3)
def b():
    return client.chat.completions.create(model="m", messages=[])


@retrying(attempts=4)
def c():
    return client.chat.completions.create(model="m", messages=[])


def d():
    return call_with_retries(lambda: client.chat.completions.create(model="m", messages=[]))


def e():
    for attempt in range(5):
        try:
            return client.chat.completions.create(model="m", messages=[])
        except openai.APIError:
            time.sleep(2 ** attempt)


def f():
    for attempt in Retrying(stop=stop_after_attempt(3)):
        with attempt:
            return client.chat.completions.create(model="m", messages=[])


@retry
def g():
    return client.chat.completions.create(model="m", messages=[])


def h():
    for _ in range(3):
        try:
            return client.chat.completions.create(model="m", messages=[])
        except Exception:
            pass


def i():
    return poll(lambda: client.chat.completions.create(model="m", messages=[]))


def j():
    while True:
        client.chat.completions.create(model="m", messages=[])
        time.sleep(1)


def inner():
    return client.chat.completions.create(model="m", messages=[])


def k():
    return call_with_retries(inner)


async def l():
    return await asyncio.wait_for(aclient.chat.completions.create(model="m"), timeout=10)


async def m():
    async with asyncio.timeout(10):
        return await aclient.chat.completions.create(model="m", messages=[])
'''


def retry_project(make_project: MakeProject) -> dict[str, CallSite]:
    return calls(make_project, {"app/__init__.py": "", "app/util/__init__.py": "",
                                "app/util/resilience.py": RESILIENCE, "app/calls.py": RETRIES})


def test_retry_found_in_libraries_home_made_wrappers_and_loops(make_project: MakeProject
                                                               ) -> None:
    found = retry_project(make_project)
    p = "app/calls.py"
    assert {name: where(found[name].retry) for name in "abcdef"} == {
        "a": f"{p}:16",  # @backoff.on_exception
        "b": f"{p}:21",  # @stamina.retry
        # a home-made decorator factory in a module that never names a provider
        "c": f"{p}:26",
        "d": f"{p}:32",  # a lambda handed to a home-made retrying function
        "e": f"{p}:36",  # a loop that catches and sleeps around the call
        "f": f"{p}:44",  # for attempt in tenacity.Retrying(...)
    }
    # inner() is only ever called through call_with_retries(inner)
    assert found["inner"].line == 73
    assert where(found["inner"].retry) == f"{p}:77"
    assert found["c"].retry is not None
    assert "retry loop at app/util/resilience.py:10" in found["c"].retry.how


def test_retry_not_found_in_lookalikes(make_project: MakeProject) -> None:
    found = retry_project(make_project)
    # g: a decorator called retry that does not loop; h: a loop without sleeping;
    # i: a polling helper that sleeps but catches nothing; j: a loop with sleep but no try.
    # All on a client with max_retries=0, so there is no SDK default either.
    assert {name: found[name].retry for name in "ghij"} == dict.fromkeys("ghij")


def test_timeouts_around_async_calls(make_project: MakeProject) -> None:
    found = retry_project(make_project)
    assert where(found["l"].timeout) == "app/calls.py:81"  # asyncio.wait_for(..., timeout=10)
    assert where(found["m"].timeout) == "app/calls.py:85"  # async with asyncio.timeout(10)
    assert found["a"].timeout is None


ERRORS_AND_OUTPUTS = '''\
import contextlib
import json
import logging

import anthropic
import httpx
import jsonschema
import instructor
from pydantic import TypeAdapter
from anthropic import Anthropic
from schemas import Answer, Plain

client = Anthropic(timeout=20)
patched = instructor.from_anthropic(Anthropic())
log = logging.getLogger(__name__)
SCHEMA = {"type": "object"}

def a():
    try:
        return client.messages.create(model="m", max_tokens=5, messages=[])
    except ValueError:
        return None

def b():
    try:
        return client.messages.create(model="m", max_tokens=5, messages=[])
    except (ValueError, anthropic.APIStatusError):
        return None

def c():
    try:
        return client.messages.create(model="m", max_tokens=5, messages=[])
    except:
        return None

def d():
    try:
        return client.messages.create(model="m", max_tokens=5, messages=[])
    except Exception:
        log.exception("failed")
        raise

def e():
    with contextlib.suppress(httpx.HTTPError):
        return client.messages.create(model="m", max_tokens=5, messages=[])

def f():
    msg = client.messages.create(model="m", max_tokens=5, messages=[])
    text = msg.content[0].text
    return Answer(**json.loads(text))

def g():
    msg = client.messages.create(model="m", max_tokens=5, messages=[])
    return Plain(**json.loads(msg.content[0].text))

def h():
    msg = client.messages.create(model="m", max_tokens=5, messages=[])
    data = json.loads(msg.content[0].text)
    jsonschema.validate(instance=data, schema=SCHEMA)
    return data

def i():
    msg = client.messages.create(model="m", max_tokens=5, messages=[])
    return TypeAdapter(list[Answer]).validate_json(msg.content[0].text)

def j():
    return patched.messages.create(model="m", max_tokens=5, messages=[], response_model=Answer)

def k():
    return client.messages.create(model="m", max_tokens=5, messages=[], tools=[
        {"name": "x", "input_schema": {}}], tool_choice={"type": "tool", "name": "x"})

def l():
    return client.messages.create(model="m", max_tokens=5, messages=[], tools=[
        {"name": "x", "input_schema": {}}])

def m():
    msg = client.messages.create(model="m", max_tokens=5, messages=[])
    print(msg)
    other = json.loads("{}")
    return Answer.model_validate(other)

def n():
    return client.messages.create(model="m", max_tokens=5, messages=[]).content[0].text

def caller1():
    try:
        return Answer.model_validate_json(n())
    except Exception:
        return None

def caller2():
    return n()

def o():
    return client.messages.create(model="m", max_tokens=5, messages=[]).content[0].text

def only_caller():
    try:
        return Answer.model_validate_json(o())
    except anthropic.APIError:
        return None
'''

SCHEMAS = '''\
from pydantic import BaseModel


class Answer(BaseModel):
    text: str


class Plain:
    pass
'''


def outputs_project(make_project: MakeProject) -> dict[str, CallSite]:
    return calls(make_project, {"schemas.py": SCHEMAS, "e.py": ERRORS_AND_OUTPUTS})


def test_error_handling_rules(make_project: MakeProject) -> None:
    found = outputs_project(make_project)
    assert {name: where(found[name].error_handling) for name in "abcden"} == {
        "a": None,  # except ValueError does not catch API errors
        "b": "e.py:27",  # a tuple holding an SDK error class
        "c": "e.py:33",  # bare except
        "d": None,  # logs and re-raises: the request still crashes
        "e": "e.py:44",  # contextlib.suppress(httpx.HTTPError)
        "n": None,  # one caller handles errors, the other does not
    }
    assert where(found["o"].error_handling) == "e.py:101"  # its only caller handles them
    assert found["o"].error_handling is not None
    assert found["o"].error_handling.how == "except anthropic.APIError at e.py:101"


def test_output_validation_rules(make_project: MakeProject) -> None:
    found = outputs_project(make_project)
    got = {name: (where(found[name].output_validation),
                  strength(found[name].output_validation)) for name in "fghijklmno"}
    assert got == {
        "f": ("e.py:50", "explicit"),  # Answer(**json.loads(...)) with Answer a pydantic model
        "g": ("e.py:54", "weak"),  # Plain is no pydantic model: only json.loads remains
        "h": ("e.py:59", "explicit"),  # jsonschema.validate
        "i": ("e.py:64", "explicit"),  # TypeAdapter(...).validate_json
        "j": ("e.py:67", "explicit"),  # instructor response_model=
        "k": ("e.py:70", "explicit"),  # a forced tool with a schema
        "l": ("e.py:74", "weak"),  # tools the model may ignore
        "m": (None, None),  # something else is validated, not the model's output
        "n": (None, None),  # returned; one caller validates it, the other does not
        "o": ("e.py:100", "explicit"),  # returned, and its only caller validates it
    }


def test_sdk_default_retries_and_explicit_zero(make_project: MakeProject) -> None:
    found = calls(make_project, {"r.py": '''\
from anthropic import Anthropic
from openai import OpenAI

default = OpenAI()
none = OpenAI(max_retries=0)
three = Anthropic(max_retries=3)

def a(): return default.chat.completions.create(model="m", messages=[])
def b(): return none.chat.completions.create(model="m", messages=[])
def c(): return three.messages.create(model="m", max_tokens=1, messages=[])
def d(): return default.with_options(max_retries=0).chat.completions.create(model="m")
'''})
    assert {n: (where(c.retry), strength(c.retry)) for n, c in found.items()} == {
        "a": ("r.py:4", "default"),
        "b": (None, None),
        "c": ("r.py:6", "explicit"),
        "d": (None, None),
    }
    assert {c.timeout for c in found.values()} == {None}  # the 600 s default is no timeout


# pr-agent (algo/ai_handlers/litellm_ai_handler.py:193, :216): the request's options are a
# dict with a timeout, handed through a method that adds callbacks' metadata and returns it,
# then spread into the call.
PASSED_THROUGH = '''\
from litellm import acompletion


def add_metadata(options, command):
    options["metadata"] = {"command": command}
    return options


def without_timeout(options):
    return {k: v for k, v in options.items() if k != "timeout"}


class Handler:
    def tagged(self, kwargs):
        kwargs["tags"] = ["pr"]
        return kwargs

    async def through_a_method(self, model, text, callbacks):
        kwargs = {"model": model, "messages": [{"role": "user", "content": text}],
                  "timeout": 30}
        if callbacks:
            kwargs = self.tagged(kwargs)
        return await acompletion(**kwargs)


async def through_two(model, text):
    options = {"model": model, "messages": [{"role": "user", "content": text}], "timeout": 30}
    options = add_metadata(add_metadata(options, "review"), "describe")
    return await acompletion(**options)


async def rebuilt(model, text):
    options = {"model": model, "messages": [{"role": "user", "content": text}], "timeout": 30}
    options = without_timeout(options)
    return await acompletion(**options)
'''


def test_a_timeout_in_options_handed_back_by_a_function_counts(make_project: MakeProject
                                                                ) -> None:
    found = calls(make_project, {"app/ask.py": PASSED_THROUGH})
    assert where(found["Handler.through_a_method"].timeout) == "app/ask.py:20"
    assert where(found["through_two"].timeout) == "app/ask.py:27"
    assert found["rebuilt"].timeout is None  # a new dict without the timeout


# skyvern 1.0.56: the request options are copied from a deployment's settings, then the
# timeout is written in (setdefault, an item, update) before ``acompletion(**options)``.
WRITTEN_KEYS = '''\
import copy

import litellm


async def set_by_default(deployment, messages, timeout):
    active_params = copy.deepcopy(deployment["litellm_params"])
    active_params["cached_content"] = "cache"
    active_params.setdefault("timeout", timeout)
    return await litellm.acompletion(messages=messages, drop_params=True, **active_params)


async def set_as_an_item(base, messages, timeout):
    active_parameters = dict(base or {})
    if "timeout" not in active_parameters:
        active_parameters["timeout"] = timeout
    return await litellm.acompletion(messages=messages, **active_parameters)


async def updated(base, messages):
    options = dict(base)
    options.update({"timeout": 30}, stream=False)
    return await litellm.acompletion(messages=messages, **options)


async def updated_by_keyword(base, messages):
    options = dict(base)
    options.update(timeout=30)
    return await litellm.acompletion(messages=messages, **options)


async def rebound_after(base, messages, timeout):
    options = dict(base)
    options["timeout"] = timeout
    options = {"model": "gpt-4o"}
    return await litellm.acompletion(messages=messages, **options)


async def another_dict(base, messages, timeout):
    options = dict(base)
    extra = {}
    extra["timeout"] = timeout
    return await litellm.acompletion(messages=messages, **options)


async def written_after(base, messages, timeout):
    options = dict(base)
    reply = await litellm.acompletion(messages=messages, **options)
    options["timeout"] = timeout
    return reply
'''


def test_a_timeout_written_into_the_spread_options_counts(make_project: MakeProject) -> None:
    found = calls(make_project, {"app/llm.py": WRITTEN_KEYS})
    assert where(found["set_by_default"].timeout) == "app/llm.py:9"
    assert where(found["set_as_an_item"].timeout) == "app/llm.py:16"
    assert where(found["updated"].timeout) == "app/llm.py:22"
    assert where(found["updated_by_keyword"].timeout) == "app/llm.py:28"
    # a new dict bound to the name, another dict, or a key written after the call: none
    assert found["rebound_after"].timeout is None
    assert found["another_dict"].timeout is None
    assert found["written_after"].timeout is None


GUARDS = '''\
import functools
import logging
import time
from inspect import iscoroutinefunction

from openai import APIConnectionError, AuthenticationError


class AppError(Exception):
    pass


def api_guard(func):
    """mentat's shape: API errors become the app's own, sync and async alike."""
    if iscoroutinefunction(func):
        async def async_wrapper(*args, **kwargs):
            try:
                return await func(*args, **kwargs)
            except AuthenticationError:
                raise AppError("check your key")
            except APIConnectionError:
                raise AppError("check your connection")
        return async_wrapper
    else:
        def sync_wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except AuthenticationError:
                raise AppError("check your key")
        return sync_wrapper


def handled(default=None):
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Exception:
                logging.exception("model call failed")
                return default
        return wrapper
    return decorator


def logged(func):
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception:
            logging.exception("failed")
            raise
    return wrapper


def half_guarded(func):
    async def async_wrapper(*args, **kwargs):
        try:
            return await func(*args, **kwargs)
        except Exception:
            return None

    def sync_wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return async_wrapper if iscoroutinefunction(func) else sync_wrapper


def narrow(func):
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValueError:
            return None
    return wrapper


def retry_on_overloaded(attempts=3):
    """gptme's shape: catches to ask again; the helper raises on the last attempt."""
    def decorator(func):
        def wrapper(*args, **kwargs):
            for attempt in range(attempts):
                try:
                    return func(*args, **kwargs)
                except Exception as e:
                    give_up_or_wait(e, attempt, attempts)
            raise RuntimeError("retry exhausted")
        return wrapper
    return decorator


def give_up_or_wait(error, attempt, attempts):
    if attempt + 1 >= attempts:
        raise error
    time.sleep(2 ** attempt)


def on_error(callback):
    def decorator(func):
        def wrapper(*args, **kwargs):
            try:
                callback()
            except Exception:
                pass
            return func(*args, **kwargs)
        return wrapper
    return decorator
'''

GUARDED_CALLS = '''\
from openai import AsyncOpenAI, OpenAI

from app.guards import (api_guard, half_guarded, handled, logged, narrow, on_error,
                        retry_on_overloaded)

client = OpenAI(timeout=30)
aclient = AsyncOpenAI(timeout=30)


@api_guard
async def a():
    return await aclient.chat.completions.create(model="m", messages=[])


@api_guard
def b():
    return client.chat.completions.create(model="m", messages=[])


@handled(default="")
def c():
    return client.chat.completions.create(model="m", messages=[])


@logged
def d():
    return client.chat.completions.create(model="m", messages=[])


@half_guarded
def e():
    return client.chat.completions.create(model="m", messages=[])


@narrow
def f():
    return client.chat.completions.create(model="m", messages=[])


@on_error(print)
def g():
    return client.chat.completions.create(model="m", messages=[])


@retry_on_overloaded()
def h():
    return client.chat.completions.create(model="m", messages=[])
'''


def test_error_handling_a_project_decorator_puts_around_the_function(
        make_project: MakeProject) -> None:
    found = calls(make_project, {"app/__init__.py": "", "app/guards.py": GUARDS,
                                 "app/llm.py": GUARDED_CALLS})
    assert {name: where(found[name].error_handling) for name in "abcdefgh"} == {
        "a": "app/llm.py:10",  # mentat's @api_guard: SDK errors become the app's own
        "b": "app/llm.py:15",
        "c": "app/llm.py:20",  # a decorator factory whose wrapper returns a default
        "d": None,  # logs and re-raises: the request still fails
        "e": None,  # the sync wrapper, the one a sync function gets, has no try
        "f": None,  # except ValueError does not catch API errors
        "g": None,  # the try guards something else; the function runs outside it
        "h": None,  # a retry decorator: the last failure still reaches the caller
    }
    assert found["a"].error_handling is not None
    assert found["a"].error_handling.how == (
        "@api_guard on a at app/llm.py:10: except AuthenticationError at app/guards.py:19")


SETTINGS = '''\
import os

_raw = os.getenv("HTTP_TIMEOUT", "")
try:
    HTTP_TIMEOUT = int(_raw) if _raw else None
except (ValueError, TypeError):
    HTTP_TIMEOUT = 300

STREAM_IDLE = os.getenv("STREAM_IDLE", "")
if STREAM_IDLE == "":
    STREAM_IDLE = None

FIXED = int(os.getenv("FIXED_TIMEOUT", "30"))
OR_DEFAULT = os.getenv("OR_TIMEOUT") or 30
ENV_OR_NONE = os.environ.get("ENV_TIMEOUT") or None


class _Config:
    timeout = 30


config = _Config()
CONFIGURED = config.timeout if config.timeout else None
ZERO_IS_NONE = config.timeout or None
'''

SESSIONS = '''\
import aiohttp

from app.settings import FIXED, HTTP_TIMEOUT, STREAM_IDLE

_TIMEOUT = aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
_STREAM_TIMEOUT = aiohttp.ClientTimeout(total=HTTP_TIMEOUT, sock_read=STREAM_IDLE)
_FIXED = aiohttp.ClientTimeout(total=FIXED)


def get_timeout(stream=False):
    return _STREAM_TIMEOUT if stream else _TIMEOUT


def fixed_timeout():
    return _FIXED
'''

UNSET_TIMEOUTS = '''\
import aiohttp
import httpx
from openai import OpenAI

from app.sessions import fixed_timeout, get_timeout
from app.settings import CONFIGURED, ENV_OR_NONE, HTTP_TIMEOUT, OR_DEFAULT, ZERO_IS_NONE

URL = "https://api.openai.com/v1/chat/completions"
unset = OpenAI(timeout=HTTP_TIMEOUT)
defaulted = OpenAI(timeout=OR_DEFAULT)


async def a(session: aiohttp.ClientSession, stream: bool):
    async with session.post(URL, json={}, timeout=get_timeout(stream=stream)) as r:
        return await r.json()


async def b(session: aiohttp.ClientSession):
    async with session.post(URL, json={}, timeout=fixed_timeout()) as r:
        return await r.json()


async def c():
    async with aiohttp.ClientSession(timeout=get_timeout()) as session:
        async with session.post(URL, json={}) as r:
            return await r.json()


def d():
    return unset.chat.completions.create(model="m", messages=[])


def e():
    return defaulted.chat.completions.create(model="m", messages=[])


def f():
    return defaulted.chat.completions.create(model="m", messages=[], timeout=HTTP_TIMEOUT)


def g():
    # camel's shape: None only when OR_DEFAULT is None, which it never is
    guarded = OpenAI(timeout=float(OR_DEFAULT) if OR_DEFAULT is not None else None)
    return guarded.chat.completions.create(model="m", messages=[])


class Chat:
    timeout: float | None = None

    def client(self):
        # browser-use's shape: the key is only written when there is a timeout, so
        # httpx's own default stands otherwise
        args = {}
        if self.timeout is not None:
            args["timeout"] = self.timeout
        return httpx.AsyncClient(**args)

    async def h(self):
        return await self.client().post(URL, json={})


def i():
    return OpenAI(timeout=CONFIGURED).chat.completions.create(model="m", messages=[])


def j():
    return OpenAI(timeout=ZERO_IS_NONE).chat.completions.create(model="m", messages=[])


def k():
    return OpenAI(timeout=ENV_OR_NONE).chat.completions.create(model="m", messages=[])
'''


def test_a_timeout_that_is_none_unless_configured_is_no_timeout(
        make_project: MakeProject) -> None:
    found = calls(make_project, {"app/__init__.py": "", "app/settings.py": SETTINGS,
                                 "app/sessions.py": SESSIONS, "app/llm.py": UNSET_TIMEOUTS})
    assert {name: where(found[name].timeout) for name in (*"abcdefgijk", "Chat.h")} == {
        "a": None,  # Open WebUI: ClientTimeout(total=<None unless HTTP_TIMEOUT is set>)
        "b": "app/llm.py:19",  # a total read from the environment, with a default
        "c": None,  # the session's own timeout, as unset
        "d": None,  # OpenAI(timeout=<None unless set>)
        "e": "app/llm.py:10",  # `os.getenv(...) or 30`: 30 when nothing is set
        "f": None,  # the call's own timeout=, None unless set, overrides the client's
        "g": "app/llm.py:43",  # `t if t is not None else None` is None only when t is
        "Chat.h": "app/llm.py:56",  # httpx's default, the key not written when None
        # None only when config.timeout is falsy, whose default the analysis cannot see
        "i": "app/llm.py:63", "j": "app/llm.py:67",
        "k": None,  # `os.environ.get(...) or None`: None unless the variable is set
    }
    assert found["Chat.h"].timeout is not None
    assert found["Chat.h"].timeout.strength == "default"


DEADLINES = '''\
import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import litellm
from openai import AsyncOpenAI

aclient = AsyncOpenAI()
pool = ThreadPoolExecutor(4)


def timeout(seconds):  # docetl's: the function runs in a thread joined for `seconds`
    def decorator(func):
        def wrapper(*args, **kwargs):
            result = [TimeoutError("Function call timed out")]

            def target():
                try:
                    result[0] = func(*args, **kwargs)
                except Exception as e:
                    result[0] = e

            thread = threading.Thread(target=target)
            thread.start()
            thread.join(seconds)
            if isinstance(result[0], Exception):
                raise result[0]
            return result[0]
        return wrapper
    return decorator


def in_pool(seconds):
    def decorator(func):
        def wrapper(*args):
            return pool.submit(func, *args).result(timeout=seconds)
        return wrapper
    return decorator


def threaded(func):  # runs it in a thread, waits as long as it takes
    def wrapper(*args):
        thread = threading.Thread(target=func, args=args)
        thread.start()
        thread.join()
        return ", ".join(map(str, args))
    return wrapper


class API:
    def cached(self, messages):
        return litellm.completion(model="gpt-4o", messages=messages)

    def call_llm(self, messages, timeout_seconds=120):
        try:
            return timeout(timeout_seconds)(self.cached)(messages)
        except Exception:
            return None


def plain(messages):
    return litellm.completion(model="gpt-4o", messages=messages)


def through_threaded(messages):
    return threaded(plain)(messages)


@in_pool(30)
def decorated(messages):
    return litellm.completion(model="gpt-4o", messages=messages)


async def asked(messages):
    return await aclient.chat.completions.create(model="gpt-4o", messages=messages)


async def bounded(messages):
    return await asyncio.wait_for(asked(messages), timeout=20)


async def unbounded_too(messages):
    return await asked(messages)


async def answer(messages):
    return await aclient.chat.completions.create(model="gpt-4o", messages=messages)


async def route(messages):
    async with asyncio.timeout(15):
        return await answer(messages)
'''


def test_a_deadline_around_the_callers(make_project: MakeProject) -> None:
    found = calls(make_project, {"app/__init__.py": "", "app/llm.py": DEADLINES})
    p = "app/llm.py"
    # timeout(seconds)(self.cached)(messages): the call of what a call returns runs cached
    assert where(found["API.cached"].timeout) == f"{p}:56"
    assert "waits with a deadline at app/llm.py:25" in found["API.cached"].timeout.how
    assert where(found["API.cached"].error_handling) == f"{p}:57"  # the try around it
    assert where(found["decorated"].timeout) == f"{p}:69"  # @in_pool(30): future.result(timeout=)
    assert where(found["answer"].timeout) == f"{p}:91"  # every caller under asyncio.timeout()
    # must not: a thread joined without a deadline (and a str.join beside it); one caller
    # of two under asyncio.wait_for
    assert found["plain"].timeout is None
    assert found["asked"].timeout is None


def test_a_deadline_decorator_on_an_alarm_and_a_wait_for(make_project: MakeProject) -> None:
    found = calls(make_project, {"app/__init__.py": "", "app/llm.py": '''\
import asyncio
import functools
import signal

import litellm
from openai import AsyncOpenAI

aclient = AsyncOpenAI()


def alarm(seconds):
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            signal.alarm(seconds)
            try:
                return func(*args, **kwargs)
            finally:
                signal.alarm(0)
        return wrapper
    return decorator


def bounded(seconds):
    def decorator(func):
        async def wrapper(*args):
            return await asyncio.wait_for(func(*args), seconds)
        return wrapper
    return decorator


def logged(func):  # runs it, with no deadline
    def wrapper(*args):
        return func(*args)
    return wrapper


@alarm(30)
def ask(messages):
    return litellm.completion(model="gpt-4o", messages=messages)


@bounded(20)
async def answer(messages):
    return await aclient.chat.completions.create(model="gpt-4o", messages=messages)


@logged
def plain(messages):
    return litellm.completion(model="gpt-4o", messages=messages)
'''})
    assert where(found["ask"].timeout) == "app/llm.py:38"
    assert where(found["answer"].timeout) == "app/llm.py:43"
    assert found["plain"].timeout is None


ASKED_AGAIN = '''\
import json
import time

import openai
from openai import OpenAI

client = OpenAI(max_retries=0)


def once_more(history):
    try:
        response = client.chat.completions.create(model="gpt-4o", messages=history)
    except openai.APIConnectionError:
        time.sleep(20)
        response = client.chat.completions.create(model="gpt-4o", messages=history)
    return response


def reparse(history):
    try:
        return json.loads(client.chat.completions.create(
            model="gpt-4o", messages=history).choices[0].message.content)
    except json.JSONDecodeError:
        return client.chat.completions.create(model="gpt-4o", messages=history + ["JSON!"])


def another_call(history):
    try:
        return client.chat.completions.create(model="gpt-4o", messages=history)
    except openai.APIError:
        time.sleep(1)
        return client.responses.create(model="gpt-4o", input=str(history))


def without_media(history, text_only):
    try:
        return client.chat.completions.create(model="gpt-4o", messages=history)
    except Exception:
        return client.chat.completions.create(model="gpt-4o", messages=text_only)
'''


def test_a_handler_that_asks_again_retries_the_call(make_project: MakeProject) -> None:
    # PentestGPT 0.8.0 (chatgpt_api.py:86): on APIConnectionError or RateLimitError it
    # sleeps and makes the same openai.ChatCompletion.create call once more
    index = build_index(Project(make_project({"app/chat.py": ASKED_AGAIN})))
    got = {(c.function, c.line): where(c.retry) for c in index.calls}
    assert got == {
        ("once_more", 12): "app/chat.py:13", ("once_more", 15): "app/chat.py:13",
        # asked again on a parse error: a failing call is not retried
        ("reparse", 21): None, ("reparse", 24): None,
        # another API in the handler: a fallback, not a retry
        ("another_call", 29): None, ("another_call", 32): None,
        # asked again at once with another request (paper-qa 5: without the images after a
        # BadRequestError): a refused request worked round, not a failure retried
        ("without_media", 37): None, ("without_media", 39): None}


AWAITING_HELPERS = '''\
import asyncio
import logging

logger = logging.getLogger(__name__)


async def wrap_done(fn, event: asyncio.Event):
    """Wrap an awaitable with an event to signal when it is done or raised."""
    try:
        await fn
    except Exception as e:
        logger.error(f"{e.__class__.__name__}: {e}")
    finally:
        event.set()


async def timed(fn, event: asyncio.Event):
    await fn
    event.set()


async def reraising(fn, event: asyncio.Event):
    try:
        await fn
    except Exception:
        event.set()
        raise


async def waits_for_the_event(fn, event: asyncio.Event):
    try:
        await event.wait()
    except Exception:
        logger.exception("cancelled")
    return fn
'''

HANDING_OVER = '''\
import asyncio

from langchain_openai import ChatOpenAI

from app.helpers import reraising, timed, waits_for_the_event, wrap_done

llm = ChatOpenAI(model="gpt-4o-mini", timeout=30)


async def answer(question: str) -> None:
    done = asyncio.Event()
    try:
        task = asyncio.create_task(wrap_done(llm.ainvoke(question), done))
        await done.wait()
    except ValueError:
        return None
    await task


async def plain(question: str) -> None:
    await timed(llm.ainvoke(question), asyncio.Event())


async def raised(question: str) -> None:
    await reraising(fn=llm.ainvoke(question), event=asyncio.Event())


async def other(question: str) -> None:
    await waits_for_the_event(llm.ainvoke(question), asyncio.Event())
'''


def test_a_coroutine_handed_to_a_function_that_awaits_it_in_a_try_is_handled_there(
        make_project: MakeProject) -> None:
    """langchain-chatchat's ``asyncio.create_task(wrap_done(chain.acall(...), done))``: the
    call's errors end in wrap_done's except clause (not in the try around the hand-over,
    which catches nothing the call raises). Must-not: a helper that awaits it outside a
    try, one whose clause raises again, one whose try awaits something else."""
    found = calls(make_project, {"app/helpers.py": AWAITING_HELPERS,
                                 "app/chat.py": HANDING_OVER})
    handled = found["answer"].error_handling
    assert where(handled) == "app/helpers.py:11"
    assert handled is not None and "where wrap_done awaits it" in handled.how
    assert [found[name].error_handling for name in ("plain", "raised", "other")] == [
        None, None, None]


ASKS_ITSELF_AGAIN = '''\
import json
import time

import openai
from openai.error import InvalidRequestError, RateLimitError

from app.utils import backoff


def call_gpt(prompt: str, retry: int = 0) -> str:
    try:
        completion = openai.ChatCompletion.create(model="gpt-4", messages=[
            {"role": "user", "content": prompt}])
        return completion.choices[0].message.content
    except RateLimitError as error:
        if retry < 5:
            backoff(retry, error.headers.get("Retry-After"))
            return call_gpt(prompt, retry + 1)
        raise


class Reviewer:
    def ask(self, prompt: str, attempt: int = 0) -> str:
        try:
            return openai.ChatCompletion.create(model="gpt-4", messages=[])
        except openai.error.Timeout:
            time.sleep(2 ** attempt)
            return self.ask(prompt, attempt + 1)


def shorter(prompt: str) -> str:
    try:
        return openai.ChatCompletion.create(model="gpt-4", messages=[
            {"role": "user", "content": prompt}])
    except InvalidRequestError:
        return shorter(prompt[: len(prompt) // 2])


def parse(prompt: str) -> dict:
    try:
        return json.loads(openai.ChatCompletion.create(model="gpt-4", messages=[]).choices[0])
    except json.JSONDecodeError:
        time.sleep(1)
        return parse(prompt)
'''

BACKOFF = '''\
import time


def backoff(retry: int, retry_after: str | None) -> None:
    time.sleep(int(retry_after) if retry_after else 2 ** retry)
'''


def test_a_function_that_calls_itself_again_from_its_handler_retries(
        make_project: MakeProject) -> None:
    """gpt-review 0.9.5's ``_call_gpt``: on ``RateLimitError`` it waits (in a helper of
    another module) and returns ``_call_gpt(..., retry + 1)``: the call is retried, and so
    is a method asking itself again after a timeout. Must-not: asking itself again with a
    shorter prompt after the request was refused, or after the answer did not parse."""
    index = build_index(Project(make_project({"app/gpt.py": ASKS_ITSELF_AGAIN,
                                              "app/utils.py": BACKOFF})))
    got = {(c.function, c.line): where(c.retry) for c in index.calls}
    assert got == {("call_gpt", 12): "app/gpt.py:15", ("Reviewer.ask", 25): "app/gpt.py:26",
                   ("shorter", 33): None, ("parse", 41): None}
