"""Small but realistic repositories for the infrastructure plumbing checks.

Each is a dict of files for the ``make_project`` fixture. Line numbers matter: the tests
assert exact ``path:line`` evidence, so edit a file here together with its tests.
"""

from __future__ import annotations

# A pilot straight off a laptop: one endpoint, one model call, nothing around it.
BARE_PILOT = {
    "app/main.py": '''\
from fastapi import FastAPI
from openai import OpenAI

app = FastAPI()
client = OpenAI()


@app.post("/summarise")
def summarise(text: str) -> dict[str, str]:
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Summarise: {text}"}],
    )
    return {"summary": response.choices[0].message.content or ""}
''',
    "requirements.txt": "fastapi==0.115.0\nopenai==1.51.0\nuvicorn==0.30.6\n",
    "README.md": "# Summariser pilot\n\nRun `uvicorn app.main:app`.\n",
}

# Everything production needs, each piece where a real service keeps it.
HARDENED = {
    "readiness.yaml": '''\
version: 1
project: claims-summariser
usage:
  volume:
    pilot: 200
    soft_launch: 20000
    full_launch: 100000
  budget:
    daily_usd: 400
    alert: docs/runbooks/cost-alert.md
''',
    "app/llm.py": '''\
"""Every model call goes through here: bounded, logged, metered, with a fallback model."""
import asyncio

import structlog
from litellm import Router

from app.metrics import LLM_LATENCY, LLM_TOKENS

log = structlog.get_logger()
router = Router(
    model_list=[
        {"model_name": "primary", "litellm_params": {"model": "gpt-4o", "timeout": 30}},
        {"model_name": "backup", "litellm_params": {"model": "claude-3-5-sonnet-20241022"}},
    ],
    fallbacks=[{"primary": ["backup"]}],
    num_retries=2,
)
LLM_SLOTS = asyncio.Semaphore(20)


async def complete(request_id: str, messages: list[dict[str, str]]) -> str:
    async with LLM_SLOTS:
        log.info("llm.request", request_id=request_id, messages=len(messages))
        with LLM_LATENCY.time():
            response = await router.acompletion(model="primary", messages=messages)
        usage = response.usage
        LLM_TOKENS.labels(kind="prompt").inc(usage.prompt_tokens)
        LLM_TOKENS.labels(kind="completion").inc(usage.completion_tokens)
        text = response.choices[0].message.content
        log.info("llm.response", request_id=request_id, chars=len(text))
        return text
''',
    "app/metrics.py": '''\
from prometheus_client import Counter, Histogram

LLM_TOKENS = Counter("llm_tokens_total", "Tokens used by model calls", ["kind"])
LLM_LATENCY = Histogram("llm_request_duration_seconds", "Model call latency")
LLM_ERRORS = Counter("llm_errors_total", "Failed model calls")
LLM_REQUESTS = Counter("llm_requests_total", "Model calls")
''',
    "app/telemetry.py": '''\
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter


def setup_tracing() -> None:
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
''',
    "ops/alerts.yml": '''\
groups:
  - name: llm
    rules:
      - alert: LLMHighErrorRate
        expr: sum(rate(llm_errors_total[5m])) / sum(rate(llm_requests_total[5m])) > 0.05
        for: 10m
        labels: {severity: page}
      - alert: LLMSlowResponses
        expr: histogram_quantile(0.95, rate(llm_request_duration_seconds_bucket[5m])) > 8
        for: 10m
      - alert: LLMTokenSpendSpike
        expr: sum(increase(llm_tokens_total[1h])) > 2e6
        annotations:
          summary: "Token spend is above the hourly budget"
''',
    "infra/queue.tf": '''\
resource "aws_sqs_queue" "jobs_dlq" {
  name                      = "summarise-jobs-dlq"
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "jobs" {
  name                       = "summarise-jobs"
  visibility_timeout_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    maxReceiveCount     = 5
  })
}
''',
    "loadtest/locustfile.py": '''\
from locust import HttpUser, constant_throughput, task


class Summariser(HttpUser):
    wait_time = constant_throughput(1)

    @task
    def summarise(self) -> None:
        self.client.post("/summarise", json={"text": "Claim 4411: water damage..."})
''',
    "loadtest/locust.conf": "locustfile = loadtest/locustfile.py\nheadless = true\nusers = 50\n"
                            "spawn-rate = 5\nrun-time = 10m\n",
    "docs/runbooks/cost-alert.md": "# Cost alert\n\nWhen LLMTokenSpendSpike fires: ...\n",
    "requirements.txt": "litellm==1.48.0\nstructlog==24.4.0\nprometheus-client==0.21.0\n",
}

