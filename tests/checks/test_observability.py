from __future__ import annotations

from pathlib import Path

from readiness.checks.infrastructure.alertrules import alert_rules
from readiness.checks.infrastructure.observability import (
    alerting,
    cost_tracking,
    monitoring,
    request_logging,
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


NO_LLM_MESSAGE = ("no LLM usage found (no import of a model SDK or framework such as openai, "
                  "anthropic, litellm, langchain, google genai, llama_index or ollama, no "
                  "Bedrock runtime client, no LLM gateway config, no model call)")

LLM_CLIENT = '''\
import structlog
from anthropic import Anthropic

log = structlog.get_logger()
client = Anthropic(timeout=30)


def classify(ticket: str) -> str:
    message = client.messages.create(model="claude-3-5-haiku-latest", max_tokens=50,
                                     messages=[{"role": "user", "content": ticket}])
    log.info("llm.response", output=message.content[0].text)
    return message.content[0].text
'''


# ---- request-logging ----------------------------------------------------------------------


def test_request_logging_passes_with_both_sides_and_an_id(make_project: MakeProject) -> None:
    finding = run(request_logging, make_project(fx.HARDENED))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == "LLM requests and responses are logged with a request id"
    assert where(finding) == ["app/llm.py:23", "app/llm.py:30"]
    assert [e.note for e in finding.evidence] == ["request, id", "response"]


def test_langsmith_tracing_from_compose_environment_passes(make_project: MakeProject) -> None:
    finding = run(request_logging, make_project(fx.LANGCHAIN_BOT))
    assert finding.status is Status.PASS
    assert finding.message == ("LLM requests and responses are traced by LangSmith, each call "
                               "with its trace id")
    assert where(finding) == ["docker-compose.yml:5"]


def test_litellm_proxy_langfuse_callback_passes(make_project: MakeProject) -> None:
    finding = run(request_logging, make_project(fx.LITELLM_GATEWAY))
    assert finding.status is Status.PASS
    assert finding.message == ("LLM requests and responses are traced by Langfuse, each call "
                               "with its trace id")
    assert where(finding) == ["litellm/config.yaml:19"]


def test_otel_instrumentor_and_traceloop_count_as_tracing(make_project: MakeProject) -> None:
    root = make_project({
        "app/llm.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        "app/tracing.py": "from opentelemetry.instrumentation.openai import OpenAIInstrumentor\n"
                          "from traceloop.sdk import Traceloop\n\n"
                          "OpenAIInstrumentor().instrument()\nTraceloop.init(app_name='x')\n",
    })
    finding = run(request_logging, root)
    assert finding.status is Status.PASS
    assert "OpenTelemetry GenAI instrumentation, OpenLLMetry" in finding.message
    assert where(finding) == ["app/tracing.py:4", "app/tracing.py:5"]


# open-deep-research's @traceable (legacy/utils.py:172) is on its Tavily search: it records
# the search, not the model's requests and responses.
TRACED = '''\
from langsmith import traceable
from openai import OpenAI

client = OpenAI()


@traceable
def search(queries):
    return [tavily.search(q) for q in queries]


def answer(question):
    r = client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": question}])
    return r.choices[0].message.content
'''


def test_a_tracing_decorator_counts_on_a_function_that_calls_the_model(
        make_project: MakeProject) -> None:
    for decorated, vendor in ((TRACED.replace("@traceable\ndef search", "def search").replace(
            "def answer", "@traceable\ndef answer"), "LangSmith"), (TRACED.replace(
            "from langsmith import traceable", "from langfuse import observe").replace(
            "@traceable\ndef search", "def search").replace(
            "def answer", "@observe(as_type='generation')\ndef answer"), "Langfuse"),
            # mle-agent 0.4.2: the decorator through the module
            (TRACED.replace("from langsmith import traceable", "import langfuse").replace(
                "@traceable\ndef search", "def search").replace(
                "def answer", "@langfuse.observe(as_type='generation')\ndef answer"),
             "Langfuse")):
        root = make_project({"app/research.py": decorated})
        for check in (request_logging, cost_tracking):
            finding = run(check, root)
            assert finding.status is Status.PASS, (check, finding.message)
            assert vendor in finding.message
            assert where(finding) == ["app/research.py:11"]


def test_another_librarys_observe_decorator_is_no_llm_tracing(make_project: MakeProject
                                                             ) -> None:
    root = make_project({"app/research.py": TRACED.replace(
        "from langsmith import traceable", "import watcher").replace(
        "@traceable\ndef search", "def search").replace(
        "def answer", "@watcher.observe(event='answer')\ndef answer")})
    assert run(request_logging, root).status is Status.FAIL


def test_a_tracing_decorator_on_other_work_is_no_llm_tracing(make_project: MakeProject) -> None:
    root = make_project({"app/research.py": TRACED})
    assert run(request_logging, root).status is Status.FAIL
    assert run(cost_tracking, root).status is Status.FAIL
    assert run(monitoring, root).status is Status.PASS  # the search's traces are sent


def test_a_tracing_decorator_counts_only_when_every_model_call_runs_under_one(
        make_project: MakeProject) -> None:
    # open-deep-research: @traceable on its Perplexity search, a model call of its own,
    # while the graph's model calls run under no decorator
    perplexity = TRACED.replace(
        "    return [tavily.search(q) for q in queries]",
        "    return requests.post('https://api.perplexity.ai/chat/completions', json={},\n"
        "                         timeout=30).json()").replace(
        "from openai import OpenAI", "from openai import OpenAI\nimport requests")
    root = make_project({"app/research.py": perplexity})
    assert run(request_logging, root).status is Status.FAIL
    assert run(cost_tracking, root).status is Status.FAIL
    # every model call runs under a traced function (one of them through a helper it calls)
    both = perplexity.replace("def answer", "@traceable\ndef pipeline(question):\n"
                              "    return answer(question)\n\n\ndef answer")
    root = make_project({"app/research.py": both})
    assert run(request_logging, root).status is Status.PASS
    assert run(cost_tracking, root).status is Status.PASS


def test_no_logging_of_llm_calls_fails_at_the_call(make_project: MakeProject) -> None:
    finding = run(request_logging, make_project(fx.BARE_PILOT))
    assert finding.status is Status.FAIL
    assert finding.message == ("LLM calls are not logged: neither the request nor the result "
                               "of app/main.py:10 (or of any other model call) reaches a log "
                               "call, and no LLM tracing (LangSmith, Langfuse, Helicone, "
                               "OpenTelemetry) is set up")
    assert where(finding) == ["app/main.py:10"]


def test_only_the_response_logged_without_id_warns(make_project: MakeProject) -> None:
    finding = run(request_logging, make_project({"app/triage.py": LLM_CLIENT}))
    assert (finding.status, finding.credit) == (Status.WARN, Credit.ENFORCED)
    assert finding.message == ("LLM responses are logged but requests are not; no request id "
                               "is logged with them")
    assert where(finding) == ["app/triage.py:11"]


def test_both_sides_without_an_id_warns(make_project: MakeProject) -> None:
    client = LLM_CLIENT.replace('    message = client', '    log.info("llm.request", '
                                'prompt=ticket)\n    message = client')
    finding = run(request_logging, make_project({"app/triage.py": client}))
    assert finding.status is Status.WARN
    assert finding.message == "LLM requests and responses are logged but without a request id"
    assert where(finding) == ["app/triage.py:9", "app/triage.py:12"]


def test_logs_that_say_nothing_about_the_call_fail(make_project: MakeProject) -> None:
    client = LLM_CLIENT.replace('log.info("llm.response", output=message.content[0].text)',
                                'log.info("classified")')
    finding = run(request_logging, make_project({"app/triage.py": client}))
    assert finding.status is Status.FAIL
    assert where(finding) == ["app/triage.py:9"]


def test_request_id_bound_by_middleware_completes_the_logs(make_project: MakeProject) -> None:
    client = LLM_CLIENT.replace('    message = client', '    log.info("llm.request", '
                                'prompt=ticket)\n    message = client')
    root = make_project({
        "app/triage.py": client,
        "app/middleware.py": "import uuid\n\nimport structlog\n\n\nasync def add_id(request, "
                             "call_next):\n    structlog.contextvars.bind_contextvars("
                             "request_id=str(uuid.uuid4()))\n    return await call_next(request)\n",
    })
    finding = run(request_logging, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/triage.py:9", "app/triage.py:12", "app/middleware.py:7"]


def test_logs_outside_llm_files_do_not_count(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "app/audit.py": (
        "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef audit(request_id, "
        "prompt, response):\n    log.info('request %s %s %s', request_id, prompt, response)\n")})
    finding = run(request_logging, root)
    assert finding.status is Status.FAIL
    assert where(finding) == ["app/main.py:10"]


def test_request_logging_falls_back_to_configured_evidence(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "docs/logging.md": "# Gateway logs\n",
                         "readiness.yaml": "version: 1\nevidence:\n"
                                           "  request-logging: docs/logging.md\n"})
    finding = run(request_logging, root)
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert where(finding) == ["docs/logging.md", "readiness.yaml:3"]


