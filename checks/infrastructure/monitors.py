"""Monitoring systems set up in code and config: SDK initialisations and metric definitions
(OpenTelemetry, Prometheus, Datadog, Sentry, New Relic, Logfire, Lambda Powertools), agents
and collectors run by config, and the modules whose mere import shows intent."""

from __future__ import annotations

import re

from readiness.project import Project, importscan, signals
from readiness.project.signals import Hit

# (system, anchors every match contains, a word its file must mention, pattern)
_MONITORS: tuple[tuple[str, tuple[str, ...], str, re.Pattern[str]], ...] = (
    ("OpenTelemetry", ("Provider(", "configure_azure_monitor("), "", re.compile(
        r"\b(?:TracerProvider|MeterProvider|LoggerProvider)\(|\bconfigure_azure_monitor\(")),
    ("OpenTelemetry", ("Instrumentor().instrument",), "", re.compile(
        r"\b\w+Instrumentor\(\)\.instrument(?:_app)?\(")),
    ("Prometheus", ("Counter(", "Histogram(", "Gauge(", "Summary(", "start_http_server(",
                    "_app(", "Instrumentator()"), "prometheus", re.compile(
        r"\b(?:Counter|Histogram|Gauge|Summary)\(\s*[\"'][\w:]+[\"']|\bstart_http_server\(|"
        r"\bmake_(?:asgi|wsgi)_app\(|\bInstrumentator\(\)")),
    ("Datadog", ("patch_all(", "ddtrace.patch(", "DogStatsd(", "datadog.initialize(",
                 "statsd."), "", re.compile(
        r"\bpatch_all\(|\bddtrace\.patch\(|\bDogStatsd\(|\bdatadog\.initialize\(|"
        r"\bstatsd\.(?:increment|histogram|gauge)\(")),
    ("Sentry", (".init(",), "", re.compile(r"\b(?:sentry_sdk|Sentry)\.init\(")),
    ("New Relic", ("newrelic.agent.initialize(",), "", re.compile(
        r"\bnewrelic\.agent\.initialize\(")),
    ("Logfire", ("logfire.configure(",), "", re.compile(r"\blogfire\.configure\(")),
    ("AWS Lambda Powertools", ("Metrics(", "Tracer("), "powertools", re.compile(
        r"\b(?:Metrics|Tracer)\(")),
)
signals.gate_words(word for _, anchors, _, _ in _MONITORS for word in anchors)
_AGENT_ANCHORS = signals.gate_words(("ddtrace-run", "opentelemetry-instrument",
                                     "OTEL_EXPORTER_OTLP_", "otel/opentelemetry-collector",
                                     "newrelic-admin"))
_AGENTS = re.compile(r"(?P<Datadog>\bddtrace-run\b)|(?P<OpenTelemetry>\bopentelemetry-instrument\b|"
                     r"\bOTEL_EXPORTER_OTLP_(?:TRACES_|METRICS_)?ENDPOINT\b|"
                     r"otel/opentelemetry-collector)|(?P<NewRelic>\bnewrelic-admin\b)")
# Modules whose import shows the intent to monitor, when nothing is set up.
MONITOR_MODULES = ("opentelemetry", "prometheus_client", "ddtrace", "datadog", "sentry_sdk",
                   "newrelic", "statsd", "logfire", "langfuse", "langsmith",
                   "aws_lambda_powertools", "@opentelemetry/*", "dd-trace", "@sentry/*")
importscan.import_words(*MONITOR_MODULES)  # the gate words of imports_of (observability)


def monitor_setups(project: Project) -> list[Hit]:
    """Where a monitoring system is initialised in code, or run as an agent or collector by
    config; each hit's ``kind`` names the system."""
    found = [h._replace(kind=name) for name, anchors, context, pattern in _MONITORS
             for h in signals.search(project, pattern, anchors=anchors)
             if not context or signals.mentions(project, h.path, context)]
    found += [h._replace(kind=h.kind.replace("NewRelic", "New Relic")) for h in signals.search(
        project, _AGENTS, langs=signals.ANY, anchors=_AGENT_ANCHORS)]
    return found
