"""Observability of LLM calls: request/response logs, token and cost records, monitoring,
alerting. The monitoring set-ups (``monitors``) and alert rules (``alertrules``) these checks
read are found in the modules beside this one."""

from __future__ import annotations

import re

from readiness.config import Config
from readiness.model import (
    Credit,
    Evidence,
    Finding,
    Gap,
    check,
    failed,
    not_applicable,
    passed,
    warned,
)
from readiness.project import Project, importscan, llmtracing, llmusage, signals
from readiness.project.configfiles import config_index
from readiness.project.signals import Hit, Source, at_lines, query_name, statement_at

from .alertrules import alert_rules
from .monitors import MONITOR_MODULES, monitor_setups

_LOG_CALL = re.compile(r"\b[\w.]*(?:log|logger|LOG|LOGGER|logging)(?:\.bind\([^()\n]*\))?"
                       r"\.(?:debug|info|warning|warn|error|exception|critical|msg|log)\(")
_LOG_ANCHORS = (".debug(", ".info(", ".warning(", ".warn(", ".error(", ".exception(",
                ".critical(", ".msg(", ".log(")
_REQUEST = re.compile(r"(?i)(?<![a-z])(?:prompt(?!_tokens)|messages|request(?![_ ]?id)|input|"
                      r"query|question|payload|sending|calling)(?![a-z])")
_RESPONSE = re.compile(r"(?i)(?<![a-z])(?:response|completion(?!_tokens)|output|result|answer|"
                       r"reply|choices|received|generated)(?![a-z])")
_ID = re.compile(r"(?i)(?<![a-z])(?:request_?id|req_id|trace_?id|correlation_?id|span_id|run_id|"
                 r"call_id|x-request-id)(?![a-z])")
_ID_CONTEXT = re.compile(r"\bbind_contextvars\([^)]*\b(?:request_id|trace_id|correlation_id)|"
                         r"\bCorrelationIdMiddleware\b|\bRequestIdMiddleware\b|"
                         r"\basgi_correlation_id\b|\.bind\([^)]*\b(?:request_id|trace_id|"
                         r"correlation_id)\s*=")