def test_request_logging_is_not_applicable_without_llm(make_project: MakeProject) -> None:
    finding = run(request_logging, make_project(fx.NO_LLM))
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.message == NO_LLM_MESSAGE


def test_lookalikes_do_not_pass_request_logging(make_project: MakeProject) -> None:
    finding = run(request_logging, make_project(fx.LOOKALIKES))
    assert finding.status is Status.FAIL
    assert where(finding) == ["app/extract.py:9"]


# ---- cost-tracking ------------------------------------------------------------------------


def test_token_counters_pass_cost_tracking(make_project: MakeProject) -> None:
    finding = run(cost_tracking, make_project(fx.HARDENED))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == "token usage and cost are recorded per request in code"
    assert where(finding) == ["app/llm.py:27", "app/llm.py:28"]


def test_litellm_proxy_records_cost_with_langfuse_and_db(make_project: MakeProject) -> None:
    finding = run(cost_tracking, make_project(fx.LITELLM_GATEWAY))
    assert finding.status is Status.PASS
    assert finding.message == ("token usage and cost are recorded per request by Langfuse and "
                               "with litellm's spend database")
    assert where(finding) == ["litellm/config.yaml:19", "litellm/config.yaml:25"]


def test_litellm_completion_cost_computed_but_only_returned_warns(make_project: MakeProject
                                                                 ) -> None:
    root = make_project({"app/llm.py": (
        "import litellm\n\n\ndef ask(messages):\n"
        "    response = litellm.completion(model='gpt-4o', messages=messages)\n"
        "    cost = litellm.completion_cost(completion_response=response)\n"
        "    return response, cost\n")})
    finding = run(cost_tracking, root)
    assert finding.status is Status.WARN
    assert where(finding)[0] == "app/llm.py:6"


