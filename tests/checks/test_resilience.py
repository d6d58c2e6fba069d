from __future__ import annotations

from pathlib import Path

from readiness.checks.infrastructure.resilience import (
    dead_letter_queue,
    graceful_degradation,
    rate_limiting,
)

from readiness.config import load_config
from readiness.model import Credit, Finding, Status
from readiness.project import Project
from tests import fixtures_infra as fx
from tests.conftest import MakeProject
from tests.warm import cold_then_warm


def run(check: object, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))  # type: ignore[attr-defined,no-any-return]


def where(finding: Finding) -> list[str]:
    return [str(e) for e in finding.evidence]


# ---- dead-letter-queue --------------------------------------------------------------------


def test_terraform_sqs_redrive_policy_passes(make_project: MakeProject) -> None:
    finding = run(dead_letter_queue, make_project(fx.HARDENED))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == ("failed requests are kept: dead-letter queue (infra/queue.tf:2), "
                               "dead-letter setting (infra/queue.tf:9)")
    assert where(finding) == ["infra/queue.tf:2", "infra/queue.tf:9"]


def test_serverless_redrive_policy_with_cloudformation_tags_passes(
        make_project: MakeProject) -> None:
    finding = run(dead_letter_queue, make_project(fx.BEDROCK_BATCH))
    assert finding.status is Status.PASS
    assert where(finding) == ["serverless.yml:17", "serverless.yml:23"]


def test_rabbitmq_dead_letter_exchange_in_code_passes(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "app/queue.py": (
        "import pika\n\nchannel = pika.BlockingConnection().channel()\n"
        "channel.queue_declare(queue='summaries', durable=True,\n"
        "                      arguments={'x-dead-letter-exchange': 'summaries.dlx'})\n")})
    finding = run(dead_letter_queue, root)
    assert finding.status is Status.PASS
    assert finding.message == ("failed requests are kept: RabbitMQ dead letter exchange "
                               "(app/queue.py:5)")


def test_kafka_dlq_topic_and_failed_requests_table_pass(make_project: MakeProject) -> None:
    root = make_project({
        **fx.BARE_PILOT,
        "app/worker.py": "from kafka import KafkaProducer\n\nproducer = KafkaProducer()\n\n\n"
                         "def park(msg):\n    producer.send('summaries.dlq', msg)\n",
        "migrations/001_failed.sql": "-- keep what failed\nCREATE TABLE IF NOT EXISTS "
                                     "failed_requests (id uuid primary key, body jsonb);\n",
    })
    finding = run(dead_letter_queue, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/worker.py:7", "migrations/001_failed.sql:2"]


def test_celery_acks_late_alone_warns_and_with_reject_passes(make_project: MakeProject) -> None:
    celery = "from celery import Celery\n\napp = Celery('jobs')\napp.conf.task_acks_late = True\n"
    alone = run(dead_letter_queue, make_project({**fx.BARE_PILOT, "app/tasks.py": celery}))
    assert (alone.status, alone.credit) == (Status.WARN, Credit.ENFORCED)
    assert alone.message == ("Celery acks_late is set (app/tasks.py:4) but without "
                             "task_reject_on_worker_lost; a failed task is not kept anywhere")
    both = run(dead_letter_queue, make_project({**fx.BARE_PILOT, "app/tasks.py": celery +
                                                "app.conf.task_reject_on_worker_lost = True\n"}))
    assert both.status is Status.PASS
    assert where(both) == ["app/tasks.py:4"]


def test_dead_letter_prose_and_comments_do_not_count(make_project: MakeProject) -> None:
    finding = run(dead_letter_queue, make_project(fx.LOOKALIKES))
    assert finding.status is Status.FAIL
    assert finding.message == ("no dead-letter queue or failed-request store found: requests "
                               "that still fail after retries are lost")


def test_dead_letter_claim_in_config_is_a_claim(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "readiness.yaml": (
        "version: 1\nevidence:\n  dead-letter-queue: \"Failed batches are re-run by hand\"\n")})
    finding = run(dead_letter_queue, root)
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == ("claimed in readiness.yaml, without evidence: Failed batches are "
                               "re-run by hand")
    assert where(finding) == ["readiness.yaml:3"]


def test_dead_letter_queue_not_applicable_without_llm(make_project: MakeProject) -> None:
    assert run(dead_letter_queue, make_project(fx.NO_LLM)).status is Status.NOT_APPLICABLE


