"""Small but realistic LLM application repositories, as dicts of files, for the call-site
index and the infrastructure checks built on it. Line numbers matter: tests assert them."""

from __future__ import annotations

from collections.abc import Iterable

from readiness.llmcalls import CallSite, Protection

# A pilot that worked on 50 examples: one OpenAI client, no timeout, no retry, no try.
PILOT_APP: dict[str, str] = {
    "requirements.txt": "openai==1.51.0\nstreamlit==1.39.0\n",
    "app.py": '''\
import os

from openai import OpenAI

client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])


def summarize(text: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Summarize: {text}"}],
    )
    return response.choices[0].message.content


if __name__ == "__main__":
    print(summarize(open("doc.txt").read()))
''',
}

# A hardened service: a client factory with a timeout, retries by tenacity on a wrapper,
# errors handled by the callers in other modules, output validated with pydantic.
HARDENED_SERVICE: dict[str, str] = {
    "pyproject.toml": '[project]\nname = "invoices"\ndependencies = ["openai", "tenacity"]\n',
    "app/__init__.py": "",
    "app/settings.py": '''\
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    openai_api_key: str = ""
    llm_timeout_s: float = 20.0


settings = Settings()
''',
    "app/clients.py": '''\
"""Model clients, built once."""

from functools import lru_cache

from openai import OpenAI

from app.settings import settings


@lru_cache(maxsize=1)
def get_client() -> OpenAI:
    return OpenAI(
        api_key=settings.openai_api_key,
        timeout=settings.llm_timeout_s,
        max_retries=0,  # tenacity retries in app.llm; no double retrying
    )
''',
    "app/schemas.py": '''\
from pydantic import BaseModel


class Invoice(BaseModel):
    vendor: str
    total: float
    currency: str = "EUR"
''',
    "app/llm.py": '''\
"""The one place that talks to the model."""

import openai
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from app.clients import get_client
from app.schemas import Invoice


@retry(
    retry=retry_if_exception_type((openai.APITimeoutError, openai.RateLimitError)),
    wait=wait_random_exponential(min=1, max=20),
    stop=stop_after_attempt(4),
)
def complete_json(prompt: str) -> str:
    response = get_client().chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": prompt}],
        response_format={"type": "json_object"},
    )
    return response.choices[0].message.content or "{}"


def extract_invoice_structured(text: str) -> Invoice | None:
    completion = get_client().beta.chat.completions.parse(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": text}],
        response_format=Invoice,
    )
    return completion.choices[0].message.parsed
''',
    "app/service.py": '''\
"""Invoice extraction, used by the API."""

import logging

from app.llm import complete_json
from app.schemas import Invoice

log = logging.getLogger(__name__)


class ExtractionFailed(Exception):
    pass


def extract_invoice(text: str) -> Invoice:
    try:
        raw = complete_json(f"Extract the invoice fields as JSON:\\n{text}")
    except Exception as exc:
        log.warning("model call failed: %s", exc)
        raise ExtractionFailed(str(exc)) from exc
    return Invoice.model_validate_json(raw)
''',
    "app/api.py": '''\
import openai
from fastapi import FastAPI, HTTPException

from app.llm import extract_invoice_structured
from app.service import ExtractionFailed, extract_invoice

api = FastAPI()


@api.post("/invoices")
def create_invoice(text: str):
    try:
        return extract_invoice(text)
    except ExtractionFailed:
        raise HTTPException(status_code=502, detail="extraction failed") from None


@api.post("/invoices/structured")
def create_invoice_structured(text: str):
    try:
        return extract_invoice_structured(text)
    except openai.APIError as exc:
        raise HTTPException(status_code=502, detail=str(exc)) from exc
''',
}

# A support bot: LangChain chains over Anthropic, plus one raw Anthropic call.
LANGCHAIN_BOT: dict[str, str] = {
    "bot/__init__.py": "",
    "bot/models.py": '''\
from pydantic import BaseModel


class Ticket(BaseModel):
    category: str
    urgent: bool
''',
    "bot/chains.py": '''\
from langchain_anthropic import ChatAnthropic
from langchain_core.output_parsers import PydanticOutputParser, StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from bot.models import Ticket

llm = ChatAnthropic(model="claude-3-5-sonnet-latest", timeout=30, max_retries=3)
backup_llm = ChatAnthropic(model="claude-3-5-haiku-latest", timeout=20)

triage_prompt = ChatPromptTemplate.from_messages([("system", "Triage."), ("human", "{ticket}")])
parser = PydanticOutputParser(pydantic_object=Ticket)

triage_chain = triage_prompt | llm.with_fallbacks([backup_llm]) | parser
reply_chain = ChatPromptTemplate.from_template("Reply to: {ticket}") | llm | StrOutputParser()
''',
    "bot/handlers.py": '''\
from anthropic import Anthropic, APIStatusError

from bot.chains import reply_chain, triage_chain

raw = Anthropic()


async def triage(ticket: str):
    return await triage_chain.ainvoke({"ticket": ticket})


def reply(ticket: str) -> str:
    try:
        return reply_chain.invoke({"ticket": ticket})
    except APIStatusError:
        return "Sorry, something went wrong; a human will answer."


def detect_language(text: str) -> str:
    message = raw.messages.create(
        model="claude-3-5-haiku-latest",
        max_tokens=5,
        messages=[{"role": "user", "content": text}],
    )
    return message.content[0].text
''',
}

