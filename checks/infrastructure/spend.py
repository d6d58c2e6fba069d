"""Spend and capacity: a budget that is enforced or alerted on, a load test sized for launch."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from readiness.config import Config
from readiness.evidence import reference
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
from readiness.project import Project, importscan, llmusage, signals
from readiness.project.configfiles import config_index, scalar_text
from readiness.project.signals import Hit, query_name

from . import llmtraffic
from .alertrules import alert_rules
from .callsites import uses_llm

_BUDGET_ANCHORS = signals.gate_words(("max_budget", "BudgetManager("))
_BUDGET_CODE = re.compile(r"(?P<litellm_max_budget>\bmax_budget\s*=\s*\d)|"
                          r"(?P<litellm_BudgetManager>\bBudgetManager\()")
_BUDGET_KEY = re.compile(r"(?:^|\.)max(?:_end_user|_internal_user)?_budget$")


def _declared(config: Config) -> tuple[str, list[Evidence]]:
    """The budget in readiness.yaml as text ("$400/day"), and where it is set."""
    parts, where = [], []
    for key, unit in (("daily_usd", "day"), ("monthly_usd", "month")):
        amount = config.get(f"usage.budget.{key}")
        if isinstance(amount, int | float) and not isinstance(amount, bool):
            parts.append(f"${amount:,.0f}/{unit}")
            located = config.evidence(f"usage.budget.{key}")
            if located:
                where.append(located)
    return " and ".join(parts), where


def _alert_reference(project: Project, config: Config) -> tuple[Credit | None, str]:
    """How strong `usage.budget.alert` is (see readiness.evidence.reference): a credit, or
    None when it is not set or points at a path that does not exist."""
    ref = reference(project, config.get("usage.budget.alert"))
    return (None, "") if ref is None else (ref.credit, ref.text)


@check(
    code="INF012",
    gap=Gap.INFRASTRUCTURE,
    title="Is a spend budget declared and enforced or alerted on?",
    remediation="Declare usage.budget in readiness.yaml and enforce it (litellm max_budget, "
                "a cloud budget resource) or alert on it with a cost alert rule.",
)
def budget_limits(project: Project, config: Config) -> Finding:
    """What it checks:
    Enforcement or an alert on spend: litellm `max_budget` or `BudgetManager` in code, a
    litellm proxy `max_budget`, a cloud budget (Terraform `aws_budgets_budget`,
    `google_billing_budget`, Azure consumption budgets, CloudFormation
    `AWS::Budgets::Budget`), an alert rule on cost or tokens (see `alerting`), or a spend
    cap in code: a comparison of the usage or cost the model calls return (followed
    through the code) with a limit, under which the code raises, returns, waits, or ends a
    loop that makes model calls (a loop over price tiers ends nothing). These pass as
    enforced. Otherwise `usage.budget.daily_usd`/`monthly_usd` in readiness.yaml
    with `usage.budget.alert` pointing at a committed runbook or a URL with an owner is
    documented; a budget nobody enforces or alerts on is a claim and warns.

    Why it matters:
    A $10/day pilot becomes $10,000/day at 1000x the volume; a loop, a retry storm or a
    prompt that grew overnight spends the month's budget before anyone looks.

    How to fix:
    Write the budget down, then make something act on it: a hard cap at the gateway, a
    cloud budget with notifications, or a cost alert that pages the owner.
    """
    if not uses_llm(project):
        return not_applicable(llmusage.NO_LLM)
    declared, where = _declared(config)
    index = config_index(project)
    found = [h._replace(kind=h.kind.replace("_", " ")) for h in
             signals.search(project, _BUDGET_CODE, anchors=_BUDGET_ANCHORS)]
    found += [Hit(e.path, e.line, e.leaf, "litellm max_budget") for e in index.find(_BUDGET_KEY)
              if scalar_text(e.value)]
    found += [Hit(r.path, r.line, r.name, f"{r.system} cost alert")
              for r in alert_rules(project) if "cost" in r.covers]
    found += [Hit(s.path, s.line, s.label[6:], "spend cap in code")
              for s in llmtraffic.spend_caps(project)]
    budget = f"; budget {declared} declared in readiness.yaml" if declared else ""
    if found:
        listed, evidence = signals.listing(found)
        return passed(f"spend is capped or alerted on: {listed}{budget}", *evidence, *where)
    credit, reference = _alert_reference(project, config)
    alert_at = config.evidence("usage.budget.alert")
    located = [alert_at] if alert_at else []
    if declared and credit is Credit.DOCUMENTED:
        return passed(f"a budget of {declared} is declared and its alert is documented in "
                      f"{reference}", *where, *located, credit=Credit.DOCUMENTED)
    if declared:
        how = (f"its alert is only claimed ({reference})" if credit else
               f"usage.budget.alert points at {reference}, which does not exist" if reference
               else "nothing enforces or alerts on it")
        partial = warned(f"a budget of {declared} is declared in readiness.yaml but {how}",
                         *where, *located, credit=Credit.CLAIMED)
    elif credit is not None or reference:
        partial = warned(f"a cost alert is recorded ({reference}) but no budget amount is "
                         "declared (usage.budget.daily_usd or monthly_usd)", *located,
                         credit=credit or Credit.CLAIMED)
    else:
        partial = None
    return signals.code_or_config(project, config, "budget-limits", partial, failed(
        "no spend budget is declared, enforced or alerted on"))


# ---- load tests ---------------------------------------------------------------------------

# Work items per day arrive in roughly 8 business hours (x3), and the busiest minutes of
# those hours run about 3x their average: the peak is ~10x the 24-hour average rate.
PEAK_FACTOR = 10
# A virtual user without a stated arrival rate waits for each response; LLM responses take
# seconds, so one user sends at most about one request per second.
REQUESTS_PER_USER = 1.0


class LoadTest(NamedTuple):
    tool: str
    at: Evidence  # the script
    rate: float | None = None  # requests per second it drives, when known
    sized_at: Evidence | None = None  # where its users or rate are set


_CONF_USERS = re.compile(r"(?m)^\s*users\s*=\s*(\d+)")
_CLI_USERS = re.compile(r"\blocust\b[^\n]*?\s(?:-u|--users)[ =](\d+)")
_SHAPE_USERS = re.compile(r"[\"']users[\"']\s*:\s*(\d+)|\buser_count\s*=\s*(\d+)")
_LOCUST_WAIT = re.compile(r"\b(constant_throughput|constant_pacing|constant|between)\("
                          r"\s*([\d.]+)\s*(?:,\s*([\d.]+))?")
_K6_RATE = re.compile(r"\brate:\s*(\d+(?:\.\d+)?)")
_K6_UNIT = re.compile(r"\btimeUnit:\s*[\"'](\d*)([smh])[\"']")
_K6_USERS = re.compile(r"\b(?:vus|target|maxVUs):\s*(\d+)")
importscan.import_words("locust")  # the gate words of the imports_of calls below
importscan.import_words("k6")
_VEGETA_ANCHORS = signals.gate_words(("vegeta",))
_VEGETA = re.compile(r"\bvegeta\s+attack\b[^\n]*")
_VEGETA_RATE = re.compile(r"-rate[= ](\d+)(?:/(\d*)([smh]))?")
_JMETER_THREADS = re.compile(r"ThreadGroup\.num_threads\">(?:\$\{__P\(\w+,)?(\d+)")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


Groups = tuple[str | None, ...]


def _first(project: Project, rel: str, pattern: re.Pattern[str]) -> Groups | None:
    """The groups of the pattern's first match in the file (kept between runs)."""
    query = query_name("spend.first/1", pattern.pattern, pattern.flags)
    return project.facts([rel], query, functools.partial(_first_groups, pattern)).get(rel)


