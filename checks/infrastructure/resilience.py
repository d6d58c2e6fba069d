"""Resilience of model calls: failed requests kept, a fallback path, bounded call rates."""

from __future__ import annotations

import re
from collections.abc import Collection

from readiness.config import Config
from readiness.model import Credit, Finding, Gap, check, failed, not_applicable, passed, warned
from readiness.project import Project, llmusage, signals
from readiness.project.configfiles import Entry, config_index, scalar_text
from readiness.project.signals import Hit

from . import llmtraffic
from .callsites import in_production, llm_files, uses_llm

_DLQ_KEY = re.compile(r"(?i)(?:^|\.)(?:redrive_?policy|dead_?letter_?target_?arn|"
                      r"dead_?letter_?(?:policy|config|queue|topic|exchange)|"
                      r"dead_?lettering_on_message_expiration|x-dead-letter-exchange|"
                      r"errors\.deadletterqueue\.topic\.name|destinations\.on_?failure)$")
_QUEUE_NAME_KEY = re.compile(r"(?i)(?:^|\.)(?:name|queue_?name|topic_?name|topic|queue)$")
_DLQ_NAME = re.compile(r"(?i)(?:^|[._-])(?:dlq|dead[._-]?letters?|deadletters?)(?:[._-]|$)")
_DLQ_CODE = re.compile(
    r"(?P<RabbitMQ_dead_letter_exchange>[\"']x-dead-letter-exchange[\"'])|"
    r"(?P<SQS_redrive_policy>[\"']?\bRedrivePolicy\b|\bdeadLetterTargetArn\b|"
    r"\bDeadLetterQueue\()|"
    r"(?P<dead_letter_topic>[\"'][\w.-]*(?:[._-]dlq|[._-]dead[._-]?letters?)[\"'])|"
    r"(?P<Celery_failure_handler>\bdef on_failure\(self|\btask_failure\.connect\b)|"
    r"(?P<failed_request_store>__tablename__\s*=\s*[\"'](?:failed_\w+|dead_letters?\w*)[\"']|"
    r"\bclass (?:Failed(?:Request|Job|Task|Call)|DeadLetter)\w*\(|"
    r"\bcreate_table\(\s*[\"'](?:failed_\w+|dead_letters?\w*)[\"'])")
_DLQ_ANCHORS = signals.gate_words(("x-dead-letter-exchange", "RedrivePolicy", "deadLetterTargetArn",
                                   "DeadLetterQueue(", "dlq", "dead", "on_failure(self",
                                   "task_failure.connect", "__tablename__", "class Failed",
                                   "class DeadLetter", "create_table("))
_SQL_TABLE_ANCHORS = signals.gate_words(("failed_", "dead_letter", "FAILED_", "DEAD_LETTER"))
_ACKS_LATE_ANCHORS = signals.gate_words(("acks_late",))
_REJECT_LOST_ANCHORS = signals.gate_words(("reject_on_worker_lost",))
_SQL_TABLE = re.compile(r"(?i)\bcreate\s+table\s+(?:if\s+not\s+exists\s+)?[\"`]?"
                        r"(?:\w+\.)?(?:failed_\w+|dead_letters?\w*)\b")
_ACKS_LATE = re.compile(r"\b(?:task_)?acks_late\s*=\s*True\b")
_REJECT_LOST = re.compile(r"\b(?:task_)?reject_on_worker_lost\s*=\s*True\b")


def _dlq_config(project: Project) -> list[Hit]:
    index = config_index(project)
    hits = [Hit(e.path, e.line, e.leaf, "dead-letter setting") for e in index.find(_DLQ_KEY)]
    hits += [Hit(e.path, e.line, scalar_text(e.value), "dead-letter queue")
             for e in index.find(_QUEUE_NAME_KEY, _DLQ_NAME)]
    return hits