# ---- graceful-degradation -----------------------------------------------------------------


def test_litellm_router_fallbacks_pass(make_project: MakeProject) -> None:
    finding = run(graceful_degradation, make_project(fx.HARDENED))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == "a fallback path exists: litellm fallbacks (app/llm.py:15)"
    assert where(finding) == ["app/llm.py:15"]


def test_langchain_with_fallbacks_and_proxy_fallbacks_pass(make_project: MakeProject) -> None:
    chain = run(graceful_degradation, make_project(fx.LANGCHAIN_BOT))
    assert chain.message == "a fallback path exists: LangChain with fallbacks (bot/chain.py:11)"
    proxy = run(graceful_degradation, make_project(fx.LITELLM_GATEWAY))
    assert proxy.status is Status.PASS
    assert where(proxy) == ["litellm/config.yaml:16"]


def test_circuit_breaker_and_kill_switch_pass(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "app/guard.py": (
        "import os\n\nimport pybreaker\n\nbreaker = pybreaker.CircuitBreaker(fail_max=5)\n"
        "AI_ENABLED = os.environ.get('AI_ENABLED', 'true') == 'true'\n"),
        "app/main.py": fx.BARE_PILOT["app/main.py"].replace(
            "from openai import OpenAI\n", "from openai import OpenAI\n\nfrom app.guard import "
            "breaker\n").replace('@app.post("/summarise")\n',
                                  '@app.post("/summarise")\n@breaker\n')})
    finding = run(graceful_degradation, root)
    assert finding.status is Status.PASS
    assert finding.message == ("a fallback path exists: circuit breaker (app/guard.py:5), "
                               "degraded mode flag (app/guard.py:6)")


# A circuit breaker counts by what it wraps. gptme's (gptme/mcp/client.py:306) runs the MCP
# server's tool calls; its class's __repr__ writes "CircuitBreaker(name=..." in a string.
BREAKER_CLASS = '''\
import threading


class CircuitBreaker:
    def __init__(self, name, failure_threshold=5):
        self.name = name
        self._lock = threading.Lock()

    def call(self, fn, *args, **kwargs):
        return fn(*args, **kwargs)

    def __repr__(self):
        return f"CircuitBreaker(name={self.name!r})"


_registry = {}


def get_breaker(name):
    if name not in _registry:
        _registry[name] = CircuitBreaker(name)
    return _registry[name]
'''
TOOLS = '''\
from app.breaker import CircuitBreaker


class ToolClient:
    def __init__(self, session, server_name):
        self.session = session
        self._circuit_breaker = CircuitBreaker(name=f"mcp:{server_name}")

    def call_tool(self, name, arguments):
        return self._circuit_breaker.call(self._call_tool, name, arguments)

    def _call_tool(self, name, arguments):
        return self.session.call_tool(name, arguments)
'''


def test_a_circuit_breaker_around_other_work_does_not_count(make_project: MakeProject) -> None:
    """Also in a module that calls the model: its breaker runs, decorates or guards the
    database lookup, not the model call."""
    elsewhere = {"app/breaker.py": BREAKER_CLASS, "app/tools.py": TOOLS}
    beside = ("import pybreaker\nfrom openai import OpenAI\n\nclient = OpenAI()\n"
              "db_breaker = pybreaker.CircuitBreaker(fail_max=5)\n\n\n"
              "def lookup(db, key):\n    return db.get(key)\n\n\n"
              "def ask(db, text):\n    context = db_breaker.call(lookup, db, text)\n"
              "    r = client.chat.completions.create(model='gpt-4o', messages=[\n"
              "        {'role': 'user', 'content': f'{context} {text}'}])\n"
              "    return r.choices[0].message.content\n")
    decorated = beside.replace("def lookup", "@db_breaker\ndef lookup").replace(
        "db_breaker.call(lookup, db, text)", "lookup(db, text)")
    block = beside.replace("db_breaker.call(lookup, db, text)\n", "None\n"
                           "    with db_breaker.calling():\n        context = lookup(db, text)\n")
    for case, files in {"elsewhere": elsewhere, "handed": {"app/ask.py": beside},
                        "decorated": {"app/ask.py": decorated},
                        "block": {"app/ask.py": block}}.items():
        finding = run(graceful_degradation, make_project({**fx.BARE_PILOT, **files}))
        assert finding.status is Status.FAIL, (case, finding.message)