def test_litellm_completion_cost_logged_by_the_caller_passes(make_project: MakeProject) -> None:
    root = make_project({"app/llm.py": (
        "import litellm\n\n\ndef ask(messages):\n"
        "    response = litellm.completion(model='gpt-4o', messages=messages)\n"
        "    cost = litellm.completion_cost(completion_response=response)\n"
        "    return response, cost\n"),
        "app/jobs.py": (
        "import logging\n\nfrom app.llm import ask\n\nlog = logging.getLogger(__name__)\n\n\n"
        "def run(job):\n    reply, cost = ask(job.messages)\n"
        "    log.info('job %s cost %.4f', job.id, cost)\n    return reply\n")})
    finding = run(cost_tracking, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["app/jobs.py:10"]


CHAINS_RUN_UNDER_A_COST_CALLBACK = {
    "app/chains.py": (
        "from langchain.chains import LLMChain\nfrom langchain.chains.base import Chain\n"
        "from langchain.chat_models import ChatOpenAI\n\n\n"
        "class ReviewChain(Chain):\n"
        "    chain: LLMChain\n\n"
        "    def _call(self, inputs, run_manager=None):\n"
        "        return {'review': self.chain.run(inputs['diff'])}\n\n"
        "    @classmethod\n"
        "    def from_llm(cls, llm):\n"
        "        return cls(chain=LLMChain(llm=llm, prompt=None))\n\n\n"
        "def build():\n    return ReviewChain.from_llm(ChatOpenAI(model='gpt-4'))\n"),
    "app/server.py": (
        "from langchain.callbacks import get_openai_callback\n\nfrom app.chains import build\n"
        "from app.report import Report\n\n\n"
        "def handle(diff):\n"
        "    chain = build()\n"
        "    with get_openai_callback() as cb:\n"
        "        result = chain({'diff': diff})\n"
        "        return Report(result, telemetry={'cost': cb.total_cost}).render()\n"),
    "app/report.py": (
        "class Report:\n    def __init__(self, text, telemetry):\n"
        "        self.text, self.telemetry = text, telemetry\n\n"
        "    def render(self):\n        return f\"{self.text} (${self.telemetry['cost']:.4f})\"\n"),
}


def test_a_cost_callback_the_usage_flow_does_not_reach_warns(make_project: MakeProject) -> None:
    """codedog runs its chains inside ``with get_openai_callback() as cb:`` in a module that
    makes no model call of its own and hands ``cb.total_cost`` to the report it posts: the
    cost is computed, where it goes is not seen: a warning (it was a pass before the chains'
    calls were found, and a fail after). Must-not: the same callback in a test."""
    finding = run(cost_tracking, make_project(CHAINS_RUN_UNDER_A_COST_CALLBACK))
    assert finding.status is Status.WARN
    assert where(finding) == ["app/server.py:9"]
    in_a_test = {**CHAINS_RUN_UNDER_A_COST_CALLBACK,
                 "tests/test_server.py": CHAINS_RUN_UNDER_A_COST_CALLBACK["app/server.py"]}
    del in_a_test["app/server.py"]
    assert run(cost_tracking, make_project(in_a_test)).status is Status.FAIL


def test_token_usage_read_but_not_recorded_warns(make_project: MakeProject) -> None:
    root = make_project({"app/llm.py": (
        "from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(q):\n"
        "    r = client.chat.completions.create(model='gpt-4o', messages=[])\n"
        "    used = r.usage.total_tokens\n"
        "    return r.choices[0].message.content, used\n")})
    finding = run(cost_tracking, root)
    assert (finding.status, finding.credit) == (Status.WARN, Credit.ENFORCED)
    assert finding.message == ("token usage is read (app/llm.py:8) but not logged, stored or "
                               "exported as a metric")
    assert where(finding) == ["app/llm.py:8"]


def test_no_token_records_fails(make_project: MakeProject) -> None:
    finding = run(cost_tracking, make_project(fx.BARE_PILOT))
    assert finding.status is Status.FAIL
    assert finding.message == "token usage and cost are not recorded per request"
    assert run(cost_tracking, make_project(fx.NO_LLM)).status is Status.NOT_APPLICABLE


# ---- monitoring ---------------------------------------------------------------------------


def test_prometheus_and_otel_setup_pass_monitoring(make_project: MakeProject) -> None:
    finding = run(monitoring, make_project(fx.HARDENED))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == ("metrics or traces are emitted: Prometheus (app/metrics.py:3), "
                               "OpenTelemetry (app/telemetry.py:8)")
    assert where(finding) == ["app/metrics.py:3", "app/telemetry.py:8"]


def test_cloudwatch_alarms_show_metrics_are_collected(make_project: MakeProject) -> None:
    finding = run(monitoring, make_project(fx.BEDROCK_BATCH))
    assert finding.status is Status.PASS
    assert finding.message == "metrics or traces are emitted: CloudWatch (serverless.yml:24)"


def test_sentry_init_and_ddtrace_run_pass(make_project: MakeProject) -> None:
    root = make_project({
        **fx.NO_LLM,
        "app/errors.py": "import sentry_sdk\n\nsentry_sdk.init(dsn='https://k@o1.ingest/1')\n",
        "Dockerfile": "FROM python:3.11\nCMD [\"ddtrace-run\", \"gunicorn\", \"app:app\"]\n",
    })
    finding = run(monitoring, root)
    assert finding.status is Status.PASS
    assert finding.message == ("metrics or traces are emitted: Datadog (Dockerfile:2), "
                               "Sentry (app/errors.py:3)")


def test_monitoring_import_alone_warns(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT,
                         "app/metrics.py": "import prometheus_client  # TODO metrics\n"})
    finding = run(monitoring, root)
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)
    assert finding.message == ("prometheus_client is imported (app/metrics.py:1) but no metric, "
                               "exporter or initialisation was found")
    assert where(finding) == ["app/metrics.py:1"]