@check(
    code="INF009",
    gap=Gap.INFRASTRUCTURE,
    title="Do failed LLM requests land somewhere durable to be replayed?",
    remediation="Send requests that still fail after retries to a dead-letter queue (an SQS "
                "redrive policy, a RabbitMQ dead-letter exchange, a Kafka DLQ topic) or a "
                "failed_requests table, and say how to replay them.",
)
def dead_letter_queue(project: Project, config: Config) -> Finding:
    """What it checks:
    In config files: an SQS `RedrivePolicy`/`redrive_policy`/`deadLetterTargetArn`, a
    Pub/Sub `dead_letter_policy`, a Lambda `DeadLetterConfig` or `onFailure` destination,
    Kafka Connect's `errors.deadletterqueue.topic.name`, a queue or topic named `*-dlq` or
    `*dead-letter*`. In code: a RabbitMQ `x-dead-letter-exchange` argument, a DLQ topic
    name, a Celery failure handler (`on_failure`, the `task_failure` signal), `acks_late`
    with `task_reject_on_worker_lost`, or a failed-requests table (SQL `CREATE TABLE
    failed_requests`, an ORM model `FailedRequest`/`DeadLetter`). `acks_late` alone
    warns. Words like "dead letter" in prose or comments do not count.

    Why it matters:
    At production volume some requests fail even after retries: the provider is down, the
    document is malformed. Without a durable place for them, they are silently lost and
    nobody can replay them once the cause is fixed.

    How to fix:
    Give the work queue a dead-letter queue with a receive limit, or store failed requests
    with their input and error in a table, and write down how to replay them.
    """
    if not uses_llm(project):
        return not_applicable(llmusage.NO_LLM)
    found = _dlq_config(project)
    found += [h._replace(kind=h.kind.replace("_", " ")) for h in
              signals.search(project, _DLQ_CODE, anchors=_DLQ_ANCHORS)]
    found += [h._replace(kind="failed request store") for h in
              signals.search(project, _SQL_TABLE, langs={signals.Lang.SQL},
                             anchors=_SQL_TABLE_ANCHORS)]
    acks = list(signals.search(project, _ACKS_LATE, langs=signals.ANY,
                               anchors=_ACKS_LATE_ANCHORS))
    rejects = list(signals.search(project, _REJECT_LOST, langs=signals.ANY,
                                  anchors=_REJECT_LOST_ANCHORS))
    if acks and rejects:
        found.append(acks[0]._replace(kind="Celery acks_late with reject_on_worker_lost"))
    if found:
        listed, evidence = signals.listing(found)
        return passed(f"failed requests are kept: {listed}", *evidence)
    partial = warned(f"Celery acks_late is set ({acks[0].path}:{acks[0].line}) but without "
                     "task_reject_on_worker_lost; a failed task is not kept anywhere",
                     acks[0].evidence(), credit=Credit.ENFORCED) if acks else None
    return signals.code_or_config(project, config, "dead-letter-queue", partial, failed(
        "no dead-letter queue or failed-request store found: requests that still fail "
        "after retries are lost"))


_FALLBACK_CODE = re.compile(
    r"(?P<litellm_fallbacks>\b(?:context_window_)?fallbacks\s*=)|"
    r"(?P<LangChain_with_fallbacks>\.with_fallbacks\()|"
    r"(?P<circuit_breaker>(?:\b\w+\s*=\s*)?(?:\b\w+\.)?\b(?:Async)?CircuitBreaker\(|@circuit\b)|"
    r"(?P<degraded_mode_flag>\b(?:DEGRADED_MODE|AI_ENABLED|LLM_ENABLED|AI_KILL_SWITCH|"
    r"LLM_KILL_SWITCH|KILL_SWITCH|degraded_mode|ai_enabled|llm_enabled|kill_switch)\b)")
_FALLBACK_ANCHORS = signals.gate_words(("fallbacks", "CircuitBreaker(", "@circuit", "DEGRADED_MODE",
                                        "AI_ENABLED", "LLM_ENABLED", "KILL_SWITCH", "degraded_mode",
                                        "ai_enabled", "llm_enabled", "kill_switch"))