def test_a_circuit_breaker_counts_by_the_model_call_it_wraps(make_project: MakeProject) -> None:
    """Run by the breaker (``.call(fn)``), decorated by it (pybreaker's ``@breaker``, the
    circuitbreaker package's ``@circuit``) or guarding a ``with breaker.calling():`` block."""
    ask = ("    def ask(self, text):\n        r = self.llm.chat.completions.create(model='gpt-4o', "
           "messages=[{'role': 'user', 'content': text}])\n"
           "        return r.choices[0].message.content\n")
    handed = TOOLS.replace("from app.breaker", "from openai import OpenAI\n\nfrom app.breaker"
                           ).replace("self._call_tool, name", "self.ask, name").replace(
        "        self.session = session\n", "        self.session = session\n"
        "        self.llm = OpenAI()\n") + "\n" + ask
    decorated = ("import pybreaker\nfrom openai import OpenAI\n\nclient = OpenAI()\n"
                 "openai_breaker = pybreaker.CircuitBreaker(fail_max=5)\n\n\n"
                 "@openai_breaker\ndef ask(text):\n"
                 "    r = client.chat.completions.create(model='gpt-4o', messages=[])\n"
                 "    return r.choices[0].message.content\n")
    circuit = decorated.replace("import pybreaker\n", "from circuitbreaker import circuit\n"
                                ).replace("openai_breaker = pybreaker.CircuitBreaker(fail_max=5)"
                                          "\n", "").replace("@openai_breaker", "@circuit")
    block = decorated.replace("@openai_breaker\n", "").replace(
        "    r = client.chat", "    with openai_breaker.calling():\n        r = client.chat")
    cases = {"handed": ({"app/breaker.py": BREAKER_CLASS, "app/tools.py": handed},
                        "app/tools.py:10"),
             "decorated": ({"app/ask.py": decorated}, "app/ask.py:5"),
             "circuit": ({"app/ask.py": circuit}, "app/ask.py:7"),
             "block": ({"app/ask.py": block}, "app/ask.py:5")}
    for case, (files, at) in cases.items():
        finding = run(graceful_degradation, make_project({**fx.BARE_PILOT, **files}))
        assert finding.status is Status.PASS, case
        assert where(finding)[0] == at, (case, finding.message)


CACHED_FALLBACK = (
    "import openai\n\nfrom app.cache import cached_answer\n\nclient = openai.OpenAI()\n\n\n"
    "def answer(q: str) -> str:\n    try:\n"
    "        r = client.chat.completions.create(model='gpt-4o', messages=[])\n"
    "        return r.choices[0].message.content\n"
    "    except openai.APIConnectionError:\n"
    "        return cached_answer(q)\n")


def test_except_that_returns_a_cached_answer_passes(make_project: MakeProject) -> None:
    root = make_project({"app/answer.py": CACHED_FALLBACK})
    finding = run(graceful_degradation, root)
    assert finding.status is Status.PASS
    assert finding.message == "a fallback path exists: degraded answer (app/answer.py:12)"


def test_except_fallbacks_warm_run_reads_no_unchanged_file(make_project: MakeProject,
                                                           tmp_path: Path) -> None:
    root = make_project({"app/answer.py": CACHED_FALLBACK,
                         "app/cache.py": "def cached_answer(q): ...\n"})
    config = load_config(root)
    result = cold_then_warm(root, tmp_path / "cache",
                            lambda project: graceful_degradation.run(project, config))
    assert result.cold == result.warm
    assert where(result.warm) == ["app/answer.py:12"]
    assert result.read == []


def test_except_that_reraises_is_not_a_fallback(make_project: MakeProject) -> None:
    root = make_project({"app/answer.py": (
        "import openai\n\nclient = openai.OpenAI()\n\n\ndef answer(q: str) -> str:\n"
        "    try:\n        return client.responses.create(model='gpt-4o', input=q).output_text\n"
        "    except openai.APIError:\n        raise\n\n\nFALLBACK_MESSAGE = 'sorry'\n")})
    finding = run(graceful_degradation, root)
    assert finding.status is Status.FAIL
    assert finding.message == ("no fallback when the model or provider is down: no fallback "
                               "model, circuit breaker or degraded mode found")


def test_fallback_in_a_comment_does_not_count(make_project: MakeProject) -> None:
    assert run(graceful_degradation, make_project(fx.LOOKALIKES)).status is Status.FAIL
    assert run(graceful_degradation, make_project(fx.NO_LLM)).status is Status.NOT_APPLICABLE