@check(
    code="INF005",
    gap=Gap.INFRASTRUCTURE,
    title="Is every LLM request and response logged with a request id?",
    remediation="Log each model request and response with a request id (structlog or logging "
                "with request_id), or trace calls with LangSmith, Langfuse or OpenTelemetry.",
)
def request_logging(project: Project, config: Config) -> Finding:
    """What it checks:
    LLM tracing that records both sides of every call (LangSmith with
    `LANGCHAIN_TRACING_V2`/`LANGSMITH_TRACING` or `@traceable`, Langfuse, Helicone,
    OpenTelemetry GenAI instrumentors, OpenLLMetry `Traceloop.init`, litellm success
    callbacks), or else logging calls in the files that talk to a model: one that logs the
    request (prompt, messages, input), one that logs the response (output, completion,
    answer), and a request id (request_id, trace_id, correlation id) in the log call, bound
    to the logger, or set for every log by middleware. `evidence.request-logging` in
    readiness.yaml is used when code shows neither.

    Why it matters:
    When a user reports a wrong answer, the request and the response are the only way to
    find out why; without an id nobody can pair them in production's interleaved logs.

    How to fix:
    Turn on LangSmith or Langfuse tracing, or log `llm.request` and `llm.response` events
    with a request id bound to the logger (structlog `bind_contextvars(request_id=...)`).
    """
    usage = llmusage.llm_usage(project)
    if not usage:
        return not_applicable(llmusage.NO_LLM)
    traced = signals.first_per_kind(llmtracing.tracing(project))
    if traced:
        return passed(f"LLM requests and responses are traced by {signals.vendors(traced)}, "
                      "each call with its trace id", *(h.evidence() for h in traced))
    files = llmusage.llm_files(project)
    # a log call never spans lines: the anchor's own line is the whole window (window=0)
    logs = list(signals.search(project, _LOG_CALL, anchors=_LOG_ANCHORS, window=0,
                               within=files))
    if not logs:
        where = usage[0]
        return signals.code_or_config(project, config, "request-logging", None, failed(
            f"LLM calls ({where.path}) are not logged: no request/response logging or "
            "LLM tracing (LangSmith, Langfuse, Helicone, OpenTelemetry) found",
            where.evidence()))
    sides: dict[str, Hit] = {}
    bound = {h.path: h for h in signals.search(project, _ID_CONTEXT, anchors=(
        "bind_contextvars(", "IdMiddleware", "asgi_correlation_id", ".bind("))}
    named = at_lines(project, logs, query_name("observability.log_sides/1", _SIDES), _log_sides)
    for hit in logs:
        for side in named.get((hit.path, hit.line), ()):
            sides.setdefault(side, hit)
    if "id" not in sides and bound:
        sides["id"] = bound.get(logs[0].path) or next(iter(bound.values()))
    notes: dict[tuple[str, int], list[str]] = {}
    for side in ("request", "response", "id"):
        if side in sides:
            notes.setdefault((sides[side].path, sides[side].line), []).append(side)
    found = [Evidence(path, line, ", ".join(n)) for (path, line), n in notes.items()]
    if len(sides) == 3:
        return passed("LLM requests and responses are logged with a request id", *found)
    logged = [s for s in ("request", "response") if s in sides]
    unlogged = [s + "s" for s in ("request", "response") if s not in sides]
    if len(logged) == 2:
        message = "LLM requests and responses are logged but without a request id"
    elif logged:
        message = (f"LLM {logged[0]}s are logged but {unlogged[0]} are not"
                   + ("" if "id" in sides else "; no request id is logged with them"))
    else:
        message = (f"files that call a model log ({logs[0].path}:{logs[0].line}) but neither "
                   "the request nor the response" + ("" if "id" in sides else
                                                     ", and no request id"))
    partial = warned(message, *(found or [logs[0].evidence()]), credit=Credit.ENFORCED)
    return signals.code_or_config(project, config, "request-logging", partial, partial)


_SIDES = (("request", _REQUEST.pattern), ("response", _RESPONSE.pattern), ("id", _ID.pattern))


def _log_sides(src: Source, line: int) -> tuple[str, ...]:
    """What the log call's statement at ``line`` names: the request, the response, an id."""
    text = statement_at(src, line)
    return tuple(side for side, pattern in (("request", _REQUEST), ("response", _RESPONSE),
                                            ("id", _ID)) if pattern.search(text))


_TOKENS = re.compile(r"(?:\.|\[[\"'])(?:prompt_tokens|completion_tokens|input_tokens|"
                     r"output_tokens|total_tokens|prompt_token_count|candidates_token_count|"
                     r"total_token_count|inputTokens|outputTokens|promptTokens|"
                     r"completionTokens|totalTokens)\b")
_RECORD = re.compile(r"\b[\w.]*(?:log|logger|LOG|logging)\w*\.(?:debug|info|warning|error|msg)\(|"
                     r"\.(?:inc|observe|add|record|set|labels|increment|gauge|histogram|"
                     r"execute|insert|insert_one|put_item|save|write|emit|track)\(|"
                     r"\bstatsd\b|\bspan\.set_attribute\(")
_COST = re.compile(r"\bcompletion_cost\(|\bresponse_cost\b|\bcost_per_token\(|"
                   r"\bget_openai_callback\(|\bcalculate_(?:prompt|completion)_cost\(")
_COST_CONFIG = re.compile(r"^general_settings\.database_url$")