_FALLBACK_KEY = re.compile(r"(?:^|\.)(?:fallbacks|context_window_fallbacks|default_fallbacks)"
                           r"(?:\.0)?$")
_STRATEGY = re.compile(r"(?:^|\.)strategy\.mode$")


def _code_fallbacks(project: Project) -> list[Hit]:
    """Fallbacks the data flow shows: a fallback model on a call, a loop that tries the next
    model when one fails, a handler around a model call (in the calling function or in one
    of its callers, another module too) that answers without the model."""
    found = [Hit(c.fallback.path, c.fallback.line, c.fallback.how, "fallback model")
             for c in llmtraffic.generation_sites(project) if c.fallback is not None]
    for guard in llmtraffic.guards(project):
        kind = "fallback loop" if guard.how.startswith("tries") else "degraded answer"
        found.append(Hit(guard.path, guard.line, guard.how, kind))
    return found


@check(
    code="INF010",
    gap=Gap.INFRASTRUCTURE,
    title="Is there a fallback path when the model or provider is down?",
    remediation="Add a fallback model or provider (litellm fallbacks, LangChain "
                "with_fallbacks), a circuit breaker, or a degraded mode that answers without "
                "the model.",
)
def graceful_degradation(project: Project, config: Config) -> Finding:
    """What it checks:
    A fallback model or provider (litellm `fallbacks=` in code or in a proxy config,
    LangChain `.with_fallbacks(`, a Portkey fallback strategy), a circuit breaker
    (`pybreaker.CircuitBreaker`, `@circuit`) that wraps a model call (a function it
    decorates, runs with `.call(fn)` or guards reaches one; not a breaker around tool or
    database calls), a degraded-mode flag or kill switch read by
    the code (`DEGRADED_MODE`, `AI_ENABLED`, `KILL_SWITCH`), or what the code does when a
    model call fails, read from its data flow: a loop over models or clients whose variable
    feeds the call, that moves on to the next one when a call raises and leaves the loop on
    success; or an `except` around a model call (or around a call to a function that reaches
    one, in another module too) whose handler answers another way: returns a value, routes
    the work somewhere (a manual-review queue, a rule-based answer), assigns a default. A
    handler that only logs, sleeps, re-raises or returns the error itself is not a fallback,
    nor is one that catches only what no outage raises (`JSONDecodeError`, `KeyError`,
    `ValidationError`, a disconnect), nor an `except` around something else (a tokenizer
    download).

    Why it matters:
    Every provider has outages and rate-limit storms. Without a fallback, the feature and
    often the whole request path go down with it.

    How to fix:
    Configure a second model or provider as a fallback, wrap calls in a circuit breaker,
    or give the product a degraded mode (queue the work, show a manual form) behind a flag.
    """
    if not uses_llm(project):
        return not_applicable(llmusage.NO_LLM)
    files = llm_files(project)
    found = [h._replace(kind=h.kind.replace("_", " ")) for h in
             signals.search(project, _FALLBACK_CODE, anchors=_FALLBACK_ANCHORS)
             if (h.kind != "litellm_fallbacks" or _llm_context(project, h))
             and (h.kind != "circuit_breaker" or _breaker_guards(project, h, files))]
    index = config_index(project)
    found += [_entry_hit(e, "litellm fallbacks") for e in index.find(_FALLBACK_KEY)]
    found += [_entry_hit(e, "gateway fallback strategy")
              for e in index.find(_STRATEGY, "fallback")]
    seen = {(h.path, h.line) for h in found}
    found += [h for h in _code_fallbacks(project) if (h.path, h.line) not in seen]
    if found:
        listed, evidence = signals.listing(found)
        return passed(f"a fallback path exists: {listed}", *evidence)
    return signals.code_or_config(project, config, "graceful-degradation", None, failed(
        "no fallback when the model or provider is down: no fallback model, circuit breaker "
        "or degraded mode found"))