# ---- rate-limiting ------------------------------------------------------------------------


def test_semaphore_around_llm_calls_passes(make_project: MakeProject) -> None:
    finding = run(rate_limiting, make_project(fx.HARDENED))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == "model calls are limited: semaphore (app/llm.py:18)"
    assert where(finding) == ["app/llm.py:18"]


def test_litellm_proxy_rpm_passes(make_project: MakeProject) -> None:
    finding = run(rate_limiting, make_project(fx.LITELLM_GATEWAY))
    assert finding.status is Status.PASS
    assert finding.message == ("model calls are limited: litellm router limit "
                               "(litellm/config.yaml:7)")


def test_aiolimiter_and_celery_rate_limit_pass(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "app/limits.py": (
        "from aiolimiter import AsyncLimiter\n\nOPENAI_RPS = AsyncLimiter(50, 1)\n"),
        "app/tasks.py": "from celery import shared_task\n\n\n@shared_task(rate_limit='60/m')\n"
                        "def summarise(doc_id):\n    ...\n"})
    finding = run(rate_limiting, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/limits.py:3", "app/tasks.py:4"]


def test_unrelated_semaphore_and_test_semaphore_do_not_count(make_project: MakeProject) -> None:
    root = make_project({**fx.LOOKALIKES, "app/files.py": (
        "import threading\n\nDISK = threading.Semaphore(4)\n")})
    finding = run(rate_limiting, root)
    assert finding.status is Status.FAIL
    assert finding.message == ("model calls are not rate- or concurrency-limited: a traffic "
                               "spike goes straight to the provider's limits")


EVAL_HARNESS = """\
import asyncio

from openai import AsyncOpenAI

client = AsyncOpenAI(timeout=30)
JUDGES = asyncio.Semaphore(8)


async def judge(question: str) -> str:
    async with JUDGES:
        answer = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": question}])
    return answer.choices[0].message.content
"""


def test_a_limiter_of_an_eval_harness_limits_no_production_call(
        make_project: MakeProject) -> None:
    """LightRAG's semaphore in lightrag/evaluation/eval_rag_quality.py bounds the eval's own
    calls; the app's calls (app/llm.py of BARE_PILOT) are not limited. Must-fire: the same
    module in the app's package counts."""
    for harness in ("evaluation/eval_rag_quality.py", "app/eval_framework/judges.py"):
        finding = run(rate_limiting, make_project({**fx.BARE_PILOT, harness: EVAL_HARNESS}))
        assert finding.status is Status.FAIL, harness
    finding = run(rate_limiting, make_project({**fx.BARE_PILOT, "app/judges.py": EVAL_HARNESS}))
    assert finding.status is Status.PASS
    assert where(finding) == ["app/judges.py:6"]


def test_semaphore_named_for_the_model_counts_anywhere(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "app/limits.py": (
        "import asyncio\n\nLLM_CONCURRENCY = asyncio.Semaphore(8)\n")})
    finding = run(rate_limiting, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/limits.py:3"]
    assert run(rate_limiting, make_project(fx.NO_LLM)).status is Status.NOT_APPLICABLE


def test_generic_fallbacks_and_rpm_names_need_a_model_nearby(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "app/fans.py": (
        "fallbacks = ['cached', 'default']\nrpm = 1200  # fan speed\n")})
    assert run(graceful_degradation, root).status is Status.FAIL
    assert run(rate_limiting, root).status is Status.FAIL


# A semaphore counts by what runs while it is held, when the file holds it in `with` blocks.
SEARCHES = '''\
import asyncio

from openai import AsyncOpenAI

client = AsyncOpenAI(timeout=30)


class Memory:
    def __init__(self, store):
        self.store = store

    async def boost(self, texts, vectors):
        sem = asyncio.Semaphore(4)

        async def one(text, vector):
            async with sem:
                return await asyncio.to_thread(self.store.search, query=text, vectors=vector)

        return await asyncio.gather(*(one(t, v) for t, v in zip(texts, vectors)))

    async def extract(self, text):
        r = await client.chat.completions.create(model="gpt-4o", messages=[
            {"role": "user", "content": text}])
        return r.choices[0].message.content
'''