def test_collections_counter_is_not_a_metric(make_project: MakeProject) -> None:
    root = make_project({**fx.NO_LLM, "app/words.py": (
        "from collections import Counter\n\nSEEN = Counter('invoice')\n")})
    finding = run(monitoring, root)
    assert finding.status is Status.FAIL
    assert finding.message == ("no metrics or traces are emitted (no OpenTelemetry, Prometheus, "
                               "Datadog, Sentry, Langfuse or LangSmith set-up found)")


def test_monitoring_applies_without_llm_and_lookalikes_fail(make_project: MakeProject) -> None:
    assert run(monitoring, make_project(fx.NO_LLM)).status is Status.FAIL
    assert run(monitoring, make_project(fx.LOOKALIKES)).status is Status.FAIL


# ---- alerting -----------------------------------------------------------------------------


def test_prometheus_rules_for_all_three_pass(make_project: MakeProject) -> None:
    finding = run(alerting, make_project(fx.HARDENED))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == "alert rules cover error rate, latency and cost"
    assert where(finding) == ["ops/alerts.yml:4", "ops/alerts.yml:8", "ops/alerts.yml:11"]
    assert [e.note for e in finding.evidence] == ["error rate", "latency", "cost"]


def test_cloudwatch_alarms_without_cost_warn(make_project: MakeProject) -> None:
    finding = run(alerting, make_project(fx.BEDROCK_BATCH))
    assert (finding.status, finding.credit) == (Status.WARN, Credit.ENFORCED)
    assert finding.message == "alert rules cover error rate and latency but not cost"
    assert where(finding) == ["serverless.yml:24", "serverless.yml:35"]