# A LangChain + Anthropic support bot traced with LangSmith, with a fallback model.
LANGCHAIN_BOT = {
    "bot/chain.py": '''\
from langchain_anthropic import ChatAnthropic
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI

prompt = ChatPromptTemplate.from_messages([
    ("system", "You answer questions about our product. Say when you are unsure."),
    ("human", "{question}"),
])
claude = ChatAnthropic(model="claude-3-5-sonnet-20241022", timeout=30, max_retries=2)
gpt = ChatOpenAI(model="gpt-4o-mini", timeout=30)
chain = prompt | claude.with_fallbacks([gpt])


def answer(question: str) -> str:
    return str(chain.invoke({"question": question}).content)
''',
    "docker-compose.yml": '''\
services:
  bot:
    build: .
    environment:
      LANGCHAIN_TRACING_V2: "true"
      LANGCHAIN_PROJECT: support-bot
      ANTHROPIC_API_KEY: ${ANTHROPIC_API_KEY}
    ports: ["8080:8080"]
''',
    ".env.example": "ANTHROPIC_API_KEY=your-key-here\nLANGCHAIN_API_KEY=\n",
    "pyproject.toml": '''\
[project]
name = "support-bot"
version = "0.3.0"
dependencies = ["langchain-anthropic>=0.2", "langchain-openai>=0.2", "langsmith>=0.1"]
''',
}

# A litellm proxy: no Python at all, everything in its config.
LITELLM_GATEWAY = {
    "litellm/config.yaml": '''\
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o
      api_base: os.environ/AZURE_API_BASE
      api_key: os.environ/AZURE_API_KEY
      rpm: 600
      tpm: 200000
  - model_name: claude
    litellm_params:
      model: anthropic/claude-3-5-sonnet-20241022
      api_key: os.environ/ANTHROPIC_API_KEY

router_settings:
  routing_strategy: usage-based-routing-v2
  fallbacks: [{"gpt-4o": ["claude"]}]

litellm_settings:
  success_callback: ["langfuse"]
  max_budget: 500
  budget_duration: 30d

general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
  database_url: os.environ/DATABASE_URL
''',
    "Dockerfile": "FROM ghcr.io/berriai/litellm:main-v1.48.0\nCOPY litellm/config.yaml "
                  "/app/config.yaml\nCMD [\"--config\", \"/app/config.yaml\"]\n",
}

# A nightly Bedrock batch job on Lambda: SQS with a DLQ and CloudWatch alarms, all in
# serverless.yml with CloudFormation's custom tags.
BEDROCK_BATCH = {
    "handler.py": '''\
import json

import boto3

bedrock = boto3.client("bedrock-runtime")


def extract(event: dict, context: object) -> None:
    for record in event["Records"]:
        job = json.loads(record["body"])
        bedrock.converse(
            modelId="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[{"role": "user", "content": [{"text": job["document"]}]}],
        )
''',
    "serverless.yml": '''\
service: invoice-batch
provider:
  name: aws
  runtime: python3.11
functions:
  extract:
    handler: handler.extract
    events:
      - sqs:
          arn: !GetAtt JobsQueue.Arn
resources:
  Resources:
    JobsQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: invoice-jobs
        RedrivePolicy:
          deadLetterTargetArn: !GetAtt JobsDLQ.Arn
          maxReceiveCount: 3
    JobsDLQ:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: invoice-jobs-dlq
    ErrorAlarm:
      Type: AWS::CloudWatch::Alarm
      Properties:
        AlarmDescription: Extraction Lambda is failing
        Namespace: AWS/Lambda
        MetricName: Errors
        Statistic: Sum
        Period: 300
        EvaluationPeriods: 1
        Threshold: 5
        ComparisonOperator: GreaterThanThreshold
    LatencyAlarm:
      Type: AWS::CloudWatch::Alarm
      Properties:
        Namespace: AWS/Bedrock
        MetricName: InvocationLatency
        ExtendedStatistic: p95
        Period: 300
        EvaluationPeriods: 3
        Threshold: 20000
        ComparisonOperator: GreaterThanThreshold
''',
}

# A CRUD service with no model anywhere.
NO_LLM = {
    "app.py": '''\
import logging

from flask import Flask, jsonify

log = logging.getLogger(__name__)
app = Flask(__name__)


@app.get("/invoices/<int:invoice_id>")
def invoice(invoice_id: int):
    log.info("fetching invoice %s", invoice_id)
    return jsonify({"id": invoice_id})
''',
    "requirements.txt": "flask==3.0.3\n",
}

# Words that look like plumbing but are not: names, comments, strings, placeholders, tests.
LOOKALIKES = {
    "app/settings.py": '''\
import os

# we should add retry and alerts before launch, and a fallback when OpenAI is down
openai_timeout = 30
max_retries_note = "failed requests should go to a dead letter queue one day"
limits = {"max_tokens": 512}
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "sk-your-key-here")
ANTHROPIC_KEY_HINT = "sk-ant-..."
''',
    "app/extract.py": '''\
from openai import OpenAI

from app.settings import openai_timeout

client = OpenAI(timeout=openai_timeout)


def extract(document: str) -> str:
    reply = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": document}])
    return reply.choices[0].message.content or ""
''',
    "tests/test_extract.py": '''\
import asyncio

FAKE_KEY = "sk-test-xxxxxxxxxxxxxxxxxxxxxxxx"
SLOTS = asyncio.Semaphore(2)


def test_extract_uses_key() -> None:
    assert FAKE_KEY.startswith("sk-")
''',
    ".env.example": "OPENAI_API_KEY=<OPENAI_API_KEY>\nAWS_ACCESS_KEY_ID=changeme\n",
    "docs/setup.md": "Set `OPENAI_API_KEY=sk-...` and `export HF_TOKEN=${HF_TOKEN}`.\n",
}