def _first_groups(pattern: re.Pattern[str], text: str) -> Groups | None:
    match = pattern.search(text)
    return match.groups() if match else None


def _max_match(project: Project, rel: str, pattern: re.Pattern[str]) -> tuple[float, int] | None:
    """The largest number the pattern's groups capture in the file, and its line (kept
    between runs)."""
    query = query_name("spend.max_match/1", pattern.pattern, pattern.flags)
    return project.facts([rel], query, functools.partial(_largest, pattern)).get(rel)


def _largest(pattern: re.Pattern[str], text: str) -> tuple[float, int] | None:
    best: tuple[float, int] | None = None
    for match in pattern.finditer(text):
        number = float(next(g for g in match.groups() if g))
        if best is None or number > best[0]:
            best = (number, text.count("\n", 0, match.start()) + 1)
    return best


_LOCUST_CONF = re.compile(r"locust[^/]*\.conf$")
_RUNS_COMMANDS = re.compile(r"(?:^|/)(?:Makefile|Dockerfile|[^/]*\.ya?ml|[^/]*\.sh)$")


def _where_users(project: Project) -> list[tuple[str, re.Pattern[str]]]:
    """Where locust's user count may be set, and how: its config, then command lines."""
    return [*((f, _CONF_USERS) for f in project.files if _LOCUST_CONF.search(f)),
            *((f, _CLI_USERS) for f in project.files if _RUNS_COMMANDS.search(f))]


