"""What the code does with each model call's request and result, for the plumbing checks:
which are logged (and with an id), where token usage is recorded, what answers when a call
fails. Read from the call-site index joined with per-file data flow (``llmcalls.traffic``),
never from words near a line."""

from __future__ import annotations

from typing import NamedTuple

from readiness.config import Config
from readiness.llmcalls.records import CallSite
from readiness.llmcalls.traffic import Guard, Sink, Traffic, names_later, traffic
from readiness.model import Evidence
from readiness.project import Project, llmtracing
from readiness.project.signals import Hit

from .callsites import call_sites

RECORDING = ("log", "metric", "store")


def generation_sites(project: Project) -> list[CallSite]:
    """Production calls that generate (not embeddings, listings, tests or examples)."""
    return [c for c in call_sites(project).calls if c.production and c.purpose == "generation"]


def project_traffic(project: Project) -> Traffic:
    return traffic(project, call_sites(project).calls)


def traffic_later(project: Project, config: Config) -> None:
    """A ``prepare`` hook: start what the traffic analysis will read of every file
    (``names_later``) in the worker processes' idle moments."""
    names_later(project)


class Logged(NamedTuple):
    """What the code logs of its model calls, each side with its first place."""

    sites: int
    request: Evidence | None
    response: Evidence | None
    ids: tuple[Evidence, ...]  # the log calls above that carry a request or trace id
    covered: int  # sites whose request or response is logged


def logged(project: Project) -> Logged:
    """The request and response logs of every production generation call."""
    sites = generation_sites(project)
    flows = project_traffic(project)
    request: Evidence | None = None
    response: Evidence | None = None
    ids: dict[tuple[str, int], Evidence] = {}
    covered = 0
    for site in sites:
        here = False
        for path, line, has_id in flows.request_logs(site):
            here = True
            request = request or Evidence(path, line, f"logs the request of line {site.line}")
            if has_id:
                ids.setdefault((path, line), Evidence(path, line, "request id"))
        for sink in flows.result_sinks(site):
            if sink.kind != "log":
                continue
            here = True
            response = response or Evidence(sink.path, sink.line,
                                            f"logs the result of {site.path}:{site.line}")
            if sink.with_id or flows.log_has_id(sink.path, sink.line):
                ids.setdefault((sink.path, sink.line), Evidence(sink.path, sink.line,
                                                                "request id"))
        covered += here
    return Logged(len(sites), request, response, tuple(ids.values()), covered)


class UsageFlow(NamedTuple):
    """Where token usage read from model results goes."""

    recorded: tuple[Sink, ...]  # logged, stored or exported as a metric
    unrecorded: tuple[Sink, ...]  # read, shown or kept in memory only
    sites: int
    covered: int


def usage_flow(project: Project) -> UsageFlow:
    """The usage sinks of every production generation call (and of cost helpers)."""
    flows = project_traffic(project)
    recorded: dict[tuple[str, int], Sink] = {}
    unrecorded: dict[tuple[str, int], Sink] = {}
    sites = generation_sites(project)
    covered = 0
    sink_lists = [flows.result_sinks(site) for site in sites]
    for path, key, label in flows.usage_sources():
        computed = Sink(path, int(key.split(":")[0]), "read", label, "u")
        sink_lists.append([computed, *flows.usage_sinks(path, key)])
    for position, sinks in enumerate(sink_lists):
        usage = [s for s in sinks if s.side == "u"]
        kept = [s for s in usage if s.kind in RECORDING]
        for sink in kept:
            recorded.setdefault((sink.path, sink.line), sink)
        for sink in usage:
            if sink.kind not in RECORDING:
                unrecorded.setdefault((sink.path, sink.line), sink)
        covered += bool(kept) and position < len(sites)
    return UsageFlow(tuple(sorted(recorded.values())), tuple(sorted(unrecorded.values())),
                     len(sites), covered)


def guards(project: Project) -> list[Guard]:
    return project_traffic(project).guards()


def limiters(project: Project) -> list[Guard]:
    """Home-made limiters model calls go through, and usage quotas that make them wait."""
    flows = project_traffic(project)
    found = flows.limiters()
    found += [Guard(s.path, s.line, f"waits while a token quota is used up ({s.label[6:]})")
              for s in flows.caps() if s.label.startswith("wait:")]
    return found


def spend_caps(project: Project) -> list[Sink]:
    """Comparisons of accumulated usage or cost that stop the remaining work."""
    return [s for s in project_traffic(project).caps() if s.label.startswith("stop:")]


def decorated_reaches(project: Project, path: str, line: int) -> bool:
    """Does the function a decorator at ``path:line`` decorates reach a generation call, as
    far as the traffic analysis reads (``Traffic.decorated_reaches``)? False when the
    project makes none."""
    if not generation_sites(project):
        return False
    return project_traffic(project).decorated_reaches(path, line) is True


def held_while_spending(project: Project, path: str, name: str) -> bool | None:
    """Is a model call made while the semaphore or lock ``name`` is held in ``path`` (None:
    not known, see ``Traffic.held_while_spending``)?"""
    return project_traffic(project).held_while_spending(path, name)


def breaker_guards(project: Project, name: str) -> bool | None:
    """Does the circuit breaker ``name`` wrap a model call (None: no use of it is seen, see
    ``Traffic.breaker_guards``)?"""
    return project_traffic(project).breaker_guards(name)


# Tracing set up by decorating a function (LangSmith ``@traceable``, Langfuse ``@observe``):
# it records that function's inputs and outputs, the model's only when the model is called
# under it.
_DECORATORS = ("@traceable", "@observe")


def llm_tracing(project: Project) -> tuple[Hit, ...]:
    """``llmtracing.tracing`` without the tracing decorators put on a function that does not
    reach a model call (open-deep-research's ``@traceable`` on its Tavily search, at
    legacy/utils.py:172), as far as the traffic analysis has read: one on a function it has
    not seen reach a model call, in a file it has not read, still counts."""
    found = llmtracing.tracing(project)
    if not any(h.text.startswith(_DECORATORS) for h in found):
        return found
    sites = generation_sites(project)
    flows = project_traffic(project) if sites else None
    kept = tuple(h for h in found if not h.text.startswith(_DECORATORS) or flows is None
                 or flows.decorated_reaches(h.path, h.line) is not False)
    if flows is None or not kept or not all(h.text.startswith(_DECORATORS) for h in kept):
        return kept
    # Tracing by decorators alone records what runs under the decorated functions: it is
    # the project's LLM tracing only when every generation call runs under one (open-deep-
    # research's @traceable on its Perplexity search traces that one call, not its graph's).
    traced = {(h.path, function) for h in kept
              if (function := flows.decorated_function(h.path, h.line))}
    return kept if flows.made_under(traced) else ()