def _breaker_guards(project: Project, hit: Hit, files: Collection[str]) -> bool:
    """Does the circuit breaker of ``hit`` wrap a model call? Judged by what its uses wrap
    (a function it decorates or runs, a ``with`` block it guards) wherever the model calls
    and their callers are; gptme's breaker runs MCP tool calls and does not count. With no
    use seen (built in one module and used where no model call is near), by where it is
    built: a file that calls a model, or a name that says so."""
    named = _ASSIGNED_TO.match(hit.text)
    name = named.group(1) if named else "circuit" if hit.text == "@circuit" else None
    guards = llmtraffic.breaker_guards(project, name) if name else None
    return _built_for_a_model(hit, files) if guards is None else guards


def _built_for_a_model(hit: Hit, files: Collection[str]) -> bool:
    """Where a limiter or breaker whose uses are not seen is built: in a file that calls a
    model, or under a name that says so."""
    return hit.path in files or bool(_MODEL_NAME.search(hit.text))


def _llm_context(project: Project, hit: Hit) -> bool:
    """A generic keyword (``fallbacks=``, ``rpm=``) counts only where a model is called."""
    return hit.path in llm_files(project) or signals.mentions(project, hit.path,
                                                                      "litellm")


_DEFAULT_LIMITS = re.compile(r"\b(?:default_limits|application_limits)\s*=\s*\[\s*[^\]\s]")


def _limits_model_work(project: Project, hit: Hit) -> bool:
    """A limiter decorator (``@limiter.limit(...)``, ``@limits(...)``, ``@ratelimit(...)``)
    counts on a function that reaches a model call, as far as the traffic analysis reads
    (three calls down): data-formulator limits its demo-data routes, not its model routes.
    A Flask-Limiter or slowapi ``Limiter(...)`` limits by itself only with default limits,
    which apply to every route (``default_limits=[]``: only the decorated routes)."""
    if hit.text.startswith("@"):
        return llmtraffic.decorated_reaches(project, hit.path, hit.line)
    if hit.text.startswith("Limiter("):
        return bool(_DEFAULT_LIMITS.search(signals.statement(project, hit, max_lines=12)))
    return True


def _entry_hit(entry: Entry, kind: str) -> Hit:
    return Hit(entry.path, entry.line, entry.key, kind)


_LIMITERS = re.compile(
    r"(?P<semaphore>(?:\b\w+\s*=\s*)?\b(?:asyncio\.|threading\.|anyio\.|trio\.)?"
    r"(?:Bounded)?(?:Semaphore|CapacityLimiter)\()|"
    r"(?P<rate_limiter>\bAsyncLimiter\(|@limits\(|@sleep_and_retry\b|\bRateLimitItemPer\w+\(|"
    r"\b(?:Moving|Fixed)Window\w*RateLimiter\(|@limiter\.limit\(|\bThrottler\(|"
    r"\bpLimit\(|\bnew\s+Bottleneck\(|\bclass\s+\w*(?:TokenBucket|LeakyBucket)\w*\b)|"
    r"(?P<Celery_rate_limit>\brate_limit\s*=\s*[\"']\d)|"
    r"(?P<web_framework_limiter>\bRateLimiter\(\s*times\s*=|\bLimiter\(\s*(?:key_func|app)\b|"
    r"@ratelimit\(|\bDepends\(\s*[\w.]*[Rr]ate_?[Ll]imit\w*)|"
    r"(?P<litellm_router_limit>\b(?:rpm|tpm|max_parallel_requests)\s*=\s*\d|"
    r"[\"'](?:rpm|tpm)[\"']\s*:\s*\d)")
_LIMITER_ANCHORS = signals.gate_words(("Limiter(", "ratelimit(", "Depends(", "Semaphore(",
                                       "CapacityLimiter(", "AsyncLimiter(", "@limits(",
                                       "@sleep_and_retry", "RateLimitItemPer", "RateLimiter(",
                                       "@limiter.limit(", "Throttler(", "pLimit(", "Bottleneck(",
                                       "TokenBucket", "LeakyBucket", "rate_limit", "rpm", "tpm",
                                       "max_parallel_requests"))
