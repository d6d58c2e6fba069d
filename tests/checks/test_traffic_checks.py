"""Plumbing checks judged by what the code does with each model call's request and result
(issue 20): request-logging, cost-tracking, graceful-degradation."""

from __future__ import annotations

from pathlib import Path

import pytest
from readiness.checks.infrastructure.observability import cost_tracking, request_logging
from readiness.checks.infrastructure.resilience import graceful_degradation, rate_limiting
from readiness.checks.infrastructure.spend import budget_limits
from readiness.checks.quality.feedback import feedback_loop

from readiness.config import load_config
from readiness.model import Credit, Finding, Status
from readiness.project import Project
from tests.conftest import MakeProject


def run(check: object, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))  # type: ignore[attr-defined,no-any-return]


def where(finding: Finding) -> list[str]:
    return [str(e) for e in finding.evidence]


GATEWAY = '''\
from openai import OpenAI

client = OpenAI(timeout=30)


def complete(messages, model="gpt-4o-mini"):
    response = client.chat.completions.create(model=model, messages=messages)
    return response
'''

# ---- cost-tracking: must pass ----------------------------------------------------------------


def test_usage_passed_to_a_metrics_helper_in_another_module_passes(make_project: MakeProject
                                                                   ) -> None:
    root = make_project({
        "svc/llm.py": '''\
from openai import OpenAI

from svc.telemetry import record_usage

client = OpenAI(timeout=30)


def answer(question: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": question}])
    record_usage("gpt-4o", response.usage)
    return response.choices[0].message.content
''',
        "svc/telemetry.py": '''\
from prometheus_client import Counter

TOKENS = Counter("llm_tokens_total", "tokens", ["model", "kind"])


def record_usage(model, usage):
    TOKENS.labels(model=model, kind="prompt").inc(usage.prompt_tokens)
    TOKENS.labels(model=model, kind="completion").inc(usage.completion_tokens)
'''})
    finding = run(cost_tracking, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["svc/telemetry.py:7", "svc/telemetry.py:8"]


def test_multi_line_structured_log_fields_pass(make_project: MakeProject) -> None:
    root = make_project({"app/summarise.py": '''\
import structlog
from anthropic import Anthropic

log = structlog.get_logger()
client = Anthropic()


def summarise(text: str) -> str:
    message = client.messages.create(
        model="claude-3-5-haiku-latest",
        max_tokens=400,
        messages=[{"role": "user", "content": text}],
    )
    log.info(
        "summary.done",
        chars=len(text),
        model=message.model,
        stop=message.stop_reason,
        input_tokens=message.usage.input_tokens,
        output_tokens=message.usage.output_tokens,
    )
    return message.content[0].text
'''})
    finding = run(cost_tracking, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/summarise.py:14"]


def test_insert_a_few_lines_below_the_token_read_passes(make_project: MakeProject) -> None:
    root = make_project({"app/chat.py": '''\
import sqlite3

from openai import OpenAI

client = OpenAI()
db = sqlite3.connect("usage.db")


def chat(user_id: str, messages: list) -> str:
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    used = reply.usage
    text = reply.choices[0].message.content
    if not text:
        text = ""
    row = (user_id, "gpt-4o", used.prompt_tokens, used.completion_tokens)
    db.execute(
        "INSERT INTO usage (user_id, model, prompt_tokens, completion_tokens) "
        "VALUES (?, ?, ?, ?)",
        row,
    )
    return text
'''})
    finding = run(cost_tracking, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/chat.py:16"]


def test_usage_returned_in_an_object_and_stored_by_the_caller_passes(make_project: MakeProject
                                                                     ) -> None:
    root = make_project({
        "core/llm.py": '''\
from dataclasses import dataclass

from openai import OpenAI

client = OpenAI()


@dataclass
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int


def generate(prompt: str) -> Completion:
    r = client.chat.completions.create(model="gpt-4o-mini",
                                       messages=[{"role": "user", "content": prompt}])
    return Completion(r.choices[0].message.content, r.usage.prompt_tokens,
                      r.usage.completion_tokens)
''',
        "core/jobs.py": '''\
from core.db import session
from core.llm import generate
from core.models import UsageRecord


def run_job(job):
    result = generate(job.prompt)
    session.add(UsageRecord(job_id=job.id, prompt_tokens=result.prompt_tokens,
                            completion_tokens=result.completion_tokens))
    session.commit()
    return result.text
'''})
    finding = run(cost_tracking, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["core/jobs.py:8"]


# pr-agent (algo/ai_handlers/openai_ai_handler.py:55): the pre-1.0 SDK's result is a dict;
# its usage is read with .get("usage") and logged with the answer.
USAGE_BY_GET = '''\
import logging

import openai

log = logging.getLogger(__name__)
settings = {"usage": "internal"}


async def answer(model, system, user):
    completion = await openai.ChatCompletion.acreate(model=model, messages=[
        {"role": "system", "content": system}, {"role": "user", "content": user}])
    text = completion["choices"][0]["message"]["content"]
    usage = completion.get("usage")
    log.info("AI response: %s", text, extra={"usage": usage})
    return text
'''


def test_usage_read_with_get_and_logged_passes(make_project: MakeProject) -> None:
    finding = run(cost_tracking, make_project({"app/ai.py": USAGE_BY_GET}))
    assert finding.status is Status.PASS
    assert where(finding) == ["app/ai.py:14"]
    other = USAGE_BY_GET.replace('usage = completion.get("usage")',
                                 'usage = settings.get("usage")')
    finding = run(cost_tracking, make_project({"app/ai.py": other}))
    assert finding.status is Status.FAIL  # a setting named usage is no token count


# ---- cost-tracking: must not pass -------------------------------------------------------------


def test_token_counts_shown_in_the_ui_are_not_cost_tracking(make_project: MakeProject) -> None:
    root = make_project({"ui/app.py": '''\
import streamlit as st
from openai import OpenAI

client = OpenAI()

question = st.text_input("Ask")
if question:
    reply = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": question}])
    st.write(reply.choices[0].message.content)
    st.caption(f"{reply.usage.total_tokens} tokens")
'''})
    finding = run(cost_tracking, root)
    assert finding.status is Status.WARN
    assert finding.message == ("token usage is read (ui/app.py:11) but not logged, stored or "
                               "exported as a metric")
    assert "ui/app.py:11" in where(finding)


def test_usage_of_another_call_does_not_count(make_project: MakeProject) -> None:
    root = make_project({"app/llm.py": '''\
import logging

from openai import OpenAI

log = logging.getLogger(__name__)
client = OpenAI()


def ask(question, quota):
    log.info("quota left: %s tokens", quota.total_tokens)
    reply = client.chat.completions.create(model="gpt-4o", messages=[question])
    return reply.choices[0].message.content
'''})
    finding = run(cost_tracking, root)
    assert finding.status is Status.FAIL


# ---- request-logging ----------------------------------------------------------------------


def test_an_answer_word_in_an_id_field_is_not_a_logged_response(make_project: MakeProject
                                                                ) -> None:
    root = make_project({"app/qa.py": '''\
import logging

from openai import OpenAI

log = logging.getLogger(__name__)
client = OpenAI()


def answer(question_id: str, answer_id: str, text: str) -> str:
    log.info("answering", extra={"answer_id": answer_id, "question_id": question_id})
    reply = client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": text}])
    return reply.choices[0].message.content
'''})
    finding = run(request_logging, root)
    assert finding.status is Status.FAIL
    assert where(finding) == ["app/qa.py:11"]


# A call logged with where it goes (litellm's api_base, elia's model settings) is no logged
# request: the log must read what the request asks.
WHERE_IT_GOES = '''\
import logging

import litellm

log = logging.getLogger(__name__)


def answer(text, base):
    log.info("calling %s", base)
    reply = litellm.completion(model="gpt-4o", api_base=base, timeout=30, messages=[
        {"role": "user", "content": text}])
    return reply.choices[0].message.content
'''


def test_the_api_base_of_a_call_is_not_its_logged_request(make_project: MakeProject) -> None:
    finding = run(request_logging, make_project({"app/qa.py": WHERE_IT_GOES}))
    assert finding.status is Status.FAIL, finding.message
    logged = WHERE_IT_GOES.replace('log.info("calling %s", base)', 'log.info("asking %s", text)')
    finding = run(request_logging, make_project({"app/qa.py": logged}))
    assert finding.status is Status.WARN  # the request only, without a request id
    assert where(finding) == ["app/qa.py:9"]


def test_response_logged_by_the_caller_and_request_here_pass_with_the_response_id(
        make_project: MakeProject) -> None:
    root = make_project({
        "app/gateway.py": GATEWAY.replace(
            "    response = client", "    log.debug('llm request: %s', messages)\n"
            "    response = client").replace("from openai import OpenAI\n",
                                             "import logging\n\nfrom openai import OpenAI\n\n"
                                             "log = logging.getLogger(__name__)\n"),
        "app/routes.py": '''\
import logging

from app.gateway import complete

logger = logging.getLogger("routes")


def handle(payload):
    result = complete(payload["messages"])
    logger.info("llm response id=%s text=%s", result.id, result.choices[0].message.content)
    return result.choices[0].message.content
'''})
    finding = run(request_logging, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/gateway.py:11", "app/routes.py:10"]
    assert [e.note for e in finding.evidence] == ["request", "response, id"]


def test_only_the_request_logged_warns(make_project: MakeProject) -> None:
    root = make_project({"app/gateway.py": GATEWAY.replace(
        "    response = client", "    log.debug('llm request: %s', messages)\n"
        "    response = client").replace("from openai import OpenAI\n",
                                         "import logging\n\nfrom openai import OpenAI\n\n"
                                         "log = logging.getLogger(__name__)\n")})
    finding = run(request_logging, root)
    assert finding.status is Status.WARN
    assert finding.message == ("LLM requests are logged but responses are not; no request id "
                               "is logged with them")
    assert where(finding) == ["app/gateway.py:11"]


CHAT_TURNS = '''\
from openai import OpenAI

from app.audit import audit

client = OpenAI(timeout=30)


def turn(history):
    while not history or history[-1].get("role") != "assistant":
        RECORD
        response = client.chat.completions.create(model="gpt-4o", messages=history)
        history.append(response.choices[0].message)
    return history
'''
STORE_AND_AUDIT = {"app/__init__.py": "", "app/db.py": '''\
import logging

log = logging.getLogger(__name__)


class Store:
    def get(self, key):
        log.info("get %s", key)
        return self.rows[key]
''', "app/audit.py": '''\
import logging

log = logging.getLogger(__name__)


class Audit:
    def record_request(self, messages):
        log.info("llm request %s", messages)


audit = Audit()
'''}


def test_a_built_in_method_on_a_request_is_not_a_project_method_that_logs(
        make_project: MakeProject) -> None:
    # magentic-ui 0.1.6: `new_items[-1].get("role")` on the request's list was taken for
    # its DatabaseManager.get, which logs what it is handed: "request logged" at a `while`
    root = make_project({**STORE_AND_AUDIT, "app/chat.py": CHAT_TURNS.replace(
        "        RECORD\n", "")})
    finding = run(request_logging, root)
    assert finding.status is Status.FAIL
    assert where(finding) == ["app/chat.py:10"]


def test_a_project_method_called_on_an_unplaced_object_still_logs_the_request(
        make_project: MakeProject) -> None:
    root = make_project({**STORE_AND_AUDIT, "app/chat.py": CHAT_TURNS.replace(
        "RECORD", "audit.record_request(history)")})
    finding = run(request_logging, root)
    assert finding.message == "LLM requests and responses are logged but without a request id"
    # the answer joins the history, which the next turn's record_request logs
    assert where(finding) == ["app/chat.py:10", "app/audit.py:8"]


CONVERSATION = '''\
import logging

import requests

log = logging.getLogger(__name__)
URL = "https://chat.openai.com/backend-api/conversation"


def send_message(message, conversation_id):
    LOG
    data = {"messages": [message], "conversation_id": conversation_id}
    r = requests.post(URL, json=data, timeout=60)
    result = r.json()
    conversation_id = result["conversation_id"]
    log.warning("answer: %s", result)
    return result["message"], conversation_id
'''


def test_a_log_of_the_conversation_id_alone_is_not_a_request_log(make_project: MakeProject
                                                                  ) -> None:
    # PentestGPT 0.8.0 (chatgpt.py:218): logger.info(f"conversation_id: {conversation_id}")
    # names where the message goes, not the message
    root = make_project({"app/chat.py": CONVERSATION.replace(
        "    LOG\n", "    log.info(f\"conversation_id: {conversation_id}\")\n")})
    finding = run(request_logging, root)
    assert finding.message == ("LLM responses are logged but requests are not; no request id "
                               "is logged with them")
    root = make_project({"app/chat.py": CONVERSATION.replace(
        "    LOG\n", "    log.info(\"sending %s\", message)\n")})
    assert run(request_logging, root).message == (
        "LLM requests and responses are logged but without a request id")


def test_in_a_loop_the_next_turns_request_is_built_from_names_set_below(
        make_project: MakeProject) -> None:
    # the next turn asks with what the user typed after this answer: logging that is
    # logging the request, though it is assigned below the call
    root = make_project({"app/chat.py": '''\
import logging

from openai import OpenAI

log = logging.getLogger(__name__)
client = OpenAI(timeout=30)


def chat(question, ask_user):
    prompt = question
    for _ in range(3):
        r = client.chat.completions.create(model="gpt-4o", messages=[prompt])
        follow_up = ask_user(r.choices[0].message.content)
        log.info("next question: %s", follow_up)
        prompt = follow_up
'''})
    assert run(request_logging, root).message == (
        "LLM requests and responses are logged but without a request id")


def test_a_name_assigned_after_the_request_is_not_what_it_was_built_from(
        make_project: MakeProject) -> None:
    # PentestGPT 0.8.0 (chatgpt.py:252): the request's names were closed over the whole
    # function, so a name assigned from the answer below the call (conversation_id =
    # result[...]) made `logger.warning(f"chatgpt failed: {r.text}")` a request log
    root = make_project({"app/chat.py": CONVERSATION.replace("    LOG\n", "").replace(
        "conversation_id", "topic").replace(
        "    result = r.json()\n", "    if r.status_code != 200:\n"
        "        log.warning(\"failed: %s\", r.text)\n    result = r.json()\n")})
    finding = run(request_logging, root)
    assert finding.message == ("LLM responses are logged but requests are not; no request id "
                               "is logged with them")


HANDED_ON = '''\
import logging

from openai import OpenAI

log = logging.getLogger(__name__)
client = OpenAI(timeout=30)


def track(value):
    log.info("tracking %s", value)


def ask(question, token):
    track(HANDED)
    r = client.chat.completions.create(model="gpt-4o", messages=[question],
                                       extra_body={}, cancellation_token=token)
    return r.choices[0].message.content
'''


def test_a_cancellation_token_handed_to_a_logger_is_not_the_request(make_project: MakeProject
                                                                     ) -> None:
    # magentic-ui 0.1.6 (_web_surfer.py:827): the cancellation_token of the model call,
    # handed on to a tool runner that logs it, was taken for a logged request
    root = make_project({"app/chat.py": HANDED_ON.replace("HANDED", "token")})
    assert run(request_logging, root).status is Status.FAIL
    root = make_project({"app/chat.py": HANDED_ON.replace("HANDED", "question")})
    assert run(request_logging, root).message == (
        "LLM requests are logged but responses are not; no request id is logged with them")


# ---- graceful-degradation ---------------------------------------------------------------------


def test_a_loop_over_a_primary_then_a_fallback_model_passes(make_project: MakeProject) -> None:
    root = make_project({"app/llm.py": '''\
import logging

import openai

log = logging.getLogger(__name__)
client = openai.OpenAI()
MODELS = ["gpt-4o", "gpt-4o-mini"]


def complete(messages):
    last_error = None
    for model in MODELS:
        try:
            response = client.chat.completions.create(model=model, messages=messages)
            return response.choices[0].message.content
        except openai.APIError as exc:
            log.warning("model %s failed: %s", model, exc)
            last_error = exc
    raise RuntimeError("all models failed") from last_error
'''})
    finding = run(graceful_degradation, root)
    assert finding.status is Status.PASS
    assert finding.message.startswith("a fallback path exists: fallback loop (app/llm.py:13)")


# pr-agent's retry_with_fallback_models (algo/pr_processing.py:322): the next model on
# failure, the error raised again only after the last one.
LAST_RAISES = '''\
import openai

client = openai.OpenAI(timeout=30)
MODELS = ["gpt-4o", "gpt-4o-mini"]


def answer(question):
    for i, model in enumerate(MODELS):
        try:
            r = client.chat.completions.create(model=model, messages=[
                {"role": "user", "content": question}])
            return r.choices[0].message.content
        except openai.APIError:
            if i == len(MODELS) - 1:
                raise
'''


def test_a_fallback_loop_that_raises_after_the_last_model_passes(make_project: MakeProject
                                                                 ) -> None:
    finding = run(graceful_degradation, make_project({"app/llm.py": LAST_RAISES}))
    assert finding.status is Status.PASS
    assert finding.message == "a fallback path exists: fallback loop (app/llm.py:9)"
    last = "            if i == len(MODELS) - 1:\n                raise\n"
    for always in ("            raise\n", last + "            else:\n                raise\n"):
        text = LAST_RAISES.replace(last, always)  # it raises on every failure
        finding = run(graceful_degradation, make_project({"app/llm.py": text}))
        assert finding.status is Status.FAIL, text


# pr-agent: every tool calls self.ai_handler.chat_completion on a handler class injected as a
# default (BaseAiHandler and three implementations), and retry_with_fallback_models
# (algo/pr_processing.py:318) tries the tool's prediction function once per model.
HANDLERS = {
    "app/handlers.py": '''\
import litellm
import openai

client = openai.AsyncOpenAI(timeout=30)


class BaseHandler:
    async def chat_completion(self, model, prompt):
        raise NotImplementedError


class OpenAIHandler(BaseHandler):
    async def chat_completion(self, model, prompt):
        r = await client.chat.completions.create(model=model, messages=[
            {"role": "user", "content": prompt}])
        return r.choices[0].message.content


class LiteLLMHandler(BaseHandler):
    async def chat_completion(self, model, prompt):
        r = await litellm.acompletion(model=model, messages=[
            {"role": "user", "content": prompt}], timeout=30)
        return r.choices[0].message.content
''',
    "app/fallback.py": '''\
MODELS = ["gpt-4o", "gpt-4o-mini"]


async def retry_with_fallback_models(f):
    for i, model in enumerate(MODELS):
        try:
            return await f(model)
        except Exception:
            if i == len(MODELS) - 1:
                raise
''',
    "app/reviewer.py": '''\
from app.fallback import retry_with_fallback_models
from app.handlers import LiteLLMHandler


class Reviewer:
    def __init__(self, handler=LiteLLMHandler):
        self.ai_handler = handler()

    async def _predict(self, model):
        return await self.ai_handler.chat_completion(model, "Review this diff")

    async def run(self):
        return await retry_with_fallback_models(self._predict)
''',
}


def test_a_fallback_loop_over_a_handed_in_prediction_through_an_interface_passes(
        make_project: MakeProject) -> None:
    finding = run(graceful_degradation, make_project(HANDLERS))
    assert finding.status is Status.PASS
    assert finding.message == "a fallback path exists: fallback loop (app/fallback.py:6)"


def test_no_fallback_when_the_loop_is_handed_other_work_or_the_classes_are_unrelated(
        make_project: MakeProject) -> None:
    """The loop tries a function that does not reach the model; or the handlers share a
    method name without a common interface, so the call on an injected object is not
    followed to them."""
    other_work = {**HANDLERS, "app/reviewer.py": HANDLERS["app/reviewer.py"].replace(
        "retry_with_fallback_models(self._predict)",
        "retry_with_fallback_models(self._fetch)").replace(
        "    async def run(self):", "    async def _fetch(self, model):\n"
        "        return model.upper()\n\n    async def run(self):")}
    unrelated = {**HANDLERS, "app/handlers.py": HANDLERS["app/handlers.py"].replace(
        "(BaseHandler)", "")}
    for files in (other_work, unrelated):
        finding = run(graceful_degradation, make_project(files))
        assert finding.status is Status.FAIL, finding.message


# elia-chat (widgets/chat.py:182): the handler shows the error and posts a failure event.
REPORTS_FAILURE = '''\
from litellm import acompletion


class Chat:
    async def respond(self, messages):
        try:
            response = await acompletion(model="gpt-4o", messages=messages, timeout=30)
        except Exception as exception:
            self.app.notify(f"{exception}", title="Error", severity="error")
            self.post_message(self.AgentResponseFailed(messages[-1]))
            return
        self.show(response.choices[0].message.content)
'''


def test_a_handler_that_posts_a_failure_event_is_not_a_fallback(make_project: MakeProject
                                                                 ) -> None:
    finding = run(graceful_degradation, make_project({"app/chat.py": REPORTS_FAILURE}))
    assert finding.status is Status.FAIL
    canned = REPORTS_FAILURE.replace("self.AgentResponseFailed(messages[-1])",
                                     "self.CannedAnswer(OFFLINE_REPLY)")
    finding = run(graceful_degradation, make_project({"app/chat.py": canned}))
    assert finding.status is Status.PASS  # another answer, posted the same way
    assert finding.message == "a fallback path exists: degraded answer (app/chat.py:8)"


def test_a_caller_routing_to_manual_review_in_another_module_passes(make_project: MakeProject
                                                                    ) -> None:
    root = make_project({
        "claims/extract.py": '''\
from anthropic import Anthropic

client = Anthropic()


def extract_fields(document: str) -> str:
    message = client.messages.create(model="claude-3-5-sonnet-latest", max_tokens=800,
                                     messages=[{"role": "user", "content": document}])
    return message.content[0].text
''',
        "claims/pipeline.py": '''\
from claims.extract import extract_fields
from claims.review import manual_review_queue


def process(claim):
    try:
        fields = extract_fields(claim.document)
    except Exception:
        manual_review_queue.put(claim.id)
        return None
    return fields
'''})
    finding = run(graceful_degradation, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["claims/pipeline.py:8"]


def test_an_except_around_a_tokenizer_download_is_not_degradation(make_project: MakeProject
                                                                  ) -> None:
    root = make_project({"app/llm.py": '''\
import tiktoken
from openai import OpenAI

client = OpenAI()

try:
    ENCODING = tiktoken.encoding_for_model("gpt-4o")
except Exception:
    ENCODING = tiktoken.get_encoding("cl100k_base")


def ask(prompt):
    r = client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": prompt}])
    return r.choices[0].message.content
'''})
    finding = run(graceful_degradation, root)
    assert finding.status is Status.FAIL


def test_a_batch_loop_that_skips_failed_items_is_not_a_fallback(make_project: MakeProject
                                                               ) -> None:
    root = make_project({"app/batch.py": '''\
import logging

from openai import OpenAI

log = logging.getLogger(__name__)
client = OpenAI()


def summarise_all(documents):
    out = []
    for doc in documents:
        try:
            r = client.chat.completions.create(model="gpt-4o", messages=[doc])
            out.append(r.choices[0].message.content)
        except Exception as exc:
            log.error("failed: %s", exc)
            continue
    return out
'''})
    finding = run(graceful_degradation, root)
    assert finding.status is Status.FAIL


def test_returning_the_error_text_is_not_a_fallback(make_project: MakeProject) -> None:
    root = make_project({"app/bot.py": '''\
from openai import OpenAI

client = OpenAI()


def reply(text):
    try:
        r = client.chat.completions.create(model="gpt-4o", messages=[text])
        return r.choices[0].message.content
    except Exception as e:
        return f"Error: {e}"
'''})
    assert run(graceful_degradation, root).status is Status.FAIL


TRACEBACK_SHOWN = '''\
import traceback

from openai import OpenAI

client = OpenAI()


def reply(history, text):
    try:
        r = client.chat.completions.create(model="gpt-4o", messages=[text])
        return r.choices[0].message.content
    except BaseException:
        content = TEXT
        history.append({"role": "assistant", "content": content})
        return None
'''


def test_the_traceback_shown_as_the_answer_is_not_a_fallback(make_project: MakeProject) -> None:
    # magentic-ui 0.1.6 (_file_surfer.py:587): the traceback's text becomes the agent's
    # message and joins its history; a handler that answers with a canned reply passes
    root = make_project({"app/bot.py": TRACEBACK_SHOWN.replace(
        "TEXT", 'f" File surfing error \\n{traceback.format_exc()}"')})
    assert run(graceful_degradation, root).status is Status.FAIL
    root = make_project({"app/bot.py": TRACEBACK_SHOWN.replace(
        "TEXT", '"The assistant is busy; your request was queued."')})
    assert run(graceful_degradation, root).status is Status.PASS


KEY_CHECK = '''\
"""API key validation for the setup wizard."""

from enum import Enum

import requests


class KeyStatus(str, Enum):
    VALID = "valid"
    INVALID = "invalid"
    UNREACHABLE = "unreachable"


def check_key(api_key: str, provider: str, timeout: int = 10) -> tuple[KeyStatus, str]:
    try:
        if provider == "anthropic":
            ok, message = _check_anthropic(api_key, timeout)
        else:
            return KeyStatus.VALID, ""
        return (KeyStatus.VALID if ok else KeyStatus.INVALID), message
    except requests.exceptions.Timeout:
        return KeyStatus.UNREACHABLE, "Request timed out."
    except requests.exceptions.ConnectionError:
        return KeyStatus.UNREACHABLE, "Could not connect."


def _check_anthropic(api_key: str, timeout: int) -> tuple[bool, str]:
    # an empty conversation: rejected as a bad request, but only after the key is checked
    response = requests.post(
        "https://api.anthropic.com/v1/messages",
        headers={"x-api-key": api_key, "anthropic-version": "2023-06-01"},
        json={"model": "claude-haiku-4-5", "max_tokens": 1, "messages": []},
        timeout=timeout,
    )
    if response.status_code in (200, 400):
        return True, ""
    return False, f"API returned status {response.status_code}"
'''


def test_a_key_probe_that_reports_unreachable_is_not_a_fallback(make_project: MakeProject
                                                                ) -> None:
    """gptme's shape: the API-key check posts an empty conversation to the messages
    endpoint and reports UNREACHABLE when it fails; that is a report about the key, not
    another way of answering. The chat call itself has no fallback."""
    root = make_project({"app/keys.py": KEY_CHECK, "app/chat.py": '''\
from anthropic import Anthropic

client = Anthropic(timeout=30)


def reply(history):
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
                                     messages=history)
    return message.content[0].text
'''})
    finding = run(graceful_degradation, root)
    assert finding.status is Status.FAIL
    assert where(finding) == []


def test_a_real_message_guarded_like_the_key_probe_is_a_fallback(make_project: MakeProject
                                                                 ) -> None:
    """The same handler shape around a request that carries the conversation answers
    another way (a canned reply) and passes."""
    root = make_project({"app/chat.py": '''\
import anthropic

client = anthropic.Anthropic(timeout=30)
CANNED = "The assistant is unavailable right now; a person will reply shortly."


def reply(history: list) -> str:
    try:
        message = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
                                         messages=history)
        return message.content[0].text
    except (anthropic.APIConnectionError, anthropic.APITimeoutError):
        return CANNED
'''})
    finding = run(graceful_degradation, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/chat.py:12"]


WS_ROUTE = '''\
import json

from fastapi import WebSocket, WebSocketDisconnect
from openai import AsyncOpenAI

client = AsyncOpenAI(timeout=30)


async def chat(websocket: WebSocket) -> None:
    try:
        while True:
            raw = await websocket.receive_text()
            try:
                message = json.loads(raw)
                r = await client.chat.completions.create(model="gpt-4o", messages=[message])
                await websocket.send_json({"answer": r.choices[0].message.content})
            except CAUGHT:
                await websocket.send_json({"error": "please try again"})
    except WebSocketDisconnect:
        return
'''


@pytest.mark.parametrize(("caught", "status"), [
    ("json.JSONDecodeError", Status.FAIL), ("(KeyError, WebSocketDisconnect)", Status.FAIL),
    ("(json.JSONDecodeError, Exception)", Status.PASS), ("Exception", Status.PASS),
    # magentic-ui 0.1.6 (_file_surfer.py:560): the user refused the action, no outage
    ("ApprovalDeniedError", Status.FAIL), ("(ApprovalDeniedError, RunCancelled)", Status.FAIL),
    ("openai.APIConnectionError", Status.PASS)])
def test_a_handler_must_catch_what_a_failing_model_call_raises(
        make_project: MakeProject, caught: str, status: Status) -> None:
    """autogenstudio answers a JSONDecodeError of the user's message on its websocket: an
    answer for bad input, not for a model that is down; nor is one for a refusal. A
    handler that can catch the call's error (Exception here) is one."""
    root = make_project({"app/ws.py": WS_ROUTE.replace("CAUGHT", caught)})
    assert run(graceful_degradation, root).status is status


# ---- rate-limiting ------------------------------------------------------------------------

LIMITER = '''\
import threading
import time


class MinimumInterval:
    """At most one request per interval, across threads."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self.lock = threading.Lock()
        self.last = 0.0

    def wait(self) -> None:
        with self.lock:
            delay = self.last + self.interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.last = time.monotonic()
'''


def test_a_home_made_lock_and_minimum_interval_limiter_passes(make_project: MakeProject
                                                              ) -> None:
    root = make_project({
        "bot/throttle.py": LIMITER,
        "bot/llm.py": '''\
from openai import OpenAI

from bot.throttle import MinimumInterval

client = OpenAI()
pace = MinimumInterval(per_second=2)


def ask(prompt):
    pace.wait()
    r = client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": prompt}])
    return r.choices[0].message.content
'''})
    finding = run(rate_limiting, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["bot/throttle.py:13"]


def test_clock_lines_are_where_a_clock_is_named_and_change_no_facts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A function is searched for a home-made limiter only when one of its lines (its
    decorators' included) names a clock as a whole word; the facts are those of searching
    every function."""
    from readiness.llmcalls import traffic_facts
    from readiness.llmcalls.traffic_rules import clock_lines

    assert clock_lines("import time\nx = timeout\nunknown = snow\nt = time.monotonic()\n"
                       "d = datetime.utcnow(); e = now_ish\n") == [1, 4, 5]
    # a line that is not ASCII is read as the parser reads its names: fullwidth "time"
    assert clock_lines("# caf\u00e9\nt = \uff54\uff49\uff4d\uff45()\nx = 1\n") == [2]
    assert clock_lines("s = '\u00e9'\nt = time.time()\n") == [2]
    decorated = ("import time\n\n@memo(stamp=time.time())\ndef window(calls):\n"
                 "    calls.append(stamp)\n    if len(calls) > 3:\n        raise Busy\n")
    texts = [LIMITER, decorated, LIMITER.replace("time.monotonic()", "now()"),
             LIMITER.replace("import time", "import time  # caf\u00e9"),
             LIMITER.replace("time.monotonic()", "time.\uff4d\uff4f\uff4e\uff4f\uff54"
                             "\uff4f\uff4e\uff49\uff43()")]  # fullwidth "monotonic"
    gated = [traffic_facts.file_traffic(t) for t in texts]
    monkeypatch.setattr(traffic_facts, "clock_lines", lambda text: None)
    assert gated == [traffic_facts.file_traffic(t) for t in texts]
    assert gated[0] is not None and gated[0]["limiters"] == [
        [13, "MinimumInterval.wait", "waits out a minimum interval between calls"]]
    assert gated[4] is not None and gated[4]["limiters"] == gated[0]["limiters"]  # fullwidth


def test_a_per_user_window_limiter_in_the_route_passes(make_project: MakeProject) -> None:
    root = make_project({
        "api/limits.py": '''\
import time
from collections import defaultdict, deque


class TooManyRequests(Exception):
    pass


class PerUserLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.calls = defaultdict(deque)

    def check(self, user_id: str) -> None:
        now = time.time()
        window = self.calls[user_id]
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) >= self.per_minute:
            raise TooManyRequests(user_id)
        window.append(now)
''',
        "api/routes.py": '''\
from anthropic import Anthropic

from api.limits import PerUserLimiter

client = Anthropic()
limiter = PerUserLimiter(per_minute=20)


def answer(user_id: str, question: str) -> str:
    limiter.check(user_id)
    m = client.messages.create(model="claude-3-5-haiku-latest", max_tokens=300,
                               messages=[{"role": "user", "content": question}])
    return m.content[0].text
'''})
    finding = run(rate_limiting, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["api/limits.py:14"]


def test_a_token_per_minute_quota_that_waits_passes(make_project: MakeProject) -> None:
    root = make_project({"app/llm.py": '''\
import asyncio

from openai import AsyncOpenAI

client = AsyncOpenAI()
TOKENS_PER_MINUTE = 90_000


class Quota:
    def __init__(self) -> None:
        self.used = 0

    async def complete(self, messages):
        while self.used > TOKENS_PER_MINUTE:
            await asyncio.sleep(5)
        r = await client.chat.completions.create(model="gpt-4o", messages=messages)
        self.used += r.usage.total_tokens
        return r.choices[0].message.content
'''})
    finding = run(rate_limiting, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/llm.py:14"]


def test_a_fastapi_limiter_dependency_passes(make_project: MakeProject) -> None:
    root = make_project({"app/main.py": '''\
from fastapi import Depends, FastAPI
from fastapi_limiter.depends import RateLimiter
from openai import OpenAI

app = FastAPI()
client = OpenAI()


@app.post("/ask", dependencies=[Depends(RateLimiter(times=10, seconds=60))])
def ask(question: str):
    r = client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": question}])
    return r.choices[0].message.content
'''})
    finding = run(rate_limiting, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/main.py:9"]


def test_a_token_expiry_check_is_not_a_limiter(make_project: MakeProject) -> None:
    root = make_project({"app/auth.py": '''\
import time


class Token:
    def __init__(self, value, expires_at):
        self.value = value
        self.expires_at = expires_at

    def check(self):
        if time.time() > self.expires_at:
            raise PermissionError("token expired")
''', "app/llm.py": '''\
from openai import OpenAI

from app.auth import Token

client = OpenAI()


def ask(token: Token, prompt: str) -> str:
    token.check()
    r = client.chat.completions.create(model="gpt-4o", messages=[prompt])
    return r.choices[0].message.content
'''})
    assert run(rate_limiting, root).status is Status.FAIL


def test_a_limiter_nobody_calls_before_a_model_does_not_count(make_project: MakeProject
                                                             ) -> None:
    root = make_project({"tools/throttle.py": LIMITER, "app/llm.py": GATEWAY})
    assert run(rate_limiting, root).status is Status.FAIL


# ---- budget-limits ------------------------------------------------------------------------


def test_an_in_code_spend_cap_that_defers_the_rest_passes(make_project: MakeProject) -> None:
    root = make_project({"jobs/batch.py": '''\
import litellm

from jobs.settings import settings


def summarise_all(documents, later):
    spent = 0.0
    for position, doc in enumerate(documents):
        if spent >= settings.max_batch_usd:
            later.extend(documents[position:])
            break
        response = litellm.completion(model="gpt-4o-mini", messages=[
            {"role": "user", "content": doc}])
        spent += litellm.completion_cost(completion_response=response)
        yield response.choices[0].message.content
'''})
    finding = run(budget_limits, root)
    assert finding.status is Status.PASS
    assert finding.message.startswith("spend is capped or alerted on: spend cap in code "
                                      "(jobs/batch.py:9)")


def test_a_loop_over_price_tiers_is_not_a_spend_cap(make_project: MakeProject) -> None:
    """gptme's effective_prices: the prompt's token count (the response's usage) chooses a
    price tier, and the break ends a loop that spends nothing."""
    root = make_project({"app/prices.py": '''\
from dataclasses import dataclass


@dataclass
class Tier:
    min_prompt_tokens: int
    price_input: float


@dataclass
class Model:
    price_input: float
    price_tiers: tuple[Tier, ...] = ()

    def effective_price(self, prompt_tokens: int) -> float:
        price = self.price_input
        for tier in self.price_tiers:
            if prompt_tokens < tier.min_prompt_tokens:
                break
            price = tier.price_input
        return price
''', "app/llm.py": '''\
from openai import OpenAI

from app.prices import Model

client = OpenAI()
MODEL = Model(price_input=2.5)


def ask(prompt):
    r = client.chat.completions.create(model="gpt-4o", messages=[prompt])
    cost = r.usage.prompt_tokens * MODEL.effective_price(r.usage.prompt_tokens) / 1e6
    print(f"cost: {cost}")
    return r.choices[0].message.content
'''})
    assert run(budget_limits, root).status is Status.FAIL


def test_a_spend_cap_that_ends_a_loop_of_helper_calls_passes(make_project: MakeProject) -> None:
    """The loop ends before a helper that makes the model call: a cap, through the call."""
    root = make_project({"app/llm.py": '''\
from openai import OpenAI

client = OpenAI()


def summarise(doc):
    r = client.chat.completions.create(model="gpt-4o-mini", messages=[doc])
    return r.choices[0].message.content, r.usage.total_tokens
''', "jobs/nightly.py": '''\
from app.llm import summarise

MAX_TOKENS_PER_NIGHT = 2_000_000


def run(docs):
    used = 0
    for doc in docs:
        if used > MAX_TOKENS_PER_NIGHT:
            break
        text, tokens = summarise(doc)
        used += tokens
        yield text
'''})
    finding = run(budget_limits, root)
    assert finding.status is Status.PASS
    assert finding.message.startswith("spend is capped or alerted on: spend cap in code "
                                      "(jobs/nightly.py:9)")


TUPLE_ANSWER = {"app/llm.py": '''\
from openai import OpenAI

client = OpenAI()


def answer(prompt):
    r = client.chat.completions.create(model="gpt-4o", messages=[prompt])
    return r.choices[0].message.content, r.usage.total_tokens


def ask(prompt):
    return answer(prompt)
'''}


@pytest.mark.parametrize(("compared", "status"), [("len(text) > MAX_CHARS", Status.FAIL),
                                                  ("tokens > MAX_TOKENS", Status.PASS)])
def test_a_returned_pair_is_followed_element_by_element(make_project: MakeProject,
                                                        compared: str, status: Status) -> None:
    """``return text, usage`` and ``text, tokens = ask(...)`` (through a wrapper that
    returns the pair whole): the text is not the usage. gptme's streamed answer, returned
    beside its cost metadata, was taken for usage, and a JSON scanner's loop for a cap."""
    root = make_project({**TUPLE_ANSWER, "app/handler.py": f'''\
from app.llm import ask

MAX_CHARS = 4000
MAX_TOKENS = 50_000


def handle(prompt):
    text, tokens = ask(prompt)
    if {compared}:
        raise ValueError("over the limit")
    return text
'''})
    assert run(budget_limits, root).status is status


def test_a_comparison_of_the_answer_length_is_not_a_spend_cap(make_project: MakeProject
                                                              ) -> None:
    root = make_project({"app/llm.py": '''\
from openai import OpenAI

client = OpenAI()


def ask(prompt):
    r = client.chat.completions.create(model="gpt-4o", messages=[prompt])
    text = r.choices[0].message.content
    if len(text) > 2000:
        raise ValueError("answer too long")
    return text
'''})
    assert run(budget_limits, root).status is Status.FAIL


# ---- feedback-loop ------------------------------------------------------------------------

def test_chainlit_feedback_persisted_by_its_data_layer_passes(make_project: MakeProject
                                                              ) -> None:
    root = make_project({"app.py": '''\
import chainlit as cl
from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from openai import AsyncOpenAI

client = AsyncOpenAI()


@cl.data_layer
def get_data_layer():
    return SQLAlchemyDataLayer(conninfo="postgresql+asyncpg://app@db/chat")


@cl.on_message
async def on_message(message: cl.Message):
    r = await client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": message.content}])
    await cl.Message(content=r.choices[0].message.content).send()
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app.py:8"]


def test_a_ui_posting_to_an_answer_feedback_route_that_stores_passes(make_project: MakeProject
                                                                     ) -> None:
    root = make_project({
        "api/main.py": '''\
from fastapi import FastAPI
from openai import OpenAI

from api.db import session
from api.models import AnswerFeedback

app = FastAPI()
client = OpenAI()


@app.post("/api/answer-feedback")
def answer_feedback(answer_id: str, helpful: bool):
    session.add(AnswerFeedback(answer_id=answer_id, helpful=helpful))
    session.commit()
    return {"ok": True}
''',
        "web/src/Answer.tsx": '''\
export function Answer({ id }: { id: string }) {
  const send = (helpful: boolean) =>
    fetch("/api/answer-feedback", { method: "POST", body: JSON.stringify({ id, helpful }) });
  return <button onClick={() => send(false)}>Not helpful</button>;
}
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.PASS
    assert where(finding)[0] == "api/main.py:11"


# mem0's client (mem0/client/main.py:1227) posts a memory's feedback to its platform's API; a
# write elsewhere in that file (``seen.add(anon_id)`` at line 111) is no store of it.
FEEDBACK_CLIENT = '''\
import httpx
from openai import OpenAI

llm = OpenAI()


def alias(ids):
    seen = set()
    for anon_id in ids:
        seen.add(anon_id)
    return seen


class Client:
    def __init__(self, host):
        self.client = httpx.Client(base_url=host)

    def answer(self, question):
        r = llm.chat.completions.create(model="gpt-4o", messages=[
            {"role": "user", "content": question}])
        return r.choices[0].message.content

    def feedback(self, answer_id, verdict):
        response = self.client.post("/v1/feedback/", json={"id": answer_id, "verdict": verdict})
        response.raise_for_status()
        return response.json()
'''


def test_feedback_posted_to_a_services_feedback_api_is_stored_there(make_project: MakeProject
                                                                     ) -> None:
    finding = run(feedback_loop, make_project({"app/client.py": FEEDBACK_CLIENT}))
    assert finding.status is Status.PASS
    assert finding.message == ("feedback is sent to the feedback API /v1/feedback at "
                               "app/client.py:24, where the service behind it stores it")
    assert where(finding) == ["app/client.py:24"]


def test_a_feedback_route_served_here_is_judged_not_the_call_that_posts_to_it(
        make_project: MakeProject) -> None:
    """The UI's client posts to the app's own route; the route only logs the flag."""
    route = ("import logging\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n"
             "log = logging.getLogger(__name__)\n\n\n@app.post('/v1/feedback/')\n"
             "def feedback(body: dict):\n    log.info('feedback %s', body)\n"
             "    return {'ok': True}\n")
    finding = run(feedback_loop, make_project({"app/client.py": FEEDBACK_CLIENT,
                                                "app/server.py": route}))
    assert finding.status is Status.WARN
    assert finding.message == ("feedback is captured at app/server.py:9 (feedback endpoint) but "
                               "not stored")


def test_feedback_mailed_to_a_human_inbox_is_captured_but_not_stored(make_project: MakeProject
                                                                     ) -> None:
    root = make_project({"api/main.py": '''\
import smtplib
from email.message import EmailMessage

from fastapi import FastAPI
from openai import OpenAI

app = FastAPI()
client = OpenAI()


@app.post("/feedback")
def feedback(answer_id: str, comment: str):
    msg = EmailMessage()
    msg["To"] = "support@example.com"
    msg.set_content(f"{answer_id}: {comment}")
    with smtplib.SMTP("localhost") as server:
        server.send_message(msg)
    return {"ok": True}
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.WARN
    assert finding.message.startswith("feedback is captured at api/main.py:11")


def test_feedback_loop_is_not_applicable_without_model_calls(make_project: MakeProject) -> None:
    root = make_project({"api/main.py": '''\
from fastapi import FastAPI

app = FastAPI()


@app.post("/feedback")
def feedback(comment: str):
    return {"ok": True}
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.message.startswith("no LLM usage found")


# ---- feedback-loop: connectors to a tracing platform declared in config -------------------

CHAT_BACKEND = '''\
from openai import OpenAI

client = OpenAI(timeout=30)


def answer(history):
    r = client.chat.completions.create(model="gpt-4o", messages=history)
    return r.choices[0].message.content
'''


def test_a_chat_front_end_forwarding_ratings_to_langfuse_passes_as_documented(
        make_project: MakeProject) -> None:
    """A compose file runs the chat UI with its feedback integration switched on; no code
    here shows the thumbs, so the declaration counts for half credit."""
    root = make_project({"app/llm.py": CHAT_BACKEND, "deploy/docker-compose.yml": '''\
services:
  chat-ui:
    image: ghcr.io/example/chat-ui:1.4
    environment:
      - LANGFUSE_HOST=https://cloud.langfuse.com
      - LANGFUSE_PUBLIC_KEY=${LANGFUSE_PUBLIC_KEY}
      - LANGFUSE_FEEDBACK_ENABLED=true
  api:
    build: .
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.PASS
    assert finding.credit is Credit.DOCUMENTED
    assert where(finding) == ["deploy/docker-compose.yml:7"]
    assert "Langfuse's feedback API as declared at deploy/docker-compose.yml:7" in \
        finding.message


def test_a_feedback_section_whose_provider_is_the_platform_completes_a_capture(
        make_project: MakeProject) -> None:
    """The endpoint takes the flag; the settings hand it to LangSmith, which stores it."""
    root = make_project({
        "app/llm.py": CHAT_BACKEND,
        "app/api.py": '''\
from fastapi import FastAPI

from app.feedback import forward

app = FastAPI()


@app.post("/api/feedback")
def feedback(run_id: str, score: int, comment: str = ""):
    forward(run_id, score, comment)
    return {"ok": True}
''',
        "app/feedback.py": '''\
import httpx

from app.settings import settings


def forward(run_id, score, comment):
    httpx.post(settings.feedback.url, json={"run_id": run_id, "score": score,
                                            "comment": comment})
''',
        "config/settings.yaml": '''\
model: gpt-4o
feedback:
  enabled: true
  provider: langsmith
  url: https://api.smith.langchain.com/feedback
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.PASS
    assert finding.credit is Credit.ENFORCED
    assert where(finding) == ["app/api.py:8", "config/settings.yaml:4"]
    assert finding.message.startswith("feedback is captured at app/api.py:8 (feedback "
                                      "endpoint) and forwarded to LangSmith's feedback API")


def test_a_platform_feedback_endpoint_as_a_value_is_a_connector(make_project: MakeProject
                                                                 ) -> None:
    root = make_project({"app/llm.py": CHAT_BACKEND, "gateway/integrations.toml": '''\
[tracing]
exporter = "otlp"

[rating_webhook]
target = "http://phoenix.internal:6006/v1/span_annotations"
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["gateway/integrations.toml:5"]
    assert "Phoenix's feedback API" in finding.message


def test_tracing_settings_alone_are_not_a_feedback_connector(make_project: MakeProject
                                                             ) -> None:
    root = make_project({
        "app/llm.py": CHAT_BACKEND,
        "docker-compose.yml": '''\
services:
  api:
    build: .
    environment:
      LANGFUSE_HOST: https://cloud.langfuse.com
      LANGFUSE_PUBLIC_KEY: ${LANGFUSE_PUBLIC_KEY}
      LANGCHAIN_TRACING_V2: "true"
      LANGCHAIN_ENDPOINT: https://api.smith.langchain.com
''',
        "litellm/config.yaml": '''\
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
litellm_settings:
  success_callback: ["langfuse"]
  failure_callback: ["langfuse"]
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.FAIL
    assert where(finding) == []


def test_ui_text_docs_and_a_switched_off_section_are_not_connectors(make_project: MakeProject
                                                                    ) -> None:
    root = make_project({
        "app/llm.py": CHAT_BACKEND,
        "web/src/copy.json": '''\
{"feedback": {"title": "Rate this answer",
              "langfuse": "Langfuse",
              "sent": "Your rating was sent to https://cloud.langfuse.com"}}
''',
        "docs/feedback.md": '''\
# Feedback

Set `feedback.provider: langfuse` and the front end posts ratings to
`https://cloud.langfuse.com/api/public/scores`.
''',
        "config/settings.yaml": '''\
feedback:
  enabled: false
  provider: langfuse
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.FAIL
    assert where(finding) == []


def test_the_tools_own_report_is_not_a_feedback_connector(make_project: MakeProject) -> None:
    from click.testing import CliRunner

    from readiness.cli import main

    settings = "feedback:\n  provider: langfuse\n"
    root = make_project({"app/llm.py": CHAT_BACKEND, "config/settings.yaml": settings})
    result = CliRunner().invoke(main, ["check", str(root), "-f", "json", "-o",
                                       str(root / "readiness-report.json"), "--fail-on",
                                       "never", "--no-cache"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "config/settings.yaml:2" in (root / "readiness-report.json").read_text()
    (root / "config/settings.yaml").unlink()
    assert run(feedback_loop, root).status is Status.FAIL


# ---- feedback-loop: flags set in the system of record, synced to a feedback table ---------

SUPPORT_CLIENTS = '''\
import os

from zenpy import Zenpy

zendesk = Zenpy(subdomain="acme", email=os.environ["ZENDESK_EMAIL"],
                token=os.environ["ZENDESK_TOKEN"])
'''

DRAFTER = '''\
from openai import OpenAI
from zenpy.lib.api_objects import Comment

from support.clients import zendesk

client = OpenAI(timeout=30)


def draft_reply(ticket):
    r = client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": "Draft a reply to this support ticket."},
        {"role": "user", "content": ticket.description}])
    draft = r.choices[0].message.content
    ticket.comment = Comment(body=draft, public=False)
    zendesk.tickets.update(ticket)
    return draft
'''

MODELS = '''\
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class AiFeedback(Base):
    __tablename__ = "ai_feedback"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer)
    reason = Column(String)


class TicketStat(Base):
    __tablename__ = "ticket_stats"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer)
    status = Column(String)
'''


def test_flags_read_back_from_the_system_the_ai_writes_to_are_a_stored_loop(
        make_project: MakeProject) -> None:
    """Agents tick a "bad AI draft" field in Zendesk; a nightly job reads those tickets
    from the same client and stores them as feedback."""
    root = make_project({
        "support/clients.py": SUPPORT_CLIENTS, "support/drafter.py": DRAFTER,
        "support/models.py": MODELS,
        "support/jobs/sync_flags.py": '''\
from support.clients import zendesk
from support.db import Session
from support.models import AiFeedback

BAD_DRAFT_FIELD = 360012345678


def sync_flagged_drafts():
    session = Session()
    for ticket in zendesk.search(type="ticket", custom_field=BAD_DRAFT_FIELD, updated=">24h"):
        session.add(AiFeedback(ticket_id=ticket.id, reason=ticket.subject))
    session.commit()
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["support/drafter.py:15", "support/jobs/sync_flags.py:10",
                              "support/jobs/sync_flags.py:11"]


def test_a_crm_client_built_the_same_way_and_an_insert_into_the_feedback_table_pass(
        make_project: MakeProject) -> None:
    root = make_project({
        "crm/writer.py": '''\
from anthropic import Anthropic

from crm.hubspot import HubSpotClient

llm = Anthropic(timeout=30)
crm = HubSpotClient()


def enrich(record_id, notes):
    message = llm.messages.create(model="claude-sonnet-4-5", max_tokens=400,
                                  messages=[{"role": "user", "content": notes}])
    crm.update_record(record_id, {"ai_summary": message.content[0].text})
''',
        "crm/hubspot.py": '''\
import requests


class HubSpotClient:
    def __init__(self):
        self.http = requests.Session()

    def update_record(self, record_id, fields):
        self.http.patch(f"https://api.hubapi.com/crm/v3/objects/deals/{record_id}",
                        json={"properties": fields})

    def flagged(self):
        return self.http.get("https://api.hubapi.com/crm/v3/objects/deals").json()["results"]
''',
        "crm/nightly.py": '''\
import sqlite3

from crm.hubspot import HubSpotClient

crm = HubSpotClient()


def pull_flags(db: sqlite3.Connection):
    for deal in crm.flagged():
        db.execute("INSERT INTO ai_feedback (record_id, verdict) VALUES (?, ?)",
                   (deal["id"], deal["properties"]["ai_summary_wrong"]))
    db.commit()
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["crm/writer.py:12", "crm/nightly.py:9", "crm/nightly.py:10"]


def test_a_sync_of_tickets_to_an_analytics_table_is_not_feedback(make_project: MakeProject
                                                                 ) -> None:
    root = make_project({
        "support/clients.py": SUPPORT_CLIENTS, "support/drafter.py": DRAFTER,
        "support/models.py": MODELS,
        "support/jobs/stats.py": '''\
from support.clients import zendesk
from support.db import Session
from support.models import TicketStat


def copy_ticket_stats():
    session = Session()
    for ticket in zendesk.search(type="ticket", updated=">24h"):
        session.add(TicketStat(ticket_id=ticket.id, status=ticket.status))
    session.commit()
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.FAIL
    assert finding.message.startswith("a feedback store exists (support/models.py:7) but "
                                      "users cannot flag")


def test_ai_output_written_to_the_system_and_nothing_read_back_is_not_feedback(
        make_project: MakeProject) -> None:
    root = make_project({
        "support/clients.py": SUPPORT_CLIENTS, "support/drafter.py": DRAFTER,
        "support/models.py": MODELS,
        "support/audit.py": '''\
from support.db import Session
from support.models import AiFeedback


def record(ticket_id, reason):
    session = Session()
    session.add(AiFeedback(ticket_id=ticket_id, reason=reason))
    session.commit()
'''})
    finding = run(feedback_loop, root)
    assert finding.status is Status.FAIL


DEVCHAT_PROMPT = '''\
import json

from openai import OpenAI

client = OpenAI()


class Prompt:
    def __init__(self):
        self._request_tokens = 0
        self._history = []

    def prepend_history(self, message, token_limit):
        num_tokens = len(message) // 4
        if num_tokens > token_limit - self._request_tokens:
            return False
        self._history.insert(0, message)
        self._request_tokens += num_tokens
        return True

    def ask(self, question):
        response = client.chat.completions.create(model="gpt-4o", messages=self._history)
        data = json.loads(response.model_dump_json())
        self._request_tokens = data["usage"]["prompt_tokens"]
        return data["choices"][0]["message"]["content"]
'''


def test_an_early_return_that_spends_nothing_after_is_not_a_spend_cap(
        make_project: MakeProject) -> None:
    """devchat 0.3.0: history is prepended while it fits the model's window (compared with
    the last response's usage); returning early stops the prepending, not the spending."""
    root = make_project({"app/prompt.py": DEVCHAT_PROMPT})
    assert run(budget_limits, root).status is Status.FAIL
    # the same comparison before the model call it guards: a cap
    guarded = DEVCHAT_PROMPT.replace('''    def ask(self, question):
''', '''    def ask(self, question, budget):
        if self._request_tokens > budget:
            return None
''')
    finding = run(budget_limits, make_project({"app/prompt.py": guarded}))
    assert finding.status is Status.PASS
    assert finding.message.startswith("spend is capped or alerted on: spend cap in code "
                                      "(app/prompt.py:22)")
