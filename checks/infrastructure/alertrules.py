"""Committed alert rules, classified by what they watch (error rate, latency, cost): read by
monitoring and alerting (observability) and budget-limits (spend), computed once per run.

Prometheus rule files and PrometheusRule resources, Grafana alerting provisioning, Datadog
monitors (Terraform, JSON and YAML exports), CloudWatch alarms (Terraform, CloudFormation,
serverless.yml, CDK), Google, Azure, New Relic and Sentry alert resources, cloud budgets.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from readiness.model import Evidence
from readiness.project import Project, signals
from readiness.project.configfiles import Entry, config_index, scalar_text
from readiness.project.configrows import Kind
from readiness.project.signals import Source, at_lines, query_name, statement_at


class AlertRule(NamedTuple):
    path: str
    line: int
    name: str
    system: str  # Prometheus, Grafana, CloudWatch, Datadog...
    covers: frozenset[str]  # of "error rate", "latency", "cost"

    def evidence(self, note: str = "") -> Evidence:
        return Evidence(self.path, self.line, note)


_CATEGORIES = (
    ("error rate", re.compile(r"(?i)error|5xx|5\.\.|fail|exception|unavailable|throttl|"
                              r"dead.?letter|dlq|(?:status|code)\W{0,4}5")),
    ("latency", re.compile(r"(?i)latency|duration|response.?time|histogram_quantile|"
                           r"_seconds_bucket|\bp9[059]\b|percentile|slow|timeout|elapsed")),
    ("cost", re.compile(r"(?i)cost|spend|budget|usd|dollar|billing|charges|tokens?\b|"
                        r"_tokens|token_?count")),
)
_RULE_KEY = re.compile(r"(?:^|\.)groups\.\d+\.rules\.\d+\.(?:alert|title)$")
_PROSE = re.compile(r"(?i)(?:^|\.)(?:annotations|labels|description|alarmdescription|"
                    r"alarm_description|message|tags|summary|runbook_url|notification\w*|"
                    r"alarmactions|alarm_actions|okactions|ok_actions|execerrstate|"
                    r"nodatastate)(?:\.|$)")
_CFN_ALARM = re.compile(r"^AWS::(?:CloudWatch::(?:Composite)?Alarm|Budgets::Budget)$")
_TF_ALERTS = {
    "aws_cloudwatch_metric_alarm": "CloudWatch", "aws_cloudwatch_composite_alarm": "CloudWatch",
    "datadog_monitor": "Datadog", "google_monitoring_alert_policy": "Google Cloud Monitoring",
    "azurerm_monitor_metric_alert": "Azure Monitor",
    "azurerm_monitor_scheduled_query_rules_alert": "Azure Monitor",
    "azurerm_monitor_scheduled_query_rules_alert_v2": "Azure Monitor",
    "newrelic_alert_condition": "New Relic", "newrelic_nrql_alert_condition": "New Relic",
    "grafana_rule_group": "Grafana", "sentry_metric_alert": "Sentry",
    "aws_budgets_budget": "AWS Budgets", "google_billing_budget": "Google Cloud Billing",
    "azurerm_consumption_budget_subscription": "Azure budgets",
    "azurerm_consumption_budget_resource_group": "Azure budgets",
}
_DATADOG_TYPE = re.compile(r"^(?:metric|query|log|service check|event|event-v2|composite|rum|"
                           r"trace-analytics|slo|audit|ci-pipelines|error-tracking|process|"
                           r"synthetics) alert$")
_ALARM_ANCHORS = signals.gate_words(("Alarm(",))
_CODE_ALARM = re.compile(r"\b(?:cloudwatch|aws_cloudwatch)\.(?:Alarm|MetricAlarm)\(|"
                         r"\bnew\s+(?:cloudwatch\.)?Alarm\(")


def alert_rules(project: Project) -> tuple[AlertRule, ...]:
    """Every committed alert rule, classified by what it watches; computed once per run."""
    return project.shared("alert-rules", _collect_rules)


def classify(text: str) -> frozenset[str]:
    return frozenset(name for name, pattern in _CATEGORIES if pattern.search(text))


def _text(entries: list[Entry]) -> str:
    return "\n".join(scalar_text(e.value) for e in entries if not _PROSE.search(e.key))


def _collect_rules(project: Project) -> tuple[AlertRule, ...]:
    index = config_index(project)
    rules: list[AlertRule] = []
    for e in index.find(_RULE_KEY):
        if e.leaf == "title" and index.child(e, "condition") is None:
            continue
        system = "Grafana" if e.leaf == "title" else "Prometheus"
        rules.append(AlertRule(e.path, e.line, scalar_text(e.value), system,
                               classify(_text(index.subtree(e, e.parent)))))
    for e in index.find("Type", _CFN_ALARM):
        body = index.subtree(e, e.parent)
        budget = "Budgets" in scalar_text(e.value)
        rules.append(AlertRule(e.path, body[0].line, e.parent.rpartition(".")[2],
                               "AWS Budgets" if budget else "CloudWatch",
                               frozenset({"cost"}) if budget else classify(_text(body))))
    for block in index.blocks(*_TF_ALERTS):
        system = _TF_ALERTS[block.type]
        text = _text(index.block_entries(block)) + "\n" + " ".join(block.labels[1:])
        covers = frozenset({"cost"}) if "udget" in block.type else classify(text)
        rules.append(AlertRule(block.path, block.line, block.labels[-1], system, covers))
    for e in index.find("type", _DATADOG_TYPE, kinds=(Kind.JSON, Kind.YAML)):
        if index.child(e, "query") is not None:
            name = index.child(e, "name")
            rules.append(AlertRule(e.path, e.line, scalar_text(name.value) if name else "",
                                   "Datadog", classify(_text(index.subtree(e, e.parent)))))
    alarms = signals.search(project, _CODE_ALARM, anchors=_ALARM_ANCHORS)
    query = query_name("observability.alarm/1", [(name, p.pattern) for name, p in _CATEGORIES])
    covered = at_lines(project, alarms, query, _alarm_covers)
    for hit in alarms:
        covers = frozenset(covered.get((hit.path, hit.line), ()))
        rules.append(AlertRule(hit.path, hit.line, "", "CloudWatch", covers))
    return tuple(sorted(set(rules), key=lambda r: (r.path, r.line)))


def _alarm_covers(src: Source, line: int) -> tuple[str, ...]:
    """What the alarm built in code at ``line`` watches (its statement, classified)."""
    return tuple(sorted(classify(statement_at(src, line, max_lines=12))))