def test_a_semaphore_held_around_other_work_does_not_count(make_project: MakeProject) -> None:
    """mem0 bounds its vector-store searches with a semaphore in the module that calls the
    model (mem0/memory/main.py:3461), open-deep-research its web searches: no model call is
    made while either is held."""
    finding = run(rate_limiting, make_project({**fx.BARE_PILOT, "app/memory.py": SEARCHES}))
    assert finding.status is Status.FAIL


def test_a_semaphore_held_around_a_model_call_counts_however_it_is_reached(
        make_project: MakeProject) -> None:
    direct = SEARCHES.replace(
        "return await asyncio.to_thread(self.store.search, query=text, vectors=vector)",
        "return await self.extract(text)")
    handed = SEARCHES.replace("self.store.search, query=text, vectors=vector",
                              "self.summarise, text").replace(
        "    async def extract(self, text):",
        "    def summarise(self, text):\n        return asyncio.run(self.extract(text))\n\n"
        "    async def extract(self, text):")
    for text in (direct, handed):
        finding = run(rate_limiting, make_project({**fx.BARE_PILOT, "app/memory.py": text}))
        assert finding.status is Status.PASS
        assert where(finding) == ["app/memory.py:13"]


GATHER = '''\
import asyncio

SEMAPHORE_LIMIT = 20


async def semaphore_gather(*coroutines, max_coroutines=None):
    semaphore = asyncio.Semaphore(max_coroutines or SEMAPHORE_LIMIT)

    async def _wrap_coroutine(coroutine):
        async with semaphore:
            return await coroutine

    return await asyncio.gather(*(_wrap_coroutine(coroutine) for coroutine in coroutines))
'''

RERANKER = '''\
from openai import AsyncOpenAI

from app.helpers import semaphore_gather


class Reranker:
    def __init__(self):
        self.client = AsyncOpenAI(timeout=30)
        self.db = None

    async def rank(self, query, passages):
        return await semaphore_gather(*[
            self.client.chat.completions.create(model="gpt-4o-mini", max_tokens=1, messages=[
                {"role": "user", "content": f"{query}: {passage}"}])
            for passage in passages])

    async def load(self, ids):
        return await semaphore_gather(*[self.db.fetch(i) for i in ids])
'''


def test_a_semaphore_helper_gates_the_model_calls_handed_to_it(make_project: MakeProject) -> None:
    # graphiti's semaphore_gather: a helper whose inner wrapper holds a semaphore while it
    # awaits each coroutine it is handed; its callers hand it model calls, unawaited
    finding = run(rate_limiting, make_project({**fx.BARE_PILOT, "app/helpers.py": GATHER,
                                               "app/rerank.py": RERANKER}))
    assert finding.status is Status.PASS
    assert where(finding) == ["app/helpers.py:7"]
    # handed only database reads, it bounds no model call
    only_db = RERANKER.replace("        return await semaphore_gather(*[\n            self.client",
                               "        return await asyncio.gather(*[\n            self.client")
    only_db = "import asyncio\n" + only_db
    finding = run(rate_limiting, make_project({**fx.BARE_PILOT, "app/helpers.py": GATHER,
                                               "app/rerank.py": only_db}))
    assert finding.status is Status.FAIL


def test_a_handler_that_only_tidies_up_is_no_fallback(make_project: MakeProject) -> None:
    # oterm: the handler around a chat turn removes the turn and shows the error
    tidy = (
        "import openai\n\nclient = openai.AsyncOpenAI()\n\n\nclass Chat:\n"
        "    async def send(self, q):\n"
        "        def discard_turn():\n            self.items.clear()\n"
        "        try:\n"
        "            r = await client.chat.completions.create(model='gpt-4o', messages=[])\n"
        "            return r.choices[0].message.content\n"
        "        except Exception as e:\n"
        "            discard_turn()\n"
        "            self.app.notify(str(e), severity='error')\n")
    assert run(graceful_degradation, make_project({"app/chat.py": tidy})).status is Status.FAIL
    # must fire: the failed turn goes to a queue for a person to answer
    routed = tidy.replace("            discard_turn()\n",
                          "            discard_turn()\n            self.review.put(q)\n")
    finding = run(graceful_degradation, make_project({"app/chat.py": routed}))
    assert finding.status is Status.PASS
    assert where(finding) == ["app/chat.py:13"]