TERRAFORM_MONITORS = '''\
resource "datadog_monitor" "llm_errors" {
  name    = "LLM error rate"
  type    = "query alert"
  query   = "sum(last_5m):sum:llm.requests{status:error}.as_count() > 50"
  message = "Latency and cost are fine, errors are not @pagerduty"
}

resource "aws_cloudwatch_metric_alarm" "bedrock_latency" {
  alarm_name          = "bedrock-p95"
  namespace           = "AWS/Bedrock"
  metric_name         = "InvocationLatency"
  extended_statistic  = "p95"
  threshold           = 20000
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
}

resource "aws_budgets_budget" "llm" {
  name         = "llm-monthly"
  budget_type  = "COST"
  limit_amount = "12000"
  limit_unit   = "USD"
  time_unit    = "MONTHLY"
}
'''


def test_terraform_monitors_alarms_and_budgets_classified(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "infra/monitors.tf": TERRAFORM_MONITORS})
    finding = run(alerting, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["infra/monitors.tf:1", "infra/monitors.tf:8",
                              "infra/monitors.tf:18"]


def test_grafana_and_datadog_json_and_helm_rules(make_project: MakeProject) -> None:
    root = make_project({
        **fx.BARE_PILOT,
        "grafana/provisioning/alerting/llm.yaml": (
            "apiVersion: 1\ngroups:\n  - orgId: 1\n    name: llm\n    folder: AI\n"
            "    interval: 1m\n    rules:\n      - uid: llm-latency\n"
            "        title: LLM p95 latency\n        condition: C\n        data:\n"
            "          - refId: A\n            model:\n"
            "              expr: histogram_quantile(0.95, rate(llm_seconds_bucket[5m]))\n"
            "        execErrState: Error\n"),
        "monitors/cost.json": ('{\n  "name": "LLM spend",\n  "type": "metric alert",\n'
                               '  "query": "sum(last_1h):sum:llm.cost_usd{*} > 50",\n'
                               '  "message": "error budget notes"\n}\n'),
        "chart/templates/rules.yaml": (
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n"
            "  name: {{ include \"app.fullname\" . }}\nspec:\n  groups:\n    - name: llm\n"
            "      rules:\n        {{- if .Values.alerts.enabled }}\n"
            "        - alert: LLMErrors\n"
            "          expr: rate(llm_failures_total[5m]) > {{ .Values.alerts.errors }}\n"
            "        {{- end }}\n"),
    })
    finding = run(alerting, root)
    assert finding.status is Status.PASS
    assert where(finding) == ["chart/templates/rules.yaml:10",
                              "grafana/provisioning/alerting/llm.yaml:9",
                              "monitors/cost.json:3"]


def test_rules_on_other_things_warn(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "ops/rules.yml": (
        "groups:\n  - name: disk\n    rules:\n      - alert: DiskAlmostFull\n"
        "        expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1\n")})
    finding = run(alerting, root)
    assert finding.status is Status.WARN
    assert finding.message == "1 alert rule(s) found but none on error rate, latency and cost"
    assert where(finding) == ["ops/rules.yml:4"]