@check(
    code="INF006",
    gap=Gap.INFRASTRUCTURE,
    title="Is token usage and cost recorded for every request?",
    remediation="Record each response's token usage (usage.prompt_tokens/completion_tokens) "
                "as a metric or log field, or use litellm completion_cost or Langfuse cost "
                "tracking.",
)
def cost_tracking(project: Project, config: Config) -> Finding:
    """What it checks:
    Token usage read from responses (`usage.prompt_tokens`, `input_tokens`,
    `total_tokens`, Gemini `usage_metadata` counts, Bedrock `inputTokens`) and recorded
    within a couple of lines: a log call, a metric (`.inc`, `.observe`, `.record`), a
    database write. Cost computed by litellm (`completion_cost`, `response_cost`),
    LangChain's `get_openai_callback`, tokencost, or recorded by an LLM tracing service
    (Langfuse, LangSmith, Helicone, OpenTelemetry GenAI instrumentation, a litellm proxy
    with a spend database) also passes. Token counts read but never recorded warn.

    Why it matters:
    A $10/day pilot becomes $10,000/day at production volume; without per-request token
    and cost records, a runaway prompt or a retry storm shows up only on the invoice.

    How to fix:
    Emit a token counter per model and kind (prompt, completion) from the one place that
    calls the model, or log the usage with the request id; better, let Langfuse or
    litellm compute the cost per request.
    """
    if not llmusage.uses_llm(project):
        return not_applicable(llmusage.NO_LLM)
    recorders = signals.first_per_kind(llmtracing.tracing(project))
    costs = list(signals.search(project, _COST, anchors=("_cost", "cost_per_token(",
                                                          "get_openai_callback(")))
    spend_db = [Hit(e.path, e.line, "", "litellm spend logs") for e in
                config_index(project).find(_COST_CONFIG)]
    reads = list(signals.search(project, _TOKENS, anchors=("_token", "Tokens")))
    kept = at_lines(project, reads, query_name("observability.recorded/1", _RECORD.pattern),
                    _recorded)
    recorded = [h for h in reads if kept.get((h.path, h.line))]
    if recorded or costs or recorders or spend_db:
        evidence = [h.evidence() for h in (recorded[:2] + costs[:1] + recorders + spend_db)]
        how = ([f"by {signals.vendors(recorders)}"] if recorders else []) + \
              (["with litellm's spend database"] if spend_db else []) + \
              (["in code"] if recorded or costs else [])
        return passed(f"token usage and cost are recorded per request {' and '.join(how)}",
                      *evidence)
    partial = warned(f"token usage is read ({reads[0].path}:{reads[0].line}) but not "
                     "logged, stored or exported as a metric", reads[0].evidence(),
                     credit=Credit.ENFORCED) if reads else None
    return signals.code_or_config(project, config, "cost-tracking", partial, failed(
        "token usage and cost are not recorded per request"))


def _recorded(src: Source, line: int) -> bool:
    """Is a token count read at ``line`` recorded within two lines of it?"""
    around = "\n".join(src.line(n) for n in range(line - 2, line + 3))
    return _RECORD.search(around) is not None


