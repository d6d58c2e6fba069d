"""Per-call-site infrastructure checks: every LLM call has a timeout, retries, error handling
and validated output. All four read the one call-site index built once per run."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from readiness.config import Config
from readiness.llmcalls import CallSite, CallSiteIndex, Construction, Protection, build_index
from readiness.llmcalls.context import context_of
from readiness.llmcalls.reach import command_files
from readiness.model import Evidence, Finding, Gap, check, failed, not_applicable, passed, warned
from readiness.project import Project, llmusage
from readiness.project.signals import Hit

MAX_PROTECTION_EVIDENCE = 10


def call_sites(project: Project) -> CallSiteIndex:
    """The shared LLM call-site index (each file's facts kept by content between runs)."""
    return project.shared("llmcalls", lambda p: build_index(p, jobs=p.jobs))


def llm_usage(project: Project) -> tuple[Hit, ...]:
    """Where the repository uses an LLM, for the checks that apply only then: what
    ``llmusage`` finds by text (SDK imports, Bedrock clients, gateway configs) or, when it
    finds nothing, the production model calls of the call-site index, which follows an SDK
    imported by name (mle-agent's model classes: ``importlib.import_module(dependency)``
    with ``dependency = "openai"``), so that no check calls an app whose calls the per-call
    checks judge one without LLM usage. The index is built only for an app without such an
    import (it is built anyway by the per-call checks of a full run)."""
    found = llmusage.llm_usage(project)
    if found:
        return found
    return tuple(Hit(c.path, c.line, f"{c.provider} {c.api}", "call")
                 for c in call_sites(project).calls if c.production)


def uses_llm(project: Project) -> bool:
    return bool(llm_usage(project))


def in_production(project: Project, path: str) -> bool:
    """Is ``path`` production code (not a test, an eval harness, an example or a script)?
    What is there limits, computes or records only the calls made there, which never decide
    (LightRAG's semaphore in lightrag/evaluation/eval_rag_quality.py)."""
    return context_of(path, 0, [], command_files(project)) == "production"


def llm_files(project: Project) -> frozenset[str]:
    """Source files that talk to a model directly (``llmusage.llm_files``, or the files of
    the model calls ``llm_usage`` found)."""
    return llmusage.files_of(llm_usage(project))


def _site(call: CallSite, what: str) -> Evidence:
    where = f" in {call.function}()" if call.function else ""
    return Evidence(call.path, call.line, f"{call.provider} {call.api}{where}: no {what}")


def _protections(calls: list[CallSite], pick: Callable[[CallSite], Protection | None]
                 ) -> list[Evidence]:
    seen: dict[tuple[str, int], Evidence] = {}
    for call in calls:
        protection = pick(call)
        if protection is not None:
            seen.setdefault((protection.path, protection.line),
                            Evidence(protection.path, protection.line, protection.how))
    return sorted(seen.values())[:MAX_PROTECTION_EVIDENCE]


def judge_sites(project: Project, what: str, pick: Callable[[CallSite], Protection | None],
                applies: Callable[[CallSite], bool] = lambda c: True, article: str = "",
                built: Callable[[Construction], Protection | None] | None = None,
                default_warns: bool = False) -> Finding:
    """Fail listing every production generation call without the protection; pass only
    when all have it. Tests, examples and other non-production code, and embeddings,
    rerank, listing and image calls, are counted in the details but never decide.

    ``built`` judges construction sites when no call can be traced to them (timeouts and
    retries live on the client); ``default_warns``: an SDK's implicit default is a warning.
    """
    index = call_sites(project)
    generation = [c for c in index.calls if c.purpose == "generation"]
    calls = [c for c in generation if c.production and applies(c)]
    details = _details(index, calls, pick)
    if not calls:
        return _untraced(index, generation, what, built, details)
    bare = [c for c in calls if pick(c) is None]
    if bare:
        return _with(failed(f"{len(bare)} of {len(calls)} LLM calls have no {what}",
                            *(_site(c, what) for c in bare)), details)
    weak = [c for c in calls if (p := pick(c)) is not None and p.strength == "weak"]
    if weak:
        return _with(warned(f"{len(weak)} of {len(calls)} LLM calls have only a weak {what}",
                            *(Evidence(c.path, c.line, (pick(c) or Protection("", 0, "")).how)
                              for c in weak)), details)
    default = [c for c in calls if (p := pick(c)) is not None and p.strength == "default"]
    if default and default_warns:
        return _with(warned(
            f"{len(default)} of {len(calls)} LLM calls rely only on the SDK's default {what}; "
            "set it explicitly so it is a decision, not an accident",
            *(Evidence(c.path, c.line, (pick(c) or Protection("", 0, "")).how)
              for c in default)), details)
    note = f" ({len(default)} by the SDK's default)" if default else ""
    return _with(passed(f"all {len(calls)} LLM calls have {article}{what}{note}",
                        *_protections(calls, pick)), details)


def _untraced(index: CallSiteIndex, generation: list[CallSite], what: str,
              built: Callable[[Construction], Protection | None] | None,
              details: tuple[tuple[str, object], ...]) -> Finding:
    """No production generation call was traced: judge the model objects the production
    code builds, or say exactly why nothing applies."""
    reached = {c.client for c in index.calls}
    objects = [b for b in index.constructions
               if b.production and f"{b.path}:{b.line}" not in reached]
    if objects and built is not None:
        bare = [b for b in objects if built(b) is None]
        if bare:
            return _with(failed(
                f"{len(bare)} of {len(objects)} model objects are built without {what} (no "
                "call could be traced to them; see `readiness calls`)",
                *(Evidence(b.path, b.line, f"{b.provider} {b.label}: no {what}")
                  for b in bare)), details)
        return _with(warned(
            f"all {len(objects)} model objects are built with {what}, but no call could be "
            "traced to them (see `readiness calls`)",
            *(Evidence(b.path, b.line, (built(b) or Protection("", 0, "")).how)
              for b in objects[:MAX_PROTECTION_EVIDENCE])), details)
    if objects:
        return _with(warned(
            f"{len(objects)} model objects are built but no call to them could be traced, so "
            f"{what} cannot be judged (see `readiness calls`)",
            *(Evidence(b.path, b.line, f"{b.provider} {b.label}") for b in objects)), details)
    elsewhere = [c for c in generation if not c.production]
    if elsewhere:
        kinds = ", ".join(sorted({c.context for c in elsewhere}))
        return _with(not_applicable(
            f"no production LLM calls; {len(elsewhere)} in {kinds} code, not judged"), details)
    if index.calls:
        kinds = ", ".join(sorted({c.purpose for c in index.calls}))
        return _with(not_applicable(f"no text-generation LLM calls (only {kinds})"), details)
    return not_applicable(f"no LLM calls found in {index.files_total} Python files")


def _details(index: CallSiteIndex, calls: list[CallSite],
             pick: Callable[[CallSite], Protection | None]) -> tuple[tuple[str, object], ...]:
    """Counts and sites for the JSON scorecard: what was judged and what was not."""
    return (
        ("judged_calls", len(calls)),
        ("unprotected", [f"{c.path}:{c.line}" for c in calls if pick(c) is None]),
        ("not_judged", {
            "non_production": sum(1 for c in index.calls if not c.production),
            "not_generation": sum(1 for c in index.calls
                                  if c.production and c.purpose != "generation"),
        }),
        ("model_objects_built", sum(1 for b in index.constructions if b.production)),
    )


def _with(finding: Finding, details: tuple[tuple[str, object], ...]) -> Finding:
    return dataclasses.replace(finding, details=finding.details + details)


@check(code="INF001", gap=Gap.INFRASTRUCTURE,
       title="Does every LLM call have a timeout?",
       remediation="Pass timeout= to the client (e.g. OpenAI(timeout=30)) or to each call, so "
                   "a hung provider fails fast instead of holding the request.")
def llm_timeouts(project: Project, config: Config) -> Finding:
    """What it checks:
    Every LLM call site (OpenAI, Anthropic, Gemini, Bedrock, litellm, LangChain, LlamaIndex,
    raw HTTP to a model API) has an explicit timeout: on the call, on the client it is made
    with (wherever that client is built), or through with_options/botocore Config.
    SDK defaults (10 minutes for OpenAI and Anthropic) do not count; a library's own bounded
    per-request timeout does (lmi's 60 s per model spec), noted as a default.

    Why it matters:
    A provider that hangs holds a worker, a request and a user for minutes. At production
    volume a slow provider turns into a full outage of the application.

    How to fix:
    Build clients in one place with a timeout sized to the workflow (often 20-60 s) and
    use them everywhere; pass a shorter per-call timeout for interactive paths.
    """
    return judge_sites(project, "timeout", lambda c: c.timeout, article="a ",
                       built=lambda b: b.timeout)


@check(code="INF002", gap=Gap.INFRASTRUCTURE,
       title="Do LLM calls retry with backoff?",
       remediation="Keep the SDK's max_retries (or set it explicitly), or wrap calls with "
                   "tenacity/backoff with exponential backoff and a cap.")
def llm_retries(project: Project, config: Config) -> Finding:
    """What it checks:
    Every LLM call site retries transient failures with backoff: the SDK's max_retries
    (its default counts, 0 does not), tenacity.retry, backoff.on_exception, stamina, a
    litellm num_retries or Router, LangChain with_retry, or a home-made wrapper that
    loops and sleeps.

    Why it matters:
    Rate limits (429) and brief provider errors are routine at production volume; without
    retries each one becomes a user-facing failure.

    How to fix:
    Use the SDK's retries or a tenacity decorator with exponential backoff and jitter, and
    cap the attempts so retries do not multiply load during an outage.
    """
    return judge_sites(project, "retry", lambda c: c.retry, article="a ",
                       built=lambda b: b.retry, default_warns=True)


@check(code="INF003", gap=Gap.INFRASTRUCTURE,
       title="Are API errors handled at every LLM call?",
       remediation="Catch the SDK's API errors around each call (or in its caller) and turn "
                   "them into a fallback, a queued retry or a clear error for the user.")
def llm_error_handling(project: Project, config: Config) -> Finding:
    """What it checks:
    Every LLM call site is inside a try/except that catches the SDK's errors (or Exception),
    in its own function or in the function that calls it.

    Why it matters:
    An unhandled provider error crashes the request, loses the work item and, in a batch
    job, often the whole batch.

    How to fix:
    Catch openai.APIError / anthropic.APIError / botocore ClientError (or Exception) around
    the call, log it with the request id, and degrade or dead-letter the item.
    """
    return judge_sites(project, "error handling", lambda c: c.error_handling)


@check(code="INF004", gap=Gap.INFRASTRUCTURE,
       title="Is model output parsed and validated?",
       remediation="Ask for structured output (response_format with a schema, .parse(), "
                   "with_structured_output) or validate the text with pydantic before use.")
def llm_output_validation(project: Project, config: Config) -> Finding:
    """What it checks:
    The output of every LLM call that is used as data (decoded with json.loads, parsed,
    validated, or asked for as structured output, where it is made or in a caller it is
    returned to) is parsed and validated: structured
    output (response_format with a JSON schema or a pydantic model, .parse(), instructor's
    response_model, with_structured_output, an output parser) or the result flowing into
    pydantic model_validate, a TypeAdapter or jsonschema.validate. json.loads alone is weak
    (a warning): it parses but does not check the shape. Free text (an answer shown to a
    person, a draft, a streamed reply) is never parsed as data and has nothing to validate.

    Why it matters:
    Models return something unexpected sooner or later: a missing field, a wrong type, prose
    around the JSON. Unvalidated, it flows into the database or the user's screen.

    How to fix:
    Define the expected output as a pydantic model and use the SDK's structured-output mode,
    or validate the text and handle a validation error like an API error.
    """
    index = call_sites(project)
    generation = [c for c in index.calls if c.production and c.purpose == "generation"]
    free = [c for c in generation if not c.data]
    if free and len(free) == len(generation):
        return _with(passed(
            f"all {len(free)} LLM calls return free text (answers, drafts, streamed replies) "
            "that is never parsed as data: nothing to validate",
            *(Evidence(c.path, c.line, "free text") for c in free[:MAX_PROTECTION_EVIDENCE])),
            _details(index, [], lambda c: c.output_validation) + (("free_text", len(free)),))
    finding = judge_sites(project, "output validation", lambda c: c.output_validation,
                          lambda c: c.data)
    return _with(finding, (("free_text", len(free)),)) if free else finding


CHECKS = (llm_timeouts, llm_retries, llm_error_handling, llm_output_validation)
