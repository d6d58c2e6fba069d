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

from . import llmtraffic
from .alertrules import alert_rules
from .callsites import in_production, llm_files, llm_usage, uses_llm
from .monitors import MONITOR_MODULES, monitor_setups

_LOG_CALL = re.compile(r"\b[\w.]*(?:log|logger|LOG|LOGGER|logging)(?:\.bind\([^()\n]*\))?"
                       r"\.(?:debug|info|warning|warn|error|exception|critical|msg|log)\(")
_LOG_ANCHORS = signals.gate_words((".debug(", ".info(", ".warning(", ".warn(", ".error(",
                                   ".exception(", ".critical(", ".msg(", ".log("))
_REQUEST = re.compile(r"(?i)(?<![a-z])(?:prompt(?!_tokens)|messages|request(?![_ ]?id)|input|"
                      r"query|question|payload|sending|calling)(?![a-z])")
_RESPONSE = re.compile(r"(?i)(?<![a-z])(?:response|completion(?!_tokens)|output|result|answer|"
                       r"reply|choices|received|generated)(?![a-z])")
_ID = re.compile(r"(?i)(?<![a-z])(?:request_?id|req_id|trace_?id|correlation_?id|span_id|run_id|"
                 r"call_id|x-request-id)(?![a-z])")
_ID_CONTEXT_ANCHORS = signals.gate_words(("bind_contextvars(", "IdMiddleware",
                                           "asgi_correlation_id", ".bind("))
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
    prepare=llmtraffic.traffic_later,
)
def request_logging(project: Project, config: Config) -> Finding:
    """What it checks:
    LLM tracing that records both sides of every call (LangSmith with
    `LANGCHAIN_TRACING_V2`/`LANGSMITH_TRACING` or `@traceable`, Langfuse, Helicone; a
    `@traceable` or `@observe` counts on a function that calls the model, not on one seen
    doing other work such as a web search),
    OpenTelemetry GenAI instrumentors, OpenLLMetry `Traceloop.init`, litellm success
    callbacks), or else, for every production model call the call-site index finds, what
    its log calls carry: the request is logged when a log call in the calling function reads
    a value the request is built from (the prompt, the messages, followed back through
    assignments); the response is logged when the call's result, or something derived from
    it, reaches a log call, in the same function, in a helper it is passed to or in a caller
    it is returned to. Words in a log message or in a field's name do not count; values do.
    A request id is a log field or argument named like one (request_id, trace_id,
    correlation id, the response's own `id`), or an id bound to the logger for every log by
    middleware. Neither side logged fails; one side, or both without an id, warns. Code the
    index does not read (JavaScript, TypeScript) is judged by its log statements.
    `evidence.request-logging` in readiness.yaml is used when code shows neither.

    Why it matters:
    When a user reports a wrong answer, the request and the response are the only way to
    find out why; without an id nobody can pair them in production's interleaved logs.

    How to fix:
    Turn on LangSmith or Langfuse tracing, or log `llm.request` and `llm.response` events
    with a request id bound to the logger (structlog `bind_contextvars(request_id=...)`).
    """
    usage = llm_usage(project)
    if not usage:
        return not_applicable(llmusage.NO_LLM)
    traced = signals.first_per_kind(llmtraffic.llm_tracing(project))
    if traced:
        return passed(f"LLM requests and responses are traced by {signals.vendors(traced)}, "
                      "each call with its trace id", *(h.evidence() for h in traced))
    bound = [h for h in signals.search(project, _ID_CONTEXT, anchors=_ID_CONTEXT_ANCHORS)]
    if not llmtraffic.generation_sites(project):
        return _logging_by_text(project, config, usage[0], bound)
    seen = llmtraffic.logged(project)
    ids = list(seen.ids) or [h.evidence() for h in bound[:1]]
    notes: dict[tuple[str, int | None], list[str]] = {}
    for side, place in (("request", seen.request), ("response", seen.response),
                        ("id", ids[0] if ids else None)):
        if place is not None:
            notes.setdefault((place.path, place.line), []).append(side)
    found = [Evidence(path, line, ", ".join(n)) for (path, line), n in notes.items()]
    coverage = (f" ({seen.covered} of {seen.sites} model calls)" if seen.covered < seen.sites
                else "")
    if seen.request and seen.response and ids:
        return passed(f"LLM requests and responses are logged with a request id{coverage}",
                      *found)
    if seen.request and seen.response:
        partial = warned("LLM requests and responses are logged but without a request id"
                         + coverage, *found, credit=Credit.ENFORCED)
    elif seen.request or seen.response:
        side, other = ("request", "responses") if seen.request else ("response", "requests")
        partial = warned(f"LLM {side}s are logged but {other} are not"
                         + ("" if ids else "; no request id is logged with them"), *found,
                         credit=Credit.ENFORCED)
    else:
        first = llmtraffic.generation_sites(project)[0]
        return signals.code_or_config(project, config, "request-logging", None, failed(
            f"LLM calls are not logged: neither the request nor the result of "
            f"{first.path}:{first.line} (or of any other model call) reaches a log call, and "
            "no LLM tracing (LangSmith, Langfuse, Helicone, OpenTelemetry) is set up",
            Evidence(first.path, first.line, "request and result not logged")))
    return signals.code_or_config(project, config, "request-logging", partial, partial)