def test_alerting_url_with_owner_is_documented(make_project: MakeProject) -> None:
    root = make_project({**fx.BARE_PILOT, "readiness.yaml": (
        "version: 1\nevidence:\n  alerting: {url: 'https://grafana.example.com/d/llm', "
        "owner: sre-oncall}\n")})
    finding = run(alerting, root)
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert where(finding) == ["readiness.yaml:3"]


def test_no_alert_rules_fails_and_comments_do_not_count(make_project: MakeProject) -> None:
    finding = run(alerting, make_project(fx.LOOKALIKES))
    assert finding.status is Status.FAIL
    assert finding.message == ("no alert rules found (Prometheus rules, Grafana alerting, "
                               "Datadog monitors, CloudWatch alarms)")
    assert finding.evidence == ()


def test_without_llm_alerting_is_not_applicable(make_project: MakeProject) -> None:
    """Alerting here is about model traffic: an application without model calls is not
    judged, even with alert rules of its own (issue 20)."""
    root = make_project({**fx.NO_LLM, "ops/alerts.yml": (
        "groups:\n  - name: api\n    rules:\n      - alert: HighErrorRate\n"
        "        expr: rate(http_requests_total{status=~\"5..\"}[5m]) > 1\n")})
    finding = run(alerting, root)
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.message == NO_LLM_MESSAGE


def test_alert_rules_are_shared_once_per_run(make_project: MakeProject) -> None:
    project = Project(make_project(fx.HARDENED))
    assert alert_rules(project) is alert_rules(project)
    assert [(r.name, sorted(r.covers)) for r in alert_rules(project)] == [
        ("LLMHighErrorRate", ["error rate"]), ("LLMSlowResponses", ["latency"]),
        ("LLMTokenSpendSpike", ["cost"])]


CDK_ALARM = """\
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

new cloudwatch.Alarm(this, 'LlmSlow', {
  metric: llmLatency,
  threshold: 20000,
  evaluationPeriods: 3,
});
"""


def test_warm_run_reads_no_unchanged_file(make_project: MakeProject, tmp_path: Path) -> None:
    """Log statements, token records and alarms in code are judged once per file content."""
    root = make_project({**fx.HARDENED, "infra/stack.ts": CDK_ALARM})
    config = load_config(root)

    def analyse(project: Project) -> tuple[object, ...]:
        return (request_logging.run(project, config), cost_tracking.run(project, config),
                alert_rules(project))

    result = cold_then_warm(root, tmp_path / "cache", analyse)
    assert result.cold == result.warm
    logged, costs, rules = result.warm
    assert where(logged) == ["app/llm.py:23", "app/llm.py:30"]
    assert [e.note for e in logged.evidence] == ["request, id", "response"]
    assert where(costs) == ["app/llm.py:27", "app/llm.py:28"]
    assert [(r.path, r.line, r.system, r.covers) for r in rules
            if r.path == "infra/stack.ts"] == [
        ("infra/stack.ts", 3, "CloudWatch", frozenset({"latency"}))]
    assert result.read == []