_LIMIT_KEY = re.compile(r"^(?:model_list\.\d+\.litellm_params|router_settings|litellm_settings|"
                        r"general_settings)\.(?:rpm|tpm|max_parallel_requests|"
                        r"default_max_parallel_requests)$")
_MODEL_NAME = re.compile(r"(?i)^\w*(?:llm|model|openai|anthropic|claude|gpt|gemini|bedrock|"
                         r"provider)\w*\s*=")


_ASSIGNED_TO = re.compile(r"(\w+)\s*=")


def _semaphore_limits(project: Project, hit: Hit, files: Collection[str]) -> bool:
    """Does the semaphore of ``hit`` bound model calls? When the file holds it in ``with``
    blocks, only if one of them makes a model call (or calls a function that does): mem0's
    bounds its vector-store searches, open-deep-research's its web searches. Else (held by
    acquire and release, or built in one module and held in another) by where it is: a
    file that calls a model, or a name that says so."""
    named = _ASSIGNED_TO.match(hit.text)
    if named and hit.path.endswith(".py"):
        held = llmtraffic.held_while_spending(project, hit.path, named.group(1))
        if held is not None:
            return held
    return _built_for_a_model(hit, files)


@check(
    code="INF011",
    gap=Gap.INFRASTRUCTURE,
    title="Are outgoing model calls rate- or concurrency-limited?",
    remediation="Bound concurrent model calls (an asyncio.Semaphore, aiolimiter, litellm "
                "rpm/tpm or max_parallel_requests) below the provider's rate limits.",
)
def rate_limiting(project: Project, config: Config) -> Finding:
    """What it checks:
    A semaphore or capacity limiter held (`with sem:`) around a model call or a call of a
    function that makes one (one held only around other work, such as vector-store or web
    searches, does not count; one held by hand counts in a file that calls a model, or
    named after one),
    a rate limiter (aiolimiter `AsyncLimiter`, `ratelimit`'s `@limits`, the `limits`
    package, slowapi's and Flask-Limiter's `@limiter.limit` on a route that reaches a model
    call or their `Limiter(default_limits=[...])`, `asyncio-throttle`, p-limit, Bottleneck,
    a token bucket class), Celery `rate_limit=`, or litellm Router `rpm`/`tpm`/
    `max_parallel_requests` in code or in a proxy config. Limiters in tests, eval
    harnesses, examples and scripts limit calls that never reach production: they do not
    count.

    Why it matters:
    At 1000x the pilot's traffic, unbounded fan-out hits the provider's requests- and
    tokens-per-minute limits: a burst of 429s, retries that make it worse, and a queue that
    never drains.

    How to fix:
    Put a semaphore or limiter around the one function that calls the model, sized below
    the provider's limits (see `usage.rate_limits`), or set rpm/tpm on the litellm router.
    """
    if not uses_llm(project):
        return not_applicable(llmusage.NO_LLM)
    files = llm_files(project)
    found = [h._replace(kind=h.kind.replace("_", " "))
             for h in signals.search(project, _LIMITERS, anchors=_LIMITER_ANCHORS)
             if (h.kind != "semaphore" or _semaphore_limits(project, h, files))
             and (h.kind != "litellm_router_limit" or _llm_context(project, h))
             and _limits_model_work(project, h)]
    found += [_entry_hit(e, "litellm router limit") for e in config_index(project).find(
        _LIMIT_KEY)]
    found += [Hit(g.path, g.line, g.how, "home-made limiter") for g in llmtraffic.limiters(project)]
    found = [h for h in found if in_production(project, h.path)]
    if found:
        listed, evidence = signals.listing(found)
        return passed(f"model calls are limited: {listed}", *evidence)
    return signals.code_or_config(project, config, "rate-limiting", None, failed(
        "model calls are not rate- or concurrency-limited: a traffic spike goes straight "
        "to the provider's limits"))


CHECKS = (dead_letter_queue, graceful_degradation, rate_limiting)