def _logging_by_text(project: Project, config: Config, where: Hit, bound: list[Hit]
                     ) -> Finding:
    """For code the call-site index does not read (JavaScript, TypeScript): log calls in
    the files that import a model SDK, and what their statements name."""
    files = llm_files(project)
    # a log call never spans lines: the anchor's own line is the whole window (window=0)
    logs = list(signals.search(project, _LOG_CALL, anchors=_LOG_ANCHORS, window=0,
                               within=files))
    missing = failed(f"LLM calls ({where.path}) are not logged: no request/response logging "
                     "or LLM tracing (LangSmith, Langfuse, Helicone, OpenTelemetry) found",
                     where.evidence())
    if not logs:
        return signals.code_or_config(project, config, "request-logging", None, missing)
    sides: dict[str, Hit] = {}
    named = at_lines(project, logs, query_name("observability.log_sides/1", _SIDES), _log_sides)
    for hit in logs:
        for side in named.get((hit.path, hit.line), ()):
            sides.setdefault(side, hit)
    if "id" not in sides and bound:
        by_path = {h.path: h for h in bound}
        sides["id"] = by_path.get(logs[0].path) or bound[0]
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
        return signals.code_or_config(project, config, "request-logging", None, missing)
    partial = warned(message, *found, credit=Credit.ENFORCED)
    return signals.code_or_config(project, config, "request-logging", partial, partial)


_SIDES = (("request", _REQUEST.pattern), ("response", _RESPONSE.pattern), ("id", _ID.pattern))


def _log_sides(src: Source, line: int) -> tuple[str, ...]:
    """What the log call's statement at ``line`` names: the request, the response, an id."""
    text = statement_at(src, line)
    return tuple(side for side, pattern in (("request", _REQUEST), ("response", _RESPONSE),
                                            ("id", _ID)) if pattern.search(text))


_TOKENS_ANCHORS = signals.gate_words(("_token", "Tokens"))
_TOKENS = re.compile(r"(?:\.|\[[\"'])(?:prompt_tokens|completion_tokens|input_tokens|"
                     r"output_tokens|total_tokens|prompt_token_count|candidates_token_count|"
                     r"total_token_count|inputTokens|outputTokens|promptTokens|"
                     r"completionTokens|totalTokens)\b")
_RECORD = re.compile(r"\b[\w.]*(?:log|logger|LOG|logging)\w*\.(?:debug|info|warning|error|msg)\(|"
                     r"\.(?:inc|observe|add|record|set|labels|increment|gauge|histogram|"
                     r"execute|insert|insert_one|put_item|save|write|emit|track)\(|"
                     r"\bstatsd\b|\bspan\.set_attribute\(")