def load_tests(project: Project) -> list[LoadTest]:
    """Load-test scripts in the repository (tests included), with the rate each drives."""
    found: list[LoadTest] = []
    locustfiles = sorted({i.path: i for i in importscan.imports_of(project, "locust", tests=True)
                          if i.path.endswith(".py")}.values())
    where_users = _where_users(project) if locustfiles else []
    for imp in locustfiles:
        users: tuple[float, int, str] | None = None
        for rel, pattern in [(imp.path, _SHAPE_USERS), *where_users]:
            top = _max_match(project, rel, pattern)
            if top:
                users = (top[0], top[1], rel)
                break
        wait = _first(project, imp.path, _LOCUST_WAIT)
        per_user = REQUESTS_PER_USER
        if wait:
            kind, first, second = wait[0], float(wait[1] or 0), wait[2]
            seconds = (first + float(second)) / 2 if second else first
            per_user = first if kind == "constant_throughput" else \
                min(REQUESTS_PER_USER, 1 / seconds) if seconds else REQUESTS_PER_USER
        rate = users[0] * per_user if users else None
        found.append(LoadTest("locust", Evidence(imp.path, imp.line), rate,
                              Evidence(users[2], users[1]) if users else None))
    scripts = {i.path: i for i in reversed(importscan.imports_of(project, "k6", tests=True))}
    for imp in sorted(scripts.values()):
        rate_at = _max_match(project, imp.path, _K6_RATE)
        unit = _first(project, imp.path, _K6_UNIT)
        users_at = _max_match(project, imp.path, _K6_USERS)
        if rate_at:
            per = (int(unit[0] or 1) * _SECONDS[unit[1] or ""]) if unit else 1
            found.append(LoadTest("k6", Evidence(imp.path, imp.line), rate_at[0] / per,
                                  Evidence(imp.path, rate_at[1])))
        elif users_at:
            found.append(LoadTest("k6", Evidence(imp.path, imp.line),
                                  users_at[0] * REQUESTS_PER_USER, Evidence(imp.path,
                                                                            users_at[1])))
        else:
            found.append(LoadTest("k6", Evidence(imp.path, imp.line)))
    index = config_index(project)
    for target in index.find(re.compile(r"^config\.target$")):
        rates = [e for e in index.subtree(target, "config.phases")
                 if e.leaf in ("arrivalRate", "rampTo") and isinstance(e.value, int | float)]
        fastest = max(rates, key=lambda e: float(e.value or 0), default=None)
        found.append(LoadTest("artillery", target.evidence(),
                              float(fastest.value or 0) if fastest else None,
                              fastest.evidence() if fastest else None))
    for hit in signals.search(project, _VEGETA, langs=signals.ANY, tests=True,
                              anchors=_VEGETA_ANCHORS):
        match = _VEGETA_RATE.search(hit.text)
        rate = None
        if match:
            per = int(match.group(2) or 1) * _SECONDS[match.group(3) or "s"]
            rate = float(match.group(1)) / per
        found.append(LoadTest("vegeta", hit.evidence(), rate, hit.evidence() if match else None))
    for rel in project.with_suffix(".jmx"):
        threads = _max_match(project, rel, _JMETER_THREADS)
        found.append(LoadTest("JMeter", Evidence(rel), threads[0] * REQUESTS_PER_USER
                              if threads else None, Evidence(rel, threads[1]) if threads
                              else None))
    return found


def _rate(value: float) -> str:
    return f"{value:,.1f} req/s" if value < 100 else f"{value:,.0f} req/s"