def test_usage_only_compared_with_a_limit_is_not_recorded(make_project: MakeProject) -> None:
    # devchat 0.3.0: the prompt's token count is checked against the remaining budget, the
    # usage of the last response kept for that check only (the check crashed: KeyError 'cap')
    root = make_project({"app/prompt.py": '''\
from openai import OpenAI

client = OpenAI(timeout=30, max_retries=3)


class Prompt:
    def __init__(self):
        self._request_tokens = 0

    def append(self, message, token_limit):
        num_tokens = len(message) // 4
        if num_tokens > token_limit - self._request_tokens:
            return False
        return True

    def ask(self, question):
        response = client.chat.completions.create(model="m", messages=[])
        self._request_tokens = response.usage.prompt_tokens
        return response.choices[0].message.content
'''})
    finding = run(cost_tracking, root)
    assert finding.status is Status.WARN, finding.message
    assert finding.message == ("token usage is compared with a limit (app/prompt.py:12) but "
                               "not logged, stored or exported as a metric")


def test_every_place_usage_can_go_has_words() -> None:
    from readiness.checks.infrastructure import observability
    from readiness.checks.infrastructure.llmtraffic import RECORDING

    from readiness.llmcalls.traffic import SINK_KINDS
    assert set(SINK_KINDS) <= set(observability._KEPT) | set(RECORDING)


def test_a_plain_id_in_the_request_log_is_no_request_id(make_project: MakeProject) -> None:
    # Open WebUI: a warning that names the user (user.id) before the call is no request id;
    # there is no response id before the call, and the user is whose request it is
    client = '''\
import structlog
from anthropic import Anthropic

log = structlog.get_logger()
client = Anthropic(timeout=30)


def classify(ticket: str, user) -> str:
    log.warning("classifying", prompt=ticket, user=user.id)
    message = client.messages.create(model="claude-3-5-haiku-latest", max_tokens=50,
                                     messages=[{"role": "user", "content": ticket}])
    log.info("llm.response", output=message.content[0].text)
    return message.content[0].text


def classify_traced(ticket: str, request_id: str) -> str:
    log.info("llm.request", prompt=ticket, request_id=request_id)
    message = client.messages.create(model="claude-3-5-haiku-latest", max_tokens=50,
                                     messages=[{"role": "user", "content": ticket}])
    log.info("llm.response", output=message.content[0].text, id=message.id)
    return message.content[0].text
'''
    finding = run(request_logging, make_project({"app/triage.py": client}))
    assert finding.status is Status.PASS  # the second function logs ids on both sides
    cited = {e.line: e.note for e in finding.evidence}
    assert cited.get(9) != "request, id"  # the user's id is not a request id
    only_user = client.split("\n\ndef classify_traced")[0] + "\n"
    finding = run(request_logging, make_project({"app/triage.py": only_user}))
    assert finding.status is Status.WARN
    assert finding.message == "LLM requests and responses are logged but without a request id"
    # the same on the response's side: the user's id beside the answer is not its id, the
    # answer's own id is
    users = only_user.replace('output=message.content[0].text)',
                              'output=message.content[0].text, user=user.id)')
    finding = run(request_logging, make_project({"app/triage.py": users}))
    assert finding.message == "LLM requests and responses are logged but without a request id"
    answers = only_user.replace('output=message.content[0].text)',
                                'output=message.content[0].text, answer=message.id)')
    finding = run(request_logging, make_project({"app/triage.py": answers}))
    assert finding.message == "LLM requests and responses are logged with a request id"