_COST_ANCHORS = signals.gate_words(("_cost", "cost_per_token(", "get_openai_callback("))
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
    Where the token usage of each production model call goes, followed from the call's
    result: `usage`, `usage_metadata`, `prompt_tokens`, `input_tokens`, a `*cost*` or
    `*tokens*` function of the result, LangChain's `get_openai_callback`, litellm's
    `completion_cost`. Usage that reaches a log call (any field layout), a metric
    (`.inc`, `.observe`, `.record`, a span attribute) or a database write (`execute`,
    `insert`, `session.add` of a record built from it), in the same function, in a helper
    it is passed to (another module too) or in a caller it is returned to, passes. Usage
    only read, shown to the user (`print`, `st.write`) or kept in memory warns. LLM tracing
    that records cost (Langfuse, LangSmith, Helicone, OpenTelemetry GenAI, a litellm proxy
    with a spend database) passes. Code the call-site index does not read (JavaScript,
    TypeScript) is judged by token fields recorded within two lines of where they are read.

    Why it matters:
    A $10/day pilot becomes $10,000/day at production volume; without per-request token
    and cost records, a runaway prompt or a retry storm shows up only on the invoice.

    How to fix:
    Emit a token counter per model and kind (prompt, completion) from the one place that
    calls the model, or log the usage with the request id; better, let Langfuse or
    litellm compute the cost per request.
    """
    if not uses_llm(project):
        return not_applicable(llmusage.NO_LLM)
    recorders = signals.first_per_kind(llmtraffic.llm_tracing(project))
    spend_db = [Hit(e.path, e.line, "", "litellm spend logs") for e in
                config_index(project).find(_COST_CONFIG)]
    if recorders or spend_db:
        how = ([f"by {signals.vendors(recorders)}"] if recorders else []) + \
              (["with litellm's spend database"] if spend_db else [])
        return passed(f"token usage and cost are recorded per request {' and '.join(how)}",
                      *(h.evidence() for h in recorders + spend_db))
    if not llmtraffic.generation_sites(project):
        return _cost_by_text(project, config)
    flow = llmtraffic.usage_flow(project)
    if flow.recorded:
        coverage = (f" ({flow.covered} of {flow.sites} model calls)"
                    if flow.covered < flow.sites else "")
        return passed("token usage and cost are recorded per request in code" + coverage,
                      *(Evidence(s.path, s.line, f"usage {_VERB[s.kind]} by {s.label}")
                        for s in flow.recorded[:3]))
    partial = None
    if flow.unrecorded:
        first = flow.unrecorded[0]
        partial = warned(f"token usage is {_KEPT[first.kind]} ({first.path}:{first.line}) "
                         "but not logged, stored or exported as a metric",
                         *(Evidence(s.path, s.line, _KEPT[s.kind])
                                     for s in flow.unrecorded[:3]), credit=Credit.ENFORCED)
    else:
        partial = _cost_helper(project)
    return signals.code_or_config(project, config, "cost-tracking", partial, failed(
        "token usage and cost are not recorded per request"))


_VERB = {"log": "logged", "metric": "exported", "store": "stored"}
_KEPT = {"read": "read", "ui": "shown to the user", "attr": "kept in memory",
         "log": "logged", "metric": "exported", "store": "stored", "file": "written to a file",
         "cap": "compared with a limit"}  # every traffic.SINK_KINDS (a test says so)


def _cost_helper(project: Project) -> Finding | None:
    """A cost helper the usage flow does not reach (codedog runs its chains inside ``with
    get_openai_callback() as cb:`` in a module with no model call of its own, and hands
    ``cb.total_cost`` to the report it posts on the pull request): the cost is computed,
    where it goes is not seen. A warning, not a pass."""
    costs = [h for h in _cost_calls(project) if in_production(project, h.path)]
    if not costs:
        return None
    return warned(f"the cost of model calls is computed ({costs[0].path}:{costs[0].line}) but "
                  "not seen logged, stored or exported as a metric", costs[0].evidence(),
                  credit=Credit.ENFORCED)


def _cost_calls(project: Project) -> list[Hit]:
    """Where a cost helper is called (``completion_cost(``, ``get_openai_callback(``) or a
    cost field is read (``response_cost``)."""
    return list(signals.search(project, _COST, anchors=_COST_ANCHORS))


def _cost_by_text(project: Project, config: Config) -> Finding:
    """For code the call-site index does not read: token fields recorded within two lines
    of where they are read, or a cost helper called."""
    costs = _cost_calls(project)
    reads = list(signals.search(project, _TOKENS, anchors=_TOKENS_ANCHORS))
    kept = at_lines(project, reads, query_name("observability.recorded/1", _RECORD.pattern),
                    _recorded)
    recorded = [h for h in reads if kept.get((h.path, h.line))]
    if recorded or costs:
        return passed("token usage and cost are recorded per request in code",
                      *(h.evidence() for h in recorded[:2] + costs[:1]))
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
    if not uses_llm(project):
        return not_applicable(llmusage.NO_LLM)
    rules = alert_rules(project)
    needed = ("error rate", "latency", "cost")
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