# A gateway on litellm: a Router with per-deployment timeouts, retries and fallbacks.
LITELLM_GATEWAY: dict[str, str] = {
    "gateway/__init__.py": "",
    "gateway/router.py": '''\
import litellm
from litellm import Router

litellm.num_retries = 2

MODEL_LIST = [
    {
        "model_name": "chat",
        "litellm_params": {"model": "gpt-4o-mini", "timeout": 20, "stream_timeout": 10},
    },
    {
        "model_name": "chat-backup",
        "litellm_params": {"model": "claude-3-5-haiku-latest", "timeout": 30},
    },
]

router = Router(
    model_list=MODEL_LIST,
    fallbacks=[{"chat": ["chat-backup"]}],
    num_retries=3,
)


async def chat(messages: list[dict[str, str]]) -> str:
    response = await router.acompletion(model="chat", messages=messages)
    return response.choices[0].message.content


def embed(texts: list[str]):
    return litellm.embedding(model="text-embedding-3-small", input=texts, timeout=10)
''',
    "gateway/server.py": '''\
from gateway.router import chat


async def handle(request):
    try:
        return {"answer": await chat(request["messages"])}
    except Exception:
        return {"error": "upstream model unavailable"}
''',
}

# A nightly batch job on Bedrock: botocore Config with read timeout and retries.
BEDROCK_BATCH: dict[str, str] = {
    "jobs/summarize_batch.py": '''\
import json

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

BEDROCK_CONFIG = Config(
    read_timeout=120,
    connect_timeout=5,
    retries={"max_attempts": 8, "mode": "adaptive"},
)
MODEL_ID = "anthropic.claude-3-haiku-20240307-v1:0"

bedrock = boto3.client("bedrock-runtime", region_name="us-east-1", config=BEDROCK_CONFIG)
s3 = boto3.client("s3")


def summarize(document: str) -> dict:
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 512,
                       "messages": [{"role": "user", "content": document}]})
    try:
        response = bedrock.invoke_model(modelId=MODEL_ID, body=body)
    except ClientError as error:
        return {"error": error.response["Error"]["Code"]}
    return json.loads(response["body"].read())


def converse(prompt: str) -> str:
    plain = boto3.client("bedrock-runtime")
    result = plain.converse(modelId=MODEL_ID, messages=[{"role": "user", "content": [
        {"text": prompt}]}])
    return result["output"]["message"]["content"][0]["text"]


def run(keys: list[str]) -> None:
    for key in keys:
        obj = s3.get_object(Bucket="docs", Key=key)
        summarize(obj["Body"].read().decode())
''',
}

# An ordinary web service with no model anywhere.
NO_LLM_APP: dict[str, str] = {
    "shop/__init__.py": "",
    "shop/orders.py": '''\
import time

import requests


class Orders:
    def create(self, **fields):
        return requests.post("https://orders.internal.example.com/v1/orders", json=fields,
                             timeout=5)

    def complete(self, order_id: str):
        for _ in range(3):
            try:
                return requests.put(f"https://orders.internal.example.com/v1/{order_id}")
            except requests.RequestException:
                time.sleep(1)
''',
    "shop/views.py": '''\
from shop.orders import Orders


def checkout(cart):
    order = Orders().create(items=cart)
    return Orders().complete(order["id"])
''',
}

# Names that look like LLM calls, retries and timeouts, and are none of them.
LOOKALIKES: dict[str, str] = {
    "lookalike/__init__.py": "",
    "lookalike/chat.py": '''\
"""Chat rooms (the human kind). We retry the openai-style webhook on failure."""

import requests

openai_timeout = 30  # a variable that merely mentions a provider
PROMPT = "Remember to retry the openai request with a timeout"


def retry(fn):  # a local decorator called retry that does not loop
    return fn


class completions:
    @staticmethod
    def create(**kwargs):
        return kwargs


class chat:
    completions = completions


class Room:
    def complete(self, prompt: str) -> str:
        return prompt.upper()

    def create(self, **kwargs):
        return self.complete(kwargs["prompt"])


@retry
def handle(room: Room) -> None:
    room.create(prompt="hi")
    room.complete("bye")
    chat.completions.create(model="gpt-4o", messages=[])
    requests.get("https://api.github.com/repos/openai/openai-python", timeout=5)
    # a chat app's own API (Khoj's scheduler posts to one): no model route, no model host
    requests.post("https://example.com/api/chat?client=bot", json={"q": "hi"})
''',
}


Row = tuple[str, str, str, str | None, str | None, str | None, str | None, str | None,
            str | None]


def where(protection: Protection | None) -> str | None:
    """``path:line`` of a Protection (or None), for compact assertions."""
    return None if protection is None else f"{protection.path}:{protection.line}"


def strength(protection: Protection | None) -> str | None:
    """The strength of a Protection, or None."""
    return None if protection is None else protection.strength


def table(calls: Iterable[CallSite]) -> list[Row]:
    """Each call site as (path:line, provider, api, function, timeout, retry, error handling,
    output validation, fallback), protections as ``path:line`` or None."""
    return [(f"{c.path}:{c.line}", c.provider, c.api, c.function, where(c.timeout),
             where(c.retry), where(c.error_handling), where(c.output_validation),
             where(c.fallback)) for c in calls]