@check(
    code="INF013",
    gap=Gap.INFRASTRUCTURE,
    title="Is there a load test sized for the projected production volume?",
    remediation="Write a load test (locust, k6, artillery) that drives at least the projected "
                "full-launch peak, and set usage.volume.full_launch in readiness.yaml.",
)
def load_testing(project: Project, config: Config) -> Finding:
    """What it checks:
    A load-test script: a locustfile (`from locust import`, `HttpUser`) with its users from
    `locust.conf`, `-u/--users` or a shape, a k6 script (`k6/http`) with `vus`, `stages` or
    an arrival `rate`, an artillery config (`config.phases` `arrivalRate`), a `vegeta
    attack -rate`, or a JMeter `.jmx` plan. When `usage.volume.full_launch` (work items per
    day) is set, the script's rate is compared with the projected peak: the daily average
    per second times a peak factor of 10 (8 business hours, busiest minutes at 3x). A
    virtual user with no stated rate counts as at most one request per second (LLM
    responses take seconds). A test below the peak warns with both numbers.

    Why it matters:
    Production is 1000x the pilot's load. Rate limits, connection pools, queues and the
    provider's quota give way at volumes a pilot never reaches; a load test finds where
    before users do.

    How to fix:
    Script the main user journey in locust or k6, run it at the projected peak against a
    staging environment, and commit the script with its settings.
    """
    if not uses_llm(project) and not config.get("usage.load_tests"):
        return not_applicable(llmusage.NO_LLM)
    measured = _measured(project, config)
    if measured is not None:
        return measured
    tests = load_tests(project)
    volume = config.get("usage.volume.full_launch")
    volume_at = config.evidence("usage.volume.full_launch")
    sized = [volume_at] if volume_at else []
    if not tests:
        results = [f for g in config.get("usage.load_tests") or [] for f in project.glob(g)]
        if results:
            return passed(f"load-test results are committed ({results[0]}) but no script to "
                          "rerun them was found", Evidence(results[0]), credit=Credit.DOCUMENTED)
        at_volume = f" for the projected {volume:,.0f} items/day" if volume else ""
        return signals.code_or_config(project, config, "load-testing", None, failed(
            f"no load test found (locust, k6, artillery, vegeta, JMeter){at_volume}"))
    best = max(tests, key=lambda t: (t.rate is not None, t.rate or 0))
    evidence = [best.at, *([best.sized_at] if best.sized_at else [])]
    where = f"{best.at.path}:{best.at.line}" if best.at.line else best.at.path
    if not isinstance(volume, int | float) or not volume:
        drives = f", driving {_rate(best.rate)}" if best.rate is not None else ""
        return passed(f"a {best.tool} load test exists ({where}){drives}; "
                      "usage.volume.full_launch is not configured, so it is not sized against "
                      "production volume", *evidence)
    peak = volume / 86400 * PEAK_FACTOR
    projected = (f"the projected full-launch peak {{}} {_rate(peak)} ({volume:,.0f} items/day "
                 f"x peak factor {PEAK_FACTOR})")
    if best.rate is None:
        return passed(f"a {best.tool} load test exists ({where}) but sets no users or rate, so "
                      f"it cannot be compared with {projected.format('of')}", *evidence, *sized)
    if best.rate < peak:
        return warned(f"the {best.tool} load test drives {_rate(best.rate)} ({where}) but "
                      f"{projected.format('is')}", *evidence, *sized, credit=Credit.ENFORCED)
    return passed(f"the {best.tool} load test drives {_rate(best.rate)} ({where}), at or above "
                  f"{projected.format('of')}", *evidence, *sized)


def _measured(project: Project, config: Config) -> Finding | None:
    """A committed load-test result (usage.load_tests) judged against the peak projected
    from the pilot's own telemetry: measured throughput beats a script's intended rate."""
    from readiness.errors import InputError
    from readiness.telemetry import usage

    try:
        report = usage.for_project(project, config)
    except InputError:
        return None  # cost-projection reports the unreadable file
    if report is None or not report.load_tests or report.projection is None:
        return None
    stage = next((s for s in report.projection.stages if s.stage == "full_launch"), None)
    result = report.load_tests[0]
    if stage is None or result.throughput_rps is None:
        return None
    peak = stage.peak_work_items_per_second
    failures = (f", {result.failure_rate:.1%} failed" if result.failure_rate is not None
                else "")
    text = (f"the {result.tool} run measured {result.throughput_rps:,.1f} req/s{failures} "
            f"against a projected full-launch peak of {peak:,.2f} work items/s "
            f"(peak factor {report.projection.peak_factor:g})")
    at = Evidence(result.source.split("#")[0], note=result.source)
    if result.throughput_rps < peak:
        return failed(f"{text}: below the peak", at)
    if result.failure_rate is not None and result.failure_rate > 0.01:
        return warned(f"{text}, but more than 1% of requests failed under load", at,
                      credit=Credit.ENFORCED)
    return passed(f"{text}: covers the peak", at)


CHECKS = (budget_limits, load_testing)