def test_asking_the_same_call_again_is_a_retry_not_a_fallback(make_project: MakeProject
                                                             ) -> None:
    # pipecat: on a timeout, the same request again without the deadline; an event named
    # by a literal tells listeners, it answers nothing
    again = (
        "import asyncio\n\nimport openai\n\nclient = openai.AsyncOpenAI()\n\n\n"
        "class Service:\n"
        "    async def ask(self, params):\n"
        "        try:\n"
        "            return await asyncio.wait_for(\n"
        "                client.chat.completions.create(**params), timeout=5)\n"
        "        except TimeoutError:\n"
        "            await self._call_event_handler('on_completion_timeout')\n"
        "            chunks = await client.chat.completions.create(**params)\n"
        "            return chunks\n")
    assert run(graceful_degradation, make_project({"app/llm.py": again})).status is Status.FAIL
    # must fire: the same method asked for another model
    other = again.replace("            chunks = await client.chat.completions.create(**params)\n",
                          "            chunks = await client.chat.completions.create(\n"
                          "                **{**params, 'model': 'gpt-4o-mini'})\n")
    finding = run(graceful_degradation, make_project({"app/llm.py": other}))
    assert finding.status is Status.PASS
    assert where(finding) == ["app/llm.py:13"]


FLASK_ROUTES = '''\
import openai
import requests
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

app = Flask(__name__)
client = openai.OpenAI()
limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://")


@app.route("/earthquakes")
@limiter.limit("10/minute")
def earthquakes():
    return requests.get("https://earthquake.usgs.gov/feed").json()


@app.route("/ask")
def ask():
    return client.responses.create(model="gpt-4o", input="hi").output_text
'''


def test_a_route_limiter_counts_on_routes_that_reach_a_model(make_project: MakeProject
                                                             ) -> None:
    # data-formulator: Flask-Limiter on its demo-data routes, none on its model routes
    finding = run(rate_limiting, make_project({"app/routes.py": FLASK_ROUTES}))
    assert finding.status is Status.FAIL, finding.message
    # must fire: the limit on the route that asks the model
    on_model = FLASK_ROUTES.replace('@app.route("/ask")\n',
                                    '@app.route("/ask")\n@limiter.limit("5/minute")\n')
    finding = run(rate_limiting, make_project({"app/routes.py": on_model}))
    assert finding.status is Status.PASS
    assert where(finding) == ["app/routes.py:19"]
    # must fire: default limits apply to every route
    defaults = FLASK_ROUTES.replace("default_limits=[]", 'default_limits=["100/hour"]')
    finding = run(rate_limiting, make_project({"app/routes.py": defaults}))
    assert finding.status is Status.PASS
    assert where(finding) == ["app/routes.py:9"]


def test_the_same_call_after_switching_its_parameters_is_a_fallback(make_project: MakeProject
                                                                    ) -> None:
    # vocode: apply_model_fallback(chat_parameters) sets the fallback model, then the
    # same create(**chat_parameters) asks it
    switched = (
        "import openai\n\nclient = openai.AsyncOpenAI()\n\n\n"
        "def apply_model_fallback(params):\n    params['model'] = 'gpt-4o-mini'\n\n\n"
        "async def stream(params):\n"
        "    try:\n"
        "        return await client.chat.completions.create(**params)\n"
        "    except openai.RateLimitError:\n"
        "        apply_model_fallback(params)\n"
        "        return await client.chat.completions.create(**params)\n")
    finding = run(graceful_degradation, make_project({"app/llm.py": switched}))
    assert finding.status is Status.PASS
    assert where(finding) == ["app/llm.py:13"]


def test_a_ratelimit_decorator_counts_on_the_function_that_asks_the_model(
        make_project: MakeProject) -> None:
    limited = (
        "import openai\nimport requests\nfrom ratelimit import limits, sleep_and_retry\n\n"
        "client = openai.OpenAI()\n\n\n"
        "@sleep_and_retry\n@limits(calls=10, period=60)\n"
        "def fetch(url):\n    return requests.get(url, timeout=5).text\n\n\n"
        "def ask(q):\n"
        "    return client.responses.create(model='gpt-4o', input=q).output_text\n")
    assert run(rate_limiting, make_project({"app/llm.py": limited})).status is Status.FAIL
    on_model = limited.replace("def fetch(url):", "def fetch_(url):").replace(
        "def ask(q):", "@sleep_and_retry\n@limits(calls=10, period=60)\ndef ask(q):")
    finding = run(rate_limiting, make_project({"app/llm.py": on_model}))
    assert finding.status is Status.PASS
    assert where(finding) == ["app/llm.py:14"]  # @sleep_and_retry above ask