@check(
    code="INF007",
    gap=Gap.INFRASTRUCTURE,
    title="Are metrics or traces emitted to a monitoring system?",
    remediation="Initialise a monitoring SDK at start-up (OpenTelemetry, Prometheus metrics, "
                "Datadog, Sentry) or an LLM tracing service such as Langfuse or LangSmith.",
)
def monitoring(project: Project, config: Config) -> Finding:
    """What it checks:
    An initialisation or a metric definition, not just an import: an OpenTelemetry
    `TracerProvider`/`MeterProvider` or instrumentor, Prometheus metrics
    (`Counter("name", ...)`, `start_http_server`, `make_asgi_app`), Datadog (`patch_all`,
    `ddtrace-run`, DogStatsD), `sentry_sdk.init`, New Relic, Logfire, Lambda Powertools,
    an OpenTelemetry collector or `OTEL_EXPORTER_OTLP_ENDPOINT` in config, LLM tracing
    (Langfuse, LangSmith, Helicone) and alert rules on metrics (CloudWatch, Prometheus,
    Datadog). A monitoring library that is imported but never set up warns.

    Why it matters:
    In production nobody watches the terminal: without metrics or traces, errors, latency
    and cost drift are invisible until users complain.

    How to fix:
    Initialise the SDK where the app starts, export request, error, latency and token
    metrics, and send traces to a backend someone looks at.
    """
    found = monitor_setups(project)
    found += llmtracing.tracing(project)
    found += [Hit(r.path, r.line, r.name, r.system) for r in alert_rules(project)]
    if found:
        listed, evidence = signals.listing(found)
        return passed(f"metrics or traces are emitted: {listed}", *evidence)
    weak = importscan.imports_of(project, *MONITOR_MODULES)
    partial = warned(f"{weak[0].module} is imported ({weak[0].path}:{weak[0].line}) but no "
                     "metric, exporter or initialisation was found", Evidence(weak[0].path,
                                                                              weak[0].line),
                     credit=Credit.CLAIMED) if weak else None
    return signals.code_or_config(project, config, "monitoring", partial, failed(
        "no metrics or traces are emitted (no OpenTelemetry, Prometheus, Datadog, Sentry, "
        "Langfuse or LangSmith set-up found)"))



@check(
    code="INF008",
    gap=Gap.INFRASTRUCTURE,
    title="Are there alert rules for error rate, latency and cost?",
    remediation="Add alert rules on the LLM error rate, p95 latency and token spend "
                "(Prometheus rules, Grafana alerting, Datadog monitors or CloudWatch alarms) "
                "and commit them.",
)
def alerting(project: Project, config: Config) -> Finding:
    """What it checks:
    Committed alert rules: Prometheus rule files and PrometheusRule resources, Grafana
    alerting provisioning, Datadog monitors (Terraform `datadog_monitor`, JSON exports),
    CloudWatch alarms (Terraform, CloudFormation, serverless.yml, CDK), Google, Azure,
    New Relic and Sentry alert resources. Each rule is classified by its name and
    expression: error rate (errors, 5xx, failures, throttles), latency (latency,
    duration, quantiles) and cost (cost, spend, tokens, budgets). All three pass (cost
    only when the repository uses an LLM); some warn and name what is missing.
    Without rules, `evidence.alerting` in readiness.yaml (a URL with an owner) counts as
    documented.

    Why it matters:
    Dashboards are looked at after the fact; alerts wake someone when the provider
    starts failing, responses slow down or a loop burns the budget overnight.

    How to fix:
    Write alert rules on the error rate, p95 latency and token spend of model calls, with
    thresholds from the pilot's telemetry, and keep them in the repository.
    """
    rules = alert_rules(project)
    needed = ("error rate", "latency", "cost") if llmusage.uses_llm(project) else \
        ("error rate", "latency")
    covered = {c: next((r for r in rules if c in r.covers), None) for c in needed}
    have = [c for c in needed if covered[c]]
    evidence = [r.evidence(c) for c, r in covered.items() if r is not None]
    if rules and len(have) == len(needed):
        return passed(f"alert rules cover {_and(have)}", *evidence)
    if have:
        missing = [c for c in needed if c not in have]
        partial = warned(f"alert rules cover {_and(have)} but not {_and(missing)}", *evidence,
                         credit=Credit.ENFORCED)
    elif rules:
        partial = warned(f"{len(rules)} alert rule(s) found but none on {_and(list(needed))}",
                         rules[0].evidence(), credit=Credit.ENFORCED)
    else:
        partial = None
    return signals.code_or_config(project, config, "alerting", partial, failed(
        "no alert rules found (Prometheus rules, Grafana alerting, Datadog monitors, "
        "CloudWatch alarms)"))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


CHECKS = (request_logging, cost_tracking, monitoring, alerting)