def test_the_logger_a_request_was_built_with_is_not_a_logged_request(
        make_project: MakeProject) -> None:
    # GraphRAG's prompt tuning: the documents of the request are loaded with the logger
    # (load_docs(..., logger=logger)), and the function logs constant progress messages
    # with it; those log no value the request is built from. Logging the documents does.
    app = '''\
import logging

from openai import OpenAI

logger = logging.getLogger(__name__)
client = OpenAI(timeout=30)


def load_docs(path, limit, logger):
    if limit < 1:
        logger.warning("limit out of range")
    return open(path).read()[:limit]


def tune(path, limit):
    logger.info("Chunking documents...")
    docs = load_docs(path, limit, logger=logger)
    logger.info("Generating domain...")
    answer = client.chat.completions.create(model="gpt-4o-mini", messages=[
        {"role": "user", "content": docs}])
    logger.info("domain: %s", answer.choices[0].message.content)
    return answer
'''
    finding = run(request_logging, make_project({"app/tune.py": app}))
    assert finding.message == "LLM responses are logged but requests are not; no request id is " \
                              "logged with them"
    logged = app.replace('    logger.info("Generating domain...")\n',
                         '    logger.info("Generating domain for %s", docs)\n')
    finding = run(request_logging, make_project({"app/tune.py": logged}))
    assert finding.message == "LLM requests and responses are logged but without a request id"
    assert [e.line for e in finding.evidence if "request" in (e.note or "")] == [18]


def test_a_select_keeps_no_usage(make_project: MakeProject) -> None:
    # graphiti's response cache reads with execute('SELECT ...'): a query that only reads
    # stores nothing, whatever it is given; an INSERT of the usage stores it
    app = '''\
import sqlite3

from openai import OpenAI

client = OpenAI(timeout=30)
conn = sqlite3.connect("cache.db")


def ask(prompt):
    response = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
    tokens = response.usage.total_tokens
    conn.execute("SELECT value FROM cache WHERE tokens = ?", (tokens,))
    return response.choices[0].message.content
'''
    finding = run(cost_tracking, make_project({"app/llm.py": app}))
    assert finding.status is Status.WARN
    assert "app/llm.py:13" not in where(finding)
    inserted = app.replace('"SELECT value FROM cache WHERE tokens = ?"',
                           '"INSERT INTO usage (tokens) VALUES (?)"')
    finding = run(cost_tracking, make_project({"app/llm.py": inserted}))
    assert finding.status is Status.PASS
    assert where(finding) == ["app/llm.py:13"]


def test_sql_that_only_reads() -> None:
    import ast

    from readiness.llmcalls.traffic_rules import reads_only

    def call(code: str) -> ast.Call:
        node = ast.parse(code).body[0]
        assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
        return node.value

    assert reads_only(call('cur.execute("SELECT value FROM cache WHERE key = ?", (k,))'))
    assert reads_only(call('db.execute(text("select 1"))'))
    assert reads_only(call('cur.execute("WITH t AS (SELECT 1) SELECT * FROM t")'))
    # a common table expression that writes, and plain writes, store
    assert not reads_only(call(
        'cur.execute("WITH u AS (SELECT ?) INSERT INTO usage SELECT * FROM u", (n,))'))
    assert not reads_only(call('cur.execute("INSERT INTO usage (tokens) VALUES (?)", (n,))'))
    assert not reads_only(call('cur.execute(query, (n,))'))  # SQL not written out


# mle-agent 0.4.2 (mle/model/openai.py): the SDK is imported by name, never by an import
# statement; the call-site index follows it to the client and its call
IMPORTED_BY_NAME = {"mle/__init__.py": "", "mle/model/__init__.py": "", "mle/model/openai.py": '''\
import importlib.util
import os


class OpenAIModel:
    def __init__(self, api_key, model):
        dependency = "openai"
        spec = importlib.util.find_spec(dependency)
        if spec is not None:
            self.openai = importlib.import_module(dependency).OpenAI
        else:
            raise ImportError("pip install openai")
        self.model = model
        self.client = self.openai(api_key=api_key, base_url=os.getenv("OPENAI_BASE_URL"))

    def query(self, chat_history):
        completion = self.client.chat.completions.create(model=self.model,
                                                         messages=chat_history)
        return completion.choices[0].message.content
'''}


def test_an_sdk_imported_by_name_is_llm_usage(make_project: MakeProject) -> None:
    root = make_project(IMPORTED_BY_NAME)
    for check in (request_logging, cost_tracking, alerting):
        finding = run(check, root)
        assert finding.status is Status.FAIL, (check, finding.message)
    assert "mle/model/openai.py" in str(run(request_logging, root).evidence[0])
